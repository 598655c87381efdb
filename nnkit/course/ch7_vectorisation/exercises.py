"""Exercises of chapter 7, vectorisation and efficiency.

Checked exercises:

* :func:`check_vectorised` -- softmax regression's loss and gradients for a whole batch
  without a loop over samples, checked against the loop :func:`softmax_regression_loop`
  (and checked for having no such loop);
* :func:`check_layer_flops` -- the FLOPs of a Dense layer's forward and backward pass;
* :func:`check_slowest_part` -- the part of :func:`mystery_training` that the profiler
  shows taking most of the time, named by the student.

Thinking exercises: :func:`quizzes` builds the chapter's "predict, then look" questions
(:class:`Quiz`, re-exported here).
"""

from __future__ import annotations

import numpy as np

import nnkit as nk
from nnkit.course.checking import FAIL_MARK, PASS_MARK, Hint, call_student, checker, expect, fmt
from nnkit.course.quiz import Option, Quiz

from .lab import dense_flops

__all__ = [
    "MYSTERY_PARTS",
    "Option",
    "Quiz",
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

    ``z = W x + b`` (C,), ``log p = z − max z − log Σ exp(z − max z)``, ``ℓ = −log p_y``;
    ``∂ℓ/∂z = p − e_y``, so
    ``∂L/∂W = (1/n) Σ (p − e_y) xᵀ`` and ``∂L/∂b = (1/n) Σ (p − e_y)``.
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
    ``Δ = (softmax(Z) − Y)/n``, ``∂L/∂W = Δᵀ X``, ``∂L/∂b = Σ_rows Δ``."""
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
    or iteration of ``X`` counts.
    """

    def __array_finalize__(self, obj):
        self.reads = getattr(obj, "reads", None)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        return np.asarray(array)

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
    rng = np.random.default_rng(seed)
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


def _softmax_cases():
    """Smallest first, so the first failure is the smallest case that shows the mistake."""
    return [
        ("one example", _softmax_case(1, 2, 3, seed=1)),
        ("three examples", _softmax_case(3, 2, 3, seed=2)),
        ("d = C (a transpose cannot hide in the shapes)", _softmax_case(4, 3, 3, seed=3)),
        ("a batch of 6", _softmax_case(6, 5, 4, seed=4)),
        ("logits of very different sizes per row", _extreme_case()),
        ("float32 inputs", _softmax_case(5, 4, 3, seed=5, dtype=np.float32)),
    ]


def _softmax_hints(X, y, W, b, loss, dW, db):
    """Known wrong answers for this case: (wrong loss, wrong dW, wrong db, message)."""
    n = len(X)
    Z = X @ W.T + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(n), y] = 1.0
    columns = np.exp(Z - Z.max(axis=0, keepdims=True))
    columns /= columns.sum(axis=0, keepdims=True)
    Zb = X @ W.T
    Pb = np.exp(Zb - Zb.max(axis=1, keepdims=True))
    Pb /= Pb.sum(axis=1, keepdims=True)
    return [
        (loss * n, dW * n, db * n,
         "you summed over the examples instead of averaging: divide the loss and the "
         "gradients by n, as the loop does."),
        (loss, dW * n, db * n,
         "the loss is right but the gradients are n times too large: the loop divides "
         "every example's contribution by n."),
        (loss * n, dW, db,
         "the gradients are right but the loss is n times too large: it is the mean over "
         "the examples, not the sum."),
        (None, P.T @ X / n, P.sum(axis=0) / n,
         "the gradient of the cross-entropy with respect to the logits is P − Y: subtract "
         "1 at each example's true class before the products."),
        (None, (Y - P).T @ X / n, (Y - P).sum(axis=0) / n,
         "the gradients have the wrong sign: ∂L/∂Z = P − Y, not Y − P."),
        (None, (columns - Y).T @ X / n, (columns - Y).sum(axis=0) / n,
         "softmax over the wrong axis: each example's probabilities (each row) must sum to "
         "1; use axis=1 with keepdims=True."),
        (-np.log(Pb[np.arange(n), y]).mean(), (Pb - Y).T @ X / n, (Pb - Y).sum(axis=0) / n,
         "the bias is missing from the logits: Z = X Wᵀ + b."),
    ]


