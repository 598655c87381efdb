"""Chapter 5's figures: the computational graph step by step, and the cost of a gradient.

:func:`graph_frame` draws a :class:`lab.TinyTrace` at one
:class:`lab.GraphStep`: the nodes x, W[1], z[1], a[1], W[2], z[2], a[2], y, J with
the forward values known so far (blue) and the gradients ∂J/∂node found so far
(vermillion), the local derivatives written on the edges the backward pass has used,
the current node and edges highlighted, and below the graph the two chain-rule products
for ∂J/∂W[2] and ∂J/∂W[1] filling in factor by factor.

Figure for chapter 5's cost comparison: one gradient by backpropagation or by finite differences.

:func:`gradient_cost_plot` puts the cost of one full gradient, in units of one forward
pass, against the number of parameters P on log-log axes: counted passes (lines) and
measured times (markers). Backpropagation stays flat near a few forward passes; finite
differences climb as 2P.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from nnkit.course.ch5_chain_rule.lab import (
    CHAINS,
    EDGES,
    LOCAL_LABELS,
    NODES,
    GraphStep,
    TinyTrace,
    graph_steps,
)
from nnkit.course.style import (
    BOUNDARY_COLOR,
    CLASS_COLORS,
    FONT_SIZE,
    axes_or_new,
    curve_color,
    new_figure,
    show,
)
from nnkit.course.text import format_number
from nnkit.course.widgets import Experiment, Play
from nnkit.validation import check_int

__all__ = [
    "gradient_cost_plot", "graph_frame", "draw_graph", "draw_chains", "FORWARD_COLOR",
    "BACKWARD_COLOR", "GRAPH_SIZE", "FRAME_WIDTH",
    # Shared apparatus the chapter uses, re-exported so its notebook imports one line.
    "new_figure", "show", "Experiment", "Play",
]

FORWARD_COLOR = CLASS_COLORS[0]    # values computed by the forward pass
BACKWARD_COLOR = CLASS_COLORS[1]   # gradients and local derivatives of the backward pass
CURRENT_COLOR = CLASS_COLORS[4]    # the node and edges of the current step
MUTED = "#9a9a9a"

# The graph axes use inches as data units (see graph_frame), so boxes and text keep their
# proportions. Node centres; the main row runs left to right from x to J.
_ROW, _TOP = 1.0, 2.42
_POS = {
    "x": (0.63, _ROW), "z2": (2.10, _ROW), "a2": (3.57, _ROW), "z3": (5.04, _ROW),
    "a3": (6.51, _ROW), "J": (7.98, _ROW), "theta1": (1.05, _TOP), "theta2": (4.05, _TOP),
    "y": (7.98, _TOP),
}
_HALF_W = {"theta1": 0.62, "theta2": 0.62, "y": 0.4, "z3": 0.66}
_HALF_H = {"theta1": 0.46, "theta2": 0.34, "y": 0.3}
_BOX_W, _BOX_H = 0.58, 0.36
GRAPH_SIZE = (8.6, 3.05)
CHAIN_HEIGHT = 1.55
# The frame is drawn this wide (inches) so that, at 80 dpi, it fits the book's text column;
# the layout above is shrunk uniformly to fit, the fonts keep their size.
FRAME_WIDTH = 8.1

# Node titles: the name and, for computed nodes, how it is computed. Plain Unicode rather
# than mathtext keeps a frame fast to draw (mathtext is parsed anew for every frame).
_TITLES = {
    "x": "x", "theta1": "W[1]", "theta2": "W[2]", "y": "y", "J": "J",
    "z2": "z[1] = W[1]x", "a2": "a[1] = σ(z[1])", "z3": "z[2] = W[2]a[1]", "a3": "a[2] = σ(z[2])",
}

# How each factor joins the product so far: scalar product, elementwise, outer product.
_JOIN = {("z2", "a2"): " ⊙ ", ("theta1", "z2"): " ⊗ "}


def _half(node: str) -> tuple[float, float]:
    return _HALF_W.get(node, _BOX_W), _HALF_H.get(node, _BOX_H)


def _value_text(tr: TinyTrace, node: str) -> str:
    if node == "y":
        return format_number(tr.y, 0)
    value = tr.value(node)
    if node == "theta1":
        return "\n".join(format_number(row, 1) for row in value)
    return format_number(value, 1 if node in ("x", "theta2") else 3)


def _grad_text(tr: TinyTrace, node: str) -> str:
    grad = tr.grad(node)
    if node == "theta1":
        return "\n".join(format_number(row, 3) for row in grad)
    return format_number(grad, 3)


def _canvas(tr: TinyTrace, step: int | GraphStep, ax: Axes, height: float) -> GraphStep:
    """Check the arguments of a drawing of ``tr`` at ``step`` into ``ax``; give ``ax`` data
    units of inches (``GRAPH_SIZE[0]`` wide, ``height`` high) and no axes; return the step."""
    if not isinstance(tr, TinyTrace):
        raise TypeError(f"tr: expected a TinyTrace, got {type(tr).__name__}")
    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes, got {type(ax).__name__}")
    st = _step(tr, step)
    ax.set_xlim(0, GRAPH_SIZE[0])
    ax.set_ylim(0, height)
    ax.set_axis_off()
    return st


def _step(tr: TinyTrace, step: int | GraphStep) -> GraphStep:
    if isinstance(step, GraphStep):
        return step
    steps = graph_steps(tr)
    return steps[check_int(step, "step (a GraphStep or its index)", low=0, high=len(steps) - 1)]


def _anchor(node: str, towards: str) -> tuple[float, float]:
    """Point on the border of ``node``'s box facing ``towards`` (arrows start and end there)."""
    (x0, y0), (x1, y1) = _POS[node], _POS[towards]
    hw, hh = _half(node)
    if abs(y1 - y0) > 0.5:
        # Between rows: leave from the bottom (top) edge, shifted towards the other node.
        shift = max(-0.6 * hw, min(0.6 * hw, (x1 - x0) * 0.3))
        return (x0 + shift, y0 + (hh if y1 > y0 else -hh))
    return (x0 + (hw if x1 > x0 else -hw), y0)


