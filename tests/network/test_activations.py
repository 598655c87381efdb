"""Activation functions, their derivatives and the activation layers."""

import warnings

import numpy as np
import pytest

import nnkit as nk
from nnkit import activations as act

Z = np.linspace(-5.0, 5.0, 41)
SMOOTH = [
    (act.sigmoid, act.sigmoid_grad),
    (act.tanh, act.tanh_grad),
    (act.identity, np.ones_like),
]


def test_functions_match_their_textbook_formulas():
    assert np.allclose(act.sigmoid(Z), 1.0 / (1.0 + np.exp(-Z)))
    assert np.allclose(act.tanh(Z), (np.exp(Z) - np.exp(-Z)) / (np.exp(Z) + np.exp(-Z)))
    assert np.array_equal(act.relu(Z), np.where(Z > 0, Z, 0.0))
    assert np.array_equal(act.identity(Z), Z)
    assert np.array_equal(act.step(np.array([-2.0, -1e-9, 0.0, 3.0])), [0, 0, 1, 1])


@pytest.mark.parametrize("f, df", SMOOTH, ids=["sigmoid", "tanh", "identity"])
def test_derivatives_match_centred_differences(f, df):
    h = 1e-5
    numeric = (f(Z + h) - f(Z - h)) / (2 * h)
    assert np.allclose(df(Z), numeric, atol=1e-8)


def test_piecewise_derivatives():
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    assert np.array_equal(act.relu_grad(z), [0, 0, 0, 1, 1])


def test_derivative_maxima():
    assert act.sigmoid_grad(0.0) == pytest.approx(0.25)
    assert act.tanh_grad(0.0) == pytest.approx(1.0)
    assert act.sigmoid_grad(Z).max() <= 0.25


def test_functions_accept_scalars_lists_and_ints():
    assert act.sigmoid(0) == pytest.approx(0.5)
    assert np.allclose(act.relu([-1, 2]), [0.0, 2.0])
    assert act.relu(np.array([-1, 2])).dtype == np.float64


def test_extreme_inputs_are_finite_without_warnings():
    z = np.array([-1000.0, -745.0, 0.0, 745.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(z)
        ds = act.sigmoid_grad(z)
        t = act.tanh(z)
        p = act.softmax(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]))
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert np.all(np.isfinite(ds)) and np.all(np.isfinite(t))
    assert np.allclose(p, [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3]])


def test_sigmoid_keeps_float32():
    assert act.sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_softmax_rows_sum_to_one_and_ignore_shifts():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 4))
    p = act.softmax(z)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(act.softmax(z + 123.0), p)
    assert np.allclose(act.softmax(z.T, axis=0), p.T)
    assert np.allclose(p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))


@pytest.mark.parametrize(
    "layer, f, df",
    [
        (nk.Sigmoid(), act.sigmoid, act.sigmoid_grad),
        (nk.Tanh(), act.tanh, act.tanh_grad),
        (nk.ReLU(), act.relu, act.relu_grad),
        (nk.Identity(), act.identity, np.ones_like),
        (nk.Step(), act.step, np.zeros_like),
    ],
    ids=["Sigmoid", "Tanh", "ReLU", "Identity", "Step"],
)
def test_elementwise_layers_apply_the_chain_rule(layer, f, df):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, 3))
    g = rng.normal(size=(6, 3))
    assert np.allclose(layer.forward(z), f(z))
    assert np.allclose(layer.backward(g), g * df(z))
    assert layer.parameters() == []


def test_softmax_layer_backward_is_the_jacobian_vector_product():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    layer = nk.Softmax()
    p = layer.forward(z)
    grad = layer.backward(g)
    for i in range(3):
        jacobian = np.diag(p[i]) - np.outer(p[i], p[i])
        assert np.allclose(grad[i], jacobian @ g[i])


def test_get_activation_builds_fresh_layers_by_name():
    expected = {"step": nk.Step, "identity": nk.Identity, "sigmoid": nk.Sigmoid,
                "tanh": nk.Tanh, "relu": nk.ReLU, "softmax": nk.Softmax}
    for name, cls in expected.items():
        layer = nk.get_activation(name)
        assert type(layer) is cls
        assert nk.get_activation(name) is not layer
    assert type(nk.get_activation("ReLU")) is nk.ReLU


def test_calling_an_activation_checks_then_runs_forward():
    z = np.array([[-1.0, 2.0]])
    assert np.array_equal(nk.ReLU()(z), nk.ReLU().forward(z))
    assert np.array_equal(nk.Sigmoid()([[0, 0]]), [[0.5, 0.5]])  # integers become floats
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite"):
        nk.Tanh()(np.array([np.nan, 1.0]))
