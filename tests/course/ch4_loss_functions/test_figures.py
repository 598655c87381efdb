"""Tests of the chapter-4 figures (nnkit.course.ch4_loss_functions.figures)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnkit.course.ch4_loss_functions import figures
from nnkit.course.widgets import MAX_PNG_BYTES, frame_png

X_GRID = np.linspace(-2.0, 2.0, 41)


def response_figure():
    return figures.ResponseFigure(
        X_GRID, {"square": (X_GRID**2, 2 * X_GRID), "abs": (np.abs(X_GRID), np.sign(X_GRID))},
        xlabel="x", target=0.0)


def test_response_frame_marks_the_nearest_grid_point():
    figure = response_figure()
    fig = figure.frame(0.93, title="x = 0.93")
    # Nearest grid point to 0.93 on a 0.1 grid is 0.9.
    dots = [line for ax in fig.axes for line in ax.lines if line.get_marker() == "o"]
    assert len(dots) == 4  # one dot per curve, in each of the two panels
    xs = sorted({float(d.get_xdata()[0]) for d in dots})
    assert xs == pytest.approx([0.9])
    ys = sorted(float(d.get_ydata()[0]) for d in dots)
    assert ys == pytest.approx(sorted([0.81, 1.8, 0.9, 1.0]))
    assert fig.get_suptitle() == "x = 0.93"


def test_response_frames_reuse_one_figure_with_fixed_axes():
    figure = response_figure()
    first = figure.frame(-2.0)
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in first.axes]
    positions = [ax.get_position().bounds for ax in first.axes]
    second = figure.frame(2.0)
    assert second is first
    assert [(ax.get_xlim(), ax.get_ylim()) for ax in second.axes] == limits
    assert [ax.get_position().bounds for ax in second.axes] == positions


def test_response_figure_rejects_bad_curves():
    with pytest.raises(ValueError, match="curves"):
        figures.ResponseFigure(X_GRID, {}, xlabel="x")
    with pytest.raises(ValueError, match="square"):
        figures.ResponseFigure(X_GRID, {"square": (X_GRID**2, X_GRID[:-1])}, xlabel="x")
    with pytest.raises(ValueError, match="pair"):
        figures.ResponseFigure(X_GRID, {"square": (X_GRID,)}, xlabel="x")
    with pytest.raises(ValueError, match="x"):
        figures.ResponseFigure(np.zeros((3, 2)), {"a": (np.zeros(3), np.zeros(3))}, xlabel="x")


def bar_heights(ax):
    return np.array([patch.get_height() for patch in ax.patches])


def test_softmax_frame_bars_show_logits_probabilities_and_gradient():
    figure = figures.SoftmaxFigure(n_classes=3, target=1)
    z = np.array([2.0, -1.0, 0.5])
    fig = figure.frame(z)
    ax_z, ax_p, ax_g = fig.axes
    np.testing.assert_allclose(bar_heights(ax_z), z)
    probs = np.exp(z) / np.exp(z).sum()
    # The middle panel also holds the dashed one-hot outline (three more bars).
    np.testing.assert_allclose(bar_heights(ax_p)[:3], probs)
    np.testing.assert_allclose(bar_heights(ax_p)[3:], [0.0, 1.0, 0.0])
    grad = bar_heights(ax_g)
    np.testing.assert_allclose(grad, probs - np.array([0.0, 1.0, 0.0]))
    assert grad.sum() == pytest.approx(0.0, abs=1e-12)
    assert grad[1] < 0 < grad[0]


def test_softmax_frame_is_stable_for_huge_logits():
    fig = figures.SoftmaxFigure(n_classes=3, target=0).frame([1000.0, 0.0, -1000.0])
    assert np.all(np.isfinite(bar_heights(fig.axes[2])))


def test_softmax_figure_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_classes"):
        figures.SoftmaxFigure(n_classes=1, target=0)
    with pytest.raises(ValueError, match="target"):
        figures.SoftmaxFigure(n_classes=3, target=3)
    with pytest.raises(ValueError, match="logits"):
        figures.SoftmaxFigure(n_classes=3, target=0).frame([1.0, 2.0])


def pairings(n_epochs=4):
    rng = np.random.default_rng(0)
    X_reg = np.linspace(-1, 1, 20).reshape(-1, 1)
    X_cls = rng.normal(size=(30, 2))
    y_cls = (X_cls[:, 0] > 0).astype(int)
    panels = [
        dict(title="reg", kind="regression", X=X_reg, y=X_reg * 2,
             losses=np.linspace(1.0, 0.1, n_epochs + 1)),
        dict(title="cls", kind="classification", X=X_cls, y=y_cls,
             losses=np.linspace(0.7, 0.2, n_epochs + 1)),
    ]
    return figures.PairingsFigure(panels, n_epochs=n_epochs, resolution=20)


def test_pairings_frame_draws_each_model_and_the_loss_so_far():
    figure = pairings()
    fig = figure.frame(2, [lambda X: 3 * X, lambda X: (X[:, :1] > 0).astype(float)],
                       ["note a", "note b"])
    ax_reg, ax_cls, loss_reg, _ = fig.axes
    fit = ax_reg.lines[0]
    np.testing.assert_allclose(fit.get_ydata(), 3 * fit.get_xdata())
    regions = np.asarray(ax_cls.images[0].get_array())
    assert regions.shape == (20, 20)
    assert set(np.unique(regions)) == {0, 1}
    drawn = loss_reg.lines[1]
    assert len(drawn.get_xdata()) == 3  # epochs 0, 1, 2
    assert loss_reg.get_title() == "note a"


def test_pairings_frame_reads_class_scores_by_argmax():
    figure = pairings()
    scores = lambda X: np.column_stack([X[:, 1], -X[:, 1]])  # noqa: E731 - a tiny stand-in model
    fig = figure.frame(0, [lambda X: X, scores], ["", ""])
    regions = np.asarray(fig.axes[1].images[0].get_array())
    # Class 0 wins where x2 > 0, i.e. in the upper half of the grid (origin="lower").
    assert regions[-1].max() == 0 and regions[0].min() == 1


def test_pairings_figure_rejects_bad_arguments():
    figure = pairings()
    with pytest.raises(ValueError, match="epoch"):
        figure.frame(5, [np.sin, np.sin], ["", ""])
    with pytest.raises(ValueError, match="predicts"):
        figure.frame(1, [np.sin], [""])
    with pytest.raises(ValueError, match="kind"):
        figures.PairingsFigure([dict(title="x", kind="clustering", X=np.zeros((3, 2)),
                                  y=np.zeros(3), losses=[1, 0])], n_epochs=1)
    with pytest.raises(ValueError, match="losses"):
        figures.PairingsFigure([dict(title="x", kind="regression", X=np.zeros((3, 1)),
                                  y=np.arange(3.0), losses=[1, 0])], n_epochs=5)


def test_mismatch_frame_plots_accuracy_and_log_gradient_norms():
    runs = {"BCE": dict(accuracy=[0.0, 0.6, 1.0], grad_norm=[4.0, 1.0]),
            "MSE": dict(accuracy=[0.0, 0.0, 0.0], grad_norm=[1e-4, 0.0])}
    fig = figures.mismatch_frame(runs, title="c = 2")
    ax_acc, ax_grad = fig.axes
    assert len(ax_acc.lines) == 2 and len(ax_grad.lines) == 2
    assert ax_grad.get_yscale() == "log"
    # An exactly-zero gradient is floored so that the log axis can still show it.
    assert np.min(ax_grad.lines[1].get_ydata()) == pytest.approx(1e-12)
    with pytest.raises(ValueError, match="runs"):
        figures.mismatch_frame({})


@pytest.mark.parametrize("make", [
    lambda: response_figure().frame(1.0, title="a title"),
    lambda: figures.SoftmaxFigure(3, 0).frame([1.0, 2.0, 0.0], title="a title"),
    lambda: pairings().frame(4, [np.sin, lambda X: X[:, :1]], ["a", "b"]),
    lambda: figures.mismatch_frame({"a": dict(accuracy=[0, 1], grad_norm=[1.0])}),
])
def test_frames_fit_the_widget_budget(make):
    fig = make()
    assert isinstance(fig, Figure)
    assert len(frame_png(fig)) <= MAX_PNG_BYTES