def _edge_digits(u: str, v: str) -> int:
    """Decimals for a local derivative: the data and weights (x, W[2]) are short round numbers."""
    return 1 if (u, v) in (("a2", "z3"), ("theta1", "z2")) else 3


def _edge_label_position(u: str, v: str) -> tuple[float, float, str, str]:
    (xu, yu), (xv, yv) = _anchor(u, v), _anchor(v, u)
    if abs(yv - yu) > 0.5:
        # Beside a sloping edge, on its right.
        return (xu + xv) / 2 + 0.1, (yu + yv) / 2, "left", "center"
    # Under a horizontal edge, below the row of boxes.
    return (xu + xv) / 2, yu - _BOX_H - 0.06, "center", "top"


def draw_graph(tr: TinyTrace, step: int | GraphStep, ax: Axes) -> Axes:
    """Draw the computational graph of ``tr`` as known at ``step`` into ``ax``.

    Each box shows the node's name and formula, its forward value (blue) once computed and
    ∂J/∂node (vermillion) once the backward pass has reached it; each edge the backward
    pass has used carries its local derivative (symbol and value). The current node and
    edges are drawn in orange. ``ax`` should have the proportions of :data:`GRAPH_SIZE`, with data
    units of inches, as :func:`graph_frame` sets up.
    """
    st = _canvas(tr, step, ax, GRAPH_SIZE[1])
    small = FONT_SIZE - 0.5

    for u, v in EDGES:
        current = (u, v) in st.edges
        used = (u, v) in st.used_edges
        color = CURRENT_COLOR if current else (BACKWARD_COLOR if used else BOUNDARY_COLOR)
        ax.add_patch(FancyArrowPatch(
            _anchor(u, v), _anchor(v, u), arrowstyle="-|>", mutation_scale=9, shrinkA=1,
            shrinkB=1, linewidth=2.6 if current else 1.0, color=color, zorder=1,
        ))
        if used:
            tx, ty, ha, va = _edge_label_position(u, v)
            value = format_number(tr.local((u, v)), _edge_digits(u, v))
            ax.text(tx, ty, f"{LOCAL_LABELS[(u, v)]}\n{value}", ha=ha, va=va, fontsize=small,
                    color=CURRENT_COLOR if current else BACKWARD_COLOR, zorder=3, linespacing=1.1,
                    fontweight="bold" if current else "normal")

    for node, (cx, cy) in _POS.items():
        hw, hh = _half(node)
        current = node == st.node
        is_param = node.startswith("theta")
        ax.add_patch(FancyBboxPatch(
            (cx - hw, cy - hh), 2 * hw, 2 * hh, boxstyle="round,pad=0.0,rounding_size=0.08",
            facecolor="#fff1d6" if current else ("#eef5fb" if is_param else "white"),
            edgecolor=CURRENT_COLOR if current else BOUNDARY_COLOR,
            linewidth=2.6 if current else 1.0, zorder=2,
        ))
        ax.text(cx, cy + hh - 0.04, _TITLES[node], ha="center", va="top", fontsize=FONT_SIZE,
                zorder=3)
        has_grad = node in st.grads and node not in ("x", "y")
        value_y = cy - 0.02 if has_grad or node == "theta1" else cy - 0.1
        if node == "theta1" and has_grad:
            value_y = cy + 0.05
        if node in st.known:
            ax.text(cx, value_y, _value_text(tr, node), ha="center", va="center", fontsize=small,
                    color=FORWARD_COLOR, zorder=3, linespacing=1.0)
        if has_grad:
            ax.text(cx, cy - hh + 0.03, _grad_text(tr, node), ha="center", va="bottom",
                    fontsize=small, color=BACKWARD_COLOR, zorder=3, linespacing=1.0,
                    fontweight="bold" if current else "normal")
    # Colour key, in the free space between W[2] and y.
    ax.text(7.35, _TOP + 0.12, "value (forward pass)", color=FORWARD_COLOR, ha="right",
            va="bottom", fontsize=small)
    ax.text(7.35, _TOP - 0.08, "∂J/∂node (backward pass)", color=BACKWARD_COLOR, ha="right",
            va="bottom", fontsize=small)
    return ax


