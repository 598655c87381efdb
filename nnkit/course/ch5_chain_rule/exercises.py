"""Checkers for chapter 5, "The chain rule and backpropagation".

=============================  ==================================================================
checker                        the student writes
=============================  ==================================================================
:func:`check_tiny_gradients`   ``tiny_gradients(x, y, theta1, theta2)`` -> ``(dJ_dtheta1,
                               dJ_dtheta2)`` for the 2-2-1 sigmoid network of the chapter with
                               :math:`J = (a^{(3)} - y)^2`, by the chain rule
:func:`check_dense_backward`   ``dense_backward(X, W, G)`` -> ``(dX, dW, db)`` for
                               :math:`Z = XW^\\top + b`, checked against finite differences
:func:`check_fixed_backward`   ``two_layer_gradients(X, Y, W1, W2)`` -> ``(dW1, dW2)``: the
                               buggy :func:`buggy_two_layer_gradients` with its bug fixed
=============================  ==================================================================
"""

from __future__ import annotations

import numpy as np

from nnkit.activations import sigmoid, sigmoid_grad
from nnkit.course.checking import Hint, call_student, checker, expect_array, expect_close
from nnkit.gradcheck import numerical_gradient, relative_error

__all__ = [
    "check_tiny_gradients", "check_dense_backward", "check_fixed_backward",
    "buggy_two_layer_gradients", "two_layer_loss",
]


def _shape(value):
    """Shape of ``value`` read as an array, or None if it is not one (the expect_* calls then
    explain what is wrong with it)."""
    try:
        return np.shape(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------- exercise 1: by hand

def _tiny_variant(x, y, theta1, theta2, *, two=True, sign=1.0, out_slope="a(1-a)",
                  hidden_slope="a(1-a)", theta2_input="a2", theta1_layout="dx"):
    """∂J/∂θ1, ∂J/∂θ2 of the chapter's network, optionally with one typical slip.

    The default arguments give the right answer (the same as lab.tiny_trace);
    the others reproduce mistakes so the checker can name them: dropping the 2 of
    (a - y)², using (y - a), leaving out or mis-evaluating σ', using z(2) instead of
    a(2) as the input of θ2, or building ∂J/∂θ1 as x δᵀ instead of δ xᵀ.
    """
    z2 = theta1 @ x
    a2 = sigmoid(z2)
    z3 = theta2 @ a2
    a3 = sigmoid(z3)

    def slope(kind, a):
        if kind == "a(1-a)":
            return a * (1 - a)
        if kind == "sigma'(a)":
            return sigmoid(a) * (1 - sigmoid(a))
        return np.ones_like(a)

    dJ_da3 = (2.0 if two else 1.0) * sign * (a3 - y)
    delta3 = dJ_da3 * slope(out_slope, a3)
    dtheta2 = np.outer(delta3, a2 if theta2_input == "a2" else z2)
    delta2 = (theta2.T @ delta3) * slope(hidden_slope, a2)
    dtheta1 = np.outer(delta2, x) if theta1_layout == "dx" else np.outer(x, delta2)
    return dtheta1, dtheta2


_TINY_CASES = (
    # The chapter's running example first, then other numbers, and a target of 0.
    (np.array([1.0, 0.5]), 1.0, np.array([[0.5, -0.4], [0.3, 0.8]]), np.array([[0.7, -1.2]])),
    (np.array([-0.6, 1.4]), 0.0, np.array([[1.1, 0.2], [-0.7, 0.5]]), np.array([[-0.9, 1.3]])),
    (np.array([2.0, -1.0]), 1.0, np.array([[0.3, 0.9], [-1.2, 0.4]]), np.array([[1.5, 0.6]])),
)


def _tiny_hints(x, y, theta1, theta2, index):
    """(value, hint) pairs of typical wrong answers for θ2 (index 1) or θ1 (index 0)."""
    slips = [
        (dict(two=False), "∂J/∂a(3) of J = (a(3) − y)² is 2(a(3) − y): the factor 2 is missing."),
        (dict(sign=-1.0), "the sign is flipped: ∂J/∂a(3) = 2(a(3) − y), not 2(y − a(3))."),
        (dict(out_slope="none"), "the factor ∂a(3)/∂z(3) = σ'(z(3)) = a(3)(1 − a(3)) is missing."),
        (dict(out_slope="sigma'(a)"),
         "σ' was evaluated at a(3); it is σ'(z(3)) = σ(z(3))(1 − σ(z(3))) = a(3)(1 − a(3))."),
        (dict(theta2_input="z2"),
         "∂z(3)/∂θ2 is the input of θ2, which is a(2) = σ(z(2)), not z(2)."),
    ]
    if index == 0:
        slips += [
            (dict(hidden_slope="none"),
             "the factor ∂a(2)/∂z(2) = σ'(z(2)) = a(2) ⊙ (1 − a(2)) is missing from ∂J/∂θ1."),
            (dict(hidden_slope="sigma'(a)"),
             "σ' of the hidden layer was evaluated at a(2); use a(2) ⊙ (1 − a(2)) = σ'(z(2))."),
            (dict(theta1_layout="xd"),
             "∂J/∂θ1 is transposed: entry [j, i] is δ(2)_j · x_i, i.e. np.outer(delta2, x)."),
        ]
    return [(_tiny_variant(x, y, theta1, theta2, **kw)[index], hint) for kw, hint in slips]


@checker("∂J/∂θ2 and ∂J/∂θ1 by the chain rule")
def check_tiny_gradients(student_fn):
    """Check ``tiny_gradients(x, y, theta1, theta2) -> (dJ_dtheta1 (2, 2), dJ_dtheta2 (1, 2))``."""
    for k, (x, y, theta1, theta2) in enumerate(_TINY_CASES):
        where = "for the chapter's numbers" if k == 0 else f"for case {k + 1} (y = {y:g})"
        got = call_student(student_fn, x, y, theta1, theta2, what="tiny_gradients")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise Hint("return a pair (dJ_dtheta1, dJ_dtheta2), e.g. `return dtheta1, dtheta2`.")
        g1, g2 = got
        if _shape(g1) == (1, 2) and _shape(g2) == (2, 2):
            raise Hint("the pair is in the wrong order: return (dJ_dtheta1, dJ_dtheta2).")
        right1, right2 = _tiny_variant(x, y, theta1, theta2)
        expect_close(g2, right2, what=f"∂J/∂θ2 {where}", hints=_tiny_hints(x, y, theta1, theta2, 1))
        expect_close(g1, right1, what=f"∂J/∂θ1 {where}", hints=_tiny_hints(x, y, theta1, theta2, 0))


# --------------------------------------------------------- exercise 2: a layer's backward

def _dense_case(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out),
            rng.normal(size=(n, n_out)))


