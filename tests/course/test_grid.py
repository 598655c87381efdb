"""nnkit/course/grid.py: the one grid over the plane, laid out as matplotlib reads it."""

import numpy as np
import pytest

from nnkit.course.grid import Grid


def test_points_run_row_by_row_and_values_come_back_as_rows():
    grid = Grid.over((0.0, 2.0), (10.0, 11.0), 3)
    assert grid.shape == (3, 3) and grid.xlim == (0.0, 2.0) and grid.ylim == (10.0, 11.0)
    np.testing.assert_allclose(grid.points[:4], [[0, 10], [1, 10], [2, 10], [0, 10.5]])
    values = grid.evaluate(lambda p: p[:, 0] + 100 * p[:, 1])
    # Row i holds height ys[i], column j position xs[j]: contour(xs, ys, values) reads it so.
    assert values[2, 1] == pytest.approx(1 + 100 * 11)
    gx, gy = grid.mesh
    np.testing.assert_allclose(values, gx + 100 * gy)
    assert grid.evaluate(lambda p: p[:, :1]).shape == (3, 3)


def test_around_widens_the_box_by_a_fraction_of_its_extent():
    X = np.array([[0.0, 0.0], [4.0, 2.0]])
    grid = Grid.around(X, 5, margin=0.25)
    assert grid.xlim == (-1.0, 5.0) and grid.ylim == (-0.5, 2.5)
    # One point still gives a box with some width.
    single = Grid.around(np.array([[1.0, 1.0]]), 4)
    assert single.xlim[0] < 1.0 < single.xlim[1]


@pytest.mark.parametrize("make, error, match", [
    (lambda: Grid.over((1.0, 0.0), (0.0, 1.0), 5), ValueError, "low < high"),
    (lambda: Grid.over((0.0, 1.0), (0.0, 1.0), 1), ValueError, "size"),
    (lambda: Grid.around(np.zeros((3, 3)), 5), ValueError, "X"),
    (lambda: Grid.around(np.zeros((0, 2)), 5), ValueError, "X"),
])
def test_bad_grids_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()
