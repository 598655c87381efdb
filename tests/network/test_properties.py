"""Property-based tests (hypothesis) over random architectures, batches and losses."""

import math
import warnings

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nnkit as nk

# derandomize: the same examples on every run, so CI results are reproducible.
FAST = settings(max_examples=25, deadline=None, derandomize=True)
HIDDEN_ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "softmax"]


@st.composite
def problems(draw):
    """A random network, a random batch and a loss that fits its output."""
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    n_in = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 5), min_size=0, max_size=3))
    loss_name = draw(st.sampled_from(["mse", "bce", "ce"]))
    n_out = draw(st.integers(2 if loss_name == "ce" else 1, 4))
    batch = draw(st.integers(1, 6))
    layers, size = [], n_in
    for i, width in enumerate(widths):
        layers.append(nk.Dense(size, width, init=draw(st.sampled_from(["xavier", "he"])),
                               rng=seed + i))
        layers.append(nk.get_activation(draw(st.sampled_from(HIDDEN_ACTIVATIONS))))
        size = width
    layers.append(nk.Dense(size, n_out, rng=seed + 99))
    X = rng.normal(size=(batch, n_in))
    if loss_name == "mse":
        loss, target = nk.MSELoss(), rng.normal(size=(batch, n_out))
    elif loss_name == "bce":
        layers.append(nk.Sigmoid())
        loss, target = nk.BCELoss(), rng.integers(0, 2, size=(batch, n_out)).astype(float)
    else:
        loss, target = nk.CrossEntropyLoss(), rng.integers(0, n_out, size=batch)
    return nk.Sequential(*layers), loss, X, target


@FAST
@given(problems())
def test_backward_agrees_with_finite_differences(problem):
    model, loss, X, target = problem
    model.forward(X)
    # Finite differences are meaningless at ReLU's kink: a dead unit feeding a zero
    # bias puts a pre-activation exactly at 0, where the two one-sided slopes differ.
    for i, layer in enumerate(model.layers):
        if isinstance(layer, nk.ReLU):
            assume(np.abs(model.activations[i - 1]).min() > 1e-4)
    assert nk.gradcheck(model, loss, X, target) < 1e-5


@FAST
@given(problems())
def test_backward_twice_gives_identical_gradients(problem):
    model, loss, X, target = problem
    loss.forward(model.forward(X), target)
    first = model.backward(loss.backward())
    grads = [p.grad.copy() for p in model.parameters()]
    second = model.backward(loss.backward())
    assert np.array_equal(first, second)
    assert all(np.array_equal(g, p.grad) for g, p in zip(grads, model.parameters(), strict=True))
    assert first.shape == X.shape


@FAST
@given(n=st.integers(1, 40), batch=st.integers(1, 40), epochs=st.integers(0, 3),
       seed=st.integers(0, 1000))
def test_update_count_and_reproducibility(n, batch, epochs, seed):
    batch = min(batch, n)
    X, y = nk.datasets.blobs(n=max(n, 3), n_classes=3, rng=seed)
    X, y = X[:n], y[:n]

    def run():
        model = nk.Sequential(nk.Dense(2, 4, rng=seed), nk.Tanh(), nk.Dense(4, 3, rng=seed + 1))
        return nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.1),
                      epochs=epochs, batch_size=batch, rng=seed)

    h = run()
    assert h.n_updates == len(h.update_loss) == epochs * math.ceil(n / batch)
    assert len(h.epoch_loss) == epochs
    assert h.update_loss == run().update_loss


logit_rows = arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(2, 5)),
                    elements=st.floats(-1e4, 1e4))


@FAST
@given(logit_rows, st.data())
def test_softmax_and_cross_entropy_are_stable(z, data):
    labels = np.array(data.draw(st.lists(st.integers(0, z.shape[1] - 1),
                                         min_size=len(z), max_size=len(z))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = nk.activations.softmax(z)
        loss = nk.CrossEntropyLoss()
        value = loss.forward(z, labels)
        grad = loss.backward()
        s = nk.activations.sigmoid(z)
    assert np.all((p >= 0) & (p <= 1)) and np.allclose(p.sum(axis=1), 1.0)
    assert math.isfinite(value) and value >= 0
    assert np.all(np.isfinite(grad)) and np.allclose(grad.sum(axis=1), 0.0, atol=1e-12)
    assert np.all((s >= 0) & (s <= 1))


@FAST
@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(0, 1)), st.data())
def test_bce_is_finite_for_any_probabilities(p, data):
    t = np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0]),
                                    min_size=len(p), max_size=len(p))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = nk.BCELoss()
        value = loss.forward(p, t)
        grad = loss.backward()
    assert math.isfinite(value) and value >= 0 and np.all(np.isfinite(grad))


@FAST
@given(seed=st.integers(0, 10_000), n=st.integers(2, 25))
def test_perceptron_converges_on_separable_data(seed, n):
    """The perceptron convergence theorem: with a margin, mistakes stop."""
    rng = np.random.default_rng(seed)
    w_true, b_true = rng.normal(size=2), rng.uniform(-0.5, 0.5)
    X = rng.uniform(-1, 1, size=(4 * n, 2))
    margin = (X @ w_true + b_true) / np.linalg.norm(w_true)
    X = X[np.abs(margin) > 0.1][:n]
    assume(len(X) >= 2)
    y = (X @ w_true + b_true >= 0).astype(int)
    p = nk.Perceptron(2)
    history = p.fit(X, y, epochs=1000)
    assert history.converged
    assert np.array_equal(p.predict(X), y)
