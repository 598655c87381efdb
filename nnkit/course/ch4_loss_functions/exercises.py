"""Checkers for chapter 4, "Loss functions".

Each ``check_*`` function takes the student's answer, runs it on ordinary cases and on the
edge cases that break naive implementations (probabilities of exactly 0 and 1, logits in
the thousands, one-hot versus integer labels), compares the result with nnkit's own losses
and prints either a pass or one hint about the first thing that is wrong.

============================  =================================================================
checker                       the student writes
============================  =================================================================
:func:`check_mse`             ``mse(pred, target)``: :math:`\\frac1n\\sum_i(\\hat y_i-y_i)^2`
:func:`check_bce`             ``bce(prob, target)``: mean binary cross-entropy, finite at 0 and 1
:func:`check_cross_entropy`   ``cross_entropy(logits, target)``: softmax + cross-entropy, mean
                              over the samples, integer or one-hot targets
:func:`check_ce_gradient`     ``ce_gradient(logits, labels)``: :math:`(\\mathrm{softmax}(z)-y)/n`
:func:`check_pairings`        a dict mapping each described problem to (output unit, loss)
============================  =================================================================
"""

from __future__ import annotations

import math

import numpy as np

from nnkit import losses as reference
from nnkit.course.checking import Hint, call_student, checker, expect_close

__all__ = [
    "PROBLEMS",
    "check_bce",
    "check_ce_gradient",
    "check_cross_entropy",
    "check_mse",
    "check_pairings",
]


def _scalar(got, what):
    """Turn the student's loss into a Python float, or raise a Hint saying why it is not one."""
    if got is None:
        raise Hint(f"Your function returned None for {what}: did you forget `return`?")
    arr = np.asarray(got)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise Hint(f"{what} should be a number, but your function returned {type(got).__name__}.")
    if arr.size != 1:
        raise Hint(
            f"{what} should be a single number (the average over the samples), but your "
            f"function returned an array of shape {arr.shape}: take the mean at the end."
        )
    return float(arr.reshape(()))


# ---------------------------------------------------------------------------------------------
# Mean squared error


@checker("Mean squared error")
def check_mse(student_fn):
    """Check ``mse(pred, target) -> float``, :math:`\\frac1n\\sum_i(\\hat y_i-y_i)^2`.

    Cases: a 1-D vector with errors of both signs, a column vector ``(n, 1)`` as nnkit's
    regression models produce, a perfect prediction (loss 0) and a large error.
    """
    pred = np.array([2.0, 0.5, -1.0, 3.0])
    target = np.array([1.0, 0.5, 1.0, 3.5])
    got = call_student(student_fn, pred, target)
    value = _scalar(got, "mse(pred, target)")
    diff = pred - target
    expected = float(reference.mse(pred, target))
    slips = {
        float(np.sum(diff**2)): "You summed the squared errors: divide by the number of "
        "samples n to get the *mean* squared error.",
        float(0.5 * np.mean(diff**2)): "Your value is half the MSE. The factor 1/2 is a "
        "convention some books use to tidy the gradient; here MSE = (1/n) Σ (ŷ − y)², no 1/2.",
        float(np.mean(np.abs(diff))): "That is the mean *absolute* error: square the "
        "differences instead of taking their absolute value.",
        float(np.sqrt(np.mean(diff**2))): "That is the root of the MSE (RMSE): leave out "
        "the square root.",
        float(np.mean(diff) ** 2): "You squared the mean error; square each error first, "
        "then average (positive and negative errors must not cancel).",
    }
    expect_close(value, expected, what="mse for pred=[2, 0.5, -1, 3], target=[1, 0.5, 1, 3.5]",
                 hints=slips)

    col_pred = np.array([[0.2], [1.4], [-0.3]])
    col_target = np.array([[0.0], [1.0], [0.5]])
    got = call_student(student_fn, col_pred, col_target)
    value = _scalar(got, "mse on column vectors of shape (3, 1)")
    broadcast = float(np.mean((col_pred.ravel() - col_target) ** 2))
    expect_close(value, float(reference.mse(col_pred, col_target)),
                 what="mse on column vectors of shape (3, 1), the shape nnkit's regression "
                 "models output",
                 hints={broadcast: "On (3, 1) columns your function compared every prediction "
                        "with every target: a (3,) array minus a (3, 1) array broadcasts to "
                        "(3, 3). Keep both arrays in the same shape."})

    got = call_student(student_fn, col_target, col_target)
    expect_close(_scalar(got, "mse of a perfect prediction"), 0.0, atol=1e-12,
                 what="mse of a perfect prediction")

    big_pred = np.array([1e3, -1e3])
    big_target = np.array([0.0, 0.0])
    got = call_student(student_fn, big_pred, big_target)
    expect_close(_scalar(got, "mse with errors of ±1000"),
                 float(reference.mse(big_pred, big_target)), what="mse with errors of ±1000")


