"""Checked exercises of chapter 5, "The chain rule and backpropagation".

=============================  ==================================================================
checker                        the student writes
=============================  ==================================================================
:data:`check_tiny_gradients`   ``tiny_gradients(x, y, W1, W2)`` -> ``(dJ_dW1, dJ_dW2)``
                               for the 2-2-1 sigmoid network of the chapter with
                               :math:`J = (a^{[2]} - y)^2`, by the chain rule
:data:`check_dense_backward`   ``dense_backward(X, W, G)`` -> ``(dX, dW, db)`` for
                               :math:`Z = XW^\\top + b` and :math:`G = \\partial J/\\partial Z`
:data:`check_fixed_backward`   ``two_layer_gradients(X, Y, W1, W2)`` -> ``(dW1, dW2)``: the
                               buggy :func:`buggy_two_layer_gradients` with its bug fixed
=============================  ==================================================================

The reference gradients are checked against finite differences in the tests. Each checker is
an :class:`nnkit.course.checking.Exercise`: call it with your function.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from nnkit.activations import sigmoid, sigmoid_grad
from nnkit.course.checking import Case, Exercise, Hint, arrays
from nnkit.course.quiz import Option, Quiz
from nnkit.validation import as_rng

__all__ = [
    "buggy_two_layer_gradients",
    "check_dense_backward",
    "check_fixed_backward",
    "check_tiny_gradients",
    "quizzes",
    "two_layer_loss",
]


# ----------------------------------------------------------------------------- by hand


def _tiny(x, y, theta1, theta2, *, dJ="2(a-y)", out_slope="a(1-a)", hidden_slope="a(1-a)",
          theta2_input="a2", theta1_layout="dx"):
    """∂J/∂W[1], ∂J/∂W[2] of the chapter's network, or with one typical slip (for the hints).

    The defaults give the right answer; the others reproduce mistakes: dropping the 2 of
    (a − y)², using (y − a), the cross-entropy δ = a − y, leaving out or mis-evaluating σ',
    z[1] instead of a[1] as the input of W[2], ∂J/∂W[1] built as x δᵀ instead of δ xᵀ.
    """
    a2 = sigmoid(theta1 @ x)
    z2 = theta1 @ x
    a3 = sigmoid(theta2 @ a2)

    def slope(kind, a):
        return {"a(1-a)": a * (1 - a), "sigma'(a)": sigmoid_grad(a), "none": np.ones_like(a)}[kind]

    delta3 = {"2(a-y)": 2.0 * (a3 - y), "a-y": a3 - y, "2(y-a)": 2.0 * (y - a3)}[dJ]
    delta3 = delta3 * slope(out_slope, a3)
    dtheta2 = np.outer(delta3, a2 if theta2_input == "a2" else z2)
    delta2 = (theta2.T @ delta3) * slope(hidden_slope, a2)
    dtheta1 = np.outer(delta2, x) if theta1_layout == "dx" else np.outer(x, delta2)
    return dtheta1, dtheta2


@st.composite
def _tiny_inputs(draw):
    return Case((draw(arrays((2,), 3.0)), draw(st.sampled_from([0.0, 1.0, 0.5])),
                 draw(arrays((2, 2), 2.0)), draw(arrays((1, 2), 2.0))))


check_tiny_gradients = Exercise(
    "∂J/∂W[2] and ∂J/∂W[1] by the chain rule",
    _tiny,
    args=("x", "y", "W1", "W2"),
    returns=("dJ_dW1", "dJ_dW2"),
    cases=[
        Case((np.array([1.0, 0.5]), 1.0, np.array([[0.5, -0.4], [0.3, 0.8]]),
              np.array([[0.7, -1.2]])), note="the chapter's numbers"),
        Case((np.array([-0.6, 1.4]), 0.0, np.array([[1.1, 0.2], [-0.7, 0.5]]),
              np.array([[-0.9, 1.3]]))),
        Case((np.array([2.0, -1.0]), 1.0, np.array([[0.3, 0.9], [-1.2, 0.4]]),
              np.array([[1.5, 0.6]]))),
    ],
    strategy=_tiny_inputs(),
    rtol=1e-6,
    atol=1e-10,
    hints=[
        Hint("you used δ[2] = a[2] − y, the output error of sigmoid with cross-entropy. Here "
             "J = (a[2] − y)², so ∂J/∂z[2] = 2(a[2] − y) · a[2](1 − a[2]).",
             like=lambda *a: _tiny(*a, dJ="a-y", out_slope="none")),
        Hint("∂J/∂a[2] of J = (a[2] − y)² is 2(a[2] − y): the factor 2 is missing.",
             like=lambda *a: _tiny(*a, dJ="a-y")),
        Hint("the sign is flipped: ∂J/∂a[2] = 2(a[2] − y), not 2(y − a[2]).",
             like=lambda *a: _tiny(*a, dJ="2(y-a)")),
        Hint("the factor ∂a[2]/∂z[2] = σ'(z[2]) = a[2](1 − a[2]) is missing.",
             like=lambda *a: _tiny(*a, out_slope="none")),
        Hint("σ' was evaluated at a[2]; it is σ'(z[2]) = σ(z[2])(1 − σ(z[2])) = a[2](1 − a[2]).",
             like=lambda *a: _tiny(*a, out_slope="sigma'(a)")),
        Hint("∂z[2]/∂W[2] is the input of W[2], which is a[1] = σ(z[1]), not z[1].",
             like=lambda *a: _tiny(*a, theta2_input="z2")),
        Hint("the factor ∂a[1]/∂z[1] = σ'(z[1]) = a[1] ⊙ (1 − a[1]) is missing from ∂J/∂W[1].",
             like=lambda *a: _tiny(*a, hidden_slope="none")),
        Hint("σ' of the hidden layer was evaluated at a[1]; use a[1] ⊙ (1 − a[1]) = σ'(z[1]).",
             like=lambda *a: _tiny(*a, hidden_slope="sigma'(a)")),
        Hint("∂J/∂W[1] is transposed: entry [j, i] is δ[1]_j · x_i, i.e. np.outer(delta1, x).",
             like=lambda *a: _tiny(*a, theta1_layout="xd")),
        Hint("the pair is in the wrong order: return (dJ_dW1, dJ_dW2).",
             like=lambda *a: _tiny(*a)[::-1]),
    ],
)


# ----------------------------------------------------------------------------- a layer's backward


def _dense_backward(X, W, G):
    return G @ W, G.T @ X, G.sum(axis=0)


def _dense_case(n, n_in, n_out, seed):
    rng = as_rng(seed)
    return Case((rng.normal(size=(n, n_in)), rng.normal(size=(n_out, n_in)),
                 rng.normal(size=(n, n_out))))


@st.composite
def _dense_inputs(draw):
    n, n_in, n_out = (draw(st.integers(1, 4)) for _ in range(3))
    return Case((draw(arrays((n, n_in), 5.0)), draw(arrays((n_out, n_in), 5.0)),
                 draw(arrays((n, n_out), 5.0))))


check_dense_backward = Exercise(
    "Backward pass of a Dense layer",
    _dense_backward,
    args=("X", "W", "G"),
    returns=("dX", "dW", "db"),
    cases=[_dense_case(4, 3, 2, 0), _dense_case(1, 5, 3, 1), _dense_case(6, 2, 4, 2),
           _dense_case(3, 3, 3, 3)],
    strategy=_dense_inputs(),
    rtol=1e-7,
    atol=1e-9,
    hints=[
        Hint("db is the mean of G over the batch; it is the sum (every sample adds its own "
             "contribution to the loss).",
             like=lambda X, W, G: (G @ W, G.T @ X, G.mean(axis=0))),
        Hint("dW was divided by the batch size; G already carries any averaging of the loss, "
             "so dW = G.T @ X.", like=lambda X, W, G: (G @ W, G.T @ X / len(X), G.sum(axis=0))),
        Hint("dX: use G @ W, not G @ W.T.", like=lambda X, W, G: (G @ W.T, G.T @ X, G.sum(axis=0))),
        Hint("db has one row per sample: the bias is shared by every sample, so sum G over the "
             "batch (axis 0).", like=lambda X, W, G: (G @ W, G.T @ X, G)),
        Hint("db summed over the wrong axis: sum over the samples, axis 0, to get one entry per "
             "output unit.", like=lambda X, W, G: (G @ W, G.T @ X, G.sum(axis=1))),
        Hint("dW has shape (n_in, n_out); W is (n_out, n_in), so use G.T @ X rather than "
             "X.T @ G.", like=lambda X, W, G: (G @ W, X.T @ G, G.sum(axis=0))),
    ],
)


# ----------------------------------------------------------------------------- find the bug


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


def _two_layer_gradients(X, Y, W1, W2):
    A1 = sigmoid(X @ W1.T)
    A2 = sigmoid(A1 @ W2.T)
    dZ2 = 2.0 * (A2 - Y) / Y.size * A2 * (1.0 - A2)
    dZ1 = (dZ2 @ W2) * A1 * (1.0 - A1)
    return dZ1.T @ X, dZ2.T @ A1


def _two_layer_case(n, n_in, n_hidden, n_out, seed):
    rng = as_rng(seed)
    return Case((rng.normal(size=(n, n_in)), rng.uniform(size=(n, n_out)),
                 rng.normal(size=(n_hidden, n_in)), rng.normal(size=(n_out, n_hidden))))


@st.composite
def _two_layer_inputs(draw):
    n, n_in, n_hidden, n_out = (draw(st.integers(1, k)) for k in (4, 3, 4, 3))
    return Case((draw(arrays((n, n_in), 3.0)),
                 draw(arrays((n, n_out), 1.0).map(np.abs)),
                 draw(arrays((n_hidden, n_in), 2.0)), draw(arrays((n_out, n_hidden), 2.0))))


check_fixed_backward = Exercise(
    "The bug in the backward pass, fixed",
    _two_layer_gradients,
    args=("X", "Y", "W1", "W2"),
    returns=("dW1", "dW2"),
    cases=[_two_layer_case(5, 3, 4, 2, 0), _two_layer_case(1, 2, 3, 1, 1),
           _two_layer_case(8, 4, 2, 3, 2)],
    strategy=_two_layer_inputs(),
    rtol=1e-6,
    atol=1e-10,
    hints=[
        Hint("dW1 is still the buggy one: the gradient check showed dW2 right and dW1 wrong, "
             "so look at the lines between dW2 and dW1.", like=buggy_two_layer_gradients),
        Hint("dW2 and dW1 lost the 1/(number of entries of Y) from the mean in J: keep "
             "dA2 = 2 (A2 − Y) / Y.size — that line was right.",
             like=lambda X, Y, W1, W2: tuple(g * Y.size for g in _two_layer_gradients(
                 X, Y, W1, W2))),
        Hint("the hidden layer's σ' was dropped: dZ1 = dA1 ⊙ A1 ⊙ (1 − A1), the derivative "
             "of the sigmoid at Z1, written with its output A1.",
             like=lambda X, Y, W1, W2: _without_hidden_slope(X, Y, W1, W2)),
    ],
)


def _without_hidden_slope(X, Y, W1, W2):
    A1 = sigmoid(X @ W1.T)
    A2 = sigmoid(A1 @ W2.T)
    dZ2 = 2.0 * (A2 - Y) / Y.size * A2 * (1.0 - A2)
    return (dZ2 @ W2).T @ X, dZ2.T @ A1


# ----------------------------------------------------------------------------- thinking exercises


def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "slip": Quiz(
            "A sigmoid layer's backward pass multiplies by σ'(a) where σ'(z) = a(1 − a) "
            "belongs. What does a gradient check of the network report?",
            [
                Option("A relative error below 1e-7: the slip changes the gradient only "
                       "slightly.", False,
                       "σ'(a) and σ'(z) are different numbers (at z = 0: σ'(0.5) ≈ 0.235 "
                       "against 0.25), and every gradient that flows through the layer "
                       "inherits the wrong factor."),
                Option("A relative error far above 1e-2.", True,
                       "The finite differences never use the backward pass, so they expose "
                       "the wrong local derivative in every gradient that passes through it."),
                Option("Wrong gradients only for the parameters after the layer, closer to "
                       "the loss.", False,
                       "The other way round: gradients of parameters closer to the loss never "
                       "pass through the slip; the layer's own inputs and everything before "
                       "them inherit it."),
            ],
        ),
        "cost": Quiz(
            "A network has P weights. What does it take to get all P derivatives of the loss?",
            [
                Option("Finite differences and backpropagation both need about P passes.",
                       False, "Backpropagation reuses each local derivative for every weight "
                       "below it: one backward pass yields all P derivatives."),
                Option("Finite differences: 2P forward passes; backprop: one forward, one "
                       "backward.", True,
                       "Each weight needs its own pair of nudged forward passes, while the "
                       "backward pass computes every derivative in one sweep."),
                Option("Finite differences: 2 forward passes; backprop: 2P passes.",
                       False, "Reversed: finite differences nudge one weight at a time, so they "
                       "need two forward passes per weight."),
            ],
        ),
    }
