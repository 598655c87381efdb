"""Figure for chapter 5's cost comparison: one gradient by backpropagation or by finite differences.

:func:`gradient_cost_plot` puts the cost of one full gradient, in units of one forward
pass, against the number of parameters P on log-log axes: counted passes (lines) and
measured times (markers). Backpropagation stays flat near a few forward passes; finite
differences climb as 2P.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from nnkit.plotting._style import FONT_SIZE, axes_or_new, curve_color

__all__ = ["gradient_cost_plot"]


def _positive(values, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{name}: expected a non-empty 1-D sequence of numbers, got shape {arr.shape}"
        )
    if n is not None and arr.size != n:
        raise ValueError(f"{name}: expected {n} values (one per network), got {arr.size}")
    if not np.all(np.isfinite(arr) & (arr > 0)):
        raise ValueError(f"{name}: every value must be positive and finite for log axes")
    return arr


def gradient_cost_plot(n_params, backprop_counted, finite_diff_counted, backprop_timed=None,
                       finite_diff_timed=None, ax: Axes | None = None) -> Axes:
    """Cost of one gradient in forward-pass units against the number of parameters P.

    ``n_params`` (k,) the networks' sizes; ``backprop_counted`` and ``finite_diff_counted``
    (k,) the cost from counting (e.g. 1 + backward/forward FLOP ratio, and 2P);
    optional ``backprop_timed`` and ``finite_diff_timed`` (k,) the measured time of one
    gradient divided by the measured time of one forward pass.
    """
    P = _positive(n_params, "n_params")
    k = P.size
    ax = axes_or_new(ax)
    series = [
        ("finite differences", finite_diff_counted, finite_diff_timed, curve_color(3)),
        ("backpropagation", backprop_counted, backprop_timed, curve_color(0)),
    ]
    for label, counted, timed, color in series:
        ax.plot(P, _positive(counted, f"{label} counted", k), color=color, linewidth=2,
                label=f"{label}: counted")
        if timed is not None:
            ax.plot(P, _positive(timed, f"{label} timed", k), color=color, linestyle="none",
                    marker="o", markersize=5, label=f"{label}: timed")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of parameters P")
    ax.set_ylabel("cost of one gradient\n(in forward passes)")
    ax.set_title("Cost of one full gradient")
    ax.legend(fontsize=FONT_SIZE - 1, frameon=False)
    return ax
