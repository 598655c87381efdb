"""Figures of chapter 10: deep networks that train.

* :func:`layer_profile` -- one per-layer statistic (the spread of the activations, or the
  size of the gradient) against the layer number, one curve per probe, on a log scale;
* :func:`depth_frame` -- the live experiment's frames: a recorded run's per-layer
  statistics at the start and the end of training next to its loss curve;
* :func:`final_losses` -- the final loss of every run of the depth comparison, one column
  of dots per (depth, kind), with the verdict's two bounds.

The shared apparatus the chapter's notebook uses is re-exported here: the kernel-free
:class:`Experiment` and its controls, ``new_figure``, ``show`` and ``loss_curves``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnkit.course.figures import loss_curves
from nnkit.course.style import FONT_SIZE, axes_or_new, curve_color, new_figure, show
from nnkit.course.widgets import Choice, Experiment

__all__ = [
    "Choice",
    "Experiment",
    "depth_frame",
    "final_losses",
    "layer_profile",
    "loss_curves",
    "new_figure",
    "show",
]

#: What :func:`layer_profile` can draw: attribute of a DepthProbe -> axis label.
STATISTICS = {
    "activation_std": "std of a^[l]",
    "grad_norm": "‖∂J/∂a^[l]‖",
}

#: Where :func:`final_losses` draws a diverged run (``nan``): above every finite loss.
DIVERGED_AT = 10.0

#: The loss axis of the live experiment's frames (log scale).
LOSS_RANGE = (1e-4, 3.0)


def layer_profile(probes: Mapping, statistic: str = "grad_norm", ax: Axes | None = None,
                  title: str | None = None, dashed: Mapping | None = None) -> Axes:
    """Draw ``statistic`` of each probe (label -> DepthProbe) against the layer l = 1..L on
    a log scale; ``dashed`` probes (label -> DepthProbe) are drawn dashed in the colours of
    the solid ones, in the same order (e.g. the start of training under its end)."""
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {list(STATISTICS)}, got {statistic!r}")
    ax = axes_or_new(ax)
    for i, (label, probe) in enumerate(probes.items()):
        values = getattr(probe, statistic)
        ax.plot(np.arange(1, len(values) + 1), values, color=curve_color(i), linewidth=1.6,
                label=str(label))
    for i, (label, probe) in enumerate((dashed or {}).items()):
        values = getattr(probe, statistic)
        ax.plot(np.arange(1, len(values) + 1), values, color=curve_color(i), linewidth=1.2,
                linestyle="--", label=str(label))
    ax.set_yscale("log")
    ax.set_xlabel("layer l")
    ax.set_ylabel(STATISTICS[statistic])
    if title:
        ax.set_title(title)
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.85)
    return ax


def depth_frame(run) -> Figure:
    """A frame of the live experiment for one recorded run (``lab.DeepRun``): the gradient
    norm per layer at the start (dashed) and the end (solid) of training, and the loss."""
    fig, (left, right) = new_figure("frame", 1, 2)
    layer_profile({"grad, end": run.end}, "grad_norm", ax=left,
                  dashed={"grad, start": run.start}, title=f"{run.kind}, depth {run.depth}")
    loss_curves({run.kind: run.losses}, ax=right, logy=True, xlabel="update",
                ylim=LOSS_RANGE, title="training loss")
    return fig


def final_losses(losses: Mapping, bounds: tuple[float, float], ax: Axes | None = None,
                 title: str | None = None) -> Axes:
    """The final losses of several runs per cell, ``losses`` mapping (depth, kind) -> the
    runs' final losses: one column of dots per cell, grouped by depth, one colour per kind,
    on a log scale, with dotted lines at the two ``bounds`` of the verdict (trained below the
    first, failed above the second). A diverged run (``nan``) is drawn as a cross at
    :data:`DIVERGED_AT`."""
    ax = axes_or_new(ax)
    kinds = list(dict.fromkeys(kind for _, kind in losses))
    depths = list(dict.fromkeys(depth for depth, _ in losses))
    for (depth, kind), values in losses.items():
        x = depths.index(depth) * (len(kinds) + 1) + kinds.index(kind)
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        first = depth == depths[0]
        ax.plot(np.full(finite.sum(), x), values[finite], "o", color=curve_color(kinds.index(kind)),
                markersize=5, label=kind if first else None)
        if not finite.all():
            ax.plot(np.full((~finite).sum(), x), np.full((~finite).sum(), DIVERGED_AT), "x",
                    color=curve_color(kinds.index(kind)), markersize=6)
    for bound in bounds:
        ax.axhline(bound, color="0.4", linestyle=":", linewidth=1.0)
    ax.set_xticks([i * (len(kinds) + 1) + (len(kinds) - 1) / 2 for i in range(len(depths))])
    ax.set_xticklabels([f"depth {depth}" for depth in depths])
    ax.set_yscale("log")
    ax.set_ylabel("final loss J")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=FONT_SIZE - 2, framealpha=0.85)
    return ax
