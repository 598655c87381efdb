"""fit and History (the loop, the divergence rule, mini-batches), SGD, accuracy, one_hot,
and the cs231n sanity checks.  The callbacks are tested in test_callbacks.py."""

import math
import warnings

import numpy as np
import pytest

import nnkit as nk


def classifier(n_in=2, hidden=8, n_out=3, init="he", seed=0, act=nk.ReLU):
    return nk.Sequential(nk.Dense(n_in, hidden, init=init, rng=seed), act(),
                         nk.Dense(hidden, n_out, rng=seed + 1))


def train(model, X, y, lr=0.1, loss=None, **kwargs):
    loss = loss or nk.CrossEntropyLoss()
    return nk.fit(model, X, y, loss, nk.SGD(model.parameters(), lr=lr), **kwargs)


@pytest.fixture(scope="module")
def blobs():
    return nk.datasets.blobs(n=90, n_classes=3, rng=0)


def test_fit_reduces_the_loss_and_records_history(blobs):
    X, y = blobs
    model = classifier()
    h = train(model, X, y, epochs=20, batch_size=16)
    n_batches = math.ceil(90 / 16)
    assert len(h.epoch_loss) == 20 == h.epochs
    assert h.n_updates == 20 * n_batches == len(h.update_loss)
    assert len(h.epoch_time) == 20 and h.train_accuracy == []
    assert h.epoch_loss[-1] < 0.5 * h.initial_loss
    assert not h.diverged and h.diverged_epoch is None
    # By default epoch_loss is the mean of the epoch's update losses, weighted by batch size.
    sizes = [16] * (n_batches - 1) + [90 - 16 * (n_batches - 1)]
    for epoch in (0, 19):
        losses = h.update_loss[epoch * n_batches:(epoch + 1) * n_batches]
        assert h.epoch_loss[epoch] == pytest.approx(np.dot(losses, sizes) / 90, rel=1e-12)
    assert h.final_loss == h.epoch_loss[-1]
    assert "epochs=20" in repr(h)


def test_initial_loss_is_measured_before_any_update(blobs):
    X, y = blobs
    model = classifier()
    before = nk.losses.cross_entropy(model(X), y)
    assert train(model, X, y, epochs=1).initial_loss == before


@pytest.mark.parametrize("batch_size, updates", [(None, 1), (1, 90), (32, 3), (90, 1)])
def test_batch_size_sets_updates_per_epoch(blobs, batch_size, updates):
    X, y = blobs
    h = train(classifier(), X, y, lr=0.01, epochs=2, batch_size=batch_size)
    assert h.n_updates == 2 * updates


def test_full_batch_update_loss_is_the_previous_epoch_loss(blobs):
    X, y = blobs
    h = train(classifier(), X, y, epochs=5, callbacks=[nk.EvaluateTrain()])
    assert h.update_loss[0] == h.initial_loss
    assert np.allclose(h.update_loss[1:], h.train_loss[:-1], rtol=1e-12)
    # A full-batch epoch's loss is its one update's loss.
    assert h.epoch_loss == h.update_loss


def test_full_batch_fit_equals_hand_written_gradient_descent(blobs):
    X, y = blobs
    model, copy = classifier(seed=3), classifier(seed=3)
    train(model, X, y, lr=0.2, epochs=3)
    loss = nk.CrossEntropyLoss()
    for _ in range(3):
        loss(copy(X), y)
        copy.backward(loss.backward())
        for p in copy.parameters():
            p.value -= 0.2 * p.grad
    for a, b in zip(model.parameters(), copy.parameters(), strict=True):
        assert np.allclose(a.value, b.value, rtol=1e-12)


def test_a_lone_layer_trains_like_the_same_layer_in_a_network(blobs):
    """fit needs only the Layer interface: a bare Dense (softmax regression) is a model."""
    X, y = blobs
    lone, wrapped = nk.Dense(2, 3, rng=5), nk.Sequential(nk.Dense(2, 3, rng=5))
    h = train(lone, X, y, lr=0.2, epochs=4)
    train(wrapped, X, y, lr=0.2, epochs=4)
    assert h.final_loss < h.initial_loss
    np.testing.assert_allclose(lone.W.value, wrapped[0].W.value, rtol=1e-12)
    np.testing.assert_allclose(lone.b.value, wrapped[0].b.value, rtol=1e-12)


