"""Tests for nnkit.course.ch5_chain_rule.lab and its figure."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch5_chain_rule import lab as gc


def sigmoid_net(widths, rng):
    return nk.mlp(widths, activation="sigmoid", output_activation="sigmoid", rng=rng)


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(6, 2)), rng.uniform(size=(6, 1))


def test_counter_passes_through_and_counts(data):
    X, y = data
    model = sigmoid_net([2, 3, 1], rng=0)
    counted = gc.CallCounter(model)
    np.testing.assert_array_equal(counted.forward(X), model.forward(X))
    assert counted.n_forward == 1 and counted.n_backward == 0
    counted.backward(np.ones((6, 1)))
    assert counted.n_backward == 1
    assert counted.parameters() == model.parameters()


@pytest.mark.parametrize("widths", [[2, 3, 1], [2, 5, 4, 1]])
def test_finite_differences_need_two_forward_passes_per_parameter(data, widths):
    X, y = data
    model = sigmoid_net(widths, rng=1)
    P = sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True))
    assert gc.count_parameters(model) == P
    work = gc.count_gradient_work(model, nk.MSELoss(), X, y)
    assert work.n_params == P
    assert (work.backprop_forward, work.backprop_backward) == (1, 1)
    assert work.finite_diff_forward == 2 * P


def test_counting_leaves_parameters_unchanged(data):
    X, y = data
    model = sigmoid_net([2, 4, 1], rng=2)
    before = [p.value.copy() for p in model.parameters()]
    gc.count_gradient_work(model, nk.MSELoss(), X, y)
    for old, p in zip(before, model.parameters(), strict=True):
        np.testing.assert_array_equal(old, p.value)


def test_matmul_flops():
    # 2 -> 3 -> 1 on a batch of 4: forward 2*4*(2*3 + 3*1) = 72, backward twice that.
    assert gc.matmul_flops([2, 3, 1], 4) == (72, 144)
    with pytest.raises(ValueError, match="n_samples"):
        gc.matmul_flops([2, 3], 0)
    with pytest.raises(ValueError, match="widths"):
        gc.matmul_flops([2], 1)
    with pytest.raises(ValueError, match="widths"):
        gc.matmul_flops([2, 2.5, 1], 1)


def test_timing_returns_positive_seconds(data):
    X, y = data
    model = sigmoid_net([2, 8, 1], rng=0)
    t = gc.time_gradient_work(model, nk.MSELoss(), X, y, repeats=2)
    assert set(t) == {"forward", "backward", "finite_diff"}
    assert all(v > 0 for v in t.values())
    # 2P = 50 forward passes cannot be faster than one forward and one backward pass.
    assert t["finite_diff"] > t["forward"]
    with pytest.raises(ValueError, match="repeats"):
        gc.time_gradient_work(model, nk.MSELoss(), X, y, repeats=0)
    with pytest.raises(TypeError, match="loss"):
        gc.count_gradient_work(model, "mse", X, y)


def test_gradient_cost_plot_draws_counted_and_timed_series():
    from nnkit.course.ch5_chain_rule.figures import gradient_cost_plot

    ax = gradient_cost_plot([10, 100], [3, 3], [20, 200], [2.5, 2.8], [25, 230])
    assert len(ax.lines) == 4
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [20, 200])
    with pytest.raises(ValueError, match="one per network"):
        gradient_cost_plot([10, 100], [3], [20, 200])
    with pytest.raises(ValueError, match="positive"):
        gradient_cost_plot([10, 100], [3, 0], [20, 200])
