"""Chapter 3's lab: deep networks at initialisation, and what one forward/backward pass shows."""

from __future__ import annotations

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch3_initialization import lab


def test_deep_network_has_the_requested_layers():
    model = lab.deep_network(depth=4, width=7, scheme="he", activation="relu", n_in=3, n_out=2)
    dense = [layer for layer in model.layers if isinstance(layer, nk.Dense)]
    assert len(model) == 2 * 4 + 1
    assert [d.W.value.shape for d in dense] == [(7, 3), (7, 7), (7, 7), (7, 7), (2, 7)]
    assert all(isinstance(model.layers[i], nk.ReLU) for i in range(1, 8, 2))
    assert all(np.all(d.b.value == 0) for d in dense)


@pytest.mark.parametrize(
    "scheme, expected_std",
    [("small normal", 0.01), ("large normal", 1.0), ("xavier", np.sqrt(2 / 400)),
     ("he", np.sqrt(2 / 200))],
)
def test_schemes_draw_weights_of_the_right_spread(scheme, expected_std):
    model = lab.deep_network(depth=2, width=200, scheme=scheme, activation="tanh", rng=1)
    W = model.layers[2].W.value
    assert W.std() == pytest.approx(expected_std, rel=0.03)
    assert abs(W.mean()) < 0.05 * expected_std * 10


def test_zero_scheme_gives_zero_weights():
    model = lab.deep_network(depth=3, width=5, scheme="zeros", activation="sigmoid")
    assert all(np.all(p.value == 0) for p in model.parameters())


def test_same_seed_same_network_and_other_seed_another():
    a = lab.probe_scheme("xavier", "tanh", depth=3, width=20, n=50, rng=4)
    b = lab.probe_scheme("xavier", "tanh", depth=3, width=20, n=50, rng=4)
    c = lab.probe_scheme("xavier", "tanh", depth=3, width=20, n=50, rng=5)
    np.testing.assert_array_equal(a.delta_norms, b.delta_norms)
    assert not np.allclose(a.delta_norms, c.delta_norms)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"scheme": "glorot"}, ValueError),
        ({"activation": "swish"}, ValueError),
        ({"depth": 0}, ValueError),
        ({"width": 2.5}, TypeError),
        ({"depth": True}, TypeError),
    ],
)
def test_deep_network_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error) as info:
        lab.deep_network(**kwargs)
    assert next(iter(kwargs)) in str(info.value) or "activation" in str(info.value)


def _manual_probe(Ws, act, act_grad, X, Y):
    """Forward and backward written out with NumPy for a bias-free stack (biases are zero)."""
    A, Zs, As = X, [], []
    for W in Ws[:-1]:
        Z = A @ W.T
        A = act(Z)
        Zs.append(Z)
        As.append(A)
    out = A @ Ws[-1].T
    delta = 2 * (out - Y) / Y.size
    deltas = [delta]
    grads = [delta.T @ A]
    for k in range(len(Ws) - 2, -1, -1):
        delta = (delta @ Ws[k + 1]) * act_grad(Zs[k])
        deltas.append(delta)
        grads.append(delta.T @ (As[k - 1] if k > 0 else X))
    return As, [np.linalg.norm(d) for d in deltas[::-1]], [np.linalg.norm(g) for g in grads[::-1]]


