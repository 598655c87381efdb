"""The chapter-5 checkers accept right answers and name typical wrong ones."""

import numpy as np
import pytest

from nnkit.activations import sigmoid, sigmoid_grad
from nnkit.course.ch5_chain_rule import exercises as ex


def _verdict(capsys, checker, fn):
    ok = checker(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return ok, out


# ------------------------------------------------------------------ tiny_gradients

def tiny_factory(two=2.0, sign=1.0, out_slope=True, hidden_slope=True, sigma_of_a=False,
                 theta2_input="a2", transpose1=False, swap=False):
    def tiny_gradients(x, y, theta1, theta2):
        z2 = theta1 @ x
        a2 = sigmoid(z2)
        z3 = theta2 @ a2
        a3 = sigmoid(z3)
        s3 = sigmoid_grad(a3) if sigma_of_a else a3 * (1 - a3)
        s2 = sigmoid_grad(a2) if sigma_of_a else a2 * (1 - a2)
        delta3 = two * sign * (a3 - y) * (s3 if out_slope else 1.0)
        dtheta2 = np.outer(delta3, a2 if theta2_input == "a2" else z2)
        delta2 = theta2[0] * delta3 * (s2 if hidden_slope else 1.0)
        dtheta1 = np.outer(x, delta2) if transpose1 else np.outer(delta2, x)
        return (dtheta2, dtheta1) if swap else (dtheta1, dtheta2)
    return tiny_gradients


def test_tiny_gradients_right_answer(capsys):
    ok, out = _verdict(capsys, ex.check_tiny_gradients, tiny_factory())
    assert ok and out.startswith("✔") and "6 cases" in out


def test_tiny_gradients_agrees_with_the_graph_module(capsys):
    from nnkit.course.ch5_chain_rule import lab as graph

    def via_trace(x, y, theta1, theta2):
        tr = graph.tiny_trace(x, y, theta1, theta2)
        return tr.dJ_dtheta1, tr.dJ_dtheta2

    ok, _ = _verdict(capsys, ex.check_tiny_gradients, via_trace)
    assert ok


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(two=1.0), "factor 2 is missing"),
        (dict(sign=-1.0), "sign is flipped"),
        (dict(out_slope=False), "σ'(z(3))"),
        (dict(sigma_of_a=True), "evaluated at a(3)"),
        (dict(theta2_input="z2"), "not z(2)"),
        (dict(hidden_slope=False), "∂a(2)/∂z(2)"),
        (dict(transpose1=True), "transposed"),
        (dict(swap=True), "wrong order"),
    ],
)
def test_tiny_gradients_typical_mistakes(capsys, kwargs, fragment):
    ok, out = _verdict(capsys, ex.check_tiny_gradients, tiny_factory(**kwargs))
    assert not ok and out.startswith("✘")
    assert fragment in out, out


def test_tiny_gradients_not_attempted_and_wrong_return(capsys):
    def todo(x, y, theta1, theta2):
        raise NotImplementedError

    ok, out = _verdict(capsys, ex.check_tiny_gradients, todo)
    assert not ok and "not attempted" in out
    ok, out = _verdict(capsys, ex.check_tiny_gradients, lambda x, y, t1, t2: t1)
    assert not ok and "pair" in out


# ------------------------------------------------------------------ dense_backward

def dense_factory(kind="right"):
    def dense_backward(X, W, G):
        dX = G @ W
        dW = G.T @ X
        db = G.sum(axis=0)
        if kind == "dW transposed":
            dW = X.T @ G
        elif kind == "db per sample":
            db = G
        elif kind == "db mean":
            db = G.mean(axis=0)
        elif kind == "dW averaged":
            dW = G.T @ X / X.shape[0]
        elif kind == "dX wrong":
            dX = 0.5 * G @ W
        elif kind == "no return":
            return None
        return dX, dW, db
    return dense_backward


