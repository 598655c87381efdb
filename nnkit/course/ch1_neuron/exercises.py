"""Checkers for chapter 1, "The neuron".

===============================  ===============================================================
checker                          the student writes
===============================  ===============================================================
:func:`check_pre_activation`     ``pre_activation(X, w, b)``: :math:`z = Xw + b`, one sample
                                 (n,) -> a number, a batch (m, n) -> (m,)
:func:`check_fold_bias`          ``fold_bias(x, w, b)`` -> ``(x_aug, w_aug)`` with
                                 :math:`x_0 = 1` and :math:`w_0 = b` put first, so that
                                 :math:`w_{aug}\\cdot x_{aug} = w\\cdot x + b`
:func:`check_and_gate`           ``and_gate(X)``: a step neuron with hand-picked weights that
                                 outputs x1 AND x2 for binary inputs X (m, 2)
:func:`check_perceptron_update`  ``perceptron_update(w, b, x, t, lr)`` -> ``(w_new, b_new)``,
                                 Rosenblatt's rule for one sample
===============================  ===============================================================
"""

from __future__ import annotations

import numpy as np

from nnkit.course.checking import (
    Hint,
    call_student,
    checker,
    expect,
    expect_array,
    expect_close,
    fmt,
)

__all__ = [
    "check_pre_activation",
    "check_fold_bias",
    "check_and_gate",
    "check_perceptron_update",
]

_GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
# Truth tables of the gates a two-input step neuron commonly ends up computing by mistake,
# with what each one tells the student about the weights.
_GATE_HINTS = {
    (0, 1, 1, 1): "your neuron computes OR (it fires when either input is 1): lower the "
    "bias so that one active input is not enough.",
    (1, 1, 1, 0): "your neuron computes NAND, the opposite of AND: flip the signs of the "
    "weights and the bias.",
    (1, 1, 1, 1): "your neuron fires for every input, even (0, 0): the bias is too high "
    "(z = b there, and the step fires for z >= 0), make it negative.",
    (0, 0, 0, 0): "your neuron never fires, not even for (1, 1): the bias is too negative "
    "for w1 + w2 + b to reach 0, or a weight is not positive.",
    (0, 0, 1, 1): "your neuron only looks at x1: give x2 a weight as large as x1's.",
    (0, 1, 0, 1): "your neuron only looks at x2: give x1 a weight as large as x2's.",
}


@checker("Pre-activation z = w·x + b")
def check_pre_activation(pre_activation):
    """Check ``pre_activation(X, w, b)`` on one sample and on a batch."""
    w = np.array([0.5, -1.0, 2.0])
    b = 0.25
    x = np.array([1.0, 2.0, 0.5])
    z = float(x @ w + b)
    no_bias = float(x @ w)
    elementwise = x * w
    got = call_student(pre_activation, x, w, b, what="pre_activation")
    if np.shape(got) == elementwise.shape and np.allclose(got, elementwise + b):
        raise Hint(
            "for one sample you returned the products w_i x_i (plus b) one by one; "
            "add them up: z is a single number, w·x + b."
        )
    if np.shape(got) == elementwise.shape and np.allclose(got, elementwise):
        raise Hint(
            "for one sample you returned the products w_i x_i one by one; add them "
            "up and add the bias: z is a single number."
        )
    expect_close(
        got,
        z,
        what=f"z for x={fmt(x)}, w={fmt(w)}, b={b}",
        hints={
            no_bias: "you left out the bias b: z = w·x + b.",
            no_bias - b: "the bias enters with a plus sign: z = w·x + b.",
            z - 2 * b: "the bias enters with a plus sign: z = w·x + b.",
        },
    )
    X = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 0.0], [-1.0, 1.0, 3.0], [2.0, -2.0, -1.0]])
    Z = X @ w + b
    got = call_student(pre_activation, X, w, b, what="pre_activation")
    if np.shape(got) == (4, 1):
        raise Hint("for a batch X of shape (4, 3) return shape (4,), one z per row, not (4, 1).")
    if np.shape(got) == X.shape:
        raise Hint(
            "for a batch you returned the products w_i x_i one by one, shape (4, 3); "
            "sum each row: use X @ w, which handles one sample and a batch alike."
        )
    expect_close(
        got,
        Z,
        what="z for a batch X of shape (4, 3)",
        hints=[(X @ w, "for the batch you left out the bias: Xw + b.")],
    )
    # The all-zero row must give exactly the bias: a quick reminder of what b means.
    expect(
        np.isclose(np.asarray(got, dtype=float)[1], b),
        "for x = 0 the neuron's z must equal its bias b.",
    )


