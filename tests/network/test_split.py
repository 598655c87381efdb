"""The leak-proof train/validation/test split and the Standardizer fitted on training data."""

import numpy as np
import pytest

import nnkit as nk


def test_split_makes_three_disjoint_parts_of_the_requested_sizes():
    X = np.arange(200.0).reshape(100, 2)
    y = np.arange(100)
    parts = nk.datasets.split(X, y, validation=0.2, test=0.1, rng=0)
    assert (len(parts.y_train), len(parts.y_val), len(parts.y_test)) == (70, 20, 10)
    together = np.concatenate([parts.y_train, parts.y_val, parts.y_test])
    np.testing.assert_array_equal(np.sort(together), y)
    for Xp, yp in ((parts.X_train, parts.y_train), (parts.X_val, parts.y_val),
                   (parts.X_test, parts.y_test)):
        np.testing.assert_array_equal(Xp[:, 0], 2.0 * yp)   # rows keep their labels
    assert not np.array_equal(parts.y_test, np.arange(10))  # shuffled
    assert parts.scaler is None
    again = nk.datasets.split(X, y, validation=0.2, test=0.1, rng=0)
    np.testing.assert_array_equal(again.y_test, parts.y_test)


def test_split_standardises_with_training_statistics_only():
    gen = np.random.default_rng(0)
    X = gen.normal([5.0, -300.0], [2.0, 50.0], size=(80, 2))
    y = gen.integers(0, 2, 80)
    parts = nk.datasets.split(X, y, rng=1, standardize=True)
    np.testing.assert_allclose(parts.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(parts.X_train.std(axis=0), 1.0, rtol=1e-12)
    raw = nk.datasets.split(X, y, rng=1)
    mean, std = raw.X_train.mean(axis=0), raw.X_train.std(axis=0)
    np.testing.assert_allclose(parts.X_test, (raw.X_test - mean) / std, rtol=1e-12)
    np.testing.assert_allclose(parts.scaler.transform(raw.X_val), parts.X_val, rtol=1e-12)
    assert abs(parts.X_val.mean()) > 1e-6   # not re-centred with its own mean


@pytest.mark.parametrize("seed", range(40))
def test_split_never_puts_copies_of_one_input_in_two_parts(seed):
    gen = np.random.default_rng(seed)
    n, copies = int(gen.integers(10, 61)), int(gen.integers(1, 5))
    distinct = gen.integers(0, 5, size=(n, 2)).astype(float)   # many natural duplicates
    assert len(np.unique(distinct, axis=0)) >= 3   # enough different inputs for 3 parts
    X = np.vstack([distinct] * copies)
    y = np.arange(len(X))
    parts = nk.datasets.split(X, y, validation=0.25, test=0.25, rng=seed)
    rows = [{tuple(r) for r in part} for part in (parts.X_train, parts.X_val, parts.X_test)]
    assert not (rows[0] & rows[1] or rows[0] & rows[2] or rows[1] & rows[2])
    assert sum(len(p) for p in (parts.X_train, parts.X_val, parts.X_test)) == len(X)


def test_standardizer_handles_constant_columns_and_checks_shapes():
    X = np.array([[1.0, 3.0], [1.0, 5.0], [1.0, 7.0]])
    scaler = nk.datasets.Standardizer(X)
    np.testing.assert_allclose(scaler.transform(X)[:, 0], 0.0)
    with pytest.raises(ValueError, match="fitted on 2"):
        scaler.transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="no samples"):
        nk.datasets.Standardizer(np.ones((0, 2)))


@pytest.mark.parametrize("kwargs, message", [
    ({"validation": 0.0}, "validation must be positive"),
    ({"test": 1.0}, "test must be a fraction"),
    ({"validation": 0.6, "test": 0.4}, "must leave samples for training"),
    ({"standardize": "yes"}, "standardize must be True or False"),
])
def test_bad_split_arguments_are_clear_errors(kwargs, message):
    X, y = np.ones((20, 2)), np.zeros(20)
    with pytest.raises((ValueError, TypeError), match=message):
        nk.datasets.split(X, y, **kwargs)


def test_split_reports_an_empty_part():
    with pytest.raises(ValueError, match="part would be empty"):
        nk.datasets.split(np.ones((3, 1)) * np.arange(3)[:, None], np.arange(3),
                          validation=0.1, test=0.1)