def _numerical_dense_grads(X, W, b, G):
    """Finite-difference gradients of L = Σ G ⊙ (X Wᵀ + b), whose ∂L/∂Z is exactly G."""
    X, W, b = X.copy(), W.copy(), b.copy()

    def loss():
        return float(np.sum(G * (X @ W.T + b)))

    return (numerical_gradient(loss, X), numerical_gradient(loss, W), numerical_gradient(loss, b))


@checker("Backward pass of a Dense layer")
def check_dense_backward(student_fn):
    """Check ``dense_backward(X, W, G) -> (dX, dW, db)`` for ``Z = X Wᵀ + b``, ``G = ∂L/∂Z``.

    Shapes: X (n, n_in), W (n_out, n_in), G (n, n_out) -> dX (n, n_in), dW (n_out, n_in),
    db (n_out,). The student's gradients are compared with finite differences of a loss
    whose ∂L/∂Z is G (a gradient check), after a few shape hints for the usual slips.
    """
    for n, n_in, n_out, seed in ((4, 3, 2, 0), (1, 5, 3, 1), (6, 2, 4, 2)):
        X, W, b, G = _dense_case(n, n_in, n_out, seed)
        got = call_student(student_fn, X, W, G, what="dense_backward")
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            raise Hint("return three arrays (dX, dW, db), e.g. `return dX, dW, db`.")
        dX, dW, db = got
        case = f"(n={n}, n_in={n_in}, n_out={n_out})"
        if _shape(db) == (n, n_out) and n > 1:
            raise Hint(f"db {case} has one row per sample: the bias is shared by every sample, "
                       "so sum G over the batch (axis 0).")
        if _shape(dW) == (n_in, n_out):
            raise Hint(f"dW {case} has shape (n_in, n_out) = {(n_in, n_out)}; W is (n_out, n_in), "
                       "so use G.T @ X rather than X.T @ G.")
        num_dX, num_dW, num_db = _numerical_dense_grads(X, W, b, G)
        dX = expect_array(dX, shape=(n, n_in), what=f"dX {case}")
        dW = expect_array(dW, shape=(n_out, n_in), what=f"dW {case}")
        db = expect_array(db, shape=(n_out,), what=f"db {case}")
        for name, got_g, num in (("dW", dW, num_dW), ("db", db, num_db), ("dX", dX, num_dX)):
            err = relative_error(got_g, num)
            if err > 1e-6:
                if name == "db" and np.allclose(got_g * n, num, rtol=1e-5):
                    raise Hint(f"db {case} is the mean of G over the batch; it is the sum.")
                if name == "dW" and np.allclose(got_g * n, num, rtol=1e-5) and n > 1:
                    raise Hint(f"dW {case} was divided by the batch size; G already carries any "
                               "averaging of the loss, so dW = G.T @ X.")
                if name == "dX" and n_in == n_out and np.allclose(got_g, G @ W.T, rtol=1e-6):
                    raise Hint(f"dX {case}: use G @ W, not G @ W.T.")
                raise Hint(f"{name} {case} fails the gradient check: relative error {err:.1e} "
                           "against finite differences (should be below 1e-6).")
    return "passed the gradient check for dX, dW and db (3 cases, relative error below 1e-6)."


