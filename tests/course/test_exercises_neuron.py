"""Chapter 1 checkers: the right answer passes, typical wrong answers get the right hint."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch1_neuron import exercises as ex


def verdict(check, fn, capsys):
    result = check(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return result, out


# ---------------------------------------------------------------- pre-activation


def pre_activation(X, w, b):
    return X @ w + b


def test_pre_activation_correct(capsys):
    result, out = verdict(ex.check_pre_activation, pre_activation, capsys)
    assert result is True and out.startswith("✔ Pre-activation")


def test_pre_activation_with_explicit_loop_also_passes(capsys):
    def looped(X, w, b):
        X = np.asarray(X)
        if X.ndim == 1:
            return sum(wi * xi for wi, xi in zip(w, X, strict=True)) + b
        return np.array([sum(wi * xi for wi, xi in zip(w, row, strict=True)) + b for row in X])

    assert verdict(ex.check_pre_activation, looped, capsys)[0] is True


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda X, w, b: X @ w, "left out the bias"),
        (lambda X, w, b: X @ w - b, "plus sign"),
        (lambda X, w, b: X * w + b, "add them up"),
        (lambda X, w, b: X * w, "add them up and add the bias"),
        (
            lambda X, w, b: (
                (np.atleast_2d(X) @ w + b).reshape(-1, 1) if np.ndim(X) == 2 else X @ w + b
            ),
            "not (4, 1)",
        ),
        (lambda X, w, b: np.sum(X * w) + b, "expected shape (4,), got ()"),
    ],
)
def test_pre_activation_wrong(wrong, phrase, capsys):
    result, out = verdict(ex.check_pre_activation, wrong, capsys)
    assert result is False
    assert phrase in out, out


def test_pre_activation_not_attempted(capsys):
    def todo(X, w, b):
        raise NotImplementedError("fill me in")

    result, out = verdict(ex.check_pre_activation, todo, capsys)
    assert result is False and "not attempted yet" in out


# ---------------------------------------------------------------- bias folding


def fold_bias(x, w, b):
    return np.concatenate([[1.0], x]), np.concatenate([[b], w])


def test_fold_bias_correct(capsys):
    result, out = verdict(ex.check_fold_bias, fold_bias, capsys)
    assert result is True
    assert "passed (10 cases)" in out


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (lambda x, w, b: (np.append(x, 1.0), np.append(w, b)), "at the end"),
        (lambda x, w, b: (np.concatenate([[0.0], x]), np.concatenate([[b], w])), "+1, not 0"),
        (lambda x, w, b: (np.concatenate([[-1.0], x]), np.concatenate([[b], w])), "x_0 = +1"),
        (lambda x, w, b: (np.concatenate([[1.0], x]), np.concatenate([[-b], w])), "not -b"),
        (lambda x, w, b: (np.concatenate([[1.0], x]), w), "w_aug for a w of 2 weights"),
        (lambda x, w, b: np.concatenate([[1.0], x]) @ np.concatenate([[b], w]), "two arrays"),
    ],
)
def test_fold_bias_wrong(wrong, phrase, capsys):
    result, out = verdict(ex.check_fold_bias, wrong, capsys)
    assert result is False
    assert phrase in out, out


def test_fold_bias_in_place_modification(capsys):
    def sneaky(x, w, b):
        w[0] += 0  # touching is fine ...
        x[0] = 1.0  # ... overwriting the caller's data is not
        return np.concatenate([[1.0], x]), np.concatenate([[b], w])

    result, out = verdict(ex.check_fold_bias, sneaky, capsys)
    assert result is False and "in place" in out


# ---------------------------------------------------------------- AND gate


def neuron(w, b):
    return lambda X: nk.activations.step(np.asarray(X, dtype=float) @ np.asarray(w) + b)


def test_and_gate_correct_for_several_good_weightings(capsys):
    for w, b in [([1.0, 1.0], -1.5), ([2.0, 2.0], -3.0), ([0.6, 0.5], -1.0)]:
        result, out = verdict(ex.check_and_gate, neuron(w, b), capsys)
        assert result is True, (w, b, out)


@pytest.mark.parametrize(
    "w, b, phrase",
    [
        ([1.0, 1.0], -0.5, "computes OR"),
        ([-1.0, -1.0], 1.5, "NAND"),
        ([1.0, 1.0], 0.0, "fires for every input"),
        ([1.0, 1.0], -3.0, "never fires"),
        ([1.0, 0.0], -0.5, "only looks at x1"),
        ([-1.0, 1.0], -0.5, "expected [0, 0, 0, 1], got [0, 1, 0, 0]"),
    ],
)
def test_and_gate_wrong_weights(w, b, phrase, capsys):
    result, out = verdict(ex.check_and_gate, neuron(w, b), capsys)
    assert result is False
    assert phrase in out, out


def test_and_gate_without_step_or_wrong_shape(capsys):
    _, out = verdict(ex.check_and_gate, lambda X: X @ np.array([1.0, 1.0]) - 1.5, capsys)
    assert "only 0 or 1" in out
    _, out = verdict(
        ex.check_and_gate, lambda X: (X @ np.array([[1.0], [1.0]]) - 1.5 >= 0) * 1.0, capsys
    )
    assert "shape (4,)" in out


# ---------------------------------------------------------------- perceptron update


def perceptron_update(w, b, x, t, lr):
    y = 1 if w @ x + b >= 0 else 0
    return w + lr * (t - y) * x, b + lr * (t - y)


def test_perceptron_update_correct(capsys):
    result, out = verdict(ex.check_perceptron_update, perceptron_update, capsys)
    assert result is True and "passed (16 cases)" in out


def test_perceptron_update_matches_nnkit_on_random_cases():
    """The reference the checker compares with is nnkit's Perceptron; both agree with the
    rule written out, over many random cases."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        w, b, x = rng.normal(size=3), float(rng.normal()), rng.normal(size=3)
        t, lr = int(rng.integers(0, 2)), float(rng.choice([0.1, 1.0]))
        w_ref, b_ref = ex._reference_update(w, b, x, t, lr)
        w_new, b_new = perceptron_update(w, b, x, t, lr)
        assert np.allclose(w_ref, w_new) and np.isclose(b_ref, b_new)


