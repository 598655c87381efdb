"""Checked exercises of chapter 3, "Weight initialization".

====================================  =============================================================
checker                               the student writes
====================================  =============================================================
:data:`check_hidden_layer_gradients`  ``hidden_layer_gradients(X, Y, W1, W2) -> (dW1, dW2)``
                                      for :math:`\\hat Y = \\sigma(XW_1^\\top)W_2^\\top` and MSE
:data:`check_xavier_std`              ``xavier_std(n_in, n_out)``:
                                      :math:`\\sqrt{2/(n_{in}+n_{out})}`
:data:`check_he_std`                  ``he_std(n_in, n_out)``: :math:`\\sqrt{2/n_{in}}`
:data:`check_sigmoid_derivative`      ``sigmoid_derivative(z)``: :math:`\\sigma(z)(1-\\sigma(z))`,
                                      elementwise and finite for any z
:data:`check_sigmoid_chain`           ``sigmoid_chain(z_values)``: the product of
                                      :math:`\\sigma'(z)` along a path
====================================  =============================================================

Every reference answer comes from nnkit itself (a bias-free ``nk.Sequential``,
``nk.init.init_std``, ``nk.activations.sigmoid_grad``). Each checker is an
:class:`nnkit.course.checking.Exercise`: call it with your function.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import nnkit as nk
from nnkit.course.checking import Case, Exercise, Hint, arrays
from nnkit.course.quiz import Option, Quiz
from nnkit.validation import as_rng

__all__ = [
    "check_he_std",
    "check_hidden_layer_gradients",
    "check_sigmoid_chain",
    "check_sigmoid_derivative",
    "check_xavier_std",
    "quizzes",
]


# ----------------------------------------------------------------------------- gradients


def _hidden_layer_gradients(X, Y, W1, W2):
    """nnkit's (dJ/dW1, dJ/dW2) of the MSE loss for ``Ŷ = sigmoid(X W1ᵀ) W2ᵀ`` (no biases)."""
    model = nk.mlp([W1.shape[1], W1.shape[0], W2.shape[0]], activation="sigmoid",
                   weights=[W1, W2], bias=False)
    loss = nk.MSELoss()
    loss(model(X), Y)
    model.backward(loss.backward())
    return model[0].W.grad.copy(), model[2].W.grad.copy()


def _backward(X, Y, W1, W2, *, two=2.0, mean=True, slope="a(1-a)", dW2_input="a"):
    """The backward pass by hand, or one of its typical slips (for the hints)."""
    Z1 = X @ W1.T
    A1 = 1.0 / (1.0 + np.exp(-Z1))
    dY = two * (A1 @ W2.T - Y) / (Y.size if mean else 1.0)
    dW2 = dY.T @ (A1 if dW2_input == "a" else Z1)
    dA1 = dY @ W2
    local = {"a(1-a)": A1 * (1 - A1), "z(1-z)": Z1 * (1 - Z1), "none": 1.0}[slope]
    return (dA1 * local).T @ X, dW2


@st.composite
def _networks(draw):
    n, n_in, n_hidden, n_out = (draw(st.integers(1, k)) for k in (5, 4, 5, 3))
    scale = draw(st.sampled_from([0.1, 1.0, 3.0]))
    return Case((draw(arrays((n, n_in), 3.0)), draw(arrays((n, n_out), 3.0)),
                 draw(arrays((n_hidden, n_in), 2.0)) * scale,
                 draw(arrays((n_out, n_hidden), 2.0)) * scale))


def _random_network(seed, n, n_in, n_hidden, n_out):
    rng = as_rng(seed)
    return Case((rng.standard_normal((n, n_in)), rng.standard_normal((n, n_out)),
                 rng.standard_normal((n_hidden, n_in)) * 0.8,
                 rng.standard_normal((n_out, n_hidden)) * 0.8))


_ZERO = _random_network(5, 4, 3, 4, 2)

