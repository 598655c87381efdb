"""Early stopping in fit: patience, the best validation epoch, its weights restored."""

import numpy as np
import pytest

import nnkit as nk


@pytest.fixture(scope="module")
def overfitting_data():
    X, y = nk.datasets.moons(30, noise=0.35, rng=2)
    X_val, y_val = nk.datasets.moons(200, noise=0.35, rng=3)
    return X, y, X_val, y_val


def overfit(data, patience, epochs=300):
    X, y, X_val, y_val = data
    model = nk.Sequential(nk.Dense(2, 64, init="he", rng=0), nk.ReLU(),
                          nk.Dense(64, 64, init="he", rng=1), nk.ReLU(), nk.Dense(64, 2, rng=2))
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(),
                     nk.SGD(model.parameters(), lr=0.2, momentum=0.9), epochs=epochs,
                     batch_size=None, validation=(X_val, y_val), patience=patience)
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
    val_now = nk.CrossEntropyLoss().forward(model.forward(X_val), y_val)
    assert val_now == pytest.approx(min(history.val_loss), rel=1e-12)
    assert val_now < history.val_loss[-1]
    # The same weights as a run of exactly best_epoch epochs without early stopping.
    shorter, _ = overfit(overfitting_data, patience=None, epochs=history.best_epoch)
    for a, b in zip(model.parameters(), shorter.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)


def test_without_patience_fit_trains_every_epoch_and_keeps_the_last_weights(overfitting_data):
    _, history = overfit(overfitting_data, patience=None, epochs=40)
    assert history.epochs == 40 and not history.stopped_early and not history.restored_best
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1


def test_best_epoch_is_none_without_validation():
    X, y = nk.datasets.moons(20, rng=0)
    model = nk.Sequential(nk.Dense(2, 2, rng=0))
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters()), epochs=2)
    assert history.best_epoch is None


def test_bad_patience_is_a_clear_error(overfitting_data):
    X, y, X_val, y_val = overfitting_data
    model = nk.Sequential(nk.Dense(2, 2, rng=0))
    opt = nk.SGD(model.parameters())
    with pytest.raises(ValueError, match="patience must be at least 1"):
        nk.fit(model, X, y, nk.CrossEntropyLoss(), opt, validation=(X_val, y_val), patience=0)
    with pytest.raises(TypeError, match="patience must be an int"):
        nk.fit(model, X, y, nk.CrossEntropyLoss(), opt, validation=(X_val, y_val), patience=2.5)
    with pytest.raises(ValueError, match="pass validation="):
        nk.fit(model, X, y, nk.CrossEntropyLoss(), opt, patience=3)
