"""Weight initialisers.

Every initialiser takes a weight shape ``(n_out, n_in)`` -- the shape of a
:class:`~nnkit.Dense` layer's ``W`` -- so ``fan_in = shape[1]`` (inputs feeding
each unit) and ``fan_out = shape[0]``.

=========  =============================================  ==========================
scheme     distribution of each weight                    reference
=========  =============================================  ==========================
zeros      0                                              (breaks symmetry: never)
normal     N(0, scale²)                                   small random numbers
xavier     N(0, σ²), σ = √(2 / (fan_in + fan_out))        Glorot & Bengio (2010)
he         N(0, σ²), σ = √(2 / fan_in)                    He et al. (2015)
=========  =============================================  ==========================

Xavier keeps the variance of activations and gradients roughly constant through
layers of tanh/sigmoid units; He's factor 2 compensates for ReLU zeroing half of
its inputs.
"""

from __future__ import annotations

import math

import numpy as np

from .validation import as_rng, check_choice, check_int, check_positive

__all__ = ["zeros", "normal", "xavier", "he", "init_std", "initialize", "SCHEMES"]

SCHEMES = ("zeros", "normal", "xavier", "he")


def _check_shape(shape) -> tuple[int, int]:
    if isinstance(shape, (int, np.integer)) or len(shape) != 2:
        raise ValueError(f"shape must be a pair (n_out, n_in), got {shape!r}")
    n_out = check_int(shape[0], "shape[0] (n_out)", low=1)
    n_in = check_int(shape[1], "shape[1] (n_in)", low=1)
    return n_out, n_in


def init_std(scheme: str, n_in: int, n_out: int, scale: float = 0.01) -> float:
    """Standard deviation of the weights drawn by ``scheme`` for an n_in -> n_out layer."""
    scheme = check_choice(scheme, "init", SCHEMES)
    n_in = check_int(n_in, "n_in", low=1)
    n_out = check_int(n_out, "n_out", low=1)
    if scheme == "zeros":
        return 0.0
    if scheme == "normal":
        return check_positive(scale, "scale")
    if scheme == "xavier":
        return math.sqrt(2.0 / (n_in + n_out))
    return math.sqrt(2.0 / n_in)


def zeros(shape, rng=None) -> np.ndarray:
    """All-zero weights of ``shape``; ``rng`` is accepted for a uniform signature."""
    return np.zeros(_check_shape(shape))


def normal(shape, rng=None, scale: float = 0.01) -> np.ndarray:
    """Weights drawn from N(0, scale²)."""
    n_out, n_in = _check_shape(shape)
    return as_rng(rng).normal(0.0, check_positive(scale, "scale"), size=(n_out, n_in))


def xavier(shape, rng=None) -> np.ndarray:
    """Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out))."""
    n_out, n_in = _check_shape(shape)
    return as_rng(rng).normal(0.0, init_std("xavier", n_in, n_out), size=(n_out, n_in))


def he(shape, rng=None) -> np.ndarray:
    """He/Kaiming normal: N(0, 2 / fan_in)."""
    n_out, n_in = _check_shape(shape)
    return as_rng(rng).normal(0.0, init_std("he", n_in, n_out), size=(n_out, n_in))


def initialize(scheme: str, shape, rng=None, scale: float = 0.01) -> np.ndarray:
    """Draw weights of ``shape`` with the named ``scheme`` (see the table above)."""
    scheme = check_choice(scheme, "init", SCHEMES)
    if scheme == "normal":
        return normal(shape, rng, scale=scale)
    return {"zeros": zeros, "xavier": xavier, "he": he}[scheme](shape, rng)
