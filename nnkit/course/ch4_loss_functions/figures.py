"""Figures for chapter 4: how a loss and its gradient respond as a prediction moves.

A live experiment renders dozens of frames that differ only in a marker or a few bar
heights, so the three frame builders here are small classes: the figure, axes, curves and
layout are made once, and ``frame(...)`` moves what changes and returns the same
:class:`~matplotlib.figure.Figure`. That keeps every frame on identical axes (nothing jumps
as a slider moves) and makes a frame several times cheaper to draw than a new figure.

* :class:`ResponseFigure` -- loss (left) and gradient (right) against a moving quantity;
* :class:`SoftmaxFigure` -- logits, softmax probabilities and cross-entropy gradient bars;
* :class:`PairingsFigure` -- several models side by side over training epochs;
* :func:`mismatch_frame` -- accuracy and gradient norms of two losses trained alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from nnkit.course.grid import Grid
from nnkit.course.style import (
    BOUNDARY_COLOR,
    FONT_SIZE,
    WRONG_COLOR,
    class_color,
    curve_color,
    new_figure,
)
from nnkit.course.widgets import Experiment, Play, Slider
from nnkit.validation import check_int

__all__ = ["ResponseFigure", "SoftmaxFigure", "PairingsFigure", "mismatch_frame",
    # Shared apparatus the chapter uses, re-exported so its notebook imports one line.
    "Experiment", "Play", "Slider",
]


def _vector(values, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or (n is not None and arr.shape != (n,)):
        want = f"({n},)" if n is not None else "(n,)"
        raise ValueError(f"{name}: expected a 1-D array of shape {want}, got shape {arr.shape}")
    return arr


def _freeze_layout(fig: Figure) -> None:
    """Run the constrained layout once, then keep the axes where they are.

    Later frames change only data and titles; re-solving the layout for each one would
    cost more than drawing it and could shift the axes by a pixel between frames.
    """
    fig.canvas.draw()
    fig.set_layout_engine("none")


class ResponseFigure:
    """Loss (left) and its gradient (right) as functions of a moving quantity ``x``.

    ``x`` (n,) is the grid of positions; ``curves`` maps a label to ``(loss, grad)``, two
    arrays (n,) with the loss and its derivative at each grid point. ``target`` (optional)
    is drawn as a dashed vertical line; the gradient panel has a zero line so the sign of
    the gradient (which way gradient descent pushes) is visible at a glance.
    :meth:`frame` marks every curve at the grid point nearest ``x_now``.
    """

    def __init__(self, x: Sequence[float], curves: Mapping[str, tuple], xlabel: str,
                 target: float | None = None, grad_label: str = "gradient",
                 loss_ylim: tuple[float, float] | None = None,
                 grad_ylim: tuple[float, float] | None = None):
        self.x = _vector(x, "x")
        if not curves:
            raise ValueError("curves: expected at least one (loss, grad) pair")
        self.fig, (ax_loss, ax_grad) = new_figure("wide", ncols=2)
        self._series = []
        for k, (label, pair) in enumerate(curves.items()):
            if len(pair) != 2:
                raise ValueError(f"curves[{label!r}]: expected a pair (loss, grad)")
            loss = _vector(pair[0], f"curves[{label!r}] loss", len(self.x))
            grad = _vector(pair[1], f"curves[{label!r}] grad", len(self.x))
            color = curve_color(k)
            ax_loss.plot(self.x, loss, color=color, linewidth=1.8, label=label)
            ax_grad.plot(self.x, grad, color=color, linewidth=1.8, label=label)
            dots = [ax.plot([], [], "o", color=color, markersize=7, markeredgecolor="white",
                            zorder=4)[0] for ax in (ax_loss, ax_grad)]
            self._series.append((loss, grad, dots))
        ax_grad.axhline(0.0, color=BOUNDARY_COLOR, linewidth=0.8)
        self._now_lines = []
        for ax in (ax_loss, ax_grad):
            if target is not None:
                ax.axvline(float(target), color=BOUNDARY_COLOR, linestyle="--", linewidth=1.0)
            self._now_lines.append(ax.axvline(self.x[0], color=WRONG_COLOR, linewidth=0.8,
                                              alpha=0.6))
            ax.set_xlabel(xlabel)
            ax.set_xlim(self.x[0], self.x[-1])
        if loss_ylim is not None:
            ax_loss.set_ylim(*loss_ylim)
        if grad_ylim is not None:
            ax_grad.set_ylim(*grad_ylim)
        ax_loss.set_ylabel("loss")
        ax_grad.set_ylabel(grad_label)
        ax_loss.legend(fontsize=FONT_SIZE - 1, loc="upper center", framealpha=0.85)
        self._title = self.fig.suptitle(" ", fontsize=FONT_SIZE + 1)
        _freeze_layout(self.fig)

    def frame(self, x_now: float, title: str = "") -> Figure:
        """Mark the curves at the grid point nearest ``x_now``; return the figure."""
        i = int(np.argmin(np.abs(self.x - float(x_now))))
        for loss, grad, (dot_loss, dot_grad) in self._series:
            dot_loss.set_data([self.x[i]], [loss[i]])
            dot_grad.set_data([self.x[i]], [grad[i]])
        for line in self._now_lines:
            line.set_xdata([self.x[i], self.x[i]])
        self._title.set_text(title)
        return self.fig


class SoftmaxFigure:
    """Three bar charts for one sample of a ``n_classes``-way softmax output.

    Left: the logits ``z``. Middle: the probabilities ``softmax(z)``, with the one-hot
    target as a dashed outline. Right: the gradient of the cross-entropy with respect to
    the logits, ``softmax(z) - y``; a negative bar means gradient descent raises that logit.
    """

    def __init__(self, n_classes: int, target: int,
                 logit_range: tuple[float, float] = (-4.5, 4.5)):
        n_classes = check_int(n_classes, "n_classes", low=2)
        target = check_int(target, "target", low=0, high=n_classes - 1)
        self.n_classes = n_classes
        self.target = int(target)
        classes = np.arange(n_classes)
        colors = [class_color(k) for k in classes]
        zeros = np.zeros(n_classes)
        self.fig, axes = new_figure("wide", ncols=3)
        ax_z, ax_p, ax_g = axes
        self._bars_z = ax_z.bar(classes, zeros, color=colors)
        ax_z.set_ylim(*logit_range)
        ax_z.set_title("logits $z$")
        self._bars_p = ax_p.bar(classes, zeros, color=colors)
        ax_p.bar(classes, np.eye(n_classes)[target], fill=False, edgecolor=BOUNDARY_COLOR,
                 linewidth=1.4, linestyle="--", label="target $y$")
        ax_p.set_ylim(0.0, 1.18)
        ax_p.set_title(r"$\hat y = \mathrm{softmax}(z)$")
        ax_p.legend(fontsize=FONT_SIZE - 2, loc="upper right", framealpha=0.85)
        self._bars_g = ax_g.bar(classes, zeros, color=colors)
        ax_g.set_ylim(-1.05, 1.05)
        ax_g.set_title(r"$\partial J/\partial z = \hat y - y$")
        for ax in axes:
            ax.axhline(0.0, color=BOUNDARY_COLOR, linewidth=0.8)
            ax.set_xticks(classes, [f"class {k}" for k in classes])
        self._title = self.fig.suptitle(" ", fontsize=FONT_SIZE + 1)
        _freeze_layout(self.fig)

    def frame(self, logits: Sequence[float], title: str = "") -> Figure:
        """Draw the bars for ``logits`` (n_classes,); return the figure."""
        z = _vector(logits, "logits", self.n_classes)
        shifted = z - z.max()
        probs = np.exp(shifted) / np.exp(shifted).sum()
        grad = probs - np.eye(self.n_classes)[self.target]
        for bars, heights in ((self._bars_z, z), (self._bars_p, probs), (self._bars_g, grad)):
            for rect, h in zip(bars, heights, strict=True):
                rect.set_height(float(h))
        self._title.set_text(title)
        return self.fig


class PairingsFigure:
    """Several trained models side by side, one column each, replayed epoch by epoch.

    ``panels`` is a list of dicts, one per column, with keys

    * ``title`` (str) and ``loss_name`` (str, the y-label of the loss curve);
    * ``kind``: "regression" (1-D inputs: data and the fitted curve) or "classification"
      (2-D inputs: data over the regions each class is predicted in);
    * ``X`` (n, 1) or (n, 2) and ``y`` (n,) or (n, 1);
    * ``losses`` (n_epochs + 1,): the training loss before training and after each epoch.

    :meth:`frame` takes one ``predict`` callable per column (the model as it was at that
    epoch, ``X -> outputs``: values, probabilities (m, 1) or class scores (m, C)) and draws
    the loss curves up to ``epoch`` on fixed axes.
    """

    def __init__(self, panels: Sequence[Mapping], n_epochs: int, resolution: int = 50):
        if not panels:
            raise ValueError("panels: expected at least one panel")
        self.n_epochs = int(n_epochs)
        self.fig, axes = new_figure((8.4, 4.6), nrows=2, ncols=len(panels))
        axes = np.asarray(axes).reshape(2, len(panels))
        self._columns = []
        for col, panel in enumerate(panels):
            kind = panel["kind"]
            X = np.asarray(panel["X"], dtype=np.float64)
            y = np.asarray(panel["y"]).reshape(-1)
            ax_top, ax_loss = axes[0, col], axes[1, col]
            if kind == "regression":
                grid = np.linspace(X[:, 0].min(), X[:, 0].max(), 120).reshape(-1, 1)
                ax_top.scatter(X[:, 0], y, s=9, color=class_color(0), alpha=0.6)
                artist = ax_top.plot(grid[:, 0], np.zeros(len(grid)), color=class_color(1),
                                     linewidth=2.0)[0]
                pad = 0.15 * (y.max() - y.min())
                ax_top.set_ylim(y.min() - pad, y.max() + pad)
                ax_top.set_xlabel("$x$")
                ax_top.set_ylabel("$y$")
            elif kind == "classification":
                labels = y.astype(int)
                n_classes = int(labels.max()) + 1
                plane = Grid.around(X, resolution, margin=0.12)
                (x0, x1), (y0, y1) = plane.xlim, plane.ylim
                grid = plane.points
                artist = ax_top.imshow(np.zeros(plane.shape), origin="lower",
                                       extent=(x0, x1, y0, y1), aspect="auto",
                                       interpolation="nearest", alpha=0.25, vmin=0,
                                       vmax=n_classes - 1,
                                       cmap=ListedColormap([class_color(k)
                                                            for k in range(n_classes)]))
                for k in range(n_classes):
                    pts = X[labels == k]
                    ax_top.scatter(pts[:, 0], pts[:, 1], s=9, color=class_color(k),
                                   edgecolors="white", linewidths=0.3)
                ax_top.set_xlabel("$x_1$")
                ax_top.set_ylabel("$x_2$")
            else:
                raise ValueError(f"panels[{col}]['kind']: expected 'regression' or "
                                 f"'classification', got {kind!r}")
            losses = _vector(panel["losses"], f"panels[{col}]['losses']", self.n_epochs + 1)
            epochs = np.arange(self.n_epochs + 1)
            ax_loss.plot(epochs, losses, color="#cccccc", linewidth=1.2)
            line = ax_loss.plot([], [], color=curve_color(col), linewidth=1.8)[0]
            dot = ax_loss.plot([], [], "o", color=curve_color(col), markersize=5)[0]
            ax_loss.set_xlim(0, self.n_epochs)
            ax_loss.set_ylim(0, 1.08 * float(np.max(losses)))
            ax_loss.set_xlabel("epoch")
            ax_loss.set_ylabel(panel.get("loss_name", "loss"))
            ax_top.set_title(panel["title"], fontsize=FONT_SIZE)
            self._columns.append(dict(kind=kind, grid=grid, artist=artist, losses=losses,
                                      line=line, dot=dot,
                                      loss_title=ax_loss.set_title(" ", fontsize=FONT_SIZE)))
        _freeze_layout(self.fig)

    def frame(self, epoch: int, predicts: Sequence[Callable[[np.ndarray], np.ndarray]],
              notes: Sequence[str]) -> Figure:
        """Draw each column's model (``predicts[i]``) at ``epoch``; ``notes[i]`` goes under
        its loss curve (e.g. "loss 0.123, accuracy 95%"). Returns the figure."""
        if not 0 <= epoch <= self.n_epochs:
            raise ValueError(f"epoch: expected 0 <= epoch <= {self.n_epochs}, got {epoch}")
        if len(predicts) != len(self._columns) or len(notes) != len(self._columns):
            raise ValueError(f"predicts, notes: expected {len(self._columns)} of each")
        for column, predict, note in zip(self._columns, predicts, notes, strict=True):
            out = np.asarray(predict(column["grid"]), dtype=np.float64)
            if column["kind"] == "regression":
                column["artist"].set_ydata(out.reshape(-1))
            else:
                if out.ndim == 2 and out.shape[1] > 1:
                    labels = out.argmax(axis=1)
                else:
                    labels = (out.reshape(-1) >= 0.5).astype(int)
                column["artist"].set_data(labels.reshape(column["artist"].get_array().shape))
            losses = column["losses"]
            column["line"].set_data(np.arange(epoch + 1), losses[: epoch + 1])
            column["dot"].set_data([epoch], [losses[epoch]])
            column["loss_title"].set_text(note)
        return self.fig


def mismatch_frame(runs: Mapping[str, Mapping[str, Sequence[float]]],
                   title: str | None = None) -> Figure:
    """Two losses trained on the same task from the same start, compared.

    ``runs`` maps a label (e.g. "sigmoid + BCE") to a dict with ``accuracy`` (entry 0 =
    before training, then after each epoch) and ``grad_norm`` (entry i = the weight-gradient
    norm averaged over epoch i+1). Left: training accuracy; right: gradient norm on a log
    axis, where a flat gradient shows as a curve orders of magnitude below the other.
    """
    if not runs:
        raise ValueError("runs: expected at least one run")
    fig, (ax_acc, ax_grad) = new_figure("wide", ncols=2)
    for k, (label, run) in enumerate(runs.items()):
        acc = _vector(run["accuracy"], f"runs[{label!r}]['accuracy']")
        grad = _vector(run["grad_norm"], f"runs[{label!r}]['grad_norm']")
        color = curve_color(k)
        ax_acc.plot(np.arange(len(acc)), acc, color=color, linewidth=1.8, label=label)
        # Floor at 1e-12 so an exactly-zero gradient still shows on the log axis.
        ax_grad.plot(np.arange(1, len(grad) + 1), np.maximum(grad, 1e-12), color=color,
                     linewidth=1.8, label=label)
    ax_acc.set_ylim(-0.02, 1.02)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("training accuracy")
    ax_acc.legend(fontsize=FONT_SIZE - 1, loc="lower right", framealpha=0.85)
    ax_grad.set_yscale("log")
    ax_grad.set_xlabel("epoch")
    ax_grad.set_ylabel(r"$\|\partial J/\partial W\|$")
    if title:
        fig.suptitle(title, fontsize=FONT_SIZE + 1)
    return fig
