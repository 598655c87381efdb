"""Checkers for chapter 2, "The learning rate".

=================================  ================================================================
checker                            the student writes
=================================  ================================================================
:func:`check_update_by_hand`       ``one_update_by_hand()`` returning ``(grad, w_new)`` for one
                                   step on :math:`L(w) = (w-3)^2` from :math:`w=1` with
                                   :math:`\\eta = 0.1`
:func:`check_diverges`             ``diverges(lr)``: does gradient descent on
                                   :math:`L(w) = 5(w-1)^2 + 2` blow up with this η?
:func:`check_descent_loop`         ``descend(grad, w0, lr, steps)``: the loop
                                   :math:`w_{t+1} = w_t - \\eta\\,\\nabla L(w_t)`, returning
                                   :math:`w_0, \\dots, w_{steps}`
=================================  ================================================================

Each checker prints one line (a pass, or one hint about the first thing wrong) and returns
True or False; see :mod:`nnkit.course.checking`.
"""

from __future__ import annotations

import numpy as np

from nnkit.course.ch2_learning_rate.lab import quadratic_regime
from nnkit.course.checking import (
    Hint,
    call_student,
    checker,
    expect,
    expect_array,
    expect_close,
)

__all__ = ["check_update_by_hand", "check_diverges", "check_descent_loop",
           "BY_HAND", "DIVERGES_CURVATURE", "DIVERGES_LRS"]

# Exercise 1: L(w) = (w - 3)^2, one step from w = 1 with η = 0.1.
BY_HAND = {"w": 1.0, "target": 3.0, "lr": 0.1}

# Exercise 2: L(w) = 5 (w - 1)^2 + 2 has curvature L'' = 10, so the edge is η = 2/10 = 0.2.
DIVERGES_CURVATURE = 10.0
DIVERGES_LRS = (0.01, 0.05, 0.1, 0.15, 0.19, 0.2, 0.21, 0.25, 0.4, 1.0)


@checker("One update by hand")
def check_update_by_hand(student_fn):
    """Check ``student_fn() -> (grad, w_new)`` for L(w) = (w-3)², w = 1, η = 0.1.

    Expected: ∂L/∂w = 2(w - 3) = -4 and w_new = 1 - 0.1·(-4) = 1.4.
    """
    result = student_fn()
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           "return two numbers, `return grad, w_new` (the gradient first, then the new weight).")
    grad, w_new = result
    w, target, lr = BY_HAND["w"], BY_HAND["target"], BY_HAND["lr"]
    true_grad = 2.0 * (w - target)
    expect_close(grad, true_grad, what="∂L/∂w at w = 1", hints={
        -true_grad: "∂L/∂w: 4 is the loss L(1), or the slope with its sign flipped. "
                    "L(w) = (w - 3)² gives ∂L/∂w = 2(w - 3), negative at w = 1 "
                    "(the loss falls as w grows).",
        w - target: "∂L/∂w is missing the factor 2 from the power rule: d/dw (w - 3)² = 2(w - 3).",
        target - w: "∂L/∂w: the derivative of (w - 3)² is 2(w - 3); check both the factor 2 "
                    "and the sign.",
    })
    expect_close(w_new, w - lr * true_grad, what="w_new", hints={
        w + lr * true_grad: "w_new: you added η·∂L/∂w; the update subtracts it, "
                            "w_new = w - η ∂L/∂w, so the step goes against the gradient.",
        w - true_grad: "w_new: the step is missing the learning rate: "
                       "w_new = w - η·∂L/∂w with η = 0.1.",
        -lr * true_grad: "w_new is the change η·(-∂L/∂w) only; add it to the old weight w = 1.",
        lr * true_grad: "w_new: that is η·∂L/∂w, the step size; the new weight is w - η·∂L/∂w.",
        w - true_grad / lr: "w_new: multiply the gradient by η, do not divide by it.",
    })


