"""Deep networks at depths 10, 30 and 50: what one forward and backward pass shows layer by
layer, and what training does, for plain, batch-normalised, layer-normalised and residual
networks.

Every network here is ``nk.mlp`` with 2 inputs, ``depth`` hidden layers of :data:`WIDTH`
units and 2 outputs (logits), trained on the two-armed spirals (200 points, standardised)
with the cross-entropy loss and full-batch gradient descent. Narrow layers, one small data
set and a few hundred updates keep a 50-layer network cheap to train.

With a^[l] the output of hidden layer l (after its activation; for a residual block, after
the addition), :func:`probe` records for l = 1..L the standard deviation of a^[l] and the
norm ‖∂J/∂a^[l]‖ of the gradient that one backward pass delivers there.

:func:`is_sensitive` tells whether a run's training path amplifies a small change: it
trains the run's twin from weights changed by a relative 1e-12 and compares the losses
(the depth table prints a loss only for runs that pass). :func:`largest_stable_rate`
walks up a grid of learning rates until a network no longer trains.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np

import nnkit as nk
from nnkit.course.text import format_number
from nnkit.validation import as_rng, check_choice, check_int

#: The depths the chapter compares.
DEPTHS: tuple[int, ...] = (10, 30, 50)

#: Units in every hidden layer.
WIDTH = 16

#: The four kinds of network: label -> keyword arguments of ``nk.mlp``.
KINDS: dict[str, dict] = {
    "plain": {},
    "batch norm": {"norm": "batch"},
    "layer norm": {"norm": "layer"},
    "residual": {"residual": True},
}

#: The training budget every run of the depth comparison gets: full-batch gradient descent
#: with this learning rate and momentum, no clipping, for each of the seeds :data:`SEEDS`.
UPDATES = 300
LEARNING_RATE = 0.03
MOMENTUM = 0.0
#: The clipping bound (τ) of the chapter's clipping section.
MAX_NORM = 1.0
#: The seed of the weights of a single run (the probes, the live experiment).
SEED = 0
#: The seeds of the weights of the depth comparison: each (depth, kind) is trained once
#: per seed, so that the table shows how many of them train, not one draw.
SEEDS: tuple[int, ...] = (0, 1, 2)
#: The depths at which the comparison trains: all of :data:`DEPTHS`.
TRAINED_DEPTHS: tuple[int, ...] = DEPTHS
#: The verdict's margin: a final loss below ``TRAINED_BELOW`` is "trained", above
#: ``FAILED_ABOVE`` (ln 2 ≈ 0.69 is a coin flip) "failed", and in between neither.
TRAINED_BELOW = 0.05
FAILED_ABOVE = 0.3
#: The sensitivity test of a run: its twin starts from the same weights, each multiplied by
#: 1 + ``NUDGE``, and trains with the same budget. A run whose loss, before some update or
#: at the end, differs from its twin's by more than ``SENSITIVE_ABOVE`` (relative) is
#: "sensitive": somewhere on its path it amplifies a change of 1e-12 more than a million
#: times (a property of the path: the gap may close again by the end). A run that passes
#: keeps every loss to about six digits under that change, and the table prints two.
NUDGE = 1e-12
SENSITIVE_ABOVE = 1e-6
#: The learning rates of the stability sweep: factors of 10. (A finer grid puts a point
#: near the edge of stability, where whether a run trains changes with the last bits.)
SWEEP_RATES: tuple[float, ...] = (0.1, 1.0, 10.0)


def verdict(final_loss: float) -> str:
    """"trained", "failed" (also for a diverged run, ``nan``) or "between", with the
    margin between :data:`TRAINED_BELOW` and :data:`FAILED_ABOVE`."""
    if not np.isfinite(final_loss) or final_loss > FAILED_ABOVE:
        return "failed"
    return "trained" if final_loss < TRAINED_BELOW else "between"


def tally(final_losses) -> str:
    """The verdict of the best of several runs (the lowest final loss; a diverged run,
    ``nan``, counts as failed): "trained", "between" or "failed".

    Why the best and not a count: a deep batch-normalised network trained this way is
    chaotic, so *how many* seeds train changes with the last bits of the arithmetic,
    while whether some seed trains does not (the portability run checks that)."""
    finite = [loss for loss in final_losses if np.isfinite(loss)]
    best = min(finite) if finite else float("nan")
    return verdict(best)


def cell_text(final_losses, sensitive: bool) -> str:
    """One cell of the depth table: the :func:`tally` of the runs and the lowest final loss
    to two significant digits, or "sensitive" in place of the loss when the best run failed
    the sensitivity test (:func:`is_sensitive`; its digits are not vouched for)."""
    finite = [loss for loss in final_losses if np.isfinite(loss)]
    if sensitive or not finite:
        return f"{tally(final_losses)}, {'sensitive' if sensitive else 'diverged'}"
    return f"{tally(final_losses)} {format_number(min(finite), digits=2)}"


def best_seed(final_losses, seeds=SEEDS) -> int:
    """The seed of the run with the lowest final loss (a diverged run, ``nan``, never
    counts as lowest; the first seed if every run diverged)."""
    losses = np.where(np.isfinite(final_losses), final_losses, np.inf)
    return seeds[int(np.argmin(losses))]


def spirals(n: int = 200, rng=0):
    """The two-armed spirals (``nk.datasets.spirals``), each input feature standardised."""
    X, y = nk.datasets.spirals(n, noise=0.2, rng=rng)
    return nk.datasets.Standardizer(X).transform(X), y


def deep_mlp(depth: int, kind: str = "plain", activation: str = "tanh", width: int = WIDTH,
             residual_scale: float | None = None, rng=0) -> nk.Sequential:
    """``nk.mlp([2, width, …, width, 2])`` with ``depth`` hidden layers of the kind ``kind``.

    A residual network's blocks start with their weights scaled by ``residual_scale``,
    by default 1/√depth, so that the sum of the blocks' outputs stays of order one.
    """
    depth = check_int(depth, "depth", low=2)
    kind = check_choice(kind, "kind", tuple(KINDS))
    options = dict(KINDS[kind])
    if kind == "residual":
        options["residual_scale"] = 1 / np.sqrt(depth) if residual_scale is None else residual_scale
    return nk.mlp([2] + [width] * depth + [2], activation=activation, rng=rng, **options)


def hidden_outputs(model: nk.Sequential) -> list[int]:
    """Indices of the top-level layers whose outputs are the hidden a^[1], …, a^[L]: the
    activations and the residual blocks (not the Dense and normalisation layers)."""
    skipped = (nk.Dense, nk.BatchNorm, nk.LayerNorm)
    return [k for k, layer in enumerate(model.layers) if not isinstance(layer, skipped)]


@dataclass(frozen=True)
class DepthProbe:
    """One forward and backward pass: per hidden layer l = 1..L (arrays of shape (L,))
    ``activation_std`` the standard deviation of a^[l] over samples and units, and
    ``grad_norm`` the Frobenius norm of ∂J/∂a^[l]; ``loss`` the batch's loss J."""

    activation_std: np.ndarray
    grad_norm: np.ndarray
    loss: float

    @property
    def grad_ratio(self) -> float:
        """‖∂J/∂a^[1]‖ / ‖∂J/∂a^[L]‖: about 1 when the gradient keeps its size on the way
        down, far below 1 when it vanishes, far above when it explodes."""
        return float(self.grad_norm[0] / self.grad_norm[-1])


