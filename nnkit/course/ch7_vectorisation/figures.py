"""Figures for chapter 7, vectorisation and efficiency.

Every figure here is drawn from timings taken when the chapter runs, so it differs from
run to run and machine to machine; the chapter prints only verdicts that hold everywhere.

* :func:`time_per_sample` -- seconds per example of several implementations (log scale);
* :func:`repeat_spread` -- every repeat of a timing, with its median and quartiles;
* :func:`epoch_time_frame` -- one frame of the live experiment: time per epoch against
  batch size, one curve per layer width, the chosen point marked;
* :func:`throughput` -- achieved GFLOP/s against batch size, under the matmul peak;
* :func:`roofline_plot` -- the roofline model with measured points;
* :func:`profile_bars` -- the share of a run's time spent in each of its parts (cProfile).

The chapter's live experiment uses the shared :class:`Experiment` (re-exported here with
its controls, and the shared ``new_figure`` and ``show``), so the notebook needs no second
import line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from nnkit.course.style import axes_or_new, curve_color, new_figure, show
from nnkit.course.widgets import Choice, Experiment, Slider

from .lab import Profile, Timing, roofline

__all__ = [
    "Choice",
    "Experiment",
    "Slider",
    "epoch_time_frame",
    "new_figure",
    "profile_bars",
    "repeat_spread",
    "roofline_plot",
    "seconds",
    "show",
    "throughput",
    "time_per_sample",
]

_PREFIXES = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


def seconds(t: float) -> str:
    """A duration with a readable unit and two significant digits: ``1.3 ms``, ``52 µs``."""
    if not np.isfinite(t) or t < 0:
        raise ValueError(f"t: expected a non-negative number of seconds, got {t!r}")
    for scale, unit in _PREFIXES:
        if t >= scale or unit == "ns":
            break
    value = t / scale
    return f"{value:.0f} {unit}" if value >= 10 else f"{value:.2g} {unit}"


def _log_axis(ax: Axes, which: str, label=None, base: float = 10) -> None:
    """Log scale with plain-text tick labels (``label(value) -> str``; default ``f"{v:g}"``).

    Plain text instead of matplotlib's ``10^k`` mathtext keeps a frame fast to draw.
    ``which`` is ``"x"`` or ``"y"``.
    """
    if which == "x":
        ax.set_xscale("log", base=base)
        axis = ax.xaxis
    else:
        ax.set_yscale("log", base=base)
        axis = ax.yaxis
    axis.set_major_locator(LogLocator(base=base, numticks=6))
    axis.set_major_formatter(FuncFormatter(lambda v, _: (label or "{:g}".format)(v)))
    # Minor ticks on a log axis are many small artists; a frame is faster without them.
    axis.set_minor_locator(NullLocator())


def _check_timings(timings: Mapping[str, Timing], name: str) -> None:
    if not isinstance(timings, Mapping) or not timings:
        raise ValueError(f"{name}: expected a non-empty dict of Timing objects")
    for key, value in timings.items():
        if not isinstance(value, Timing):
            raise TypeError(f"{name}[{key!r}]: expected a Timing, got {type(value).__name__}")


def time_per_sample(timings: Mapping[str, Timing], samples: Mapping[str, int],
                    ax: Axes | None = None, title: str | None = None) -> Axes:
    """Horizontal bars: median seconds per example of each implementation (log scale).

    ``timings[name]`` timed one call on ``samples[name]`` examples; whiskers span the
    quartiles of the repeats.
    """
    _check_timings(timings, "timings")
    missing = set(timings) - set(samples)
    if missing:
        raise ValueError(f"samples: no example count for {sorted(missing)}")
    ax = axes_or_new(ax, "wide")
    names = list(timings)
    medians = np.array([timings[k].median / samples[k] for k in names])
    counts = np.array([samples[k] for k in names])[:, None]
    q = np.array([timings[k].quartiles for k in names]) / counts
    rows = np.arange(len(names))[::-1]
    ax.barh(rows, medians, color=[curve_color(i) for i in range(len(names))], height=0.6)
    ax.errorbar(medians, rows, xerr=[medians - q[:, 0], q[:, 1] - medians], fmt="none",
                ecolor="#333333", capsize=3, linewidth=1)
    for row, value in zip(rows, medians, strict=True):
        ax.text(value * 1.15, row, seconds(value), va="center", fontsize=8)
    ax.set_yticks(rows, names)
    _log_axis(ax, "x", label=seconds)
    ax.set_xlim(medians.min() / 3, medians.max() * 8)
    ax.set_xlabel("time per example (median, log scale)")
    ax.grid(False, axis="y")
    if title:
        ax.set_title(title)
    return ax


def repeat_spread(timings: Mapping[str, Timing], ax: Axes | None = None,
                  title: str | None = None) -> Axes:
    """Each repeat of each timing as a dot (in run order), with its median and quartiles.

    The median is a line, the middle half of the runs a band: what a careful report quotes.
    """
    _check_timings(timings, "timings")
    ax = axes_or_new(ax)
    for i, (name, timing) in enumerate(timings.items()):
        t = np.array(timing.times) * 1e3
        colour = curve_color(i)
        q1, q3 = (v * 1e3 for v in timing.quartiles)
        ax.axhspan(q1, q3, color=colour, alpha=0.15)
        ax.axhline(timing.median * 1e3, color=colour, linewidth=1.5,
                   label=f"{name}: median {seconds(timing.median)}")
        ax.plot(np.arange(1, len(t) + 1), t, "o", color=colour, markersize=3.5)
    ax.set_xlabel("repeat")
    ax.set_ylabel("milliseconds per call")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="upper right")
    if title:
        ax.set_title(title)
    return ax


def _curves(table: Mapping[tuple[int, int], Timing]) -> tuple[list[int], list[int]]:
    widths = sorted({w for w, _ in table})
    batches = sorted({b for _, b in table})
    missing = [(w, b) for w in widths for b in batches if (w, b) not in table]
    if missing:
        raise ValueError(f"table: missing (width, batch) entries {missing}")
    return widths, batches


def epoch_time_frame(table: Mapping[tuple[int, int], Timing], width: int, batch: int) -> Figure:
    """Live-experiment frame: seconds per epoch against batch size, one curve per width.

    ``table[(width, batch)]`` is the timing of one epoch; each point is its fastest run (the
    least disturbed by other programs). The chosen width is drawn bold and the chosen batch
    size marked; log scales on both axes.
    """
    widths, batches = _curves(table)
    if (width, batch) not in table:
        raise ValueError(f"width, batch: ({width}, {batch}) is not in the table")
    # Constrained layout: the fixed frame margins clip the y label beside "10 ms" ticks.
    fig, ax = new_figure("frame", layout="constrained")
    for i, w in enumerate(widths):
        y = [table[(w, b)].best for b in batches]
        chosen = w == width
        ax.plot(batches, y, "o-", color=curve_color(i), linewidth=2.2 if chosen else 0.9,
                markersize=4 if chosen else 2, alpha=1.0 if chosen else 0.45, label=f"width {w}")
    # Times fall from the upper left to the lower right: the lower left stays free.
    ax.plot([batch], [table[(width, batch)].best], "o", markersize=11, markerfacecolor="none",
            markeredgecolor="#000000", markeredgewidth=1.5)
    _log_axis(ax, "x", base=2)
    _log_axis(ax, "y", label=seconds)
    ax.set_xlabel("batch size (log scale)")
    ax.set_ylabel("time per epoch (log scale)")
    ax.set_title(f"width {width}, batch {batch}", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def throughput(table: Mapping[tuple[int, int], Timing], flops: Callable[[int, int], int],
               peak_gflops: float, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Achieved GFLOP/s (``flops(width, batch)`` per epoch over its fastest run) per batch size.

    A dashed line marks the matrix-product peak measured on the same machine.
    """
    widths, batches = _curves(table)
    ax = axes_or_new(ax)
    for i, w in enumerate(widths):
        rate = [flops(w, b) / table[(w, b)].best / 1e9 for b in batches]
        ax.plot(batches, rate, "o-", color=curve_color(i), markersize=3, label=f"width {w}")
    ax.axhline(peak_gflops, color="#000000", linestyle="--", linewidth=1,
               label="matmul peak (this machine)")
    _log_axis(ax, "x", base=2)
    _log_axis(ax, "y")
    ax.set_xlabel("batch size (log scale)")
    ax.set_ylabel("GFLOP/s achieved (log scale)")
    ax.legend(fontsize=7, loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def roofline_plot(peak_gflops: float, bandwidths: Mapping[str, float],
                  points: Sequence[tuple[str, float, float]], ax: Axes | None = None,
                  title: str | None = None) -> Axes:
    """Rooflines ``min(peak, bandwidth × intensity)``, one per memory level, with measured points.

    ``bandwidths`` maps a memory level's name to its GB/s (the first drawn solid, the others
    dashed); ``points`` are ``(label, intensity in FLOPs per byte, GFLOP/s)``. Left of a
    ridge point ``peak / bandwidth`` a computation is limited by that memory's traffic,
    right of it by arithmetic.
    """
    ax = axes_or_new(ax)
    if not points:
        raise ValueError("points: expected at least one (label, intensity, GFLOP/s) point")
    if not isinstance(bandwidths, Mapping) or not bandwidths:
        raise ValueError("bandwidths: expected a dict of memory level -> GB/s")
    xs = np.array([p[1] for p in points], dtype=float)
    slowest = min(bandwidths.values())
    lo, hi = min(xs.min(), 0.1) / 2, max(xs.max(), 4 * peak_gflops / slowest) * 2
    grid = np.geomspace(lo, hi, 200)
    for k, (level, bandwidth) in enumerate(bandwidths.items()):
        ax.plot(grid, roofline(grid, peak_gflops, bandwidth), color="#000000",
                linewidth=1.5 if k == 0 else 1.0, linestyle="-" if k == 0 else "--",
                label=f"roof: {level}")
        ax.axvline(peak_gflops / bandwidth, color="#888888", linestyle=":", linewidth=1)
    ax.text(peak_gflops / slowest * 1.1, peak_gflops * 0.02, "ridge point", fontsize=7,
            color="#555555")
    for i, (label, x, y) in enumerate(points):
        ax.plot([x], [y], "o", color=curve_color(i), markersize=6, label=label)
    _log_axis(ax, "x")
    _log_axis(ax, "y")
    ax.set_xlabel("arithmetic intensity (FLOPs per byte, log scale)")
    ax.set_ylabel("GFLOP/s (log scale)")
    ax.legend(fontsize=7, loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def profile_bars(profile: Profile, ax: Axes | None = None, title: str | None = None,
                 rest: str = "everything else") -> Axes:
    """Horizontal bars: each part's share of the whole profiled run (from cProfile), and a
    last bar, labelled ``rest``, for the time outside the parts.

    ``profile`` comes from :func:`lab.profile_parts`, whose parts do not call one another,
    so the bars add up to 100 %; each part's bar is labelled with its call count.
    """
    if not isinstance(profile, Profile) or not profile.parts:
        raise ValueError("profile: expected the Profile of lab.profile_parts, with parts")
    ax = axes_or_new(ax, "wide")
    names = [*profile.parts, rest]
    total = profile.total or 1.0
    seconds_ = [profile.parts[k][1] for k in profile.parts] + [profile.rest]
    share = np.array(seconds_) / total
    rows = np.arange(len(names))[::-1]
    colours = [curve_color(i) for i in range(len(names) - 1)] + ["#999999"]
    ax.barh(rows, share * 100, color=colours, height=0.6)
    for row, name, value in zip(rows, names, share, strict=True):
        if name in profile.parts:
            ax.text(value * 100 + 1, row, f"{profile.parts[name][0]} calls", va="center",
                    fontsize=8)
    ax.set_yticks(rows, names)
    ax.set_xlim(0, 115)
    ax.set_xlabel("share of the whole run's profiled time (%)")
    ax.grid(False, axis="y")
    if title:
        ax.set_title(title)
    return ax
