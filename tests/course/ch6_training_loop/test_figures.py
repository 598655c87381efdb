"""Chapter 6's figures: the explorer's frames, the race, and how a digits classifier errs."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnkit.course.ch6_training_loop import figures
from nnkit.course.ch6_training_loop.lab import NetConfig, train_run
from nnkit.course.style import to_png


@pytest.fixture(scope="module")
def runs():
    modes = {"batch": None, "mini-batch (8)": 8, "stochastic": 1}
    return {
        name: train_run(
            NetConfig((4,), "tanh", 0.3, size),
            "moons",
            epochs=4,
            snapshots=[0, 2, 4],
            n=60,
            grid_size=20,
        )
        for name, size in modes.items()
    }


def test_explorer_figure_reuses_one_figure_and_changes_frames(runs):
    explorer = figures.ExplorerFigure(max_epoch=4)
    run = runs["mini-batch (8)"]
    first = explorer.frame(run, 0)
    png0 = to_png(first)
    later = explorer.frame(run, 4)
    assert later is first and isinstance(later, Figure)
    assert to_png(later) != png0
    titles = [ax.get_title() for ax in later.axes]
    assert titles[0].startswith("moons, epoch 4: validation acc")
    assert titles[1] == run.config["net"].describe()
    curve = later.axes[1].lines[0]
    np.testing.assert_allclose(curve.get_ydata(), run.train_loss[:5])
    with pytest.raises(ValueError, match="epoch"):
        explorer.frame(run, 5)
    with pytest.raises(ValueError, match="max_epoch"):
        figures.ExplorerFigure(0)


def test_race_frame_titles_count_updates(runs):
    fig = figures.race_frame(runs, 2)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 3
    assert "2 updates" in titles[0] and "12 updates" in titles[1] and "90 updates" in titles[2]


def test_race_curves_share_a_capped_y_range(runs):
    fig = figures.race_curves(runs)
    assert len(fig.axes) == 3
    top = 1.5 * max(run.train_loss[0] for run in runs.values())
    assert fig.axes[0].get_ylim() == pytest.approx((0, top))
    assert fig.axes[0].get_xscale() == "log" and fig.axes[2].get_xscale() == "log"


def test_confusion_matrix_labels_every_nonzero_cell():
    counts = np.array([[5, 1, 0], [0, 4, 0], [2, 0, 3]])
    ax = figures.confusion_matrix(counts, title="toy")
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(c) for c in counts.ravel() if c)
    with pytest.raises(ValueError, match="counts"):
        figures.confusion_matrix(np.zeros((2, 3)))


def test_digit_gallery_titles_and_checks():
    images = np.random.default_rng(0).random((3, 64))
    fig = figures.digit_gallery(images, [1, 2, 3], [7, 5, 8], confidence=[0.5, 0.9, 0.99], ncols=2)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["1 → 7 (50%)", "2 → 5 (90%)", "3 → 8 (99%)"]
    with pytest.raises(ValueError, match="images"):
        figures.digit_gallery(np.zeros((2, 63)), [1, 2], [2, 1])
    with pytest.raises(ValueError, match="true, predicted"):
        figures.digit_gallery(images, [1], [2, 3, 4])
