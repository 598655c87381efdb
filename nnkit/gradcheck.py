"""Checking back-propagation against finite differences.

For a scalar function f and a small ε, the centred difference

    ∂f/∂x_i ≈ (f(x + ε e_i) - f(x - ε e_i)) / (2ε)

has error O(ε²), so it is an independent, slow but trustworthy estimate of the
gradient that ``backward`` computes analytically.
"""

from __future__ import annotations

import numpy as np

from .layers import Layer, Parameter
from .losses import Loss
from .validation import check_positive

__all__ = ["numerical_gradient", "gradcheck", "relative_error"]


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred-difference gradient of the scalar function ``f()`` w.r.t. the array ``x``.

    ``f`` takes no arguments and must read ``x`` (a float array, or a
    :class:`~nnkit.Parameter`, whose ``value`` is used): each entry is nudged by ±ε
    *in place*, ``f`` is evaluated, and the entry is restored.  Returns an array
    shaped like ``x``.
    """
    if not callable(f):
        raise TypeError(f"f must be a callable returning a number, got {type(f).__name__}")
    if isinstance(x, Parameter):
        x = x.value
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError("x must be a float ndarray that f reads (it is modified in place)")
    eps = check_positive(eps, "eps")
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x = x.reshape(-1)  # a view: writing to it changes x
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be contiguous so it can be perturbed in place")
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = float(f())
        flat_x[i] = original - eps
        f_minus = float(f())
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖a - n‖ / max(‖a‖ + ‖n‖, 1e-12): scale-free, and 0 when both are 0.

    Norms over the whole parameter array rather than entry by entry, so a tiny
    gradient entry drowned in rounding noise cannot dominate.  (The cs231n notes
    compute the error entry by entry, |a - n| / max(|a|, |n|), dividing by the
    larger of the two values rather than their sum; :func:`gradcheck`'s rules of
    thumb borrow their thresholds for this different measure.)
    """
    diff = np.linalg.norm(analytic - numeric)
    return float(diff / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-12))


def gradcheck(model: Layer, loss: Loss, X, y, eps: float = 1e-6) -> float:
    """Worst relative error between ``backward``'s gradients and finite differences.

    For every parameter θ of ``model`` the analytic gradient (forward, loss, backward)
    is compared with :func:`numerical_gradient` of L(θ) = loss(model(X), y), and
    the largest :func:`relative_error` over all parameters is returned.  Rules of
    thumb (after the cs231n notes, in float64):

    * < 1e-7  great -- the gradient is right;
    * < 1e-4  acceptable when the network has kinks (ReLU) that a ±ε nudge may
      cross, suspicious for smooth ones (sigmoid, tanh, softmax);
    * > 1e-2  the backward pass is almost certainly wrong.

    Use small inputs: the check evaluates the loss twice per parameter entry.
    """
    if not isinstance(model, Layer):
        raise TypeError(f"model must be an nnkit Layer, got {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be an nnkit Loss, got {type(loss).__name__}")
    params = model.parameters()
    if not params:
        raise ValueError("model has no parameters to check")
    for p in params:
        if p.value.dtype != np.float64:
            raise ValueError(
                f"gradcheck needs float64 parameters (finite differences are too noisy in "
                f"{p.value.dtype}); parameter {p.name!r} is {p.value.dtype}"
            )
    X = model.check_input(X)
    pred, y = loss.check(model.forward(X), y, "y")
    loss.forward(pred, y)
    model.backward(loss.backward())
    analytic = [p.grad.copy() for p in params]

    def objective() -> float:
        return loss.forward(model.forward(X), y)

    worst = 0.0
    for p, grad in zip(params, analytic, strict=True):
        numeric = numerical_gradient(objective, p.value, eps)
        worst = max(worst, relative_error(grad, numeric))
    return worst
