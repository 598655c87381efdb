"""Checked and thinking exercises of chapter 10, "Deep networks that train".

====================================  =============================================================
checker                               the student writes
====================================  =============================================================
:data:`check_batchnorm_forward`       ``batchnorm_forward(X, gamma, beta, running_mean,
                                      running_var, training)`` returning ``(Y, new_mean,
                                      new_var)``: batch normalisation in training and in
                                      evaluation mode (ε = 1e-5, momentum 0.1); a batch of one
                                      in training mode raises ValueError
:data:`check_batchnorm_backward`      ``batchnorm_backward(G, X, gamma)`` returning
                                      ``(dX, dgamma, dbeta)`` for training mode (ε = 1e-5)
:data:`check_clip`                    ``clip_by_global_norm(grads, max_norm)`` returning
                                      ``(clipped, norm)``
====================================  =============================================================

Each checker is an :class:`nnkit.course.checking.Exercise`: call it with your function.
:func:`quizzes` builds the chapter's "predict, then look" questions.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from nnkit.course.checking import Case, Exercise, Hint, Verdict
from nnkit.course.quiz import Option, Quiz
from nnkit.validation import as_rng

__all__ = [
    "EPS",
    "MOMENTUM",
    "check_batchnorm_backward",
    "check_batchnorm_forward",
    "check_clip",
    "quizzes",
]

#: ε and the momentum the batch-norm exercises use (PyTorch's defaults).
EPS = 1e-5
MOMENTUM = 0.1


class ExerciseWithError(Exercise):
    """An exercise whose function must also raise ``error`` on one input, ``bad_args``: the
    check runs the ordinary cases first, then that one, and a function that returns there
    instead of raising gets ``message``."""

    def __init__(self, *args, bad_args: tuple, error: type, message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.bad_args, self.error, self.message = bad_args, error, message

    def verdict(self, student) -> Verdict:
        verdict = super().verdict(student)
        if verdict.kind != "passed":
            return verdict
        try:
            student(*(np.copy(a) if isinstance(a, np.ndarray) else a for a in self.bad_args))
        except self.error:
            return verdict
        except Exception as error:  # noqa: BLE001 - the student's error, reported to them
            return Verdict("raised", f"on a batch of one sample in training mode your function "
                                     f"raised {type(error).__name__}: {self.message}",
                           verdict.cases)
        return Verdict("hint", self.message, verdict.cases)


# ------------------------------------------------------------------------- batch norm, forward

def _forward(X, gamma, beta, running_mean, running_var, training, *, eps=EPS, m=MOMENTUM,
             stats="batch", ddof=0, eps_outside=False, unbiased=True, swap_momentum=False,
             update_in_eval=False, axis=0, no_shift=False, divide_by_variance=False,
             in_place=False, one_row_ok=True):
    """The model answer (defaults) or one slip: the wrong statistics in a mode, n − 1 where n
    belongs or n where n − 1 belongs, ε outside the root, momentum the wrong way round,
    running statistics moved in evaluation mode, per-sample statistics, no shift, the
    variance instead of the standard deviation, the running statistics changed in place."""
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    if training and n < 2 and not one_row_ok:
        raise ValueError("a batch of one has no variance")
    use_batch = training if stats == "batch" else (not training if stats == "swapped" else
                                                  stats == "always batch")
    if use_batch:
        mean = X.mean(axis=axis, keepdims=axis == 1)
        var = X.var(axis=axis, ddof=ddof, keepdims=axis == 1)
    else:
        mean, var = running_mean, running_var
    scale = var + eps if divide_by_variance else (np.sqrt(var) + eps if eps_outside
                                            else np.sqrt(var + eps))
    Y = gamma * (X - mean) / scale + (0.0 if no_shift else beta)
    new_mean, new_var = running_mean, running_var
    if training or update_in_eval:
        batch_mean, batch_var = X.mean(axis=0), X.var(axis=0)
        if unbiased and n > 1:
            batch_var = batch_var * n / (n - 1)
        keep, take = (m, 1 - m) if swap_momentum else (1 - m, m)
        new_mean = keep * running_mean + take * batch_mean
        new_var = keep * running_var + take * batch_var
    if in_place:
        running_mean[...] = new_mean
        running_var[...] = new_var
        return Y, running_mean, running_var
    return Y, new_mean, new_var


def _forward_reference(X, gamma, beta, running_mean, running_var, training):
    return _forward(X, gamma, beta, running_mean, running_var, training, one_row_ok=False)


def _forward_case(seed: int, n: int, d: int, training: bool, integers: bool = False,
                  offset: float = 3.0, note: str = "") -> Case:
    gen = as_rng(seed)
    X = offset + gen.normal(0, gen.uniform(0.5, 4.0, d), size=(n, d))
    if integers:
        X = np.round(X).astype(np.int64)
    return Case((X, gen.normal(1.0, 0.5, d), gen.normal(0.0, 0.5, d), gen.normal(0.0, 1.0, d),
                 gen.uniform(0.5, 3.0, d), training), note=note)


@st.composite
def _forward_cases(draw):
    training = draw(st.booleans())
    n = draw(st.integers(2 if training else 1, 12))
    return _forward_case(draw(st.integers(0, 10_000)), n, draw(st.integers(1, 4)), training,
                         offset=draw(st.sampled_from([0.0, 3.0, -50.0])))


def _constant_column_case() -> Case:
    X = np.array([[2.0, 1.0], [2.0, -1.0], [2.0, 4.0]])
    return Case((X, np.array([1.5, 1.0]), np.array([0.25, 0.0]), np.zeros(2), np.ones(2), True),
                note="the first feature is constant: its variance is 0, so ε matters")


_ONE_ROW_MESSAGE = ("a batch of one sample in training mode must raise a ValueError: its "
                    "variance is 0, so every output would be β whatever the input, and "
                    "n/(n − 1) divides by zero (PyTorch's BatchNorm1d raises there too).")

check_batchnorm_forward = ExerciseWithError(
    "Batch normalisation, forward, training and evaluation mode",
    _forward_reference,
    args=("X", "gamma", "beta", "running_mean", "running_var", "training"),
    returns=("Y", "new_mean", "new_var"),
    cases=[
        _forward_case(0, 4, 3, True),
        _forward_case(1, 4, 3, False),
        _forward_case(2, 2, 1, True, note="two samples: each output is ±1 before γ and β"),
        _forward_case(3, 1, 3, False, note="one sample, evaluation mode"),
        _forward_case(4, 6, 2, True, integers=True, note="X holds integers"),
        _constant_column_case(),
        _forward_case(5, 8, 2, True, offset=1e3, note="large offset"),
    ],
    strategy=_forward_cases(),
    examples=30,
    rtol=1e-7,
    atol=1e-9,
    bad_args=(np.array([[1.0, 2.0]]), np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), True),
    error=ValueError,
    message=_ONE_ROW_MESSAGE,
    hints=[
        Hint("in evaluation mode use the running statistics, not the batch's: a prediction "
             "must not depend on which other samples share its batch.",
             like=lambda *a: _forward(*a, stats="always batch")),
        Hint("in training mode normalise with the batch's own mean and variance; the running "
             "statistics are only for evaluation.",
             like=lambda *a: _forward(*a, stats="always running")),
        Hint("the two modes are swapped: training uses the batch's statistics, evaluation the "
             "running ones.", like=lambda *a: _forward(*a, stats="swapped")),
        Hint("the running statistics moved in evaluation mode: only training updates them.",
             like=lambda *a: _forward(*a, update_in_eval=True)),
        Hint("the momentum is the weight of the *new* batch: new = (1 − 0.1)·old + 0.1·batch.",
             like=lambda *a: _forward(*a, swap_momentum=True)),
        Hint("the running variance is updated with the biased variance; it takes the unbiased "
             "one, the batch variance times n/(n − 1).",
             like=lambda *a: _forward(*a, unbiased=False)),
        Hint("the batch is normalised with the unbiased variance (n − 1); the normalisation "
             "divides by n, only the running variance uses n − 1.",
             like=lambda *a: _forward(*a, ddof=1)),
        Hint("ε is missing: a feature that is constant in the batch has variance 0, and "
             "(X − z̄)/√(ω² + ε) needs the ε to stay finite.",
             like=lambda *a: _forward(*a, eps=0.0)),
        Hint("ε belongs under the square root: (X − z̄)/√(ω² + ε).",
             like=lambda *a: _forward(*a, eps_outside=True)),
        Hint("you divided by the variance; divide by the standard deviation √(ω² + ε).",
             like=lambda *a: _forward(*a, divide_by_variance=True)),
        Hint("the statistics are taken over each sample's features (that is layer "
             "normalisation); batch normalisation takes them over the batch, axis 0.",
             like=lambda *a: _forward(*a, axis=1)),
        Hint("the shift β is missing: Y = γ X̂ + β.", like=lambda *a: _forward(*a, no_shift=True)),
    ],
)


# ------------------------------------------------------------------------- batch norm, backward

def _backward(G, X, gamma, *, eps=EPS, mean_term=True, var_term=True, use_gamma=True,
              ddof=0, dgamma_with_hat=True, dbeta="sum", eval_like=False, sign=1.0, scale=1.0):
    """The model answer (defaults) or one slip: a term of dX left out, γ forgotten, n − 1,
    dγ without X̂, the mean instead of the sum, the evaluation-mode formula."""
    X = np.asarray(X, dtype=np.float64)
    mean, var = X.mean(axis=0), X.var(axis=0, ddof=ddof)
    inv_std = 1.0 / np.sqrt(var + eps)
    X_hat = (X - mean) * inv_std
    D = G * gamma if use_gamma else G
    dX = D.copy()
    if not eval_like:
        if mean_term:
            dX = dX - D.mean(axis=0)
        if var_term:
            dX = dX - X_hat * (D * X_hat).mean(axis=0)
    dX = sign * scale * dX * inv_std
    dgamma = (G * X_hat).sum(axis=0) if dgamma_with_hat else G.sum(axis=0)
    dbeta = G.sum(axis=0) if dbeta == "sum" else G.mean(axis=0)
    return dX, dgamma, dbeta


def _backward_reference(G, X, gamma):
    return _backward(G, X, gamma)


def _backward_case(seed: int, n: int, d: int, offset: float = 1.0, note: str = "") -> Case:
    gen = as_rng(seed)
    X = offset + gen.normal(0, gen.uniform(0.5, 3.0, d), size=(n, d))
    return Case((gen.normal(size=(n, d)), X, gen.normal(1.0, 0.5, d)), note=note)


@st.composite
def _backward_cases(draw):
    return _backward_case(draw(st.integers(0, 10_000)), draw(st.integers(2, 10)),
                          draw(st.integers(1, 4)), offset=draw(st.sampled_from([0.0, 2.0, -30.0])))


check_batchnorm_backward = Exercise(
    "Batch normalisation, backward (training mode)",
    _backward_reference,
    args=("G", "X", "gamma"),
    returns=("dX", "dgamma", "dbeta"),
    cases=[
        _backward_case(0, 4, 3),
        _backward_case(1, 2, 1, note="two samples, one feature"),
        _backward_case(2, 5, 2, offset=100.0, note="large offset"),
        Case((np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]]),
              np.array([[1, 2], [3, 5], [4, 4]]), np.array([2.0, 0.5])),
             note="X holds integers"),
    ],
    strategy=_backward_cases(),
    examples=30,
    rtol=1e-6,
    atol=1e-9,
    hints=[
        Hint("dX leaves out the gradient through the mean: subtract mean(D) over the batch.",
             like=lambda *a: _backward(*a, mean_term=False)),
        Hint("dX leaves out the gradient through the variance: subtract X̂ ⊙ mean(D ⊙ X̂).",
             like=lambda *a: _backward(*a, var_term=False)),
        Hint("that is the evaluation-mode gradient, G γ/√(ω² + ε): in training mode z̄ and ω² "
             "depend on every sample, and their gradients must be subtracted.",
             like=lambda *a: _backward(*a, eval_like=True)),
        Hint("γ is missing from dX: the gradient reaching X̂ is D = G ⊙ γ.",
             like=lambda *a: _backward(*a, use_gamma=False)),
        Hint("dγ is Σ G ⊙ X̂ over the batch, not Σ G.",
             like=lambda *a: _backward(*a, dgamma_with_hat=False)),
        Hint("dβ is the sum of G over the batch, not its mean.",
             like=lambda *a: _backward(*a, dbeta="mean")),
        Hint("the variance of the forward pass divides by n, not n − 1.",
             like=lambda *a: _backward(*a, ddof=1)),
        Hint("dX has the wrong sign: the loss rises along +dX.",
             like=lambda *a: _backward(*a, sign=-1.0)),
    ],
)


# ------------------------------------------------------------------------- clipping

def _clip(grads, max_norm, *, per_array=False, up=False, norm="l2", report="before",
          always=False, in_place=False):
    """The model answer (defaults) or one slip: each array clipped on its own, small
    gradients scaled up, the wrong norm, the norm after clipping, every gradient rescaled."""
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    if norm == "l2":
        total = float(np.sqrt(sum(np.sum(g ** 2) for g in arrays)))
    elif norm == "sum of norms":
        total = float(sum(np.linalg.norm(g) for g in arrays))
    else:
        total = float(max(np.max(np.abs(g)) for g in arrays))
    if per_array:
        clipped = [g * min(1.0, max_norm / n) if (n := np.linalg.norm(g)) > 0 else g
                   for g in arrays]
    else:
        factor = max_norm / total if total > 0 else 1.0
        if not (up or always):
            factor = min(1.0, factor)
        clipped = [g * factor for g in arrays]
    if in_place:
        for g, c in zip(grads, clipped, strict=True):
            g[...] = c
    after = float(np.sqrt(sum(np.sum(c ** 2) for c in clipped)))
    return clipped, (total if report == "before" else after)


def _clip_reference(grads, max_norm):
    return _clip(grads, max_norm)


def _flattened(received, returned):
    """``(clipped, norm)`` compared as one flat vector of every clipped entry and the norm
    (arrays of different shapes cannot be compared as one array); anything else unchanged,
    for the checker to report its form."""
    try:
        clipped, norm = returned
        if len(clipped) != len(received[0]):
            return returned
        if any(np.shape(c) != np.shape(g) for c, g in zip(clipped, received[0], strict=True)):
            return returned
        return np.concatenate([np.ravel(c) for c in clipped]).astype(np.float64), norm
    except (TypeError, ValueError):
        return returned


def _clip_case(seed: int, shapes, max_norm: float, scale: float = 1.0, note: str = "") -> Case:
    gen = as_rng(seed)
    return Case(([scale * gen.normal(size=s) for s in shapes], max_norm), note=note)


@st.composite
def _clip_cases(draw):
    n_arrays = draw(st.integers(1, 4))
    shapes = [tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))
              for _ in range(n_arrays)]
    return _clip_case(draw(st.integers(0, 10_000)), shapes,
                      draw(st.sampled_from([0.1, 1.0, 5.0])),
                      scale=draw(st.sampled_from([0.01, 1.0, 100.0])))


check_clip = Exercise(
    "Clipping by global norm",
    _clip_reference,
    args=("grads", "max_norm"),
    returns=("clipped", "norm"),
    outcome=_flattened,
    cases=[
        Case(([np.array([3.0, 0.0]), np.array([[0.0], [4.0]])], 1.0),
             note="global norm 5: both arrays scaled by 1/5"),
        Case(([np.array([0.3, -0.4])], 1.0), note="norm 0.5, below τ: nothing changes"),
        Case(([np.array([0.0, 0.0]), np.zeros((2, 2))], 1.0), note="all zero"),
        Case(([np.array([3, 4])], 2), note="integers"),
        _clip_case(0, [(3, 2), (3,), (1, 3)], 0.5),
        _clip_case(1, [(4,), (2, 2)], 1.0, scale=1e100, note="huge gradients"),
        _clip_case(2, [(2, 3)], 1e-3, scale=1e-90, note="tiny gradients, tiny τ"),
    ],
    strategy=_clip_cases(),
    examples=30,
    rtol=1e-5,  # nnkit's and PyTorch's 1e-6 added to the norm is also right
    atol=1e-300,
    hints=[
        Hint("each array was clipped on its own: the global norm takes all of them together, "
             "√(Σ all squared entries), and one factor rescales every array.",
             like=lambda g, t: _clip(g, t, per_array=True)),
        Hint("gradients below τ were scaled up to norm τ: clipping only shrinks, "
             "factor min(1, τ/‖g‖).", like=lambda g, t: _clip(g, t, up=True)),
        Hint("the global norm is the square root of the sum of *all* squared entries, not "
             "the sum of the arrays' norms.", like=lambda g, t: _clip(g, t, norm="sum of norms")),
        Hint("that is the largest absolute entry: the global norm is √(Σ squared entries).",
             like=lambda g, t: _clip(g, t, norm="max")),
        Hint("return the norm *before* clipping (the number worth watching).",
             like=lambda g, t: _clip(g, t, report="after")),
    ],
)


# ------------------------------------------------------------------------- quizzes

def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "two_samples": Quiz(
            "A BatchNorm layer (γ = 1, β = 0, tiny ε) in training mode gets a batch of two "
            "samples with one feature: 3 and 7. What does it output?",
            [
                Option("About −1 and +1", True,
                       "The mean is 5 and the standard deviation 2 (dividing by n), so the "
                       "two samples become −1 and +1. With two samples that is true of any "
                       "two different values: the batch decides the output, not the input."),
                Option("About −0.71 and +0.71", False,
                       "That divides by the standard deviation with n − 1, 2√2. Batch norm "
                       "normalises with the biased variance (dividing by n); only the running "
                       "variance uses n − 1."),
                Option("3 and 7: a layer starts as the identity", False,
                       "With γ = 1 and β = 0 the layer still standardises: subtract the "
                       "batch mean, divide by the batch standard deviation."),
            ],
        ),
        "identity_block": Quiz(
            "A residual block computes x + F(x) with F(x) = tanh(W x + b). If W and b are all "
            "zero, what is the block's Jacobian ∂(x + F(x))/∂x?",
            [
                Option("The identity matrix", True,
                       "F is the constant 0, so ∂F/∂x = diag(tanh′(Wx + b)) W = 0 and the "
                       "Jacobian is I + 0 = I: the block passes the signal, and the gradient, "
                       "unchanged."),
                Option("The zero matrix", False,
                       "That is the Jacobian of F alone. The skip connection adds the "
                       "identity: ∂(x + F(x))/∂x = I + ∂F/∂x."),
                Option("Undefined: the block cannot learn from zero weights", False,
                       "The Jacobian is defined, and the gradient with respect to W is δ xᵀ, "
                       "with δ = ∂J/∂z for z = Wx + b: since tanh′(0) = 1, δ equals the "
                       "gradient reaching F, which is not zero: the block can learn."),
            ],
        ),
        "clip_direction": Quiz(
            "The gradient of a network has global norm 50 and is clipped to τ = 1. What "
            "happens to the direction of the update?",
            [
                Option("Nothing: every gradient is multiplied by the same 1/50", True,
                       "Clipping by global norm rescales the whole gradient vector by one "
                       "factor, so the step keeps its direction and only its length shrinks."),
                Option("It turns towards the layers with small gradients", False,
                       "That would happen if each layer's gradient were clipped on its own; "
                       "the global norm uses one factor for all of them."),
                Option("Each entry is cut to [−1, 1], so the direction changes", False,
                       "That is clipping by value, a different method; clipping by norm "
                       "keeps the ratios between entries."),
            ],
        ),
    }
