"""Small, seeded data sets for the chapters.

Every generator takes an ``rng`` (int seed or Generator; the same seed gives the
same points) and returns float64 inputs ``X`` of shape (n, 2) -- or (n, 1) for the
regression curve -- and, for classification, integer labels ``y`` of shape (n,).
Samples come in random order, so a slice of the data contains every class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .validation import (
    as_rng,
    check_array,
    check_choice,
    check_int,
    check_positive,
    check_same_length,
)

__all__ = [
    "logic_gate", "moons", "circles", "spirals", "xor", "blobs", "regression_1d",
    "train_test_split", "Standardizer", "split", "Split", "digits", "GATES",
]

_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
    "NAND": np.array([1, 1, 1, 0]),
    "NOR": np.array([1, 0, 0, 0]),
}


def logic_gate(name: str):
    """Truth table of a two-input gate: X (4, 2) rows (0,0), (0,1), (1,0), (1,1); y (4,).

    ``name`` is one of "AND", "OR", "XOR", "NAND", "NOR" (case-insensitive).
    """
    key = check_choice(name, "gate name", tuple(g.lower() for g in GATES)).upper()
    return _INPUTS.copy(), GATES[key].copy()


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(X))
    return X[order], y[order]


def _check_n(n, n_classes: int = 2) -> int:
    return check_int(n, "n", low=n_classes)


def _check_noise(noise) -> float:
    return check_positive(noise, "noise", allow_zero=True)


def moons(n: int = 200, noise: float = 0.1, rng=0):
    """Two interleaving half circles ("two moons"), n points, labels 0/1.

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t), t ∈ [0, π], plus
    Gaussian noise of standard deviation ``noise`` on each coordinate.
    """
    n, noise, rng = _check_n(n), _check_noise(noise), as_rng(rng)
    n0 = n // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n - n0)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.repeat([0, 1], [n0, n - n0])
    return _shuffled(X, y, rng)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, rng=0):
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` < 1."""
    n, noise, rng = _check_n(n), _check_noise(noise), as_rng(rng)
    factor = check_positive(factor, "factor")
    if factor >= 1:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    n0 = n // 2
    angles0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    angles1 = np.linspace(0.0, 2 * np.pi, n - n0, endpoint=False)
    X = np.vstack([
        np.column_stack([np.cos(angles0), np.sin(angles0)]),
        factor * np.column_stack([np.cos(angles1), np.sin(angles1)]),
    ])
    X = X + rng.normal(0.0, noise, size=X.shape)
    y = np.repeat([0, 1], [n0, n - n0])
    return _shuffled(X, y, rng)


