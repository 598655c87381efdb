"""Chapter 10's figures draw what they claim and refuse what they cannot draw."""

import pytest
from matplotlib.figure import Figure

from nnkit.course.ch10_deep_networks import figures, lab
from nnkit.course.widgets import frame_png


@pytest.fixture(scope="module")
def short_run():
    return lab.train_deep(4, "residual", updates=6, max_norm=1.0)


def test_layer_profile_draws_one_line_per_probe(short_run):
    ax = figures.layer_profile({"a": short_run.start, "b": short_run.end}, "activation_std",
                               dashed={"c": short_run.start}, title="t")
    assert len(ax.lines) == 3 and ax.get_yscale() == "log"
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3, 4]
    assert ax.lines[2].get_linestyle() == "--"
    with pytest.raises(ValueError, match="statistic"):
        figures.layer_profile({"a": short_run.start}, "weights")


def test_depth_frames_fit_the_widget_budget(short_run):
    fig = figures.depth_frame(short_run)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[0].get_title() == "residual, depth 4"
    assert len(frame_png(fig)) < 40_000


def test_final_losses_draws_a_column_per_cell_and_crosses_for_divergence():
    losses = {(10, "plain"): [0.01, 0.02, 0.03], (10, "residual"): [0.1, float("nan"), 0.2],
              (50, "plain"): [0.5, 0.6, 0.7], (50, "residual"): [0.001, 0.002, 0.004]}
    ax = figures.final_losses(losses, bounds=(0.05, 0.3))
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    crosses = [line for line in ax.lines if line.get_marker() == "x"]
    assert [len(line.get_xdata()) for line in dots] == [3, 2, 3, 3]
    assert [line.get_xdata()[0] for line in dots] == [0, 1, 3, 4]
    assert len(crosses) == 1 and list(crosses[0].get_ydata()) == [figures.DIVERGED_AT]
    assert sorted(line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == ":") \
        == [0.05, 0.3]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["depth 10", "depth 50"]
    assert ax.get_yscale() == "log"
