"""Checked exercises of chapter 4, "Loss functions".

============================  =================================================================
checker                       the student writes
============================  =================================================================
:data:`check_mse`             ``mse(pred, target)``: :math:`\\frac1n\\sum_i(\\hat y_i-y_i)^2`
:data:`check_bce`             ``bce(prob, target)``: mean binary cross-entropy, finite at 0 and 1
:data:`check_cross_entropy`   ``cross_entropy(logits, target)``: softmax + cross-entropy, mean
                              over the samples, integer or one-hot targets, finite for any
                              logits
:data:`check_ce_gradient`     ``ce_gradient(logits, labels)``: :math:`(\\mathrm{softmax}(z)-y)/n`
:func:`check_pairings`        a dict mapping each problem of :data:`PROBLEMS` to
                              (output unit, loss)
============================  =================================================================

The references are nnkit's own losses. Each ``check_*`` except :func:`check_pairings` is an
:class:`nnkit.course.checking.Exercise`: call it with your function.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from nnkit import losses
from nnkit.course.checking import Case, Exercise, Hint, arrays
from nnkit.course.quiz import Option, Quiz

__all__ = [
    "PAIRINGS",
    "PROBLEMS",
    "check_bce",
    "check_ce_gradient",
    "check_cross_entropy",
    "check_mse",
    "check_pairings",
    "quizzes",
]


# ----------------------------------------------------------------------------- MSE


def _mse_variant(pred, target, *, power=2, mean=True, half=False, root=False, mean_first=False,
                 flat_pred=False):
    """The mean squared error, or one of its typical slips (for the hints)."""
    diff = (np.ravel(pred) if flat_pred else pred) - target
    if mean_first:
        return float(np.mean(diff) ** 2)
    errors = np.abs(diff) ** power
    value = np.mean(errors) if mean else np.sum(errors)
    value = 0.5 * value if half else value
    return float(np.sqrt(value) if root else value)


@st.composite
def _regression(draw):
    n = draw(st.integers(1, 6))
    shape = draw(st.sampled_from([(n,), (n, 1)]))
    scale = draw(st.sampled_from([1.0, 1e-3, 1e3]))
    return Case((draw(arrays(shape, 10.0)) * scale, draw(arrays(shape, 10.0)) * scale))


check_mse = Exercise(
    "Mean squared error",
    losses.mse,
    args=("pred", "target"),
    cases=[
        Case((np.array([2.0, 0.5, -1.0, 3.0]), np.array([1.0, 0.5, 1.0, 3.5]))),
        Case((np.array([[0.2], [1.4], [-0.3]]), np.array([[0.0], [1.0], [0.5]])),
             note="column vectors (n, 1), as nnkit's regression models output"),
        Case((np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])), note="a perfect prediction"),
        Case((np.array([1e3, -1e3]), np.array([0.0, 0.0]))),
    ],
    strategy=_regression(),
    hints=[
        Hint("you summed the squared errors: divide by the number of samples n to get the "
             "*mean* squared error.", like=lambda p, t: _mse_variant(p, t, mean=False)),
        Hint("your value is half the MSE. The factor 1/2 is a convention some books use to tidy "
             "the gradient; here MSE = (1/n) Σ (ŷ − y)², no 1/2.",
             like=lambda p, t: _mse_variant(p, t, half=True)),
        Hint("that is the mean *absolute* error: square the differences instead of taking "
             "their absolute value.", like=lambda p, t: _mse_variant(p, t, power=1)),
        Hint("that is the root of the MSE (RMSE): leave out the square root.",
             like=lambda p, t: _mse_variant(p, t, root=True)),
        Hint("you squared the mean error; square each error first, then average (positive and "
             "negative errors must not cancel).",
             like=lambda p, t: _mse_variant(p, t, mean_first=True)),
        Hint("on (n, 1) columns your function compared every prediction with every target: a "
             "(n,) array minus a (n, 1) array broadcasts to (n, n). Keep both arrays in the "
             "same shape.", like=lambda p, t: _mse_variant(p, t, flat_pred=True)),
    ],
)


# ----------------------------------------------------------------------------- BCE

# A confidently wrong prediction (p = 0 for target 1) costs -log ε, which depends on the
# clipping ε chosen: 16 for Keras's 1e-7, 28 for 1e-12, 36 for machine epsilon. Any loss of
# at least CONFIDENT_MISTAKE counts as right there; every loss with 1e-6 <= p <= 1 - 1e-6
# is below it (-log 1e-6 = 13.8), so the cap hides nothing else.
CONFIDENT_MISTAKE = 15.0


def _capped(args, loss):
    """The loss as compared: finite values above CONFIDENT_MISTAKE count as equal."""
    try:
        value = float(np.asarray(loss, dtype=np.float64).reshape(()))
    except (TypeError, ValueError):
        return loss
    return min(value, CONFIDENT_MISTAKE) if math.isfinite(value) else value


def _bce_variant(p, y, *, clip=1e-12, base=math.e, terms="both", mean=True, sign=-1.0,
                 swap=False):
    """Binary cross-entropy, or one of its typical slips (for the hints)."""
    if swap:
        p, y = y, p
    q = p if clip is None else np.clip(p, clip, 1 - clip)
    pos = y * np.log(q) if terms in ("both", "pos") else 0.0
    neg = (1 - y) * np.log(1 - q) if terms in ("both", "neg") else 0.0
    per_sample = sign * (pos + neg) / math.log(base)
    return float(np.mean(per_sample) if mean else np.sum(per_sample))


@st.composite
def _binary(draw):
    n = draw(st.integers(1, 6))
    y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)))
    p = draw(arrays((n,), 1.0).map(np.abs)).clip(1e-6, 1 - 1e-6)
    if draw(st.booleans()):
        p = np.where(draw(arrays((n,), 1.0)) > 0, y, p)  # some exactly right, p = y in {0, 1}
    return Case((p, y))


check_bce = Exercise(
    "Binary cross-entropy",
    losses.bce,
    args=("prob", "target"),
    cases=[
        Case((np.array([0.9, 0.2, 0.6, 0.3]), np.array([1.0, 0.0, 0.0, 1.0]))),
        Case((np.array([1.0, 0.0]), np.array([1.0, 0.0])), note="ŷ exactly 1 and 0, both right"),
        Case((np.array([0.0]), np.array([1.0])), note="ŷ = 0 on target 1: a confident mistake"),
        Case((np.array([1.0]), np.array([0.0])), note="ŷ = 1 on target 0: a confident mistake"),
        Case((np.array([1e-6, 1 - 1e-6]), np.array([1.0, 0.0]))),
        Case((np.array([0.0, 1.0]), np.array([1.0, 0.0])), note="two confident mistakes"),
        Case((np.array([0.8, 0.3, 0.6]), np.array([1, 0, 0])), note="integer targets"),
    ],
    strategy=_binary(),
    outcome=_capped,
    rtol=1e-6,
    # A p of exactly 0 or 1 that is right costs -log(1 - ε) ≈ ε: up to 1e-7 (Keras's ε).
    atol=2e-7,
    hints=[
        Hint("with ŷ exactly 0 or 1 a log is −∞ (and 0·log 0 is nan in floating point): clip ŷ "
             "to [ε, 1 − ε] with a tiny ε such as 1e-12 before taking the logs.",
             like=lambda p, y: _bce_variant(p, y, clip=None)),
        Hint("your clipping ε is too large: it changes the loss of ordinary predictions such as "
             "ŷ = 1e-6. Use a tiny ε such as 1e-12.",
             when=lambda call: any(np.isclose(call.got, _capped((), _bce_variant(
                 *call.case.args, clip=eps)), rtol=1e-6) for eps in (1e-3, 1e-4, 1e-5, 1e-6))),
        Hint("your loss is negative: log ŷ ≤ 0, so put a minus sign in front.",
             like=lambda p, y: _bce_variant(p, y, sign=1.0)),
        Hint("you summed over the samples: take the mean instead.",
             like=lambda p, y: _bce_variant(p, y, mean=False)),
        Hint("you used log base 10; cross-entropy uses the natural log (np.log).",
             like=lambda p, y: _bce_variant(p, y, base=10)),
        Hint("you used log base 2; cross-entropy here uses the natural log (np.log).",
             like=lambda p, y: _bce_variant(p, y, base=2)),
        Hint("only the y·log ŷ term is there: add (1 − y)·log(1 − ŷ), which is what penalises "
             "a high ŷ when the target is 0.", like=lambda p, y: _bce_variant(p, y, terms="pos")),
        Hint("only the (1 − y)·log(1 − ŷ) term is there: add y·log ŷ for the samples whose "
             "target is 1.", like=lambda p, y: _bce_variant(p, y, terms="neg")),
        Hint("you swapped the arguments: the first one is the predicted probability ŷ, the "
             "second the 0/1 target y.", like=lambda p, y: _bce_variant(p, y, swap=True)),
    ],
)


# ----------------------------------------------------------------------------- softmax CE


def _log_softmax(z, *, shift="row", axis=1):
    """log softmax along ``axis``; shifted by each row's maximum, the batch's, or not at all."""
    if shift == "row":
        z = z - z.max(axis=axis, keepdims=True)
    elif shift == "batch":
        z = z - z.max()
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _labels(target):
    target = np.asarray(target)
    return target.argmax(axis=1) if target.ndim == 2 else target.astype(int)


def _ce_variant(logits, target, *, shift="row", axis=1, base=math.e, mean=True, sign=-1.0,
                raw=False, labels_as_weights=False):
    """Softmax cross-entropy, or one of its typical slips (for the hints)."""
    labels = _labels(target)
    n = len(labels)
    if raw:
        log_p = np.log(np.clip(logits, 1e-12, None))
    else:
        log_p = _log_softmax(logits, shift=shift, axis=axis)
    if labels_as_weights:
        picked = (np.asarray(target)[:, None] * log_p).sum(axis=1)
    else:
        picked = log_p[np.arange(n), labels]
    value = sign * picked / math.log(base)
    return float(np.mean(value) if mean else np.sum(value))


# Rows of logits at very different heights: the batch's maximum lies in one row, far above
# the others, so only a shift by each row's own maximum keeps every row finite.
_OFFSETS = (0.0, 0.0, 30.0, -50.0, 1000.0, -1000.0)


@st.composite
def _logits(draw, one_hot=True):
    n, c = draw(st.integers(1, 4)), draw(st.integers(2, 4))
    base = draw(arrays((n, c), 5.0))
    if draw(st.booleans()):
        base = np.round(base)  # ties
    offsets = np.array(draw(st.lists(st.sampled_from(_OFFSETS), min_size=n, max_size=n)))
    z = base + offsets[:, None]
    labels = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    target = np.eye(c)[labels] if one_hot and draw(st.booleans()) else labels
    if draw(st.booleans()):
        return Case((z.astype(np.float32), target), rtol=1e-4, atol=1e-4)
    return Case((z, target))


_Z = np.array([[2.0, 1.0, 0.0], [0.5, 0.5, 3.0], [1.0, -1.0, 0.5]])
_Y = np.array([0, 2, 1])
_FAR_BELOW = np.array([[1000.0, 0.0, 0.0], [-1000.0, -1001.0, -999.0]])

check_cross_entropy = Exercise(
    "Softmax cross-entropy",
    losses.cross_entropy,
    args=("logits", "target"),
    cases=[
        Case((_Z, _Y)),
        Case((_Z, np.eye(3)[_Y]), note="the same targets one-hot"),
        Case((_Z, np.eye(3, dtype=np.int64)[_Y]), note="the same targets one-hot, integers"),
        Case((np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]]), np.array([0, 2])),
             note="logits of ±1000"),
        Case((_FAR_BELOW, np.array([0, 2])),
             note="the second row lies far below the batch maximum"),
        Case((np.zeros((1, 4)), np.array([3])), note="equal logits: the loss is ln 4"),
    ],
    strategy=_logits(),
    rtol=1e-6,
    atol=1e-9,
    hints=[
        Hint("you shifted the logits by the maximum of the whole batch; shift each *row* by its "
             "own maximum (z.max(axis=1, keepdims=True)). A row far below the batch maximum "
             "otherwise underflows to exp = 0 and its log to −∞.",
             like=lambda z, t: _ce_variant(z, t, shift="batch")),
        Hint("exp of a large logit overflows (exp(1000) = inf): subtract each row's maximum "
             "before exponentiating and use log softmax(z) = z − log Σ exp(z) (the log-sum-exp "
             "trick).", like=lambda z, t: _ce_variant(z, t, shift="none")),
        Hint("your loss is negative: log ŷ ≤ 0, so put a minus sign in front.",
             like=lambda z, t: _ce_variant(z, t, sign=1.0)),
        Hint("you summed over the samples: take the mean over the n rows instead.",
             like=lambda z, t: _ce_variant(z, t, mean=False)),
        Hint("you divided by n·C (all entries of the one-hot matrix); divide by the number of "
             "samples n only.", like=lambda z, t: _ce_variant(z, t) / np.shape(z)[1]),
        Hint("you used log base 10; use the natural log (np.log).",
             like=lambda z, t: _ce_variant(z, t, base=10)),
        Hint("you used log base 2; use the natural log (np.log).",
             like=lambda z, t: _ce_variant(z, t, base=2)),
        Hint("your softmax normalises over the wrong axis: each *row* (one sample's C logits) "
             "must sum to 1, so use axis=1 (or axis=-1) with keepdims=True.",
             like=lambda z, t: _ce_variant(z, t, axis=0)),
        Hint("you took the log of the raw logits: turn them into probabilities with softmax "
             "first.", like=lambda z, t: _ce_variant(z, t, raw=True)),
        Hint("you multiplied the integer labels with log ŷ as if they were one-hot rows: for "
             "labels of shape (n,) pick each row's log ŷ[i, y_i], e.g. "
             "log_p[np.arange(n), labels].",
             like=lambda z, t: _ce_variant(z, t, labels_as_weights=True)),
    ],
)


# ----------------------------------------------------------------------------- its gradient


def _ce_gradient(logits, labels):
    loss = losses.CrossEntropyLoss()
    loss(logits, labels)
    return loss.backward()


def _grad_variant(logits, labels, *, shift="row", mean=True, sign=1.0, target=True,
                  normalise=True):
    n, c = np.shape(logits)
    if shift == "row":
        logits = logits - logits.max(axis=1, keepdims=True)
    elif shift == "batch":
        logits = logits - logits.max()
    p = np.exp(logits)
    if normalise:
        p = p / p.sum(axis=1, keepdims=True)
    g = sign * (p - (np.eye(c)[labels] if target else 0.0))
    return g / n if mean else g


check_ce_gradient = Exercise(
    "Gradient of softmax cross-entropy",
    _ce_gradient,
    args=("logits", "labels"),
    cases=[
        Case((np.vstack([_Z, np.zeros((1, 3))]), np.array([0, 2, 1, 1]))),
        Case((np.array([[1000.0, 0.0, -1000.0]]), np.array([1])), note="logits of ±1000"),
        Case((_FAR_BELOW, np.array([0, 2])),
             note="the second row lies far below the batch maximum"),
    ],
    strategy=_logits(one_hot=False),
    rtol=1e-6,
    atol=1e-9,
    hints=[
        Hint("you shifted the logits by the maximum of the whole batch; shift each *row* by its "
             "own maximum (z.max(axis=1, keepdims=True)), or a row far below the batch maximum "
             "becomes 0/0 = nan.", like=lambda z, y: _grad_variant(z, y, shift="batch")),
        Hint("exp of a large logit overflows (exp(1000) = inf): subtract each row's maximum "
             "before exponentiating.", like=lambda z, y: _grad_variant(z, y, shift="none")),
        Hint("you forgot the 1/n: the loss is a mean over the n samples, so each row of "
             "(softmax − y) is divided by n.", like=lambda z, y: _grad_variant(z, y, mean=False)),
        Hint("the sign is flipped: the gradient is (softmax(z) − y)/n, prediction minus target.",
             like=lambda z, y: _grad_variant(z, y, sign=-1.0)),
        Hint("you left out the target: subtract the one-hot row y, so the gradient is "
             "(softmax(z) − y)/n.", like=lambda z, y: _grad_variant(z, y, target=False)),
        Hint("you used exp(z) where softmax(z) belongs: divide by the row sums so each row of "
             "probabilities sums to 1.",
             like=lambda z, y: _grad_variant(z, y, shift="none", normalise=False)),
    ],
)


# ----------------------------------------------------------------------------- pairings

PROBLEMS = {
    "temperature": "Predict tomorrow's noon temperature in °C from today's weather "
    "measurements (it can be below zero).",
    "fraud": "Decide whether a card payment is fraudulent, and say how likely that is.",
    "species": "Tell which of 12 bird species a photo shows (exactly one per photo).",
}

_OUTPUTS = ("identity", "sigmoid", "softmax", "relu", "tanh", "step")
_LOSSES = ("mse", "bce", "bce_with_logits", "cross_entropy")
# Every right design per problem. For a yes/no question a softmax over two output units
# with cross-entropy is the same model as one sigmoid unit with BCE (the chapter shows it),
# and so is a linear output with BCE on the logit, the form the chapter recommends in code.
_RIGHT = {
    "temperature": {("identity", "mse")},
    "fraud": {("sigmoid", "bce"), ("softmax", "cross_entropy"), ("identity", "bce_with_logits")},
    "species": {("softmax", "cross_entropy")},
}
_ALIASES = {"linear": "identity", "none": "identity", "ce": "cross_entropy",
            "crossentropy": "cross_entropy", "categorical_cross_entropy": "cross_entropy",
            "binary_cross_entropy": "bce", "log_loss": "bce", "logloss": "bce",
            "bcewithlogits": "bce_with_logits", "bcewithlogitsloss": "bce_with_logits",
            "bce_with_logits_loss": "bce_with_logits", "mean_squared_error": "mse"}


def _normalise(name):
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    return _ALIASES.get(key, key)


def _parse(choices):
    """``{problem: (output, loss)}`` with normalised names, or None if it is not of that form."""
    if not isinstance(choices, dict) or set(choices) != set(PROBLEMS):
        return None
    parsed = {}
    for problem, answer in choices.items():
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            return None
        parsed[problem] = tuple(_normalise(a) for a in answer)
    return parsed


def _pairings_right(got, expected):
    parsed = _parse(got)
    return parsed is not None and all(parsed[p] in _RIGHT[p] for p in PROBLEMS)


def _first_wrong(got):
    """(problem, output, loss) of the first wrong entry, in PROBLEMS order; None if any."""
    parsed = _parse(got)
    if parsed is None:
        return None
    for problem in PROBLEMS:
        if parsed[problem] not in _RIGHT[problem]:
            return (problem, *parsed[problem])
    return None


def _wrong(problem, output=None, loss=None, right_output=None):
    """A ``when`` test: the first wrong entry is ``problem`` with this output and/or loss
    (``loss`` a name or a tuple of names)."""
    losses = (loss,) if isinstance(loss, str) else loss

    def test(call):
        first = _first_wrong(call.got)
        return (first is not None and first[0] == problem
                and (output is None or first[1] == output)
                and (losses is None or first[2] in losses)
                and (right_output is None or first[1] in right_output))

    return test


def _malformed(call):
    return _parse(call.got) is None


def _unknown_name(call):
    parsed = _parse(call.got)
    return parsed is not None and any(
        o not in _OUTPUTS or loss not in _LOSSES for o, loss in parsed.values()
    )


_PAIR_HINTS = [
    Hint(f"give a dict with exactly the keys {list(PROBLEMS)}, each mapped to a pair "
         "(output, loss), e.g. ('sigmoid', 'bce').", when=_malformed),
    Hint(f"name the output unit with one of {', '.join(_OUTPUTS)} and the loss with one of "
         f"{', '.join(_LOSSES)}.", when=_unknown_name),
    Hint("temperature: ReLU cannot output a negative temperature; a regression output should "
         "be a plain linear (identity) unit.", when=_wrong("temperature", "relu")),
    Hint("temperature: a sigmoid squashes into (0, 1) and tanh into (−1, 1), but a temperature "
         "can be any real number: use a linear (identity) output.",
         when=_wrong("temperature", right_output=("sigmoid", "tanh"))),
    Hint("temperature: softmax makes a probability distribution over classes and a step "
         "outputs only 0 or 1; a temperature is one real number: use a linear (identity) "
         "output.", when=_wrong("temperature", right_output=("softmax", "step"))),
    Hint("temperature: for a real-valued target use the mean squared error; the "
         "cross-entropies compare probabilities.", when=_wrong("temperature", "identity")),
    Hint("fraud: a linear, ReLU or tanh output is not a probability (it can be −3 or 7): "
         "squash it with a sigmoid (or keep a linear output and use 'bce_with_logits', which "
         "applies the sigmoid inside the loss).",
         when=_wrong("fraud", right_output=("identity", "relu", "tanh"))),
    Hint("fraud: a step gives no probability and no gradient to learn from: use a sigmoid.",
         when=_wrong("fraud", "step")),
    Hint("fraud: MSE on a sigmoid output trains, but its gradient vanishes when the model is "
         "confidently wrong (see the experiment above): use binary cross-entropy.",
         when=_wrong("fraud", "sigmoid", "mse")),
    Hint("fraud: with one sigmoid output the matching loss is the *binary* cross-entropy "
         "('bce').", when=_wrong("fraud", "sigmoid", "cross_entropy")),
    Hint("fraud: 'bce_with_logits' applies the sigmoid itself; after a sigmoid output the "
         "model would squash twice. Use it with a linear ('identity') output, or pair the "
         "sigmoid with 'bce'.", when=_wrong("fraud", "sigmoid", "bce_with_logits")),
    Hint("fraud: a softmax over two units goes with the (categorical) cross-entropy, "
         "'cross_entropy'; BCE belongs to a single sigmoid unit.",
         when=_wrong("fraud", "softmax")),
    Hint("species: independent sigmoids don't make the 12 probabilities sum to 1; for exactly "
         "one class per photo use softmax.", when=_wrong("species", "sigmoid")),
    Hint("species: linear, ReLU, tanh or step outputs are not probabilities: put a softmax over "
         "the 12 outputs.",
         when=_wrong("species", right_output=("identity", "relu", "tanh", "step"))),
    Hint("species: MSE on softmax outputs learns slowly when confidently wrong and is not the "
         "likelihood of a class label: use cross-entropy.", when=_wrong("species", loss="mse")),
    Hint("species: for one-of-12 classes with softmax the matching loss is the (categorical) "
         "cross-entropy, 'cross_entropy'.",
         when=_wrong("species", loss=("bce", "bce_with_logits"))),
]

PAIRINGS = Exercise(
    "Output unit and loss for three problems",
    lambda: {"temperature": ("identity", "mse"), "fraud": ("sigmoid", "bce"),
             "species": ("softmax", "cross_entropy")},
    cases=[Case(())],
    same=_pairings_right,
    hints=_PAIR_HINTS,
)


FUSED_NOTE = ("  Note: in code, fuse the sigmoid into the loss: a Dense output with no Sigmoid, "
              "trained on BCEWithLogitsLoss (section 4.6).")


def check_pairings(choices):
    """Check a dict ``{problem: (output, loss)}`` for the problems in :data:`PROBLEMS`.

    ``output`` is one of "identity" (alias "linear"), "sigmoid", "softmax", "relu", "tanh",
    "step"; ``loss`` one of "mse", "bce", "bce_with_logits", "cross_entropy". For fraud three
    right designs pass: one sigmoid unit with BCE, two softmax units with cross-entropy, or a
    linear output with BCE on the logit. Entries still holding ``...`` count as not
    attempted. Prints one verdict line, and after a pass with a sigmoid unit and BCE a second
    line, :data:`FUSED_NOTE`; returns True when all are right.
    """
    passed = PAIRINGS.check(lambda: choices)
    if passed and _parse(choices)["fraud"] == ("sigmoid", "bce"):
        print(FUSED_NOTE)
    return passed


# ----------------------------------------------------------------------------- thinking exercises


def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "pull": Quiz(
            "A sigmoid output says ŷ = σ(−8) ≈ 0.0003 for an example whose target is 1: "
            "confidently wrong. Which loss pulls harder on z?",
            [
                Option("The squared error (ŷ − y)²: its error is close to 1, the largest it "
                       "can be.", False,
                       "Its gradient is 2(ŷ − y)·σ'(z), and σ'(−8) ≈ 0.0003: the flat end of "
                       "the sigmoid shrinks the pull almost to nothing."),
                Option("Binary cross-entropy.", True,
                       "Its gradient with respect to z is simply ŷ − y ≈ −1: the logarithm "
                       "cancels the sigmoid's flat slope, so a confident mistake gets the "
                       "strongest pull."),
                Option("Both pull equally hard: they have the same minimum.", False,
                       "Sharing the minimum says nothing about the slope far from it; here "
                       "the two gradients differ by a factor of more than a thousand."),
            ],
        ),
        "overflow": Quiz(
            "The naive softmax exp(z) / Σ exp(z) is applied to the logits [1000, 0, −1000]. "
            "What does NumPy return?",
            [
                Option("[1, 0, 0], the right probabilities", False,
                       "Right in exact arithmetic, but exp(1000) is far beyond the largest "
                       "float64 (about 1.8·10³⁰⁸): it becomes inf before the division."),
                Option("[nan, 0, 0]", True,
                       "exp(1000) overflows to inf, so the first entry is inf/inf = nan; the "
                       "other two are finite/inf = 0."),
                Option("An OverflowError", False,
                       "NumPy does not raise on overflow in arrays: it returns inf (at most with "
                       "a warning), and the nan spreads silently."),
                Option("[inf, 0, 0]", False,
                       "The numerator is inf, but so is the denominator, and inf/inf is nan, not "
                       "inf."),
            ],
        ),
    }