def test_same_seed_same_numbers(blobs):
    X, y = blobs
    runs = [train(classifier(seed=5), X, y, epochs=3, batch_size=8, rng=11) for _ in range(2)]
    assert runs[0].update_loss == runs[1].update_loss
    assert runs[0].epoch_loss == runs[1].epoch_loss
    other = train(classifier(seed=5), X, y, epochs=3, batch_size=8, rng=12)
    assert other.update_loss != runs[0].update_loss


def test_divergence_stops_marks_and_warns_once():
    X, y = nk.datasets.regression_1d(n=50, rng=0)
    model = nk.Sequential(nk.Dense(1, 16, rng=0), nk.Tanh(), nk.Dense(16, 1, rng=1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = train(model, X, y, lr=1e6, loss=nk.MSELoss(), epochs=100, batch_size=10)
    assert [w.category for w in caught] == [nk.DivergenceWarning]
    assert issubclass(nk.DivergenceWarning, RuntimeWarning)
    assert "diverged" in str(caught[0].message)
    assert h.diverged and h.diverged_epoch is not None and h.diverged_epoch <= 2
    assert all(math.isfinite(v) for v in h.update_loss + h.epoch_loss)
    assert h.epochs < 100


def test_full_batch_divergence_records_the_jump():
    X, y = nk.datasets.regression_1d(n=50, rng=0)
    model = nk.Sequential(nk.Dense(1, 8, rng=0), nk.Tanh(), nk.Dense(8, 1, rng=1))
    with pytest.warns(nk.DivergenceWarning):
        h = train(model, X, y, lr=1e5, loss=nk.MSELoss(), epochs=50,
                  callbacks=[nk.EvaluateTrain()])
    # The whole-set loss after the epoch is a training loss too: the same rule stops.
    assert h.diverged and h.diverged_epoch == len(h.train_loss) == len(h.epoch_loss)
    assert h.train_loss[-1] > 1e6 and math.isfinite(h.train_loss[-1])
    assert not h.stopped_early
    # Without the evaluation the next update sees the jump, records it and stops.
    model = nk.Sequential(nk.Dense(1, 8, rng=0), nk.Tanh(), nk.Dense(8, 1, rng=1))
    with pytest.warns(nk.DivergenceWarning):
        plain = train(model, X, y, lr=1e5, loss=nk.MSELoss(), epochs=50)
    assert plain.update_loss[-1] == h.train_loss[-1]
    assert plain.diverged_epoch == h.diverged_epoch + 1
    assert plain.n_updates == len(plain.update_loss) - 1  # the jump was not a step


def test_the_divergence_rule_is_the_module_constant(monkeypatch):
    X, y = nk.datasets.regression_1d(n=20, rng=0)
    model = nk.Sequential(nk.Dense(1, 4, rng=0), nk.Dense(4, 1, rng=1))
    monkeypatch.setattr(nk.training, "DIVERGENCE_LOSS", 1e-6)
    with pytest.warns(nk.DivergenceWarning, match="diverged in epoch 0"):
        h = train(model, X, y, lr=0.01, loss=nk.MSELoss(), epochs=5)
    assert h.diverged and h.diverged_epoch == 0 and h.n_updates == 0
    assert nk.training.DIVERGENCE_LOSS == 1e-6


def test_a_non_finite_initial_loss_stops_before_any_update():
    X, y = nk.datasets.regression_1d(n=20, rng=0)
    model = nk.Sequential(nk.Dense(1, 1, weights=np.array([[1e300]])), nk.Dense(1, 1, rng=1))
    model[1].W.value[...] = 1e300
    with pytest.warns(nk.DivergenceWarning):
        h = train(model, X, y, loss=nk.MSELoss(), epochs=5)
    assert h.diverged and h.diverged_epoch == 0 and h.update_loss == []
    assert not model.training


def test_every_epoch_visits_every_sample_once_in_a_new_order():
    class Recorder(nk.Layer):
        """Passes its input on and remembers which samples (column 0) it saw."""

        def __init__(self):
            self.seen = []

        def forward(self, X):
            self.seen.append(X[:, 0].astype(int).tolist())
            return X

        def backward(self, grad_out):
            return grad_out

    X = np.column_stack([np.arange(10.0), np.zeros(10)])
    y = np.arange(10) % 2
    recorder = Recorder()
    model = nk.Sequential(recorder, nk.Dense(2, 2, rng=0))
    train(model, X, y, epochs=2, batch_size=4)
    batches = recorder.seen[1:]  # the first forward pass is the initial loss
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]
    first, second = sum(batches[:3], []), sum(batches[3:], [])
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second and first != list(range(10))


def test_a_layer_of_your_own_trains_first_in_a_network(blobs):
    class Scale(nk.Layer):
        """a = x ⊙ s with one trainable factor per feature: only forward and backward."""

        def __init__(self, n):
            self.s = nk.Parameter(np.ones(n), "s")
            self.backward_calls = 0

        def forward(self, X):
            self.cache = X
            return X * self.s.value

        def backward(self, grad_out):
            self.backward_calls += 1
            self.s.grad = (grad_out * self.cache).sum(axis=0)
            return grad_out * self.s.value

        def parameters(self):
            return [self.s]

    X, y = blobs
    scale = Scale(2)
    model = nk.Sequential(scale, nk.Dense(2, 3, rng=0))
    h = train(model, X, y, epochs=3, batch_size=30)
    # The default backward_params runs backward (and drops dJ/dX) at the first layer.
    assert scale.backward_calls == h.n_updates == 9
    assert not np.array_equal(scale.s.value, np.ones(2))


def test_first_layer_skips_the_data_gradient_but_not_its_own(blobs):
    class LoggingDense(nk.Dense):
        calls = 0

        def backward(self, grad_out):
            LoggingDense.calls += 1
            return super().backward(grad_out)

    X, y = blobs
    model = nk.Sequential(LoggingDense(2, 8, rng=0), nk.Tanh(), LoggingDense(8, 3, rng=1))
    h = train(model, X, y, epochs=3, batch_size=30)
    # Only the second one returns dJ/dX; the first stores dJ/dW, dJ/db (backward_params).
    assert LoggingDense.calls == h.n_updates == 9
    reference = nk.Sequential(nk.Dense(2, 8, rng=0), nk.Tanh(), nk.Dense(8, 3, rng=1))
    train(reference, X, y, epochs=3, batch_size=30)
    for a, b in zip(model.parameters(), reference.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)


def test_one_hot_targets_train_like_labels(blobs):
    X, y = blobs
    a = train(classifier(), X, y, epochs=3, batch_size=16, callbacks=[nk.EvaluateTrain()])
    b = train(classifier(), X, nk.one_hot(y, 3), epochs=3, batch_size=16,
              callbacks=[nk.EvaluateTrain()])
    assert np.allclose(a.train_loss, b.train_loss, rtol=1e-12)
    assert a.train_accuracy == b.train_accuracy


def test_a_custom_loss_subclass_can_be_trained_with():
    class MeanAbsoluteError(nk.losses.Loss):
        def forward(self, pred, target):
            self.cache = pred - target
            return float(np.mean(np.abs(self.cache)))

        def backward(self):
            return np.sign(self.cache) / self.cache.size

    X, y = nk.datasets.regression_1d(n=40, rng=0)
    model = nk.Sequential(nk.Dense(1, 16, rng=0), nk.Tanh(), nk.Dense(16, 1, rng=1))
    h = train(model, X, y, lr=0.1, loss=MeanAbsoluteError(), epochs=100, batch_size=8)
    assert h.epoch_loss[-1] < 0.5 * h.initial_loss and h.train_accuracy == []


def test_epochs_zero_only_measures_the_initial_loss(blobs):
    X, y = blobs
    h = train(classifier(), X, y, epochs=0)
    assert h.epochs == 0 and h.n_updates == 0 and math.isfinite(h.initial_loss)
    assert h.final_loss == h.initial_loss


def test_binary_classification_with_bce_and_flat_labels():
    X, y = nk.datasets.moons(n=100, rng=0)
    model = nk.Sequential(nk.Dense(2, 16, rng=0), nk.Tanh(), nk.Dense(16, 1, rng=1),
                          nk.Sigmoid())
    h = train(model, X, y, lr=1.0, loss=nk.BCELoss(), epochs=200,
              callbacks=[nk.EvaluateTrain()])
    assert h.train_accuracy[-1] > 0.85
    assert h.train_accuracy[-1] == nk.accuracy(model(X), y)


def test_regression_records_no_accuracy():
    X, y = nk.datasets.regression_1d(n=40, rng=0)
    model = nk.Sequential(nk.Dense(1, 16, rng=0), nk.Tanh(), nk.Dense(16, 1, rng=1))
    h = train(model, X, y, lr=0.2, loss=nk.MSELoss(), epochs=300)
    assert h.train_accuracy == [] and h.epoch_loss[-1] < 0.1


def test_float32_training_keeps_float32(blobs):
    X, y = blobs
    model = nk.Sequential(nk.Dense(2, 8, rng=0, dtype=np.float32), nk.ReLU(),
                          nk.Dense(8, 3, rng=1, dtype=np.float32))
    h = train(model, X, y, epochs=5, batch_size=10)
    assert all(p.value.dtype == np.float32 for p in model.parameters())
    assert h.epoch_loss[-1] < h.initial_loss


def test_sgd_step_and_momentum():
    p = nk.Parameter(np.array([1.0, -2.0]))
    p.grad = np.array([0.5, 1.0])
    nk.SGD([p], lr=0.1).step()
    assert np.allclose(p.value, [0.95, -2.1])
    q = nk.Parameter(np.array([0.0]))
    opt = nk.SGD([q], lr=0.1, momentum=0.9)
    q.grad = np.array([1.0])
    opt.step()
    opt.step()
    assert np.allclose(q.value, [-0.1 + (-0.09 - 0.1)])
    opt.lr = 0.5
    assert opt.lr == 0.5
    opt.zero_grad()
    assert not q.grad.any()
    assert "momentum=0.9" in repr(opt)


def test_momentum_speeds_up_training(blobs):
    X, y = blobs
    slow = train(classifier(), X, y, lr=0.01, epochs=30)
    model = classifier()
    fast = nk.fit(model, X, y, nk.CrossEntropyLoss(),
                  nk.SGD(model.parameters(), lr=0.01, momentum=0.9), epochs=30)
    assert fast.epoch_loss[-1] < slow.epoch_loss[-1]


def test_accuracy_and_one_hot():
    scores = np.array([[0.1, 0.9], [2.0, -1.0], [0.0, 3.0]])
    assert nk.accuracy(scores, [1, 0, 0]) == pytest.approx(2 / 3)
    assert nk.accuracy(scores, nk.one_hot([1, 0, 1], 2)) == 1.0
    assert nk.accuracy(np.array([0.2, 0.7, 0.5]), [0, 1, 0]) == pytest.approx(2 / 3)
    assert nk.accuracy(np.array([[0.2], [0.7]]), np.array([[0], [1]])) == 1.0
    assert np.array_equal(nk.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])