# ---------------------------------------------------------------------------------------------
# Binary cross-entropy


@checker("Binary cross-entropy")
def check_bce(student_fn):
    """Check ``bce(prob, target) -> float``.

    :math:`\\mathrm{BCE}=-\\frac1n\\sum_i\\big[y_i\\ln p_i+(1-y_i)\\ln(1-p_i)\\big]`, natural
    log, mean over the samples, and finite when a probability is exactly 0 or 1 (clip ``p`` to
    ``[eps, 1-eps]`` with a small ``eps`` such as 1e-12 before taking logs).
    """
    prob = np.array([0.9, 0.2, 0.6, 0.3])
    target = np.array([1.0, 0.0, 0.0, 1.0])
    got = call_student(student_fn, prob, target)
    value = _scalar(got, "bce(prob, target)")
    expected = float(reference.bce(prob, target))
    pos = target * np.log(prob)
    neg = (1 - target) * np.log(1 - prob)
    slips = {
        -expected: "Your loss is negative: log p ≤ 0, so put a minus sign in front to make "
        "the loss positive.",
        expected * len(prob): "You summed over the samples: take the mean instead.",
        expected / math.log(10): "You used log base 10; cross-entropy uses the natural log "
        "(np.log).",
        expected / math.log(2): "You used log base 2; cross-entropy here uses the natural "
        "log (np.log).",
        float(-np.mean(pos)): "Only the y·log p term is there: add (1 − y)·log(1 − p), which "
        "is what penalises a high p when the target is 0.",
        float(-np.mean(neg)): "Only the (1 − y)·log(1 − p) term is there: add y·log p for "
        "the samples whose target is 1.",
        float(-np.mean(prob * np.log(target + 1e-12) + (1 - prob) * np.log(1 - target + 1e-12))):
        "You swapped the arguments: the first one is the predicted probability p, the "
        "second the 0/1 target y.",
    }
    expect_close(value, expected, what="bce for p=[0.9, 0.2, 0.6, 0.3], y=[1, 0, 0, 1]",
                 hints=slips)

    sure_right = np.array([1.0, 0.0])
    got = call_student(student_fn, sure_right, np.array([1.0, 0.0]))
    value = _scalar(got, "bce with p exactly 1 and 0 on targets 1 and 0")
    if not math.isfinite(value):
        raise Hint("With p = 1 and target 1 your function returns "
                   f"{value}: 0·log(0) is nan in floating point. Clip p to [eps, 1 − eps] "
                   "(e.g. eps = 1e-12) before taking the logs.")
    if 1e-6 < value < 0.1:
        raise Hint(f"For perfectly confident correct predictions (p = 1 on target 1) the loss "
                   f"should be ≈ 0, yours is {value:.3g}: your clipping eps is too large; use "
                   "e.g. 1e-12.")
    expect_close(value, 0.0, atol=1e-6,
                 what="bce for perfectly confident correct predictions (p=[1, 0], y=[1, 0])")

    got = call_student(student_fn, np.array([0.0]), np.array([1.0]))
    value = _scalar(got, "bce with p = 0 on target 1")
    if not math.isfinite(value):
        raise Hint(f"With p = 0 and target 1 your function returns {value}: log(0) = −∞. "
                   "Clip p to [eps, 1 − eps] (e.g. eps = 1e-12) before taking the logs.")
    if value < 10:
        raise Hint(f"With p = 0 and target 1 the loss should be huge (a confident mistake), "
                   f"but yours is {value:.3g}: your clipping eps is too large; use e.g. 1e-12.")

    small = np.array([1e-6, 1 - 1e-6])
    small_target = np.array([1.0, 0.0])
    got = call_student(student_fn, small, small_target)
    value = _scalar(got, "bce with p=1e-6 on target 1")
    expect_close(value, float(reference.bce(small, small_target)), rtol=1e-5,
                 what="bce for p=[1e-6, 1 − 1e-6], y=[1, 0] (clip with a tiny eps only)")


