"""Exercises of chapter 7, vectorisation and efficiency.

Checked exercises:

* :func:`check_vectorised` -- softmax regression's loss and gradients for a whole batch
  without a loop over samples, checked against the loop :func:`softmax_regression_loop`
  (and checked for having no such loop);
* :func:`check_layer_flops` -- the FLOPs of a Dense layer's forward and backward pass;
* :func:`check_slowest_part` -- the part of :func:`mystery_training` that the profiler
  shows taking most of the time, named by the student.

Thinking exercises: :func:`quizzes` builds the chapter's "predict, then look" questions.
"""

from __future__ import annotations

import copy
import functools
import sys

import numpy as np

import nnkit as nk
from nnkit.course.checking import Case, Exercise, Hint
from nnkit.course.quiz import Option, Quiz
from nnkit.validation import as_rng

from .lab import backward_pass, dense_flops, forward_pass, update_weights

__all__ = [
    "MYSTERY_PARTS",
    "SLOWEST_PART",
    "check_layer_flops",
    "check_slowest_part",
    "check_vectorised",
    "mystery_training",
    "quizzes",
    "reference_softmax_regression",
    "softmax_regression_loop",
]


# --------------------------------------------------------------------------------------
# Exercise 1: vectorise a loop over samples
# --------------------------------------------------------------------------------------


def softmax_regression_loop(X, y, W, b):
    """Mean cross-entropy of softmax regression and its gradients, one example at a time.

    ``z = W x + b`` (C,), ``log p = z − max z − log Σ exp(z − max z)``, ``J_i = −log p_y``;
    ``∂J_i/∂z = p − e_y``, so
    ``∂J/∂W = (1/n) Σ (p − e_y) xᵀ`` and ``∂J/∂b = (1/n) Σ (p − e_y)``.
    Returns ``(loss, dW, db)`` with shapes ``()``, ``W.shape`` (C, d) and ``b.shape`` (C,).
    """
    n = len(X)
    loss = 0.0
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    for x_i, y_i in zip(X, y, strict=True):
        z = W @ x_i + b
        z = z - z.max()
        log_p = z - np.log(np.exp(z).sum())
        loss -= log_p[y_i]
        p = np.exp(log_p)
        p[y_i] -= 1.0
        dW += np.outer(p, x_i) / n
        db += p / n
    return loss / n, dW, db


def reference_softmax_regression(X, y, W, b):
    """The same as :func:`softmax_regression_loop` for the whole batch: ``Z = X Wᵀ + b``,
    ``Δ = (softmax(Z) − Y)/n``, ``∂J/∂W = Δᵀ X``, ``∂J/∂b = Σ_rows Δ``."""
    n = len(X)
    Z = X @ W.T + b
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean()
    delta = np.exp(log_p)
    delta[np.arange(n), y] -= 1.0
    delta /= n
    return float(loss), delta.T @ X, delta.sum(axis=0)


class _RowCounter(np.ndarray):
    """An array that counts how often it is read one row (sample) at a time.

    Results of arithmetic on it are plain arrays, so only the student's direct indexing
    or iteration of ``X`` counts. A copy starts counting afresh.
    """

    def __array_finalize__(self, obj):
        self.reads = getattr(obj, "reads", None)
        self.loop_lines = 0

    def __array_wrap__(self, array, context=None, return_scalar=False):
        return np.asarray(array)

    def __deepcopy__(self, memo):
        fresh = np.array(self).view(_RowCounter)
        fresh.reads = [0]
        return fresh

    def __getitem__(self, key):
        first = key[0] if isinstance(key, tuple) and key else key
        if isinstance(first, (int, np.integer)) and self.reads is not None:
            self.reads[0] += 1
        return np.asarray(super().__getitem__(key))

    def __iter__(self):
        if self.reads is not None:
            self.reads[0] += len(self)
        return iter(np.asarray(self))


def _softmax_case(n, d, c, seed, scale=1.0, dtype=np.float64):
    # One decimal: a counterexample shown to the student stays short and readable.
    rng = as_rng(seed)
    X = (rng.normal(size=(n, d)) * scale).round(1).astype(dtype)
    W = rng.normal(size=(c, d)).round(1).astype(dtype)
    b = rng.normal(size=c).round(1).astype(dtype)
    y = rng.integers(0, c, size=n)
    return X, y, W, b


