"""fit, History, SGD, accuracy, one_hot, mini-batches and the cs231n sanity checks."""

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


def test_evaluate_train_records_the_whole_set_after_each_epoch(blobs):
    X, y = blobs
    model = classifier()
    h = train(model, X, y, epochs=20, batch_size=16, evaluate_train=True)
    assert len(h.train_accuracy) == 20 and h.train_accuracy[-1] > 0.9
    # epoch_loss is now the loss of the whole training set with the final weights
    assert h.epoch_loss[-1] == pytest.approx(nk.losses.cross_entropy(model.forward(X), y))
    assert h.train_accuracy[-1] == nk.accuracy(model.forward(X), y)
    # ... and the updates themselves are the same as without the evaluation.
    assert h.update_loss == train(classifier(), X, y, epochs=20, batch_size=16).update_loss


def test_initial_loss_is_measured_before_any_update(blobs):
    X, y = blobs
    model = classifier()
    before = nk.losses.cross_entropy(model.forward(X), y)
    assert train(model, X, y, epochs=1).initial_loss == before


@pytest.mark.parametrize("batch_size, updates", [(None, 1), (1, 90), (32, 3), (90, 1)])
def test_batch_size_sets_updates_per_epoch(blobs, batch_size, updates):
    X, y = blobs
    h = train(classifier(), X, y, lr=0.01, epochs=2, batch_size=batch_size)
    assert h.n_updates == 2 * updates


def test_full_batch_update_loss_is_the_previous_epoch_loss(blobs):
    X, y = blobs
    h = train(classifier(), X, y, epochs=5, evaluate_train=True)
    assert h.update_loss[0] == h.initial_loss
    assert np.allclose(h.update_loss[1:], h.epoch_loss[:-1], rtol=1e-12)
    # Without the evaluation a full-batch epoch's loss is its one update's loss.
    assert train(classifier(), X, y, epochs=5).epoch_loss == h.update_loss


def test_full_batch_fit_equals_hand_written_gradient_descent(blobs):
    X, y = blobs
    model, copy = classifier(seed=3), classifier(seed=3)
    train(model, X, y, lr=0.2, epochs=3)
    loss = nk.CrossEntropyLoss()
    for _ in range(3):
        loss.forward(copy.forward(X), y)
        copy.backward(loss.backward())
        for p in copy.parameters():
            p.value -= 0.2 * p.grad
    for a, b in zip(model.parameters(), copy.parameters(), strict=True):
        assert np.allclose(a.value, b.value, rtol=1e-12)


def test_same_seed_same_numbers(blobs):
    X, y = blobs
    runs = [train(classifier(seed=5), X, y, epochs=3, batch_size=8, rng=11) for _ in range(2)]
    assert runs[0].update_loss == runs[1].update_loss
    assert runs[0].epoch_loss == runs[1].epoch_loss
    other = train(classifier(seed=5), X, y, epochs=3, batch_size=8, rng=12)
    assert other.update_loss != runs[0].update_loss


def test_shuffle_false_visits_samples_in_order(blobs):
    X, y = blobs
    a = train(classifier(), X, y, epochs=2, batch_size=30, shuffle=False, rng=1)
    b = train(classifier(), X, y, epochs=2, batch_size=30, shuffle=False, rng=2)
    assert a.update_loss == b.update_loss


def test_validation_and_tracking(blobs):
    X, y = blobs
    X_val, y_val = nk.datasets.blobs(n=30, n_classes=3, rng=1)
    model = nk.Sequential(nk.Dense(2, 6, rng=0), nk.Tanh(), nk.Dense(6, 5, rng=1),
                          nk.Sigmoid(), nk.Dense(5, 3, rng=2))
    h = train(model, X, y, epochs=4, batch_size=30, validation=(X_val, y_val),
              track_gradients=True)
    assert len(h.val_loss) == len(h.val_accuracy) == 4
    assert h.val_loss[-1] == pytest.approx(nk.losses.cross_entropy(model.forward(X_val), y_val))
    assert h.val_accuracy[-1] == nk.accuracy(model.forward(X_val), y_val)
    assert len(h.grad_norms) == 4 and all(len(g) == 3 for g in h.grad_norms)
    assert all(v > 0 for g in h.grad_norms for v in g)


def test_grad_norms_average_the_epoch_updates(blobs):
    X, y = blobs
    model = classifier()
    h = train(model, X, y, epochs=1, track_gradients=True)
    loss = nk.CrossEntropyLoss()
    fresh = classifier()
    loss.forward(fresh.forward(X), y)
    fresh.backward(loss.backward())
    assert h.grad_norms[0][0] == pytest.approx(np.linalg.norm(fresh[0].W.grad))


