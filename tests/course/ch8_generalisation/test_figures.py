"""Chapter 8's figures draw what they claim and refuse what they cannot draw."""

import pytest
from matplotlib.figure import Figure

import nnkit as nk
from nnkit.course.ch8_generalisation import figures, lab
from nnkit.course.widgets import frame_png


@pytest.fixture(scope="module")
def short_run():
    return lab.train_run("64 units", 20, epochs=6, snapshots=(2, 6), grid_size=12)


def test_overfitting_frames_fit_the_widget_budget(short_run):
    frame = figures.OverfittingFrame(max_epoch=6)
    for epoch in (2, 6):
        fig = frame.frame(short_run, epoch)
        assert isinstance(fig, Figure)
        assert len(frame_png(fig)) < 40_000
    assert frame.fig.axes[0].get_title() == "64 units, 20 training points, epoch 6"
    gap = short_run.val_loss[6] - short_run.train_loss[6]
    assert frame.fig.axes[1].get_title() == f"gap (validation − training) {gap:.2f}"
    assert frame.fig.axes[1].get_yscale() == "log"
    with pytest.raises(ValueError, match="nothing recorded"):
        frame.frame(short_run, 1)


def test_learning_curves_mark_the_best_epoch(short_run):
    ax = figures.learning_curves(short_run.history, title="t")
    assert len(ax.lines) == 3   # training, validation, best epoch
    assert ax.get_yscale() == "log"
    history = nk.History()
    history.train_loss = [1.0, 0.5]
    with pytest.raises(ValueError, match="needs a run with validation"):
        figures.learning_curves(history)


def test_loss_contours_and_their_checks():
    X, y = lab.house_prices(n=40)
    ax = figures.loss_contours(X, y)
    assert ax.get_aspect() == 1.0
    with pytest.raises(ValueError, match="expected shapes"):
        figures.loss_contours(X[:5], y)
