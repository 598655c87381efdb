"""Chapter 11's figures and the shared monitors figure: what each panel draws."""

import matplotlib.axes
import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch11_debugging import figures, lab
from nnkit.course.style import new_figure
from nnkit.course.widgets import MAX_PNG_BYTES, frame_png


@pytest.fixture(scope="module")
def history():
    X, y, X_val, y_val, _, _ = lab.spirals_data()
    return lab.train(lab.network(), (X, y, X_val, y_val), epochs=3)


def test_monitors_draws_one_curve_per_layer(history):
    axes = figures.monitors(history)
    assert len(axes) == 4 and all(isinstance(ax, matplotlib.axes.Axes) for ax in axes)
    loss_ax, grad_ax, ratio_ax, act_ax = axes
    assert len(loss_ax.lines) == 2                        # training and validation
    assert len(grad_ax.lines) == len(history.weight_layers)
    assert len(ratio_ax.lines) == len(history.weight_layers) + 1   # and the 1e-3 line
    assert len(act_ax.lines) == 2 * len(history.activation_stats[0])
    np.testing.assert_allclose(grad_ax.lines[0].get_ydata(),
                               [norms[0] for norms in history.grad_norms])
    assert ratio_ax.get_yscale() == "log"


def test_monitors_into_given_axes_and_without_monitors():
    X, y, X_val, y_val, _, _ = lab.spirals_data()
    model = lab.network()
    bare = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.05),
                  epochs=2)
    _, grid = new_figure("wide", 1, 4)
    axes = figures.monitors(bare, grid)
    assert list(axes) == list(grid)
    assert any(t.get_text() == "not recorded" for t in axes[1].texts)


def test_monitors_says_when_every_gradient_is_zero():
    dead = lab.gallery_run("dead ReLUs").broken
    axes = figures.monitors(dead)
    assert any("exactly 0" in t.get_text() for t in axes[1].texts)


def test_monitors_refuses_what_it_cannot_draw(history):
    with pytest.raises(TypeError, match="four matplotlib Axes"):
        figures.monitors(history, axes=[None])
    with pytest.raises(TypeError, match="History"):
        figures.monitors({"loss": [1.0]})


def test_gallery_pair_and_frames_fit_the_budget(history):
    run = lab.GalleryRun("test", history, history, [("claim", True)])
    fig = figures.gallery_pair(run)
    assert len(fig.axes) == 8
    frame = figures.monitor_frame(history, "a title")
    assert len(frame_png(frame)) <= MAX_PNG_BYTES


def test_monitors_marks_the_zeros_a_log_scale_cannot_draw():
    X, y, X_val, y_val, _, _ = lab.spirals_data()
    unscaled = lab.train(lab.network(), (100 * X, y, 100 * X_val, y_val), epochs=3)
    assert not np.any(unscaled.grad_norms[1:])   # exactly 0 after epoch 1
    grad_ax = figures.monitors(unscaled)[1]
    markers = [line for line in grad_ax.lines if line.get_marker() == "v"]
    assert len(markers) == len(unscaled.weight_layers)
    assert all(list(line.get_xdata()) == [2, 3] for line in markers)
    assert any(t.get_text() == "▼ = exactly 0" for t in grad_ax.texts)


def test_a_mystery_hides_the_layers_names(history):
    fig = figures.mystery(history, "Z")
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() is not None
              for t in ax.get_legend().get_texts()]
    assert "first layer" in labels and "last layer dead" in labels
    assert not any("ReLU" in label or "Dense" in label for label in labels)
    assert fig.axes[0].get_title(loc="left") == "mystery run Z"
