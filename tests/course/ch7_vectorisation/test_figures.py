"""Chapter 7's figures: each draws into the axes it is given (or a new one) and returns it;
the live-experiment frame is a Figure; bad input gets a clear error."""

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnkit.course.ch7_vectorisation import figures, lab

T = lab.Timing


def table():
    return {(w, b): T((1e-3 * w / b, 2e-3 * w / b, 1.5e-3 * w / b))
            for w in (16, 64) for b in (1, 4, 16)}


def test_time_per_sample_and_repeat_spread_return_their_axes():
    timings = {"loops": T((1.0, 1.2, 1.1)), "matrices": T((1e-3, 2e-3, 1.5e-3))}
    _, ax = figures.new_figure("wide")
    assert figures.time_per_sample(timings, {"loops": 16, "matrices": 256}, ax=ax) is ax
    assert isinstance(figures.repeat_spread(timings), Axes)
    with pytest.raises(ValueError, match="no example count"):
        figures.time_per_sample(timings, {"loops": 16})
    with pytest.raises(TypeError, match="Timing"):
        figures.repeat_spread({"x": 1.0})


def test_epoch_time_frame_is_a_figure_marking_the_choice():
    fig = figures.epoch_time_frame(table(), 64, 4)
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "width 64, batch 4"
    with pytest.raises(ValueError, match="not in the table"):
        figures.epoch_time_frame(table(), 32, 4)
    incomplete = table()
    del incomplete[(16, 4)]
    with pytest.raises(ValueError, match="missing"):
        figures.epoch_time_frame(incomplete, 64, 4)


def test_throughput_plots_flops_over_time():
    ax = figures.throughput(table(), lambda w, b: 1e9, peak_gflops=20.0)
    lines = ax.get_lines()
    # one curve per width, then the peak line
    assert len(lines) == 3
    first = lines[0].get_ydata()
    np.testing.assert_allclose(first, [1 / table()[(16, b)].best for b in (1, 4, 16)])


def test_roofline_plot_and_profile_bars():
    ax = figures.roofline_plot(20.0, {"main memory": 10.0, "cache": 60.0},
                               [("batch 1", 0.25, 1.0), ("batch 256", 21.0, 15.0)])
    roofs = [line for line in ax.get_lines() if line.get_label().startswith("roof")]
    assert len(roofs) == 2
    np.testing.assert_allclose(roofs[0].get_ydata()[0], 10.0 * roofs[0].get_xdata()[0])
    with pytest.raises(ValueError, match="at least one"):
        figures.roofline_plot(20.0, {"main memory": 10.0}, [])
    with pytest.raises(ValueError, match="bandwidths"):
        figures.roofline_plot(20.0, {}, [("batch 1", 0.25, 1.0)])
    profile = lab.Profile({"forward": (10, 0.3), "backward": (10, 0.1)}, total=0.5,
                          calls={"forward": 10, "backward": 10})
    ax = figures.profile_bars(profile, rest="the loop")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["forward", "backward", "the loop"]
    widths = sorted(round(bar.get_width()) for bar in ax.patches)
    assert widths == [20, 20, 60]   # 0.1, the rest 0.1 and 0.3 of 0.5 seconds
    with pytest.raises(ValueError, match="Profile"):
        figures.profile_bars({"forward": (10, 0.3)})


@pytest.mark.parametrize("t, text", [(0.0, "0 ns"), (5.2e-5, "52 µs"), (1.3e-3, "1.3 ms"),
                                     (0.1, "100 ms"), (2.5, "2.5 s")])
def test_seconds(t, text):
    assert figures.seconds(t) == text


def test_seconds_rejects_negative():
    with pytest.raises(ValueError):
        figures.seconds(-1.0)