def _close(a, b, rtol):
    return a is not None and np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=1e-9)


def _shape_hint(name, got, expected_shape):
    if np.shape(got) == expected_shape:
        return None
    if np.shape(got) == expected_shape[::-1] and len(expected_shape) == 2:
        return (f"{name} has shape {np.shape(got)}, the transpose of {expected_shape}: "
                "∂L/∂W = Δᵀ X, with one row per class like W.")
    return f"{name} should have shape {expected_shape}, got {np.shape(got)}."


@checker("Softmax regression without a loop")
def check_vectorised(student):
    """Compare ``student(X, y, W, b)`` with the loop on small, extreme and float32 cases,
    then check that it reads ``X`` as a whole rather than one example at a time."""
    for label, (X, y, W, b) in _softmax_cases():
        rtol = 1e-4 if X.dtype == np.float32 else 1e-7
        expected = reference_softmax_regression(X, y, W, b)
        result = call_student(student, X, y, W, b, what="your function")
        if not (isinstance(result, tuple) and len(result) == 3):
            raise Hint("return the triple `loss, dW, db` (a number and two arrays).")
        loss, dW, db = (np.asarray(v, dtype=np.float64) if v is not None else v for v in result)
        if loss is None or dW is None or db is None:
            raise Hint("one of `loss, dW, db` is None: return all three.")
        for name, got, want in (("dW", dW, expected[1]), ("db", db, expected[2])):
            hint = _shape_hint(name, got, np.shape(want))
            if hint:
                raise Hint(hint)
        if np.size(loss) != 1:
            raise Hint(f"the loss should be one number (the mean over the batch), got shape "
                       f"{np.shape(loss)}.")
        if not (np.all(np.isfinite(loss)) and np.all(np.isfinite(dW)) and np.all(np.isfinite(db))):
            raise Hint(
                f"on {label} your result contains nan or inf: subtract each row's own maximum "
                "(Z.max(axis=1, keepdims=True)), not the batch's, before np.exp — a row far "
                "below the batch maximum underflows to 0 and its log to −inf."
            )
        loss = float(loss.reshape(()))
        good = (_close(loss, expected[0], rtol), _close(dW, expected[1], rtol),
                _close(db, expected[2], rtol))
        if all(good):
            expect(True, "")
            continue
        for wrong_loss, wrong_dW, wrong_db, message in _softmax_hints(X, y, W, b, *expected):
            if ((wrong_loss is None or _close(loss, wrong_loss, rtol))
                    and _close(dW, wrong_dW, rtol) and _close(db, wrong_db, rtol)):
                raise Hint(message)
        wrong = [name for name, ok in zip(("loss", "dW", "db"), good, strict=True) if not ok][0]
        index = ("loss", "dW", "db").index(wrong)
        got = (loss, dW, db)[index]
        raise Hint(
            f"{wrong} is wrong for X = {fmt(X)}, y = {fmt(y)}, W = {fmt(W)}, b = {fmt(b)}: "
            f"expected {fmt(expected[index])}, got {fmt(got)}."
        )
    X, y, W, b = _softmax_case(40, 3, 3, seed=6)
    counted = X.view(_RowCounter)
    counted.reads = [0]
    student(counted, y, W, b)
    expect(counted.reads[0] < 2,
           f"your function reads X one example at a time ({counted.reads[0]} row reads for "
           "40 examples): write it with whole-batch matrix products, Z = X @ W.T + b, "
           "and no Python loop over the samples.")
    return "passed — agrees with the loop on 6 cases (extreme logits and float32 among them) " \
           "and uses no loop over the samples."


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
     "does summing G for ∂b."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p, p + bias + dx)),
     "the forward count misses the bias: + batch·n_out."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, p + dx)),
     "the backward count misses ∂b = Σ G: batch·n_out additions."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, p + bias + p)),
     "with input_grad=False the layer skips ∂X = G W: leave out its 2·batch·n_in·n_out."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, p + bias)),
     "input_grad=True means the layer must also return ∂X = G W: another "
     "2·batch·n_in·n_out."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + bias, 2 * (p + bias))),
     "“backward ≈ 2 × forward” is a rule of thumb; count the three parts: ∂W = Gᵀ X, ∂b = Σ G, "
     "and ∂X = G W only when input_grad is True."),
    (_wrong(lambda b, i, o, g, p, bias, dx: ((p + bias) // b, (p + bias + dx) // b)),
     "that is one example's count: every example of the batch pays it, multiply by batch."),
    (_wrong(lambda b, i, o, g, p, bias, dx: (p + b * i, p + bias + dx)),
     "the bias has n_out entries and is added to each of the batch·n_out outputs, not n_in."),
]


def _read_flops(result, case_text: str) -> tuple[int, int]:
    if not (isinstance(result, tuple) and len(result) == 2):
        raise Hint(f"return a pair `forward, backward` of two integers (for {case_text} you "
                   f"returned {fmt(result)}).")
    try:
        got = tuple(float(v) for v in result)
    except (TypeError, ValueError):
        raise Hint(f"return two numbers; for {case_text} you returned {fmt(result)}.") from None
    if not all(np.isfinite(v) and v == int(v) for v in got):
        raise Hint(f"FLOP counts are whole numbers; for {case_text} you returned {fmt(result)} "
                   "(use // rather than /, or leave out fractions).")
    return tuple(int(v) for v in got)


@checker("FLOPs of a Dense layer")
def check_layer_flops(student):
    """Compare ``student(batch, n_in, n_out, input_grad)`` with exact counts on six layers.

    A hint names a typical mistake only when the answers follow that wrong formula on every
    case; otherwise the smallest failing case is shown.
    """
    answers = {}
    for case in _FLOP_CASES:
        case_text = "batch={}, n_in={}, n_out={}, input_grad={}".format(*case)
        answers[case] = _read_flops(call_student(student, *case, what="your function"),
                                    case_text)
    failing = [case for case in _FLOP_CASES if answers[case] != dense_flops(*case)]
    if not failing:
        return f"passed — forward and backward counts exact on {len(_FLOP_CASES)} layers."
    first = failing[0]
    shown = ("for batch={}, n_in={}, n_out={}, input_grad={}: ".format(*first)
             + f"expected (forward, backward) = {dense_flops(*first)}, got {answers[first]}")
    for formula, message in _FLOP_HINTS:
        if all(answers[case] == formula(case) for case in _FLOP_CASES):
            raise Hint(f"{message} ({shown})")
    raise Hint(f"{shown}.")


# --------------------------------------------------------------------------------------
# Exercise 3: find the slow part with the profiler
# --------------------------------------------------------------------------------------

MYSTERY_PARTS = ("next_batch", "forward_pass", "backward_pass", "update_weights",
                 "remember_best")


def _mystery_data():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((1024, 32))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def next_batch(X, y, step, batch_size):
    """The ``step``-th batch of ``batch_size`` examples, cycling through the data."""
    start = (step * batch_size) % len(X)
    return X[start:start + batch_size], y[start:start + batch_size]


def forward_pass(model, loss_fn, xb, yb):
    """Forward pass and loss of one batch."""
    return loss_fn.forward(model.forward(xb), yb)


def backward_pass(model, loss_fn):
    """Backward pass: fills every parameter's gradient."""
    model.backward(loss_fn.backward(), input_grad=False)


def update_weights(optimizer):
    """One SGD step."""
    optimizer.step()


def remember_best(model, loss_fn, X, y, best):
    """Keep a copy of the weights whenever the loss on the training set is the lowest yet."""
    loss = loss_fn.forward(model.forward(X), y)
    if loss < best["loss"]:
        best["loss"] = loss
        best["weights"] = [p.value.copy() for p in model.parameters()]


def mystery_training(steps: int = 30, batch_size: int = 16):
    """A small training loop built from the parts in :data:`MYSTERY_PARTS`. Profile it."""
    X, y = _mystery_data()
    model = nk.Sequential(nk.Dense(32, 64, init="he", rng=0), nk.ReLU(), nk.Dense(64, 2, rng=1))
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


_SLOW_TITLE = "The slowest part of the training step"
_ANSWER = "remember_best"


def _part_name(answer) -> str:
    if callable(answer) and hasattr(answer, "__name__"):
        return answer.__name__
    if not isinstance(answer, str) or not answer.strip():
        raise Hint(f'name the function as a string, for example "next_batch" '
                   f"(got {fmt(answer)}).")
    name = answer.strip().strip("'\"`")
    name = name.split(".")[-1]
    return name[:-2] if name.endswith("()") else name


def _slow_hint(name: str) -> str | None:
    if name == _ANSWER:
        return None
    if name == "mystery_training":
        return ("mystery_training is the whole loop: its cumulative time includes every part. "
                "Look one level down: which of the parts it calls accounts for most of it?")
    if name in MYSTERY_PARTS:
        return (f"{name} is one of the parts, but not the one that takes most of the time: "
                "sort the profile by cumulative time (sort_stats('cumulative')) and compare "
                "the parts' cumtime column.")
    if name in ("forward", "backward", "step", "matmul", "dot", "exp", "sum", "max", "copy",
                "compute", "validate"):
        return (f"{name} is a building block called from several parts (nnkit or NumPy). Name "
                "the part of the step that calls it so often — one of "
                f"{', '.join(MYSTERY_PARTS)}.")
    return (f"there is no part called {name!r} in the step; the parts are "
            f"{', '.join(MYSTERY_PARTS)}.")


def check_slowest_part(answer) -> bool:
    """Print a verdict on ``answer``, the name (or the function) of the slowest part."""
    if answer is None:
        print(f"… {_SLOW_TITLE}: not attempted yet (profile the loop, then name the part)")
        return False
    try:
        hint = _slow_hint(_part_name(answer))
    except Hint as error:
        hint = error.message
    if hint is not None:
        print(f"{FAIL_MARK} {_SLOW_TITLE}: {hint}")
        return False
    print(f"{PASS_MARK} {_SLOW_TITLE}: passed — remember_best evaluates the whole training "
          "set after every step, 64 times the work of the batch it learned from.")
    return True


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
            "A network of width 64 takes time t for one SGD step on 1 example. About how long "
            "does one step on 16 examples take?",
            [
                Option("About 16 t", False,
                       "That would hold if arithmetic were all the work. At this size a step "
                       "is mostly fixed costs: Python calls, small-array set-up, updating "
                       "every parameter — paid once per step, whatever the batch."),
                Option("Between t and 2 t", True,
                       "The fixed cost per step dominates, so sixteen times the examples costs "
                       "little more time: per example, the batch of 16 is many times cheaper."),
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
                       "FLOPs are 6 per weight per example, and the h × h layer holds most "
                       "weights: 65 536 of 84 480 at h = 256. The total grows to 300 032 "
                       "weights, about ×3.6."),
                Option("×8", False,
                       "Cubic growth comes from multiplying two h × h matrices; a layer "
                       "multiplies a batch by one h × h matrix, quadratic in h."),
                Option("Unchanged per example", False,
                       "Every weight is used once per example in the forward pass and twice in "
                       "the backward pass, so more weights always mean more work."),
            ],
        ),
    }
