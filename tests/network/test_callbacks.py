"""The callbacks of fit: the hooks and their order, EvaluateTrain, validation,
GradientNorms, EarlyStopping, and plain functions as epoch-end callbacks."""

import math
import warnings

import numpy as np
import pytest

import nnkit as nk
from nnkit.callbacks import EVAL_CHUNK_ROWS, Callback, Validation, as_callback, evaluate


def classifier(seed=0):
    return nk.Sequential(nk.Dense(2, 8, init="he", rng=seed), nk.ReLU(),
                         nk.Dense(8, 3, rng=seed + 1))


def train(model, X, y, lr=0.1, loss=None, **kwargs):
    loss = loss or nk.CrossEntropyLoss()
    return nk.fit(model, X, y, loss, nk.SGD(model.parameters(), lr=lr), **kwargs)


@pytest.fixture(scope="module")
def blobs():
    return nk.datasets.blobs(n=90, n_classes=3, rng=0)


# ---------------------------------------------------------------- the hooks

class Log(Callback):
    """Writes down every hook call with what it saw."""

    def __init__(self, name, log, stop_at=None):
        self.name, self.log, self.stop_at = name, log, stop_at

    def on_train_begin(self, model, loss, X, y, batch_size, validation):
        self.log.append((self.name, "begin", X.dtype, y.dtype, batch_size, validation is None))

    def on_gradients(self, model, history):
        self.log.append((self.name, "gradients", model.training, history.n_updates))

    def on_update(self, model, history):
        self.log.append((self.name, "update", model.training, len(history.update_loss)))

    def on_epoch_end(self, epoch, model, history):
        self.log.append((self.name, "epoch", epoch, model.training, history.epochs))
        return epoch == self.stop_at

    def on_train_end(self, model, history):
        self.log.append((self.name, "end", model.training))


def test_hooks_are_called_in_order_with_the_checked_data(blobs):
    X, y = blobs
    log = []
    h = train(classifier(), X.astype(np.float32), y.astype(float), epochs=2, batch_size=45,
              callbacks=[Log("a", log), Log("b", log)])
    # The data as the model and the loss take them: float64 inputs, integer labels.
    assert log[:2] == [("a", "begin", np.float64, np.int64, 45, True),
                       ("b", "begin", np.float64, np.int64, 45, True)]
    # Between backward and step (no update counted yet), then after the step.
    assert [e[1:] for e in log[2:6]] == [("gradients", True, 0), ("gradients", True, 0),
                                         ("update", True, 1), ("update", True, 1)]
    assert sum(e[1] == "gradients" for e in log) == 2 * h.n_updates
    updates = [e for e in log if e[1] == "update"]
    assert updates[:2] == [("a", "update", True, 1), ("b", "update", True, 1)]
    assert len(updates) == 2 * h.n_updates == 8
    epochs = [e for e in log if e[1] == "epoch"]
    assert epochs == [("a", "epoch", 1, False, 1), ("b", "epoch", 1, False, 1),
                      ("a", "epoch", 2, False, 2), ("b", "epoch", 2, False, 2)]
    assert log[-2:] == [("a", "end", False), ("b", "end", False)]


def test_the_first_callback_that_stops_ends_the_epoch(blobs):
    X, y = blobs
    log = []
    h = train(classifier(), X, y, epochs=10, callbacks=[Log("a", log, stop_at=3), Log("b", log)])
    assert h.stopped_early and h.epochs == 3 and not h.diverged
    epochs = [(e[0], e[2]) for e in log if e[1] == "epoch"]
    assert epochs[-2:] == [("b", 2), ("a", 3)]  # b never sees epoch 3
    assert log[-2:] == [("a", "end", False), ("b", "end", False)]


def test_train_end_runs_after_a_divergence_too():
    X, y = nk.datasets.regression_1d(n=50, rng=0)
    model = nk.Sequential(nk.Dense(1, 16, rng=0), nk.Tanh(), nk.Dense(16, 1, rng=1))
    log = []
    with pytest.warns(nk.DivergenceWarning):
        h = train(model, X, y, lr=1e6, loss=nk.MSELoss(), epochs=100, batch_size=10,
                  callbacks=[Log("a", log)])
    assert h.diverged and log[-1] == ("a", "end", False)
    assert sum(e[1] == "update" for e in log) == h.n_updates


def test_the_hooks_are_enough_for_an_update_to_weight_monitor(blobs):
    """The kind of monitor the debugging chapter adds: ‖ΔW‖ / ‖W‖ of every update."""

    class UpdateRatio(Callback):
        def on_train_begin(self, model, loss, X, y, batch_size, validation):
            self.W = model[0].W
            self.before, self.ratios, self.grads = self.W.value.copy(), [], []

        def on_update(self, model, history):
            change = self.W.value - self.before
            self.ratios.append(np.linalg.norm(change) / np.linalg.norm(self.before))
            self.grads.append(np.linalg.norm(self.W.grad) / np.linalg.norm(self.before))
            self.before = self.W.value.copy()

    X, y = blobs
    monitor = UpdateRatio()
    h = train(classifier(), X, y, lr=0.05, epochs=2, batch_size=30, callbacks=[monitor])
    assert len(monitor.ratios) == h.n_updates == 6
    # plain SGD: ΔW = -η dJ/dW, so the ratio is η ‖dJ/dW‖ / ‖W‖
    np.testing.assert_allclose(monitor.ratios, 0.05 * np.array(monitor.grads), rtol=1e-12)


