"""Figures of chapter 8: generalisation.

* :class:`OverfittingFrame` -- the live experiment's frames: the network's probability over
  the plane with training points (filled) and validation points (hollow), next to the
  training and validation loss up to the frame's epoch;
* :func:`learning_curves` -- training against validation loss, the gap between them and
  the epoch early stopping keeps;
* :func:`loss_contours` -- level sets of a least-squares loss over two weights, before and
  after standardising the inputs.

The shared apparatus the chapter needs is re-exported here: the kernel-free
:class:`Experiment` and its controls, ``new_figure``, ``show``, ``loss_curves``, the one
number formatter ``format_number`` and ``glue`` (a run's number handed to the prose).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnkit.course.figures import loss_curves
from nnkit.course.style import (
    BOUNDARY_COLOR,
    CLASS_MARKERS,
    FONT_SIZE,
    axes_or_new,
    class_color,
    curve_color,
    format_number,
    glue,
    new_figure,
    region_color,
    show,
)
from nnkit.course.widgets import Choice, Experiment, Play

__all__ = [
    "Choice",
    "Experiment",
    "OverfittingFrame",
    "Play",
    "format_number",
    "glue",
    "learning_curves",
    "loss_contours",
    "loss_curves",
    "new_figure",
    "show",
]

LOSS_RANGE = (0.01, 3.0)
_REGION_RGBA = np.array([region_color(0), region_color(1)])


def _points(ax: Axes, X: np.ndarray, y: np.ndarray, hollow: bool, size: float) -> list:
    """Scatter the two classes; validation points hollow, training points filled."""
    artists = []
    for k in (0, 1):
        pts = X[y == k]
        style = ({"facecolors": "none", "edgecolors": class_color(k), "linewidths": 0.7}
                 if hollow else {"color": class_color(k), "edgecolors": "white",
                                 "linewidths": 0.5})
        artists.append(ax.scatter(pts[:, 0], pts[:, 1], s=size, marker=CLASS_MARKERS[k],
                                  zorder=3, **style))
    return artists


class OverfittingFrame:
    """Frames of the overfitting experiment (one figure, redrawn for each frame).

    Left: the class-1 probability of ``run`` at ``epoch`` over the plane (shaded, with
    the decision boundary where it crosses 0.5), training points filled, validation points
    hollow. Right: training and validation loss (log scale) from epoch 1 to ``epoch``,
    on axes that span every epoch, so the curves grow as the animation plays.
    """

    def __init__(self, max_epoch: int):
        self.max_epoch = int(max_epoch)
        self.fig, (self._map, self._loss) = new_figure((7.2, 3.0), 1, 2, layout="fixed")
        self.fig.subplots_adjust(left=0.02, right=0.98, bottom=0.16, top=0.88, wspace=0.28)
        self._map.set_xticks([])
        self._map.set_yticks([])
        self._curves = [self._loss.plot([], [], color=curve_color(i), linewidth=1.6,
                                        label=f"{name} loss")[0]
                        for i, name in enumerate(("training", "validation"))]
        self._loss.set_yscale("log")
        self._loss.set_xlim(0, self.max_epoch)
        self._loss.set_ylim(*LOSS_RANGE)
        self._loss.set_xlabel("epoch")
        self._loss.set_ylabel("cross-entropy")
        self._loss.legend(fontsize=FONT_SIZE - 1, loc="lower left", framealpha=0.85)
        self._loss_title = self._loss.set_title(" ", fontsize=FONT_SIZE)
        self._map_title = self._map.set_title(" ", fontsize=FONT_SIZE)
        self._artists: list = []

    def frame(self, run: Any, epoch: int) -> Figure:
        """Draw ``run`` (a :class:`~nnkit.course.ch8_generalisation.lab.Run`) at ``epoch``."""
        if epoch not in run.snapshots:
            raise ValueError(f"epoch: no snapshot at {epoch!r}; recorded {sorted(run.snapshots)}")
        for artist in self._artists:
            artist.remove()
        probs = run.snapshots[epoch]
        X_train, y_train, X_val, y_val = run.data
        # An image of the predicted class is much faster to draw than filled contours.
        regions = np.where((probs >= 0.5)[..., None], _REGION_RGBA[1], _REGION_RGBA[0])
        shade = self._map.imshow(regions, origin="lower", interpolation="nearest",
                                 extent=(run.grid_x.min(), run.grid_x.max(),
                                         run.grid_y.min(), run.grid_y.max()), aspect="auto")
        line = self._map.contour(run.grid_x, run.grid_y, probs, levels=[0.5],
                                 colors=BOUNDARY_COLOR, linewidths=1.2)
        self._artists = [shade, line, *_points(self._map, X_val, y_val, True, 9),
                         *_points(self._map, X_train, y_train, False, 22)]
        self._map.set_xlim(run.grid_x.min(), run.grid_x.max())
        self._map.set_ylim(run.grid_y.min(), run.grid_y.max())
        self._map_title.set_text(f"{run.model_name}, {run.n_train} training points, "
                                 f"epoch {epoch}")
        epochs = np.arange(1, epoch + 1)
        for curve, values in zip(self._curves, (run.train_loss[1:], run.val_loss), strict=True):
            curve.set_data(epochs, np.clip(values[:epoch], *LOSS_RANGE))
        gap = run.val_loss[epoch - 1] - run.train_loss[epoch]
        self._loss_title.set_text(f"gap (validation − training) {gap:.2f}")
        return self.fig


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
    """Level sets of L(w, b) = (1/n) Σ (w·x_i + b - y_i)² over the first weight w₁ and the
    bias b, the other weights held at their optimum, around the optimum (marked ×) and
    with both axes on the same scale: the valley is what it is, round or a thin trough.

    Levels are at 1.05, 1.25, 2 and 4 times the optimal loss L*.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X, y: expected shapes (n, d) and (n,), got {X.shape} and {y.shape}")
    Xb = np.column_stack([X, np.ones(len(X))])
    theta, *_ = np.linalg.lstsq(Xb, y, rcond=None)
    best = float(np.mean((Xb @ theta - y) ** 2))
    # Along a direction d in (w₁, b), L(θ* + d) = L* + dᵀ H d / 2 with H the 2 × 2 block
    # (2/n) Σ x̃ x̃ᵀ, x̃ = (x₁, 1). The plot's half-width is where the flattest direction
    # reaches the outermost level 4 L*.
    pair = Xb[:, [0, -1]]
    H = 2.0 / len(X) * pair.T @ pair
    radius = np.sqrt(6.0 * best / np.linalg.eigvalsh(H)[0])
    u = np.linspace(-radius, radius, 161)
    D1, D2 = np.meshgrid(u, u)
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