check_hidden_layer_gradients = Exercise(
    "Gradients of a one-hidden-layer network",
    _hidden_layer_gradients,
    args=("X", "Y", "W1", "W2"),
    returns=("dW1", "dW2"),
    cases=[
        _random_network(3, 6, 3, 4, 2),
        _random_network(4, 1, 2, 5, 1),
        _random_network(6, 3, 2, 3, 3),
        Case((*_ZERO.args[:2], np.zeros((4, 3)), np.zeros((2, 4))), note="all weights zero"),
        Case((np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([[0], [1], [1], [0]]),
              _random_network(7, 1, 2, 3, 1).args[2], _random_network(7, 1, 2, 3, 1).args[3]),
             note="integer X and Y (the XOR corners)"),
    ],
    strategy=_networks(),
    examples=30,
    rtol=1e-6,
    atol=1e-9,
    hints=[
        Hint("dW1 is missing the sigmoid's derivative: dZ1 = dA1 ⊙ σ'(Z1), and "
             "σ'(Z1) = A1 ⊙ (1 − A1).", like=lambda *a: _backward(*a, slope="none")),
        Hint("σ'(Z1) = A1 ⊙ (1 − A1) uses the activations A1, not Z1 itself.",
             like=lambda *a: _backward(*a, slope="z(1-z)")),
        Hint("dW2 uses the hidden activations A1 = σ(Z1), not the pre-activations Z1.",
             like=lambda *a: _backward(*a, dW2_input="z")),
        Hint("both gradients are half the right size: the derivative of (ŷ − y)² is 2(ŷ − y).",
             like=lambda *a: _backward(*a, two=1.0)),
        Hint("both gradients are n·n_out times too big: the MSE is a mean, so divide by the "
             "number of elements of Y.", like=lambda *a: _backward(*a, mean=False)),
        Hint("the sign is flipped: dŶ = 2(Ŷ − Y)/(n·n_out), prediction minus target.",
             like=lambda *a: _backward(*a, two=-2.0)),
        Hint("return the pair in the order (dW1, dW2).",
             like=lambda *a: _hidden_layer_gradients(*a)[::-1]),
    ],
)


# ----------------------------------------------------------------------------- init scales

_FANS = [Case((784, 256)), Case((100, 100)), Case((3, 1000)), Case((1, 1)), Case((64, 10))]
_FAN_STRATEGY = st.tuples(st.integers(1, 5000), st.integers(1, 5000)).map(Case)

check_xavier_std = Exercise(
    "Xavier/Glorot standard deviation",
    lambda n_in, n_out: nk.init.init_std("xavier", n_in, n_out),
    args=("n_in", "n_out"),
    cases=_FANS,
    strategy=_FAN_STRATEGY,
    hints=[
        Hint("that is the variance 2/(n_in + n_out); the standard deviation is its square root.",
             like=lambda n_in, n_out: 2.0 / (n_in + n_out)),
        Hint("sqrt(6/(n_in + n_out)) is the *bound* of Glorot's uniform version; the normal "
             "version's standard deviation is sqrt(2/(n_in + n_out)).",
             like=lambda n_in, n_out: math.sqrt(6.0 / (n_in + n_out))),
        Hint("sqrt(1/n_in) is LeCun's scaling (forward pass only); Xavier averages fan-in and "
             "fan-out: sqrt(2/(n_in + n_out)).", like=lambda n_in, n_out: math.sqrt(1.0 / n_in)),
        Hint("the numerator is 2: Var(w) = 2/(n_in + n_out), the harmonic compromise between "
             "1/n_in and 1/n_out.", like=lambda n_in, n_out: math.sqrt(1.0 / (n_in + n_out))),
        Hint("sqrt(2/n_in) is He's scaling; Xavier uses both fans: sqrt(2/(n_in + n_out)).",
             like=lambda n_in, n_out: math.sqrt(2.0 / n_in)),
        Hint("divide by the sum of the fans, n_in + n_out, not their product.",
             like=lambda n_in, n_out: math.sqrt(2.0 / (n_in * n_out))),
    ],
)

check_he_std = Exercise(
    "He standard deviation",
    lambda n_in, n_out: nk.init.init_std("he", n_in, n_out),
    args=("n_in", "n_out"),
    cases=_FANS,
    strategy=_FAN_STRATEGY,
    hints=[
        Hint("that is the variance 2/n_in; the standard deviation is its square root.",
             like=lambda n_in, n_out: 2.0 / n_in),
        Hint("He's scaling keeps the forward signal steady, so it divides by the fan-in n_in "
             "(inputs per unit), not n_out.", like=lambda n_in, n_out: math.sqrt(2.0 / n_out)),
        Hint("sqrt(1/n_in) forgets that ReLU zeroes half its inputs: the factor 2 makes up for "
             "the lost half of the variance.", like=lambda n_in, n_out: math.sqrt(1.0 / n_in)),
        Hint("that is Xavier's scaling; He uses the fan-in only: sqrt(2/n_in).",
             like=lambda n_in, n_out: math.sqrt(2.0 / (n_in + n_out))),
    ],
)


# ----------------------------------------------------------------------------- σ'


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@st.composite
def _z_arrays(draw):
    shape = draw(st.sampled_from([(), (1,), (5,), (2, 3)]))
    bound = draw(st.sampled_from([3.0, 50.0, 1000.0]))
    z = draw(arrays(shape, bound))
    if draw(st.booleans()):
        return Case((z.astype(np.float32),), rtol=1e-4, atol=1e-6)
    return Case((z,))


