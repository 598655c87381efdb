"""Input checks shared by every nnkit module.

Each helper either returns a cleaned-up value (an ndarray of the right dtype, a
``numpy.random.Generator``) or raises ``TypeError``/``ValueError`` with a message
that names the offending argument and says what was wrong with it.  The checks
run once at the public entry points -- the doors: calling a layer or a loss
(``check_input``, ``check``), ``fit``, the constructors, ``nk.mlp`` -- never inside
``forward``/``backward`` or the loop over mini-batches.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_rng",
    "check_array",
    "check_int",
    "check_labels",
    "check_positive",
    "check_probabilities",
    "check_same_length",
    "check_choice",
]


def as_rng(rng, name: str = "rng") -> np.random.Generator:
    """Turn ``rng`` (None, an int seed or a Generator) into a ``numpy.random.Generator``.

    ``None`` gives a freshly seeded, unpredictable generator; pass an int for
    reproducible numbers.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            f"{name} must be None, an int seed or a numpy.random.Generator, "
            f"got {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"{name} must be a non-negative int seed, got {rng}")
    return np.random.default_rng(int(rng))


def check_array(
    x,
    name: str,
    ndim: int | tuple[int, ...] | None = None,
    dtype=np.float64,
    finite: bool = True,
) -> np.ndarray:
    """Return ``x`` as an ndarray of ``dtype`` after checking it is numeric, of rank
    ``ndim`` (an int or a tuple of allowed ranks) and, if ``finite``, free of NaN/inf.
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got a string")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:
        raise TypeError(f"{name} must be an array of numbers: {err}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must contain numbers (int or float), got an array of dtype {arr.dtype}"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            wanted = " or ".join(str(d) for d in allowed)
            raise ValueError(
                f"{name} must be a {wanted}-D array, got {arr.ndim}-D with shape {arr.shape}"
            )
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if finite and arr.dtype.kind == "f" and not np.isfinite(arr).all():
        n_bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s)")
    return arr


def check_same_length(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ValueError unless ``a`` and ``b`` have the same number of rows (samples)."""
    if len(a) != len(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of samples, "
            f"got {len(a)} and {len(b)}"
        )


def check_labels(y, name: str = "y", n_classes: int | None = None) -> np.ndarray:
    """Return integer class labels of shape (n,) with values in ``0 .. n_classes-1``.

    Floats are accepted when they are whole numbers (``1.0``), so labels stored as
    floats still work; anything else (``0.5``) is an error.
    """
    arr = check_array(y, name, ndim=(1, 2), dtype=None)
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(
                f"{name} must hold one integer label per sample, shape (n,) or (n, 1), "
                f"got shape {arr.shape}"
            )
        arr = arr[:, 0]
    if arr.dtype.kind == "f":
        if not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"{name} must contain integer class labels, got non-integer values")
    labels = arr.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{name} contains negative label {labels.min()}; labels start at 0")
    if n_classes is not None and labels.size and labels.max() >= n_classes:
        raise ValueError(
            f"{name} contains label {labels.max()} but there are only {n_classes} classes "
            f"(valid labels are 0..{n_classes - 1})"
        )
    return labels


def check_probabilities(p: np.ndarray, name: str, hint: str = "") -> None:
    """Raise ValueError if any entry of ``p`` lies outside [0, 1] (NaN passes: it is
    left for the divergence check of the training loop to report)."""
    if p.size and (p.min() < 0.0 or p.max() > 1.0):
        raise ValueError(
            f"{name} must be probabilities in [0, 1], got values from {p.min():.4g} "
            f"to {p.max():.4g}{hint}"
        )


def check_int(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be at most {high}, got {value}")
    return value


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` lower-cased if it is one of ``choices``, else raise listing them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    key = value.lower()
    if key not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; valid choices are {valid}")
    return key
