"""Figures of chapter 11: when training goes wrong.

* :func:`gallery_pair` -- a gallery bug's broken run above the run with its fix, each as the
  four monitor panels of :func:`nnkit.course.figures.monitors`;
* :func:`monitor_frame` -- the live experiment's frames: the monitors of one run, small;
* :func:`mystery` -- the monitors of a mystery run, its layers named only "first" and
  "last" in the legends (their class names would give the answer away).

The shared apparatus the chapter's notebook uses is re-exported here: the kernel-free
:class:`Experiment` and its controls, ``monitors``, ``new_figure`` and ``show``.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from nnkit.course.figures import monitors
from nnkit.course.style import new_figure, show
from nnkit.course.widgets import Choice, Experiment

__all__ = ["Choice", "Experiment", "gallery_pair", "monitor_frame", "monitors", "mystery",
           "new_figure", "show"]


def gallery_pair(run: Any) -> Figure:
    """A :class:`lab.GalleryRun`: its broken run's monitors (top row) and its fix's (bottom)."""
    fig, axes = new_figure((9.0, 4.6), 2, 4)
    monitors(run.broken, axes[0], legend=True)
    monitors(run.fixed, axes[1], legend=False)
    axes[0][0].set_title(f"{run.bug}: broken", loc="left")
    axes[1][0].set_title("with the fix", loc="left")
    return fig


def monitor_frame(history: Any, title: str) -> Figure:
    """One frame of the live experiment: the four monitor panels of ``history``, 2 × 2."""
    fig, axes = new_figure((6.4, 4.4), 2, 2)
    monitors(history, axes, legend=True)
    fig.suptitle(title)
    return fig


def mystery(history: Any, letter: str) -> Figure:
    """The four monitor panels of a mystery run, titled "mystery run <letter>"; the legends
    say "first layer" and "last layer" instead of the layers' names (e.g. "1 Sigmoid")."""
    axes = monitors(history)
    for ax in axes:
        legend = ax.get_legend()
        if legend is None or ax is axes[0]:
            continue
        handles, labels = ax.get_legend_handles_labels()
        seen: dict[str, int] = {}
        renamed = []
        for label in labels:
            kind = label.split(" ", 2)[2] if label.count(" ") >= 2 else ""
            which = "first layer" if seen.get(kind, 0) == 0 else "last layer"
            seen[kind] = seen.get(kind, 0) + 1
            renamed.append(f"{which} {kind}".strip())
        legend.remove()
        ax.legend(handles, renamed, fontsize=legend.get_texts()[0].get_fontsize(),
                  framealpha=0.85)
    axes[0].set_title(f"mystery run {letter}", loc="left")
    return axes[0].figure
