"""Chapter 2's figures draw what they claim and fit the
widget frame budget."""

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnkit.course.ch2_learning_rate import figures as pd
from nnkit.course.ch2_learning_rate.lab import (
    Quadratic,
    SweepResult,
    gradient_descent,
    plateau_bowl,
)
from nnkit.course.style import PIXEL_RATIO
from nnkit.course.widgets import MAX_PNG_BYTES, frame_png


def test_path_1d_draws_curve_and_visible_path():
    q = Quadratic(2.0)
    path = gradient_descent(q, 2.0, 0.3, 5)
    ax = pd.path_1d(q, path, step=3)
    assert isinstance(ax, Axes)
    curve = ax.lines[0]
    np.testing.assert_allclose(curve.get_ydata(), curve.get_xdata() ** 2)
    # Points w_0..w_3 plus the highlighted current point.
    offsets = np.vstack([c.get_offsets() for c in ax.collections])
    np.testing.assert_allclose(offsets[:4, 0], path.weights[:4, 0])
    np.testing.assert_allclose(offsets[-1], [path.weights[3, 0], path.losses[3]])


def test_path_1d_marks_points_that_leave_the_view():
    q = Quadratic(2.0)
    path = gradient_descent(q, 2.0, 1.5, 10)
    ax = pd.path_1d(q, path, step=4, xlim=(-3, 3))
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 1  # w_1 = -4 is already outside, later points are not drawn


def test_path_2d_and_frame_fit_the_budget():
    q = Quadratic(np.diag([1.0, 10.0]))
    path = gradient_descent(q, [-2.5, 0.8], 0.18, 12)
    ax = pd.path_2d(q, path, step=12, xlim=(-3, 3), ylim=(-2, 2))
    assert ax.get_xlim() == (-3, 3)
    for objective, p, lims in [(q, path, dict(xlim=(-3, 3), ylim=(-2, 2))),
                               (Quadratic(2.0), gradient_descent(Quadratic(2.0), 2.0, 1.5, 12),
                                dict(xlim=(-5, 5), ylim=(-1, 30)))]:
        fig = pd.descent_frame(objective, p, 12, **lims)
        assert isinstance(fig, Figure)
        assert len(frame_png(fig)) <= MAX_PNG_BYTES


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def test_frame_titles_state_lr_step_and_divergence():
    q = Quadratic(2.0)
    path = gradient_descent(q, 2.0, 1.5, 12)
    fig = pd.descent_frame(q, path, 12, xlim=(-5, 5), ylim=(-1, 30))
    left, right = fig.axes
    assert "η = 1.5, step = 12" in _texts(left)
    assert f"diverged at step {path.diverged_step}" in _texts(right)
    fig = pd.descent_frame(q, path, 2, xlim=(-5, 5), ylim=(-1, 30))
    assert f"loss {path.losses[2]:.3g} after 2 steps" in _texts(fig.axes[1])


def _pixels(fig):
    import io

    from PIL import Image

    from nnkit.course.style import to_png

    return np.asarray(Image.open(io.BytesIO(to_png(fig))).convert("RGB")).astype(int)


@pytest.mark.parametrize("dim", [1, 2])
def test_animator_frames_match_full_rendering(dim):
    if dim == 1:
        q, w0, lims = Quadratic(2.0), 2.5, dict(xlim=(-4, 4), ylim=(-0.5, 16.5))
    else:
        q, w0, lims = Quadratic([[3.0, 1.0], [1.0, 4.0]]), [-2.0, 1.0], dict(xlim=(-3, 3),
                                                                              ylim=(-2, 2))
    path = gradient_descent(q, w0, 0.6 if dim == 1 else 0.45, 10)
    animator = pd.DescentAnimator(q, 10, **lims)
    for step in (4, 10):
        fast = _pixels(animator.frame(path, step))
        full = _pixels(pd.descent_frame(q, path, step, **lims))
        # 8 x 3.2 in at 80 dpi, with PIXEL_RATIO image pixels per displayed pixel.
        assert fast.shape == full.shape == (256 * PIXEL_RATIO, 640 * PIXEL_RATIO, 3)
        # Drawing the same artists over a cached background: at most a few pixels differ
        # by antialiasing.
        assert np.mean(np.abs(fast - full).max(axis=2) > 0) < 1e-3
    # Frames do change with the step, and the cached background is not overwritten.
    a, b = _pixels(animator.frame(path, 0)), _pixels(animator.frame(path, 10))
    assert np.mean(np.abs(a - b).max(axis=2) > 0) > 1e-3
    np.testing.assert_array_equal(a, _pixels(animator.frame(path, 0)))


def test_animator_rejects_mismatched_paths():
    animator = pd.DescentAnimator(Quadratic(2.0), 5)
    other = gradient_descent(Quadratic(np.eye(2)), [1.0, 1.0], 0.1, 5)
    with pytest.raises(ValueError, match="1-D weights"):
        animator.frame(other, 3)
    with pytest.raises(ValueError, match="steps"):
        pd.DescentAnimator(Quadratic(2.0), -1)


def test_stability_curve_matches_formula():
    ax = pd.stability([1.0, 10.0], lrs=[0.05, 0.1], measured=[0.95, 0.9])
    eta, rho = ax.lines[0].get_data()
    np.testing.assert_allclose(rho, np.maximum(np.abs(1 - eta), np.abs(1 - 10 * eta)))
    assert ax.lines[1].get_xdata()[0] == pytest.approx(0.2)
    with pytest.raises(ValueError, match="curvatures"):
        pd.stability([0.0, 1.0])
    with pytest.raises(ValueError, match="same shape"):
        pd.stability([1.0], lrs=[0.1, 0.2], measured=[0.5])


def test_sweep_plot_rings_best_and_marks_diverged():
    result = SweepResult(lrs=np.array([0.01, 0.1, 1.0]), final_losses=np.array([0.5, 0.1, np.inf]),
                         diverged=np.array([False, False, True]), histories=[None] * 3)
    ax = pd.sweep(result)
    labels = ax.get_legend_handles_labels()[1]
    assert "best η = 0.1" in labels and "diverged" in labels


def test_bad_arguments_are_named():
    q = Quadratic(2.0)
    path = gradient_descent(q, 1.0, 0.1, 3)
    with pytest.raises(ValueError, match="2-D loss"):
        pd.path_2d(q, path)
    with pytest.raises(TypeError, match="path"):
        pd.path_1d(q, [1, 2, 3])
    with pytest.raises(ValueError, match="step"):
        pd.path_1d(q, path, step=-1)
    with pytest.raises(TypeError, match="ax"):
        pd.path_1d(plateau_bowl(), path, ax="here")