def _extreme_case():
    """Rows whose logits differ by hundreds: the batch maximum sits in one row only."""
    X = np.array([[10.0, 0.0], [-10.0, 1.0], [0.0, -8.0]])
    W = np.array([[80.0, 0.0], [0.0, 30.0], [-5.0, 60.0]])
    b = np.array([0.0, 1.0, -1.0])
    y = np.array([0, 2, 1])
    return X, y, W, b


def _far_below_case():
    """True classes 800 below their row's maximum: their probability underflows to 0 (so
    the log must come before the exp), and logits of 800 overflow an un-shifted exp."""
    X = np.array([[10.0, 0.0], [0.0, 10.0]])
    W = np.array([[80.0, 0.0], [0.0, 80.0], [-1.0, -1.0]])
    b = np.array([0.0, 0.0, 0.0])
    y = np.array([1, 0])
    return X, y, W, b


def _counted_case():
    """40 examples in an X that counts row reads: a loop over the samples shows up."""
    X, y, W, b = _softmax_case(40, 3, 3, seed=6)
    counted = X.view(_RowCounter)
    counted.reads = [0]
    return Case((counted, y, W, b), note="X counts how often it is read one row at a time")


def _softmax_cases():
    """Smallest first, so the first failure is the smallest case that shows the mistake."""
    return [
        Case(_softmax_case(1, 2, 3, seed=1), note="one example"),
        Case(_softmax_case(3, 2, 3, seed=2), note="three examples"),
        Case(_softmax_case(4, 3, 3, seed=3), note="d = C, a transpose cannot hide in the shapes"),
        Case(_softmax_case(6, 5, 4, seed=4), note="a batch of 6"),
        Case(_extreme_case(), note="logits of very different sizes per row"),
        Case(_far_below_case(), note="each true class 800 below its row's maximum"),
        Case(_softmax_case(5, 4, 3, seed=5, dtype=np.float32), note="float32 inputs",
             rtol=1e-4, atol=1e-6),
        _counted_case(),
    ]


def _outcome(args, returned):
    """What is compared: the result, except on the counting case, where only how X was read
    counts (the values are checked on every other case)."""
    X = args[0]
    if isinstance(X, _RowCounter):
        loops = X.reads[0] >= 2 or X.loop_lines >= len(X) // 2
        return "one row at a time" if loops else "as a whole"
    return returned


def _python_lines(fn, args) -> int:
    """How many lines of Python (any function's, NumPy's Python code included) run during
    ``fn(*args)``: a loop or comprehension over the samples runs its body once per sample."""
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
        return local

    previous = sys.gettrace()
    sys.settrace(lambda frame, event, arg: local)
    try:
        fn(*args)
    finally:
        sys.settrace(previous)
    return count[0]


def _watch_loops(student):
    """``student``, called as before; on the counting case it is first run on plain copies
    of the batch and of the batch twice over, and the growth of the Python lines run is
    stored on ``X`` (a vectorised function runs the same lines whatever the batch size)."""

    @functools.wraps(student)
    def call(X, y, W, b):
        if isinstance(X, _RowCounter):
            plain = (np.array(X), np.array(y), np.array(W), np.array(b))
            doubled = (np.concatenate([plain[0]] * 2), np.concatenate([plain[1]] * 2),
                       plain[2].copy(), plain[3].copy())
            try:
                X.loop_lines = (_python_lines(student, doubled)
                                - _python_lines(student, copy.deepcopy(plain)))
            except NotImplementedError:
                raise
            except Exception:  # noqa: BLE001 - the real call below reports the error
                X.loop_lines = 0
        return student(X, y, W, b)

    return call


class _LoopWatchingExercise(Exercise):
    """An :class:`Exercise` whose student function is watched for loops over the samples."""

    def verdict(self, student):
        return super().verdict(_watch_loops(student) if callable(student) else student)


def _variant(X, y, W, b, *, mean=True, grad_mean=True, subtract=True, sign=1.0, axis=1,
             bias=True, shift="row", log_first=True):
    """Softmax regression with one typical slip (for the hints)."""
    X = np.asarray(X)
    n = len(X)
    Z = X @ W.T + (b if bias else 0.0)
    top = Z.max() if shift == "batch" else Z.max(axis=axis, keepdims=True)
    shifted = Z - top
    log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    P = np.exp(log_p)
    if not log_first:
        P = np.exp(shifted) / np.exp(shifted).sum(axis=axis, keepdims=True)
        log_p = np.log(P)
    Y = np.zeros_like(P)
    Y[np.arange(n), y] = 1.0
    loss = -log_p[np.arange(n), y].mean() * (1 if mean else n)
    delta = sign * (P - (Y if subtract else 0.0)) / (n if grad_mean else 1)
    return float(loss), delta.T @ X, delta.sum(axis=0)


