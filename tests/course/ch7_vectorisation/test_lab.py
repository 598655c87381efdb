"""Chapter 7's lab: the three implementations agree, FLOP counts are exact, timing helpers
compute the right statistics (with a fake clock: tests never time)."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnkit as nk
from nnkit.course import two_layer
from nnkit.course.ch7_vectorisation import lab


def problem(n, d, h, c, seed):
    """Inputs, labels and the parameters of a ``d → h → c`` network with nonzero biases."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, c, size=n)
    model = nk.mlp([d, h, c], bias=[0.1 * rng.normal(size=h), 0.1 * rng.normal(size=c)],
                   rng=rng)
    return X, y, lab.params_of(model)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 5), h=st.integers(1, 5), c=st.integers(2, 4),
       seed=st.integers(0, 10_000))
def test_three_ways_agree(n, d, h, c, seed):
    X, y, params = problem(n, d, h, c, seed)
    matrices = lab.gradients_matrices(X, y, params)
    assert lab.largest_difference(lab.gradients_loops(X, y, params), matrices) < 1e-12
    assert lab.largest_difference(lab.gradients_vectors(X, y, params), matrices) < 1e-12


def test_largest_difference_sees_a_one_percent_change():
    X, y, params = problem(4, 3, 5, 3, seed=3)
    loss, grads = lab.gradients_matrices(X, y, params)
    changed = {**grads, "b2": grads["b2"] * 1.01}
    assert lab.largest_difference((loss, grads), (loss, changed)) > 1e-3


@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_sharded_gradients_equal_the_batch(shards):
    X, y, params = problem(7, 3, 4, 3, seed=4)
    assert lab.largest_difference(lab.sharded_gradients(X, y, params, shards),
                                  lab.gradients_matrices(X, y, params)) < 1e-12


def test_the_third_way_is_the_course_reference():
    assert lab.gradients_matrices is two_layer.loss_and_gradients


def test_bad_inputs_get_clear_errors():
    X, y, params = problem(4, 3, 5, 3, seed=5)
    with pytest.raises(ValueError, match="X: expected shape"):
        lab.gradients_loops(X[:, :2], y, params)
    with pytest.raises(ValueError, match="integer labels"):
        lab.gradients_loops(X, y.astype(float), params)
    with pytest.raises(ValueError, match="missing"):
        lab.gradients_vectors(X, y, {"W1": params["W1"]})
    with pytest.raises(ValueError, match="shards"):
        lab.sharded_gradients(X, y, params, 5)
    with pytest.raises(ValueError, match="two Dense layers"):
        lab.params_of(nk.Sequential(nk.Dense(2, 2)))


def brute_force_flops(batch, n_in, n_out, input_grad):
    """Count FLOPs by walking the loops of the formulas, one multiply-add (2) at a time."""
    forward = backward = 0
    for _s, _o in itertools.product(range(batch), range(n_out)):
        forward += 2 * n_in + 1          # a dot product of length n_in, then the bias
        backward += 2 * n_in + 1         # this sample's share of ∂W, and its add into ∂b
        if input_grad:
            backward += 2 * n_in         # its share of ∂X = G W
    return forward, backward


@pytest.mark.parametrize("case", [(1, 1, 1, True), (3, 2, 5, False), (4, 6, 2, True)])
def test_dense_flops_match_a_brute_force_count(case):
    assert lab.dense_flops(*case) == brute_force_flops(*case)


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 50), n_in=st.integers(1, 50), n_out=st.integers(1, 50),
       input_grad=st.booleans())
def test_forward_is_about_two_flops_per_parameter(batch, n_in, n_out, input_grad):
    forward, backward = lab.dense_flops(batch, n_in, n_out, input_grad)
    params = n_in * n_out + n_out
    assert batch * params <= forward <= 2 * batch * params
    assert backward == forward + (2 * batch * n_in * n_out if input_grad else 0)


def test_network_flops_skip_dx_in_the_first_layer_only():
    forward, backward = lab.network_flops([4, 3, 2], batch=5)
    f1, b1 = lab.dense_flops(5, 4, 3, input_grad=False)
    f2, b2 = lab.dense_flops(5, 3, 2, input_grad=True)
    assert (forward, backward) == (f1 + f2, b1 + b2)
    with pytest.raises(ValueError, match="at least"):
        lab.network_flops([4], batch=1)


def test_intensity_and_roofline():
    assert lab.intensity(1, 256, 256) == pytest.approx(2 * 256 * 256 / (8 * (256 + 256**2 + 256)))
    assert lab.intensity(1, 4, 4, itemsize=4) == pytest.approx(32 / (4 * 24))
    np.testing.assert_allclose(lab.roofline([0.5, 2.0, 100.0], peak_gflops=10, bandwidth_gbs=4),
                               [2.0, 8.0, 10.0])
    with pytest.raises(ValueError):
        lab.roofline([1.0], peak_gflops=0, bandwidth_gbs=4)