def _chain_lines(tr: TinyTrace, st: GraphStep, target: str) -> tuple[str, str, bool]:
    """Symbolic product, numeric product (unknown factors as '?') and whether it is complete."""
    edges = CHAINS[target]
    symbolic = f"∂J/∂{NODES[target]} = " + " · ".join(f"∂{NODES[v]}/∂{NODES[u]}" for u, v in edges)
    parts = []
    for i, e in enumerate(edges):
        known = e in st.used_edges
        value = tr.local(e)
        text = format_number(value, _edge_digits(*e)) if known else "?"
        if known and value.size == 1:
            text = f"({text})"
        join = "" if i == 0 else _JOIN.get(e, " × ")
        parts.append(join + text)
    complete = all(e in st.used_edges for e in edges)
    result = format_number(tr.grad(target), 4) if complete else "?"
    return symbolic, "= " + "".join(parts) + " = " + result, complete


def draw_chains(tr: TinyTrace, step: int | GraphStep, ax: Axes) -> Axes:
    """Write the chain-rule products for ∂J/∂W[2] and ∂J/∂W[1] into ``ax``, filled in up to
    ``step``.

    Factors whose local derivative the backward pass has not used yet show as "?"; a
    product turns vermillion once complete.
    """
    st = _canvas(tr, step, ax, CHAIN_HEIGHT)
    for row, target in enumerate(("theta2", "theta1")):
        symbolic, numeric, complete = _chain_lines(tr, st, target)
        if complete:
            color = BACKWARD_COLOR
        else:
            color = BOUNDARY_COLOR if st.phase == "backward" else MUTED
        y = CHAIN_HEIGHT - 0.3 - 0.68 * row
        ax.text(0.1, y, symbolic, ha="left", va="center", fontsize=FONT_SIZE + 1.5, color=color,
                fontweight="bold")
        ax.text(0.45, y - 0.26, numeric, ha="left", va="center", fontsize=FONT_SIZE, color=color)
    return ax


def graph_frame(tr: TinyTrace, step: int | GraphStep) -> Figure:
    """One frame of the step-through: title, the graph, and the two chain products below.

    The figure is :data:`FRAME_WIDTH` inches wide; the title names the phase and states this
    step's computation with its numbers.
    """
    if not isinstance(tr, TinyTrace):
        raise TypeError(f"tr: expected a TinyTrace, got {type(tr).__name__}")
    st = _step(tr, step)
    scale = FRAME_WIDTH / GRAPH_SIZE[0]
    graph_h, chain_h = GRAPH_SIZE[1] * scale, CHAIN_HEIGHT * scale
    width, height = FRAME_WIDTH, graph_h + chain_h + 0.4
    # new_figure gives the course's figure (an Agg canvas, nothing registered with pyplot);
    # the panels are then placed by hand in inches so the graph's proportions are fixed.
    fig, _ = new_figure((width, height))
    fig.clear()
    fig.set_layout_engine("none")
    ax_graph = fig.add_axes((0, chain_h / height, 1, graph_h / height))
    ax_chain = fig.add_axes((0, 0, 1, chain_h / height))
    draw_graph(tr, st, ax_graph)
    draw_chains(tr, st, ax_chain)
    phase = {"start": "Start", "forward": "Forward pass", "backward": "Backward pass"}[st.phase]
    fig.text(0.01, 1 - 0.06 / height, f"{phase} · {st.equation}", ha="left", va="top",
             fontsize=FONT_SIZE, fontweight="bold")
    return fig



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