def _reads_rows(call):
    return call.got == "one row at a time"


def _overflowed(call):
    """The result is not finite, on a case with logits beyond what np.exp can take."""
    if isinstance(call.got, str) or not isinstance(call.got, tuple):
        return False
    X, _, W, b = (np.asarray(a, dtype=np.float64) for a in call.case.args)
    logits_overflow = np.abs(X @ W.T + b).max() > 709
    finite = all(np.all(np.isfinite(np.asarray(v, dtype=np.float64))) for v in call.got)
    return logits_overflow and not finite


check_vectorised = _LoopWatchingExercise(
    "Softmax regression without a loop",
    reference_softmax_regression,
    args=("X", "y", "W", "b"),
    returns=("loss", "dW", "db"),
    cases=_softmax_cases(),
    outcome=_outcome,
    rtol=1e-7,
    atol=1e-9,
    hints=[
        Hint("you summed over the examples instead of averaging: divide the loss and the "
             "gradients by n, as the loop does.",
             like=lambda *a: _variant(*a, mean=False, grad_mean=False)),
        Hint("the loss is right but the gradients are n times too large: the loop divides "
             "every example's contribution by n.", like=lambda *a: _variant(*a, grad_mean=False)),
        Hint("the gradients are right but the loss is n times too large: it is the mean over "
             "the examples, not the sum.", like=lambda *a: _variant(*a, mean=False)),
        Hint("the gradient of the cross-entropy with respect to the logits is P − Y: subtract "
             "1 at each example's true class before the products.",
             like=lambda *a: _variant(*a, subtract=False)),
        Hint("the gradients have the wrong sign: ∂J/∂Z = P − Y, not Y − P.",
             like=lambda *a: _variant(*a, sign=-1.0)),
        Hint("softmax over the wrong axis: each example's probabilities (each row) must sum to "
             "1; use axis=1 with keepdims=True.", like=lambda *a: _variant(*a, axis=0)),
        Hint("the bias is missing from the logits: Z = X Wᵀ + b.",
             like=lambda *a: _variant(*a, bias=False)),
        Hint("you subtracted the batch's maximum, Z.max(): subtract each row's own maximum "
             "(Z.max(axis=1, keepdims=True)) before np.exp — a row far below the batch "
             "maximum underflows to 0 and its log to −inf.",
             like=lambda *a: _variant(*a, shift="batch")),
        Hint("take the log before the exp: log p = shifted − log Σ exp(shifted). Computing "
             "the probabilities first and then np.log(P) gives log 0 = −inf for a true class "
             "far below its row's maximum, whose probability underflows to 0.",
             like=lambda *a: _variant(*a, log_first=False)),
        Hint("your result contains nan or inf on a case whose logits reach 800: np.exp "
             "overflows to inf above about 709. Subtract each row's maximum before np.exp, "
             "as the loop does.", when=_overflowed),
        Hint("your function works one example at a time: a Python loop or comprehension over "
             "the samples ran once per example. Write it with "
             "whole-batch matrix products, Z = X @ W.T + b, and no loop over the samples.",
             when=_reads_rows),
    ],
)


# --------------------------------------------------------------------------------------
# Exercise 2: the FLOPs of a layer
# --------------------------------------------------------------------------------------

_FLOP_CASES = [(1, 1, 1, True), (1, 3, 2, True), (2, 3, 2, False), (4, 5, 3, True),
               (32, 64, 10, False), (128, 784, 256, True)]


def _flop_parts(batch, n_in, n_out, input_grad):
    product = 2 * batch * n_in * n_out
    return product, batch * n_out, (product if input_grad else 0)


def _wrong(formula):
    """A typical wrong count as a function of the case (batch, n_in, n_out, input_grad)."""
    return lambda case: tuple(int(v) for v in formula(*case, *_flop_parts(*case)))


