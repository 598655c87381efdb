"""Gradient descent on explicit low-dimensional losses, and choosing the learning rate.

Chapter 2 of the course studies the update

    w_{t+1} = w_t - η ∇J(w_t)

on losses small enough to draw: a 1-D curve or a 2-D surface. This module provides

* :class:`Quadratic` — J(w) = ½ (w - c)ᵀ H (w - c) in any dimension, with the curvatures
  (eigenvalues of H) that decide which learning rates are stable;
* :func:`plateau_bowl` — a 1-D loss with a flat shoulder, where small steps stall;
* :func:`gradient_descent` — the plain loop, stopping cleanly (no NaN, no overflow warnings)
  when the loss blows up, and recording the step at which it did;
* :func:`quadratic_regime` and :func:`max_stable_lr` — the theory for a quadratic:
  the error along a direction of curvature λ is multiplied by (1 - ηλ) at every step, so
  the iteration converges exactly when η < 2/λ_max;
* :func:`lr_sweep` and :func:`lr_range_test` — two ways of picking a learning rate
  for a network automatically (a grid of short runs; Smith's 2017 range test).

References: Goodfellow, Bengio & Courville, *Deep Learning* (2016), §4.3 and §8.2;
Bengio, "Practical recommendations for gradient-based training of deep architectures" (2012);
Smith, "Cyclical learning rates for training neural networks" (WACV 2017).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from nnkit.optim import SGD
from nnkit.validation import as_rng, check_array, check_int, check_positive, check_same_length

__all__ = [
    "Objective",
    "Quadratic",
    "plateau_bowl",
    "DescentPath",
    "gradient_descent",
    "max_stable_lr",
    "quadratic_regime",
    "SweepResult",
    "lr_sweep",
    "RangeTestResult",
    "lr_range_test",
]


def _as_point(w, dim: int, name: str) -> np.ndarray:
    """Return ``w`` as a float64 vector of shape (dim,), accepting a bare number when dim == 1."""
    if isinstance(w, bool):
        raise TypeError(f"{name} must be a number or an array of numbers, got a bool")
    try:
        arr = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers, got {w!r}") from exc
    arr = arr.reshape(-1) if arr.ndim <= 1 else arr
    if arr.shape != (dim,):
        raise ValueError(f"{name} must have {dim} coordinate(s), got shape {np.shape(w)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {w!r}")
    return arr


class Objective:
    """A differentiable loss L: R^d -> R given by explicit formulas for L and its gradient.

    Parameters
    ----------
    value : callable
        ``value(w)`` with ``w`` of shape (d,) returns the loss (float).
    gradient : callable
        ``gradient(w)`` returns ∇J(w), shape (d,).
    dim : int
        Number of parameters d (1 or 2 for anything that is drawn).
    name : str
        Short label used in plot titles.
    minimizer : array-like, optional
        A known minimiser w*, shape (d,), for plots and distance readouts.
    batch_value : callable, optional
        ``batch_value(W)`` with ``W`` of shape (m, d) returns the m losses at once; used to
        draw curves and contours quickly. Defaults to calling ``value`` row by row.
    """

    def __init__(self, value: Callable, gradient: Callable, dim: int, name: str,
                 minimizer=None, batch_value: Callable | None = None):
        if not callable(value) or not callable(gradient):
            raise TypeError("value and gradient must be callables taking a point w")
        dim = check_int(dim, "dim", low=1)
        self._value = value
        self._gradient = gradient
        self.dim = dim
        self.name = str(name)
        self.minimizer = None if minimizer is None else _as_point(minimizer, dim, "minimizer")
        self._batch_value = batch_value

    def values(self, W) -> np.ndarray:
        """L at many points: ``W`` of shape (m, d) (or (m,) when d == 1) -> losses, shape (m,)."""
        W = np.asarray(W, dtype=np.float64)
        if self.dim == 1 and W.ndim == 1:
            W = W[:, None]
        if W.ndim != 2 or W.shape[1] != self.dim:
            raise ValueError(f"W must have shape (m, {self.dim}), got {W.shape}")
        if self._batch_value is not None:
            return np.asarray(self._batch_value(W), dtype=np.float64).reshape(len(W))
        return np.array([float(self._value(w)) for w in W])

    def __call__(self, w) -> float:
        """J(w) for a point of shape (d,) (a bare number is accepted when d == 1)."""
        return float(self._value(_as_point(w, self.dim, "w")))

    def grad(self, w) -> np.ndarray:
        """∇J(w), shape (d,)."""
        return np.asarray(self._gradient(_as_point(w, self.dim, "w")), dtype=np.float64).reshape(
            self.dim)

    def __repr__(self) -> str:
        return f"Objective({self.name!r}, dim={self.dim})"


class Quadratic(Objective):
    """The quadratic bowl J(w) = ½ (w - c)ᵀ H (w - c) with a symmetric positive-definite H.

    Its gradient is ∇J(w) = H (w - c) and its curvatures are the eigenvalues λ_1 ≤ … ≤ λ_d
    of H. In 1-D, pass ``hessian`` as a number a: J(w) = ½ a (w - c)².

    Parameters
    ----------
    hessian : float or array of shape (d, d)
        The (constant) second-derivative matrix H; must be symmetric positive definite.
    center : float or array of shape (d,), default 0
        The minimiser c, where L = 0.
    name : str, optional
        Label for plots; defaults to a description of the curvatures.
    """

    def __init__(self, hessian, center=0.0, name: str | None = None):
        H = np.atleast_2d(np.asarray(hessian, dtype=np.float64))
        if H.ndim != 2 or H.shape[0] != H.shape[1]:
            raise ValueError(f"hessian must be a number or a square matrix, got shape {H.shape}")
        if not np.all(np.isfinite(H)):
            raise ValueError("hessian must be finite")
        if not np.allclose(H, H.T):
            raise ValueError("hessian must be symmetric")
        eig = np.linalg.eigvalsh(H)
        if eig[0] <= 0:
            raise ValueError(
                f"hessian must be positive definite (all curvatures > 0), got curvatures {eig}")
        d = H.shape[0]
        # A single number as centre means the same coordinate in every dimension.
        if np.ndim(center) == 0:
            center = np.full(d, center, dtype=np.float64)
        c = _as_point(center, d, "center")
        self.hessian = H
        self.center = c
        self.curvatures = eig
        label = name or ("quadratic, curvature " + ", ".join(f"{v:g}" for v in eig))
        super().__init__(value=lambda w: 0.5 * (w - c) @ H @ (w - c),
                         gradient=lambda w: H @ (w - c), dim=d, name=label, minimizer=c,
                         batch_value=lambda W: 0.5 * np.einsum("mi,ij,mj->m", W - c, H, W - c))

    @property
    def max_stable_lr(self) -> float:
        """2/λ_max: gradient descent converges from every start iff η is below this."""
        return max_stable_lr(self.curvatures[-1])

    @property
    def best_lr(self) -> float:
        """2/(λ_min + λ_max): the constant η with the fastest worst-case convergence.

        It balances the slowest direction, factor |1 - ηλ_min|, against the most oscillating
        one, |1 - ηλ_max|; both equal (κ - 1)/(κ + 1) with κ = λ_max/λ_min.
        """
        return 2.0 / (self.curvatures[0] + self.curvatures[-1])


def plateau_bowl(width: float = 1.0, depth: float = 1.0) -> Objective:
    """A 1-D loss with flat shoulders: J(w) = depth · (1 - exp(-(w/width)²)).

    Near 0 it is a bowl of curvature J''(0) = 2·depth/width²; for |w| ≫ width it is almost
    flat (J → depth, J' → 0), so gradient descent started out there with a small η barely
    moves: the "stalls on a plateau" failure of a too-small learning rate.
    """
    width = check_positive(width, "width")
    depth = check_positive(depth, "depth")

    def value(w):
        return depth * (1.0 - np.exp(-(w[0] / width) ** 2))

    def gradient(w):
        return np.array([depth * 2.0 * w[0] / width**2 * np.exp(-(w[0] / width) ** 2)])

    def batch_value(W):
        return depth * (1.0 - np.exp(-(W[:, 0] / width) ** 2))

    return Objective(value, gradient, dim=1, name="bowl with plateaus", minimizer=[0.0],
                     batch_value=batch_value)


@dataclass
class DescentPath:
    """The record of one gradient-descent run.

    Attributes
    ----------
    lr : float
        The learning rate η.
    weights : ndarray, shape (k + 1, d)
        w_0 (the start) and the point after each of the k steps taken.
    losses : ndarray, shape (k + 1,)
        J(w_t) for each stored point.
    diverged : bool
        True when the run was stopped because the loss left the threshold (or became
        non-finite); the last stored point is then the first one past the threshold, if finite.
    diverged_step : int or None
        The step t at which the loss first exceeded the threshold.
    requested_steps : int
        The number of steps asked for (k is smaller if the run diverged).
    threshold : float
        The loss above which the run counted as diverged.
    """

    lr: float
    weights: np.ndarray
    losses: np.ndarray
    diverged: bool = False
    diverged_step: int | None = None
    requested_steps: int = 0
    threshold: float = field(default=1e6, repr=False)

    @property
    def steps_taken(self) -> int:
        """Number of updates actually stored (k)."""
        return len(self.losses) - 1

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def steps_to_reach(self, target: float) -> int | None:
        """The first step t with J(w_t) ≤ target, or None if the run never got there."""
        hit = np.flatnonzero(self.losses <= target)
        return int(hit[0]) if hit.size else None

    def trace(self, step: int | None = None, last: int = 4) -> str:
        """The losses of the last few stored steps up to ``step``, e.g. "… 0.81 → 0.29 → 0.1"."""
        end = self.steps_taken if step is None else min(step, self.steps_taken)
        start = max(0, end - last + 1)
        text = " → ".join(f"{v:.3g}" for v in self.losses[start:end + 1])
        return ("… " if start > 0 else "") + text

    def describe(self, step: int | None = None) -> str:
        """One deterministic line: η, the loss at ``step`` (default: the end) and the verdict."""
        step = self.steps_taken if step is None else min(step, self.requested_steps)
        if self.diverged and step >= self.diverged_step:
            return (f"η = {self.lr:g}: diverged at step {self.diverged_step} "
                    f"(loss > {self.threshold:.0e})")
        return f"η = {self.lr:g}: step {step}, loss {self.losses[step]:.4g}"


def gradient_descent(objective: Objective, w0, lr: float, steps: int,
                     divergence_threshold: float = 1e6) -> DescentPath:
    """Run w_{t+1} = w_t - η ∇J(w_t) for ``steps`` steps from ``w0``.

    The run stops early, with ``diverged=True`` and ``diverged_step = t``, at the first step t
    whose loss is non-finite or above ``divergence_threshold``; no overflow warning escapes
    and no NaN is stored.

    Parameters
    ----------
    objective : Objective
        The loss (with its gradient).
    w0 : float or array of shape (d,)
        Starting point.
    lr : float
        Learning rate η > 0.
    steps : int
        Number of updates to attempt (≥ 0).
    divergence_threshold : float
        Loss value treated as "blown up".

    Returns
    -------
    DescentPath
        With ``weights`` of shape (k + 1, d) and ``losses`` of shape (k + 1,).
    """
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be a lab.Objective, got "
                        f"{type(objective).__name__}")
    lr = check_positive(lr, "lr")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    threshold = check_positive(divergence_threshold, "divergence_threshold")
    w = _as_point(w0, objective.dim, "w0")
    weights = [w.copy()]
    losses = [objective(w)]
    diverged_step = None
    # Overflow on the way to divergence is expected and handled below, so keep numpy quiet.
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, int(steps) + 1):
            w = w - lr * objective.grad(w)
            loss = objective(w) if np.all(np.isfinite(w)) else math.inf
            if not math.isfinite(loss) or loss > threshold:
                diverged_step = t
                if math.isfinite(loss):
                    weights.append(w.copy())
                    losses.append(loss)
                break
            weights.append(w.copy())
            losses.append(loss)
    return DescentPath(lr=lr, weights=np.array(weights), losses=np.array(losses),
                       diverged=diverged_step is not None, diverged_step=diverged_step,
                       requested_steps=int(steps), threshold=threshold)


def max_stable_lr(curvature) -> float:
    """The largest stable learning rate 2/λ for a quadratic of curvature λ = J''.

    Each step multiplies the distance to the minimum by (1 - ηλ), so it shrinks exactly
    when |1 - ηλ| < 1, i.e. 0 < η < 2/λ. For a matrix of curvatures pass the largest one.
    """
    return 2.0 / check_positive(curvature, "curvature")


def quadratic_regime(lr: float, curvature: float) -> str:
    """Name what gradient descent does on J(w) = ½ λ w² with step η.

    With r = 1 - ηλ the iterate is w_t = r^t w_0, so:

    ========================  ================  ==============================
    condition                 r                 result
    ========================  ================  ==============================
    η < 1/λ                   0 < r < 1         "monotone" (slides down one side)
    η = 1/λ                   r = 0             "one step" (lands on the minimum)
    1/λ < η < 2/λ             -1 < r < 0        "oscillating" (zig-zags inwards)
    η = 2/λ                   r = -1            "bouncing" (flips between ±w_0)
    η > 2/λ                   r < -1            "diverging"
    ========================  ================  ==============================
    """
    eta_lambda = check_positive(lr, "lr") * check_positive(curvature, "curvature")
    if math.isclose(eta_lambda, 1.0, rel_tol=1e-12):
        return "one step"
    if math.isclose(eta_lambda, 2.0, rel_tol=1e-12):
        return "bouncing"
    if eta_lambda < 1.0:
        return "monotone"
    if eta_lambda < 2.0:
        return "oscillating"
    return "diverging"


def _check_lrs(lrs) -> np.ndarray:
    arr = np.asarray(lrs, dtype=np.float64).reshape(-1)
    if arr.size == 0:
        raise ValueError("lrs must contain at least one learning rate")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"lrs must all be finite and > 0, got {arr}")
    return arr


@dataclass
class SweepResult:
    """Outcome of :func:`lr_sweep`: one short training run per learning rate.

    ``final_losses[i]`` is the training loss after the run with ``lrs[i]`` (inf if diverged);
    ``best_lr`` the learning rate with the lowest final loss among the runs that did not
    diverge (None if they all did).
    """

    lrs: np.ndarray
    final_losses: np.ndarray
    diverged: np.ndarray
    histories: list

    @property
    def best_index(self) -> int | None:
        ok = np.flatnonzero(~self.diverged)
        return None if ok.size == 0 else int(ok[np.argmin(self.final_losses[ok])])

    @property
    def best_lr(self) -> float | None:
        i = self.best_index
        return None if i is None else float(self.lrs[i])

    def table(self) -> str:
        """A small text table, one row per learning rate, for printing."""
        rows = ["      η   final loss"]
        for lr, loss, div in zip(self.lrs, self.final_losses, self.diverged, strict=True):
            rows.append(f"{lr:7.3g}   " + ("diverged" if div else f"{loss:.4f}"))
        rows.append(f"best η = {self.best_lr:g}" if self.best_lr is not None
                    else "every run diverged")
        return "\n".join(rows)


def lr_sweep(train: Callable, lrs) -> SweepResult:
    """Train once per learning rate and pick the one that ends lowest.

    Parameters
    ----------
    train : callable
        ``train(lr)`` trains a *fresh* model (same seed every call, so the runs differ only
        in η) and returns an ``nnkit.History`` (``diverged``, and ``train_loss`` from
        ``nk.EvaluateTrain`` or else ``epoch_loss``: its last entry is the final loss).
    lrs : sequence of float
        The grid, usually log-spaced (Bengio 2012 recommends searching η on a log scale).
    """
    if not callable(train):
        raise TypeError("train must be a callable train(lr) -> nnkit.History")
    grid = _check_lrs(lrs)
    finals, div, hists = [], [], []
    for lr in grid:
        hist = train(float(lr))
        if not hasattr(hist, "epoch_loss") or not hasattr(hist, "diverged"):
            raise TypeError("train(lr) must return an nnkit.History "
                            f"(with epoch_loss and diverged), got {type(hist).__name__}")
        losses = getattr(hist, "train_loss", None) or hist.epoch_loss
        bad = bool(hist.diverged) or not losses or not math.isfinite(losses[-1])
        finals.append(math.inf if bad else float(losses[-1]))
        div.append(bad)
        hists.append(hist)
    return SweepResult(lrs=grid, final_losses=np.array(finals), diverged=np.array(div),
                       histories=hists)


@dataclass
class RangeTestResult:
    """Outcome of :func:`lr_range_test`.

    ``lrs[i]`` is the learning rate used for update i and ``losses[i]`` the batch loss just
    before it; ``smoothed`` is an exponential moving average of the losses (bias-corrected).
    ``suggested_lr`` is one tenth of the learning rate at the lowest smoothed loss, a common
    rule of thumb (Howard & Gugger, *Deep Learning for Coders*, 2020): the loss still falls
    quickly there, and it is well away from the edge where training blows up.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_early: bool

    @property
    def lr_at_min(self) -> float:
        """η at the lowest smoothed loss, ignoring the first tenth of the updates.

        The moving average is still settling there, and a lucky first batch could
        otherwise pose as the minimum.
        """
        skip = len(self.smoothed) // 10
        return float(self.lrs[skip + int(np.argmin(self.smoothed[skip:]))])

    @property
    def suggested_lr(self) -> float:
        return self.lr_at_min / 10.0


def lr_range_test(model, X, y, loss, lr_min: float = 1e-4, lr_max: float = 10.0,
                  n_updates: int = 100, batch_size: int | None = None, rng=0,
                  smoothing: float = 0.9, stop_factor: float = 4.0) -> RangeTestResult:
    """The learning-rate range test (Smith, 2017) in the loss-based form of fastai's
    learning-rate finder: one run with η growing geometrically.

    Update i uses η_i = lr_min · (lr_max/lr_min)^(i/(n_updates-1)). The loss of each batch is
    recorded before the update. The test stops once the smoothed loss exceeds
    ``stop_factor`` × its best value (or is non-finite): beyond that η only blows up.

    Parameters
    ----------
    model : nnkit.Sequential
        A freshly initialised model; it is trained in place (re-create it afterwards).
    X : ndarray, shape (n, n_features)
    y : ndarray, targets as expected by ``loss``
    loss : nnkit loss object (``loss(pred, target)``, ``backward()``)
    lr_min, lr_max : float
        The range of learning rates swept, 0 < lr_min < lr_max.
    n_updates : int
        Number of updates (≥ 2).
    batch_size : int or None
        None = full batch (every update sees all of X).
    rng : int or numpy Generator
        Seed for the mini-batch order.
    """
    lr_min = check_positive(lr_min, "lr_min")
    lr_max = check_positive(lr_max, "lr_max")
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be greater than lr_min, got {lr_min} and {lr_max}")
    n_updates = check_int(n_updates, "n_updates", low=2)
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
    stop_factor = check_positive(stop_factor, "stop_factor")
    X = check_array(X, "X")
    n = X.shape[0]
    check_same_length(X, y, "X", "y")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    gen = as_rng(rng)
    # A loop of its own rather than nk.fit: the learning rate changes at every update,
    # and the test stops in the middle of an epoch once the loss takes off.
    lrs = lr_min * (lr_max / lr_min) ** (np.arange(n_updates) / (n_updates - 1))
    opt = SGD(model.parameters(), lr=lr_min)
    raw, avg, used = [], [], []
    running, best = 0.0, math.inf
    order = np.arange(n)
    start = n
    stopped = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i, lr in enumerate(lrs):
            if batch_size is None or batch_size >= n:
                idx = order
            else:
                if start + batch_size > n:
                    order = gen.permutation(n)
                    start = 0
                idx = order[start:start + batch_size]
                start += batch_size
            opt.zero_grad()
            value = float(loss(model(X[idx]), y[idx]))
            if not math.isfinite(value):
                stopped = True
                break
            running = smoothing * running + (1.0 - smoothing) * value
            smooth = running / (1.0 - smoothing ** (i + 1))
            raw.append(value)
            avg.append(smooth)
            used.append(lr)
            best = min(best, smooth)
            if smooth > stop_factor * best:
                stopped = True
                break
            model.backward(loss.backward())
            opt.lr = float(lr)
            opt.step()
    return RangeTestResult(lrs=np.array(used), losses=np.array(raw), smoothed=np.array(avg),
                           stopped_early=stopped)
