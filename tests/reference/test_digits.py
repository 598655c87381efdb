"""nnkit on real data: scikit-learn's digits (scikit-learn is a course requirement, not a
dependency of nnkit, so these tests live outside tests/network, which needs only NumPy).

Run with the full test command (``pytest tests``) or alone: ``pytest tests/reference``.
"""

import numpy as np
from threadpoolctl import threadpool_limits

import nnkit as nk


def test_digits_split():
    X_tr, X_te, y_tr, y_te = nk.datasets.digits(test_fraction=0.25, rng=0)
    assert X_tr.shape[1] == 64 and len(X_tr) + len(X_te) == 1797
    assert len(X_te) == round(0.25 * 1797)
    assert X_tr.min() == 0.0 and X_tr.max() == 1.0
    assert set(np.unique(y_tr)) == set(range(10))


def test_digits_unsplit():
    X, y = nk.datasets.digits(test_fraction=None)
    assert X.shape == (1797, 64) and y.shape == (1797,)


def test_mlp_reaches_97_percent_on_held_out_digits():
    X_train, X_test, y_train, y_test = nk.datasets.digits(test_fraction=0.25, rng=0)
    model = nk.Sequential(nk.Dense(64, 128, init="he", rng=0), nk.ReLU(),
                          nk.Dense(128, 10, init="xavier", rng=1))
    optimizer = nk.SGD(model.parameters(), lr=0.05, momentum=0.9)
    # One BLAS thread: these small products only slow down when threads fight over a
    # busy machine's cores (threadpoolctl comes with scikit-learn).
    with threadpool_limits(1):
        history = nk.fit(model, X_train, y_train, nk.CrossEntropyLoss(), optimizer,
                         epochs=40, batch_size=16, rng=0, validation=(X_test, y_test),
                         callbacks=[nk.EvaluateTrain()])
    test_accuracy = nk.accuracy(model(X_test), y_test)
    assert test_accuracy >= 0.97
    assert history.val_accuracy[-1] == test_accuracy
    assert history.train_accuracy[-1] >= test_accuracy
    assert history.train_loss[-1] < 0.05 < history.initial_loss
