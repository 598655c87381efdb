"""Chapter 5's figures: the computational graph step by step, and the cost of a gradient."""

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyBboxPatch

from nnkit.course.ch5_chain_rule import figures, lab
from nnkit.course.text import format_number


def test_graph_frame_highlights_the_current_step():
    tr = lab.example_trace()
    start = figures.graph_frame(tr, 0)
    texts0 = [t.get_text() for ax in start.axes for t in ax.texts]
    # At the start no gradient is shown and both chain products are unknown.
    assert not any(format_number(tr.dJ_dtheta2, 4) in t for t in texts0)
    assert sum("= ?" in t for t in texts0) == 2

    last = figures.graph_frame(tr, 11)
    texts = [t.get_text() for ax in last.axes for t in ax.texts]
    texts += [t.get_text() for t in last.texts]
    assert any(t.endswith(format_number(tr.dJ_dtheta2, 4)) for t in texts)
    assert any(t.endswith(format_number(tr.dJ_dtheta1, 4)) for t in texts)
    # The W[1] box is the current node: drawn with the highlight colour.
    boxes = [p for p in last.axes[0].patches if isinstance(p, FancyBboxPatch)]
    highlighted = [p for p in boxes if p.get_edgecolor() == to_rgba(figures.CURRENT_COLOR)]
    assert len(highlighted) == 1


def test_graph_frame_rejects_bad_steps():
    tr = lab.example_trace()
    with pytest.raises(ValueError, match="step"):
        figures.graph_frame(tr, 12)
    with pytest.raises(TypeError, match="tr"):
        figures.graph_frame("trace", 0)


def test_gradient_cost_plot_draws_counted_and_timed_series():
    ax = figures.gradient_cost_plot([10, 100], [3, 3], [20, 200], [2.5, 2.8], [25, 230])
    assert len(ax.lines) == 4
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [20, 200])
    with pytest.raises(ValueError, match="one per network"):
        figures.gradient_cost_plot([10, 100], [3], [20, 200])
    with pytest.raises(ValueError, match="positive"):
        figures.gradient_cost_plot([10, 100], [3, 0], [20, 200])