_FLOP_HINTS = [
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias + dx, p + bias)),
     "you returned (backward, forward): the forward count comes first."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p // 2 + bias, p // 2 + bias + dx // 2)),
     "you counted multiply-adds: each is two FLOPs, a multiply and an add, so a product of "
     "(m, k) by (k, p) costs 2mkp."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p // 2 + bias, p + bias + dx)),
     "the forward count misses a factor 2 on the product: X Wᵀ does batch·n_in·n_out "
     "multiplies and as many adds."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p, p + dx)),
     "the bias is missing: adding b costs one FLOP per output element (batch·n_out), and so "
     "does summing Δ for ∂b."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p, p + bias + dx)),
     "the forward count misses the bias: + batch·n_out."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, p + dx)),
     "the backward count misses ∂b = Σ Δ: batch·n_out additions."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, p + bias + p)),
     "with input_grad=False the layer skips ∂X = Δ W: leave out its 2·batch·n_in·n_out."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, p + bias)),
     "input_grad=True means the layer must also return ∂X = Δ W: another "
     "2·batch·n_in·n_out."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, 2 * (p + bias))),
     "“backward ≈ 2 × forward” is a rule of thumb; count the three parts: ∂W = Δᵀ X, ∂b = Σ Δ, "
     "and ∂X = Δ W only when input_grad is True."),
    (_wrong(lambda b, i, o, g, p, bias, dx: ((p + bias) // b, (p + bias + dx) // b)),
     "that is one example's count: every example of the batch pays it, multiply by batch."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + b * i, p + bias + dx)),
     "the bias has n_out entries and is added to each of the batch·n_out outputs, not n_in."),
]


check_layer_flops = Exercise(
    "FLOPs of a Dense layer",
    dense_flops,
    args=("batch", "n_in", "n_out", "input_grad"),
    returns=("forward", "backward"),
    cases=[Case(case) for case in _FLOP_CASES],
    rtol=0.0,
    atol=0.0,
    hints=[Hint(message, like=lambda *case, formula=formula: formula(case))
           for formula, message in _FLOP_HINTS]
    + [Hint("FLOP counts are whole numbers: use // rather than /, or leave out fractions.",
            when=lambda call: any(float(v) != int(v) for v in call.got))],
)


# --------------------------------------------------------------------------------------
# Exercise 3: find the slow part with the profiler
# --------------------------------------------------------------------------------------

MYSTERY_PARTS = ("next_batch", "forward_pass", "backward_pass", "update_weights",
                 "remember_best")


def _mystery_data():
    rng = as_rng(7)
    X = rng.standard_normal((1024, 32))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def next_batch(X, y, step, batch_size):
    """The ``step``-th batch of ``batch_size`` examples, cycling through the data."""
    start = (step * batch_size) % len(X)
    return X[start:start + batch_size], y[start:start + batch_size]


def remember_best(model, loss_fn, X, y, best):
    """Keep a copy of the weights whenever the loss on the training set is the lowest yet."""
    loss = loss_fn.forward(model.forward(X), y)
    if loss < best["loss"]:
        best["loss"] = loss
        best["weights"] = [p.value.copy() for p in model.parameters()]


def mystery_training(steps: int = 30, batch_size: int = 16):
    """A small training loop built from the parts in :data:`MYSTERY_PARTS`. Profile it."""
    X, y = _mystery_data()
    model = nk.mlp([32, 64, 2], activation="relu", rng=0)
    loss_fn = nk.CrossEntropyLoss()
    optimizer = nk.SGD(model.parameters(), lr=0.1)
    best = {"loss": np.inf, "weights": None}
    for step in range(steps):
        xb, yb = next_batch(X, y, step, batch_size)
        forward_pass(model, loss_fn, xb, yb)
        backward_pass(model, loss_fn)
        update_weights(optimizer)
        remember_best(model, loss_fn, X, y, best)
    return best["loss"]


_ANSWER = "remember_best"
_BLOCKS = ("forward", "backward", "step", "matmul", "dot", "exp", "sum", "max", "copy",
           "compute", "validate")


def _part_name(answer):
    """The part an answer names ("remember_best", "remember_best()", the function itself…),
    or None if it names nothing."""
    if callable(answer) and hasattr(answer, "__name__"):
        return answer.__name__
    if not isinstance(answer, str) or not answer.strip():
        return None
    name = answer.strip().strip("'\"`").split(".")[-1]
    return name[:-2] if name.endswith("()") else name


def _names(test):
    return lambda call: test(_part_name(call.got))