def test_callback_sees_every_epoch_and_can_stop(blobs):
    X, y = blobs
    seen = []

    def callback(epoch, model, history):
        seen.append((epoch, len(history.epoch_loss)))
        return epoch == 3

    h = train(classifier(), X, y, epochs=10, callback=callback)
    assert seen == [(1, 1), (2, 2), (3, 3)]
    assert h.stopped_early and h.epochs == 3


def test_callback_forward_passes_do_not_disturb_full_batch_training(blobs):
    X, y = blobs
    grid = np.random.default_rng(0).normal(size=(50, 2))
    plain = train(classifier(), X, y, epochs=4)
    probed = train(classifier(), X, y, epochs=4,
                   callback=lambda e, m, h: m.forward(grid) is None)
    assert np.allclose(plain.epoch_loss, probed.epoch_loss, rtol=1e-12)


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
        h = train(model, X, y, lr=1e5, loss=nk.MSELoss(), epochs=50, evaluate_train=True)
    assert h.diverged and h.diverged_epoch == len(h.epoch_loss)
    assert h.epoch_loss[-1] > 1e6 and math.isfinite(h.epoch_loss[-1])
    # Without the evaluation the next update sees the jump, records it and stops.
    model = nk.Sequential(nk.Dense(1, 8, rng=0), nk.Tanh(), nk.Dense(8, 1, rng=1))
    with pytest.warns(nk.DivergenceWarning):
        plain = train(model, X, y, lr=1e5, loss=nk.MSELoss(), epochs=50)
    assert plain.update_loss[-1] == h.epoch_loss[-1]
    assert plain.diverged_epoch == h.diverged_epoch + 1


def test_divergence_threshold_none_only_stops_on_non_finite():
    X, y = nk.datasets.regression_1d(n=20, rng=0)
    model = nk.Sequential(nk.Dense(1, 4, rng=0), nk.Dense(4, 1, rng=1))
    with pytest.warns(nk.DivergenceWarning):
        h = train(model, X, y, lr=50.0, loss=nk.MSELoss(), epochs=500,
                  divergence_threshold=None, evaluate_train=True)
    assert h.diverged and max(h.epoch_loss) > 1e6


def test_layer_subclasses_with_their_own_backward_still_train(blobs):
    class LoggingDense(nk.Dense):
        calls = 0

        def backward(self, grad_out, input_grad=True):
            LoggingDense.calls += 1
            return super().backward(grad_out, input_grad)

    X, y = blobs
    model = nk.Sequential(LoggingDense(2, 8, rng=0), nk.Tanh(), nk.Dense(8, 3, rng=1))
    h = train(model, X, y, epochs=3, batch_size=30)
    assert LoggingDense.calls == h.n_updates == 9


def test_one_hot_targets_train_like_labels(blobs):
    X, y = blobs
    a = train(classifier(), X, y, epochs=3, batch_size=16, evaluate_train=True)
    b = train(classifier(), X, nk.one_hot(y, 3), epochs=3, batch_size=16, evaluate_train=True)
    assert np.allclose(a.epoch_loss, b.epoch_loss, rtol=1e-12)
    assert a.train_accuracy == b.train_accuracy


def test_a_custom_loss_subclass_can_be_trained_with():
    class MeanAbsoluteError(nk.losses.Loss):
        def forward(self, pred, target):
            self._cache = pred - np.asarray(target).reshape(pred.shape)
            return float(np.mean(np.abs(self._cache)))

        def backward(self):
            return np.sign(self._cache) / self._cache.size

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
    h = train(model, X, y, lr=1.0, loss=nk.BCELoss(), epochs=200, evaluate_train=True)
    assert h.train_accuracy[-1] > 0.85
    assert h.train_accuracy[-1] == nk.accuracy(model.forward(X), y)


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
    assert nk.losses.cross_entropy(model.forward(X), y) == pytest.approx(math.log(4), rel=1e-3)


def test_network_overfits_a_tiny_batch():
    X, y = nk.datasets.spirals(n=12, n_classes=3, rng=0)
    model = nk.Sequential(nk.Dense(2, 32, init="he", rng=0), nk.ReLU(),
                          nk.Dense(32, 32, init="he", rng=1), nk.ReLU(),
                          nk.Dense(32, 3, rng=2))
    h = train(model, X, y, lr=0.3, epochs=800, evaluate_train=True)
    assert h.train_accuracy[-1] == 1.0 and h.epoch_loss[-1] < 0.02


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