def probe(model: nk.Sequential, X, y) -> DepthProbe:
    """Forward ``X`` through a copy of ``model`` in training mode, backward from the
    cross-entropy with labels ``y``; collect the per-layer statistics. (A copy, so that a
    BatchNorm's running statistics and the model's mode stay as they were.)"""
    model = copy.deepcopy(model).train()
    loss_fn = nk.CrossEntropyLoss()
    with np.errstate(all="ignore"):
        loss = loss_fn(model(X), y)
        model.backward(loss_fn.backward())
    rows = hidden_outputs(model)
    return DepthProbe(
        activation_std=np.array([model.activations[k].std() for k in rows]),
        grad_norm=np.array([np.linalg.norm(model.output_grads[k]) for k in rows]),
        loss=float(loss),
    )


@dataclass
class DeepRun:
    """A recorded training run: ``losses[t]`` the training loss before update t + 1
    (training mode; ``UPDATES`` entries), ``final_loss`` the loss of the trained network on
    the training set in evaluation mode (``nan`` if the run diverged), the probes at the
    start and the end, and the trained ``model`` (in evaluation mode)."""

    depth: int
    kind: str
    activation: str
    losses: np.ndarray
    final_loss: float
    start: DepthProbe
    end: DepthProbe
    model: nk.Sequential
    config: dict = field(default_factory=dict)


