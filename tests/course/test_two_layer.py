"""The course's two-layer reference pass (nnkit/course/two_layer.py): it is nnkit's own
forward and backward pass, it passes a gradient check, and it names what it refuses."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.course import two_layer


def problem(n, d, h, c, seed):
    """Inputs, labels and the parameters of a ``d → h → c`` network with nonzero biases."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, c, size=n)
    params = {"W1": rng.normal(size=(h, d)), "b1": 0.1 * rng.normal(size=h),
              "W2": rng.normal(size=(c, h)), "b2": 0.1 * rng.normal(size=c)}
    return X, y, params


def test_it_is_nnkits_forward_and_backward_pass():
    model = nk.Sequential(nk.Dense(5, 4, init="he", rng=0), nk.ReLU(), nk.Dense(4, 3, rng=1))
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    loss_fn = nk.CrossEntropyLoss()
    loss = loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    params = dict(zip(two_layer.PARAM_NAMES, (p.value for p in model.parameters()), strict=True))
    ours, grads = two_layer.loss_and_gradients(X, y, params)
    assert ours == pytest.approx(loss, rel=1e-12)
    for name, p in zip(two_layer.PARAM_NAMES, model.parameters(), strict=True):
        np.testing.assert_allclose(grads[name], p.grad, rtol=1e-10, atol=1e-14)


def test_it_passes_a_gradient_check():
    X, y, params = problem(4, 3, 5, 3, seed=2)
    _, grads = two_layer.loss_and_gradients(X, y, params)
    for name in two_layer.PARAM_NAMES:
        numeric = nk.numerical_gradient(
            lambda: two_layer.loss_and_gradients(X, y, params)[0], params[name])
        assert np.allclose(grads[name], numeric, rtol=1e-5, atol=1e-8), name


def test_huge_logits_give_a_finite_loss():
    # The label's logit 1000 below the row's largest: log of softmax would be log 0.
    X, y = np.array([[1.0]]), np.array([1])
    params = {"W1": np.array([[1.0]]), "b1": np.zeros(1), "W2": np.array([[1000.0], [0.0]]),
              "b2": np.zeros(2)}
    loss, grads = two_layer.loss_and_gradients(X, y, params)
    assert loss == pytest.approx(1000.0)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_bad_inputs_get_clear_errors():
    X, y, params = problem(4, 3, 5, 3, seed=5)
    with pytest.raises(ValueError, match="X: expected shape"):
        two_layer.loss_and_gradients(X[:, :2], y, params)
    with pytest.raises(ValueError, match="integer labels"):
        two_layer.check_problem(X, y.astype(float), params)
    with pytest.raises(ValueError, match="integer labels in 0..2"):
        two_layer.check_problem(X, y + 3, params)
    with pytest.raises(ValueError, match="missing"):
        two_layer.check_problem(X, y, {"W1": params["W1"]})