# ---------------------------------------------------------------------------------------------
# Softmax cross-entropy


def _log_softmax(z, axis=-1):
    """log softmax(z) = z − logsumexp(z), computed stably by shifting by the row maximum."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@checker("Softmax cross-entropy")
def check_cross_entropy(student_fn):
    """Check ``cross_entropy(logits, target) -> float``.

    ``logits`` has shape (n, C); ``target`` is either integer labels of shape (n,) or one-hot
    rows of shape (n, C). The loss is :math:`-\\frac1n\\sum_i \\log\\mathrm{softmax}(z_i)_{y_i}`,
    natural log, and must stay finite for logits in the thousands (log-sum-exp trick).
    """
    logits = np.array([[2.0, 1.0, 0.0], [0.5, 0.5, 3.0], [1.0, -1.0, 0.5]])
    labels = np.array([0, 2, 1])
    n, n_classes = logits.shape
    one_hot = np.eye(n_classes)[labels]
    expected = float(reference.cross_entropy(logits, labels))

    got = call_student(student_fn, logits, labels)
    value = _scalar(got, "cross_entropy(logits, labels) with integer labels")
    log_p = _log_softmax(logits)
    probs_raw = np.clip(logits, 1e-12, None)
    slips = {
        -expected: "Your loss is negative: log p ≤ 0, so put a minus sign in front.",
        expected * n: "You summed over the samples: take the mean over the n rows instead.",
        expected / n_classes: "You divided by n·C (all entries of the one-hot matrix); divide "
        "by the number of samples n only.",
        expected / math.log(10): "You used log base 10; use the natural log (np.log).",
        expected / math.log(2): "You used log base 2; use the natural log (np.log).",
        float(-np.mean(_log_softmax(logits, axis=0)[np.arange(n), labels])):
        "Your softmax normalises over the wrong axis: each *row* (one sample's C logits) must "
        "sum to 1, so use axis=1 (or axis=-1) with keepdims=True.",
        float(-np.mean(np.log(probs_raw[np.arange(n), labels]))):
        "You took the log of the raw logits: turn them into probabilities with softmax first.",
        float(-np.mean((labels * log_p).sum(axis=1))): "You multiplied the integer labels "
        "with log p as if they were one-hot rows: for labels of shape (n,) pick each row's "
        "log p[i, y_i], e.g. log_p[np.arange(n), labels].",
    }
    expect_close(value, expected, what="cross_entropy for 3 samples, 3 classes, integer labels",
                 hints=slips)

    try:
        got = call_student(student_fn, logits, one_hot)
    except Hint:
        raise
    except Exception as err:  # the student's code failed on one-hot rows: say what to do
        raise Hint(f"With one-hot targets of shape (n, C) your function raised "
                   f"{type(err).__name__}: accept them too, e.g. labels = target.argmax(axis=1) "
                   "when target.ndim == 2.") from None
    value = _scalar(got, "cross_entropy with one-hot targets")
    expect_close(value, expected,
                 what="cross_entropy with the same targets given one-hot, shape (3, 3)")

    big = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]])
    big_labels = np.array([0, 2])
    got = call_student(student_fn, big, big_labels)
    value = _scalar(got, "cross_entropy with logits of ±1000")
    if not math.isfinite(value):
        raise Hint(f"With logits of ±1000 your loss is {value}: exp(1000) overflows. Subtract "
                   "each row's maximum before exponentiating and use "
                   "log softmax(z) = z − log Σ exp(z) (the log-sum-exp trick).")
    expect_close(value, float(reference.cross_entropy(big, big_labels)), rtol=1e-6,
                 what="cross_entropy for logits of ±1000 (one right with certainty, one wrong "
                      "by a margin of 1000)")

    one = np.array([[0.0, 0.0, 0.0, 0.0]])
    got = call_student(student_fn, one, np.array([3]))
    expect_close(_scalar(got, "cross_entropy for equal logits over 4 classes"), math.log(4),
                 what="cross_entropy when all 4 logits are equal (should be ln 4)")


# ---------------------------------------------------------------------------------------------
# Gradient of softmax + cross-entropy


@checker("Gradient of softmax cross-entropy")
def check_ce_gradient(student_fn):
    """Check ``ce_gradient(logits, labels) -> array (n, C)``, the derivative of the mean
    softmax cross-entropy with respect to the logits: :math:`(\\mathrm{softmax}(z) - y)/n`
    with :math:`y` the one-hot rows of the integer ``labels``.
    """
    logits = np.array([[2.0, 1.0, 0.0], [0.5, 0.5, 3.0], [1.0, -1.0, 0.5], [0.0, 0.0, 0.0]])
    labels = np.array([0, 2, 1, 1])
    n, n_classes = logits.shape
    probs = np.exp(_log_softmax(logits))
    one_hot = np.eye(n_classes)[labels]
    expected = (probs - one_hot) / n

    got = call_student(student_fn, logits, labels)
    if np.shape(got) == (n,):
        raise Hint(f"The gradient has one entry per logit, shape (n, C) = {(n, n_classes)}, "
                   "not one per sample.")
    expect_close(got, expected, what="the gradient for 4 samples, 3 classes", hints=[
        (probs - one_hot, "You forgot the 1/n: the loss is a mean over the n samples, so each "
                          "row of (softmax − y) is divided by n."),
        ((one_hot - probs) / n, "The sign is flipped: the gradient is (softmax(z) − y)/n, "
                                "prediction minus target."),
        (probs / n, "You left out the target: subtract the one-hot row y, so the gradient is "
                    "(softmax(z) − y)/n."),
        ((np.exp(logits) - one_hot) / n, "You used exp(z) where softmax(z) belongs: divide by "
                                         "the row sums so each row of probabilities sums to 1."),
    ])

    got = call_student(student_fn, np.array([[1000.0, 0.0, -1000.0]]), np.array([1]))
    expect_close(got, np.array([[1.0, -1.0, 0.0]]), atol=1e-9,
                 what="the gradient for logits [1000, 0, −1000] and label 1",
                 nonfinite_hint="For logits [1000, 0, −1000] your gradient is not finite: "
                 "exp(1000) overflows. Subtract each row's maximum before exponentiating.")


# ---------------------------------------------------------------------------------------------
# Pick output unit and loss

PROBLEMS = {
    "temperature": "Predict tomorrow's noon temperature in °C from today's weather "
    "measurements (it can be below zero).",
    "fraud": "Decide whether a card payment is fraudulent, and say how likely that is.",
    "species": "Tell which of 12 bird species a photo shows (exactly one per photo).",
}

_OUTPUTS = ("identity", "sigmoid", "softmax", "relu", "tanh", "step")
_LOSSES = ("mse", "bce", "cross_entropy")
_ANSWERS = {
    "temperature": ("identity", "mse"),
    "fraud": ("sigmoid", "bce"),
    "species": ("softmax", "cross_entropy"),
}
_PAIR_HINTS = {
    ("temperature", "relu"): "ReLU cannot output a negative temperature; a regression output "
    "should be a plain linear (identity) unit.",
    ("temperature", "sigmoid"): "A sigmoid squashes into (0, 1), but a temperature can be any "
    "real number: use a linear (identity) output.",
    ("temperature", "tanh"): "tanh squashes into (−1, 1), but a temperature can be any real "
    "number: use a linear (identity) output.",
    ("temperature", "softmax"): "Softmax makes a probability distribution over classes; a "
    "temperature is one real number: use a linear (identity) output.",
    ("temperature", "step"): "A step outputs only 0 or 1 and has no useful gradient; "
    "a temperature needs a linear (identity) output.",
    ("fraud", "identity"): "A linear output is not a probability (it can be −3 or 7): squash "
    "it with a sigmoid.",
    ("fraud", "softmax"): "Softmax over a single output is always 1; for yes/no use one "
    "sigmoid unit (softmax over 2 units is equivalent but needs two outputs).",
    ("fraud", "relu"): "ReLU outputs are not probabilities (they can exceed 1): use a sigmoid.",
    ("fraud", "tanh"): "tanh outputs lie in (−1, 1), not a probability: use a sigmoid.",
    ("fraud", "step"): "A step gives no probability and no gradient to learn from: use a "
    "sigmoid.",
    ("species", "sigmoid"): "Independent sigmoids don't make the 12 probabilities sum to 1; "
    "for exactly one class per photo use softmax.",
    ("species", "identity"): "Raw linear outputs are not probabilities: put a softmax over "
    "the 12 outputs.",
    ("species", "relu"): "ReLU outputs are not probabilities: put a softmax over the 12 "
    "outputs.",
    ("species", "tanh"): "tanh outputs are not probabilities: put a softmax over the 12 "
    "outputs.",
    ("species", "step"): "A step gives no probabilities and no gradient: use softmax.",
}
_LOSS_HINTS = {
    ("temperature", "bce"): "Binary cross-entropy needs targets in [0, 1] and probabilities; "
    "a temperature is a real number: use the mean squared error.",
    ("temperature", "cross_entropy"): "Cross-entropy compares probability distributions over "
    "classes; for a real-valued target use the mean squared error.",
    ("fraud", "mse"): "MSE on a sigmoid output trains, but its gradient vanishes when the model "
    "is confidently wrong (see the experiment above): use binary cross-entropy.",
    ("fraud", "cross_entropy"): "With one sigmoid output the matching loss is the *binary* "
    "cross-entropy ('bce').",
    ("species", "mse"): "MSE on softmax outputs learns slowly when confidently wrong and is not "
    "the likelihood of a class label: use cross-entropy.",
    ("species", "bce"): "For one-of-12 classes with softmax the matching loss is the "
    "(categorical) cross-entropy, 'cross_entropy'.",
}
_ALIASES = {"linear": "identity", "none": "identity", "ce": "cross_entropy",
            "crossentropy": "cross_entropy", "categorical_cross_entropy": "cross_entropy",
            "binary_cross_entropy": "bce", "log_loss": "bce", "logloss": "bce",
            "mean_squared_error": "mse"}


def _normalise(name):
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)


@checker("Output unit and loss for three problems")
def _check_pairings(get_choices):
    choices = get_choices()
    if not isinstance(choices, dict):
        raise Hint(f"Give a dict {{problem: (output, loss)}}; got a {type(choices).__name__}.")
    for problem in _ANSWERS:
        if problem not in choices:
            raise Hint(f"Your dict has no entry for {problem!r}; the keys are "
                       f"{', '.join(repr(p) for p in _ANSWERS)}.")
    for problem, answer in choices.items():
        if problem not in _ANSWERS:
            raise Hint(f"Unknown problem {problem!r}; the keys are "
                       f"{', '.join(repr(p) for p in _ANSWERS)}.")
        if answer is ... or (isinstance(answer, (tuple, list)) and ... in answer):
            raise NotImplementedError(problem)
    for problem, (right_output, right_loss) in _ANSWERS.items():
        answer = choices[problem]
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise Hint(f"choices[{problem!r}] should be a pair (output, loss), e.g. "
                       "('sigmoid', 'bce').")
        output, loss = (_normalise(a) for a in answer)
        if output not in _OUTPUTS:
            raise Hint(f"{answer[0]!r} for {problem!r} is not an output unit; choose from "
                       f"{', '.join(_OUTPUTS)}.")
        if loss not in _LOSSES:
            raise Hint(f"{answer[1]!r} for {problem!r} is not a loss; choose from "
                       f"{', '.join(_LOSSES)}.")
        if output != right_output:
            raise Hint(f"{problem}: " + _PAIR_HINTS[(problem, output)])
        if loss != right_loss:
            raise Hint(f"{problem}: " + _LOSS_HINTS[(problem, loss)])
    return "passed: a linear unit + MSE, a sigmoid + BCE, a softmax + cross-entropy."


def check_pairings(choices):
    """Check a dict ``{problem: (output, loss)}`` for the problems in :data:`PROBLEMS`.

    ``output`` is one of "identity" (alias "linear"), "sigmoid", "softmax", "relu", "tanh",
    "step"; ``loss`` one of "mse", "bce", "cross_entropy". Entries still holding ``...``
    count as not attempted. Prints one line and returns True when every pair is right.
    """
    return _check_pairings(lambda: choices)
