"""Rosenblatt's perceptron and its learning rule."""

import numpy as np
import pytest

import nnkit as nk


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
def test_perceptron_learns_linearly_separable_gates(gate):
    X, y = nk.datasets.logic_gate(gate)
    p = nk.Perceptron(2)
    h = p.fit(X, y, epochs=20)
    assert h.converged and h.errors[-1] == 0
    assert h.converged_epoch == len(h.errors)
    assert np.array_equal(p.predict(X), y)


def test_perceptron_cannot_learn_xor():
    X, y = nk.datasets.logic_gate("XOR")
    p = nk.Perceptron(2)
    h = p.fit(X, y, epochs=50)
    assert not h.converged and h.converged_epoch is None
    assert len(h.errors) == 50 and min(h.errors) > 0
    assert np.mean(p.predict(X) == y) <= 0.75  # no line gets all four right


def test_update_rule():
    p = nk.Perceptron(2, lr=0.5)
    # w = 0, b = 0: z = 0 -> predicts 1; target 0 -> error -1
    assert p.update(np.array([1.0, 2.0]), 0) is True
    assert np.allclose(p.w, [-0.5, -1.0]) and p.b == -0.5
    # now z = -0.5 - 2 - 0.5 < 0 -> predicts 0 = target: nothing changes
    assert p.update(np.array([1.0, 2.0]), 0) is False
    assert np.allclose(p.w, [-0.5, -1.0]) and p.b == -0.5
    assert p.update([0.0, 0.0], 1) is True
    assert p.b == 0.0


def test_net_input_and_predict():
    p = nk.Perceptron(2)
    p.w = np.array([1.0, -1.0])
    p.b = -0.5
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.0]])
    assert np.allclose(p.net_input(X), [0.5, -1.5, 0.0])
    assert np.array_equal(p.predict(X), [1, 0, 1])
    assert p.predict(X).dtype.kind == "i"


def test_history_records_weights_and_steps():
    X, y = nk.datasets.logic_gate("AND")
    p = nk.Perceptron(2)
    h = p.fit(X, y, epochs=20)
    assert len(h.weights) == len(h.errors) + 1
    assert np.array_equal(h.weights[0][0], [0.0, 0.0]) and h.weights[0][1] == 0.0
    assert np.array_equal(h.weights[-1][0], p.w) and h.weights[-1][1] == p.b
    assert len(h.steps) == 4 * len(h.errors)
    assert [s[2] for s in h.steps[:4]] == [0, 1, 2, 3]
    assert sum(s[3] != 0 for s in h.steps) == sum(h.errors)
    # replaying the recorded errors with the rule reproduces the weights
    w, b = np.zeros(2), 0.0
    for _, _, i, error in h.steps:
        w, b = w + error * X[i], b + error
    assert np.allclose(w, p.w) and b == p.b
    assert "converged=True" in repr(h)


def test_normal_init_is_seeded():
    a = nk.Perceptron(3, init="normal", rng=4).w
    assert np.array_equal(a, nk.Perceptron(3, init="normal", rng=4).w)
    assert not np.array_equal(a, nk.Perceptron(3, init="normal", rng=5).w)
    assert a.std() < 0.1


def test_learning_rate_scales_the_weights():
    X, y = nk.datasets.logic_gate("OR")
    small, big = nk.Perceptron(2, lr=1.0), nk.Perceptron(2, lr=3.0)
    small.fit(X, y)
    big.fit(X, y)
    # from zero weights the rule's updates are proportional to lr
    assert np.allclose(big.w, 3 * small.w) and big.b == pytest.approx(3 * small.b)
