"""Recorded training runs for the training explorer and the batch-size race (chapter 6).

A *run* trains one small classifier on one two-dimensional data set and keeps, besides the
usual :class:`nnkit.History`, what the chapter's figures need to replay the training
afterwards without training again:

* the class-1 probability on a regular grid over the plane at a few *snapshot* epochs
  (the decision boundary forming), recorded through ``fit``'s per-epoch callback;
* the mean cross-entropy on the training and the test set after every epoch, with the
  value before any update as entry 0.

Every run starts from weights drawn from ``seed``, so runs that differ only in the learning
rate or the batch size start from exactly the same network -- which is what makes the race
between batch, stochastic and mini-batch gradient descent fair.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

import nnkit as nk
from nnkit.validation import check_int, check_positive

__all__ = [
    "DATASETS",
    "NetConfig",
    "TrainingRun",
    "load_dataset",
    "record_run",
]

# The four two-dimensional problems of the explorer, with the noise that keeps each one
# learnable by a small network yet not trivially separable.
DATASETS: dict[str, dict] = {
    "moons": {"noise": 0.15},
    "circles": {"noise": 0.1, "factor": 0.5},
    "spirals": {"noise": 0.2},
    "xor": {"noise": 0.1},
}

_ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")


def load_dataset(name: str, n: int = 240, test_fraction: float = 0.25, rng: int = 0):
    """Generate data set ``name`` with ``n`` points and split it into training and test parts.

    Returns ``(X_train, X_test, y_train, y_test)``: float arrays of shape ``(m, 2)`` and
    integer labels of shape ``(m,)`` with values 0 and 1. The split is seeded by ``rng``.
    """
    if name not in DATASETS:
        raise ValueError(
            f"load_dataset(name): unknown data set {name!r}; choose one of {sorted(DATASETS)}"
        )
    if not isinstance(n, (int, np.integer)) or n < 8:
        raise ValueError(f"load_dataset(n): need an integer of at least 8 points, got {n!r}")
    X, y = getattr(nk.datasets, name)(n=int(n), rng=rng, **DATASETS[name])
    X_train, X_test, y_train, y_test = nk.datasets.train_test_split(
        X, y, test_fraction=test_fraction, rng=rng
    )
    return X_train, X_test, y_train, y_test


@dataclass(frozen=True)
class NetConfig:
    """One point of the explorer's configuration space.

    ``hidden`` lists the width of each hidden layer (``()`` gives a linear classifier),
    ``activation`` names the hidden non-linearity, ``lr`` is the learning rate η and
    ``batch_size`` the number of examples per update (``None`` = the whole training set,
    i.e. batch gradient descent; ``1`` = stochastic gradient descent).
    """

    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    lr: float = 0.3
    batch_size: int | None = 16

    def __post_init__(self):
        for width in self.hidden:
            check_int(width, "NetConfig(hidden): a width", low=1)
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"NetConfig(activation): unknown activation {self.activation!r}; "
                f"choose one of {_ACTIVATIONS}"
            )
        check_positive(self.lr, "NetConfig(lr): the learning rate")
        if self.batch_size is not None:
            check_int(self.batch_size, "NetConfig(batch_size) (None for full batch)", low=1)

    @property
    def architecture(self) -> str:
        """Hidden layers in words, e.g. ``"2×8 tanh"`` or ``"8-4 relu"``; ``"linear"`` if none."""
        if not self.hidden:
            return "linear"
        if len(set(self.hidden)) == 1:
            return f"{len(self.hidden)}×{self.hidden[0]} {self.activation}"
        return "-".join(str(h) for h in self.hidden) + f" {self.activation}"

    @property
    def batch_mode(self) -> str:
        """``"batch"``, ``"stochastic"`` or ``"mini-batch B"``."""
        if self.batch_size is None:
            return "batch"
        if self.batch_size == 1:
            return "stochastic"
        return f"mini-batch {self.batch_size}"

    def describe(self) -> str:
        """All four settings in one short line, e.g. ``"2×8 tanh · η=0.3 · mini-batch 16"``."""
        return f"{self.architecture} · η={self.lr:g} · {self.batch_mode}"


def _probability_class1(model: nk.Sequential, points: np.ndarray) -> np.ndarray:
    logits = model(points)
    return nk.activations.softmax(logits, axis=1)[:, 1]


def _mean_cross_entropy(model: nk.Sequential, X: np.ndarray, y: np.ndarray) -> float:
    return float(nk.losses.cross_entropy(model(X), y))


@dataclass
class TrainingRun:
    """Everything recorded while training one configuration (see :func:`record_run`).

    ``grid_x`` (G,) and ``grid_y`` (G,) span the plane; ``boundary[e]`` (G, G) is the
    probability of class 1 at grid point ``(grid_x[j], grid_y[i])`` after epoch ``e``
    (epoch 0 = before training). ``train_loss`` and ``test_loss`` have one entry per epoch
    run plus the initial value; after a divergence they stop early.
    """

    config: NetConfig
    dataset: str
    data: tuple
    grid_x: np.ndarray
    grid_y: np.ndarray
    boundary: dict[int, np.ndarray] = field(default_factory=dict)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    history: nk.History | None = None

    @property
    def epochs_run(self) -> int:
        """Number of completed epochs (fewer than requested if training diverged)."""
        return len(self.train_loss) - 1

    def boundary_at(self, epoch: int) -> np.ndarray:
        """The recorded probability map at ``epoch``, or the last one recorded before it."""
        recorded = [e for e in self.boundary if e <= epoch]
        if not recorded:
            raise ValueError(f"boundary_at(epoch): nothing recorded at or before epoch {epoch}")
        return self.boundary[max(recorded)]

    def value_at(self, series: str, epoch: int) -> float:
        """``train_loss``, ``test_loss`` or ``test_accuracy`` at ``epoch``.

        After an early stop (divergence) later epochs give the last recorded value.
        """
        values = getattr(self, series)
        return float(values[min(epoch, len(values) - 1)])


def _grid(X: np.ndarray, size: int, margin: float) -> tuple[np.ndarray, np.ndarray]:
    lo = X.min(axis=0) - margin
    hi = X.max(axis=0) + margin
    return np.linspace(lo[0], hi[0], size), np.linspace(lo[1], hi[1], size)


def record_run(
    config: NetConfig,
    dataset: str,
    epochs: int,
    snapshots,
    seed: int = 0,
    n: int = 240,
    grid_size: int = 60,
    margin: float = 0.4,
) -> TrainingRun:
    """Train ``config`` on ``dataset`` for ``epochs`` epochs and record the run.

    ``snapshots`` are the epochs (0 ≤ e ≤ epochs) at which the class-1 probability is
    evaluated on a ``grid_size × grid_size`` grid covering the data plus ``margin``. The
    network weights and the data both come from ``seed``, and the shuffling of ``fit``
    too, so a run is fully reproducible. Cost: one ``fit`` plus one grid evaluation per
    snapshot.
    """
    epochs = check_int(epochs, "record_run(epochs)", low=1)
    snapshots = sorted({int(e) for e in snapshots})
    if not snapshots or snapshots[0] < 0 or snapshots[-1] > epochs:
        raise ValueError(f"record_run(snapshots): epochs must lie in 0..{epochs}, got {snapshots}")
    X_train, X_test, y_train, y_test = load_dataset(dataset, n=n, rng=seed)
    model = nk.mlp([2, *config.hidden, 2], activation=config.activation, rng=seed)
    gx, gy = _grid(np.vstack([X_train, X_test]), grid_size, margin)
    points = np.column_stack(
        [np.repeat(gx[None, :], grid_size, 0).ravel(), np.repeat(gy[:, None], grid_size, 1).ravel()]
    )
    run = TrainingRun(config, dataset, (X_train, X_test, y_train, y_test), gx, gy)

    def record(epoch: int, net: nk.Sequential, train_loss: float) -> None:
        run.train_loss.append(train_loss)
        run.test_loss.append(_mean_cross_entropy(net, X_test, y_test))
        run.test_accuracy.append(float(nk.accuracy(net(X_test), y_test)))
        if epoch in snapshots:
            run.boundary[epoch] = _probability_class1(net, points).reshape(grid_size, grid_size)

    record(0, model, _mean_cross_entropy(model, X_train, y_train))

    def after_epoch(epoch, net, history):
        # Count epochs from the history rather than trusting the callback's numbering;
        # EvaluateTrain, just before, has measured the whole training set.
        done = len(history.train_loss)
        if np.isfinite(history.train_loss[-1]):
            record(done, net, history.train_loss[-1])

    # A diverging configuration is part of the lesson, not an error: the run records
    # ``history.diverged`` and the figures say so, so the warning is not repeated here.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        run.history = nk.fit(
            model,
            X_train,
            y_train,
            nk.CrossEntropyLoss(),
            nk.SGD(model.parameters(), lr=config.lr),
            epochs=epochs,
            batch_size=config.batch_size,
            rng=seed,
            callbacks=[nk.EvaluateTrain(), after_epoch],
        )
    return run
