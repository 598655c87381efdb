"""The experiments of chapter 9: optimisers, on a valley and on the digits.

* :class:`Valley` -- the ill-conditioned quadratic J(θ) = ½ θᵀ H θ in two dimensions, its
  axes along the coordinates or rotated; :func:`descend` runs any nnkit optimiser on it;
* :func:`best_gd`, :func:`best_heavy_ball`, :func:`measured_rate`, :func:`rate_table` --
  the best constant learning rate (and momentum) on a quadratic and the rate at which the
  distance to the minimum then shrinks, in theory and measured;
* :func:`heavy_ball_converges` -- does heavy ball shrink or grow on a 1-D quadratic;
* :func:`best_worst_case_rate` -- the best rate heavy ball or Nesterov reaches on every
  quadratic with curvatures in [λ_min, λ_max], found by a grid search over (η, μ);
* :func:`steps_to` -- how many updates a path needs to come within a distance of θ*;
* :func:`adam_step_sizes` -- the first steps of Adam on a constant gradient, with and
  without bias correction;
* :func:`noise_floor` -- the loss SGD settles at when the gradient is noisy, for a
  learning rate and a schedule;
* :func:`digits_parts`, :func:`train_digits`, :func:`tune_on_digits`, :func:`dead_weights` --
  a small network on the digits, each optimiser with its learning rate chosen on the
  validation part; how weight decay acts on weights the data never moves;
* :func:`paired_exact_test`, :func:`holm` -- two classifiers compared on the same test
  images (an exact test on the images only one of them gets right), and Holm's correction
  for several such comparisons;
* :func:`moons_run` -- a small network on the moons, for the live experiment.

Every run is seeded and stays away from the edge of stability, or is summarised by a
verdict, so its printed figures survive another BLAS.

References: Polyak (1964); Nesterov (1983); Sutskever, Martens, Dahl & Hinton (2013);
Lessard, Recht & Packard (2016); Kingma & Ba (2015); Loshchilov & Hutter (2019); Goh,
"Why momentum really works" (2017); McNemar (1947); Holm (1979).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import nnkit as nk
from nnkit.validation import as_rng, check_int, check_positive

__all__ = [
    "DIGITS_EPOCHS",
    "DIGITS_WARMUP",
    "START",
    "DigitsRun",
    "Path",
    "Tuned",
    "Valley",
    "adam_step_sizes",
    "best_gd",
    "best_heavy_ball",
    "best_worst_case_rate",
    "dead_weights",
    "descend",
    "digits_parts",
    "heavy_ball_converges",
    "holm",
    "make_optimizer",
    "measured_rate",
    "moons_run",
    "noise_floor",
    "paired_exact_test",
    "rate_table",
    "steps_to",
    "train_digits",
    "tune_on_digits",
]

# Where every descent on the valley starts: far along the flat axis, a little up the steep one.
START = (-1.0, 0.25)
DIGITS_EPOCHS = 20
DIGITS_WARMUP = 100  # updates of linear warm-up before the cosine, in the comparison


class Valley:
    """J(θ) = ½ θᵀ H θ on θ ∈ R², minimum θ* = 0, with H = R diag(λ_min, λ_max) Rᵀ: the
    flat direction is the θ₁ axis turned by ``angle`` (radians), the steep one is
    perpendicular to it; κ = λ_max / λ_min."""

    def __init__(self, kappa: float, lam_max: float = 1.0, angle: float = 0.0):
        self.kappa = check_positive(kappa, "kappa")
        if self.kappa < 1:
            raise ValueError(f"kappa = λ_max / λ_min is at least 1, got {kappa}")
        self.lam_max = check_positive(lam_max, "lam_max")
        self.lam_min = self.lam_max / self.kappa
        self.angle = float(angle)
        c, s = math.cos(self.angle), math.sin(self.angle)
        R = np.array([[c, -s], [s, c]])
        self.H = R @ np.diag([self.lam_min, self.lam_max]) @ R.T
        # START turned with the valley, so that a turned run is the same problem in other
        # coordinates (and gradient descent, which does not see coordinates, runs the same)
        self.start = R @ np.array(START)

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """∇J(θ) = H θ, shape (2,)."""
        return self.H @ theta

    def values(self, points) -> np.ndarray:
        """J at many points, shape (m, 2) -> (m,) (or (..., 2) -> (...))."""
        points = np.asarray(points, dtype=np.float64)
        return 0.5 * np.einsum("...i,ij,...j->...", points, self.H, points)

    def __repr__(self) -> str:
        return f"Valley(kappa={self.kappa:g}, lam_max={self.lam_max:g}, angle={self.angle:g})"


@dataclass
class Path:
    """A descent on a valley: the points θ₀ … θ_T, shape (T + 1, 2), and their losses;
    ``diverged`` if it was stopped because ‖θ‖ passed 10⁶."""

    points: np.ndarray
    losses: np.ndarray
    diverged: bool

    @property
    def distances(self) -> np.ndarray:
        """‖θ_t - θ*‖ = ‖θ_t‖ for every t (by hypot, which does not underflow to 0 where
        the squares of the coordinates would)."""
        return np.hypot(self.points[:, 0], self.points[:, 1])


def make_optimizer(name: str, params, lr: float, momentum: float = 0.9, schedule=None):
    """An nnkit optimiser by the name the chapter's tables use: "GD" (plain), "momentum",
    "Nesterov", "AdaGrad", "RMSProp" (with ρ = 0.9, not nnkit's default 0.99), "Adam"
    (``momentum`` is Adam's ρ₁)."""
    if name == "GD":
        return nk.SGD(params, lr=lr, schedule=schedule)
    if name == "momentum":
        return nk.SGD(params, lr=lr, momentum=momentum, schedule=schedule)
    if name == "Nesterov":
        return nk.SGD(params, lr=lr, momentum=momentum, nesterov=True, schedule=schedule)
    if name == "AdaGrad":
        return nk.AdaGrad(params, lr=lr, schedule=schedule)
    if name == "RMSProp":
        return nk.RMSProp(params, lr=lr, alpha=0.9, schedule=schedule)
    if name == "Adam":
        return nk.Adam(params, lr=lr, betas=(momentum, 0.999), schedule=schedule)
    raise ValueError(f"unknown optimiser {name!r}; valid: GD, momentum, Nesterov, AdaGrad, "
                     "RMSProp, Adam")


def descend(valley: Valley, name: str, lr: float, steps: int, momentum: float = 0.9) -> Path:
    """Run the optimiser ``name`` (see :func:`make_optimizer`) for ``steps`` updates on
    ``valley`` from ``valley.start``, with the exact gradient Hθ."""
    steps = check_int(steps, "steps", low=1)
    theta = nk.Parameter(valley.start.copy())
    opt = make_optimizer(name, [theta], lr, momentum)
    points = [theta.value.copy()]
    diverged = False
    for _ in range(steps):
        theta.grad = valley.grad(theta.value)
        opt.step()
        points.append(theta.value.copy())
        if not np.linalg.norm(theta.value) < 1e6:
            diverged = True
            break
    points = np.array(points)
    return Path(points, valley.values(points), diverged)


def best_gd(valley: Valley) -> float:
    """The constant η that minimises plain gradient descent's worst contraction on a
    quadratic, 2 / (λ_min + λ_max); both directions then shrink by (κ - 1)/(κ + 1) per step."""
    return 2.0 / (valley.lam_min + valley.lam_max)


def best_heavy_ball(valley: Valley) -> tuple[float, float]:
    """Polyak's best (η, μ) on a quadratic: η = 4 / (√λ_max + √λ_min)²,
    μ = ((√κ - 1)/(√κ + 1))²; the error then shrinks by √μ = (√κ - 1)/(√κ + 1) per step."""
    root_max, root_min = math.sqrt(valley.lam_max), math.sqrt(valley.lam_min)
    root_kappa = math.sqrt(valley.kappa)
    return 4.0 / (root_max + root_min) ** 2, ((root_kappa - 1) / (root_kappa + 1)) ** 2


def measured_rate(path: Path) -> float:
    """The factor by which the distance to θ* shrank per step over the second half of the
    path, (d_T / d_{T/2})^(1/(T - T/2))."""
    d = path.distances
    T, half = len(d) - 1, (len(d) - 1) // 2
    return float((d[T] / d[half]) ** (1.0 / (T - half)))


def rate_table(kappas=(10, 100, 1000), steps: int = 600) -> list[dict]:
    """For each κ: the theoretical rates (κ-1)/(κ+1) of gradient descent and (√κ-1)/(√κ+1)
    of heavy ball, each at its best constant parameters, beside the rates measured over
    ``steps`` updates on the valley."""
    rows = []
    for kappa in kappas:
        valley = Valley(kappa)
        lr_hb, mu = best_heavy_ball(valley)
        root = math.sqrt(kappa)
        rows.append({
            "kappa": kappa,
            "gd_theory": (kappa - 1) / (kappa + 1),
            "gd_measured": measured_rate(descend(valley, "GD", best_gd(valley), steps)),
            "hb_theory": (root - 1) / (root + 1),
            "hb_measured": measured_rate(descend(valley, "momentum", lr_hb, steps, mu)),
            "lr": lr_hb,
            "mu": mu,
        })
    return rows


def _root_moduli(lr, mu, lam, nesterov: bool) -> np.ndarray:
    """The larger |root| of the characteristic polynomial of heavy ball (r² - (1 + μ - ηλ) r + μ)
    or Nesterov (r² - (1 + μ)(1 - ηλ) r + μ(1 - ηλ)), elementwise over broadcast arrays."""
    if nesterov:
        trace, det = (1 + mu) * (1 - lr * lam), mu * (1 - lr * lam)
    else:
        trace, det = 1 + mu - lr * lam, mu + 0 * lam
    root = np.sqrt((trace**2 - 4 * det).astype(complex))
    return np.maximum(np.abs((trace + root) / 2), np.abs((trace - root) / 2))


def best_worst_case_rate(kappa: float, nesterov: bool,
                         n_lam: int = 64) -> tuple[float, float, float]:
    """(rate, η, μ): the smallest worst-case root modulus max_λ |r| over λ in [1/κ, 1]
    (``n_lam`` curvatures, both ends included) that heavy ball or Nesterov reaches with
    constant (η, μ), by a grid search over η in (0, 4] and μ in [0, 1) refined three times
    around the best point. For heavy ball the answer is Polyak's (√κ - 1)/(√κ + 1); for Nesterov
    Lessard, Recht & Packard (2016) give 1 - 2/√(3κ + 1)."""
    lam = np.concatenate([[1.0 / kappa], np.geomspace(1.0 / kappa, 1.0, n_lam)[1:-1], [1.0]])
    lr_lo, lr_hi, mu_lo, mu_hi = 1e-3, 4.0, 0.0, 0.999
    for _ in range(4):
        lrs = np.linspace(lr_lo, lr_hi, 81)
        mus = np.linspace(mu_lo, mu_hi, 81)
        rate = _root_moduli(lrs[:, None, None], mus[None, :, None], lam[None, None, :],
                            nesterov).max(axis=2)
        i, j = np.unravel_index(np.argmin(rate), rate.shape)
        d_lr, d_mu = lrs[1] - lrs[0], mus[1] - mus[0]
        lr_lo, lr_hi = max(lrs[i] - 2 * d_lr, 1e-6), lrs[i] + 2 * d_lr
        mu_lo, mu_hi = max(mus[j] - 2 * d_mu, 0.0), min(mus[j] + 2 * d_mu, 0.9999)
    return float(rate[i, j]), float(lrs[i]), float(mus[j])


def heavy_ball_converges(lr: float, momentum: float, curvature: float = 1.0,
                         steps: int = 1000, nesterov: bool = False) -> bool:
    """Does heavy ball (or Nesterov) shrink θ on J(θ) = ½ λ θ² over ``steps`` updates from
    θ = 1?  (The edge is ηλ = 2(1 + μ) for heavy ball.)"""
    theta = nk.Parameter(np.array([1.0]))
    opt = nk.SGD([theta], lr=lr, momentum=momentum, nesterov=nesterov)
    for _ in range(steps):
        theta.grad = curvature * theta.value
        opt.step()
        if not abs(theta.value[0]) < 1e6:
            return False
    return bool(abs(theta.value[0]) < 1.0)


def steps_to(path: Path, distance: float) -> int | None:
    """The first t with ‖θ_t‖ <= ``distance`` and staying there, or None if the path ends
    before."""
    inside = path.distances <= distance
    if not inside[-1]:
        return None
    outside = np.flatnonzero(~inside)
    return int(outside[-1] + 1) if outside.size else 0


def adam_step_sizes(steps: int = 5, lr: float = 0.01, betas=(0.9, 0.999),
                    correct: bool = True) -> np.ndarray:
    """|Δθ| of Adam's first ``steps`` updates on a gradient that is always 1: with bias
    correction (nnkit's Adam) every step is η/(1 + ε) ≈ η; without it, m and v are
    (1 - ρ₁^t) and (1 - ρ₂^t), and the step is η (1 - ρ₁^t) / √(1 - ρ₂^t)."""
    steps = check_int(steps, "steps", low=1)
    if correct:
        theta = nk.Parameter(np.zeros(1))
        opt = nk.Adam([theta], lr=lr, betas=betas)
        values = [0.0]
        for _ in range(steps):
            theta.grad = np.ones(1)
            opt.step()
            values.append(float(-theta.value[0]))
        return np.diff(values)
    beta1, beta2 = betas
    t = np.arange(1, steps + 1)
    return lr * (1 - beta1**t) / (np.sqrt(1 - beta2**t) + 1e-8)


def noise_floor(lr: float, steps: int = 2000, schedule=None, chains: int = 400,
                curvature: float = 1.0, noise: float = 1.0, start: float = 3.0,
                rng: int = 0) -> np.ndarray:
    """SGD on J(θ) = ½ λ θ² with noisy gradients ∇J = λθ + σξ, ξ ~ N(0, 1) and σ =
    ``noise`` the noise's standard deviation, for ``chains`` independent copies at once: the
    mean loss ½ λ θ² over the copies after every update, shape (steps,). With a constant η,
    0 < ηλ < 2, it settles near ησ² / (2(2 - ηλ))."""
    gen = as_rng(rng)
    theta = nk.Parameter(np.full(chains, float(start)))
    opt = nk.SGD([theta], lr=lr, schedule=schedule)
    losses = np.empty(steps)
    for t in range(steps):
        theta.grad = curvature * theta.value + noise * gen.standard_normal(chains)
        opt.step()
        losses[t] = 0.5 * curvature * np.mean(theta.value**2)
    return losses


# ------------------------------------------------------------------------------- the digits

def digits_parts():
    """The digits split as chapter 8 splits them: 60 % training, 20 % validation, 20 % test."""
    X, y = nk.datasets.digits(test_fraction=None)
    return nk.datasets.split(X, y, validation=0.2, test=0.2, rng=0)


OPTIMISERS = {
    "SGD": lambda ps, lr, sched: nk.SGD(ps, lr=lr, schedule=sched),
    "SGD + momentum": lambda ps, lr, sched: nk.SGD(ps, lr=lr, momentum=0.9, schedule=sched),
    "Adam": lambda ps, lr, sched: nk.Adam(ps, lr=lr, schedule=sched),
    "Adam + L2": lambda ps, lr, sched: nk.Adam(ps, lr=lr, weight_decay=1e-2, schedule=sched),
    "AdamW": lambda ps, lr, sched: nk.AdamW(ps, lr=lr, weight_decay=1e-2, schedule=sched),
}


@dataclass
class DigitsRun:
    """One training run on the digits: its optimiser, learning rate, trained model and
    history (validation loss and accuracy per epoch)."""

    optimiser: str
    lr: float
    model: nk.Layer
    history: nk.History

    @property
    def val_loss(self) -> float:
        """The validation loss after the last epoch (infinite for a run that diverged)."""
        loss = self.history.val_loss[-1] if self.history.val_loss else math.inf
        return loss if math.isfinite(loss) and not self.history.diverged else math.inf


def train_digits(parts, optimiser: str, lr: float, epochs: int = DIGITS_EPOCHS,
                 warmup: int = 0, weight_decay: float | None = None) -> DigitsRun:
    """A 64-64-10 ReLU network trained on the training part with mini-batches of 32,
    the learning rate decayed along a cosine over the run (after a linear warm-up over
    ``warmup`` updates, if any). The same initial weights and batch order for every call."""
    if optimiser not in OPTIMISERS:
        raise ValueError(f"unknown optimiser {optimiser!r}; valid: {', '.join(OPTIMISERS)}")
    model = nk.mlp([64, 64, 10], activation="relu", rng=0)
    n_updates = epochs * math.ceil(len(parts.y_train) / 32)
    schedule = nk.schedules.CosineDecay(n_updates - warmup)
    if warmup:
        schedule = nk.schedules.Warmup(warmup, then=schedule)
    opt = OPTIMISERS[optimiser](model.parameters(), lr, schedule)
    if weight_decay is not None:
        opt.weight_decay = weight_decay
    history = nk.fit(model, parts.X_train, parts.y_train, nk.CrossEntropyLoss(), opt,
                     epochs=epochs, batch_size=32, rng=0,
                     validation=(parts.X_val, parts.y_val))
    return DigitsRun(optimiser, lr, model, history)


@dataclass
class Tuned:
    """Every optimiser's runs over its grid of learning rates, and the one whose final
    validation loss is lowest (``best[name]``)."""

    runs: dict[str, list[DigitsRun]]
    best: dict[str, DigitsRun]


def tune_on_digits(parts, grids: dict[str, tuple[float, ...]], epochs: int = DIGITS_EPOCHS,
                   warmup: int = DIGITS_WARMUP) -> Tuned:
    """Train every optimiser at every learning rate of its grid (the same warm-up and
    cosine for all); keep, per optimiser, the run with the lowest validation loss after the
    last epoch (a run that diverged counts as infinitely bad)."""
    runs = {name: [train_digits(parts, name, lr, epochs, warmup) for lr in lrs]
            for name, lrs in grids.items()}
    best = {name: min(rs, key=lambda r: r.val_loss) for name, rs in runs.items()}
    return Tuned(runs, best)


def paired_exact_test(right_a: np.ndarray, right_b: np.ndarray) -> tuple[int, int, float]:
    """Two classifiers on the same test images (``right_*``: a boolean per image, correct or
    not): (n_a, n_b, p), with n_a the images only the first gets right, n_b those only the
    second gets right, and p the exact two-sided p-value of McNemar's test, the binomial
    test of n_a against n_a + n_b fair coin tosses, p = min(1, 2 P(X <= min(n_a, n_b))).
    The images both get right or both get wrong say nothing about which is better."""
    right_a, right_b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    n_a, n_b = int(np.sum(right_a & ~right_b)), int(np.sum(right_b & ~right_a))
    n = n_a + n_b
    tail = sum(math.comb(n, i) for i in range(min(n_a, n_b) + 1)) / 2**n
    return n_a, n_b, min(1.0, 2 * tail)


def holm(p_values) -> list[float]:
    """Holm's (1979) step-down adjustment of several p-values, in their order: the k-th
    smallest of m is multiplied by m - k + 1 (and kept at least as large as the adjusted
    ones before it, at most 1). Rejecting where the adjusted p is below 0.05 keeps the chance
    of any false rejection among the m below 5 %."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    adjusted = np.empty_like(p)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - k) * p[i]))
        adjusted[i] = running
    return [float(a) for a in adjusted]


def dead_weights(parts, model_start: nk.Layer, model_end: nk.Layer) -> tuple[float, float]:
    """How much the first-layer weights shrank over training, as ‖W_end‖ / ‖W_start‖ of
    (the weights from pixels that are 0 in every training image, the other weights): the
    data never give the first group a gradient, so only weight decay moves them. (W has
    shape (n_out, n_in): a pixel's weights are a column.)"""
    dead = np.all(parts.X_train == 0, axis=0)
    start, end = model_start[0].W.value, model_end[0].W.value
    ratio = [float(np.linalg.norm(end[:, cols]) / np.linalg.norm(start[:, cols]))
             for cols in (dead, ~dead)]
    return ratio[0], ratio[1]


# --------------------------------------------------------------------------- the moons network

@dataclass
class MoonsRun:
    """Full-batch training of a small network on the moons: the loss after every update."""

    optimiser: str
    lr: float
    losses: np.ndarray
    diverged: bool


def moons_run(optimiser: str, lr: float, epochs: int = 150) -> MoonsRun:
    """A 2-16-16-2 tanh network on 200 noisy moons, full-batch, with the optimiser ``name``
    of :func:`make_optimizer` (momentum 0.9, Adam's ρ₁ 0.9) at rate ``lr``."""
    X, y = nk.datasets.moons(200, noise=0.2, rng=0)
    model = nk.mlp([2, 16, 16, 2], activation="tanh", rng=0)
    opt = make_optimizer(optimiser, model.parameters(), lr)
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(), opt, epochs=epochs,
                     batch_size=None)
    losses = np.array([history.initial_loss, *history.epoch_loss])
    return MoonsRun(optimiser, lr, losses, bool(history.diverged))
