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
    # backward_params stores the same parameter gradients and skips dJ/dX.
    layer.W.grad, layer.b.grad = np.zeros((4, 3)), np.zeros(4)
    assert layer.backward_params(G) is None
    assert np.allclose(layer.W.grad, G.T @ X) and np.allclose(layer.b.grad, G.sum(axis=0))


def test_backward_twice_gives_the_same_gradients():
    model = nk.Sequential(nk.Dense(3, 6, rng=0), nk.Tanh(), nk.Dense(6, 2, rng=1))
    loss = nk.CrossEntropyLoss()
    loss(model(make_batch()), np.array([0, 1, 1, 0, 1]))
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
    out = layer(make_batch().astype(np.float32))
    assert out.dtype == np.float32
    # The door hands a float64 batch to a float32 layer in the layer's dtype.
    assert layer(make_batch()).dtype == np.float32


def test_integer_and_list_inputs_are_converted():
    layer = nk.Dense(2, 2, rng=0)
    out = layer([[1, 2], [3, 4]])  # the door converts; forward itself takes arrays only
    assert out.dtype == np.float64
    assert np.allclose(out, np.array([[1.0, 2.0], [3.0, 4.0]]) @ layer.W.value.T)


def test_parameter_repr_and_shape():
    p = nk.Parameter(np.zeros((2, 3)), "W")
    assert p.shape == (2, 3) and repr(p) == "Parameter(name='W', shape=(2, 3))"


def test_dense_accepts_given_weights_and_bias():
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    layer = nk.Dense(2, 3, weights=W, bias=np.array([0.5, 0.0, -0.5]))
    W[0, 0] = 100.0  # the layer keeps its own copy
    assert layer.W.value[0, 0] == 1.0 and layer.init == "given"
    assert np.allclose(layer.forward(np.array([[1.0, 1.0]])), [[3.5, 7.0, 10.5]])
    assert nk.Dense(2, 3, weights=W, bias=False).b is None
    with pytest.raises(ValueError, match=r"weights has shape \(2, 3\), expected"):
        nk.Dense(2, 3, weights=W.T)
    with pytest.raises(ValueError, match=r"bias has shape \(2,\), expected"):
        nk.Dense(2, 3, bias=np.zeros(2))


def test_mlp_stacks_dense_layers_and_activations():
    model = nk.mlp([4, 8, 8, 3], activation="tanh", rng=0)
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Dense", "Tanh", "Dense", "Tanh", "Dense"]
    assert [(d.n_in, d.n_out) for d in model.layers[::2]] == [(4, 8), (8, 8), (8, 3)]
    assert all(d.init == "xavier" for d in model.layers[::2])
    relu = nk.mlp([4, 8, 1], activation="relu", output_activation="sigmoid", rng=0)
    assert [d.init for d in relu.layers[::2]] == ["he", "xavier"]
    assert type(relu.layers[-1]).__name__ == "Sigmoid"
    # One generator draws the layers in order: the same seed gives the same network.
    again = nk.mlp([4, 8, 8, 3], activation="tanh", rng=0)
    assert all(np.array_equal(p.value, q.value)
               for p, q in zip(model.parameters(), again.parameters(), strict=True))
    gen = np.random.default_rng(0)
    first = nk.Dense(4, 8, rng=gen)
    assert np.array_equal(model[0].W.value, first.W.value)


def test_mlp_with_given_weights_and_no_bias():
    W1, W2 = np.eye(2), np.array([[1.0, -1.0]])
    model = nk.mlp([2, 2, 1], activation="relu", weights=[W1, W2], bias=False)
    assert model.parameters()[0] is model[0].W and len(model.parameters()) == 2
    assert np.allclose(model.forward(np.array([[3.0, 1.0], [-1.0, 2.0]])), [[2.0], [-2.0]])
    with pytest.raises(ValueError, match="expected 2 entries, one per layer"):
        nk.mlp([2, 2, 1], weights=[W1])
    with pytest.raises(ValueError, match="at least the inputs and the outputs"):
        nk.mlp([3])
    with pytest.raises(TypeError, match="list of layer widths"):
        nk.mlp(3)


def test_sequential_keeps_the_gradient_that_reached_each_layer():
    model = nk.mlp([3, 4, 2], activation="tanh", rng=1)
    X = np.random.default_rng(0).normal(size=(5, 3))
    loss = nk.MSELoss()
    loss(model(X), np.zeros((5, 2)))
    top = loss.backward()
    assert model.backward(top, input_grad=False) is None
    assert [g.shape for g in model.output_grads] == [(5, 4), (5, 4), (5, 2)]
    assert model.output_grads[-1] is top
    # dJ/d(tanh output) fed through tanh' is what reached the tanh from the Dense above.
    assert np.allclose(model.output_grads[1], top @ model[2].W.value)
    assert np.allclose(model.output_grads[0],
                       model.output_grads[1] * (1 - model.activations[1] ** 2))


