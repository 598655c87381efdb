"""Chapter 2's figures draw what they claim and fit the
widget frame budget."""

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from nnkit.course.ch2_learning_rate import figures
from nnkit.course.ch2_learning_rate.lab import (
    Quadratic,
    SweepResult,
    gradient_descent,
    plateau_bowl,
)
from nnkit.course.style import PIXEL_RATIO
from nnkit.course.widgets import MAX_PNG_BYTES, frame_png


def _shown(animator, path, step):
    """The dynamic artists of a frame (removed again, so the animator stays reusable)."""
    artists = animator.artists(path, step)
    for artist in artists:
        artist.remove()
    return artists


def test_animator_1d_draws_curve_and_visible_path():
    q = Quadratic(2.0)
    path = gradient_descent(q, 2.0, 0.3, 5)
    animator = figures.DescentAnimator(q, 5)
    curve = animator.left.lines[0]
    np.testing.assert_allclose(curve.get_ydata(), curve.get_xdata() ** 2)
    # Points w_0..w_3 plus the highlighted current point.
    artists = _shown(animator, path, 3)
    offsets = np.vstack([a.get_offsets() for a in artists if isinstance(a, PathCollection)])
    np.testing.assert_allclose(offsets[:4, 0], path.weights[:4, 0])
    np.testing.assert_allclose(offsets[-1], [path.weights[3, 0], path.losses[3]])


def test_animator_marks_points_that_leave_the_view():
    q = Quadratic(2.0)
    path = gradient_descent(q, 2.0, 1.5, 10)
    artists = _shown(figures.DescentAnimator(q, 10, xlim=(-3, 3)), path, 4)
    arrows = [a for a in artists if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 1  # w_1 = -4 is already outside, later points are not drawn


def test_frames_fit_the_budget():
    q = Quadratic(np.diag([1.0, 10.0]))
    path = gradient_descent(q, [-2.5, 0.8], 0.18, 12)
    for objective, p, lims in [(q, path, dict(xlim=(-3, 3), ylim=(-2, 2))),
                               (Quadratic(2.0), gradient_descent(Quadratic(2.0), 2.0, 1.5, 12),
                                dict(xlim=(-5, 5), ylim=(-1, 30)))]:
        animator = figures.DescentAnimator(objective, 12, **lims)
        assert animator.left.get_xlim() == lims["xlim"]
        fig = animator.frame(p, 12)
        assert isinstance(fig, Figure)
        assert len(frame_png(fig)) <= MAX_PNG_BYTES


def _texts(artists):
    return [a.get_text() for a in artists if isinstance(a, Text)]


def test_frame_titles_state_lr_step_and_divergence():
    q = Quadratic(2.0)
    path = gradient_descent(q, 2.0, 1.5, 12)
    animator = figures.DescentAnimator(q, 12, xlim=(-5, 5), ylim=(-1, 30))
    texts = _texts(_shown(animator, path, 12))
    assert "η = 1.5, step = 12" in texts
    assert f"diverged at step {path.diverged_step}" in texts
    assert f"loss {path.losses[2]:.3g} after 2 steps" in _texts(_shown(animator, path, 2))


def _pixels(fig):
    import io

    from PIL import Image

    from nnkit.course.style import to_png

    return np.asarray(Image.open(io.BytesIO(to_png(fig))).convert("RGB")).astype(int)


@pytest.mark.parametrize("dim", [1, 2])
def test_animator_frames_change_with_the_step_over_a_fixed_background(dim):
    if dim == 1:
        q, w0, lims = Quadratic(2.0), 2.5, dict(xlim=(-4, 4), ylim=(-0.5, 16.5))
    else:
        q, w0, lims = Quadratic([[3.0, 1.0], [1.0, 4.0]]), [-2.0, 1.0], dict(xlim=(-3, 3),
                                                                              ylim=(-2, 2))
    path = gradient_descent(q, w0, 0.6 if dim == 1 else 0.45, 10)
    animator = figures.DescentAnimator(q, 10, **lims)
    a, b = _pixels(animator.frame(path, 0)), _pixels(animator.frame(path, 10))
    # 8 x 3.2 in at 80 dpi, with PIXEL_RATIO image pixels per displayed pixel.
    assert a.shape == b.shape == (256 * PIXEL_RATIO, 640 * PIXEL_RATIO, 3)
    # Frames do change with the step, and the cached background is not overwritten.
    assert np.mean(np.abs(a - b).max(axis=2) > 0) > 1e-3
    np.testing.assert_array_equal(a, _pixels(animator.frame(path, 0)))


def test_animator_rejects_mismatched_paths():
    animator = figures.DescentAnimator(Quadratic(2.0), 5)
    other = gradient_descent(Quadratic(np.eye(2)), [1.0, 1.0], 0.1, 5)
    with pytest.raises(ValueError, match="1-D weights"):
        animator.frame(other, 3)
    with pytest.raises(ValueError, match="steps"):
        figures.DescentAnimator(Quadratic(2.0), -1)


def test_stability_curve_matches_formula():
    ax = figures.stability([1.0, 10.0], lrs=[0.05, 0.1], measured=[0.95, 0.9])
    eta, rho = ax.lines[0].get_data()
    np.testing.assert_allclose(rho, np.maximum(np.abs(1 - eta), np.abs(1 - 10 * eta)))
    assert ax.lines[1].get_xdata()[0] == pytest.approx(0.2)
    with pytest.raises(ValueError, match="curvatures"):
        figures.stability([0.0, 1.0])
    with pytest.raises(ValueError, match="same shape"):
        figures.stability([1.0], lrs=[0.1, 0.2], measured=[0.5])


def test_sweep_plot_rings_best_and_marks_diverged():
    result = SweepResult(lrs=np.array([0.01, 0.1, 1.0]), final_losses=np.array([0.5, 0.1, np.inf]),
                         diverged=np.array([False, False, True]), histories=[None] * 3)
    ax = figures.sweep(result)
    labels = ax.get_legend_handles_labels()[1]
    assert "best η = 0.1" in labels and "diverged" in labels


def test_bad_arguments_are_named():
    q = Quadratic(2.0)
    path = gradient_descent(q, 1.0, 0.1, 3)
    animator = figures.DescentAnimator(q, 3)
    with pytest.raises(TypeError, match="path"):
        animator.frame([1, 2, 3], 1)
    with pytest.raises(ValueError, match="step"):
        animator.frame(path, -1)
    with pytest.raises(TypeError, match="objective"):
        figures.DescentAnimator(plateau_bowl, 3)