def _pair(result, what):
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise Hint(f"{what} should return two arrays, (x_aug, w_aug); got {type(result).__name__}.")
    return result


@checker("Folding the bias into the weights")
def check_fold_bias(fold_bias):
    """Check ``fold_bias(x, w, b) -> (x_aug, w_aug)`` with the constant input first."""
    cases = [
        (np.array([2.0, -1.0]), np.array([0.5, 3.0]), -1.5),
        (np.array([1.0, 0.0, 4.0]), np.array([-2.0, 1.0, 0.25]), 0.75),
    ]
    for x, w, b in cases:
        n = len(x)
        x_aug, w_aug = _pair(call_student(fold_bias, x, w, b, what="fold_bias"), "fold_bias")
        x_aug = expect_array(x_aug, shape=(n + 1,), what=f"x_aug for an x of {n} inputs")
        w_aug = expect_array(w_aug, shape=(n + 1,), what=f"w_aug for a w of {n} weights")
        if np.allclose(x_aug[-1], 1.0) and np.allclose(x_aug[:-1], x):
            raise Hint(
                "you put the constant input at the end; our convention (x_0) puts it "
                "first: x_aug = [1, x_1, ..., x_n], w_aug = [b, w_1, ..., w_n]."
            )
        if np.allclose(x_aug[0], 0.0) and np.allclose(x_aug[1:], x):
            raise Hint(
                "the constant input must be +1, not 0: with x_0 = 0 the bias would never reach z."
            )
        if np.allclose(x_aug[0], -1.0) and np.allclose(x_aug[1:], x):
            raise Hint(
                "use x_0 = +1 (so that w_0 = b enters with a plus sign); x_0 = -1 is "
                "the convention of a threshold, not a bias."
            )
        expect_close(x_aug, np.concatenate([[1.0], x]), what="x_aug = [1, x_1, ..., x_n]")
        if np.allclose(w_aug[1:], w) and np.allclose(w_aug[0], -b) and b != 0:
            raise Hint("w_0 is the bias itself, b, not -b: x_0 = +1 carries it into z unchanged.")
        expect_close(w_aug, np.concatenate([[b], w]), what="w_aug = [b, w_1, ..., w_n]")
        expect_close(
            float(w_aug @ x_aug), float(w @ x + b), what="w_aug·x_aug (must equal w·x + b)"
        )


@checker("A step neuron that computes AND")
def check_and_gate(and_gate):
    """Check that ``and_gate(X)`` outputs x1 AND x2 for the four binary inputs."""
    target = np.array([0, 0, 0, 1], dtype=np.float64)
    got = call_student(and_gate, _GATE_INPUTS, what="and_gate")
    if np.shape(got) in ((4, 1), (1, 4)):
        raise Hint(
            "return one output per input row, shape (4,), not "
            f"{np.shape(got)}: flatten the result or use X @ w with w of shape (2,)."
        )
    got = expect_array(got, shape=(4,), what="and_gate(X) for the four inputs")
    if not np.all(np.isin(got, (0.0, 1.0))):
        raise Hint(
            f"a step neuron outputs only 0 or 1, but got {fmt(got)}: apply the step "
            "function to z (1 where z >= 0, else 0)."
        )
    table = tuple(int(v) for v in got)
    if table in _GATE_HINTS:
        raise Hint(_GATE_HINTS[table])
    expect_close(got, target, what="outputs for (0,0), (0,1), (1,0), (1,1)")
    # One sample at a time must work too: the neuron is a function of a single input.
    for row, t in zip(_GATE_INPUTS, target, strict=True):
        single = call_student(and_gate, row.reshape(1, 2), what="and_gate")
        expect_close(
            np.asarray(single, dtype=float).reshape(-1),
            [t],
            what=f"and_gate for the single row {fmt(row)}",
        )


