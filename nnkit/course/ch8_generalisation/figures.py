"""Figures of chapter 8: generalisation.

* :class:`OverfittingFrame` -- the live experiment's frames: the classes a recorded run's
  network assigns over the plane with training points (filled) and validation points
  (hollow), next to the training and validation loss up to the frame's epoch;
* :func:`learning_curves` -- training against validation loss, the gap between them and
  the epoch early stopping keeps;
* :func:`loss_contours` -- level sets of a least-squares loss over two weights, before and
  after standardising the inputs.

The shared apparatus the chapter's notebook uses is re-exported here: the kernel-free
:class:`Experiment` and its controls, ``new_figure``, ``show`` and ``loss_curves``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from nnkit.course.figures import RunFigure, loss_curves
from nnkit.course.grid import Grid
from nnkit.course.style import (
    BOUNDARY_COLOR,
    FONT_SIZE,
    axes_or_new,
    curve_color,
    new_figure,
    show,
)
from nnkit.course.widgets import Choice, Experiment, Play

__all__ = [
    "Choice",
    "Experiment",
    "OverfittingFrame",
    "Play",
    "learning_curves",
    "loss_contours",
    "loss_curves",
    "new_figure",
    "show",
]

LOSS_RANGE = (0.01, 3.0)


class OverfittingFrame(RunFigure):
    """Frames of the overfitting experiment: the probability map of a run of
    :func:`lab.train_run` at ``epoch`` (the regions each class is assigned, training points
    filled, validation points hollow) next to the training and validation loss (log scale)
    up to that epoch (see :class:`nnkit.course.figures.RunFigure`)."""

    def __init__(self, max_epoch: int):
        super().__init__(max_epoch, held_out="validation", graded=False, logy=True,
                         ylim=LOSS_RANGE, legend_loc="lower left")

    def map_title(self, run: Any, epoch: int) -> str:
        return f"{run.config['model']}, {run.config['n_train']} training points, epoch {epoch}"

    def loss_title(self, run: Any, epoch: int) -> str:
        gap = run.value_at("val_loss", epoch) - run.value_at("train_loss", epoch)
        return f"gap (validation − training) {gap:.2f}"


def learning_curves(history: Any, ax: Axes | None = None, title: str | None = None,
                    best: bool = True) -> Axes:
    """Training and validation loss of an nnkit History against the epoch (log scale),
    the gap between them shaded, and (``best``) the epoch of lowest validation loss marked.
    """
    train = np.asarray(history.train_loss, dtype=np.float64)
    val = np.asarray(history.val_loss, dtype=np.float64)
    if len(val) != len(train) or not len(val):
        raise ValueError("history: needs a run with validation data and the whole training "
                         "set's loss (fit(..., validation=..., callbacks=[nk.EvaluateTrain()]))")
    ax = axes_or_new(ax)
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, color=curve_color(0), linewidth=1.6, label="training loss")
    ax.plot(epochs, val, color=curve_color(1), linewidth=1.6, label="validation loss")
    ax.fill_between(epochs, train, val, color=curve_color(1), alpha=0.12, linewidth=0,
                    label="gap")
    if best:
        k = history.best_epoch
        ax.axvline(k, color=BOUNDARY_COLOR, linewidth=1.0, linestyle="--")
        ax.annotate(f"best epoch {k}", (k, val[k - 1]), xytext=(6, 12),
                    textcoords="offset points", fontsize=FONT_SIZE - 1)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.legend(fontsize=FONT_SIZE - 1, framealpha=0.85)
    if title:
        ax.set_title(title)
    return ax


def loss_contours(X, y, ax: Axes | None = None, title: str | None = None,
                  labels=("weight w₁", "bias b")) -> Axes:
    """Level sets of J(w, b) = (1/n) Σ (w·x_i + b - y_i)² over the first weight w₁ and the
    bias b, the other weights held at their optimum, around the optimum (marked ×) and
    with both axes on the same scale: the valley is what it is, round or a thin trough.

    Levels are at 1.05, 1.25, 2 and 4 times the optimal loss J*.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X, y: expected shapes (n, d) and (n,), got {X.shape} and {y.shape}")
    Xb = np.column_stack([X, np.ones(len(X))])
    theta, *_ = np.linalg.lstsq(Xb, y, rcond=None)
    best = float(np.mean((Xb @ theta - y) ** 2))
    # Along a direction d in (w₁, b), J(θ* + d) = J* + dᵀ H d / 2 with H the 2 × 2 block
    # (2/n) Σ x̃ x̃ᵀ, x̃ = (x₁, 1). The plot's half-width is where the flattest direction
    # reaches the outermost level 4 J*.
    pair = Xb[:, [0, -1]]
    H = 2.0 / len(X) * pair.T @ pair
    radius = np.sqrt(6.0 * best / np.linalg.eigvalsh(H)[0])
    D1, D2 = Grid.over((-radius, radius), (-radius, radius), 161).mesh
    excess = 0.5 * (H[0, 0] * D1**2 + 2 * H[0, 1] * D1 * D2 + H[1, 1] * D2**2)
    ax = axes_or_new(ax)
    ax.contour(theta[0] + D1, theta[-1] + D2, best + excess,
               levels=best * np.array([1.05, 1.25, 2.0, 4.0]),
               colors=[curve_color(i) for i in range(4)], linewidths=1.2)
    ax.plot(theta[0], theta[-1], "x", color=BOUNDARY_COLOR)
    ax.set_aspect("equal")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if title:
        ax.set_title(title)
    return ax
