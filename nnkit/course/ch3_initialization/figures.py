"""Figures about the inside of a network, layer by layer (chapter 3, weight initialisation).

* :func:`plot_activation_ridges`: one histogram of activations per hidden layer, stacked top
  (layer 1) to bottom (deepest), each labelled with its standard deviation;
* :func:`plot_grad_norms`: a bar per Dense layer with the norm of its weight gradient, log scale;
* :func:`plot_layer_curves`: one value per layer (e.g. activation std) for several runs;
* :func:`plot_unit_weights`: the weight matrix of a layer, one row per hidden unit, as numbers;
* :func:`plot_probe`: the two-panel frame of the deep-network experiment;
* :func:`plot_hidden_units`: the three-panel frame of the symmetry experiment;
* :func:`plot_slopes`: sigmoid, tanh and ReLU next to their derivatives.

Colours, sizes and axis style come from :mod:`nnkit.course.style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnkit.activations import relu, relu_grad, sigmoid, sigmoid_grad, tanh, tanh_grad
from nnkit.course.figures import loss_curves, probability_map
from nnkit.course.grid import Grid
from nnkit.course.style import (
    FONT_SIZE,
    WRONG_COLOR,
    curve_color,
    new_figure,
    show,
)
from nnkit.course.text import control_title
from nnkit.course.widgets import Choice, Experiment, Play
from nnkit.validation import check_positive

__all__ = [
    "activation_range",
    "plot_activation_ridges",
    "plot_grad_norms",
    "plot_layer_curves",
    "plot_unit_weights",
    "plot_probe",
    "plot_hidden_units",
    "plot_slopes",
    # Shared apparatus the chapter uses, re-exported so its notebook imports one line.
    "new_figure", "show", "Choice", "Experiment", "Play", "loss_curves",
]

_BINS = 40
_RIDGE_HEIGHT = 0.85  # fraction of the spacing between rows used by the tallest bar


def _positive_log10(a: np.ndarray) -> np.ndarray:
    """log10 of the strictly positive entries of ``a`` (ReLU's zeros have no logarithm)."""
    flat = np.ravel(a)
    return np.log10(flat[flat > 0])


def activation_range(activation: str, activations: Sequence[np.ndarray]) -> tuple[float, float]:
    """The x range for histograms of ``activations`` produced by ``activation``.

    Sigmoid and tanh have fixed output ranges, (0, 1) and (-1, 1). ReLU's outputs can be anywhere
    from 1e-12 to 1e9 in the networks of chapter 3, so they are drawn on a log10 axis; the range
    then runs from the smallest 1st to the largest 99th percentile of log10(a) over the layers,
    one shared axis so that shrinking or growing layers drift left or right.
    """
    if activation == "sigmoid":
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    if activation == "relu":
        logs = [x for x in map(_positive_log10, activations) if x.size]
        if not logs:
            return -1.0, 1.0
        lo = min(float(np.percentile(x, 1)) for x in logs)
        hi = max(float(np.percentile(x, 99)) for x in logs)
        return (np.floor(lo), np.ceil(hi)) if hi > lo else (lo - 1.0, lo + 1.0)
    raise ValueError(f"activation must be 'sigmoid', 'tanh' or 'relu', got {activation!r}")


def _format_std(value: float) -> str:
    if value == 0.0:
        return "sd 0"
    if 0.01 <= abs(value) < 100:
        return f"sd {value:.2f}"
    return f"sd {value:.0e}"


def plot_activation_ridges(ax: Axes, activations: Sequence[np.ndarray], activation: str) -> Axes:
    """Stacked histograms of each hidden layer's activations (``activations[l]``: any shape).

    Row ``l`` (from the top) is layer ``l + 1``, labelled with its standard deviation; every row is
    scaled to the same peak height so the *shape* of each distribution is visible. Sigmoid and tanh
    outputs are drawn on their natural linear range; ReLU outputs on a log10 axis, positive values
    only (the fraction of exact zeros is in the label). Values outside the range fill the end bins.
    """
    if len(activations) == 0:
        raise ValueError("activations must hold at least one layer")
    lo, hi = activation_range(activation, activations)
    edges = np.linspace(lo, hi, _BINS + 1)
    depth = len(activations)
    labels = []
    for layer, a in enumerate(activations):
        a = np.asarray(a, dtype=np.float64)
        values = _positive_log10(a) if activation == "relu" else np.ravel(a)
        counts, _ = np.histogram(np.clip(values, lo, hi), bins=edges)
        peak = counts.max() if counts.size else 0
        heights = counts / peak * _RIDGE_HEIGHT if peak > 0 else np.zeros(_BINS)
        base = depth - 1 - layer
        ax.fill_between(edges, base, base + np.append(heights, heights[-1]), step="post",
                        color=curve_color(0), alpha=0.8, linewidth=0)
        ax.axhline(base, color="#aaaaaa", linewidth=0.5)
        label = f"{layer + 1}: {_format_std(float(a.std()))}"
        if activation == "relu":
            label += f", {np.mean(a == 0.0):.0%} zero"
        labels.append(label)
    ax.set_yticks(np.arange(depth) + 0.3)
    ax.set_yticklabels(labels[::-1], fontsize=FONT_SIZE - 2)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.1, depth)
    ax.set_xlim(lo, hi)
    ax.set_ylabel("hidden layer")
    if activation == "relu":
        ax.set_xlabel("log₁₀ of the positive ReLU outputs")
    else:
        ax.set_xlabel(f"{activation} output")
    ax.grid(False)
    return ax