def _reference_update(w, b, x, t, lr):
    from nnkit.perceptron import Perceptron

    p = Perceptron(len(w), lr=lr)
    p.w, p.b = np.array(w, dtype=np.float64), float(b)
    p.update(x, t)
    return p.w, p.b


@checker("One step of the perceptron learning rule")
def check_perceptron_update(perceptron_update):
    """Check ``perceptron_update(w, b, x, t, lr) -> (w_new, b_new)`` against nnkit's Perceptron."""
    cases = [
        # (w, b, x, t, lr, description)
        (
            np.array([0.5, -1.0]),
            0.0,
            np.array([1.0, 2.0]),
            1,
            1.0,
            "a positive example the neuron misses (z < 0, t = 1)",
        ),
        (
            np.array([1.0, 1.0]),
            0.5,
            np.array([1.0, 0.0]),
            0,
            0.5,
            "a negative example the neuron fires on (z > 0, t = 0)",
        ),
        (
            np.array([1.0, 1.0]),
            -1.5,
            np.array([1.0, 1.0]),
            1,
            1.0,
            "an example it already gets right (z = 0.5, t = 1)",
        ),
        (
            np.array([2.0, -1.0]),
            -2.0,
            np.array([1.0, 0.0]),
            0,
            0.1,
            "z = 0 exactly with t = 0 (the step fires at 0, so this is a mistake)",
        ),
    ]
    for w, b, x, t, lr, description in cases:
        result = call_student(perceptron_update, w, b, x, t, lr, what="perceptron_update")
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise Hint(
                f"perceptron_update should return (w_new, b_new); got {type(result).__name__}."
            )
        w_new, b_new = result
        w_ref, b_ref = _reference_update(w, b, x, t, lr)
        w_arr = expect_array(w_new, shape=w.shape, what=f"w_new for {description}")
        y = int(w @ x + b >= 0)
        error = t - y
        what = f"w_new for {description}"
        if error == 0 and not np.allclose(w_arr, w):
            raise Hint(
                f"for {description} nothing should change: the rule updates only "
                "when the prediction is wrong, through the factor (t - ŷ)."
            )
        if description.startswith("z = 0") and np.allclose(w_arr, w):
            raise Hint(
                "at z = 0 the step function outputs 1 (it fires for z >= 0), so with "
                "t = 0 this example is misclassified and w must change."
            )
        if error != 0 and np.allclose(w_arr, w):
            raise Hint(
                f"for {description} the prediction ŷ = {y} is wrong (t = {t}), so w must "
                "change by η (t - ŷ) x; did you use t instead of (t - ŷ)?"
            )
        if error != 0 and np.allclose(w_arr, w - lr * error * x):
            raise Hint(
                f"for {description} you moved w the wrong way: the rule adds "
                "η (t - ŷ) x, so a missed positive example pulls w towards x."
            )
        if error != 0 and np.allclose(w_arr, w + error * x) and lr != 1:
            raise Hint(f"for {description} scale the change by the learning rate η = {lr}.")
        z = float(w @ x + b)
        if error != 0 and np.allclose(w_arr, w + lr * (t - z) * x):
            raise Hint(
                f"for {description} use the neuron's output ŷ = step(z) (0 or 1) in "
                "(t - ŷ), not z itself."
            )
        expect_close(w_new, w_ref, what=what)
        b_arr = expect_array(b_new, shape=(), what=f"b_new for {description}")
        if error != 0 and np.isclose(float(b_arr), b):
            raise Hint(
                f"for {description} the bias must change too: b ← b + η (t - ŷ), "
                "as if it were a weight on a constant input of 1."
            )
        expect_close(b_new, b_ref, what=f"b_new for {description}")
