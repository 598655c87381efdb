"""Checked exercises of chapter 2, "The learning rate".

=================================  ================================================================
checker                            the student writes
=================================  ================================================================
:data:`check_update_by_hand`       ``one_update_by_hand()`` returning ``(grad, w_new)`` for one
                                   step on :math:`J(w) = (w-3)^2` from :math:`w=1` with
                                   :math:`\\eta = 0.1`
:data:`check_diverges`             ``diverges(lr)``: does gradient descent on
                                   :math:`J(w) = 5(w-1)^2 + 2` blow up with this η?
:data:`check_descent_loop`         ``descend(grad, w0, lr, steps)``: the loop
                                   :math:`w_{t+1} = w_t - \\eta\\,\\nabla J(w_t)`, returning
                                   :math:`w_0, \\dots, w_{steps}`
=================================  ================================================================

Each checker is an :class:`nnkit.course.checking.Exercise`: call it with your function.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from nnkit.course.ch2_learning_rate.lab import quadratic_regime
from nnkit.course.checking import Case, Exercise, Hint, arrays
from nnkit.course.quiz import Option, Quiz

__all__ = [
    "BY_HAND",
    "DIVERGES_CURVATURE",
    "DIVERGES_EDGE",
    "DIVERGES_INTEGERS",
    "DIVERGES_LRS",
    "check_descent_loop",
    "check_diverges",
    "check_update_by_hand",
    "quizzes",
]

# ----------------------------------------------------------------------------- one update by hand

# J(w) = (w - 3)², one step from w = 1 with η = 0.1.
BY_HAND = {"w": 1.0, "target": 3.0, "lr": 0.1}


def _by_hand(grad_of=lambda w, t: 2.0 * (w - t), step=lambda w, g, lr: w - lr * g):
    """(∂J/∂w, w_new) for BY_HAND, or a slip in the derivative or in the step."""
    w, target, lr = BY_HAND["w"], BY_HAND["target"], BY_HAND["lr"]
    g = grad_of(w, target)
    return g, step(w, g, lr)


def _grad_is(value):
    return lambda call: np.isclose(call.got[0], value)


def _step_is(value):
    return lambda call: np.isclose(call.got[0], -4.0) and np.isclose(call.got[1], value)


# Done with pen and paper: a wrong value is named, the right one never printed.
check_update_by_hand = Exercise(
    "One update by hand",
    _by_hand,
    cases=[Case(())],
    returns=("grad", "w_new"),
    reveal=False,
    hints=[
        Hint("∂J/∂w: 4 is the loss J(1), or the slope with its sign flipped. At w = 1 the "
             "loss falls as w grows towards 3, so the slope there is negative.",
             when=_grad_is(4.0)),
        Hint("∂J/∂w is missing the factor 2 that the power rule brings down from the square.",
             when=_grad_is(-2.0)),
        Hint("∂J/∂w: the derivative of (w − 3)² is 2(w − 3); check both the factor 2 and the "
             "sign.", when=_grad_is(2.0)),
        Hint("w_new: you added η·∂J/∂w; the update subtracts it, w_new = w − η ∂J/∂w, so the "
             "step goes against the gradient.", when=_step_is(0.6)),
        Hint("w_new: the step is missing the learning rate: w_new = w − η·∂J/∂w with η = 0.1.",
             when=_step_is(5.0)),
        Hint("w_new is the change −η·∂J/∂w only; add it to the old weight w = 1.",
             when=_step_is(0.4)),
        Hint("w_new: that is η·∂J/∂w, the step size; the new weight is w − η·∂J/∂w.",
             when=_step_is(-0.4)),
        Hint("w_new: multiply the gradient by η, do not divide by it.", when=_step_is(41.0)),
    ],
)


# ----------------------------------------------------------------------------- which η diverge

# J(w) = 5 (w - 1)² + 2 has curvature J'' = 10, so the edge is η = 2/10 = 0.2.
DIVERGES_CURVATURE = 10.0
DIVERGES_LRS = (0.01, 0.05, 0.1, 0.15, 0.19, 0.2, 0.21, 0.25, 0.4, 1.0)
# Just below and just above the edge: |1 − 10η| = 1 ∓ 1e-5, which a simulation of any
# practical length cannot tell from the bouncing at η = 0.2 (it takes about 10⁶ steps to
# grow by a factor e^10); only the rule from the curvature can.
DIVERGES_EDGE = (0.2 - 1e-6, 0.2 + 1e-6)
# η given as whole numbers: the rule must not depend on lr being a float.
DIVERGES_INTEGERS = (1, 2)


def _diverges(lr):
    return quadratic_regime(lr, DIVERGES_CURVATURE) == "diverging"


check_diverges = Exercise(
    "Which learning rates diverge?",
    _diverges,
    args=("lr",),
    cases=[Case((lr,)) for lr in DIVERGES_LRS]
    + [Case((lr,), note=f"η = 0.2 {'+' if lr > 0.2 else '−'} 1e-6, just "
            f"{'above' if lr > 0.2 else 'below'} the edge") for lr in DIVERGES_EDGE]
    + [Case((lr,), note="η as a Python int") for lr in DIVERGES_INTEGERS],
    # η on a grid of steps of 0.005 up to 3: the edge 0.2 lies on it exactly.
    strategy=st.integers(1, 600).map(lambda k: Case((k / 200,))),
    hints=[
        Hint("η between 0.1 and 0.2 makes w overshoot the minimum, but each overshoot is "
             "smaller than the last (1 − 10η lies between −1 and 0): it still converges.",
             like=lambda lr: lr > 0.1),
        Hint("did you take the curvature to be 5, the number in front of (w − 1)²? The "
             "curvature is the second derivative, J''(w) = 10, so the edge is 2/10.",
             like=lambda lr: lr > 0.4),
        Hint("at η = 0.2 exactly, 1 − 10η = −1: w jumps between the same two points for ever. "
             "It never converges, but it does not blow up either.", like=lambda lr: lr >= 0.2),
        Hint("you have it backwards: small steps are safe; it is the large ones that "
             "overshoot further each time and blow up.", like=lambda lr: lr < 0.2),
    ],
)


# ----------------------------------------------------------------------------- the loop


class QuadraticGradient:
    """∇J of J(w) = ½·λ·(w − c)², i.e. λ·(w − c): a gradient function for the exercise."""

    def __init__(self, lam, c):
        self.lam = lam
        self.c = c

    def __call__(self, w):
        return self.lam * (w - self.c)

    def __repr__(self) -> str:
        return f"grad of ½·{self.lam:g}·(w − {self.c:g})²"


def _descend(grad, w0, lr, steps):
    w = w0
    path = [w]
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return path


def _ascend(grad, w0, lr, steps):
    return _descend(lambda w: -grad(w), w0, lr, steps)


def _frozen(grad, w0, lr, steps):
    g0 = grad(w0)
    return _descend(lambda w: g0, w0, lr, steps)


def _aliased(grad, w0, lr, steps):
    w = np.array(w0, dtype=np.float64)
    path = [w]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(w)
    return path


@st.composite
def _loops(draw):
    dim = draw(st.sampled_from([None, 1, 2, 3]))
    shape = () if dim is None else (dim,)
    w0 = draw(arrays(shape, 10.0))
    grad = QuadraticGradient(draw(st.sampled_from([0.5, 1.0, 2.0, 10.0])),
                             draw(st.sampled_from([0.0, 1.0, -3.0])))
    return Case((grad, float(w0) if dim is None else w0,
                 draw(st.sampled_from([0.01, 0.1, 0.3, 0.5])), draw(st.integers(0, 6))))


check_descent_loop = Exercise(
    "The gradient-descent loop",
    _descend,
    args=("grad", "w0", "lr", "steps"),
    cases=[
        Case((QuadraticGradient(2.0, 3.0), 0.0, 0.1, 5)),
        Case((QuadraticGradient(4.0, 0.0), 1.0, 0.4, 4)),
        Case((QuadraticGradient(1.0, 0.0), np.array([2.0, 1.0]), 0.05, 6)),
        Case((QuadraticGradient(2.0, 0.0), np.array([0.5, -0.5]), 0.1, 0), note="no steps"),
        Case((QuadraticGradient(2.0, 3.0), np.array([0, 1]), 0.1, 3),
             note="integer starting weights: the later ones are not integers"),
        Case((QuadraticGradient(2.0, 3.0), 1, 0.1, 2), note="an integer w0, a Python int"),
    ],
    strategy=_loops(),
    hints=[
        Hint("the weights move uphill: subtract η·∇J(w), do not add it.", like=_ascend),
        Hint("every step uses the gradient at w_0; evaluate grad(w) again at the current w "
             "inside the loop.", like=_frozen),
        Hint("every entry equals the final weight: you appended the same array again and "
             "again while changing it in place (w -= ...). Write w = w - lr * grad(w), which "
             "makes a new array, or append w.copy().", like=_aliased),
        Hint("include the starting point as well: w_0, w_1, ..., w_steps are steps + 1 entries.",
             like=lambda grad, w0, lr, steps: _descend(grad, w0, lr, steps)[1:]),
        Hint("one update too many: w_0 plus `steps` updates make steps + 1 entries.",
             like=lambda grad, w0, lr, steps: _descend(grad, w0, lr, steps + 1)),
        Hint("one update too few: the loop must run `steps` times (range(steps)).",
             like=lambda grad, w0, lr, steps: _descend(grad, w0, lr, max(steps - 1, 0))),
        Hint("the step is missing the learning rate: w ← w − η·∇J(w).",
             like=lambda grad, w0, lr, steps: _descend(grad, w0, 1.0, steps)),
    ],
)


# ----------------------------------------------------------------------------- thinking exercises


def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "diverge": Quiz(
            "Gradient descent on J(w) = w² (curvature λ = 2) starts at w₀ = 2.5. Which learning "
            "rate makes it diverge?",
            [
                Option("η = 0.05", False, "Each step multiplies the distance to the minimum by "
                       "1 − 2η = 0.9: it converges, slowly."),
                Option("η = 0.8", False, "1 − 2η = −0.6: every step jumps across the minimum "
                       "but lands closer, so the zig-zag dies out and it converges."),
                Option("η = 1.0", False, "1 − 2η = −1: w bounces between +2.5 and −2.5 for ever; "
                       "it never converges, but it does not blow up either."),
                Option("η = 1.5", True, "1 − 2η = −2: every jump lands twice as far out. The "
                       "edge is η = 2/λ = 1."),
            ],
        ),
        "plateau": Quiz(
            "J(w) = 1 − exp(−w²) is almost flat far from 0. Starting on the shoulder at "
            "w₀ = 2.5, which learning rate gets the loss below 0.01 first?",
            [
                Option("η = 0.1", False, "The slope on the shoulder is tiny and the step is η "
                       "times the slope: in 80 steps w hardly moves."),
                Option("η = 0.9", True, "Large enough to cross the flat part in a few dozen "
                       "steps, small enough not to jump over the bowl."),
                Option("η = 5", False, "A step this large throws w across the bowl onto the "
                       "other shoulder, where the slope is tiny again: it stays stuck there, "
                       "without diverging."),
            ],
        ),
    }