# The exercise behind :func:`check_slowest_part`, which hands it the answer as a function
# of no arguments.
SLOWEST_PART = Exercise(
    "The slowest part of the training step",
    lambda: _ANSWER,
    cases=[Case(())],
    same=lambda got, expected: _part_name(got) == expected,
    hints=[
        Hint('name the function as a string, for example "next_batch".',
             when=_names(lambda name: name is None)),
        Hint("mystery_training is the whole loop: its cumulative time includes every part. "
             "Look one level down: which of the parts it calls accounts for most of it?",
             when=_names(lambda name: name == "mystery_training")),
        Hint("that is one of the parts, but not the one that takes most of the time: sort the "
             "profile by cumulative time (sort_stats('cumulative')) and compare the parts' "
             "cumtime column.", when=_names(lambda name: name in MYSTERY_PARTS)),
        Hint("that is a building block called from several parts (nnkit or NumPy). Name the "
             f"part of the step that calls it so often — one of {', '.join(MYSTERY_PARTS)}.",
             when=_names(lambda name: name in _BLOCKS)),
        Hint(f"there is no part of that name in the step; the parts are "
             f"{', '.join(MYSTERY_PARTS)}.", when=_names(lambda name: True)),
    ],
)


def check_slowest_part(answer) -> bool:
    """Print a verdict on ``answer``, the name (or the function) of the slowest part;
    ``None`` means not attempted yet."""
    return SLOWEST_PART.check(lambda: ... if answer is None else answer)


# --------------------------------------------------------------------------------------
# Thinking exercises
# --------------------------------------------------------------------------------------


def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, by the section that asks them."""
    return {
        "broadcast": Quiz(
            "pred has shape (4, 1) and y has shape (4,). What does pred − y give?",
            [
                Option("An error: the shapes do not match", False,
                       "NumPy raises only when two sizes differ and neither is 1. Here the "
                       "trailing sizes are 1 and 4, so it broadcasts."),
                Option("An array of shape (4,)", False,
                       "That is what you meant, but broadcasting lines shapes up from the right: "
                       "(4, 1) against (4,) is (4, 1) against (1, 4)."),
                Option("An array of shape (4, 4)", True,
                       "(4, 1) against (1, 4) stretches both to (4, 4): every prediction minus "
                       "every target. A mean over it is a number, so nothing complains."),
                Option("An array of shape (4, 1)", False,
                       "The result takes the larger size along every axis: 4 rows from pred "
                       "and 4 columns from y."),
            ],
        ),
        "small batch": Quiz(
            "A network of width 16 takes time t for one SGD step on 1 example. About how long "
            "does one step on 16 examples take?",
            [
                Option("About 16 t", False,
                       "That would hold if arithmetic were all the work. At this size a step "
                       "is mostly fixed costs: Python calls, small-array set-up, updating "
                       "every parameter — paid once per step, whatever the batch."),
                Option("Less than 3 t, far from 16 t", True,
                       "The fixed cost per step dominates, so sixteen times the examples costs "
                       "little more time: the chapter measures a step on 16 examples at less "
                       "than 3 t, so per example the batch of 16 is more than five times "
                       "cheaper."),
                Option("About t / 16", False,
                       "A larger batch never makes the step itself faster; it spreads the "
                       "step's fixed cost over more examples."),
                Option("About 4 t, the square root of 16", False,
                       "The square root describes the gradient's noise (chapter 6), not the "
                       "time: time grows at most in proportion to the work."),
            ],
        ),
        "width": Quiz(
            "The hidden layers of a d → h → h → C network double in width, from h = 256 to "
            "512. By about how much do the FLOPs of a training step grow?",
            [
                Option("×2", False,
                       "The first and last layers do grow ×2 (d·h and h·C), but the middle "
                       "layer's h·h weights grow ×4, and with d = 64, C = 10 they dominate."),
                Option("Close to ×4", True,
                       "FLOPs are 6 per weight per example (4 in the first layer, which skips "
                       "∂X), and the h × h layer holds most weights: 65 536 of 84 480 at "
                       "h = 256. The total grows to 300 032 weights, about ×3.6, and the "
                       "FLOPs about ×3.7."),
                Option("×8", False,
                       "Cubic growth comes from multiplying two h × h matrices; a layer "
                       "multiplies a batch by one h × h matrix, quadratic in h."),
                Option("Unchanged per example", False,
                       "Every weight is used once per example in the forward pass and again in "
                       "the backward pass (twice, except in the first layer), so more weights "
                       "always mean more work."),
            ],
        ),
    }