def plot_grad_norms(ax: Axes, grad_norms: Sequence[float], ylabel: str = "‖∂J/∂z‖") -> Axes:
    """Bar chart of one gradient norm per Dense layer (last bar: the output layer).

    Log scale, so that factors of 10 look alike at every size. Exact zeros cannot sit on a log
    axis; they are marked with a red "0" on the bottom edge instead.
    """
    norms = np.asarray(grad_norms, dtype=np.float64)
    if norms.ndim != 1 or norms.size == 0:
        raise ValueError(f"grad_norms must be a non-empty 1-D sequence, got shape {norms.shape}")
    layers = np.arange(1, norms.size + 1)
    colors = [curve_color(0)] * (norms.size - 1) + [curve_color(1)]
    positive = norms > 0
    if positive.any():
        low = norms[positive].min() / 10.0
        high = norms[positive].max() * 10.0
        ax.set_yscale("log")
        ax.bar(layers[positive], norms[positive], bottom=low, color=np.array(colors)[positive],
               width=0.7)
        ax.set_ylim(low, high)
        zero_y = low
    else:
        ax.set_ylim(0.0, 1.0)
        zero_y = 0.0
    for layer in layers[~positive]:
        ax.text(layer, zero_y, "0", color=WRONG_COLOR, ha="center", va="bottom",
                fontsize=FONT_SIZE, fontweight="bold")
    ax.set_xticks(layers)
    ax.set_xticklabels([str(k) for k in layers[:-1]] + ["out"], fontsize=FONT_SIZE - 2)
    ax.set_xlabel("layer")
    ax.set_ylabel(ylabel)
    return ax


def plot_layer_curves(ax: Axes, curves: Mapping[str, Sequence[float]], ylabel: str,
                      log: bool = True) -> Axes:
    """One line per run: ``curves[label][l]`` is the value at layer ``l + 1`` (log y by default).

    Non-positive values are left out on a log axis (they have no place on it).
    """
    if not curves:
        raise ValueError("curves must hold at least one run")
    for i, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)
        layers = np.arange(1, values.size + 1)
        keep = values > 0 if log else np.isfinite(values)
        ax.plot(layers[keep], values[keep], marker="o", markersize=3, color=curve_color(i),
                label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=FONT_SIZE - 2, frameon=False)
    return ax