class FakeClock:
    """A clock that advances by the given steps, one per reading."""

    def __init__(self, steps):
        self.now, self.steps = 0.0, iter(steps)

    def __call__(self):
        self.now += next(self.steps)
        return self.now


def test_measure_uses_warmup_repeats_and_number():
    calls = []
    # readings: start, end for each of 3 repeats; each run lasts 0.2, 0.6, 0.4 s for 2 calls
    clock = FakeClock([1.0, 0.2, 1.0, 0.6, 1.0, 0.4])
    timing = lab.measure(lambda: calls.append(1), repeats=3, number=2, warmup=2, clock=clock)
    assert len(calls) == 2 + 3 * 2
    assert timing.times == pytest.approx((0.1, 0.3, 0.2))
    assert timing.median == pytest.approx(0.2)
    assert timing.best == pytest.approx(0.1)
    assert timing.quartiles == pytest.approx((0.15, 0.25))


def test_race_interleaves_rounds():
    order = []
    clock = FakeClock([1.0, 0.1, 1.0, 0.4] * 3)
    timings = lab.race({"a": lambda: order.append("a"), "b": lambda: order.append("b")},
                       rounds=3, clock=clock)
    assert order == ["a", "b"] + ["a", "b"] * 3
    assert timings["a"].median == pytest.approx(0.1)
    assert timings["b"].median == pytest.approx(0.4)
    with pytest.raises(ValueError, match="unknown names"):
        lab.race({"a": lambda: None}, number={"c": 2})


def test_timing_rejects_nonsense():
    with pytest.raises(ValueError):
        lab.Timing(())
    with pytest.raises(ValueError):
        lab.Timing((0.1, float("nan")))


def test_train_epoch_makes_one_update_per_batch():
    model = nk.Sequential(nk.Dense(3, 2, rng=0))
    steps = []

    class CountingSGD(nk.SGD):
        def step(self):
            steps.append(1)
            super().step()

    X = np.random.default_rng(0).normal(size=(10, 3))
    y = np.arange(10) % 2
    loss = lab.train_epoch(model, X, y, nk.CrossEntropyLoss(),
                           CountingSGD(model.parameters(), lr=0.1), batch_size=4)
    assert len(steps) == 3 and np.isfinite(loss)


def test_profile_parts_counts_calls_and_splits_the_run():
    def part():
        return sum(range(10))

    def other():
        return sum(range(1000))

    def whole():
        for _ in range(7):
            part()
            other()

    profile = lab.profile_parts(whole, ["part", "absent"])
    assert profile.parts["part"][0] == 7 and profile.parts["absent"] == (0, 0.0)
    assert profile.calls["part"] == 7 and profile.calls["other"] == 7
    assert 0 < profile.parts["part"][1] <= profile.total
    assert profile.rest == pytest.approx(profile.total - profile.parts["part"][1])


def test_profile_parts_refuses_parts_that_nest():
    def inner():
        return sum(range(10))

    def outer():
        return inner()

    def whole():
        for _ in range(3):
            outer()

    with pytest.raises(ValueError, match="'inner' is called by the part 'outer'"):
        lab.profile_parts(whole, ["outer", "inner"])


def test_a_training_epoch_profiles_into_its_three_stages():
    model = nk.mlp([4, 8, 3], activation="relu", rng=0)
    X = np.random.default_rng(0).normal(size=(12, 4))
    y = np.arange(12) % 3
    profile = lab.profile_parts(
        lambda: lab.train_epoch(model, X, y, nk.CrossEntropyLoss(),
                                nk.SGD(model.parameters(), lr=0.01), batch_size=4),
        ["forward_pass", "backward_pass", "update_weights"])
    assert [calls for calls, _ in profile.parts.values()] == [3, 3, 3]
    # the network, its three layers and the loss; all but the first layer backward
    assert profile.calls["forward"] == 3 * 5 and profile.calls["backward"] == 3 * 4
    assert sum(seconds for _, seconds in profile.parts.values()) <= profile.total


def test_forward_with_buffer_writes_into_the_buffer():
    rng = np.random.default_rng(0)
    X, W, b = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    out = np.empty((5, 4))
    result = lab.forward_with_buffer(X, W, b, out)
    assert result is out
    np.testing.assert_allclose(out, X @ W.T + b)
    with pytest.raises(ValueError, match="out: expected shape"):
        lab.forward_with_buffer(X, W, b, np.empty((4, 5)))


def test_timing_runs_blas_on_one_thread():
    from threadpoolctl import threadpool_info

    seen = []

    def record():
        seen.append({pool["num_threads"] for pool in threadpool_info()
                     if pool["user_api"] == "blas"})

    lab.measure(record, repeats=2, warmup=1)
    lab.race({"a": record}, rounds=2)
    assert seen and all(threads == {1} for threads in seen)
