"""Figures for chapter 1, "The neuron": a neuron's line over logic gates, and the
perceptron rule at work.

All figures use the shared style of :mod:`nnkit.course.style`; the functions return
the figure (frames for :class:`nnkit.course.widgets.Experiment` or pictures for
:func:`nnkit.course.style.show`, which the notebook calls as ``figures.show``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.ticker import MaxNLocator

from nnkit.course.figures import neuron_line, scatter_classes
from nnkit.course.style import (
    BOUNDARY_COLOR,
    FONT_SIZE,
    WRONG_COLOR,
    class_color,
    curve_color,
    new_figure,
    show,
)
from nnkit.course.text import control_title
from nnkit.course.widgets import Choice, Experiment, Play, Slider
from nnkit.datasets import logic_gate
from nnkit.validation import check_int

__all__ = [
    "GatePanels",
    "gate_panels",
    "perceptron_frame",
    "step_plot",
    "neuron_diagram",
    "GATE_VIEW",
    # Shared apparatus the chapter uses, re-exported so its notebook imports one line.
    "show", "Choice", "Experiment", "Play", "Slider",
]

# The view used for the four binary input points: a margin around the unit square.
GATE_VIEW = (-0.6, 1.6)


def _check_weights(w, b) -> tuple[np.ndarray, float]:
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    if w.shape != (2,):
        raise ValueError(f"w: expected the two weights (w1, w2), got shape {w.shape}")
    return w, float(b)


class GatePanels:
    """One panel per logic gate, each showing the line ``w·x + b = 0`` of the same neuron
    over that gate's four labelled points.

    Points the neuron gets wrong are ringed in red and each panel's title gives the count
    right, e.g. ``AND: 3/4 right``. The figure is built once; :meth:`draw` replaces only
    the line, the shading and the rings, which renders about twice as fast as a new
    figure -- it matters when an experiment draws a frame for every slider setting. Each
    call returns the same figure, so render it (or save it) before drawing the next.
    """

    def __init__(self, gates: Sequence[str] = ("AND", "OR", "XOR")):
        gates = tuple(gates)
        if not gates:
            raise ValueError("gates: expected at least one gate name")
        self.gates = gates
        self.data = [logic_gate(name) for name in gates]
        self.fig, axes = new_figure((2.55 * len(gates), 2.9), ncols=len(gates), layout="fixed")
        self.fig.subplots_adjust(left=0.07, right=0.99, bottom=0.15, top=0.8, wspace=0.3)
        self.axes = list(np.atleast_1d(axes))
        for ax, (X, y) in zip(self.axes, self.data, strict=True):
            scatter_classes(X, y, ax=ax, legend=False, size=60)
            ax.set_xticks([0, 1])
            ax.set_yticks([0, 1])
        self.suptitle = self.fig.suptitle("", fontsize=FONT_SIZE, y=0.98)
        self._dynamic: list = []

    def draw(self, w, b):
        """Draw the neuron with weights ``w = (w1, w2)`` and bias ``b``; return the figure."""
        w, b = _check_weights(w, b)
        for artist in self._dynamic:
            artist.remove()
        self._dynamic = []
        for ax, name, (X, y) in zip(self.axes, self.gates, self.data, strict=True):
            before = set(ax.get_children())
            pred = (X @ w + b >= 0).astype(int)
            neuron_line(w, b, ax=ax, xlim=GATE_VIEW, ylim=GATE_VIEW, label=None, show_normal=False)
            wrong = pred != y
            if wrong.any():
                ax.scatter(
                    X[wrong, 0],
                    X[wrong, 1],
                    s=270,
                    facecolors="none",
                    edgecolors=WRONG_COLOR,
                    linewidths=1.6,
                    zorder=4,
                )
            self._dynamic += [a for a in ax.get_children() if a not in before]
            right = int((~wrong).sum())
            done = right == len(y)
            ax.set_title(
                f"{name}: {right}/{len(y)} right" + (" ✓" if done else ""),
                fontsize=FONT_SIZE + 1,
                color="black" if done else WRONG_COLOR,
            )
        self.suptitle.set_text(control_title("", {"w₁": w[0], "w₂": w[1], "b": b}))
        return self.fig


def gate_panels(w, b, gates: Sequence[str] = ("AND", "OR", "XOR")):
    """A new figure of :class:`GatePanels` for one neuron ``(w, b)`` (for a single picture)."""
    return GatePanels(gates).draw(w, b)


def perceptron_frame(X, y, history, epoch: int, title: str = ""):
    """The perceptron after ``epoch`` epochs: its line over the data (left) and its weights
    and bias after every update so far (right), with the mistakes made in each epoch.

    ``history`` is the :class:`nnkit.PerceptronHistory` of a run on ``X`` (n, 2), ``y`` (n,).
    The positions the line passed through *during* that epoch (one per update) are drawn
    as thin dashed lines, so a rule that keeps changing its mind is visible even when it
    ends every epoch in the same place. Epochs after the last recorded one (training
    stopped because it converged) show the final weights.
    """
    X = np.asarray(X, dtype=np.float64)
    if not isinstance(epoch, (int, np.integer)) or epoch < 0:
        raise ValueError(f"epoch: expected a non-negative integer, got {epoch!r}")
    if not history.weights:
        raise ValueError("history: expected at least the initial (w, b) in history.weights")
    w, b = _check_weights(*history.weights[min(epoch, len(history.weights) - 1)])
    fig, (left, right) = new_figure((6.4, 2.9), ncols=2, layout="fixed")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.86, wspace=0.35)
    n = len(X)
    during = history.steps[(epoch - 1) * n : epoch * n] if 1 <= epoch <= len(history.errors) else []
    for w_k, b_k, _, error in during[:-1]:
        if error:
            _draw_line(left, np.asarray(w_k, dtype=np.float64), float(b_k))
    pred = (X @ w + b >= 0).astype(int)
    neuron_line(w, b, ax=left, xlim=GATE_VIEW, ylim=GATE_VIEW, label=None, show_normal=False)
    scatter_classes(X, y, ax=left, wrong=pred != np.asarray(y), legend=False, size=60)
    left.set_xticks([0, 1])
    left.set_yticks([0, 1])
    left.set_title(control_title(title, {"epoch": epoch}), fontsize=FONT_SIZE + 1)
    # Right: every parameter after every update, on an axis measured in epochs, so a
    # run that settles goes flat and one that cycles repeats the same pattern.
    n_steps = min(epoch * n, len(history.steps))
    w0, b0 = history.weights[0]
    params = np.array(
        [[*np.asarray(w0, dtype=np.float64), float(b0)]]
        + [
            [*np.asarray(w_k, dtype=np.float64), float(b_k)]
            for w_k, b_k, _, _ in history.steps[:n_steps]
        ]
    )
    t = np.arange(len(params)) / n
    # Blue, orange and black, with three line styles: w1 and b stay apart in colour
    # (and for colour-blind readers and in greyscale, in style).
    traces = (("$w_1$", curve_color(0), "-"), ("$w_2$", curve_color(1), "--"),
              ("$b$", curve_color(6), ":"))
    for j, (name, color, style) in enumerate(traces):
        right.step(t, params[:, j], where="post", color=color, linestyle=style, linewidth=1.6,
                   label=name)
    right.set_xlim(0, max(10, len(history.errors)))
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylim(-4.5, 4.5)
    right.set_xlabel("epoch")
    right.set_ylabel("weight value")
    right.legend(fontsize=FONT_SIZE - 2, loc="lower left", ncols=3, framealpha=0.85)
    mistakes = " ".join(str(e) for e in history.errors[:epoch]) or "none yet"
    right.set_title(f"mistakes per epoch: {mistakes}", fontsize=FONT_SIZE)
    return fig


def _draw_line(ax, w: np.ndarray, b: float) -> None:
    """A thin dashed line w·x + b = 0 (an intermediate position of the perceptron)."""
    norm = float(np.hypot(*w))
    if norm == 0:
        return
    p0 = -b * w / norm**2
    d = np.array([-w[1], w[0]]) / norm
    ends = np.array([p0 - 10 * d, p0 + 10 * d])
    ax.plot(ends[:, 0], ends[:, 1], color="#888888", linewidth=1.0, linestyle="--", zorder=1)


def step_plot(z_range=(-3.0, 3.0)):
    """The step activation ``a = 1 if z >= 0 else 0`` with the filled dot at z = 0."""
    fig, ax = new_figure("small")
    z0, z1 = float(z_range[0]), float(z_range[1])
    if not z0 < 0 < z1:
        raise ValueError(f"z_range: expected (low, high) around 0, got {z_range!r}")
    ax.plot([z0, 0], [0, 0], color=curve_color(0), linewidth=2)
    ax.plot([0, z1], [1, 1], color=curve_color(0), linewidth=2)
    ax.plot([0], [1], "o", color=curve_color(0), markersize=6)
    ax.plot([0], [0], "o", markerfacecolor="white", markeredgecolor=curve_color(0), markersize=6)
    ax.set_xlabel("pre-activation $z$")
    ax.set_ylabel("output $a$")
    ax.set_yticks([0, 1])
    ax.set_ylim(-0.2, 1.25)
    ax.set_title("step activation: $a = 1$ if $z \\geq 0$")
    return fig


def neuron_diagram(n_inputs: int = 3):
    """A schematic neuron: inputs x_i, weights w_i on the arrows, the sum z (with bias b),
    the step activation and the output a."""
    n_inputs = check_int(n_inputs, "n_inputs", low=1, high=5)
    fig, ax = new_figure((6.0, 2.8))
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5)
    ys = np.linspace(4.3, 0.7, n_inputs)
    centre = np.array([5.0, 2.5])
    node = dict(boxstyle="circle,pad=0.35", facecolor="white", edgecolor=BOUNDARY_COLOR)
    for i, yi in enumerate(ys, start=1):
        name = f"$x_{i}$" if i < n_inputs or n_inputs < 3 else "$x_{n_0}$"
        weight = f"$w_{i}$" if i < n_inputs or n_inputs < 3 else "$w_{n_0}$"
        ax.annotate(
            "",
            xy=centre + [-0.55, 0],
            xytext=(1.4, yi),
            arrowprops=dict(arrowstyle="->", color=class_color(0), linewidth=1.3),
        )
        ax.text(1.0, yi, name, ha="center", va="center", fontsize=FONT_SIZE + 2, bbox=node)
        # Label each arrow a third of the way along, on its outer side.
        at = np.array([1.4, yi]) + 0.35 * (centre - [1.4, yi])
        offset = 0.25 if yi >= centre[1] else -0.5
        ax.text(
            at[0], at[1] + offset, weight, ha="center", fontsize=FONT_SIZE + 1, color=class_color(0)
        )
    ax.text(
        *centre,
        "$\\Sigma$",
        ha="center",
        va="center",
        fontsize=FONT_SIZE + 6,
        bbox=dict(boxstyle="circle,pad=0.5", facecolor="#f2f2f2", edgecolor=BOUNDARY_COLOR),
    )
    ax.annotate(
        "",
        xy=centre + [0, 0.6],
        xytext=(5.0, 4.6),
        arrowprops=dict(arrowstyle="->", color=class_color(1), linewidth=1.3),
    )
    ax.text(5.0, 4.75, "bias $b$", ha="center", fontsize=FONT_SIZE + 1, color=class_color(1))
    ax.annotate(
        "",
        xy=(7.0, 2.5),
        xytext=centre + [0.65, 0],
        arrowprops=dict(arrowstyle="->", color=BOUNDARY_COLOR, linewidth=1.3),
    )
    ax.text(6.3, 2.75, "$z$", ha="center", fontsize=FONT_SIZE + 2)
    ax.text(
        7.6,
        2.5,
        "step",
        ha="center",
        va="center",
        fontsize=FONT_SIZE + 1,
        bbox=dict(boxstyle="round,pad=0.4", facecolor="#f2f2f2", edgecolor=BOUNDARY_COLOR),
    )
    ax.annotate(
        "",
        xy=(9.6, 2.5),
        xytext=(8.2, 2.5),
        arrowprops=dict(arrowstyle="->", color=BOUNDARY_COLOR, linewidth=1.3),
    )
    ax.text(9.3, 2.75, "$a$", ha="center", fontsize=FONT_SIZE + 2)
    ax.text(5.0, 0.15, "$z = w_1x_1 + \\dots + w_{n_0}x_{n_0} + b$", ha="center",
            fontsize=FONT_SIZE + 1)
    return fig
