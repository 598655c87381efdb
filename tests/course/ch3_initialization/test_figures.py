"""nnkit.course.ch3_initialization.figures: per-layer figures of chapter 3."""

from __future__ import annotations

import numpy as np
import pytest

from nnkit.course.ch3_initialization import figures, lab
from nnkit.course.style import new_figure


def test_activation_range_fixed_for_squashing_functions_and_log_for_relu():
    acts = [np.array([[0.0, 1e-3, 10.0]]), np.array([[0.5, 100.0]])]
    assert figures.activation_range("sigmoid", acts) == (0.0, 1.0)
    assert figures.activation_range("tanh", acts) == (-1.0, 1.0)
    lo, hi = figures.activation_range("relu", acts)
    assert lo <= -3 + 0.1 and hi >= 1.9
    with pytest.raises(ValueError, match="activation"):
        figures.activation_range("elu", acts)


def test_ridges_draw_one_row_per_layer_labelled_with_its_spread():
    result = lab.probe_scheme("he", "relu", depth=4, width=30, n=40)
    fig, ax = new_figure("normal")
    figures.plot_activation_ridges(ax, result.activations, "relu")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 4
    assert labels[0].startswith("4: sd ") and labels[-1].startswith("1: sd ")
    assert all("% zero" in label for label in labels)
    assert len(ax.collections) == 4


def test_ridges_need_at_least_one_layer():
    fig, ax = new_figure("normal")
    with pytest.raises(ValueError, match="at least one layer"):
        figures.plot_activation_ridges(ax, [], "tanh")


def test_grad_norms_mark_exact_zeros():
    fig, ax = new_figure("normal")
    figures.plot_grad_norms(ax, [0.0, 0.0, 1e-3, 2.0])
    zeros = [t for t in ax.texts if t.get_text() == "0"]
    assert len(zeros) == 2
    assert ax.get_yscale() == "log"
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "out"


def test_grad_norms_all_zero_and_bad_input():
    fig, ax = new_figure("normal")
    figures.plot_grad_norms(ax, [0.0, 0.0])
    assert len([t for t in ax.texts if t.get_text() == "0"]) == 2
    with pytest.raises(ValueError, match="grad_norms"):
        figures.plot_grad_norms(ax, [])


def test_layer_curves_skip_non_positive_values_on_a_log_axis():
    fig, ax = new_figure("normal")
    figures.plot_layer_curves(ax, {"a": [1.0, 0.1, 0.0], "b": [1.0, 2.0, 4.0]}, "std")
    a, b = ax.get_lines()
    assert list(a.get_xdata()) == [1, 2] and list(b.get_xdata()) == [1, 2, 3]
    with pytest.raises(ValueError, match="curves"):
        figures.plot_layer_curves(ax, {}, "std")


def test_unit_weights_show_every_value():
    fig, ax = new_figure("normal")
    W = np.array([[0.5, -0.25], [0.5, -0.25], [1.0, 0.0]])
    figures.plot_unit_weights(ax, W, input_names=["x1", "x2"])
    assert sorted(t.get_text() for t in ax.texts) == sorted(
        ["+0.50", "-0.25", "+0.50", "-0.25", "+1.00", "+0.00"]
    )
    with pytest.raises(ValueError, match="2-D"):
        figures.plot_unit_weights(ax, np.zeros(3))
    with pytest.raises(ValueError, match="input_names"):
        figures.plot_unit_weights(ax, W, input_names=["x1"])


def test_probe_figure_states_its_settings():
    result = lab.probe_scheme("small normal", "tanh", depth=3, width=20, n=30)
    fig = figures.plot_probe(result, "tanh", "small normal")
    assert len(fig.axes) == 2
    assert "small normal" in fig.get_suptitle() and "tanh" in fig.get_suptitle()


def test_hidden_units_frame_has_regions_table_and_loss():
    import nnkit as nk

    X, y = nk.datasets.xor(n=40, noise=0.1, rng=0)
    model = nk.Sequential(nk.Dense(2, 3, rng=0), nk.Sigmoid(), nk.Dense(3, 1, rng=1), nk.Sigmoid())
    table = np.column_stack([model.layers[0].W.value, model.layers[0].b.value])
    fig = figures.plot_hidden_units(model, X, y, table, [0.7, 0.65, 0.6], 10, "start = random")
    regions, weights, loss = fig.axes
    assert len(weights.texts) == 9
    assert [t.get_text() for t in weights.get_xticklabels()] == ["w1", "w2", "b"]
    curve, dot = loss.get_lines()
    assert list(curve.get_ydata()) == [0.7, 0.65, 0.6]
    assert list(dot.get_xdata()) == [2] and list(dot.get_ydata()) == [0.6]
    assert loss.get_xlim() == (0.0, 10.0)
    assert fig.get_suptitle() == "start = random"


def test_slopes_figure_draws_each_function_and_derivative():
    fig = figures.plot_slopes(4.0)
    left, right = fig.axes
    assert len(left.get_lines()) == 3
    peaks = {line.get_label(): max(line.get_ydata()) for line in right.get_lines()}
    assert peaks["sigmoid'"] == pytest.approx(0.25, abs=1e-3)
    assert peaks["tanh'"] == pytest.approx(1.0, abs=1e-3)
    assert peaks["relu'"] == 1.0
    with pytest.raises(ValueError, match="z_max"):
        figures.plot_slopes(-1.0)
