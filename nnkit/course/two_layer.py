"""The reference forward and backward pass of the course's two-layer classifier.

The network is ``d → h (ReLU) → C (softmax)`` with the mean cross-entropy. Chapter 6's
checker compares a student's forward and backward pass with :func:`loss_and_gradients`;
chapter 7 computes the same with loops and with per-example vectors, shows this version
as the third way (the whole batch as matrix products) and times the three.

Parameters are a dict ``{"W1": (h, d), "b1": (h,), "W2": (C, h), "b2": (C,)}``, nnkit's
convention ``z = W a + b`` for one example and ``Z = A Wᵀ + b`` for a batch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PARAM_NAMES", "check_problem", "loss_and_gradients"]

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def check_problem(X, y, params) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (n, d) and integer labels ``y`` (n,) in ``0..C-1`` as arrays, after checking
    that they fit ``params``; a ``ValueError`` naming the problem otherwise."""
    X = np.asarray(X)
    y = np.asarray(y)
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"params: missing {missing}; expected the keys {list(PARAM_NAMES)}")
    h, d = np.shape(params["W1"])
    c = np.shape(params["W2"])[0]
    if X.ndim != 2 or X.shape[1] != d:
        raise ValueError(f"X: expected shape (n, {d}) to match W1 {(h, d)}, got {X.shape}")
    if y.shape != (X.shape[0],) or y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= c:
        raise ValueError(
            f"y: expected {X.shape[0]} integer labels in 0..{c - 1}, got shape {y.shape}, "
            f"dtype {y.dtype}"
        )
    return X, y


def loss_and_gradients(X, y, params) -> tuple[float, dict[str, np.ndarray]]:
    """The mean cross-entropy and its gradients for the whole batch, as matrix products.

    ``Z1 = X W1ᵀ + b1`` (n, h), ``A1 = max(Z1, 0)``, ``Z2 = A1 W2ᵀ + b2`` (n, C),
    ``log p = Z2 − max − log Σ exp(Z2 − max)`` row by row (no overflow, no log of 0),
    ``J = −(1/n) Σ_i log p[i, y_i]``; backward ``Δ2 = (softmax(Z2) − Y)/n``,
    ``∂J/∂W2 = Δ2ᵀ A1``, ``∂J/∂b2 = Σ_rows Δ2``, ``Δ1 = (Δ2 W2) ⊙ [Z1 > 0]``,
    ``∂J/∂W1 = Δ1ᵀ X``, ``∂J/∂b1 = Σ_rows Δ1``. Returns ``(J, grads)``, the gradients
    keyed and shaped like ``params``.
    """
    X, y = check_problem(X, y, params)
    W1, b1, W2, b2 = (params[k] for k in PARAM_NAMES)
    n = len(X)
    rows = np.arange(n)
    Z1 = X @ W1.T + b1
    A1 = np.maximum(Z1, 0.0)
    Z2 = A1 @ W2.T + b2
    shifted = Z2 - Z2.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    D2 = np.exp(log_p)
    D2[rows, y] -= 1.0
    D2 /= n
    D1 = (D2 @ W2) * (Z1 > 0)
    grads = {"W1": D1.T @ X, "b1": D1.sum(axis=0), "W2": D2.T @ A1, "b2": D2.sum(axis=0)}
    return float(-log_p[rows, y].mean()), grads
