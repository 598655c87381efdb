"""Figures for chapter 6, the training loop.

* :func:`probability_map` -- a classifier's class-1 probability over the plane, shaded,
  with its 0.5 contour (the decision boundary) and the data on top;
* :class:`ExplorerFigure` -- one frame of the training explorer: the map after some epoch
  next to the training and test loss curves up to that epoch;
* :func:`race_frame` and :func:`race_curves` -- batch, mini-batch and stochastic gradient
  descent from the same start: boundaries side by side, and loss against updates, epochs
  and seconds;
* :func:`confusion_matrix` and :func:`digit_gallery` -- how a digits classifier errs;
* :func:`timing_bars` -- seconds per epoch of two implementations, on a log scale.

The runs come from the chapter's :mod:`lab` (objects with ``boundary_at``, ``train_loss``,
``test_loss``, ``history``, ``config``); colours and sizes from :mod:`nnkit.course.style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure

from nnkit.course.figures import loss_curves
from nnkit.course.style import (
    BOUNDARY_COLOR,
    CLASS_MARKERS,
    FONT_SIZE,
    WRONG_COLOR,
    axes_or_new,
    class_color,
    curve_color,
    format_number,
    glue,
    new_figure,
    show,
    style_axes,
)
from nnkit.course.widgets import Choice, Experiment, Play

__all__ = [
    "probability_map",
    "ExplorerFigure",
    "race_frame",
    "race_curves",
    "confusion_matrix",
    "digit_gallery",
    "timing_bars",
    # Shared apparatus the chapter uses, re-exported so its notebook imports one line.
    "new_figure", "show", "Choice", "Experiment", "Play", "loss_curves", "format_number", "glue",
]


def _panels(
    size: tuple[float, float],
    ncols: int,
    width_ratios=None,
    sharey: bool = False,
    margins: dict | None = None,
):
    """A styled figure with one row of ``ncols`` axes (like ``new_figure``, plus width ratios
    and a shared y-axis, which its ``subplot_kw`` cannot express).

    Margins are fixed (``margins`` are ``subplots_adjust`` fractions) rather than computed by
    constrained layout, which would double the drawing time of the many widget frames.
    """
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(
        **{
            "left": 0.07,
            "right": 0.98,
            "bottom": 0.16,
            "top": 0.88,
            "wspace": 0.25,
            **(margins or {}),
        }
    )
    axes = fig.subplots(
        1,
        ncols,
        sharey=sharey,
        squeeze=False,
        gridspec_kw={"width_ratios": width_ratios} if width_ratios else None,
    )[0]
    for ax in axes:
        style_axes(ax)
    return fig, list(axes)


def _probability_cmap() -> LinearSegmentedColormap:
    low = to_rgba(class_color(0), 0.55)
    high = to_rgba(class_color(1), 0.55)
    return LinearSegmentedColormap.from_list("nnkit_probability", [low, (1, 1, 1, 0.0), high])


# Probability shading in steps of 0.1: smooth enough to show confidence, coarse enough
# that frames compress into small PNGs.
_PROB_LEVELS = np.linspace(0.0, 1.0, 11)


def _draw_map(
    grid_x,
    grid_y,
    prob,
    ax,
    X_train=None,
    y_train=None,
    X_test=None,
    y_test=None,
    point_size: float = 14.0,
) -> list:
    """Draw the probability map and the points on ``ax``; return the artists created."""
    prob = np.asarray(prob, dtype=np.float64)
    if prob.shape != (len(grid_y), len(grid_x)):
        raise ValueError(f"prob: expected shape {(len(grid_y), len(grid_x))}, got {prob.shape}")
    # A diverged network can leave nan on the grid; show such points as undecided (0.5).
    prob = np.where(np.isfinite(prob), prob, 0.5)
    artists = [
        ax.contourf(grid_x, grid_y, prob, levels=_PROB_LEVELS, cmap=_probability_cmap(), zorder=0)
    ]
    if prob.min() < 0.5 < prob.max():
        artists.append(
            ax.contour(
                grid_x, grid_y, prob, levels=[0.5], colors=BOUNDARY_COLOR, linewidths=1.3, zorder=1
            )
        )
    for X, y, filled in ((X_train, y_train, True), (X_test, y_test, False)):
        if X is None:
            continue
        for k in np.unique(y):
            pts = X[y == k]
            color = class_color(k)
            artists.append(
                ax.scatter(
                    pts[:, 0],
                    pts[:, 1],
                    s=point_size,
                    marker=CLASS_MARKERS[k % len(CLASS_MARKERS)],
                    c=color if filled else "none",
                    edgecolors="white" if filled else color,
                    linewidths=0.4 if filled else 0.9,
                    zorder=3,
                )
            )
    ax.set_xlim(grid_x[0], grid_x[-1])
    ax.set_ylim(grid_y[0], grid_y[-1])
    return artists


def probability_map(
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    prob: np.ndarray,
    ax: Axes,
    X_train: np.ndarray | None = None,
    y_train: np.ndarray | None = None,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    title: str | None = None,
    point_size: float = 14.0,
) -> Axes:
    """Shade ``prob`` (G, G), P(class 1) at ``(grid_x[j], grid_y[i])``, and draw its 0.5 contour.

    Class 0's colour fades through white (P = 0.5, undecided) into class 1's. Training
    points are drawn filled, test points as open markers, both in their class colours, so
    a reader sees where the boundary generalises and where it only fits.
    """
    _draw_map(grid_x, grid_y, prob, ax, X_train, y_train, X_test, y_test, point_size)
    _bare(ax)
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)
    return ax


def _bare(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def _map_of(run: Any, epoch: int, ax: Axes, title: str | None = None, test: bool = True) -> Axes:
    X_train, X_test, y_train, y_test = run.data
    return probability_map(
        run.grid_x,
        run.grid_y,
        run.boundary_at(epoch),
        ax,
        X_train,
        y_train,
        X_test if test else None,
        y_test if test else None,
        title=title,
    )


class ExplorerFigure:
    """Frames of the training explorer: probability map (left), loss curves so far (right).

    One figure is built once and updated for every frame (the widget renders each frame
    before asking for the next), which halves the cost of the explorer's many frames.
    The loss axes span epochs ``0..max_epoch`` in every frame, so the curves visibly
    *grow* as the play button advances instead of the axes rescaling under them.
    """

    def __init__(self, max_epoch: int):
        if not (isinstance(max_epoch, (int, np.integer)) and max_epoch >= 1):
            raise ValueError(f"max_epoch: expected a positive integer, got {max_epoch!r}")
        self.max_epoch = int(max_epoch)
        self.fig, (self._map, self._loss) = _panels((7.2, 3.0), 2, width_ratios=[1, 1.25])
        self._curves = [
            self._loss.plot([], [], color=curve_color(i), linewidth=1.6, label=f"{name} loss")[0]
            for i, name in enumerate(("training", "test"))
        ]
        self._heads = [
            self._loss.plot([], [], "o", color=curve_color(i), markersize=4)[0] for i in range(2)
        ]
        self._cross = self._loss.plot([], [], "X", markersize=9, color=WRONG_COLOR, clip_on=False)[
            0
        ]
        self._loss.set_xlim(0, self.max_epoch)
        self._loss.set_xlabel("epoch")
        self._loss.set_ylabel("cross-entropy")
        self._loss.legend(fontsize=FONT_SIZE - 1, loc="upper right", framealpha=0.85)
        self._loss_title = self._loss.set_title(" ", fontsize=FONT_SIZE)
        self._map_title = self._map.set_title(" ", fontsize=FONT_SIZE)
        _bare(self._map)
        self._map_artists: list = []

    def frame(self, run: Any, epoch: int) -> Figure:
        """Show ``run`` after ``epoch``; return the (reused) figure."""
        if not 0 <= epoch <= self.max_epoch:
            raise ValueError(f"epoch: expected 0..{self.max_epoch}, got {epoch!r}")
        # Remove the previous frame's map rather than clearing the axes: clearing would
        # rebuild the axes from scratch, which costs more than drawing the frame.
        for artist in self._map_artists:
            artist.remove()
        shown = min(epoch, run.epochs_run)
        diverged = run.history is not None and run.history.diverged and epoch > run.epochs_run
        state = "diverged" if diverged else f"test acc {run.value_at('test_accuracy', epoch):.0%}"
        X_train, X_test, y_train, y_test = run.data
        self._map_artists = _draw_map(
            run.grid_x,
            run.grid_y,
            run.boundary_at(epoch),
            self._map,
            X_train,
            y_train,
            X_test,
            y_test,
        )
        self._map_title.set_text(f"{run.dataset}, epoch {epoch}: {state}")
        top = 1.3 * max(run.train_loss[0], run.test_loss[0])
        x = np.arange(shown + 1)
        for curve, head, values in zip(
            self._curves, self._heads, (run.train_loss, run.test_loss), strict=True
        ):
            values = np.minimum(np.asarray(values[: shown + 1], dtype=np.float64), top)
            curve.set_data(x, values)
            head.set_data(x[-1:], values[-1:])
        self._cross.set_data([x[-1]] if diverged else [], [top] if diverged else [])
        self._loss.set_ylim(0, top)
        self._loss_title.set_text(run.config.describe())
        return self.fig


def race_frame(runs: Mapping[str, Any], epoch: int) -> Figure:
    """Decision maps of several runs (e.g. batch / mini-batch / stochastic) after ``epoch``.

    Each panel's title names the run, its updates so far and its training loss.
    """
    fig, axes = _panels(
        (7.6, 2.8),
        len(runs),
        margins={"left": 0.01, "right": 0.99, "bottom": 0.02, "top": 0.80, "wspace": 0.06},
    )
    for ax, (name, run) in zip(axes, runs.items(), strict=True):
        per_epoch = run.history.n_updates // max(1, len(run.history.epoch_loss))
        loss = run.value_at("train_loss", epoch)
        _map_of(
            run,
            epoch,
            ax,
            test=False,
            title=f"{name}: epoch {epoch}\n{epoch * per_epoch} updates, loss {loss:.2f}",
        )
    return fig


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def race_curves(runs: Mapping[str, Any]) -> Figure:
    """Loss of several runs against updates (log scale), epochs and wall-clock seconds.

    Left: every update's *batch* loss, faint (the noise of small batches is plain to
    see), with a running mean over about 1 % of the run's updates on top. Middle: the
    full training-set loss after each epoch. Right: the same against cumulative seconds
    of training (``History.epoch_time``, log scale), which is what a user waits for.
    All panels share a y-range of 0 to 1.5 × the initial loss, so that single-example
    losses, which can be far larger, do not flatten the curves.
    """
    fig, (by_update, by_epoch, by_time) = _panels(
        (9.0, 3.1), 3, sharey=True, margins={"left": 0.06, "wspace": 0.12}
    )
    top = 1.5 * max(run.train_loss[0] for run in runs.values())
    for i, (name, run) in enumerate(runs.items()):
        color = curve_color(i)
        history = run.history
        batch_losses = np.asarray(history.update_loss, dtype=np.float64)
        steps = np.arange(1, len(batch_losses) + 1)
        by_update.plot(steps, batch_losses, color=color, alpha=0.15, linewidth=0.4)
        window = max(1, len(batch_losses) // 100)
        smooth = _smooth(batch_losses, window)
        by_update.plot(steps[window - 1 :], smooth, color=color, linewidth=1.5, label=name)
        losses = np.asarray(run.train_loss, dtype=np.float64)
        by_epoch.plot(np.arange(len(losses)), losses, color=color, linewidth=1.6, label=name)
        # Epoch-end losses against the time spent so far (the initial loss has no time > 0).
        seconds = np.cumsum(history.epoch_time)[: len(losses) - 1]
        by_time.plot(seconds, losses[1 : len(seconds) + 1], color=color, linewidth=1.6, label=name)
    by_update.set_xscale("log")
    by_update.set_xlabel("update (log scale)")
    by_update.set_ylabel("cross-entropy")
    by_update.set_title("per update (batch loss)", fontsize=FONT_SIZE)
    by_epoch.set_xlabel("epoch")
    by_epoch.set_title("per epoch (whole training set)", fontsize=FONT_SIZE)
    by_time.set_xscale("log")
    by_time.set_xlabel("seconds of training (log scale)")
    by_time.set_title("per second", fontsize=FONT_SIZE)
    by_update.set_ylim(0, top)
    by_epoch.legend(fontsize=FONT_SIZE - 1, framealpha=0.85)
    return fig


def confusion_matrix(
    counts: np.ndarray,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    title: str | None = None,
) -> Axes:
    """Draw a confusion matrix ``counts`` (C, C): row = true class, column = predicted class.

    The diagonal (correct answers) is shaded in the first class colour, errors in the
    error colour, and every non-zero cell shows its count.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"counts: expected a square (C, C) matrix, got shape {counts.shape}")
    ax = axes_or_new(ax, (4.2, 3.8))
    n = counts.shape[0]
    labels = list(labels) if labels is not None else [str(k) for k in range(n)]
    image = np.ones((n, n, 4))
    diag_max = max(1, counts.diagonal().max())
    off = counts.copy().astype(float)
    np.fill_diagonal(off, 0)
    off_max = max(1.0, off.max())
    for i in range(n):
        for j in range(n):
            if i == j:
                image[i, j] = to_rgba(class_color(0), 0.15 + 0.6 * counts[i, j] / diag_max)
            elif counts[i, j]:
                image[i, j] = to_rgba(WRONG_COLOR, 0.25 + 0.6 * counts[i, j] / off_max)
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    str(int(counts[i, j])),
                    ha="center",
                    va="center",
                    fontsize=FONT_SIZE - 1,
                    color="black",
                )
    ax.imshow(image, interpolation="nearest")
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.grid(False)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    if title:
        ax.set_title(title)
    return ax