def _step(z):
    return 1 if z >= 0 else 0


@pytest.mark.parametrize(
    "wrong, phrase",
    [
        (
            lambda w, b, x, t, lr: (
                w - lr * (t - _step(w @ x + b)) * x,
                b - lr * (t - _step(w @ x + b)),
            ),
            "wrong way",
        ),
        (lambda w, b, x, t, lr: (w + lr * (t - _step(w @ x + b)) * x, b), "bias must change"),
        (
            lambda w, b, x, t, lr: (w + (t - _step(w @ x + b)) * x, b + (t - _step(w @ x + b))),
            "learning rate",
        ),
        (
            lambda w, b, x, t, lr: (w + lr * (t - (w @ x + b)) * x, b + lr * (t - (w @ x + b))),
            "not z itself",
        ),
        (lambda w, b, x, t, lr: (w + lr * t * x, b + lr * t), "did you use t instead of (t - ŷ)"),
        (
            lambda w, b, x, t, lr: (w + lr * (2 * t - 1) * x, b + lr * (2 * t - 1)),
            "nothing should change",
        ),
        (
            lambda w, b, x, t, lr: (
                w + lr * (t - int(w @ x + b > 0)) * x,
                b + lr * (t - int(w @ x + b > 0)),
            ),
            "at z = 0 the step function outputs 1",
        ),
        (lambda w, b, x, t, lr: w + lr * (t - _step(w @ x + b)) * x, "return (w_new, b_new)"),
    ],
)
def test_perceptron_update_wrong(wrong, phrase, capsys):
    result, out = verdict(ex.check_perceptron_update, wrong, capsys)
    assert result is False
    assert phrase in out, out


def test_perceptron_update_in_place(capsys):
    def in_place(w, b, x, t, lr):
        y = _step(w @ x + b)
        w += lr * (t - y) * x
        return w, b + lr * (t - y)

    result, out = verdict(ex.check_perceptron_update, in_place, capsys)
    assert result is False and "in place" in out
