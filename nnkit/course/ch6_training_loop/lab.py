"""The runs of chapter 6: the training explorer and the batch-size race.

:func:`train_run` trains one small classifier (a :class:`NetConfig`) on one of the
two-dimensional data sets of :data:`DATASETS` and records it with the course's recorder
(:func:`nnkit.course.runs.record_run`): the training and validation loss and the validation accuracy
after every epoch, and the class-1 probability over the plane at a few epochs, so that the
chapter's figures replay the training without training again.

Every run starts from weights drawn from ``seed``, so runs that differ only in the learning
rate or the batch size start from exactly the same network -- which is what makes the race
between batch, stochastic and mini-batch gradient descent fair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import nnkit as nk
from nnkit.course.grid import Grid
from nnkit.course.runs import Run, record_run
from nnkit.validation import check_int, check_positive

__all__ = [
    "DATASETS",
    "NetConfig",
    "load_dataset",
    "straight_line_agreement",
    "train_run",
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
# The probability maps show the points' box and this fraction of its extent on every side.
MAP_MARGIN = 0.15


def load_dataset(name: str, n: int = 240, val_fraction: float = 0.25, rng: int = 0):
    """Generate data set ``name`` with ``n`` points and split it into training and validation
    parts.

    Returns ``(X_train, y_train, X_val, y_val)``: float arrays of shape ``(n, 2)`` and
    integer labels of shape ``(n,)`` with values 0 and 1. The split is seeded by ``rng``.
    The validation part is what the chapter watches while it trains and compares settings
    on; no test set is kept, so its accuracies are not estimates for new data (chapter 8
    keeps one).
    """
    if name not in DATASETS:
        raise ValueError(
            f"load_dataset(name): unknown data set {name!r}; choose one of {sorted(DATASETS)}"
        )
    if not isinstance(n, (int, np.integer)) or n < 8:
        raise ValueError(f"load_dataset(n): need an integer of at least 8 points, got {n!r}")
    X, y = getattr(nk.datasets, name)(n=int(n), rng=rng, **DATASETS[name])
    X_train, X_val, y_train, y_val = nk.datasets.train_test_split(
        X, y, test_fraction=val_fraction, rng=rng
    )
    return X_train, y_train, X_val, y_val


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


def train_run(
    config: NetConfig,
    dataset: str,
    epochs: int,
    snapshots,
    seed: int = 0,
    n: int = 240,
    grid_size: int = 60,
) -> Run:
    """Train ``config`` on ``dataset`` for ``epochs`` epochs and record the run.

    The network is ``nk.mlp([2, *config.hidden, 2])`` trained by plain SGD on the training
    part of ``load_dataset(dataset, n, rng=seed)``, its validation part held out (the run's
    ``val_*`` series). ``snapshots`` are the epochs (0 ≤ e ≤ epochs) at which the class-1
    probability is evaluated on a ``grid_size × grid_size`` grid around all the points.
    Weights, data and the shuffling of ``fit`` all come from ``seed``, so a run is fully
    reproducible.
    """
    X_train, y_train, X_val, y_val = load_dataset(dataset, n=n, rng=seed)
    model = nk.mlp([2, *config.hidden, 2], activation=config.activation, rng=seed)
    grid = Grid.around(np.vstack([X_train, X_val]), grid_size, margin=MAP_MARGIN)
    return record_run(model, (X_train, y_train, X_val, y_val),
                      nk.SGD(model.parameters(), lr=config.lr), epochs=epochs,
                      batch_size=config.batch_size, rng=seed, grid=grid, snapshots=snapshots,
                      config={"data": dataset, "net": config})


def straight_line_agreement(run: Run, epoch: int, directions: int = 720) -> float:
    """The largest share of the grid points of ``run``'s probability map after ``epoch`` on
    which one straight line gives the same class as the network (P(class 1) ≥ 0.5).

    1 means the network's boundary on the map is a straight line; a curved boundary leaves
    points on the wrong side of every line. The search tries ``directions`` normals evenly
    spread over the full circle and, for each, every position of the line between two
    grid points (both orientations are covered because the normals go all the way round).
    """
    directions = check_int(directions, "directions", low=4)
    labels = (run.snapshot_at(epoch) >= 0.5).ravel()
    points = run.grid.points
    best = 0.0
    for angle in np.linspace(0.0, 2.0 * np.pi, directions, endpoint=False):
        order = np.argsort(points @ np.array([np.cos(angle), np.sin(angle)]), kind="stable")
        ones = labels[order].astype(np.int64)
        # Line after the first k points: class 0 below it, class 1 above it.
        zeros_below = np.concatenate([[0], np.cumsum(1 - ones)])
        ones_above = ones.sum() - np.concatenate([[0], np.cumsum(ones)])
        best = max(best, float(np.max(zeros_below + ones_above)) / len(labels))
    return best