# --------------------------------------------------------- exercise 3: find the bug

def two_layer_loss(X, Y, W1, W2):
    """J = mean((A2 - Y)²) of the bias-free network A2 = σ(σ(X W1ᵀ) W2ᵀ).

    X (n, n_in), Y (n, n_out), W1 (n_hidden, n_in), W2 (n_out, n_hidden).
    """
    A1 = sigmoid(X @ W1.T)
    A2 = sigmoid(A1 @ W2.T)
    return float(np.mean((A2 - Y) ** 2))


def buggy_two_layer_gradients(X, Y, W1, W2):
    """Meant to return ∂J/∂W1, ∂J/∂W2 of two_layer_loss. Has one bug."""
    Z1 = X @ W1.T
    A1 = sigmoid(Z1)
    Z2 = A1 @ W2.T
    A2 = sigmoid(Z2)
    dA2 = 2.0 * (A2 - Y) / Y.size
    dZ2 = dA2 * A2 * (1.0 - A2)
    dW2 = dZ2.T @ A1
    dA1 = dZ2 @ W2
    dZ1 = dA1 * sigmoid_grad(A1)
    dW1 = dZ1.T @ X
    return dW1, dW2


def _two_layer_reference(X, Y, W1, W2):
    A1 = sigmoid(X @ W1.T)
    A2 = sigmoid(A1 @ W2.T)
    dZ2 = 2.0 * (A2 - Y) / Y.size * A2 * (1.0 - A2)
    dZ1 = (dZ2 @ W2) * A1 * (1.0 - A1)
    return dZ1.T @ X, dZ2.T @ A1


def _two_layer_case(n, n_in, n_hidden, n_out, seed):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, n_in)), rng.uniform(size=(n, n_out)),
            rng.normal(size=(n_hidden, n_in)), rng.normal(size=(n_out, n_hidden)))


@checker("The bug in the backward pass, fixed")
def check_fixed_backward(student_fn):
    """Check ``two_layer_gradients(X, Y, W1, W2) -> (dW1, dW2)`` against the right gradients."""
    for n, n_in, n_hidden, n_out, seed in ((5, 3, 4, 2, 0), (1, 2, 3, 1, 1), (8, 4, 2, 3, 2)):
        X, Y, W1, W2 = _two_layer_case(n, n_in, n_hidden, n_out, seed)
        got = call_student(student_fn, X, Y, W1, W2, what="two_layer_gradients")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise Hint("return the pair (dW1, dW2).")
        right1, right2 = _two_layer_reference(X, Y, W1, W2)
        bug1, _ = buggy_two_layer_gradients(X, Y, W1, W2)
        case = f"(n={n}, {n_in}-{n_hidden}-{n_out} network)"
        expect_close(got[1], right2, what=f"dW2 {case}", hints=[(
            right2 * Y.size, "dW2 lost the 1/(number of entries of Y) from the mean in J: keep "
                             "dA2 = 2 (A2 − Y) / Y.size — that line was right.")])
        expect_close(got[0], right1, what=f"dW1 {case}", hints=[(
            bug1, "dW1 is still the buggy one: the gradient check showed dW2 right and dW1 "
                  "wrong, so look at the lines between dW2 and dW1.")])
