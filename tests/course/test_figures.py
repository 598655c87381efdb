"""Shared plotting helpers: what they draw, and how they refuse bad input."""

import matplotlib.colors as mcolors
import numpy as np
import pytest

import nnkit.course.figures as nkp
import nnkit.course.style as style
from nnkit.course.style import CLASS_COLORS, WRONG_COLOR

GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def polygon_area(p):
    x, y = p[:, 0], p[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_new_figure_sizes_and_axes():
    fig, ax = nkp.new_figure("frame")
    assert tuple(fig.get_size_inches()) == nkp.FIGSIZES["frame"]
    assert not ax.spines["top"].get_visible()
    fig, axes = nkp.new_figure("wide", ncols=3)
    assert len(axes) == 3
    with pytest.raises(ValueError, match="size"):
        nkp.new_figure("huge")
    with pytest.raises(ValueError, match="layout"):
        nkp.new_figure("frame", layout="tight")


def test_scatter_classes_colours_each_class_and_rings_wrong_points():
    y = np.array([0, 0, 0, 1])
    ax = nkp.scatter_classes(GATE_X, y, wrong=np.array([False, True, False, False]))
    collections = ax.collections
    assert len(collections) == 3
    class0, class1, wrong = collections
    assert len(class0.get_offsets()) == 3 and len(class1.get_offsets()) == 1
    assert mcolors.to_hex(class0.get_facecolor()[0]) == CLASS_COLORS[0].lower()
    assert mcolors.to_hex(class1.get_facecolor()[0]) == CLASS_COLORS[1].lower()
    assert np.allclose(wrong.get_offsets(), [[0, 1]])
    assert mcolors.to_hex(wrong.get_edgecolor()[0]) == WRONG_COLOR.lower()


def test_scatter_classes_rejects_bad_shapes():
    with pytest.raises(ValueError, match="X"):
        nkp.scatter_classes(np.zeros((4, 3)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="y"):
        nkp.scatter_classes(GATE_X, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="integer"):
        nkp.scatter_classes(GATE_X, np.array([0, 0.5, 1, 1]))


def shaded_areas(w, b):
    """Areas of the regions neuron_line shades in the unit square: firing side first."""
    ax = nkp.neuron_line(np.array(w), b, xlim=(0, 1), ylim=(0, 1), show_normal=False)
    return [polygon_area(patch.get_xy()) for patch in ax.patches]


def test_shaded_half_planes_cover_the_fraction_of_the_square_on_each_side():
    # x1 + x2 - 1 >= 0 keeps the upper-right triangle: half of the square.
    assert shaded_areas([1.0, 1.0], -1.0) == pytest.approx([0.5, 0.5])
    # x1 - 0.25 >= 0 keeps three quarters.
    assert shaded_areas([1.0, 0.0], -0.25) == pytest.approx([0.75, 0.25])
    # The line misses the square: all of it is on the side that does not fire.
    assert shaded_areas([1.0, 0.0], -5.0) == pytest.approx([1.0])


def test_neuron_line_lies_on_the_decision_boundary_and_shades_both_sides():
    w, b = np.array([1.0, 2.0]), -1.5
    ax = nkp.neuron_line(w, b)
    line = ax.lines[0]
    pts = np.column_stack([line.get_xdata(), line.get_ydata()])
    assert np.allclose(pts @ w + b, 0.0)
    fills = [p for p in ax.patches if p.get_facecolor()[3] < 1]
    assert len(fills) == 2
    total = sum(polygon_area(p.get_xy()) for p in fills)
    assert total == pytest.approx(2.0 * 2.0)


def test_neuron_line_with_zero_weights_has_no_line():
    ax = nkp.neuron_line([0.0, 0.0], 1.0)
    assert len(ax.lines) == 0
    # b > 0: the whole view fires, so all of it is tinted in class 1's colour.
    assert len(ax.patches) == 1
    with pytest.raises(ValueError, match="w"):
        nkp.neuron_line([1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match="finite"):
        nkp.neuron_line([np.nan, 1.0], 0.0)


def test_decision_regions_matches_the_model():
    def model(X):  # class 1 right of x1 = 0.5
        return (X[:, 0] >= 0.5).astype(float)

    y = np.array([0, 0, 1, 0])  # the last point is wrong for this model
    ax = nkp.decision_regions(model, GATE_X, y, resolution=50)
    assert len(ax.collections) >= 3
    wrong = ax.collections[-1]
    assert np.allclose(wrong.get_offsets(), [[1, 1]])


def test_decision_regions_argmax_for_several_outputs():
    class Model:
        def forward(self, X):
            return np.column_stack([-X[:, 0], X[:, 0], np.zeros(len(X))])

    ax = nkp.decision_regions(Model(), xlim=(-1, 1), ylim=(-1, 1), resolution=20)
    assert ax.get_xlim() == (-1.0, 1.0)
    with pytest.raises(TypeError, match="model"):
        nkp.decision_regions(42, GATE_X)
    with pytest.raises(ValueError, match="limits"):
        nkp.decision_regions(Model())


def test_loss_curves_marks_divergence_and_caps_the_axis():
    runs = {"good": [1.0, 0.5, 0.25], "bad": [1.0, 3.0, 1e9, np.inf]}
    ax = nkp.loss_curves(runs)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["good", "bad (diverged)"]
    assert ax.get_ylim()[1] == pytest.approx(1.5)
    crosses = [ln for ln in ax.lines if ln.get_marker() == "X"]
    assert len(crosses) == 1 and crosses[0].get_ydata()[0] == pytest.approx(1.5)


def test_loss_curves_reads_a_history_and_log_scale():
    class History:
        initial_loss = 2.0
        epoch_loss = [1.0, 0.1, 0.01]
        diverged = False
        diverged_epoch = None

    ax = nkp.loss_curves([History()], logy=True)
    assert ax.get_yscale() == "log"
    assert list(ax.lines[0].get_ydata()) == [2.0, 1.0, 0.1, 0.01]
    with pytest.raises(ValueError, match="at least one"):
        nkp.loss_curves({})
    with pytest.raises(TypeError, match="runs"):
        nkp.loss_curves("loss")


def test_to_png_is_a_deterministic_png():
    def draw():
        fig, ax = nkp.new_figure("frame")
        ax.plot([0, 1], [1, 0])
        return fig

    a, b = style.to_png(draw()), style.to_png(draw())
    assert a[:8] == b"\x89PNG\r\n\x1a\n"
    assert a == b
    with pytest.raises(TypeError, match="fig"):
        style.to_png("figure")
    with pytest.raises(ValueError, match="dpi"):
        style.to_png(draw(), dpi=5)


def test_control_title_and_format_number():
    assert nkp.control_title("AND", {"w₁": 1.0, "b": -1.5}) == "AND  (w₁ = 1, b = -1.5)"
    assert nkp.control_title(lr=0.001) == "lr = 0.001"
    assert nkp.format_number(1e-5) == "1e-05"
    assert nkp.format_number("XOR") == "XOR"


def test_neuron_line_zero_neuron_fires_everywhere_without_a_second_shade():
    # w = 0, b = 0: z = 0 everywhere, and the step fires at z = 0.
    ax = nkp.neuron_line([0.0, 0.0], 0.0)
    assert len(ax.patches) == 1
    assert mcolors.to_hex(ax.patches[0].get_facecolor()[:3]) == CLASS_COLORS[1].lower()


def test_format_number_with_decimals():
    assert style.format_number(0.5, 3) == "0.500"
    assert style.format_number(-0.0, 3) == "0.000"
    assert style.format_number(np.array([[1.0, -2.0]]), 1) == "[1.0, -2.0]"
    assert style.format_number(np.eye(2), 0) == "[[1, 0], [0, 1]]"
    with pytest.raises(ValueError, match="decimals"):
        style.format_number(1.0, -1)
    with pytest.raises(ValueError, match="shape"):
        style.format_number(np.zeros((2, 2, 2)), 1)
