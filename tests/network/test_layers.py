"""Parameter, Dense, Sequential and the initialisers."""

import math

import numpy as np
import pytest

import nnkit as nk
from nnkit import init


def make_batch(n=5, d=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def test_dense_shapes_and_forward_formula():
    layer = nk.Dense(3, 4, init="normal", scale=0.5, rng=0)
    assert layer.W.value.shape == (4, 3) and layer.b.value.shape == (4,)
    assert layer.W.grad.shape == (4, 3) and not layer.W.grad.any()
    layer.b.value[:] = [1.0, -1.0, 0.5, 0.0]
    X = make_batch()
    out = layer.forward(X)
    assert out.shape == (5, 4)
    for i in range(5):  # a = W x + b, sample by sample, as the book writes it
        assert np.allclose(out[i], layer.W.value @ X[i] + layer.b.value)


def test_dense_backward_formulas():
    layer = nk.Dense(3, 4, rng=1)
    X = make_batch()
    layer.forward(X)
    G = np.random.default_rng(2).normal(size=(5, 4))
    grad_in = layer.backward(G)
    assert np.allclose(layer.W.grad, sum(np.outer(G[i], X[i]) for i in range(5)))
    assert np.allclose(layer.b.grad, G.sum(axis=0))
    assert np.allclose(grad_in, G @ layer.W.value)
    assert layer.backward(G, input_grad=False) is None


def test_backward_twice_gives_the_same_gradients():
    model = nk.Sequential(nk.Dense(3, 6, rng=0), nk.Tanh(), nk.Dense(6, 2, rng=1))
    loss = nk.CrossEntropyLoss()
    loss.forward(model.forward(make_batch()), np.array([0, 1, 1, 0, 1]))
    first_in = model.backward(loss.backward())
    first = [p.grad.copy() for p in model.parameters()]
    second_in = model.backward(loss.backward())
    for a, p in zip(first, model.parameters(), strict=True):
        assert np.array_equal(a, p.grad)
    assert np.array_equal(first_in, second_in)


def test_sequential_bookkeeping():
    d1, d2 = nk.Dense(2, 5, rng=0), nk.Dense(5, 3, rng=1)
    relu = nk.ReLU()
    model = nk.Sequential(d1, relu, d2)
    assert len(model) == 3 and model[1] is relu and list(model) == [d1, relu, d2]
    assert model.parameters() == [d1.W, d1.b, d2.W, d2.b]
    assert [p.name for p in model.parameters()] == ["W", "b", "W", "b"]
    out = model.forward(make_batch(4, 2))
    assert len(model.activations) == 3 and model.activations[-1] is out
    assert np.array_equal(model.activations[1], np.maximum(model.activations[0], 0))
    assert "Dense(2 -> 5" in repr(model) and "(1): ReLU()" in repr(model)
    assert isinstance(model[0:2], nk.Sequential) and len(model[0:2]) == 2


def test_sequential_backward_chains_the_layers():
    model = nk.Sequential(nk.Dense(3, 4, rng=0), nk.Sigmoid(), nk.Dense(4, 2, rng=1))
    X = make_batch()
    model.forward(X)
    G = np.ones((5, 2))
    grad_in = model.backward(G)
    d1, _, d2 = model.layers
    a = nk.activations.sigmoid(X @ d1.W.value.T + d1.b.value)
    delta = (G @ d2.W.value) * a * (1 - a)
    assert np.allclose(d2.W.grad, G.T @ a)
    assert np.allclose(d1.W.grad, delta.T @ X)
    assert np.allclose(grad_in, delta @ d1.W.value)
    assert model.backward(G, input_grad=False) is None
    assert np.allclose(d1.W.grad, delta.T @ X)


def test_bias_false():
    layer = nk.Dense(3, 2, bias=False, rng=0)
    assert layer.b is None and layer.parameters() == [layer.W]
    X = make_batch()
    assert np.allclose(layer.forward(X), X @ layer.W.value.T)
    layer.backward(np.ones((5, 2)))
    assert "bias=False" in repr(layer)


@pytest.mark.parametrize("scheme", ["normal", "xavier", "he"])
def test_initialiser_spread_matches_init_std(scheme):
    layer = nk.Dense(400, 300, init=scheme, rng=0, scale=0.05)
    expected = init.init_std(scheme, 400, 300, scale=0.05)
    assert layer.W.value.std() == pytest.approx(expected, rel=0.02)
    assert abs(layer.W.value.mean()) < 0.05 * expected
    assert not layer.b.value.any()


def test_init_std_formulas():
    assert init.init_std("xavier", 30, 10) == pytest.approx(math.sqrt(2 / 40))
    assert init.init_std("he", 50, 10) == pytest.approx(math.sqrt(2 / 50))
    assert init.init_std("normal", 5, 5, scale=0.3) == 0.3
    assert init.init_std("zeros", 5, 5) == 0.0


def test_initialiser_functions_use_fan_in_from_shape():
    rng = np.random.default_rng(0)
    W = init.he((200, 800), rng)
    assert W.shape == (200, 800)
    assert W.std() == pytest.approx(math.sqrt(2 / 800), rel=0.03)
    assert init.xavier((300, 100), 1).std() == pytest.approx(math.sqrt(2 / 400), rel=0.03)
    assert not init.zeros((3, 2)).any()
    assert init.normal((500, 400), 2, scale=0.2).std() == pytest.approx(0.2, rel=0.02)


def test_same_seed_same_weights_and_generators_accepted():
    a = nk.Dense(4, 3, init="he", rng=7).W.value
    b = nk.Dense(4, 3, init="he", rng=7).W.value
    c = nk.Dense(4, 3, init="he", rng=8).W.value
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    gen = np.random.default_rng(7)
    assert np.array_equal(nk.Dense(4, 3, init="he", rng=gen).W.value, a)


def test_callable_init_and_zeros():
    layer = nk.Dense(2, 3, init=lambda shape, rng: np.full(shape, 0.5))
    assert np.array_equal(layer.W.value, np.full((3, 2), 0.5))
    assert not nk.Dense(2, 3, init="zeros").W.value.any()


def test_float32_layers():
    layer = nk.Dense(3, 2, rng=0, dtype=np.float32)
    assert layer.W.value.dtype == np.float32 and layer.b.value.dtype == np.float32
    out = layer.forward(make_batch().astype(np.float32))
    assert out.dtype == np.float32


def test_integer_and_list_inputs_are_converted():
    layer = nk.Dense(2, 2, rng=0)
    out = layer.forward([[1, 2], [3, 4]])
    assert out.dtype == np.float64
    assert np.allclose(out, np.array([[1.0, 2.0], [3.0, 4.0]]) @ layer.W.value.T)


def test_parameter_repr_and_shape():
    p = nk.Parameter(np.zeros((2, 3)), "W")
    assert p.shape == (2, 3) and repr(p) == "Parameter(name='W', shape=(2, 3))"
