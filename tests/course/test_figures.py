"""nnkit/course/figures.py, the figures several chapters share: what they draw, and how
they refuse bad input."""

import matplotlib.colors as mcolors
import numpy as np
import pytest

import nnkit as nk
import nnkit.course.style as style
from nnkit.course import figures
from nnkit.course.grid import Grid
from nnkit.course.runs import record_run
from nnkit.course.style import CLASS_COLORS, WRONG_COLOR

GATE_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def polygon_area(p):
    x, y = p[:, 0], p[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def test_scatter_classes_colours_each_class_and_rings_wrong_points():
    y = np.array([0, 0, 0, 1])
    ax = figures.scatter_classes(GATE_X, y, wrong=np.array([False, True, False, False]))
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
        figures.scatter_classes(np.zeros((4, 3)), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="y"):
        figures.scatter_classes(GATE_X, np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="integer"):
        figures.scatter_classes(GATE_X, np.array([0, 0.5, 1, 1]))


def shaded_areas(w, b):
    """Areas of the regions neuron_line shades in the unit square: firing side first."""
    ax = figures.neuron_line(np.array(w), b, xlim=(0, 1), ylim=(0, 1), show_normal=False)
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
    ax = figures.neuron_line(w, b)
    line = ax.lines[0]
    pts = np.column_stack([line.get_xdata(), line.get_ydata()])
    assert np.allclose(pts @ w + b, 0.0)
    fills = [p for p in ax.patches if p.get_facecolor()[3] < 1]
    assert len(fills) == 2
    total = sum(polygon_area(p.get_xy()) for p in fills)
    assert total == pytest.approx(2.0 * 2.0)


def test_neuron_line_with_zero_weights_has_no_line():
    ax = figures.neuron_line([0.0, 0.0], 1.0)
    assert len(ax.lines) == 0
    # b > 0: the whole view fires, so all of it is tinted in class 1's colour.
    assert len(ax.patches) == 1
    with pytest.raises(ValueError, match="w"):
        figures.neuron_line([1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match="finite"):
        figures.neuron_line([np.nan, 1.0], 0.0)


def test_loss_curves_marks_divergence_and_caps_the_axis():
    runs = {"good": [1.0, 0.5, 0.25], "bad": [1.0, 3.0, 1e9, np.inf]}
    ax = figures.loss_curves(runs)
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

    ax = figures.loss_curves([History()], logy=True)
    assert ax.get_yscale() == "log"
    assert list(ax.lines[0].get_ydata()) == [2.0, 1.0, 0.1, 0.01]
    with pytest.raises(ValueError, match="at least one"):
        figures.loss_curves({})
    with pytest.raises(TypeError, match="runs"):
        figures.loss_curves("loss")


def test_neuron_line_zero_neuron_fires_everywhere_without_a_second_shade():
    # w = 0, b = 0: z = 0 everywhere, and the step fires at z = 0.
    ax = figures.neuron_line([0.0, 0.0], 0.0)
    assert len(ax.patches) == 1
    assert mcolors.to_hex(ax.patches[0].get_facecolor()[:3]) == CLASS_COLORS[1].lower()


def test_diverged_run_is_marked_in_its_own_colour():
    ax = figures.loss_curves({"zeros": [1.0, 0.9, 0.8], "Xavier": [1.0, 5.0, np.inf]}, logy=True)
    crosses = [line for line in ax.get_lines() if line.get_marker() == "X"]
    assert len(crosses) == 1
    assert mcolors.to_hex(crosses[0].get_color()) == mcolors.to_hex(style.curve_color(1))
    assert mcolors.to_hex(crosses[0].get_color()) != mcolors.to_hex(style.WRONG_COLOR)


def test_rings_of_wrong_points_sit_under_the_points():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    ax = figures.scatter_classes(X, np.array([0, 1]), wrong=np.array([True, True]))
    points = [c for c in ax.collections if c.get_label().startswith("class")]
    (rings,) = [c for c in ax.collections if c.get_label() == "wrong"]
    assert all(rings.get_zorder() < p.get_zorder() for p in points)


# ---------------------------------------------------------------- the probability map

def p_is_x1(points):
    """A classifier whose P(class 1) is the first input: its boundary is the line x1 = 0.5."""
    return points[:, 0]


def test_probability_map_draws_the_boundary_where_p_is_one_half():
    grid = Grid.over((0.0, 1.0), (0.0, 1.0), 21)
    y = np.array([0, 0, 1, 0])  # the last point, at x1 = 1, is wrong for this classifier
    wrong = (GATE_X[:, 0] >= 0.5) != y
    ax = figures.probability_map(grid, grid.evaluate(p_is_x1), X=GATE_X, y=y, wrong=wrong)
    (boundary,) = [c for c in ax.collections if list(getattr(c, "levels", [])) == [0.5]]
    vertices = np.vstack([path.vertices for path in boundary.get_paths()])
    np.testing.assert_allclose(vertices[:, 0], 0.5, atol=1e-9)
    (rings,) = [c for c in ax.collections if c.get_label() == "wrong"]
    np.testing.assert_allclose(rings.get_offsets(), [[1, 1]])
    assert ax.get_xlim() == (0.0, 1.0) and list(ax.get_xticks()) == []


def test_probability_map_shades_by_class_or_by_confidence():
    grid = Grid.over((0.0, 1.0), (0.0, 1.0), 11)
    prob = grid.evaluate(p_is_x1)
    ax = figures.probability_map(grid, prob, graded=False)
    (image,) = ax.images
    colours = image.get_array()
    assert colours.shape[:2] == grid.shape
    np.testing.assert_allclose(colours[0, 0], style.region_color(0))
    np.testing.assert_allclose(colours[0, -1], style.region_color(1))
    graded = figures.probability_map(grid, prob)
    assert not graded.images
    (shading,) = [c for c in graded.collections if len(getattr(c, "levels", [])) == 11]
    assert list(shading.levels) == pytest.approx(np.linspace(0, 1, 11))


def test_held_out_points_are_hollow_and_training_points_filled():
    grid = Grid.over((0.0, 1.0), (0.0, 1.0), 5)
    ax = figures.probability_map(grid, grid.evaluate(p_is_x1), X=GATE_X[:2], y=[0, 1],
                             X_held_out=GATE_X[2:], y_held_out=[0, 1])
    points = [c for c in ax.collections if c.get_label().startswith("class")]
    filled, hollow = points[:2], points[2:]
    assert all(c.get_facecolor()[0][3] > 0 for c in filled)
    assert all(len(c.get_facecolor()) == 0 or c.get_facecolor()[0][3] == 0 for c in hollow)


def test_probability_map_checks_its_input():
    grid = Grid.over((0.0, 1.0), (0.0, 1.0), 5)
    with pytest.raises(ValueError, match="prob"):
        figures.probability_map(grid, np.zeros((4, 5)))
    with pytest.raises(TypeError, match="grid"):
        figures.probability_map((np.zeros(5), np.zeros(5)), np.zeros((5, 5)))
    with pytest.raises(ValueError, match="wrong"):
        figures.probability_map(grid, np.zeros((5, 5)), wrong=np.zeros(5, dtype=bool))
    # A diverged network's nan shows as undecided: no boundary, no error.
    ax = figures.probability_map(grid, np.full((5, 5), np.nan), title="undecided")
    assert ax.get_title() == "undecided"
    assert not [c for c in ax.collections if list(getattr(c, "levels", [])) == [0.5]]


# ---------------------------------------------------------------- the frames of a run

@pytest.fixture(scope="module")
def run():
    X, y = nk.datasets.moons(60, noise=0.2, rng=0)
    model = nk.mlp([2, 4, 2], activation="tanh", rng=0)
    return record_run(model, (X[:40], y[:40], X[40:], y[40:]),
                      nk.SGD(model.parameters(), lr=0.5), epochs=4, batch_size=8,
                      grid=Grid.around(X, 12), snapshots=(0, 2, 4))


def test_run_figure_reuses_one_figure_and_grows_the_curves(run):
    frames = figures.RunFigure(max_epoch=6, held_out="validation")
    first = frames.frame(run, 0)
    png = style.to_png(first)
    later = frames.frame(run, 3)
    assert later is first and style.to_png(later) != png
    map_ax, loss_ax = later.axes
    assert map_ax.get_title() == "epoch 3"
    training, held_out = loss_ax.lines[:2]
    assert held_out.get_label() == "validation loss"
    np.testing.assert_allclose(training.get_ydata(), run.train_loss[:4])
    np.testing.assert_allclose(held_out.get_ydata(), run.val_loss[:4])
    assert loss_ax.get_xlim() == (0, 6)
    # One map at a time: the previous frame's points are gone.
    assert len([c for c in map_ax.collections if c.get_label().startswith("class")]) == 4
    # After the last epoch recorded, the curves stop there.
    frames.frame(run, 6)
    assert len(loss_ax.lines[0].get_ydata()) == 5
    with pytest.raises(ValueError, match="epoch"):
        frames.frame(run, 7)


def test_run_figure_clips_to_its_range_on_a_log_axis(run):
    frames = figures.RunFigure(max_epoch=4, graded=False, logy=True, ylim=(0.5, 0.6))
    fig = frames.frame(run, 4)
    loss_ax = fig.axes[1]
    assert loss_ax.get_yscale() == "log" and loss_ax.get_ylim() == pytest.approx((0.5, 0.6))
    assert np.all((loss_ax.lines[0].get_ydata() >= 0.5) & (loss_ax.lines[0].get_ydata() <= 0.6))
    assert fig.axes[0].images