def test_plain_functions_are_epoch_end_callbacks(blobs):
    X, y = blobs
    seen = []

    def callback(epoch, model, history):
        seen.append((epoch, len(history.epoch_loss), model.training))
        return epoch == 3

    h = train(classifier(), X, y, epochs=10, callbacks=[callback])
    assert seen == [(1, 1, False), (2, 2, False), (3, 3, False)]
    assert h.stopped_early and h.epochs == 3


def test_callback_forward_passes_do_not_disturb_training(blobs):
    X, y = blobs
    grid = np.random.default_rng(0).normal(size=(50, 2))
    plain = train(classifier(), X, y, epochs=4, batch_size=30)
    probed = train(classifier(), X, y, epochs=4, batch_size=30,
                   callbacks=[lambda e, m, h: m(grid) is None])
    assert plain.update_loss == probed.update_loss


def test_as_callback_wraps_functions_and_refuses_the_rest():
    def f(epoch, model, history):
        return None

    wrapped = as_callback(f)
    assert isinstance(wrapped, Callback) and wrapped.on_epoch_end(1, None, None) is False
    early = nk.EarlyStopping(2)
    assert as_callback(early) is early
    with pytest.raises(TypeError, match=r"patience must be a Callback .*got 'x'"):
        as_callback("x", "patience")


# ---------------------------------------------------------------- EvaluateTrain

def test_evaluate_train_records_the_whole_set_after_each_epoch(blobs):
    X, y = blobs
    model = classifier()
    h = train(model, X, y, epochs=20, batch_size=16, callbacks=[nk.EvaluateTrain()])
    assert len(h.train_loss) == len(h.train_accuracy) == 20 and h.train_accuracy[-1] > 0.9
    assert h.train_loss[-1] == pytest.approx(nk.losses.cross_entropy(model(X), y), rel=1e-12)
    assert h.train_accuracy[-1] == nk.accuracy(model(X), y)
    # epoch_loss stays the mean of the update losses, and the updates are the same
    # as without the evaluation.
    plain = train(classifier(), X, y, epochs=20, batch_size=16)
    assert h.update_loss == plain.update_loss and h.epoch_loss == plain.epoch_loss


@pytest.mark.parametrize("n, batch_size, chunk", [
    (300, 16, EVAL_CHUNK_ROWS), (300, 200, 200), (90, None, 90), (90, 30, EVAL_CHUNK_ROWS),
])
def test_evaluate_train_goes_through_the_data_in_chunks(n, batch_size, chunk):
    X, y = nk.datasets.blobs(n=n, n_classes=3, rng=2)
    model = classifier()
    h = train(model, X, y, epochs=2, batch_size=batch_size, callbacks=[nk.EvaluateTrain()])
    loss, acc = evaluate(model, nk.CrossEntropyLoss(), X, y, chunk)
    assert h.train_loss[-1] == loss and h.train_accuracy[-1] == acc  # the same bits


def test_evaluate_weights_chunks_by_their_rows():
    X, y = nk.datasets.blobs(n=50, n_classes=3, rng=1)
    model, loss = classifier(), nk.CrossEntropyLoss()
    whole, whole_acc = evaluate(model, loss, X, y, 50)
    chunked, chunked_acc = evaluate(model, loss, X, y, 16)  # 16 + 16 + 16 + 2 rows
    assert chunked == pytest.approx(whole, rel=1e-12) and chunked_acc == whole_acc
    regression, accuracy = evaluate(nk.Dense(2, 1, rng=0), nk.MSELoss(), X, y[:, None], 16)
    assert accuracy is None and regression > 0


def test_evaluate_train_does_not_record_a_non_finite_loss():
    X, y = nk.datasets.regression_1d(n=50, rng=0)
    model = nk.Sequential(nk.Dense(1, 8, rng=0), nk.Tanh(), nk.Dense(8, 1, rng=1))
    log = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        h = train(model, X, y, lr=1e5, loss=nk.MSELoss(), epochs=50,
                  callbacks=[nk.EvaluateTrain(), Log("after", log)])
    assert h.diverged and all(math.isfinite(v) for v in h.train_loss)
    # The divergence ends the epoch: the callback after EvaluateTrain never saw it.
    assert [e[2] for e in log if e[1] == "epoch"] == list(range(1, h.diverged_epoch))


# ---------------------------------------------------------------- validation