def test_probe_matches_a_hand_written_forward_and_backward_pass():
    generator = np.random.default_rng(7)
    X, Y = lab.random_batch(30, 6, 2, rng=generator)
    model = lab.deep_network(3, 6, "xavier", "tanh", n_out=2, rng=generator)
    result = lab.probe(model, X, Y)
    Ws = [layer.W.value for layer in model.layers if isinstance(layer, nk.Dense)]
    As, delta_norms, grad_norms = _manual_probe(
        Ws, np.tanh, lambda z: 1 - np.tanh(z) ** 2, X, Y
    )
    assert len(result.activations) == 3
    for got, want in zip(result.activations, As, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(result.delta_norms, delta_norms, rtol=1e-10)
    np.testing.assert_allclose(result.grad_norms, grad_norms, rtol=1e-10)
    np.testing.assert_allclose(result.weight_norms, [np.linalg.norm(W) for W in Ws])
    assert result.loss == pytest.approx(np.mean((model.forward(X) - Y) ** 2))


def test_probe_rejects_bad_input():
    model = lab.deep_network(2, 4, "he", "relu")
    with pytest.raises(TypeError, match="model"):
        lab.probe(model.layers[0], np.zeros((3, 4)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="same number of rows"):
        lab.probe(model, np.zeros((3, 4)), np.zeros((2, 1)))


def _successive_ratios(values):
    values = np.asarray(values)
    return values[1:] / values[:-1]


def test_small_weights_make_tanh_activations_vanish_geometrically():
    # Each layer multiplies the spread by about scale * sqrt(width) = 0.01 * 10 = 0.1.
    result = lab.probe_scheme("small normal", "tanh", depth=6, width=100, n=300)
    ratios = _successive_ratios(result.activation_std)
    assert np.all((ratios > 0.07) & (ratios < 0.13))
    assert result.grad_ratio < 1e-5


def test_large_weights_make_relu_activations_explode():
    # ReLU: each layer multiplies the spread by about sqrt(width / 2) * scale = sqrt(50) ≈ 7.
    result = lab.probe_scheme("large normal", "relu", depth=6, width=100, n=300)
    ratios = _successive_ratios(result.activation_std)
    assert np.all((ratios > 5) & (ratios < 10))
    assert result.grad_ratio > 1e4


def _saturated(result):
    """Per hidden layer, the fraction of tanh units within 0.02 of ±1."""
    return np.array([np.mean(np.abs(a) > 0.98) for a in result.activations])


def test_large_weights_saturate_tanh():
    result = lab.probe_scheme("large normal", "tanh", depth=4, width=100, n=300)
    assert np.all(_saturated(result) > 0.5)
    xavier = lab.probe_scheme("xavier", "tanh", depth=4, width=100, n=300)
    assert np.all(_saturated(xavier) < 0.1)


def test_he_keeps_relu_networks_steady_forward_and_backward():
    result = lab.probe_scheme("he", "relu", depth=10, width=100, n=300)
    std = result.activation_std
    assert std.max() / std.min() < 2.0
    assert 0.5 < result.grad_ratio < 2.0
    zeros = np.array([np.mean(a == 0.0) for a in result.activations])
    assert np.all(np.abs(zeros - 0.5) < 0.1)


def test_sigmoid_gradients_vanish_even_with_xavier():
    # σ' <= 1/4, so with variance-preserving weights each layer still costs a factor of about 4.
    result = lab.probe_scheme("xavier", "sigmoid", depth=8, width=100, n=300)
    assert result.grad_ratio < 4.0 ** -5


def test_centred_sigmoid_is_the_sigmoid_network_shifted_by_a_half():
    sigmoid = lab.probe_scheme("xavier", "sigmoid", depth=3, width=20, n=50)
    centred = lab.probe_scheme("xavier", lab.CENTRED_SIGMOID, depth=3, width=20, n=50)
    # layer 1 sees the same inputs and weights: the same outputs, shifted by 1/2
    np.testing.assert_allclose(centred.activations[0], sigmoid.activations[0] - 0.5, atol=1e-15)
    assert abs(centred.activations[0].mean()) < 0.05 < abs(sigmoid.activations[0].mean())
    np.testing.assert_array_equal(centred.weight_norms, sigmoid.weight_norms)


def test_centred_sigmoid_layer_has_the_sigmoids_slope():
    layer = lab.CentredSigmoid()
    z = np.array([[-2.0, 0.0, 3.0]])
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(layer(z), s - 0.5)
    np.testing.assert_allclose(layer.backward(np.ones_like(z)), s * (1 - s))


def test_a_centred_sigmoid_loses_the_signal_with_depth_as_fast_as_the_sigmoid():
    # The slope of at most 1/4, not the mean of 1/2, is what loses the signal.
    for activation in ["sigmoid", lab.CENTRED_SIGMOID]:
        result = lab.probe_scheme("xavier", activation, depth=10, width=100, n=500)
        across = [a.std(axis=0).mean() for a in result.activations]
        assert across[-1] < 1e-4 * across[0], activation
    tanh = lab.probe_scheme("xavier", "tanh", depth=10, width=100, n=500)
    assert tanh.activations[-1].std(axis=0).mean() > 0.1


def test_zero_weights_stop_every_gradient_below_the_output():
    result = lab.probe_scheme("zeros", "sigmoid", depth=4, width=10, n=20)
    assert np.all(result.delta_norms[:-1] == 0)
    assert result.delta_norms[-1] > 0
    assert np.all(result.activation_std == 0)
    assert result.grad_ratio == 0.0


def test_best_line_accuracy_separable_and_xor_by_hand():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert lab.best_line_accuracy(X, [0, 0, 1, 1]) == 1.0  # a horizontal line separates
    assert lab.best_line_accuracy(X, [1, 1, 0, 0]) == 1.0  # either side may be class 1
    assert lab.best_line_accuracy(X, [0, 1, 1, 0]) == 0.75  # XOR: one corner is always lost


def test_best_line_accuracy_beats_every_random_line():
    rng = np.random.default_rng(0)
    X, y = nk.datasets.xor(n=60, noise=0.1, rng=0)
    best = lab.best_line_accuracy(X, y)
    for _ in range(500):
        w, b = rng.normal(size=2), rng.normal()
        side = (X @ w + b >= 0).astype(int)
        assert max(np.mean(side == y), np.mean(side != y)) <= best + 1e-12


def test_best_line_accuracy_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"X must be \(n, 2\)"):
        lab.best_line_accuracy(np.zeros((3, 3)), [0, 1, 0])
