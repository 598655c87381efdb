"""A training run recorded for replay: the one recorder of the course.

A live experiment shows a training run epoch by epoch long after it ran: the kernel-free
widget stores one frame per epoch shown, and every readout and figure is drawn from what
was recorded. :func:`record_run` trains a two-class classifier with ``nk.fit`` and keeps:

* the loss on the whole training set and the loss and accuracy on held-out data, after
  every epoch, with the values before the first update as epoch 0;
* the classifier's probability of class 1 on a :class:`~nnkit.course.grid.Grid` over the
  plane at chosen epochs (the decision boundary forming), in evaluation mode;
* the ``History`` of ``fit``, the trained model and the settings that made the run.

The chapters build the model, data and optimizer their experiment varies (chapter 6 its
explorer and batch-size race, chapter 8 capacity and regularisation) and record with
this function.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import nnkit as nk
from nnkit.course.grid import Grid
from nnkit.validation import check_int

__all__ = ["Run", "record_run"]


@dataclass
class Run:
    """Everything recorded while training one configuration (see :func:`record_run`).

    ``data`` is ``(X_train, y_train, X_val, y_val)``. ``train_loss``, ``val_loss`` and
    ``val_accuracy`` have one entry per epoch from 0 (before any update) to the last epoch
    run: a run that diverged stops early. ``snapshots[e]`` is P(class 1) on ``grid`` after
    epoch ``e``, of shape ``grid.shape``. ``config`` names the settings, for titles.
    """

    config: dict[str, Any]
    data: tuple
    model: nk.Layer
    history: nk.History
    grid: Grid
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)
    train_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    val_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    val_accuracy: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def epochs_run(self) -> int:
        """Completed epochs (fewer than requested if training diverged)."""
        return len(self.train_loss) - 1

    def value_at(self, series: str, epoch: int) -> float:
        """``train_loss``, ``val_loss`` or ``val_accuracy`` after ``epoch``; after a
        divergence, later epochs give the last value recorded."""
        if series not in ("train_loss", "val_loss", "val_accuracy"):
            raise ValueError(f"series: expected 'train_loss', 'val_loss' or 'val_accuracy', "
                             f"got {series!r}")
        values = getattr(self, series)
        return float(values[min(check_int(epoch, "epoch", low=0), len(values) - 1)])

    def snapshot_at(self, epoch: int) -> np.ndarray:
        """The probability map recorded at ``epoch``, or the last one recorded before it."""
        recorded = [e for e in self.snapshots if e <= epoch]
        if not recorded:
            raise ValueError(f"epoch: nothing recorded at or before epoch {epoch}; "
                             f"snapshots at {sorted(self.snapshots)}")
        return self.snapshots[max(recorded)]


def _class1_probability(model: nk.Layer, points: np.ndarray) -> np.ndarray:
    """P(class 1) = softmax(z)[:, 1] for a classifier's two logits z = model(points) (m, 2)."""
    return nk.activations.softmax(model(points), axis=1)[:, 1]


def record_run(
    model: nk.Layer,
    data: tuple,
    optimizer,
    *,
    epochs: int,
    batch_size: int | None = None,
    rng=0,
    grid: Grid,
    snapshots: Iterable[int] = (),
    config: Mapping[str, Any] | None = None,
) -> Run:
    """Train ``model`` on ``data = (X_train, y_train, X_val, y_val)`` with ``nk.fit``
    (softmax cross-entropy, ``optimizer``, ``epochs``, ``batch_size``, ``rng``) and record it.

    ``model`` maps points (m, 2) to two logits (m, 2); ``snapshots`` are epochs
    (0 ≤ e ≤ epochs) at which P(class 1) is evaluated on ``grid``. Cost: one ``fit``
    with a whole-training-set evaluation after every epoch, one held-out evaluation
    per epoch and one grid evaluation per snapshot.
    """
    epochs = check_int(epochs, "epochs", low=1)
    wanted = sorted({check_int(e, "snapshots[i]", low=0, high=epochs) for e in snapshots})
    X_train, y_train, X_val, y_val = data
    loss = nk.CrossEntropyLoss()
    run = Run(dict(config or {}), (X_train, y_train, X_val, y_val), model, nk.History(), grid)

    def snapshot(epoch: int, net: nk.Layer) -> None:
        if epoch in wanted:
            run.snapshots[epoch] = grid.evaluate(lambda points: _class1_probability(net, points))

    # Epoch 0 is measured as fit measures every epoch: in evaluation mode.
    model.eval()
    before = model(X_val)
    val_loss, val_accuracy = [loss(before, y_val)], [nk.accuracy(before, y_val)]
    snapshot(0, model)
    # A diverging configuration is part of a lesson, not an error: the run keeps
    # ``history.diverged`` and the figures say so, so the warning is not repeated.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        run.history = nk.fit(model, X_train, y_train, loss, optimizer, epochs=epochs,
                             batch_size=batch_size, rng=rng, validation=(X_val, y_val),
                             callbacks=[nk.EvaluateTrain(),
                                        lambda epoch, net, history: snapshot(epoch, net)])
    history = run.history
    run.train_loss = np.array([history.initial_loss, *history.train_loss])
    run.val_loss = np.array([*val_loss, *history.val_loss])
    run.val_accuracy = np.array([*val_accuracy, *history.val_accuracy])
    return run