def plot_unit_weights(ax: Axes, W: np.ndarray, input_names: Sequence[str] | None = None) -> Axes:
    """The weights ``W`` (n_units, n_in) of a layer as a coloured table: one row per unit.

    Identical rows (units that compute the same thing) are easy to spot. Colours are centred on
    zero (blue negative, red positive) and every cell shows its value.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"W must be 2-D (n_units, n_in), got shape {W.shape}")
    n_units, n_in = W.shape
    names = list(input_names) if input_names is not None else [f"w{j + 1}" for j in range(n_in)]
    if len(names) != n_in:
        raise ValueError(f"input_names has {len(names)} names for {n_in} inputs")
    limit = max(float(np.abs(W).max()), 1e-12)
    ax.imshow(W, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    for i in range(n_units):
        for j in range(n_in):
            # White on the dark ends of the colour scale, black on the pale middle.
            color = "white" if abs(W[i, j]) > 0.6 * limit else "black"
            ax.text(j, i, f"{W[i, j]:+.2f}", ha="center", va="center", fontsize=FONT_SIZE - 2,
                    color=color)
    ax.set_xticks(range(n_in))
    ax.set_xticklabels(names, fontsize=FONT_SIZE - 2)
    ax.set_yticks(range(n_units))
    ax.set_yticklabels([f"unit {i + 1}" for i in range(n_units)], fontsize=FONT_SIZE - 2)
    ax.grid(False)
    return ax


def plot_probe(probe, activation: str, scheme: str, size=(8.0, 3.4)) -> Figure:
    """The frame of the deep-network experiment for one :class:`lab.Probe`.

    Left: :func:`plot_activation_ridges`; right: :func:`plot_grad_norms` of ``probe.delta_norms``,
    the gradient arriving at each layer in the backward pass. The title states the scheme and
    activation.
    """
    fig, (left, right) = new_figure(size, 1, 2, layout="fixed")
    width, height = fig.get_size_inches()
    # Fixed margins render twice as fast as constrained layout; the left one leaves room
    # for the long per-layer labels of the ridges.
    fig.subplots_adjust(left=1.45 / width, right=1 - 0.1 / width, bottom=0.5 / height,
                        top=1 - 0.5 / height, wspace=0.32)
    plot_activation_ridges(left, probe.activations, activation)
    plot_grad_norms(right, probe.delta_norms)
    left.set_title("forward: activations per layer", fontsize=FONT_SIZE)
    right.set_title("backward: gradient reaching each layer", fontsize=FONT_SIZE)
    fig.suptitle(control_title(values={"init": scheme, "activation": activation}),
                 fontsize=FONT_SIZE + 1)
    return fig


_FUNCTIONS = {
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}


def plot_slopes(z_max: float = 6.0, size=(8.0, 3.0)) -> Figure:
    """Left: sigmoid, tanh and ReLU over ``[-z_max, z_max]``; right: their derivatives g'(z).

    The right panel is the factor each unit multiplies the backward gradient by: at most 1/4
    for the sigmoid, at most 1 for tanh, both close to 0 once |z| is large; exactly 1 for a
    ReLU with z > 0.
    """
    z_max = check_positive(z_max, "z_max")
    z = np.linspace(-z_max, z_max, 401)
    fig, (left, right) = new_figure(size, 1, 2)
    for i, (name, (g, g_prime)) in enumerate(_FUNCTIONS.items()):
        left.plot(z, g(z), color=curve_color(i), linewidth=1.6, label=name)
        right.plot(z, g_prime(z), color=curve_color(i), linewidth=1.6, label=f"{name}'")
    left.set_ylim(-1.1, min(z_max, 3.0))
    left.set_title("activation g(z)", fontsize=FONT_SIZE)
    right.set_title("slope g'(z): the factor on the way back", fontsize=FONT_SIZE)
    right.axhline(0.25, color="#888888", linewidth=0.8, linestyle="--")
    right.text(-z_max, 0.27, "1/4", fontsize=FONT_SIZE - 2, color="#555555")
    for ax in (left, right):
        ax.set_xlabel("pre-activation z")
        ax.legend(fontsize=FONT_SIZE - 2, frameon=False, loc="upper left")
    return fig


def plot_hidden_units(model, X, y, hidden_weights: np.ndarray, losses: Sequence[float],
                      max_epoch: int, title: str, size=(8.0, 2.9)) -> Figure:
    """The frame of the symmetry experiment for a small 2-input classifier.

    Left: the regions ``model`` (whose output is P(class 1), (m, 1)) assigns to each class,
    over the points ``X`` (n, 2) with labels ``y`` (n,), wrongly classified points ringed.
    Middle: :func:`plot_unit_weights` of ``hidden_weights`` (n_units, 3), one row
    ``(w1, w2, b)`` per hidden unit. Right: the training loss ``losses`` so far (entry ``i`` after
    ``i`` epochs) on an x axis running to ``max_epoch``, with a dot on the latest value.
    """

    fig, (left, middle, right) = new_figure(size, 1, 3, layout="fixed")
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=0.7 / width, right=1 - 0.1 / width, bottom=0.5 / height,
                        top=1 - 0.45 / height, wspace=0.5)
    # The model's output is P(class 1), (m, 1).
    grid = Grid.around(X, 60)
    wrong = (np.asarray(model(X)).reshape(-1) >= 0.5) != np.asarray(y).reshape(-1)
    probability_map(grid, grid.evaluate(model), left, graded=False, X=X, y=y, wrong=wrong,
                    point_size=24, legend=True)
    left.set_xlabel("$x_1$")
    left.set_ylabel("$x_2$")
    plot_unit_weights(middle, hidden_weights, input_names=["w1", "w2", "b"])
    losses = list(losses)
    loss_curves({"training loss": losses}, ax=right, ylim=(0.0, 0.8), ylabel="loss")
    # A dot on the latest value, so that a run of one point (epoch 0) is visible too.
    right.plot(len(losses) - 1, losses[-1], marker="o", markersize=5, color=curve_color(0))
    right.set_xlim(0, max_epoch)
    fig.suptitle(title, fontsize=FONT_SIZE + 1)
    return fig
