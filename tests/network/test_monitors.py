"""The monitors of nnkit.monitors: finding the layers of any model, the update-to-weight
ratio, activation statistics on a probe batch, and the first non-finite value."""

import warnings

import numpy as np
import pytest

import nnkit as nk
from nnkit.monitors import (
    NonFiniteAt,
    activation_layers,
    activation_stats,
    first_nonfinite,
    walk,
    weight_layers,
)


class Skip(nk.Layer):
    """A residual block written as a user would: x + block(x), the block a Sequential."""

    def __init__(self, block):
        self.block = block

    def forward(self, X):
        return X + self.block.forward(X)

    def backward(self, grad_out):
        return grad_out + self.block.backward(grad_out)


class Blow(nk.Layer):
    """The identity forward; its backward multiplies the gradient by inf."""

    def forward(self, X):
        return X

    def backward(self, grad_out):
        return grad_out * np.inf


def fit_quietly(model, X, y, loss=None, epochs=1):
    """fit with the NonFinite monitor, its DivergenceWarning silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        return nk.fit(model, X, y, loss or nk.CrossEntropyLoss(),
                      nk.SGD(model.parameters(), lr=0.1), epochs=epochs,
                      callbacks=[nk.NonFinite()])


def nested(seed=0):
    return nk.Sequential(
        nk.Dense(2, 4, init="he", rng=seed), nk.ReLU(),
        Skip(nk.Sequential(nk.Dense(4, 4, rng=seed + 1), nk.Tanh())),
        nk.Dense(4, 3, rng=seed + 2))


@pytest.fixture(scope="module")
def blobs():
    return nk.datasets.blobs(n=60, n_classes=3, rng=0)


def test_walk_finds_nested_layers_in_forward_order():
    model = nested()
    names = [name for name, _, _ in walk(model)]
    assert names == ["0 Dense", "1 ReLU", "2.0.0 Dense", "2.0.1 Tanh",
                     "2.0 Sequential", "2 Skip", "3 Dense"]
    assert [n for n, _ in weight_layers(model)] == ["0 Dense", "2.0.0 Dense", "3 Dense"]
    assert [n for n, _ in activation_layers(model)] == ["1 ReLU", "2.0.1 Tanh"]


def test_walk_gives_the_outputs_of_the_last_forward_pass():
    model = nested()
    X = np.ones((5, 2))
    model.forward(X)
    outputs = {name: out for name, _, out in walk(model)}
    np.testing.assert_array_equal(outputs["1 ReLU"], model.activations[1])
    np.testing.assert_array_equal(outputs["2.0.1 Tanh"], model.layers[2].block.activations[1])
    with pytest.raises(TypeError, match="nnkit Layer"):
        list(walk([nk.Dense(2, 2)]))


def test_grad_norms_cover_weight_layers_inside_blocks(blobs):
    X, y = blobs
    model = nested()
    h = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.05),
               epochs=2, callbacks=[nk.GradientNorms()])
    assert h.weight_layers == ["0 Dense", "2.0.0 Dense", "3 Dense"]
    assert len(h.grad_norms) == 2 and len(h.grad_norms[0]) == 3


def test_update_ratio_of_plain_gradient_descent_is_lr_grad_over_weights(blobs):
    X, y = blobs
    model = nested()
    before = [layer.W.value.copy() for _, layer in weight_layers(model)]
    lr = 0.05
    h = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=lr),
               epochs=1, callbacks=[nk.GradientNorms(), nk.UpdateRatios()])
    # One full-batch step: ΔW = −η ∂J/∂W, so the ratio is η ‖∂J/∂W‖ / ‖W‖.
    expected = [lr * g / np.linalg.norm(W) for g, W in
                zip(h.grad_norms[0], before, strict=True)]
    np.testing.assert_allclose(h.update_ratios[0], expected, rtol=1e-12)


def test_update_ratio_averages_over_the_epoch(blobs):
    X, y = blobs
    model = nested()
    h = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.05),
               epochs=3, batch_size=20, callbacks=[nk.UpdateRatios()])
    assert len(h.update_ratios) == 3
    assert all(0 < r < 1 for epoch in h.update_ratios for r in epoch)


def test_a_relu_unit_with_a_large_negative_bias_is_dead():
    model = nk.Sequential(nk.Dense(2, 4, init="he", rng=0), nk.ReLU(), nk.Dense(4, 1, rng=1))
    model.layers[0].b.value[2] = -100.0
    stats = activation_stats(model, np.random.default_rng(0).normal(size=(50, 2)))
    assert list(stats) == ["1 ReLU"]
    assert stats["1 ReLU"].dead == 0.25
    assert 0.25 <= stats["1 ReLU"].saturated < 1


def test_huge_weights_saturate_tanh_and_sigmoid():
    for act in (nk.Tanh(), nk.Sigmoid()):
        model = nk.Sequential(nk.Dense(2, 3, weights=np.full((3, 2), 1e3)), act)
        X = np.random.default_rng(1).normal(size=(20, 2))
        s = activation_stats(model, X)[f"1 {type(act).__name__}"]
        assert s.saturated > 0.95
        model.layers[0].W.value[...] = 1e-3
        s = activation_stats(model, X)[f"1 {type(act).__name__}"]
        assert s.saturated == 0 and s.dead == 0


def test_activation_stats_leave_the_mode_and_check_the_probe():
    model = nk.Sequential(nk.Dense(2, 3, rng=0), nk.ReLU(), nk.Dropout(0.5, rng=0))
    model.train()
    activation_stats(model, np.ones((4, 2)))
    assert model.training and model.layers[2].training
    with pytest.raises(ValueError):
        activation_stats(model, np.ones((4, 3)))


def test_activation_stats_callback_records_the_start_and_every_epoch(blobs):
    X, y = blobs
    model = nested()
    h = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.05),
               epochs=2, callbacks=[nk.ActivationStats(X[:10])])
    assert len(h.activation_stats) == 3
    assert list(h.activation_stats[0]) == ["1 ReLU", "2.0.1 Tanh"]
    fresh = nested()
    assert h.activation_stats[0] == activation_stats(fresh, X[:10])


def test_nonfinite_is_none_for_a_healthy_run(blobs):
    X, y = blobs
    model = nested()
    h = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.05),
               epochs=2, callbacks=[nk.NonFinite()])
    assert h.nonfinite is None


def test_nonfinite_names_the_forward_layer():
    model = nk.Sequential(nk.Dense(2, 3, rng=0), nk.ReLU(), nk.Dense(3, 3, rng=1),
                          nk.Tanh(), nk.Dense(3, 2, rng=2))
    model.layers[2].W.value[0, 0] = np.inf
    h = fit_quietly(model, np.ones((4, 2)), np.array([0, 1, 0, 1]))
    assert h.nonfinite == NonFiniteAt(0, "forward", "2 Dense")
    assert str(h.nonfinite) == "update 0: forward pass of layer 2 Dense"


def test_nonfinite_names_the_backward_layer():
    model = nk.Sequential(nk.Dense(2, 3, rng=0), nk.ReLU(), Blow(), nk.Dense(3, 2, rng=2))
    h = fit_quietly(model, np.ones((4, 2)), np.array([0, 1, 0, 1]), epochs=2)
    # The last layer's gradient is finite; Blow's backward sends inf into the first one.
    assert h.nonfinite == NonFiniteAt(1, "backward", "0 Dense")


def test_nonfinite_names_a_layer_inside_a_block_not_the_block():
    model = nk.Sequential(nk.Dense(2, 4, rng=0), nk.ReLU(),
                          Skip(nk.Sequential(nk.Dense(4, 4, rng=1), nk.Tanh())), Blow(),
                          nk.Dense(4, 2, rng=2))
    h = fit_quietly(model, np.ones((4, 2)), np.array([0, 1, 0, 1]), epochs=2)
    assert h.nonfinite == NonFiniteAt(1, "backward", "2.0.0 Dense")


def test_a_lone_weight_layer_is_its_own_weight_layer():
    dense = nk.Dense(2, 3, rng=0)
    assert weight_layers(dense) == [("Dense", dense)]
    assert weight_layers(nk.ReLU()) == []


def test_nonfinite_blames_the_loss_when_every_output_is_finite():
    model = nk.Sequential(nk.Dense(1, 1, weights=np.array([[1e200]])))
    h = fit_quietly(model, np.ones((3, 1)), np.zeros((3, 1)), nk.MSELoss())
    assert h.nonfinite == NonFiniteAt(0, "loss", "loss")


def test_first_nonfinite_reads_the_last_passes():
    model = nk.Sequential(nk.Dense(2, 2, rng=0), nk.Sigmoid())
    model.forward(np.ones((2, 2)))
    assert first_nonfinite(model) is None
    model.forward(np.array([[np.nan, 0.0]]))
    assert first_nonfinite(model, 7) == NonFiniteAt(7, "forward", "0 Dense")



class NanFrom(nk.Layer):
    """The identity, except that it outputs NaN on batches of more than one row, or from
    its ``call``-th forward pass on."""

    def __init__(self, call=None):
        self.call, self.calls = call, 0

    def forward(self, X):
        self.calls += 1
        late = self.call is not None and self.calls >= self.call
        return X * np.nan if late or (self.call is None and len(X) > 1) else X

    def backward(self, grad_out):
        return grad_out


def test_nonfinite_finds_the_initial_nan_in_fits_own_pass_not_a_probe_pass():
    # ActivationStats runs a forward pass on its one-row probe after fit's initial pass;
    # that probe pass is finite. The monitor must name fit's pass over the training set.
    model = nk.Sequential(nk.Dense(2, 3, rng=0), NanFrom(), nk.ReLU(), nk.Dense(3, 2, rng=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        h = nk.fit(model, np.ones((4, 2)), np.array([0, 1, 0, 1]), nk.CrossEntropyLoss(),
                   nk.SGD(model.parameters(), lr=0.1),
                   callbacks=[nk.ActivationStats(np.ones((1, 2))), nk.NonFinite()])
    assert h.diverged and h.diverged_epoch == 0
    assert h.nonfinite == NonFiniteAt(0, "forward", "1 NanFrom")
    assert len(model.activations[0]) == 4  # the monitor's own pass over X came last


def test_nonfinite_counts_the_updates_from_one():
    # Calls: 1 the initial pass, 2 update 1, 3 update 2 (NaN).
    model = nk.Sequential(nk.Dense(2, 3, rng=0), NanFrom(call=3), nk.Dense(3, 2, rng=1))
    h = fit_quietly(model, np.ones((4, 2)), np.array([0, 1, 0, 1]), epochs=3)
    assert h.nonfinite == NonFiniteAt(2, "forward", "1 NanFrom")
