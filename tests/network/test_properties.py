"""Property tests over random architectures, batches and losses.

Each case is drawn from a seeded NumPy generator, so every run checks the same cases;
the seeds are parameters, and a failing case is named by its seed.
"""

import math
import warnings

import numpy as np
import pytest

import nnkit as nk

SEEDS = range(25)
HIDDEN_ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "softmax"]


def random_problem(seed):
    """A random network, a random batch and a loss that fits its output.

    The biases are random too, so that no pre-activation sits exactly at ReLU's kink
    (where finite differences are meaningless); the batch is redrawn in the rare case
    that one comes within 1e-4 of it.
    """
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(1, 5))
    widths = rng.integers(1, 6, size=rng.integers(0, 4))
    loss_name = rng.choice(["mse", "bce", "ce"])
    n_out = int(rng.integers(2 if loss_name == "ce" else 1, 5))
    batch = int(rng.integers(1, 7))
    layers, size = [], n_in
    for i, width in enumerate(widths):
        layers.append(nk.Dense(size, int(width), init=rng.choice(["xavier", "he"]),
                               rng=seed + i, bias=rng.normal(0.0, 0.1, size=width)))
        layers.append(nk.get_activation(rng.choice(HIDDEN_ACTIVATIONS)))
        size = int(width)
    layers.append(nk.Dense(size, n_out, rng=seed + 99))
    if loss_name == "mse":
        loss, target = nk.MSELoss(), rng.normal(size=(batch, n_out))
    elif loss_name == "bce":
        layers.append(nk.Sigmoid())
        loss, target = nk.BCELoss(), rng.integers(0, 2, size=(batch, n_out)).astype(float)
    else:
        loss, target = nk.CrossEntropyLoss(), rng.integers(0, n_out, size=batch)
    model = nk.Sequential(*layers)
    while True:
        X = rng.normal(size=(batch, n_in))
        model(X)
        kinks = [np.abs(model.activations[i - 1]).min() for i, layer in enumerate(model.layers)
                 if isinstance(layer, nk.ReLU)]
        if min(kinks, default=1.0) > 1e-4:
            return model, loss, X, target


@pytest.mark.parametrize("seed", SEEDS)
def test_backward_agrees_with_finite_differences(seed):
    model, loss, X, target = random_problem(seed)
    assert nk.gradcheck(model, loss, X, target) < 1e-5


@pytest.mark.parametrize("seed", SEEDS)
def test_backward_twice_gives_identical_gradients(seed):
    model, loss, X, target = random_problem(seed)
    loss(model(X), target)
    first = model.backward(loss.backward())
    grads = [p.grad.copy() for p in model.parameters()]
    second = model.backward(loss.backward())
    assert np.array_equal(first, second)
    assert all(np.array_equal(g, p.grad) for g, p in zip(grads, model.parameters(), strict=True))
    assert first.shape == X.shape


@pytest.mark.parametrize("seed", SEEDS)
def test_skipping_the_data_gradient_leaves_the_parameter_gradients(seed):
    model, loss, X, target = random_problem(seed)
    loss(model(X), target)
    model.backward(loss.backward())
    full = [p.grad.copy() for p in model.parameters()]
    assert model.backward(loss.backward(), input_grad=False) is None
    assert all(np.array_equal(g, p.grad) for g, p in zip(full, model.parameters(), strict=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_update_count_and_reproducibility(seed):
    rng = np.random.default_rng(1000 + seed)
    n, batch, epochs = int(rng.integers(1, 41)), int(rng.integers(1, 41)), int(rng.integers(0, 4))
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


def random_logits(seed):
    """Logits anywhere in [-1e4, 1e4], with ties and extremes mixed in."""
    rng = np.random.default_rng(2000 + seed)
    shape = (int(rng.integers(1, 6)), int(rng.integers(2, 6)))
    z = rng.uniform(-1e4, 1e4, size=shape)
    z[rng.random(shape) < 0.2] = rng.choice([-1e4, 0.0, 1e4])
    return z, rng.integers(0, shape[1], size=shape[0])


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_and_cross_entropy_are_stable(seed):
    z, labels = random_logits(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = nk.activations.softmax(z)
        loss = nk.CrossEntropyLoss()
        value = loss(z, labels)
        grad = loss.backward()
        s = nk.activations.sigmoid(z)
    assert np.all((p >= 0) & (p <= 1)) and np.allclose(p.sum(axis=1), 1.0)
    assert math.isfinite(value) and value >= 0
    assert np.all(np.isfinite(grad)) and np.allclose(grad.sum(axis=1), 0.0, atol=1e-12)
    assert np.all((s >= 0) & (s <= 1))


@pytest.mark.parametrize("seed", SEEDS)
def test_bce_is_finite_for_any_probabilities(seed):
    rng = np.random.default_rng(3000 + seed)
    n = int(rng.integers(1, 9))
    p = rng.random(n)
    p[rng.random(n) < 0.3] = rng.choice([0.0, 1.0])  # certain predictions, right or wrong
    t = rng.integers(0, 2, size=n).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = nk.BCELoss()
        value = loss(p, t)
        grad = loss.backward()
    assert math.isfinite(value) and value >= 0 and np.all(np.isfinite(grad))


@pytest.mark.parametrize("seed", SEEDS)
def test_perceptron_converges_on_separable_data(seed):
    """The perceptron convergence theorem: with a margin, mistakes stop."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 26))
    w_true, b_true = rng.normal(size=2), rng.uniform(-0.5, 0.5)
    X = rng.uniform(-1, 1, size=(40 * n, 2))
    margin = (X @ w_true + b_true) / np.linalg.norm(w_true)
    X = X[np.abs(margin) > 0.1][:n]
    y = (X @ w_true + b_true >= 0).astype(int)
    assert len(X) == n
    p = nk.Perceptron(2)
    history = p.fit(X, y, epochs=1000)
    assert history.converged
    assert np.array_equal(p.predict(X), y)