def test_dense_backward_right_answer(capsys):
    ok, out = _verdict(capsys, ex.check_dense_backward, dense_factory())
    assert ok and "gradient check" in out


@pytest.mark.parametrize(
    "kind, fragment",
    [
        ("dW transposed", "G.T @ X"),
        ("db per sample", "sum G over the batch"),
        ("db mean", "mean of G"),
        ("dW averaged", "divided by the batch size"),
        ("dX wrong", "dX (n=4, n_in=3, n_out=2) fails the gradient check"),
        ("no return", "three arrays"),
    ],
)
def test_dense_backward_typical_mistakes(capsys, kind, fragment):
    ok, out = _verdict(capsys, ex.check_dense_backward, dense_factory(kind))
    assert not ok and out.startswith("✘")
    assert fragment in out, out


def test_dense_backward_matches_nnkit_dense():
    import nnkit as nk

    rng = np.random.default_rng(5)
    layer = nk.Dense(3, 2, rng=0)
    X = rng.normal(size=(4, 3))
    G = rng.normal(size=(4, 2))
    layer.forward(X)
    dX = layer.backward(G)
    mine = dense_factory()(X, layer.W.value, G)
    np.testing.assert_allclose(mine[0], dX)
    np.testing.assert_allclose(mine[1], layer.W.grad)
    np.testing.assert_allclose(mine[2], layer.b.grad)


# ------------------------------------------------------------------ find the bug

def fixed_two_layer(X, Y, W1, W2):
    Z1 = X @ W1.T
    A1 = sigmoid(Z1)
    A2 = sigmoid(A1 @ W2.T)
    dZ2 = 2.0 * (A2 - Y) / Y.size * A2 * (1.0 - A2)
    dW2 = dZ2.T @ A1
    dZ1 = (dZ2 @ W2) * sigmoid_grad(Z1)
    return dZ1.T @ X, dW2


def test_buggy_version_really_is_wrong_only_in_dW1():
    from nnkit.gradcheck import numerical_gradient

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    W1, W2 = rng.normal(size=(4, 3)), rng.normal(size=(2, 4))
    dW1, dW2 = ex.buggy_two_layer_gradients(X, Y, W1, W2)
    num1 = numerical_gradient(lambda: ex.two_layer_loss(X, Y, W1, W2), W1)
    num2 = numerical_gradient(lambda: ex.two_layer_loss(X, Y, W1, W2), W2)
    np.testing.assert_allclose(dW2, num2, rtol=1e-6, atol=1e-10)
    assert not np.allclose(dW1, num1, rtol=1e-2)
    fixed1, fixed2 = fixed_two_layer(X, Y, W1, W2)
    np.testing.assert_allclose(fixed1, num1, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(fixed2, num2, rtol=1e-6, atol=1e-10)


def test_fixed_backward_right_answer(capsys):
    ok, out = _verdict(capsys, ex.check_fixed_backward, fixed_two_layer)
    assert ok and "6 cases" in out


def test_fixed_backward_still_buggy(capsys):
    ok, out = _verdict(capsys, ex.check_fixed_backward, ex.buggy_two_layer_gradients)
    assert not ok and "still the buggy one" in out


def test_fixed_backward_broke_dW2(capsys):
    def no_mean(X, Y, W1, W2):
        dW1, dW2 = fixed_two_layer(X, Y, W1, W2)
        return dW1, dW2 * Y.size

    ok, out = _verdict(capsys, ex.check_fixed_backward, no_mean)
    assert not ok and "dW2" in out and "1/(number of entries of Y)" in out


def test_fixed_backward_other_wrong_fix(capsys):
    def half_fix(X, Y, W1, W2):
        dW1, dW2 = fixed_two_layer(X, Y, W1, W2)
        return dW1 + 0.01 * np.arange(dW1.size).reshape(dW1.shape), dW2

    ok, out = _verdict(capsys, ex.check_fixed_backward, half_fix)
    assert not ok and out.startswith("✘ The bug in the backward pass, fixed: dW1")
