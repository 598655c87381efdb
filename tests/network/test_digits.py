"""A real data set: an MLP trained by mini-batch SGD on scikit-learn's digits."""

import contextlib

import pytest

import nnkit as nk

pytest.importorskip("sklearn", reason="the digits test needs scikit-learn (a test dependency)")


def one_blas_thread():
    """One BLAS thread: these small products only slow down when threads fight over
    a busy machine's cores.  threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def test_mlp_reaches_97_percent_on_held_out_digits():
    X_train, X_test, y_train, y_test = nk.datasets.digits(test_fraction=0.25, rng=0)
    model = nk.Sequential(nk.Dense(64, 128, init="he", rng=0), nk.ReLU(),
                          nk.Dense(128, 10, init="xavier", rng=1))
    optimizer = nk.SGD(model.parameters(), lr=0.05, momentum=0.9)
    with one_blas_thread():
        history = nk.fit(model, X_train, y_train, nk.CrossEntropyLoss(), optimizer,
                         epochs=40, batch_size=16, rng=0, validation=(X_test, y_test),
                             evaluate_train=True)
    test_accuracy = nk.accuracy(model.forward(X_test), y_test)
    assert test_accuracy >= 0.97
    assert history.val_accuracy[-1] == test_accuracy
    assert history.train_accuracy[-1] >= test_accuracy
    assert history.epoch_loss[-1] < 0.05 < history.initial_loss