def test_calling_a_layer_checks_the_input_once_then_runs_forward(monkeypatch):
    model = nk.mlp([3, 4, 2], activation="tanh", rng=0)
    calls = []

    def counting(layer_check):
        def check(self, X, name="X"):
            calls.append(type(self).__name__)
            return layer_check(self, X, name)
        return check

    monkeypatch.setattr(nk.Dense, "check_input", counting(nk.Dense.check_input))
    monkeypatch.setattr(nk.Tanh, "check_input", counting(nk.Tanh.check_input))
    X = make_batch()
    out = model(X)
    # Sequential asks its first layer; the layers inside run forward unchecked.
    assert calls == ["Dense"]
    np.testing.assert_array_equal(out, model.forward(X))


@pytest.mark.parametrize("layer, message", [
    (nk.Dense(3, 2, rng=0), "Dense.backward was called before forward"),
    (nk.Sigmoid(), "Sigmoid.backward was called before forward"),
    (nk.Tanh(), "Tanh.backward was called before forward"),
    (nk.ReLU(), "ReLU.backward was called before forward"),
    (nk.Softmax(), "Softmax.backward was called before forward"),
    (nk.Dropout(0.5, rng=0), "Dropout.backward was called before forward"),
    (nk.mlp([3, 2, 2], rng=0), "Dense.backward was called before forward"),
], ids=["Dense", "Sigmoid", "Tanh", "ReLU", "Softmax", "Dropout", "Sequential"])
def test_backward_before_forward_names_the_layer(layer, message):
    with pytest.raises(RuntimeError, match=message):
        layer.backward(np.ones((5, 2)))
    with pytest.raises(RuntimeError, match=message):
        layer.backward_params(np.ones((5, 2)))


def test_step_and_identity_need_nothing_from_forward():
    # Their derivatives are constants (0 and 1), so backward works on its own.
    G = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(nk.Identity().backward(G), G)
    np.testing.assert_array_equal(nk.Step().backward(G), np.zeros_like(G))


def test_dense_construction_checks_each_argument_once(monkeypatch):
    import nnkit.init
    import nnkit.layers

    seen = []

    def spy(module, name):
        original = getattr(module, name)

        def wrapper(value, *args, **kwargs):
            seen.append((name, args[0] if args else "rng"))
            return original(value, *args, **kwargs)
        monkeypatch.setattr(module, name, wrapper)

    for module in (nnkit.init, nnkit.layers):
        for name in ("check_int", "check_choice", "check_positive", "as_rng"):
            if hasattr(module, name):
                spy(module, name)
    nk.Dense(3, 2, init="normal", scale=0.1, rng=0)
    assert sorted(seen) == sorted([("check_choice", "init"), ("check_int", "n_out"),
                                   ("check_int", "n_in"), ("check_positive", "scale"),
                                   ("as_rng", "rng")])
    seen.clear()
    nk.mlp([3, 4, 2], init="xavier", rng=0)
    # Two layers, each with its own n_in, n_out and scheme, checked by the initialiser;
    # as_rng only hands on the one generator that mlp made from the seed.
    assert sorted(seen) == sorted([("check_choice", "init"), ("check_int", "n_out"),
                                   ("check_int", "n_in"), ("as_rng", "rng")] * 2)


@pytest.mark.parametrize("sizes, error, message", [
    ([2, 0, 1], ValueError, r"layer 1 of the network \(sizes\[0\] -> sizes\[1\]\): "
                            r"n_out must be at least 1, got 0"),
    ([2, 3, 1.5], TypeError, r"layer 2 of the network \(sizes\[1\] -> sizes\[2\]\): "
                             r"n_out must be an int"),
])
def test_mlp_errors_name_the_layer_and_its_sizes(sizes, error, message):
    with pytest.raises(error, match=message):
        nk.mlp(sizes)


def test_mlp_errors_from_an_activation_name_the_layer():
    with pytest.raises(ValueError, match=r"layer 1 .*unknown activation 'gelu'"):
        nk.mlp([2, 3, 1], activation="gelu")


class Pair(nk.Layer):
    """A container as a user writes it: two layers in attributes, nothing registered."""

    def __init__(self):
        self.first = nk.Dense(2, 3, rng=0)
        self.rest = [nk.Dropout(0.5, rng=1), nk.Dense(3, 1, rng=2)]
        self.scale = 2.0

    def forward(self, X):
        for layer in self.children():
            X = layer.forward(X)
        return self.scale * X


def test_children_parameters_and_mode_reach_every_held_layer():
    pair = Pair()
    first, dropout, last = pair.children()
    assert (first, dropout, last) == (pair.first, *pair.rest)
    assert [id(p) for p in pair.parameters()] == [
        id(p) for p in (first.W, first.b, last.W, last.b)]
    assert nk.Dense(2, 3).children() == [] and nk.ReLU().children() == []
    model = nk.Sequential(nk.Residual(nk.Sequential(pair, nk.ReLU())), nk.Dense(1, 1))
    assert model.children() == list(model.layers)
    assert model.layers[0].children() == [model.layers[0].block]
    assert len(model.parameters()) == 6
    model.eval()
    assert not dropout.training and not pair.training and not model.layers[0].training
    model.train()
    assert dropout.training and pair.training
