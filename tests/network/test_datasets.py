"""The seeded toy data sets."""

import numpy as np
import pytest

import nnkit as nk
from nnkit import datasets as ds

CLASSIFICATION = [
    (ds.moons, {}, 2),
    (ds.circles, {}, 2),
    (ds.spirals, {}, 2),
    (ds.spirals, {"n_classes": 4}, 4),
    (ds.xor, {}, 2),
    (ds.blobs, {}, 3),
    (ds.blobs, {"n_classes": 5}, 5),
]


@pytest.mark.parametrize("make, kwargs, n_classes", CLASSIFICATION)
def test_classification_sets_have_documented_shapes_and_labels(make, kwargs, n_classes):
    X, y = make(n=101, rng=0, **kwargs)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype.kind == "i"
    assert set(np.unique(y)) == set(range(n_classes))
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= (101 // 4 if make is ds.xor else 1)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("make, kwargs, n_classes", CLASSIFICATION)
def test_same_seed_same_points(make, kwargs, n_classes):
    a, b, c = make(rng=3, **kwargs), make(rng=3, **kwargs), make(rng=4, **kwargs)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_logic_gates():
    X, y = ds.logic_gate("XOR")
    assert np.array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]]) and X.dtype == np.float64
    a, b = X[:, 0].astype(int), X[:, 1].astype(int)
    assert np.array_equal(y, a ^ b)
    assert np.array_equal(ds.logic_gate("AND")[1], a & b)
    assert np.array_equal(ds.logic_gate("or")[1], a | b)
    assert np.array_equal(ds.logic_gate("NAND")[1], 1 - (a & b))
    assert np.array_equal(ds.logic_gate("NOR")[1], 1 - (a | b))
    X[0, 0] = 5.0
    assert ds.logic_gate("XOR")[0][0, 0] == 0.0  # callers get copies


def test_noise_free_shapes_are_exact():
    X, y = ds.circles(n=100, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radius[y == 0], 1.0) and np.allclose(radius[y == 1], 0.3)
    X, y = ds.moons(n=100, noise=0.0)
    upper = X[y == 0]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    X, y = ds.xor(n=200, noise=0.0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))


def test_blobs_are_centred_on_a_circle():
    X, y = ds.blobs(n=3000, n_classes=3, std=0.5, rng=0)
    centres = np.array([X[y == k].mean(axis=0) for k in range(3)])
    assert np.allclose(np.hypot(centres[:, 0], centres[:, 1]), 4.0, atol=0.1)
    assert X[y == 0].std(axis=0) == pytest.approx([0.5, 0.5], rel=0.1)


def test_regression_curve():
    X, y = ds.regression_1d(n=50, noise=0.0, rng=0)
    assert X.shape == (50, 1) and y.shape == (50, 1)
    assert np.all(np.diff(X[:, 0]) >= 0) and np.abs(X).max() <= 1
    assert np.allclose(y, np.sin(3 * X))
    noisy = ds.regression_1d(n=2000, noise=0.1, rng=0)
    assert np.std(noisy[1] - np.sin(3 * noisy[0])) == pytest.approx(0.1, rel=0.1)


def test_train_test_split():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20)
    X_tr, X_te, y_tr, y_te = ds.train_test_split(X, y, test_fraction=0.25, rng=0)
    assert len(X_te) == 5 and len(X_tr) == 15
    assert sorted(np.concatenate([y_tr, y_te])) == list(range(20))
    assert np.array_equal(X_tr[:, 0], 2 * y_tr) and np.array_equal(X_te[:, 0], 2 * y_te)
    again = ds.train_test_split(X, y, test_fraction=0.25, rng=0)
    assert np.array_equal(again[3], y_te)


def test_import_nnkit_needs_numpy_only():
    import subprocess
    import sys

    code = ("import sys, nnkit; bad = [m for m in ('matplotlib', 'sklearn', 'ipywidgets', "
            "'scipy') if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
    assert nk.datasets is ds