def test_initial_cross_entropy_is_log_c_for_small_weights():
    X, y = nk.datasets.blobs(n=200, n_classes=4, rng=0)
    model = nk.Sequential(nk.Dense(2, 20, init="normal", scale=1e-3, rng=0), nk.ReLU(),
                          nk.Dense(20, 4, init="normal", scale=1e-3, rng=1))
    assert nk.losses.cross_entropy(model(X), y) == pytest.approx(math.log(4), rel=1e-3)


def test_network_overfits_a_tiny_batch():
    X, y = nk.datasets.spirals(n=12, n_classes=3, rng=0)
    model = nk.Sequential(nk.Dense(2, 32, init="he", rng=0), nk.ReLU(),
                          nk.Dense(32, 32, init="he", rng=1), nk.ReLU(),
                          nk.Dense(32, 3, rng=2))
    h = train(model, X, y, lr=0.3, epochs=800, callbacks=[nk.EvaluateTrain()])
    assert h.train_accuracy[-1] == 1.0 and h.train_loss[-1] < 0.02


def test_zero_initialisation_keeps_hidden_units_identical():
    X, y = nk.datasets.blobs(n=60, n_classes=3, rng=0)
    # Sigmoid, not tanh: with tanh(0) = 0 nothing but the output bias would move.
    model = nk.Sequential(nk.Dense(2, 5, init="zeros"), nk.Sigmoid(),
                          nk.Dense(5, 3, init="zeros"))
    # Few epochs: the symmetric state is unstable, so rounding differences between
    # BLAS code paths for different rows would eventually grow.
    h = train(model, X, y, lr=0.5, epochs=10, batch_size=10)
    W1, W2 = model[0].W.value, model[2].W.value
    assert h.epoch_loss[-1] < 0.9 * h.initial_loss  # it learns something ...
    assert np.abs(W1).max() > 0.1
    # ... but every hidden unit has the same weights
    assert np.allclose(W1, W1[0], rtol=0, atol=1e-9)
    assert np.allclose(W2, W2[:, :1], rtol=0, atol=1e-9)
