"""Figures for chapter 2: gradient-descent paths, stability of a step size, learning-rate sweeps.

The plots draw into an ``ax`` you pass, or into a new styled figure, and return the axes.
:class:`DescentAnimator` makes the frames of the descent experiment: paths come from
:func:`lab.gradient_descent`, and ``step`` selects how much of a path is drawn, so a
play button can reveal it one update at a time with fixed axes that do not jump.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
)

from nnkit.course.ch2_learning_rate.lab import DescentPath, Objective, RangeTestResult, SweepResult
from nnkit.course.figures import loss_curves
from nnkit.course.grid import Grid
from nnkit.course.style import (
    BOUNDARY_COLOR,
    FIGSIZES,
    FONT_SIZE,
    FRAME_DPI,
    PIXEL_RATIO,
    WRONG_COLOR,
    axes_or_new,
    curve_color,
    show,
    style_axes,
)
from nnkit.course.text import control_title
from nnkit.course.widgets import Experiment, Play, Slider
from nnkit.validation import check_int

__all__ = ["DescentAnimator", "stability", "sweep", "range_test", "time_to_target",
    # Shared apparatus the chapter uses, re-exported so its notebook imports one line.
    "show", "Experiment", "Play", "Slider", "loss_curves",
]

PATH_COLOR = curve_color(0)
CURRENT_COLOR = curve_color(3)
GOOD_COLOR = curve_color(2)


def _check_path(objective: Objective, path: DescentPath, dim: int) -> None:
    if not isinstance(objective, Objective):
        raise TypeError(f"objective: expected a lab.Objective, got "
                        f"{type(objective).__name__}")
    if objective.dim != dim:
        raise ValueError(f"objective: this plot needs a {dim}-D loss, got dim={objective.dim}")
    if not isinstance(path, DescentPath):
        raise TypeError(f"path: expected a lab.DescentPath, got {type(path).__name__}")
    if path.weights.shape[1] != dim:
        raise ValueError(f"path: expected {dim}-D weights, got shape {path.weights.shape}")


def _visible(path: DescentPath, step: int | None) -> int:
    """Index of the last stored point to draw when showing the path up to ``step``."""
    if step is None:
        return path.steps_taken
    return min(check_int(step, "step", low=0), path.steps_taken)


def _edge_arrow(ax: Axes, start, end, xlim, ylim):
    """An arrow from ``start`` towards ``end``, cut at the frame: the next point left the view."""
    (x0, x1), (y0, y1) = xlim, ylim
    start, end = np.asarray(start, float), np.asarray(end, float)
    d = end - start
    # Largest fraction s of the segment that stays inside the box.
    s = 1.0
    for k, (lo, hi) in enumerate([(x0, x1), (y0, y1)]):
        if d[k] > 0 and end[k] > hi:
            s = min(s, (hi - start[k]) / d[k])
        elif d[k] < 0 and end[k] < lo:
            s = min(s, (lo - start[k]) / d[k])
    tip = start + max(s, 0.0) * d
    return ax.annotate("", xy=tip, xytext=start, zorder=5,
                       arrowprops=dict(arrowstyle="-|>", color=WRONG_COLOR, linewidth=1.4))


def _auto_ylim_1d(objective: Objective, xlim) -> tuple[float, float]:
    curve = objective.values(np.linspace(xlim[0], xlim[1], 300))
    top = float(curve.max())
    return (float(curve.min()) - 0.05 * top, 1.1 * top)


# Each panel below is split into a static part (the loss landscape, axes, labels), drawn
# once, and a dynamic part (the path up to a step), returned as a list of artists:
# DescentAnimator draws the static part once and then only the dynamic artists for each
# frame, which is several times faster for a widget's frames.

def _landscape_1d(ax: Axes, objective: Objective, xlim, ylim) -> None:
    grid = np.linspace(xlim[0], xlim[1], 300)
    ax.plot(grid, objective.values(grid), color=BOUNDARY_COLOR, linewidth=1.5, zorder=1)
    if objective.minimizer is not None:
        ax.axvline(objective.minimizer[0], color="#999999", linewidth=0.8, linestyle=":",
                   zorder=0)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("weight $w$")
    ax.set_ylabel("loss $J(w)$")


def _path_artists_1d(ax: Axes, path: DescentPath, last: int, xlim, ylim) -> list:
    w = path.weights[: last + 1, 0]
    L = path.losses[: last + 1]
    inside = (w >= xlim[0]) & (w <= xlim[1]) & (L <= ylim[1])
    artists = []
    for t in range(last):
        if inside[t] and inside[t + 1]:
            artists += ax.plot(w[t:t + 2], L[t:t + 2], color=PATH_COLOR, linewidth=1.0,
                               alpha=0.8, zorder=2)
        elif inside[t]:
            artists.append(_edge_arrow(ax, (w[t], L[t]), (w[t + 1], L[t + 1]), xlim, ylim))
    artists.append(ax.scatter(w[inside], L[inside], s=18, color=PATH_COLOR, zorder=3))
    if inside[-1]:
        artists.append(ax.scatter([w[-1]], [L[-1]], s=70, color=CURRENT_COLOR,
                                  edgecolors="white", zorder=4))
    return artists


def _landscape_2d(ax: Axes, objective: Objective, xlim, ylim, n_levels: int) -> None:
    grid = Grid.over(xlim, ylim, 120)
    Z = grid.evaluate(objective.values)
    low = max(float(Z.min()), 1e-3 * float(Z.max()))
    levels = np.geomspace(max(low, 1e-3), float(Z.max()), n_levels)
    ax.contour(*grid.mesh, Z, levels=levels, colors="#9a9a9a", linewidths=0.7, zorder=0)
    if objective.minimizer is not None:
        ax.scatter(*objective.minimizer, marker="*", s=120, color=GOOD_COLOR, zorder=3)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")


def _path_artists_2d(ax: Axes, path: DescentPath, last: int, xlim, ylim) -> list:
    W = path.weights[: last + 1]
    inside = ((W[:, 0] >= xlim[0]) & (W[:, 0] <= xlim[1]) & (W[:, 1] >= ylim[0])
              & (W[:, 1] <= ylim[1]))
    artists = []
    for t in range(last):
        if inside[t] and inside[t + 1]:
            artists += ax.plot(W[t:t + 2, 0], W[t:t + 2, 1], color=PATH_COLOR, linewidth=1.1,
                               zorder=2)
        elif inside[t]:
            artists.append(_edge_arrow(ax, W[t], W[t + 1], xlim, ylim))
    artists.append(ax.scatter(W[inside, 0], W[inside, 1], s=14, color=PATH_COLOR, zorder=3))
    if inside[-1]:
        artists.append(ax.scatter(*W[-1], s=60, color=CURRENT_COLOR, edgecolors="white",
                                  zorder=4))
    return artists


def _loss_axis(ax: Axes, steps: int, ylim) -> None:
    ax.set_yscale("log")
    ax.set_ylim(*ylim)
    _decade_ticks(ax, ylim)
    ax.set_xlim(-0.5, max(steps, 1) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_xlabel("step $t$")
    ax.set_ylabel("loss $J(w_t)$")


def _loss_artists(ax: Axes, path: DescentPath, step: int | None, ylim) -> list:
    last = _visible(path, step)
    L = np.clip(path.losses[: last + 1], ylim[0], ylim[1])
    artists = ax.plot(np.arange(last + 1), L, color=PATH_COLOR, marker="o", markersize=3,
                      linewidth=1.2)
    shown_step = path.requested_steps if step is None else int(step)
    if path.diverged and shown_step >= path.diverged_step:
        artists += ax.plot(path.diverged_step, ylim[1], marker="X", markersize=10,
                           color=WRONG_COLOR, markeredgecolor="white", clip_on=False, zorder=4)
        artists.append(ax.text(path.diverged_step, ylim[1] / 30,
                               f"diverged at\nstep {path.diverged_step}", color=WRONG_COLOR,
                               fontsize=FONT_SIZE - 1, ha="right", va="top"))
    return artists


def _title(ax: Axes, text: str):
    """A title as a plain text artist (so a frame can draw it on top of a cached background)."""
    return ax.text(0.5, 1.03, text, transform=ax.transAxes, ha="center", va="bottom",
                   fontsize=FONT_SIZE + 1)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _decade_ticks(ax: Axes, ylim: tuple[float, float]) -> None:
    """Label a log axis at every third power of ten with plain-text 10ⁿ labels.

    Plain unicode superscripts render several times faster than matplotlib's mathtext, which
    matters when a widget draws a hundred frames.
    """
    lo, hi = int(np.floor(np.log10(ylim[0]))), int(np.ceil(np.log10(ylim[1])))
    stride = max(1, (hi - lo) // 4)
    powers = list(range(lo, hi + 1, stride))
    ax.yaxis.set_major_locator(FixedLocator([10.0**k for k in powers]))
    ax.yaxis.set_major_formatter(FixedFormatter(
        ["1" if k == 0 else "10" + str(k).translate(_SUPERSCRIPT) for k in powers]))
    ax.yaxis.set_minor_locator(NullLocator())


def _short_status(path: DescentPath, step: int) -> str:
    """"loss 0.0123 after 5 steps" or "diverged at step 9": fits above a half-width panel."""
    if path.diverged and step >= path.diverged_step:
        return f"diverged at step {path.diverged_step}"
    return f"loss {path.losses[min(step, path.steps_taken)]:.3g} after {step} steps"


def _frame_figure() -> tuple[Figure, Axes, Axes]:
    # A fixed layout instead of the constrained one: every frame has the same geometry, and
    # skipping the layout solver halves the time to draw one.
    fig = Figure(figsize=FIGSIZES["wide"], dpi=FRAME_DPI * PIXEL_RATIO)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, gridspec_kw=dict(left=0.08, right=0.985, bottom=0.16,
                                                      top=0.9, wspace=0.28))
    style_axes(left)
    style_axes(right)
    return fig, left, right


class DescentAnimator:
    """Frames of gradient descent on one loss: path on the landscape (left), loss by step (right).

    The landscape, axes and labels are drawn once; :meth:`frame` then draws only the path up
    to a step on top of that cached background and returns the result as a figure holding
    one image of exactly the frame's pixels (``FIGSIZES["wide"]`` at ``FRAME_DPI`` times
    ``PIXEL_RATIO``), ready
    for :func:`nnkit.course.widgets.frame_png`.

    Parameters
    ----------
    objective : Objective
        A 1-D or 2-D loss.
    steps : int
        Length of the runs shown (fixes the step axis).
    xlim : (float, float)
        w range (1-D) or w_1 range (2-D).
    ylim : (float, float), optional
        Loss range of the curve (1-D, default: fitted to the curve) or w_2 range (2-D,
        default: ``xlim``).
    loss_ylim : (float, float)
        Range of the log-scale loss panel.
    """

    def __init__(self, objective: Objective, steps: int, xlim=(-3.0, 3.0), ylim=None,
                 loss_ylim=(1e-6, 1e6)):
        if not isinstance(objective, Objective) or objective.dim not in (1, 2):
            raise TypeError("objective: expected a 1-D or 2-D lab.Objective")
        steps = check_int(steps, "steps", low=0)
        self.objective = objective
        self.steps = steps
        self.xlim = tuple(map(float, xlim))
        if objective.dim == 1:
            self.ylim = tuple(map(float, ylim)) if ylim else _auto_ylim_1d(objective, xlim)
        else:
            self.ylim = tuple(map(float, ylim or xlim))
        self.loss_ylim = loss_ylim
        self.fig, self.left, self.right = _frame_figure()
        if objective.dim == 1:
            _landscape_1d(self.left, objective, self.xlim, self.ylim)
        else:
            _landscape_2d(self.left, objective, self.xlim, self.ylim, 12)
        _loss_axis(self.right, steps, loss_ylim)
        self.fig.canvas.draw()
        self._background = self.fig.canvas.copy_from_bbox(self.fig.bbox)

    def artists(self, path: DescentPath, step: int) -> list:
        """Add the dynamic artists for ``path`` up to ``step`` to the axes and return them."""
        _check_path(self.objective, path, self.objective.dim)
        last = _visible(path, step)
        draw = _path_artists_1d if self.objective.dim == 1 else _path_artists_2d
        return (draw(self.left, path, last, self.xlim, self.ylim)
                + _loss_artists(self.right, path, step, self.loss_ylim)
                + [_title(self.left, control_title(None, {"η": path.lr, "step": step})),
                   _title(self.right, _short_status(path, step))])

    def frame(self, path: DescentPath, step: int) -> Figure:
        """The frame for ``path`` up to ``step``, as a figure containing one image."""
        canvas = self.fig.canvas
        canvas.restore_region(self._background)
        artists = self.artists(path, step)
        for artist in artists:
            artist.axes.draw_artist(artist)
        pixels = np.asarray(canvas.buffer_rgba()).copy()
        for artist in artists:
            artist.remove()
        return _image_figure(pixels)


def _image_figure(pixels: np.ndarray) -> Figure:
    """A figure whose only content is ``pixels`` (h, w, 4): one pixel per dot when saved by
    :func:`nnkit.course.style.to_png` at FRAME_DPI (FRAME_DPI * PIXEL_RATIO dots per inch)."""
    h, w = pixels.shape[:2]
    dpi = FRAME_DPI * PIXEL_RATIO
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.figimage(pixels, xo=0, yo=0, origin="upper")
    return fig


def stability(curvatures, lrs=None, measured=None, ax: Axes | None = None,
              title: str | None = None) -> Axes:
    """The per-step contraction factor r(η) = max_i |1 - η λ_i| against η.

    Gradient descent on a quadratic with curvatures λ_i converges iff r < 1, that is
    η < 2/λ_max (dashed line); r is smallest at η = 2/(λ_min + λ_max) (dotted line).
    ``lrs`` and ``measured`` (same length) overlay factors measured from actual runs.
    """
    lam = np.sort(np.atleast_1d(np.asarray(curvatures, dtype=np.float64)))
    if lam.ndim != 1 or np.any(lam <= 0) or not np.all(np.isfinite(lam)):
        raise ValueError(f"curvatures: expected positive finite numbers, got {curvatures!r}")
    ax = axes_or_new(ax)
    edge = 2.0 / lam[-1]
    eta = np.linspace(0.0, 1.5 * edge, 400)
    rho = np.max(np.abs(1.0 - np.outer(eta, lam)), axis=1)
    ax.axhspan(0.0, 1.0, color=GOOD_COLOR, alpha=0.10, zorder=0)
    ax.axhspan(1.0, 2.0, color=WRONG_COLOR, alpha=0.07, zorder=0)
    ax.plot(eta, rho, color=BOUNDARY_COLOR, linewidth=1.6,
            label=r"theory $\max_i|1-\eta\lambda_i|$")
    ax.axvline(edge, color=WRONG_COLOR, linestyle="--", linewidth=1.1,
               label=rf"$2/\lambda_{{max}} = {edge:.3g}$")
    if lam.size > 1:
        best = 2.0 / (lam[0] + lam[-1])
        ax.axvline(best, color=GOOD_COLOR, linestyle=":", linewidth=1.3,
                   label=rf"$2/(\lambda_{{min}}+\lambda_{{max}}) = {best:.3g}$")
    if lrs is not None:
        lrs = np.asarray(lrs, dtype=np.float64)
        measured = np.asarray(measured, dtype=np.float64)
        if lrs.shape != measured.shape:
            raise ValueError(f"lrs, measured: expected the same shape, got {lrs.shape} and "
                             f"{measured.shape}")
        ax.scatter(lrs, np.minimum(measured, 2.0), s=22, color=PATH_COLOR, zorder=3,
                   label="measured from runs")
    ax.set_xlim(0.0, eta[-1])
    ax.set_ylim(0.0, 2.0)
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel("error factor per step")
    # Below the axes: inside, the legend would cover the vertical lines it explains.
    ax.legend(fontsize=FONT_SIZE - 1, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2,
              frameon=False)
    if title:
        ax.set_title(title)
    return ax


def _plain_log_axis(axis) -> None:
    """Ticks at 1, 2 and 5 times powers of ten, labelled as plain numbers (0.05, 0.1, 200)."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def time_to_target(lrs, epochs, target: float, budget: int, diverged=None,
                   ax: Axes | None = None, title: str | None = None) -> Axes:
    """Epochs needed to reach a target loss against η, on log-log axes.

    ``epochs[i]`` is the number of epochs the run with ``lrs[i]`` needed, or None if it did
    not get there within ``budget`` epochs; ``diverged[i]`` (optional) marks runs that blew
    up. Runs that never arrived are drawn at the top edge: grey circles for "too slow",
    red crosses for "diverged".
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    if lrs.ndim != 1 or len(epochs) != len(lrs):
        raise ValueError(f"lrs, epochs: expected two sequences of the same length, got "
                         f"{lrs.shape} and {len(epochs)}")
    diverged = np.zeros(len(lrs), bool) if diverged is None else np.asarray(diverged, bool)
    reached = np.array([e is not None for e in epochs])
    ax = axes_or_new(ax)
    ax.plot(lrs[reached], [e for e in epochs if e is not None], color=PATH_COLOR, marker="o",
            markersize=5, linewidth=1.4, label=f"epochs to loss ≤ {target:g}")
    slow = ~reached & ~diverged
    if slow.any():
        ax.scatter(lrs[slow], np.full(slow.sum(), budget), s=40, facecolors="none",
                   edgecolors="#777777", clip_on=False, zorder=4,
                   label=f"not within {budget} epochs")
    if diverged.any():
        ax.scatter(lrs[diverged], np.full(diverged.sum(), budget), marker="X", s=70,
                   color=WRONG_COLOR, edgecolors="white", clip_on=False, zorder=4,
                   label="diverged")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_axis(ax.xaxis)
    _plain_log_axis(ax.yaxis)
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel(f"epochs to reach loss {target:g}")
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.9)
    if title:
        ax.set_title(title)
    return ax


def sweep(result: SweepResult, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Final training loss against η (log-log) for a learning-rate sweep; diverged runs are red
    crosses along the top edge and the chosen η is ringed."""
    if not isinstance(result, SweepResult):
        raise TypeError(f"result: expected a lab.SweepResult, got "
                        f"{type(result).__name__}")
    ax = axes_or_new(ax)
    ok = ~result.diverged
    ax.plot(result.lrs[ok], result.final_losses[ok], color=PATH_COLOR, marker="o",
            markersize=4, linewidth=1.3, label="final loss")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if np.any(~ok):
        top = ax.get_ylim()[1]
        ax.scatter(result.lrs[~ok], np.full((~ok).sum(), top), marker="X", s=70,
                   color=WRONG_COLOR, edgecolors="white", clip_on=False, zorder=4,
                   label="diverged")
    if result.best_index is not None:
        i = result.best_index
        ax.scatter(result.lrs[i], result.final_losses[i], s=160, facecolors="none",
                   edgecolors=GOOD_COLOR, linewidths=2.0, zorder=5,
                   label=f"best η = {result.lrs[i]:.3g}")
    _plain_log_axis(ax.xaxis)
    _plain_log_axis(ax.yaxis)
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel("training loss after the run")
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.9)
    if title:
        ax.set_title(title)
    return ax


