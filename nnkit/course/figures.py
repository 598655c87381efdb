"""Figures several chapters share: points by class, a classifier's probability map, a
neuron's line, loss curves, the frames of a recorded run, and the monitors of a run
(:func:`monitors`: what :mod:`nnkit.monitors` recorded, in four panels).

Every helper draws into an ``ax`` you pass, or into a new styled figure, and returns the
axes, so helpers can be layered (data over a probability map, a line over the data)::

    fig, ax = style.new_figure("frame")
    grid = Grid.around(X, size=60)
    probability_map(grid, grid.evaluate(p_class1), ax, X=X, y=y)
    style.show(fig)

Shared style (colours, sizes) lives in :mod:`nnkit.course.style`; the figures of one
chapter live in that chapter's ``figures.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure

from nnkit.course.grid import Grid
from nnkit.course.style import (
    BOUNDARY_COLOR,
    CLASS_MARKERS,
    FONT_SIZE,
    WRONG_COLOR,
    axes_or_new,
    class_color,
    curve_color,
    new_figure,
    region_color,
)
from nnkit.validation import check_int

__all__ = ["RunFigure", "loss_curves", "monitors", "neuron_line", "probability_map",
           "scatter_classes"]

#: The update-to-weight ratio a healthy run sits near (nnkit.monitors.UPDATE_RATIO_RULE).
_RULE = 1e-3
# Layers coloured by depth: a colormap with light enough ends for both themes' backgrounds.
_DEPTH = LinearSegmentedColormap.from_list("depth", ["#0072B2", "#009E73", "#E69F00"])


def _points_2d(X: Any, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"{name}: expected 2-D points of shape (n, 2), got shape {X.shape}")
    return X


def _labels(y: Any, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n,):
        raise ValueError(f"y: expected {n} integer labels of shape ({n},), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ValueError("y: expected integer class labels, got non-integer values")
    return y.astype(int)


def _class_points(ax: Axes, X: np.ndarray, y: np.ndarray, size: float, hollow: bool = False,
                  class_names: Sequence[str] | None = None) -> None:
    """Scatter points ``X`` (n, 2) in the colour and marker of their class ``y`` (n,):
    filled with a white edge, or ``hollow`` (open markers, for data held out)."""
    for k in np.unique(y):
        pts = X[y == k]
        name = class_names[k] if class_names is not None and k < len(class_names) else f"class {k}"
        look = ({"facecolors": "none", "edgecolors": class_color(k), "linewidths": 0.9}
                if hollow else {"c": class_color(k), "edgecolors": "white", "linewidths": 0.6})
        ax.scatter(pts[:, 0], pts[:, 1], s=size, marker=CLASS_MARKERS[k % len(CLASS_MARKERS)],
                   label=name, zorder=3, **look)


def _ring_wrong(ax: Axes, X: np.ndarray, wrong: Any, size: float) -> None:
    """A red ring around every point of ``X`` where the boolean mask ``wrong`` (n,) holds."""
    wrong = np.asarray(wrong, dtype=bool)
    if wrong.shape != (len(X),):
        raise ValueError(f"wrong: expected a boolean mask of shape ({len(X)},), got {wrong.shape}")
    if wrong.any():
        # Under the points and not much larger than them: when most points are wrong (an
        # untrained model), the rings must not bury the points.
        ax.scatter(X[wrong, 0], X[wrong, 1], s=size * 3.0, facecolors="none",
                   edgecolors=WRONG_COLOR, linewidths=1.1, label="wrong", zorder=2.5)


def scatter_classes(
    X: Any,
    y: Any,
    ax: Axes | None = None,
    class_names: Sequence[str] | None = None,
    wrong: Any = None,
    title: str | None = None,
    size: float = 40.0,
    legend: bool = True,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
) -> Axes:
    """Scatter 2-D points ``X`` (n, 2) coloured and shaped by integer label ``y`` (n,).

    ``wrong`` is an optional boolean mask (n,) of misclassified points; they get a red
    ring so a reader sees at a glance which points a model gets wrong.
    """
    X = _points_2d(X)
    y = _labels(y, len(X))
    ax = axes_or_new(ax)
    _class_points(ax, X, y, size, class_names=class_names)
    if wrong is not None:
        _ring_wrong(ax, X, wrong, size)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize=FONT_SIZE - 2, loc="best", framealpha=0.85)
    return ax


# Graded shading in steps of 0.1: smooth enough to show confidence, coarse enough that
# frames compress into small PNGs.
_PROBABILITY_LEVELS = np.linspace(0.0, 1.0, 11)


def _probability_colormap() -> LinearSegmentedColormap:
    """Class 0's colour at P = 0, fading through transparent white (P = 0.5) to class 1's."""
    return LinearSegmentedColormap.from_list(
        "nnkit_probability",
        [to_rgba(class_color(0), 0.55), (1, 1, 1, 0.0), to_rgba(class_color(1), 0.55)])


def probability_map(
    grid: Grid,
    prob: Any,
    ax: Axes | None = None,
    *,
    graded: bool = True,
    X: Any = None,
    y: Any = None,
    X_held_out: Any = None,
    y_held_out: Any = None,
    wrong: Any = None,
    point_size: float = 14.0,
    legend: bool = False,
    title: str | None = None,
) -> Axes:
    """A two-class classifier over the plane: P(class 1) shaded, the decision boundary
    P = 0.5 drawn, the data on top.

    ``prob`` (ny, nx) is P(class 1) at the points of ``grid`` (``grid.evaluate`` gives it;
    nan, from a diverged network, shows as undecided). ``graded`` shades the probability
    in steps of 0.1, class 0's colour fading through white (P = 0.5) into class 1's, so
    confidence shows; otherwise each point takes the pale colour of the class it is
    assigned to (an image: about twice as fast to draw). ``X``, ``y`` are drawn filled
    (the data trained on), ``X_held_out``, ``y_held_out`` as open markers, so a reader sees
    where the boundary generalises and where it only fits; ``wrong`` (a mask over ``X``)
    rings misclassified points. The axes carry no ticks: the two inputs of a toy problem
    have no units to read off.
    """
    if not isinstance(grid, Grid):
        raise TypeError(f"grid: expected a Grid, got {type(grid).__name__}")
    prob = np.asarray(prob, dtype=np.float64)
    if prob.shape != grid.shape:
        raise ValueError(f"prob: expected the grid's shape {grid.shape}, got {prob.shape}")
    prob = np.where(np.isfinite(prob), prob, 0.5)
    ax = axes_or_new(ax)
    (x0, x1), (y0, y1) = grid.xlim, grid.ylim
    if graded:
        ax.contourf(grid.xs, grid.ys, prob, levels=_PROBABILITY_LEVELS,
                    cmap=_probability_colormap(), zorder=0)
    else:
        colours = np.where((prob >= 0.5)[..., None], region_color(1), region_color(0))
        ax.imshow(colours, origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
                  interpolation="nearest", zorder=0)
    if prob.min() < 0.5 < prob.max():
        ax.contour(grid.xs, grid.ys, prob, levels=[0.5], colors=BOUNDARY_COLOR,
                   linewidths=1.3, zorder=1)
    for points, labels, hollow in ((X, y, False), (X_held_out, y_held_out, True)):
        if points is not None:
            points = _points_2d(points)
            _class_points(ax, points, _labels(labels, len(points)), point_size, hollow=hollow)
    if wrong is not None:
        if X is None:
            raise ValueError("wrong: a mask over the points X, but X was not given")
        _ring_wrong(ax, _points_2d(X), wrong, point_size)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if legend:
        ax.legend(fontsize=FONT_SIZE - 2, loc="best", framealpha=0.85)
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)
    return ax


def neuron_line(
    w: Any,
    b: float,
    ax: Axes | None = None,
    xlim: tuple[float, float] = (-0.5, 1.5),
    ylim: tuple[float, float] = (-0.5, 1.5),
    shade: bool = True,
    show_normal: bool = True,
    label: str | None = "$w_1x_1 + w_2x_2 + b = 0$",
    title: str | None = None,
) -> Axes:
    """Draw the decision line ``w1*x1 + w2*x2 + b = 0`` of a two-input neuron.

    With ``shade`` the half-plane where ``z = w·x + b >= 0`` (the neuron outputs 1) is tinted
    in class 1's colour and the rest in class 0's. ``show_normal`` draws the weight vector
    ``w`` as an arrow from the line: it points towards the side that fires. If ``w = 0``
    there is no line; the whole plane is one class, decided by the sign of ``b``.
    """
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape != (2,):
        raise ValueError(f"w: expected two weights (w1, w2), got shape {w.shape}")
    b = float(b)
    if not (np.all(np.isfinite(w)) and np.isfinite(b)):
        raise ValueError(f"w, b: expected finite numbers, got w={w}, b={b}")
    ax = axes_or_new(ax)
    (x0, x1), (y0, y1) = tuple(map(float, xlim)), tuple(map(float, ylim))
    if shade:
        box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        # The firing side includes the line itself (z = 0 fires), the other side does not.
        for side, k, strict in ((1.0, 1, False), (-1.0, 0, True)):
            part = _clip_half_plane(box, side * w, side * b, strict=strict)
            if len(part) >= 3:
                ax.fill(part[:, 0], part[:, 1], color=region_color(k), linewidth=0, zorder=0)
    norm = float(np.hypot(*w))
    if norm > 0:
        # Parametrise the line as p0 + t*d with p0 the point closest to the origin.
        p0 = -b * w / norm**2
        d = np.array([-w[1], w[0]]) / norm
        span = 4 * (abs(x1 - x0) + abs(y1 - y0) + float(np.hypot(*p0)))
        ends = np.array([p0 - span * d, p0 + span * d])
        ax.plot(ends[:, 0], ends[:, 1], color=BOUNDARY_COLOR, linewidth=1.8, label=label, zorder=2)
        if show_normal:
            centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
            # Foot of the arrow: the point of the line nearest the centre of the view.
            foot = p0 + float(np.dot(centre - p0, d)) * d
            tip = foot + 0.25 * (x1 - x0) * w / norm
            ax.annotate(
                "",
                xy=tip,
                xytext=foot,
                zorder=3,
                arrowprops=dict(arrowstyle="->", color=BOUNDARY_COLOR, linewidth=1.3),
            )
            ax.text(*tip, " $\\mathbf{w}$", fontsize=FONT_SIZE, va="center", zorder=3)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def _clip_half_plane(
    polygon: np.ndarray, w: np.ndarray, b: float, strict: bool = False
) -> np.ndarray:
    """The part of a convex ``polygon`` (k, 2) where ``w·p + b >= 0`` (``> 0`` if ``strict``),
    by one Sutherland-Hodgman pass; cheaper to draw than shading a grid."""
    z = polygon @ w + b
    inside = z > 0 if strict else z >= 0
    kept = []
    for i in range(len(polygon)):
        j = (i + 1) % len(polygon)
        p, q, zp, zq = polygon[i], polygon[j], z[i], z[j]
        if inside[i]:
            kept.append(p)
        if inside[i] != inside[j] and zp != zq:
            kept.append(p + (zp / (zp - zq)) * (q - p))
    return np.array(kept).reshape(-1, 2)


def _as_run(run: Any) -> tuple[np.ndarray, bool, int | None]:
    """Loss values, whether the run diverged, and the epoch where it did, for a run given
    as a sequence of losses or as an nnkit History (initial_loss, then train_loss when
    nk.EvaluateTrain recorded it, else epoch_loss)."""
    if hasattr(run, "epoch_loss"):
        losses = list(getattr(run, "train_loss", None) or run.epoch_loss)
        initial = getattr(run, "initial_loss", None)
        if initial is not None:
            losses = [initial] + losses
        values = np.asarray(losses, dtype=np.float64)
        diverged = bool(getattr(run, "diverged", False)) or not np.all(np.isfinite(values))
        return values, diverged, getattr(run, "diverged_epoch", None)
    values = np.asarray(run, dtype=np.float64).reshape(-1)
    bad = ~np.isfinite(values)
    return values, bool(bad.any()), (int(np.argmax(bad)) if bad.any() else None)


def loss_curves(
    runs: Mapping[str, Any] | Sequence[Any],
    ax: Axes | None = None,
    logy: bool = False,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
    start: int = 0,
) -> Axes:
    """Plot one or several loss curves, marking runs that diverged.

    ``runs`` maps a label to a run, or is a list of runs (labelled "run 1", ...). A run is a
    sequence of losses (point ``i`` is drawn at x = ``start + i``) or an nnkit History
    (its ``initial_loss`` at x = 0 followed by ``train_loss``, or ``epoch_loss`` without
    nk.EvaluateTrain). A run that diverged (a
    History with ``diverged`` set, or a sequence with nan/inf) ends in a cross of its own
    colour at its last finite value and "diverged" in the legend. On a linear axis the y-range is
    capped at 1.5 x the largest starting loss so a diverging run cannot flatten the others.
    """
    if isinstance(runs, Mapping):
        items = list(runs.items())
    elif isinstance(runs, Sequence) and not isinstance(runs, (str, bytes)):
        items = [(f"run {i + 1}", r) for i, r in enumerate(runs)]
    else:
        raise TypeError(
            f"runs: expected a dict label -> losses or a list of runs, got {type(runs).__name__}"
        )
    if not items:
        raise ValueError("runs: expected at least one run")
    ax = axes_or_new(ax)
    starts, lows, crosses = [], [], []
    for i, (name, run) in enumerate(items):
        values, diverged, _ = _as_run(run)
        x = start + np.arange(len(values))
        finite = np.isfinite(values)
        if logy:
            finite &= values > 0
        color = curve_color(i)
        label = f"{name} (diverged)" if diverged else str(name)
        ax.plot(x[finite], values[finite], color=color, linewidth=1.6, label=label)
        if finite.any():
            starts.append(values[finite][0])
            lows.append(values[finite].min())
            if diverged:
                last = np.flatnonzero(finite)[-1]
                crosses.append((x[last], values[last], color))
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    elif not logy and starts and max(starts) > 0:
        bottom = 0.0 if min(lows) >= 0 else min(lows) * 1.1
        ax.set_ylim(bottom, 1.5 * max(starts))
    top = ax.get_ylim()[1]
    for cx, cy, color in crosses:
        # A cross beyond the top of the axis is pinned to the top edge, still visible. It
        # takes the colour of the run that diverged (outlined in black): a red cross would
        # read as belonging to whichever curve is drawn in a red-like colour.
        ax.plot(
            cx,
            min(cy, top),
            marker="X",
            markersize=10,
            color=color,
            markeredgecolor=BOUNDARY_COLOR,
            markeredgewidth=0.9,
            zorder=4,
            clip_on=False,
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.85)
    return ax


class RunFigure:
    """Frames of a recorded run (:class:`nnkit.course.runs.Run`): its probability map after
    an epoch (left) and the training and held-out loss up to that epoch (right).

    One figure is built once and redrawn for every frame (a live experiment renders each
    frame before asking for the next), which halves the cost of many frames. The loss
    axes span epochs ``0..max_epoch`` in every frame, so the curves visibly *grow* as the
    play button advances instead of the axes rescaling under them. A run that diverged
    ends in a cross at the top of the loss axes.

    ``held_out`` names the held-out data in the legend ("test", "validation");
    ``graded`` is :func:`probability_map`'s; ``ylim`` fixes the loss range (and with
    ``logy`` a log scale), else it runs from 0 to 1.3 times the run's larger starting loss.
    A chapter's frames subclass this and word the titles: :meth:`map_title` and
    :meth:`loss_title`.
    """

    def __init__(self, max_epoch: int, held_out: str = "test", graded: bool = True,
                 logy: bool = False, ylim: tuple[float, float] | None = None,
                 legend_loc: str = "upper right"):
        self.max_epoch = check_int(max_epoch, "max_epoch", low=1)
        self.graded, self.ylim = graded, ylim
        self.fig, (self._map, self._loss) = new_figure((7.2, 3.0), 1, 2, layout="fixed",
                                                       width_ratios=[1, 1.25])
        self.fig.subplots_adjust(left=0.02, right=0.98, bottom=0.16, top=0.88, wspace=0.28)
        self._curves = [
            self._loss.plot([], [], color=curve_color(i), linewidth=1.6, label=f"{name} loss")[0]
            for i, name in enumerate(("training", held_out))
        ]
        # A dot on each curve's latest value, so that a run of one point (epoch 0) shows.
        self._heads = [self._loss.plot([], [], "o", color=curve_color(i), markersize=4)[0]
                       for i in range(2)]
        self._cross = self._loss.plot([], [], "X", markersize=9, color=WRONG_COLOR,
                                      clip_on=False)[0]
        if logy:
            self._loss.set_yscale("log")
        self._loss.set_xlim(0, self.max_epoch)
        self._loss.set_xlabel("epoch")
        self._loss.set_ylabel("cross-entropy")
        self._loss.legend(fontsize=FONT_SIZE - 1, loc=legend_loc, framealpha=0.85)
        self._loss_title = self._loss.set_title(" ", fontsize=FONT_SIZE)

    def map_title(self, run: Any, epoch: int) -> str:
        """The title over the map of ``run`` after ``epoch``."""
        return f"epoch {epoch}"

    def loss_title(self, run: Any, epoch: int) -> str:
        """The title over the loss curves of ``run`` up to ``epoch``."""
        return ""

    def frame(self, run: Any, epoch: int) -> Figure:
        """Show ``run`` after ``epoch``; return the (reused) figure."""
        epoch = check_int(epoch, "epoch", low=0, high=self.max_epoch)
        # Remove the previous frame's map rather than clearing the axes: clearing would
        # rebuild the axes from scratch, which costs more than drawing the frame.
        for artist in [*self._map.collections, *self._map.images]:
            artist.remove()
        X_train, y_train, X_val, y_val = run.data
        probability_map(run.grid, run.snapshot_at(epoch), self._map, graded=self.graded,
                        X=X_train, y=y_train, X_held_out=X_val, y_held_out=y_val,
                        title=self.map_title(run, epoch))
        low, high = self.ylim or (0.0, 1.3 * max(run.train_loss[0], run.val_loss[0]))
        shown = min(epoch, run.epochs_run)
        x = np.arange(shown + 1)
        for curve, head, values in zip(self._curves, self._heads,
                                       (run.train_loss, run.val_loss), strict=True):
            values = np.clip(values[: shown + 1], low, high)
            curve.set_data(x, values)
            head.set_data(x[-1:], values[-1:])
        diverged = run.history.diverged and epoch > run.epochs_run
        self._cross.set_data([x[-1]] if diverged else [], [high] if diverged else [])
        self._loss.set_ylim(low, high)
        self._loss_title.set_text(self.loss_title(run, epoch))
        return self.fig


def _layer_curves(ax: Axes, rows: Any, names: Sequence[str], start: int, logy: bool,
                  style: str = "-") -> None:
    """One curve per column of ``rows`` (epochs × layers), coloured by depth (from the
    input, dark, to the output, light); only the first and the last layer are labelled.
    On a log scale a value of exactly 0 cannot be drawn: it is marked by a triangle on the
    bottom edge, in the layer's colour, and the panel says "▼ = exactly 0"."""
    values = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    x = start + np.arange(len(values))
    n_layers = values.shape[1]
    bottom = ax.get_xaxis_transform()  # x in data units, y in axes units
    for k in range(n_layers):
        column = values[:, k]
        shown = np.isfinite(column) & ((column > 0) if logy else True)
        label = names[k] if k in (0, n_layers - 1) and k < len(names) else None
        colour = _DEPTH(k / max(n_layers - 1, 1))
        ax.plot(x[shown], column[shown], color=colour, linewidth=1.4, linestyle=style,
                label=label, marker="." if 0 < np.sum(shown) < 3 else None)
        if logy and np.any(column == 0):
            ax.plot(x[column == 0], np.full(int(np.sum(column == 0)), 0.02), "v",
                    color=colour, markersize=3.5, transform=bottom, clip_on=False)
    if logy:
        if np.any(values > 0):
            ax.set_yscale("log")
            if np.any(values == 0):
                ax.text(0.98, 0.06, "▼ = exactly 0", transform=ax.transAxes, ha="right",
                        fontsize=FONT_SIZE - 3)
        else:
            ax.text(0.5, 0.5, "all exactly 0", transform=ax.transAxes, ha="center")


