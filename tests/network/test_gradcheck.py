"""Finite-difference gradient checks for every layer and every loss."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.gradcheck import numerical_gradient, relative_error

RNG = np.random.default_rng(0)
X = RNG.normal(size=(6, 3))
LABELS = np.array([0, 1, 2, 1, 0, 2])


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu", "softmax"])
def test_every_activation_layer_backpropagates_correctly(activation):
    model = nk.Sequential(nk.Dense(3, 5, rng=1), nk.get_activation(activation),
                          nk.Dense(5, 3, rng=2))
    # ReLU has a kink at 0; these seeds keep every pre-activation away from it.
    if activation == "relu":
        assert np.abs(model[0](X)).min() > 1e-4
    assert nk.gradcheck(model, nk.CrossEntropyLoss(), X, LABELS) < 1e-7


def test_dense_without_bias_and_single_layer_models():
    assert nk.gradcheck(nk.Dense(3, 2, rng=0, bias=False), nk.MSELoss(), X,
                        RNG.normal(size=(6, 2))) < 1e-7
    assert nk.gradcheck(nk.Dense(3, 3, rng=0), nk.CrossEntropyLoss(), X, LABELS) < 1e-7


@pytest.mark.parametrize("loss, head, target", [
    (nk.MSELoss(), [], RNG.normal(size=(6, 2))),
    (nk.BCELoss(), [nk.Sigmoid()], RNG.integers(0, 2, size=(6, 2)).astype(float)),
    (nk.CrossEntropyLoss(), [], np.array([0, 1, 1, 0, 1, 0])),
    (nk.CrossEntropyLoss(), [], nk.one_hot([0, 1, 1, 0, 1, 0], 2)),
], ids=["mse", "bce", "ce-labels", "ce-onehot"])
def test_every_loss_backpropagates_correctly(loss, head, target):
    model = nk.Sequential(nk.Dense(3, 4, rng=3), nk.Tanh(), nk.Dense(4, 2, rng=4), *head)
    assert nk.gradcheck(model, loss, X, target) < 1e-7


def test_deep_network():
    model = nk.Sequential(nk.Dense(3, 6, rng=5), nk.Tanh(), nk.Dense(6, 6, rng=6),
                          nk.Sigmoid(), nk.Dense(6, 4, rng=7), nk.Softmax(),
                          nk.Dense(4, 3, rng=8))
    assert nk.gradcheck(model, nk.CrossEntropyLoss(), X, LABELS) < 1e-7


def test_gradcheck_catches_a_wrong_backward():
    class BrokenTanh(nk.Tanh):
        def backward(self, grad_out):
            return grad_out * (1.0 - self.cache)  # forgot to square

    model = nk.Sequential(nk.Dense(3, 4, rng=0), BrokenTanh(), nk.Dense(4, 3, rng=1))
    assert nk.gradcheck(model, nk.CrossEntropyLoss(), X, LABELS) > 1e-3


def test_gradcheck_leaves_the_parameters_unchanged():
    model = nk.Sequential(nk.Dense(3, 4, rng=0), nk.Tanh(), nk.Dense(4, 3, rng=1))
    before = [p.value.copy() for p in model.parameters()]
    nk.gradcheck(model, nk.CrossEntropyLoss(), X, LABELS)
    for b, p in zip(before, model.parameters(), strict=True):
        assert np.array_equal(b, p.value)


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    assert np.allclose(grad, 3 * x ** 2, atol=1e-6)
    assert np.array_equal(x, [[1.0, -2.0], [0.5, 3.0]])  # restored afterwards


def test_numerical_gradient_accepts_a_parameter():
    layer = nk.Dense(3, 2, rng=0)
    loss = nk.MSELoss()
    target = np.ones((6, 2))
    loss(layer(X), target)
    layer.backward(loss.backward())
    numeric = numerical_gradient(lambda: loss(layer(X), target), layer.W)
    assert np.allclose(numeric, layer.W.grad, atol=1e-8)


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