def digit_gallery(
    images: np.ndarray,
    true: Sequence[int],
    predicted: Sequence[int],
    confidence: Sequence[float] | None = None,
    ncols: int = 8,
) -> Figure:
    """Show 8×8 digit images (k, 64) in a grid, titled "true → predicted (confidence)"."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 2 or images.shape[1] != 64:
        raise ValueError(
            f"images: expected flattened 8x8 digits of shape (k, 64), got {images.shape}"
        )
    k = len(images)
    if k == 0:
        raise ValueError("images: nothing to show")
    if not (len(true) == len(predicted) == k):
        raise ValueError("true, predicted: need one label each per image")
    ncols = min(ncols, k)
    nrows = -(-k // ncols)
    fig, axes = new_figure((1.05 * ncols, 1.25 * nrows), nrows, ncols)
    for index, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if index >= k:
            continue
        ax.imshow(
            images[index].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest"
        )
        text = f"{true[index]} → {predicted[index]}"
        if confidence is not None:
            text += f" ({confidence[index]:.0%})"
        ax.set_title(text, fontsize=FONT_SIZE - 1, color=WRONG_COLOR)
    return fig


def timing_bars(
    seconds: Mapping[str, float], ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Horizontal bars of seconds per implementation on a log axis, each labelled in ms."""
    if not seconds:
        raise ValueError("seconds: expected at least one implementation")
    ax = axes_or_new(ax, (6.0, 1.2 + 0.45 * len(seconds)))
    names = list(seconds)
    values = np.asarray([seconds[n] for n in names], dtype=np.float64)
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError(f"seconds: expected positive timings, got {values}")
    ax.barh(range(len(names)), values, color=[curve_color(i) for i in range(len(names))])
    for i, v in enumerate(values):
        ax.text(v * 1.1, i, f"{v * 1e3:.3g} ms", va="center", fontsize=FONT_SIZE - 1)
    ax.set_yticks(range(len(names)), names)
    ax.set_xscale("log")
    ax.set_xlim(values.min() / 3, values.max() * 8)
    ax.set_xlabel("seconds per epoch (log scale)")
    if title:
        ax.set_title(title)
    return ax