def test_validation_runs_first_so_later_callbacks_see_it(blobs):
    X, y = blobs
    X_val, y_val = nk.datasets.blobs(n=30, n_classes=3, rng=1)
    seen = []
    model = classifier()
    h = train(model, X, y, epochs=4, batch_size=30, validation=(X_val, y_val),
              callbacks=[lambda epoch, m, history: seen.append(len(history.val_loss))])
    assert seen == [1, 2, 3, 4]
    assert len(h.val_loss) == len(h.val_accuracy) == 4
    assert h.val_loss[-1] == pytest.approx(nk.losses.cross_entropy(model(X_val), y_val),
                                           rel=1e-12)
    assert h.val_accuracy[-1] == nk.accuracy(model(X_val), y_val)
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1


def test_validation_needs_data():
    with pytest.raises(ValueError, match="pass validation="):
        Validation().on_train_begin(None, None, None, None, 1, None)


# ---------------------------------------------------------------- GradientNorms

def test_grad_norms_per_epoch_and_dense_layer(blobs):
    X, y = blobs
    model = nk.Sequential(nk.Dense(2, 6, rng=0), nk.Tanh(), nk.Dense(6, 5, rng=1),
                          nk.Sigmoid(), nk.Dense(5, 3, rng=2))
    h = train(model, X, y, epochs=4, batch_size=30, callbacks=[nk.GradientNorms()])
    assert len(h.grad_norms) == 4 and all(len(g) == 3 for g in h.grad_norms)
    assert all(v > 0 for g in h.grad_norms for v in g)


def test_grad_norms_average_the_epoch_updates(blobs):
    X, y = blobs
    h = train(classifier(), X, y, epochs=1, batch_size=45, callbacks=[nk.GradientNorms()])
    loss, fresh, norms = nk.CrossEntropyLoss(), classifier(), []
    rows = np.random.default_rng(0).permutation(90)  # fit's order for rng=0
    for batch in (rows[:45], rows[45:]):
        loss(fresh(X[batch]), y[batch])
        fresh.backward(loss.backward())
        norms.append([np.linalg.norm(fresh[0].W.grad), np.linalg.norm(fresh[2].W.grad)])
        for p in fresh.parameters():
            p.value -= 0.1 * p.grad
    np.testing.assert_allclose(h.grad_norms[0], np.mean(norms, axis=0), rtol=1e-12)


# ---------------------------------------------------------------- EarlyStopping

@pytest.fixture(scope="module")
def overfitting_data():
    X, y = nk.datasets.moons(30, noise=0.35, rng=2)
    X_val, y_val = nk.datasets.moons(200, noise=0.35, rng=3)
    return X, y, X_val, y_val


def overfit(data, patience, epochs=300):
    X, y, X_val, y_val = data
    model = nk.Sequential(nk.Dense(2, 64, init="he", rng=0), nk.ReLU(),
                          nk.Dense(64, 64, init="he", rng=1), nk.ReLU(), nk.Dense(64, 2, rng=2))
    callbacks = [] if patience is None else [nk.EarlyStopping(patience)]
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(),
                     nk.SGD(model.parameters(), lr=0.2, momentum=0.9), epochs=epochs,
                     batch_size=None, validation=(X_val, y_val), callbacks=callbacks)
    return model, history


def test_early_stopping_stops_patience_epochs_after_the_best(overfitting_data):
    model, history = overfit(overfitting_data, patience=15)
    assert history.stopped_early and history.restored_best
    assert history.epochs == history.best_epoch + 15 < 300
    best = history.best_epoch
    assert min(history.val_loss[best:]) >= history.val_loss[best - 1]
    assert history.val_loss[best - 1] == min(history.val_loss)


def test_early_stopping_restores_the_best_weights(overfitting_data):
    model, history = overfit(overfitting_data, patience=15)
    _, _, X_val, y_val = overfitting_data
    val_now = nk.CrossEntropyLoss()(model(X_val), y_val)
    assert val_now == pytest.approx(min(history.val_loss), rel=1e-12)
    assert val_now < history.val_loss[-1]
    # The same weights as a run of exactly best_epoch epochs without early stopping.
    shorter, _ = overfit(overfitting_data, patience=None, epochs=history.best_epoch)
    for a, b in zip(model.parameters(), shorter.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)


def test_without_early_stopping_fit_trains_every_epoch_and_keeps_the_last_weights(
        overfitting_data):
    _, history = overfit(overfitting_data, patience=None, epochs=40)
    assert history.epochs == 40 and not history.stopped_early and not history.restored_best
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1


def test_best_epoch_is_none_without_validation():
    X, y = nk.datasets.moons(20, rng=0)
    model = nk.Sequential(nk.Dense(2, 2, rng=0))
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters()), epochs=2)
    assert history.best_epoch is None


def test_early_stopping_needs_validation_before_any_training(overfitting_data):
    X, y, _, _ = overfitting_data
    model = nk.Sequential(nk.Dense(2, 2, rng=0))
    before = model[0].W.value.copy()
    with pytest.raises(ValueError, match="pass validation="):
        nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters()),
               callbacks=[nk.EarlyStopping(3)])
    np.testing.assert_array_equal(model[0].W.value, before)
    assert repr(nk.EarlyStopping(3)) == "EarlyStopping(patience=3)"
