"""Chapter 5's lab: the hand-written forward/backward of the 2-2-1 network, and what a
gradient costs by backpropagation and by finite differences."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch5_chain_rule import lab
from nnkit.course.text import format_number


def _cost_only(x, y, theta1, theta2, cost):
    return lab.tiny_trace(x, y, theta1, theta2, cost=cost).J


def _finite_difference(fn, arr, eps=1e-6):
    """Centred differences of fn() w.r.t. every entry of arr (perturbed in place)."""
    out = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + eps
        plus = fn()
        arr[idx] = old - eps
        minus = fn()
        arr[idx] = old
        out[idx] = (plus - minus) / (2 * eps)
    return out


@pytest.mark.parametrize("cost", lab.COSTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_match_finite_differences(cost, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=2)
    theta1 = rng.normal(size=(2, 2))
    theta2 = rng.normal(size=(1, 2))
    y = float(rng.integers(0, 2))
    tr = lab.tiny_trace(x, y, theta1, theta2, cost=cost)

    num1 = _finite_difference(lambda: _cost_only(x, y, theta1, theta2, cost), theta1)
    num2 = _finite_difference(lambda: _cost_only(x, y, theta1, theta2, cost), theta2)
    np.testing.assert_allclose(tr.dJ_dtheta1, num1, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tr.dJ_dtheta2, num2, rtol=1e-6, atol=1e-9)
    assert tr.dJ_dtheta1.shape == (2, 2) and tr.dJ_dtheta2.shape == (1, 2)


def test_forward_values_of_the_running_example():
    tr = lab.example_trace()
    # z[1] = W[1] x with W[1] = [[0.5, -0.4], [0.3, 0.8]], x = [1, 0.5]: [0.5 - 0.2, 0.3 + 0.4].
    np.testing.assert_allclose(tr.z2, [0.3, 0.7])
    np.testing.assert_allclose(tr.a2, 1 / (1 + np.exp(-np.array([0.3, 0.7]))))
    np.testing.assert_allclose(tr.z3, [0.7 * tr.a2[0] - 1.2 * tr.a2[1]])
    assert tr.J == pytest.approx((tr.a3[0] - 1.0) ** 2)


def test_cross_entropy_delta_is_output_minus_target():
    tr = lab.example_trace("cross-entropy")
    # σ'(z) = a(1 - a) cancels the denominator of ∂J/∂a[2]: δ[2] = a[2] - y.
    np.testing.assert_allclose(tr.dJ_dz3, tr.a3 - tr.y)


@pytest.mark.parametrize("cost", lab.COSTS)
def test_chain_products_equal_the_gradients(cost):
    tr = lab.example_trace(cost)
    f2 = [tr.local(e) for e in lab.CHAINS["theta2"]]
    np.testing.assert_allclose(f2[0] * f2[1] * f2[2], tr.dJ_dtheta2[0])
    f1 = [tr.local(e) for e in lab.CHAINS["theta1"]]
    np.testing.assert_allclose(np.outer(f1[0] * f1[1] * f1[2] * f1[3], f1[4]), tr.dJ_dtheta1)


def test_grad_and_value_accessors():
    tr = lab.example_trace()
    assert tr.grad("J") == 1.0
    np.testing.assert_array_equal(tr.grad("theta1"), tr.dJ_dtheta1)
    np.testing.assert_array_equal(tr.value("a2"), tr.a2)
    with pytest.raises(ValueError, match="data"):
        tr.grad("x")
    with pytest.raises(ValueError, match="node"):
        tr.value("z4")
    with pytest.raises(ValueError, match="edge"):
        tr.local(("x", "z2"))


def test_steps_go_forward_then_backward_node_by_node():
    steps = lab.graph_steps(lab.example_trace())
    assert len(steps) == 12
    assert [s.index for s in steps] == list(range(12))
    assert [s.phase for s in steps] == ["start"] + ["forward"] * 5 + ["backward"] * 6
    assert tuple(s.node for s in steps[1:6]) == lab.FORWARD_ORDER
    assert tuple(s.node for s in steps[6:]) == lab.BACKWARD_ORDER
    # Each forward step reveals exactly one new value; each backward step one new gradient.
    for before, after in zip(steps[:5], steps[1:6], strict=True):
        assert set(after.known) - set(before.known) == {after.node}
    for before, after in zip(steps[6:-1], steps[7:], strict=True):
        assert set(after.grads) - set(before.grads) == {after.node}
    # A backward step only uses local derivatives on edges leaving its node.
    for s in steps[6:]:
        assert s.edges and all(e[0] == s.node for e in s.edges)
    assert set(steps[-1].used_edges) == set(lab.CHAINS["theta1"]) | set(lab.CHAINS["theta2"])


def test_readouts_carry_the_numbers():
    tr = lab.example_trace()
    steps = lab.graph_steps(tr)
    assert steps[5].readout.endswith("J = " + format_number(tr.J, 4))
    assert steps[8].readout.endswith("∂J/∂W[2] = " + format_number(tr.dJ_dtheta2, 4))
    assert steps[11].readout.endswith("∂J/∂W[1] = " + format_number(tr.dJ_dtheta1, 4))
    assert format_number(tr.dJ_dtheta1, 4) in steps[11].equation
    assert all(s.readout.startswith(f"step {s.index}/11 ({s.phase})") for s in steps)
    # Readouts stay short enough to sit under the frame without widening the widget.
    assert max(len(s.readout) for s in steps) <= 80


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(x=[1.0, 2.0, 3.0]), ValueError, "x: expected shape"),
        (dict(theta1=np.ones((2, 3))), ValueError, "theta1"),
        (dict(theta2=[[1.0, np.nan]]), ValueError, "theta2: contains nan"),
        (dict(y="one"), TypeError, "y"),
        (dict(cost="hinge"), ValueError, "cost"),
        (dict(y=2.0, cost="cross-entropy"), ValueError, r"y: .*\[0, 1\]"),
    ],
)
def test_bad_input_is_rejected(kwargs, error, match):
    args = dict(lab.EXAMPLE)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        lab.tiny_trace(**args)


def test_graph_steps_rejects_other_objects():
    with pytest.raises(TypeError, match="tr"):
        lab.graph_steps({"x": 1})


@pytest.mark.parametrize("cost", lab.COSTS)
def test_nnkit_backward_gives_the_same_gradients(cost):
    tr = lab.example_trace(cost)
    model = nk.mlp([2, 2, 1], activation="sigmoid", output_activation="sigmoid",
                   weights=[tr.theta1, tr.theta2], bias=False)
    loss = nk.MSELoss() if cost == "squared error" else nk.BCELoss()
    X = tr.x.reshape(1, 2)
    Y = np.array([[tr.y]])
    assert loss.forward(model.forward(X), Y) == pytest.approx(tr.J, rel=1e-12)
    model.backward(loss.backward())
    W1, W2 = model.parameters()
    np.testing.assert_allclose(W1.grad, tr.dJ_dtheta1, rtol=1e-10)
    np.testing.assert_allclose(W2.grad, tr.dJ_dtheta2, rtol=1e-10)


# ---------------------------------------------------------------- the cost of a gradient


def sigmoid_net(widths, rng):
    return nk.mlp(widths, activation="sigmoid", output_activation="sigmoid", rng=rng)


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    return rng.normal(size=(6, 2)), rng.uniform(size=(6, 1))


def test_counter_passes_through_and_counts(data):
    X, y = data
    model = sigmoid_net([2, 3, 1], rng=0)
    counted = lab.CallCounter(model)
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
    assert lab.count_parameters(model) == P
    work = lab.count_gradient_work(model, nk.MSELoss(), X, y)
    assert work.n_params == P
    assert (work.backprop_forward, work.backprop_backward) == (1, 1)
    assert work.finite_diff_forward == 2 * P


def test_counting_leaves_parameters_unchanged(data):
    X, y = data
    model = sigmoid_net([2, 4, 1], rng=2)
    before = [p.value.copy() for p in model.parameters()]
    lab.count_gradient_work(model, nk.MSELoss(), X, y)
    for old, p in zip(before, model.parameters(), strict=True):
        np.testing.assert_array_equal(old, p.value)


def test_matmul_flops():
    # 2 -> 3 -> 1 on a batch of 4: forward 2*4*(2*3 + 3*1) = 72, backward twice that.
    assert lab.matmul_flops([2, 3, 1], 4) == (72, 144)
    with pytest.raises(ValueError, match="n_samples"):
        lab.matmul_flops([2, 3], 0)
    with pytest.raises(ValueError, match="widths"):
        lab.matmul_flops([2], 1)
    with pytest.raises(ValueError, match="widths"):
        lab.matmul_flops([2, 2.5, 1], 1)


def test_timing_returns_positive_seconds(data):
    X, y = data
    model = sigmoid_net([2, 8, 1], rng=0)
    t = lab.time_gradient_work(model, nk.MSELoss(), X, y, repeats=2)
    assert set(t) == {"forward", "backward", "finite_diff"}
    assert all(v > 0 for v in t.values())
    # 2P = 50 forward passes cannot be faster than one forward and one backward pass.
    assert t["finite_diff"] > t["forward"]
    with pytest.raises(ValueError, match="repeats"):
        lab.time_gradient_work(model, nk.MSELoss(), X, y, repeats=0)
    with pytest.raises(TypeError, match="loss"):
        lab.count_gradient_work(model, "mse", X, y)