def range_test(result: RangeTestResult, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Loss against η for a learning-rate range test: raw batch losses (faint), the smoothed
    curve, its minimum and the suggested η (a tenth of it)."""
    if not isinstance(result, RangeTestResult):
        raise TypeError(f"result: expected a lab.RangeTestResult, got "
                        f"{type(result).__name__}")
    ax = axes_or_new(ax)
    ax.plot(result.lrs, result.losses, color=PATH_COLOR, alpha=0.3, linewidth=0.8,
            label="batch loss")
    ax.plot(result.lrs, result.smoothed, color=PATH_COLOR, linewidth=1.6, label="smoothed")
    ax.axvline(result.lr_at_min, color=WRONG_COLOR, linestyle="--", linewidth=1.1,
               label=f"lowest loss at η = {result.lr_at_min:.3g}")
    ax.axvline(result.suggested_lr, color=GOOD_COLOR, linestyle="-", linewidth=1.6,
               label=f"suggested η = {result.suggested_lr:.3g}")
    ax.set_xscale("log")
    top = 1.5 * float(result.smoothed[0])
    ax.set_ylim(0.0, top)
    ax.set_xlabel(r"learning rate $\eta$ (grows every update)")
    ax.set_ylabel("loss")
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.9)
    if title:
        ax.set_title(title)
    return ax
