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

:func:`initialize` is the one place that checks its arguments and draws; ``zeros``,
``normal``, ``xavier`` and ``he`` name a scheme for it.
"""

from __future__ import annotations

import math

import numpy as np

from .validation import as_rng, check_choice, check_int, check_positive

__all__ = ["zeros", "normal", "xavier", "he", "init_std", "initialize", "SCHEMES"]

SCHEMES = ("zeros", "normal", "xavier", "he")


def _std(scheme: str, n_in: int, n_out: int, scale: float) -> float:
    """σ of the scheme's weights (the table above); the arguments are already checked."""
    if scheme == "zeros":
        return 0.0
    if scheme == "normal":
        return scale
    if scheme == "xavier":
        return math.sqrt(2.0 / (n_in + n_out))
    return math.sqrt(2.0 / n_in)


def _check_shape(shape) -> tuple[int, int]:
    if isinstance(shape, (int, np.integer)) or len(shape) != 2:
        raise ValueError(f"shape must be a pair (n_out, n_in), got {shape!r}")
    return check_int(shape[0], "n_out", low=1), check_int(shape[1], "n_in", low=1)


def _check_scale(scheme: str, scale) -> float:
    # Only "normal" has a free standard deviation; the others ignore scale.
    return check_positive(scale, "scale") if scheme == "normal" else scale


def init_std(scheme: str, n_in: int, n_out: int, scale: float = 0.01) -> float:
    """Standard deviation of the weights drawn by ``scheme`` for an n_in -> n_out layer."""
    scheme = check_choice(scheme, "init", SCHEMES)
    n_in = check_int(n_in, "n_in", low=1)
    n_out = check_int(n_out, "n_out", low=1)
    return _std(scheme, n_in, n_out, _check_scale(scheme, scale))


def initialize(scheme: str, shape, rng=None, scale: float = 0.01) -> np.ndarray:
    """Weights of ``shape`` = (n_out, n_in) drawn with the named ``scheme`` (see the table
    above): zeros, or N(0, σ²) draws from ``rng`` (None, an int seed or a Generator)."""
    scheme = check_choice(scheme, "init", SCHEMES)
    n_out, n_in = _check_shape(shape)
    scale = _check_scale(scheme, scale)
    if scheme == "zeros":
        return np.zeros((n_out, n_in))
    return as_rng(rng).normal(0.0, _std(scheme, n_in, n_out, scale), size=(n_out, n_in))


def zeros(shape, rng=None) -> np.ndarray:
    """All-zero weights of ``shape``; ``rng`` is accepted for a uniform signature."""
    return initialize("zeros", shape, rng)


def normal(shape, rng=None, scale: float = 0.01) -> np.ndarray:
    """Weights drawn from N(0, scale²)."""
    return initialize("normal", shape, rng, scale=scale)


def xavier(shape, rng=None) -> np.ndarray:
    """Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out))."""
    return initialize("xavier", shape, rng)


def he(shape, rng=None) -> np.ndarray:
    """He/Kaiming normal: N(0, 2 / fan_in)."""
    return initialize("he", shape, rng)