def monitors(history: Any, axes: Sequence[Axes] | None = None, title: str | None = None,
             legend: bool = True) -> list[Axes]:
    """Four panels of what nnkit's monitors recorded in an nnkit History, against the epoch:

    1. the training (and validation) loss, from ``nk.EvaluateTrain`` (else the epoch loss);
    2. ‖∂J/∂W^[l]‖ of each weight layer (``nk.GradientNorms``), log scale;
    3. ‖W^[l]_new − W^[l]_old‖/‖W^[l]_old‖ of each weight layer (``nk.UpdateRatios``), log
       scale, with the rule of thumb 1e-3 as a dashed line;

    On the two log scales a value of exactly 0 is marked by a triangle on the bottom edge.
    4. per activation layer (``nk.ActivationStats``, from epoch 0), the fraction of dead units
       (solid) and of saturated outputs (dotted).

    A panel whose monitor did not run says so. ``axes`` are four axes to draw into (e.g.
    of ``new_figure("wide", 1, 4)``), or None for a new figure; returns the four axes.
    """
    if axes is None:
        _, axes = new_figure((10.0, 2.8), 1, 4)
    axes = list(np.ravel(axes))
    if len(axes) != 4 or not all(isinstance(ax, Axes) for ax in axes):
        raise TypeError("axes: expected four matplotlib Axes or None")
    if not hasattr(history, "grad_norms"):
        raise TypeError(f"history: expected an nnkit History, got {type(history).__name__}")
    loss_ax, grad_ax, ratio_ax, act_ax = axes
    curves = {"training": history.train_loss or history.epoch_loss}
    if history.val_loss:
        curves["validation"] = history.val_loss
    if any(len(c) for c in curves.values()):
        every = np.concatenate([np.asarray(c, dtype=np.float64) for c in curves.values()])
        every = every[np.isfinite(every)]
        wide = every.size and every.min() > 0 and every.max() > 10 * every.min()
        loss_curves(curves, loss_ax, start=1, logy=bool(wide))
        if history.diverged:
            loss_ax.set_title("diverged", fontsize=FONT_SIZE)
    names = list(history.weight_layers)
    for ax, rows, label in ((grad_ax, history.grad_norms, "‖∂J/∂W‖"),
                            (ratio_ax, history.update_ratios, "‖W_new − W_old‖ / ‖W_old‖")):
        if rows:
            _layer_curves(ax, rows, names, 1, logy=True)
        else:
            ax.text(0.5, 0.5, "not recorded", transform=ax.transAxes, ha="center")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
    if history.update_ratios:
        ratio_ax.axhline(_RULE, color=BOUNDARY_COLOR, linewidth=1.0, linestyle="--")
        ratio_ax.annotate("1e-3", (1, _RULE), xytext=(2, 3), textcoords="offset points",
                          fontsize=FONT_SIZE - 2)
    if history.activation_stats:
        layers = list(history.activation_stats[0])
        dead = [[entry[name].dead for name in layers] for entry in history.activation_stats]
        flat = [[entry[name].saturated for name in layers]
                for entry in history.activation_stats]
        _layer_curves(act_ax, dead, [f"{n} dead" for n in layers], 0, logy=False)
        _layer_curves(act_ax, flat, [f"{n} flat" for n in layers], 0, logy=False, style=":")
        act_ax.set_ylim(-0.03, 1.03)
    else:
        act_ax.text(0.5, 0.5, "not recorded", transform=act_ax.transAxes, ha="center")
    act_ax.set_xlabel("epoch")
    act_ax.set_ylabel("fraction of units")
    if legend:
        for ax in (grad_ax, act_ax):
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=FONT_SIZE - 3, framealpha=0.85)
    elif loss_ax.get_legend() is not None:
        loss_ax.get_legend().remove()
    if title:
        axes[0].figure.suptitle(title, fontsize=FONT_SIZE + 1)
    return axes