def train_deep(depth: int, kind: str, activation: str = "tanh", updates: int = UPDATES,
               lr: float = LEARNING_RATE, residual_scale: float | None = None,
               max_norm: float | None = None, momentum: float = MOMENTUM, nudge: float = 0.0,
               rng=0, stop=None) -> DeepRun:
    """Train :func:`deep_mlp` on :func:`spirals` for ``updates`` full-batch SGD updates
    (clipped to global norm ``max_norm`` unless it is None) and record the run; with
    ``nudge``, every parameter at the start is first multiplied by 1 + ``nudge``. ``stop``,
    if given, is called as ``stop(epoch, model, history)`` after every update and ends the
    run when it returns True (the losses after it stay ``nan``)."""
    X, y = spirals()
    model = deep_mlp(depth, kind, activation, residual_scale=residual_scale, rng=rng)
    for parameter in model.parameters():
        parameter.value *= 1 + nudge
    start = probe(model, X, y)
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(),
                     nk.SGD(model.parameters(), lr=lr, momentum=momentum),
                     epochs=updates, batch_size=None, rng=rng,
                     callbacks=([] if max_norm is None else [nk.ClipGradNorm(max_norm)])
                     + ([] if stop is None else [stop]))
    losses = np.full(updates, np.nan)
    losses[:len(history.epoch_loss)] = history.epoch_loss
    with np.errstate(all="ignore"):
        final = np.nan if history.diverged else float(nk.CrossEntropyLoss()(model(X), y))
    config = {"depth": depth, "kind": kind, "activation": activation, "updates": updates,
              "lr": lr, "residual_scale": residual_scale, "max_norm": max_norm,
              "momentum": momentum, "nudge": nudge, "rng": rng}
    return DeepRun(depth, kind, activation, losses, final, start, probe(model, X, y), model,
                   config)


def apart(ours: float, theirs: float) -> bool:
    """True when two losses differ by more than :data:`SENSITIVE_ABOVE` relative to ``ours``,
    or when only one of them is finite (one run diverged, the other did not)."""
    if np.isfinite(ours) != np.isfinite(theirs):
        return True
    return bool(np.isfinite(ours) and abs(theirs - ours) > SENSITIVE_ABOVE * abs(ours))


def is_sensitive(run: DeepRun) -> bool:
    """The sensitivity test: train the twin of ``run`` (its weights at the start multiplied
    by 1 + :data:`NUDGE`, everything else the same) and compare the two runs' losses, before
    every update and at the end; True as soon as two of them are :func:`apart`. The twin
    stops there, so a sensitive run's test costs only the updates until the gap shows."""

    def gap_shows(epoch, model, history):
        return apart(run.losses[epoch - 1], history.epoch_loss[-1])

    with warnings.catch_warnings():  # a diverging twin is a result here
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        twin = train_deep(**{**run.config, "nudge": NUDGE}, stop=gap_shows)
    ours = np.append(run.losses, run.final_loss)
    theirs = np.append(twin.losses, twin.final_loss)
    return any(apart(a, b) for a, b in zip(ours, theirs, strict=True))


