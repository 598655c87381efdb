"""Figures of chapter 9: optimisers.

* :func:`valley_paths` -- descent paths drawn over the level sets of a valley;
* :func:`distance_curves` -- the distance to the minimum against the update number (log);
* :func:`schedule_curves` -- learning-rate multipliers against the update number;
* :func:`valley_frame` -- a frame of the live experiment on the valley: the path and its loss;
* :func:`moons_frame` -- a frame of the live experiment on the network: its loss curve.

The shared apparatus the chapter's notebook uses is re-exported here: the kernel-free
:class:`Experiment` and its controls, ``new_figure``, ``show`` and ``loss_curves``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from nnkit.course.figures import loss_curves
from nnkit.course.grid import Grid
from nnkit.course.style import (
    BOUNDARY_COLOR,
    FONT_SIZE,
    axes_or_new,
    curve_color,
    new_figure,
    show,
)
from nnkit.course.widgets import Choice, Experiment, Slider

__all__ = [
    "Choice",
    "Experiment",
    "Slider",
    "distance_curves",
    "loss_curves",
    "moons_frame",
    "new_figure",
    "schedule_curves",
    "show",
    "valley_frame",
    "valley_paths",
]

XLIM, YLIM = (-1.25, 1.25), (-0.7, 0.7)


def valley_paths(valley: Any, paths: Mapping[str, Any], ax: Axes | None = None,
                 title: str | None = None, xlim=XLIM, ylim=YLIM) -> Axes:
    """Level sets of ``valley`` (a :class:`lab.Valley`) with each path of ``paths`` (label ->
    :class:`lab.Path`) drawn as dots joined by lines from its start; the minimum marked ×.
    Points outside the window are clipped (a diverging path leaves it)."""
    ax = axes_or_new(ax)
    grid = Grid.over(xlim, ylim, 121)
    X1, X2 = grid.mesh
    J = valley.values(np.stack([X1, X2], axis=-1))
    top = valley.values(valley.start)
    ax.contour(X1, X2, J, levels=top * np.array([0.01, 0.05, 0.2, 0.5, 1.0, 2.0]),
               colors="#bbbbbb", linewidths=0.8)
    for i, (label, path) in enumerate(paths.items()):
        pts = path.points
        ax.plot(pts[:, 0], pts[:, 1], "-o", color=curve_color(i), markersize=2.2,
                linewidth=1.0, label=label)
    ax.plot(0, 0, "x", color=BOUNDARY_COLOR, markersize=7)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    if len(paths) > 1:
        ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.85, loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def distance_curves(paths: Mapping[str, Any], ax: Axes | None = None,
                    title: str | None = None) -> Axes:
    """‖θ_t - θ*‖ of each path against t, on a log scale."""
    ax = axes_or_new(ax)
    for i, (label, path) in enumerate(paths.items()):
        d = path.distances
        keep = d > 0
        ax.plot(np.arange(len(d))[keep], d[keep], color=curve_color(i), linewidth=1.6,
                label=label)
    ax.set_yscale("log")
    ax.set_xlabel("update t")
    ax.set_ylabel("distance to the minimum")
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.85)
    if title:
        ax.set_title(title)
    return ax


def schedule_curves(schedules: Mapping[str, Any], steps: int, ax: Axes | None = None,
                    title: str | None = None) -> Axes:
    """The multiplier f(t) of each schedule (label -> function of t) for t = 0 … steps - 1."""
    ax = axes_or_new(ax)
    t = np.arange(steps)
    for i, (label, schedule) in enumerate(schedules.items()):
        ax.plot(t, [schedule(int(k)) for k in t], color=curve_color(i), linewidth=1.6,
                label=label)
    ax.set_xlabel("update t")
    ax.set_ylabel("multiplier of η")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.85)
    if title:
        ax.set_title(title)
    return ax


def valley_frame(valley: Any, path: Any, title: str):
    """A frame of the valley experiment: the path over the level sets (left) and its loss
    against the update number, log scale (right)."""
    fig, (ax_path, ax_loss) = new_figure("frame", 1, 2, layout="constrained",
                                         width_ratios=[1.4, 1])
    valley_paths(valley, {"": path}, ax=ax_path)
    ax_path.set_aspect("auto")  # a frame is too small for equal scales: use its height
    fig.suptitle(title, fontsize=FONT_SIZE + 1)
    losses = path.losses
    keep = np.isfinite(losses) & (losses > 0)
    ax_loss.plot(np.arange(len(losses))[keep], losses[keep], color=curve_color(0),
                 linewidth=1.4)
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(1e-8, 10.0)
    ax_loss.set_xlabel("update t")
    ax_loss.set_ylabel("loss")
    if path.diverged:
        ax_loss.set_title("diverged", fontsize=FONT_SIZE)
    return fig


def moons_frame(run: Any, title: str):
    """A frame of the network experiment: the full-batch loss after every update."""
    fig, ax = new_figure("frame")
    loss_curves({run.optimiser: run.losses}, ax=ax, logy=True, xlabel="update",
                ylabel="cross-entropy", title=title, ylim=(0.005, 2.0))
    return fig