check_sigmoid_derivative = Exercise(
    "Derivative of the sigmoid",
    nk.activations.sigmoid_grad,
    args=("z",),
    cases=[
        Case((np.array(0.0),)),
        Case((np.array([-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0]),)),
        Case((np.linspace(-3.0, 3.0, 6).reshape(2, 3),)),
        Case((np.array([-1000.0, -50.0, 50.0, 1000.0]),), note="large |z|"),
        Case((0,), note="the integer 0"),
        Case((np.array([-3, 0, 2]),), note="integer z"),
    ],
    strategy=_z_arrays(),
    rtol=1e-6,
    atol=1e-12,
    hints=[
        Hint("you returned σ(z) itself, not its derivative σ(z)(1 − σ(z)).", like=_sigmoid),
        Hint("σ'(z) = σ(z)(1 − σ(z)), with a minus sign inside the bracket.",
             like=lambda z: _sigmoid(z) * (1 + _sigmoid(z))),
        Hint("σ'(z) = σ(z)(1 − σ(z)), not 1 − σ(z)².", like=lambda z: 1 - _sigmoid(z) ** 2),
        Hint("1 − tanh(z)² is the derivative of tanh; the sigmoid's is σ(z)(1 − σ(z)).",
             like=lambda z: 1 - np.tanh(z) ** 2),
        Hint("σ'(z) is nan for large |z| (e.g. −1000): exp(1000) overflows to inf and inf/inf "
             "is nan. Compute s = σ(z) first and return s * (1 − s).",
             like=lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    ],
)


# ----------------------------------------------------------------------------- chain of σ'


def _sigmoid_chain(z_values):
    return float(np.prod(nk.activations.sigmoid_grad(np.asarray(z_values, dtype=np.float64))))


check_sigmoid_chain = Exercise(
    "How much gradient survives a chain of sigmoids",
    _sigmoid_chain,
    args=("z_values",),
    cases=[
        Case((np.zeros(10),)),
        Case((np.array([5.0]),)),
        Case((np.array([-3.0, 0.0, 2.0]),)),
        Case((np.array([-1.0, 4.0, 0.5, -6.0, 2.5]),)),
        Case((np.array([]),), note="an empty path, no layers"),
        Case((np.array([0, -2, 3]),), note="integer z"),
    ],
    strategy=st.integers(0, 12).flatmap(lambda n: arrays((n,), 8.0)).map(lambda z: Case((z,))),
    rtol=1e-6,
    atol=1e-300,
    hints=[
        Hint("the chain rule *multiplies* the local derivatives along the path; you added them.",
             like=lambda z: float(np.sum(nk.activations.sigmoid_grad(z)))),
        Hint("multiply the derivatives σ'(z) = σ(z)(1 − σ(z)), not the activations σ(z).",
             like=lambda z: float(np.prod(_sigmoid(z)))),
        Hint("0.25 is σ'(0), the best case; use the actual z of each layer.",
             like=lambda z: 0.25 ** len(z)),
        Hint("with no layers nothing shrinks the gradient: the empty product is 1.",
             like=lambda z: _sigmoid_chain(z) if len(z) else 0.0),
    ],
)


# ----------------------------------------------------------------------------- thinking exercises


def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "zeros": Quiz(
            "A 2-4-1 sigmoid network for XOR starts with every weight and bias at zero and "
            "trains for 300 epochs. What are its four hidden units at the end?",
            [
                Option("Four different feature detectors, as with random weights.", False,
                       "They start identical, and identical units receive identical gradients, "
                       "so no update can make them differ."),
                Option("Still all zero: with zero weights no gradient reaches them.", False,
                       "At the first step the hidden units get no gradient (the output weights "
                       "are zero), but the output weights do; from then on the hidden units "
                       "learn too — all four in step."),
                Option("Four identical units: the network is no better than one with a single "
                       "hidden unit.", True,
                       "Same weights in, same gradients out, same update: the symmetry is never "
                       "broken, and four copies of one unit compute what one unit does."),
                Option("Two pairs of identical units.", False,
                       "Nothing tells any unit apart from another: all four receive the same "
                       "gradient at every step."),
            ],
        ),
        "explode": Quiz(
            "A 10-layer ReLU network of width 100 starts with N(0, 1) weights (no scaling) and "
            "trains with η = 0.01. How large is one gradient step compared with the first "
            "layer's weights?",
            [
                Option("About 0.1 %: a small η keeps the step small.", False,
                       "The step is η times the gradient, and the gradient is as large as the "
                       "layers make it; η = 0.01 was not chosen for a gradient that size."),
                Option("About as large as the weights.", False,
                       "Far larger: each of the 10 layers multiplies the signal by about "
                       "√(100/2) ≈ 7, forwards and again backwards."),
                Option("Many orders of magnitude larger than the weights.", True,
                       "Every layer multiplies the signal by about √(100/2) ≈ 7 on the way up "
                       "and the gradient again on the way down, so the gradient — and with it "
                       "the step — explodes with depth."),
            ],
        ),
    }