def largest_stable_rate(trains, rates=SWEEP_RATES):
    """Walk up the grid ``rates`` (ascending) while ``trains(η)`` is True; return the last η
    that trained (None if the first did not) and the first that did not (None if all did).
    Stops at the first failure, so each η above it is never run."""
    largest = None
    for rate in rates:
        if not trains(rate):
            return largest, rate
        largest = rate
    return largest, None



# ---------------------------------------------------------------- residual Jacobians

def jacobian(layers: nk.Layer, x) -> np.ndarray:
    """The Jacobian ∂f/∂x (d_out, d_in) of ``layers`` (a layer whose output for one sample
    does not depend on the others: no training-mode BatchNorm) at the sample ``x`` (d_in,).

    One backward pass does it: d_out copies of x go forward, and the gradient fed back
    into copy i is the unit vector e_i, so row i of the input gradient is e_iᵀ ∂f/∂x.
    """
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    d_out = layers(x).shape[1]
    layers(np.repeat(x, d_out, axis=0))
    return layers.backward(np.eye(d_out))


def singular_values(matrix: np.ndarray) -> np.ndarray:
    """Singular values of ``matrix``, largest first."""
    return np.linalg.svd(matrix, compute_uv=False)


# ---------------------------------------------------------------- clipping

@dataclass(frozen=True)
class ClipRun:
    """A run with or without clipping: the losses before each update (``nan`` after a
    divergence), whether it diverged and at which update, and the global gradient norms
    before clipping (empty without clipping)."""

    losses: np.ndarray
    diverged: bool
    diverged_at: int | None
    norms: np.ndarray


def clip_run(model: nk.Sequential, X, y, lr: float, updates: int, max_norm: float | None,
             momentum: float = 0.0, rng=0) -> ClipRun:
    """Train ``model`` full-batch for ``updates`` updates, clipping to ``max_norm`` (τ) or
    not (None); the run stops when the loss overflows (``fit``'s divergence check)."""
    clip = [] if max_norm is None else [nk.ClipGradNorm(max_norm)]
    with warnings.catch_warnings():  # a divergence is a result here, reported by ClipRun
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        history = nk.fit(model, X, y, nk.CrossEntropyLoss(),
                         nk.SGD(model.parameters(), lr=lr, momentum=momentum),
                         epochs=updates, batch_size=None, callbacks=clip, rng=rng)
    losses = np.full(updates, np.nan)
    losses[:len(history.epoch_loss)] = history.epoch_loss
    norms = np.array(clip[0].norms) if clip else np.array([])
    at = history.diverged_epoch if history.diverged else None
    return ClipRun(losses, bool(history.diverged), at, norms)


def batch_statistics_loss(model: nk.Sequential, X, y, batch_size: int, rng=0) -> float:
    """The cross-entropy of ``model`` on (X, y) when every sample is normalised, as in
    training mode, with the statistics of the random batch of ``batch_size`` it falls in
    (one pass over a random permutation). Runs on a copy, so the model's running
    statistics do not move."""
    batch_size = check_int(batch_size, "batch_size", low=2, high=len(X))
    twin = copy.deepcopy(model).train()
    order = as_rng(rng).permutation(len(X))
    loss_fn, total = nk.CrossEntropyLoss(), 0.0
    for start in range(0, len(X), batch_size):
        rows = order[start:start + batch_size]
        total += loss_fn(twin.forward(X[rows]), y[rows]) * len(rows)
    return total / len(X)


def gradient_norm(model: nk.Sequential, X, y) -> float:
    """The global norm ‖∇J‖ over every parameter of a copy of ``model`` (training mode) after
    one forward and backward pass of the cross-entropy: what clipping compares with τ."""
    model = copy.deepcopy(model).train()
    loss_fn = nk.CrossEntropyLoss()
    loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    return float(np.sqrt(sum(np.sum(p.grad ** 2) for p in model.parameters())))