def spirals(n: int = 200, n_classes: int = 2, noise: float = 0.2, rng=0):
    """Interleaved spiral arms, one per class.

    Arm k has points at radius r ∈ [0.05, 1] and angle 2πk/C + 4r + noise·N(0, 1):
    the angle grows with the radius, winding the arms around each other.
    """
    n_classes = check_int(n_classes, "n_classes", low=2)
    n, noise, rng = _check_n(n, n_classes), _check_noise(noise), as_rng(rng)
    counts = np.full(n_classes, n // n_classes)
    counts[: n % n_classes] += 1
    y = np.repeat(np.arange(n_classes), counts)
    radius = np.concatenate([np.linspace(0.05, 1.0, c) for c in counts])
    angle = 2 * np.pi * y / n_classes + 4.0 * radius + noise * rng.standard_normal(n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return _shuffled(X, y, rng)


def xor(n: int = 200, noise: float = 0.1, rng=0):
    """Continuous XOR: points uniform in [-1, 1]², label 1 where x₁ and x₂ have
    opposite signs; the points are then jittered by N(0, noise²)."""
    n, noise, rng = _check_n(n), _check_noise(noise), as_rng(rng)
    clean = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (clean[:, 0] * clean[:, 1] < 0).astype(np.int64)
    return clean + rng.normal(0.0, noise, size=(n, 2)), y


def blobs(n: int = 200, n_classes: int = 3, std: float = 1.0, rng=0):
    """Gaussian clusters: class k centred at 4·(cos 2πk/C, sin 2πk/C) with spread ``std``."""
    n_classes = check_int(n_classes, "n_classes", low=1)
    n, rng = _check_n(n, n_classes), as_rng(rng)
    std = check_positive(std, "std")
    counts = np.full(n_classes, n // n_classes)
    counts[: n % n_classes] += 1
    y = np.repeat(np.arange(n_classes), counts)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 4.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    X = centres[y] + rng.normal(0.0, std, size=(n, 2))
    return _shuffled(X, y, rng)


def regression_1d(n: int = 100, noise: float = 0.1, rng=0):
    """A noisy curve to fit: x uniform in [-1, 1] (sorted), y = sin(3x) + N(0, noise²).

    Returns X (n, 1) and y (n, 1), both float64.
    """
    n, noise, rng = _check_n(n, 1), _check_noise(noise), as_rng(rng)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = np.sin(3.0 * x) + noise * rng.standard_normal(n)
    return x.reshape(-1, 1), y.reshape(-1, 1)


def train_test_split(X, y, test_fraction: float = 0.25, rng=0):
    """Randomly split into (X_train, X_test, y_train, y_test), ``test_fraction`` of
    the samples (rounded, at least one) going to the test set."""
    X = check_array(X, "X", ndim=(1, 2))
    y = check_array(y, "y", dtype=None)
    check_same_length(X, y, "X", "y")
    test_fraction = check_positive(test_fraction, "test_fraction")
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n = len(X)
    if n < 2:
        raise ValueError(f"X needs at least 2 samples to split, got {n}")
    n_test = min(max(1, round(test_fraction * n)), n - 1)
    order = as_rng(rng).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


class Standardizer:
    """Per-feature standardisation fitted on the training data only:

        x ↦ (x - μ) / σ,   μ = mean of X_train,  σ = standard deviation of X_train,

    computed column by column (σ = 1 for a constant column, which is only centred).
    It is fitted when it is made, so there is no unfitted one to misuse; apply the
    *same* μ and σ to validation and test data with :meth:`transform`, so that no
    statistic of those sets leaks into the inputs the model sees.

    Attributes
    ----------
    mean, std : ndarray (n_features,)
    """

    def __init__(self, X_train):
        X_train = check_array(X_train, "X_train", ndim=2)
        if len(X_train) == 0:
            raise ValueError("X_train has no samples (0 rows) to compute a mean from")
        self.mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0] = 1.0
        self.std = std

    def transform(self, X) -> np.ndarray:
        """(X - μ) / σ with the training statistics; X of shape (n, n_features)."""
        X = check_array(X, "X", ndim=2)
        if X.shape[1] != self.mean.size:
            raise ValueError(
                f"X has {X.shape[1]} features but the Standardizer was fitted on "
                f"{self.mean.size}"
            )
        return (X - self.mean) / self.std

    def __repr__(self) -> str:
        return f"Standardizer(n_features={self.mean.size})"


@dataclass(frozen=True)
class Split:
    """Training, validation and test parts of one data set (see :func:`split`).

    ``scaler`` is the :class:`Standardizer` fitted on ``X_train`` (already applied to
    all three parts) when ``split(..., standardize=True)``, else None.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    scaler: Standardizer | None = None

    def __repr__(self) -> str:
        scaled = ", standardised" if self.scaler is not None else ""
        return (f"Split(train={len(self.X_train)}, val={len(self.X_val)}, "
                f"test={len(self.X_test)}{scaled})")


def _fraction(value, name: str) -> float:
    value = check_positive(value, name)
    if value >= 1:
        raise ValueError(f"{name} must be a fraction in (0, 1), got {value}")
    return value


def split(X, y, validation: float = 0.2, test: float = 0.2, rng=0,
          standardize: bool = False) -> Split:
    """Split (X, y) into training, validation and test parts that cannot leak.

    * The parts are disjoint and random (seeded by ``rng``), with about
      ``validation`` and ``test`` of the samples in the last two.
    * Identical inputs always land in the same part, so a duplicated example cannot
      be trained on and then "predicted" in the validation or test part.
    * With ``standardize=True`` a :class:`Standardizer` is fitted on the training part
      only and applied to all three (``Split.scaler`` keeps it for new data).

    Returns a :class:`Split`.
    """
    X = check_array(X, "X", ndim=2)
    y = check_array(y, "y", ndim=(1, 2), dtype=None)
    check_same_length(X, y, "X", "y")
    validation = _fraction(validation, "validation")
    test = _fraction(test, "test")
    if validation + test >= 1:
        raise ValueError(
            f"validation + test must leave samples for training, got {validation} + {test}"
        )
    if not isinstance(standardize, bool):
        raise TypeError(f"standardize must be True or False, got {standardize!r}")
    n = len(X)
    # Group identical rows; the groups, not the rows, are shuffled and dealt out.
    _, group, sizes = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    group = group.reshape(-1)
    order = as_rng(rng).permutation(len(sizes))
    start = np.empty(len(sizes), dtype=np.int64)
    start[order] = np.cumsum(sizes[order]) - sizes[order]  # rows dealt before each group
    row_start = start[group]
    # Whole groups are dealt to the test part until it has its share, then to the
    # validation part until it has its own (counted after what the test part took).
    n_test, n_val = round(test * n), round(validation * n)
    is_test = row_start < n_test
    is_val = ~is_test & (row_start - np.count_nonzero(is_test) < n_val)
    is_train = ~is_test & ~is_val
    parts = {"training": is_train, "validation": is_val, "test": is_test}
    for name, mask in parts.items():
        if not mask.any():
            raise ValueError(
                f"the {name} part would be empty ({n} samples, validation={validation}, "
                f"test={test}): use more data or other fractions"
            )
    X_train, X_val, X_test = X[is_train], X[is_val], X[is_test]
    scaler = None
    if standardize:
        scaler = Standardizer(X_train)
        X_train, X_val, X_test = (scaler.transform(part) for part in (X_train, X_val, X_test))
    return Split(X_train, y[is_train], X_val, y[is_val], X_test, y[is_test], scaler)


def digits(test_fraction: float | None = 0.25, rng=0):
    """scikit-learn's 8×8 handwritten digits (1797 images, 10 classes), pixels scaled
    to [0, 1].  Returns (X_train, X_test, y_train, y_test) with X of shape (n, 64);
    with ``test_fraction=None``, all of it unsplit as (X, y), to split with :func:`split`.

    Needs scikit-learn (imported only here, so ``import nnkit`` does not).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "nnkit.datasets.digits needs scikit-learn: pip install scikit-learn"
        ) from None
    data = load_digits()
    X = data.data.astype(np.float64) / 16.0
    y = data.target.astype(np.int64)
    if test_fraction is None:
        return X, y
    return train_test_split(X, y, test_fraction=test_fraction, rng=rng)
