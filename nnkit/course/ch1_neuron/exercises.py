"""Checked exercises of chapter 1, "The neuron".

===============================  ===============================================================
checker                          the student writes
===============================  ===============================================================
:data:`check_pre_activation`     ``pre_activation(X, w, b)``: :math:`z = Xw + b`, one sample
                                 (n0,) -> a number, a batch (n, n0) -> (n,)
:data:`check_fold_bias`          ``fold_bias(x, w, b)`` -> ``(x_aug, w_aug)`` with
                                 :math:`x_0 = 1` and :math:`w_0 = b` put first, so that
                                 :math:`w_{aug}\\cdot x_{aug} = w\\cdot x + b`
:data:`check_and_gate`           ``and_gate(X)``: a step neuron with hand-picked weights that
                                 outputs x1 AND x2 for binary inputs X (n, 2)
:data:`check_perceptron_update`  ``perceptron_update(w, b, x, t, lr)`` -> ``(w_new, b_new)``,
                                 Rosenblatt's rule for one sample
===============================  ===============================================================

Each checker is an :class:`nnkit.course.checking.Exercise`: call it with your function.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from nnkit.course.checking import Case, Exercise, Hint, arrays, reals
from nnkit.course.quiz import Option, Quiz
from nnkit.perceptron import Perceptron

__all__ = [
    "check_and_gate",
    "check_fold_bias",
    "check_perceptron_update",
    "check_pre_activation",
    "quizzes",
]


# ----------------------------------------------------------------------------- z = w·x + b


def _pre_activation(X, w, b):
    return X @ w + b


@st.composite
def _neuron_inputs(draw):
    """One example (n0,) or a batch (n, n0), weights (n0,), a bias; any scale, zeros, float32."""
    n0 = draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(n0,), (draw(st.integers(1, 5)), n0)]))
    scale = draw(st.sampled_from([1.0, 1e-3, 1e3]))
    X = draw(arrays(shape, 10.0)) * scale
    w = draw(arrays((n0,), 10.0))
    b = draw(reals(10.0))
    if draw(st.booleans()):
        return Case((X.astype(np.float32), w.astype(np.float32), np.float32(b)), rtol=1e-4,
                    atol=1e-3)
    return Case((X, w, b))


_W = np.array([0.5, -1.0, 2.0])
check_pre_activation = Exercise(
    "Pre-activation z = w·x + b",
    _pre_activation,
    args=("X", "w", "b"),
    cases=[
        Case((np.array([1.0, 2.0, 0.5]), _W, 0.25)),
        Case((np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0], [-1.0, 1.0, 3.0]]), _W, 0.25)),
        Case((np.array([[1, 2], [3, 0]]), np.array([0.5, -0.25]), 0.1),
             note="integer inputs, a real-valued z"),
        Case((np.array([2, -1, 0]), np.array([1, 3, 5]), -2), note="all integers"),
    ],
    strategy=_neuron_inputs(),
    hints=[
        Hint("you left out the bias b: z = w·x + b.", like=lambda X, w, b: X @ w),
        Hint("the bias enters with a plus sign: z = w·x + b.", like=lambda X, w, b: X @ w - b),
        Hint(
            "you returned the products w_i x_i (plus b) one by one; add them up: for one "
            "sample z is a single number, for a batch one number per row. X @ w does both.",
            like=lambda X, w, b: X * w + b,
        ),
        Hint(
            "for a batch return shape (n,), one z per row, not a column (n, 1).",
            like=lambda X, w, b: (X @ w + b).reshape(-1, 1) if np.ndim(X) == 2 else X @ w + b,
        ),
    ],
)


# ----------------------------------------------------------------------------- folding the bias


def _fold_bias(x, w, b):
    return np.concatenate([[1.0], x]), np.concatenate([[b], w])


@st.composite
def _fold_inputs(draw):
    n0 = draw(st.integers(1, 5))
    return Case((draw(arrays((n0,), 100.0)), draw(arrays((n0,), 100.0)), draw(reals(100.0))))


check_fold_bias = Exercise(
    "Folding the bias into the weights",
    _fold_bias,
    args=("x", "w", "b"),
    cases=[
        Case((np.array([2.0, -1.0]), np.array([0.5, 3.0]), -1.5)),
        Case((np.array([1.0, 0.0, 4.0]), np.array([-2.0, 1.0, 0.25]), 0.75)),
        Case((np.array([2, -1]), np.array([3, 1]), 0.5),
             note="integer inputs and weights, a real-valued bias"),
    ],
    strategy=_fold_inputs(),
    hints=[
        Hint(
            "you put the constant input at the end; our convention (x_0) puts it first: "
            "x_aug = [1, x_1, ..., x_n], w_aug = [b, w_1, ..., w_n].",
            like=lambda x, w, b: (np.append(x, 1.0), np.append(w, b)),
        ),
        Hint(
            "the constant input must be +1, not 0: with x_0 = 0 the bias would never reach z.",
            like=lambda x, w, b: (np.concatenate([[0.0], x]), np.concatenate([[b], w])),
        ),
        Hint(
            "use x_0 = +1 and w_0 = b (so that b enters z with a plus sign); x_0 = -1 with "
            "w_0 = -b is the threshold convention, not the bias one.",
            like=lambda x, w, b: (np.concatenate([[-1.0], x]), np.concatenate([[-b], w])),
        ),
        Hint(
            "w_0 is the bias itself, b, not -b: x_0 = +1 carries it into z unchanged.",
            like=lambda x, w, b: (np.concatenate([[1.0], x]), np.concatenate([[-b], w])),
        ),
        Hint(
            "return the pair in the order (x_aug, w_aug).",
            like=lambda x, w, b: _fold_bias(x, w, b)[::-1],
        ),
    ],
)


# ----------------------------------------------------------------------------- the AND gate

_GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)


def _and_gate(X):
    return X[:, 0] * X[:, 1]


def _gate(truth):
    """The function a neuron computing the gate with outputs ``truth`` on 00, 01, 10, 11."""
    table = np.asarray(truth, dtype=np.float64)
    return lambda X: table[(2 * X[:, 0] + X[:, 1]).astype(int)]


@st.composite
def _binary_rows(draw):
    n = draw(st.integers(1, 8))
    return Case((draw(st.lists(st.sampled_from(_GATE_INPUTS.tolist()), min_size=n, max_size=n)
                      .map(lambda rows: np.array(rows, dtype=np.float64))),))


check_and_gate = Exercise(
    "A step neuron that computes AND",
    _and_gate,
    args=("X",),
    cases=[Case((_GATE_INPUTS,)), Case((_GATE_INPUTS.astype(int),), note="integer inputs")]
    + [Case((row.reshape(1, 2),)) for row in _GATE_INPUTS],
    strategy=_binary_rows(),
    examples=20,
    hints=[
        Hint("your neuron computes OR (it fires when either input is 1): lower the bias so "
             "that one active input is not enough.", like=_gate((0, 1, 1, 1))),
        Hint("your neuron computes NAND, the opposite of AND: flip the signs of the weights "
             "and the bias.", like=_gate((1, 1, 1, 0))),
        Hint("your neuron fires for every input, even (0, 0): the bias is too high (z = b "
             "there, and the step fires for z >= 0), make it negative.",
             like=_gate((1, 1, 1, 1))),
        Hint("your neuron never fires, not even for (1, 1): the bias is too negative for "
             "w1 + w2 + b to reach 0, or a weight is not positive.", like=_gate((0, 0, 0, 0))),
        Hint("your neuron only looks at x1: give x2 a weight as large as x1's.",
             like=_gate((0, 0, 1, 1))),
        Hint("your neuron only looks at x2: give x1 a weight as large as x2's.",
             like=_gate((0, 1, 0, 1))),
        Hint("a step neuron outputs only 0 or 1: apply the step function to z (1 where "
             "z >= 0, else 0) instead of returning z.",
             when=lambda call: not np.all(np.isin(np.asarray(call.got, dtype=float), (0, 1)))),
    ],
)


# ----------------------------------------------------------------------------- the perceptron rule


def _perceptron_update(w, b, x, t, lr):
    neuron = Perceptron(len(w), lr=lr)
    neuron.w, neuron.b = np.array(w, dtype=np.float64), float(b)
    neuron.update(x, t)
    return neuron.w, neuron.b


def _rule(w, b, x, t, lr, *, sign=1.0, use_lr=True, output="step", step_at_zero=1,
          move_bias=True):
    """The perceptron rule, or one of its typical slips (for the hints)."""
    z = float(np.dot(w, x) + b)
    y = {"step": float(z > 0 or (z == 0 and step_at_zero)), "z": z, "none": 0.0}[output]
    change = sign * (lr if use_lr else 1.0) * (t - y)
    return w + change * x, (b + change if move_bias else b)


@st.composite
def _perceptron_inputs(draw):
    """Small integer weights and inputs make z = 0 (the tie) frequent."""
    n0 = draw(st.integers(1, 4))
    ints = st.integers(-3, 3).map(float)
    w = np.array(draw(st.lists(ints, min_size=n0, max_size=n0)))
    x = np.array(draw(st.lists(ints, min_size=n0, max_size=n0)))
    return Case((w, draw(ints), x, draw(st.sampled_from([0, 1])),
                 draw(st.sampled_from([1.0, 0.5, 0.1]))))


check_perceptron_update = Exercise(
    "One step of the perceptron learning rule",
    _perceptron_update,
    args=("w", "b", "x", "y", "lr"),
    cases=[
        Case((np.array([0.5, -1.0]), 0.0, np.array([1.0, 2.0]), 1, 1.0),
             note="a positive example the neuron misses"),
        Case((np.array([1.0, 1.0]), 0.5, np.array([1.0, 0.0]), 0, 0.5),
             note="a negative example the neuron fires on"),
        Case((np.array([1.0, 1.0]), -1.5, np.array([1.0, 1.0]), 1, 1.0),
             note="an example it already gets right"),
        Case((np.array([2.0, -1.0]), -2.0, np.array([1.0, 0.0]), 0, 0.1),
             note="z = 0 exactly: the step fires at 0"),
        Case((np.array([1, 2]), 0, np.array([1, 1]), 0, 0.5),
             note="integer weights and input, η = 0.5: the new weights are not integers"),
    ],
    strategy=_perceptron_inputs(),
    hints=[
        Hint("you moved w the wrong way: the rule adds η (y − ŷ) x, so a missed positive "
             "example pulls w towards x.", like=lambda *a: _rule(*a, sign=-1.0)),
        Hint("scale the change by the learning rate η: w ← w + η (y − ŷ) x.",
             like=lambda *a: _rule(*a, use_lr=False)),
        Hint("at z = 0 the step function outputs 1 (it fires for z >= 0), so with y = 0 that "
             "example is misclassified and w must change.",
             like=lambda *a: _rule(*a, step_at_zero=0)),
        Hint("use the neuron's output ŷ = step(z) (0 or 1) in (y − ŷ), not z itself.",
             like=lambda *a: _rule(*a, output="z")),
        Hint("the rule updates only when the prediction is wrong, through the factor "
             "(y − ŷ); you used y alone.", like=lambda *a: _rule(*a, output="none")),
        Hint("the bias must change too: b ← b + η (y − ŷ), as if it were a weight on a "
             "constant input of 1.", like=lambda *a: _rule(*a, move_bias=False)),
    ],
)


# ----------------------------------------------------------------------------- thinking exercises


def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "and": Quiz(
            "A step neuron fires when z = w1·x1 + w2·x2 + b ≥ 0. With w1 = w2 = 1, which bias "
            "makes it compute AND of two 0/1 inputs?",
            [
                Option("b = −0.5", False, "One active input gives z = 1 − 0.5 = 0.5 ≥ 0, so the "
                       "neuron fires: that is OR."),
                Option("b = −1.5", True, "Only (1, 1) reaches z = 2 − 1.5 = 0.5 ≥ 0; a single "
                       "active input gives z = −0.5 and the neuron stays silent."),
                Option("b = +0.5", False, "Even (0, 0) gives z = 0.5 ≥ 0: the neuron fires for "
                       "every input."),
                Option("b = −2.5", False, "Even (1, 1) gives z = −0.5 < 0: the neuron never "
                       "fires."),
            ],
        ),
        "xor": Quiz(
            "The perceptron rule trains on the four XOR points for 12 epochs. What happens?",
            [
                Option("After a few epochs it makes no more mistakes, as on AND.", False,
                       "That would need a line with (0, 1) and (1, 0) on one side and (0, 0) and "
                       "(1, 1) on the other, and no such line exists."),
                Option("It misclassifies some point in every epoch, and the weights go round "
                       "in a loop.", True,
                       "No line separates XOR, so every epoch has a mistake and the rule never "
                       "stops changing the weights; the run below finds them returning to an "
                       "earlier state."),
                Option("The weights grow without bound.", False,
                       "Each update adds or subtracts one of four small input vectors, and on "
                       "XOR these moves undo one another: the weights stay bounded and cycle."),
                Option("It gets all four right, but only after many more epochs.", False,
                       "More epochs cannot help: no choice of w1, w2 and b classifies all four "
                       "points, as section 1.4 showed."),
            ],
        ),
    }
