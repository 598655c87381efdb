"""Figures several chapters share: points by class, decision regions, a neuron's line,
loss curves.

Every helper draws into an ``ax`` you pass, or into a new styled figure, and returns the
axes, so helpers can be layered (data over decision regions over a line)::

    fig, ax = style.new_figure("frame")
    decision_regions(model, X, ax=ax)
    scatter_classes(X, y, ax=ax)
    style.show(fig)

Shared style (colours, sizes) lives in :mod:`nnkit.course.style`; the figures of one
chapter live in that chapter's ``figures.py``, which re-exports what it uses from here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from nnkit.course.style import (
    BOUNDARY_COLOR,
    CLASS_MARKERS,
    FIGSIZES,
    FONT_SIZE,
    FRAME_DPI,
    WRONG_COLOR,
    axes_or_new,
    class_color,
    control_title,
    curve_color,
    format_number,
    new_figure,
    region_color,
    style_axes,
)
from nnkit.validation import check_int

__all__ = [
    "new_figure",
    "style_axes",
    "class_color",
    "curve_color",
    "control_title",
    "format_number",
    "scatter_classes",
    "decision_regions",
    "neuron_line",
    "loss_curves",
    "FIGSIZES",
    "FRAME_DPI",
]


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
    for k in np.unique(y):
        pts = X[y == k]
        name = class_names[k] if class_names is not None and k < len(class_names) else f"class {k}"
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=size,
            c=class_color(k),
            marker=CLASS_MARKERS[k % len(CLASS_MARKERS)],
            edgecolors="white",
            linewidths=0.6,
            label=name,
            zorder=3,
        )
    if wrong is not None:
        wrong = np.asarray(wrong, dtype=bool)
        if wrong.shape != (len(X),):
            raise ValueError(
                f"wrong: expected a boolean mask of shape ({len(X)},), got {wrong.shape}"
            )
        if wrong.any():
            # Under the points and not much larger than them: when most points are
            # wrong (an untrained model), the rings must not bury the points.
            ax.scatter(
                X[wrong, 0],
                X[wrong, 1],
                s=size * 3.0,
                facecolors="none",
                edgecolors=WRONG_COLOR,
                linewidths=1.1,
                label="wrong",
                zorder=2.5,
            )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize=FONT_SIZE - 2, loc="best", framealpha=0.85)
    return ax


def _limits(X: np.ndarray | None, xlim, ylim, margin: float = 0.25):
    if xlim is not None and ylim is not None:
        return tuple(map(float, xlim)), tuple(map(float, ylim))
    if X is None:
        raise ValueError("xlim, ylim: give both limits, or the points X to fit them around")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-9)
    xl = xlim if xlim is not None else (lo[0] - pad[0], hi[0] + pad[0])
    yl = ylim if ylim is not None else (lo[1] - pad[1], hi[1] + pad[1])
    return tuple(map(float, xl)), tuple(map(float, yl))


def _predict_fn(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    if hasattr(model, "forward") and callable(model.forward):
        return model.forward
    if callable(model):
        return model
    raise TypeError(
        "model: expected an object with forward(X) or a callable X -> scores, "
        f"got {type(model).__name__}"
    )


def decision_regions(
    model: Any,
    X: Any = None,
    y: Any = None,
    ax: Axes | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    resolution: int = 150,
    threshold: float = 0.5,
    title: str | None = None,
    boundary: bool = True,
) -> Axes:
    """Shade the plane by the class a model predicts, and draw the boundary between classes.

    ``model`` is anything with ``forward(X)`` (an nnkit layer or Sequential) or a callable
    ``X (m, 2) -> scores``. Scores of shape (m, C) with C > 1 are read by argmax; shape
    (m,) or (m, 1) by ``score >= threshold`` (0.5 suits probabilities and 0/1 step outputs;
    use 0 for raw pre-activations). The grid is ``resolution x resolution`` points over
    ``xlim x ylim`` (fitted around ``X`` with a margin when not given). If ``y`` is given
    the points are scattered on top, with wrong predictions ringed.
    """
    resolution = check_int(resolution, "resolution", low=2)
    Xp = _points_2d(X) if X is not None else None
    (x0, x1), (y0, y1) = _limits(Xp, xlim, ylim)
    ax = axes_or_new(ax)
    predict = _predict_fn(model)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])

    def classes(points: np.ndarray) -> np.ndarray:
        scores = np.asarray(predict(points), dtype=np.float64)
        if scores.ndim == 2 and scores.shape[1] > 1:
            return scores.argmax(axis=1)
        return (scores.reshape(len(points)) >= threshold).astype(int)

    labels = classes(grid).reshape(gx.shape)
    n_classes = int(max(labels.max(), 1 if y is None else np.max(y))) + 1
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(
        gx, gy, labels, levels=levels, colors=[region_color(k) for k in range(n_classes)], zorder=0
    )
    if boundary and labels.min() != labels.max():
        ax.contour(
            gx, gy, labels, levels=levels[1:-1], colors=BOUNDARY_COLOR, linewidths=1.2, zorder=1
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if y is not None:
        if Xp is None:
            raise ValueError("y: labels were given without the points X")
        wrong = classes(Xp) != _labels(y, len(Xp))
        scatter_classes(Xp, y, ax=ax, wrong=wrong)
    if title:
        ax.set_title(title)
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