@checker("Which learning rates diverge?")
def check_diverges(student_fn):
    """Check ``student_fn(lr) -> bool`` against the theory for L(w) = 5(w-1)² + 2.

    The curvature is L'' = 10; gradient descent diverges exactly when |1 - 10η| > 1, i.e.
    η > 0.2. At η = 0.2 the iterate bounces between two points forever (not divergence).
    """
    answers = {}
    for lr in DIVERGES_LRS:
        got = student_fn(lr)
        expect(isinstance(got, (bool, np.bool_)),
               f"diverges({lr}) returned {type(got).__name__}; return True or False.")
        answers[lr] = bool(got)
    truth = {lr: quadratic_regime(lr, DIVERGES_CURVATURE) == "diverging" for lr in DIVERGES_LRS}
    if answers == truth:
        return f"passed: all {len(DIVERGES_LRS)} learning rates classified correctly."
    said_yes = sorted(lr for lr, v in answers.items() if v)
    if said_yes == sorted(lr for lr in DIVERGES_LRS if lr > 0.1):
        raise Hint("η between 0.1 and 0.2 makes w overshoot the minimum, but each overshoot is "
                   "smaller than the last (1 - 10η lies between -1 and 0): it still converges.")
    if said_yes == sorted(lr for lr in DIVERGES_LRS if lr > 0.4 - 1e-12):
        raise Hint("did you take the curvature to be 5, the number in front of (w - 1)²? "
                   "The curvature is the second derivative, L''(w) = 10, so the edge is 2/10.")
    if said_yes == sorted(lr for lr in DIVERGES_LRS if lr >= 0.2):
        raise Hint("at η = 0.2 exactly, 1 - 10η = -1: w jumps between the same two points "
                   "forever. It never converges, but it does not blow up either.")
    if said_yes == sorted(lr for lr in DIVERGES_LRS if lr < 0.2):
        raise Hint("you have it backwards: small steps are safe; it is the large ones that "
                   "overshoot further each time and blow up.")
    wrong = [lr for lr in DIVERGES_LRS if answers[lr] != truth[lr]]
    lr = wrong[0]
    factor = 1.0 - lr * DIVERGES_CURVATURE
    raise Hint(f"η = {lr:g}: each step multiplies the distance to the minimum by "
               f"1 - 10η = {factor:g}, so it " +
               ("grows: it diverges." if abs(factor) > 1 else "does not grow: no divergence."))


def _reference_path(grad, w0, lr, steps, mode="correct"):
    """w_0..w_steps of the loop, or of a typical mistake (for recognising wrong answers)."""
    w = np.array(w0, dtype=np.float64)
    g0 = grad(w)
    out = [w.copy()]
    for _ in range(steps):
        if mode == "ascent":
            w = w + lr * grad(w)
        elif mode == "frozen":
            w = w - lr * g0
        else:
            w = w - lr * grad(w)
        out.append(w.copy())
    return np.array(out)


_CASES = (
    ("1-D, L(w) = (w - 3)²", lambda w: 2.0 * (w - 3.0), 0.0, 0.1, 5),
    ("1-D, L(w) = 2w², big steps", lambda w: 4.0 * w, 1.0, 0.4, 4),
    ("2-D, L(w) = ½(w₁² + 10 w₂²)", lambda w: np.array([1.0, 10.0]) * w,
     np.array([2.0, 1.0]), 0.05, 6),
    ("no steps", lambda w: 2.0 * w, np.array([0.5, -0.5]), 0.1, 0),
)


@checker("The gradient-descent loop")
def check_descent_loop(student_fn):
    """Check ``student_fn(grad, w0, lr, steps)`` returns the iterates w_0, ..., w_steps.

    The result may be a list or an array with steps + 1 entries (each a number or a vector
    shaped like ``w0``). Typical mistakes recognised: adding the gradient, leaving out w_0,
    one update too many, reusing the gradient of w_0, and appending the same array object
    again and again after updating it in place.
    """
    for name, grad, w0, lr, steps in _CASES:
        got = call_student(student_fn, grad, w0, lr, steps, what="your loop")
        if got is None:
            raise Hint("your function returned None: `return` the list of iterates.")
        try:
            arr = np.array([np.asarray(w, dtype=np.float64) for w in got])
        except (TypeError, ValueError):
            raise Hint(f"{name}: return a list (or array) of the iterates w_0, w_1, ..., "
                       "each a number or an array shaped like w0.") from None
        want = _reference_path(grad, w0, lr, steps)
        if arr.ndim == want.ndim + 1 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if len(arr) == steps and steps > 0:
            raise Hint(f"{name}: you returned {steps} iterates; include the starting point "
                       f"as well: w_0, w_1, ..., w_{steps} are {steps + 1} entries.")
        if len(arr) == steps + 2 and steps > 0:
            raise Hint(f"{name}: you returned {steps + 2} iterates for steps={steps}: one "
                       "update too many (w_0 plus `steps` updates).")
        arr = expect_array(arr, shape=want.shape, what=f"{name}: the iterates")
        if steps > 1 and np.allclose(arr, want[-1]) and not np.allclose(want, want[-1]):
            raise Hint(f"{name}: every entry equals the final weight: you appended the same "
                       "array again and again while changing it in place (w -= ...). Write "
                       "w = w - lr * grad(w), which makes a new array, or append w.copy().")
        expect_close(arr, want, what=f"{name}: the iterates", hints=[
            (_reference_path(grad, w0, lr, steps, "ascent"),
             f"{name}: the weights move uphill: subtract η·∇L(w), do not add it."),
            (_reference_path(grad, w0, lr, steps, "frozen"),
             f"{name}: every step uses the gradient at w_0; evaluate grad(w) again at the "
             "current w inside the loop."),
        ])
