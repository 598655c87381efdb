"""Chapter 5's lab: the hand-written forward/backward of the 2-2-1 network."""

import numpy as np
import pytest

from nnkit.course.ch5_chain_rule import lab as g


def _cost_only(x, y, theta1, theta2, cost):
    return g.tiny_trace(x, y, theta1, theta2, cost=cost).J


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


@pytest.mark.parametrize("cost", g.COSTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_match_finite_differences(cost, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=2)
    theta1 = rng.normal(size=(2, 2))
    theta2 = rng.normal(size=(1, 2))
    y = float(rng.integers(0, 2))
    tr = g.tiny_trace(x, y, theta1, theta2, cost=cost)

    num1 = _finite_difference(lambda: _cost_only(x, y, theta1, theta2, cost), theta1)
    num2 = _finite_difference(lambda: _cost_only(x, y, theta1, theta2, cost), theta2)
    np.testing.assert_allclose(tr.dJ_dtheta1, num1, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(tr.dJ_dtheta2, num2, rtol=1e-6, atol=1e-9)
    assert tr.dJ_dtheta1.shape == (2, 2) and tr.dJ_dtheta2.shape == (1, 2)


def test_forward_values_of_the_running_example():
    tr = g.example_trace()
    # z(2) = θ1 x with θ1 = [[0.5, -0.4], [0.3, 0.8]], x = [1, 0.5]: [0.5 - 0.2, 0.3 + 0.4].
    np.testing.assert_allclose(tr.z2, [0.3, 0.7])
    np.testing.assert_allclose(tr.a2, 1 / (1 + np.exp(-np.array([0.3, 0.7]))))
    np.testing.assert_allclose(tr.z3, [0.7 * tr.a2[0] - 1.2 * tr.a2[1]])
    assert tr.J == pytest.approx((tr.a3[0] - 1.0) ** 2)


def test_cross_entropy_delta_is_output_minus_target():
    tr = g.example_trace("cross-entropy")
    # σ'(z) = a(1 - a) cancels the denominator of ∂J/∂a(3): δ(3) = a(3) - y.
    np.testing.assert_allclose(tr.dJ_dz3, tr.a3 - tr.y)


@pytest.mark.parametrize("cost", g.COSTS)
def test_chain_products_equal_the_gradients(cost):
    tr = g.example_trace(cost)
    f2 = [tr.local(e) for e in g.CHAINS["theta2"]]
    np.testing.assert_allclose(f2[0] * f2[1] * f2[2], tr.dJ_dtheta2[0])
    f1 = [tr.local(e) for e in g.CHAINS["theta1"]]
    np.testing.assert_allclose(np.outer(f1[0] * f1[1] * f1[2] * f1[3], f1[4]), tr.dJ_dtheta1)


def test_grad_and_value_accessors():
    tr = g.example_trace()
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
    steps = g.graph_steps(g.example_trace())
    assert len(steps) == 12
    assert [s.index for s in steps] == list(range(12))
    assert [s.phase for s in steps] == ["start"] + ["forward"] * 5 + ["backward"] * 6
    assert tuple(s.node for s in steps[1:6]) == g.FORWARD_ORDER
    assert tuple(s.node for s in steps[6:]) == g.BACKWARD_ORDER
    # Each forward step reveals exactly one new value; each backward step one new gradient.
    for before, after in zip(steps[:5], steps[1:6], strict=True):
        assert set(after.known) - set(before.known) == {after.node}
    for before, after in zip(steps[6:-1], steps[7:], strict=True):
        assert set(after.grads) - set(before.grads) == {after.node}
    # A backward step only uses local derivatives on edges leaving its node.
    for s in steps[6:]:
        assert s.edges and all(e[0] == s.node for e in s.edges)
    assert set(steps[-1].used_edges) == set(g.CHAINS["theta1"]) | set(g.CHAINS["theta2"])


def test_readouts_carry_the_numbers():
    tr = g.example_trace()
    steps = g.graph_steps(tr)
    assert steps[5].readout.endswith("J = " + g.format_number(tr.J, 4))
    assert steps[8].readout.endswith("∂J/∂θ₂ = " + g.format_number(tr.dJ_dtheta2, 4))
    assert steps[11].readout.endswith("∂J/∂θ₁ = " + g.format_number(tr.dJ_dtheta1, 4))
    assert g.format_number(tr.dJ_dtheta1, 4) in steps[11].equation
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
    args = dict(g.EXAMPLE)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        g.tiny_trace(**args)


def test_graph_steps_rejects_other_objects():
    with pytest.raises(TypeError, match="tr"):
        g.graph_steps({"x": 1})


@pytest.mark.parametrize("cost", g.COSTS)
def test_nnkit_backward_gives_the_same_gradients(cost):
    import nnkit as nk

    tr = g.example_trace(cost)
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


def test_graph_frame_highlights_the_current_step():
    from nnkit.course.ch5_chain_rule.figures import CURRENT_COLOR, graph_frame

    tr = g.example_trace()
    start = graph_frame(tr, 0)
    texts0 = [t.get_text() for ax in start.axes for t in ax.texts]
    # At the start no gradient is shown and both chain products are unknown.
    assert not any(g.format_number(tr.dJ_dtheta2, 4) in t for t in texts0)
    assert sum("= ?" in t for t in texts0) == 2

    last = graph_frame(tr, 11)
    texts = [t.get_text() for ax in last.axes for t in ax.texts]
    texts += [t.get_text() for t in last.texts]
    assert any(t.endswith(g.format_number(tr.dJ_dtheta2, 4)) for t in texts)
    assert any(t.endswith(g.format_number(tr.dJ_dtheta1, 4)) for t in texts)
    # The θ1 box is the current node: drawn with the highlight colour.
    from matplotlib.colors import to_rgba
    from matplotlib.patches import FancyBboxPatch

    boxes = [p for p in last.axes[0].patches if isinstance(p, FancyBboxPatch)]
    highlighted = [p for p in boxes if p.get_edgecolor() == to_rgba(CURRENT_COLOR)]
    assert len(highlighted) == 1


def test_graph_frame_rejects_bad_steps():
    from nnkit.course.ch5_chain_rule.figures import graph_frame

    tr = g.example_trace()
    with pytest.raises(ValueError, match="step"):
        graph_frame(tr, 12)
    with pytest.raises(TypeError, match="tr"):
        graph_frame("trace", 0)
