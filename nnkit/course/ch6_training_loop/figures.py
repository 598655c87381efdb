"""Figures for chapter 6, the training loop.

* :class:`ExplorerFigure` -- one frame of the training explorer: a run's probability map
  after some epoch next to the training and validation loss curves up to that epoch;
* :func:`race_frame` and :func:`race_curves` -- batch, mini-batch and stochastic gradient
  descent from the same start: boundaries side by side, and loss against updates, epochs
  and seconds;
* :func:`confusion_matrix` and :func:`digit_gallery` -- how a digits classifier errs.

The runs are :class:`nnkit.course.runs.Run` objects from the chapter's :func:`lab.train_run`
(their held-out ``val_*`` series are the chapter's validation set); colours and sizes come from
:mod:`nnkit.course.style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from nnkit.course.figures import RunFigure, loss_curves, probability_map
from nnkit.course.style import (
    FONT_SIZE,
    WRONG_COLOR,
    axes_or_new,
    class_color,
    curve_color,
    new_figure,
    show,
)
from nnkit.course.widgets import Choice, Experiment, Play

__all__ = [
    "ExplorerFigure",
    "race_frame",
    "race_curves",
    "confusion_matrix",
    "digit_gallery",
    # Shared apparatus the chapter uses, re-exported so its notebook imports one line.
    "new_figure", "show", "Choice", "Experiment", "Play", "loss_curves",
]


def _panels(size: tuple[float, float], ncols: int, sharey: bool = False, **margins: float):
    """One row of ``ncols`` styled axes with fixed margins (``subplots_adjust`` fractions):
    constrained layout would double the drawing time of the many widget frames."""
    fig, axes = new_figure(size, 1, ncols, layout="fixed", sharey=sharey)
    fig.subplots_adjust(**margins)
    return fig, list(np.atleast_1d(axes))


class ExplorerFigure(RunFigure):
    """Frames of the training explorer: the probability map of a run of :func:`lab.train_run`
    after some epoch, training and validation points on it, next to the training and
    validation loss up to that epoch (see :class:`nnkit.course.figures.RunFigure`)."""

    def __init__(self, max_epoch: int):
        super().__init__(max_epoch, held_out="validation")

    def map_title(self, run: Any, epoch: int) -> str:
        diverged = run.history.diverged and epoch > run.epochs_run
        accuracy = run.value_at("val_accuracy", epoch)
        state = "diverged" if diverged else f"validation acc {accuracy:.0%}"
        return f"{run.config['data']}, epoch {epoch}: {state}"

    def loss_title(self, run: Any, epoch: int) -> str:
        return run.config["net"].describe()


def race_frame(runs: Mapping[str, Any], epoch: int) -> Figure:
    """Probability maps of several runs (e.g. batch / mini-batch / stochastic) after ``epoch``,
    the training points on them.

    Each panel's title names the run, its updates so far and its training loss.
    """
    fig, axes = _panels((7.6, 2.8), len(runs), left=0.01, right=0.99, bottom=0.02, top=0.80,
                        wspace=0.06)
    for ax, (name, run) in zip(axes, runs.items(), strict=True):
        per_epoch = run.history.n_updates // max(1, len(run.history.epoch_loss))
        loss = run.value_at("train_loss", epoch)
        X_train, y_train, _, _ = run.data
        probability_map(run.grid, run.snapshot_at(epoch), ax, X=X_train, y=y_train,
                        title=f"{name}: epoch {epoch}\n{epoch * per_epoch} updates, "
                              f"loss {loss:.2f}")
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
        (9.0, 3.1), 3, sharey=True, left=0.06, right=0.98, bottom=0.16, top=0.88, wspace=0.12
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
