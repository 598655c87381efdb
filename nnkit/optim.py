"""Optimisers: how parameters move once their gradients are known.

Plain gradient descent takes a step against the gradient,

    θ ← θ - η ∇L(θ),

with learning rate η.  With momentum μ (Polyak's heavy ball) each parameter keeps
a velocity that accumulates past gradients,

    v ← μ v - η ∇L(θ),     θ ← θ + v,

which speeds up progress along directions where the gradient keeps its sign and
damps oscillation across narrow valleys.

With weight decay λ (L2 regularisation, Krogh & Hertz 1992) the gradient of the
penalty (λ/2)‖θ‖² is added to every parameter's gradient before the step,

    g ← ∇L(θ) + λ θ,

so plain descent becomes θ ← (1 - ηλ) θ - η ∇L(θ): each step first shrinks the
weights by the factor 1 - ηλ.  This is what PyTorch's ``SGD(weight_decay=λ)`` does,
with or without momentum, and nnkit gives the same numbers.
"""

from __future__ import annotations

import numpy as np

from .layers import Parameter
from .validation import check_positive

__all__ = ["SGD"]


class SGD:
    """Stochastic gradient descent, optionally with momentum.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``.
    lr : float
        Learning rate η > 0 (settable later: ``opt.lr = 0.01``).
    momentum : float
        μ in [0, 1); 0 gives plain gradient descent.
    weight_decay : float
        λ >= 0, added as λθ to every parameter's gradient (biases too, as in
        PyTorch); 0 switches it off.
    """

    def __init__(self, params, lr: float = 0.1, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        params = list(params)
        if not params:
            raise ValueError("params is empty: pass model.parameters() of a model with weights")
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"params[{i}] must be an nnkit Parameter, got {type(p).__name__}"
                )
        self.params = params
        self.lr = lr
        momentum = check_positive(momentum, "momentum", allow_zero=True)
        if momentum >= 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = momentum
        self.weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
        self.velocities = [np.zeros_like(p.value) for p in params] if momentum else None

    @property
    def lr(self) -> float:
        """The learning rate η (a positive, finite number)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_positive(value, "lr")

    def step(self) -> None:
        """Move every parameter one step against its gradient (in place)."""
        lr = self._lr
        if self.velocities is None:
            for p in self.params:
                p.value -= lr * self._gradient(p)
        else:
            for p, v in zip(self.params, self.velocities, strict=True):
                v *= self.momentum
                v -= lr * self._gradient(p)
                p.value += v

    def _gradient(self, p: Parameter) -> np.ndarray:
        """g = ∇L + λθ: the loss gradient plus the gradient of the penalty (λ/2)‖θ‖²."""
        return p.grad + self.weight_decay * p.value if self.weight_decay else p.grad

    def zero_grad(self) -> None:
        """Set every gradient to zero.  nnkit's ``backward`` overwrites gradients
        rather than adding to them, so this is only needed to clear stale values."""
        for p in self.params:
            p.grad = np.zeros_like(p.value)

    def __repr__(self) -> str:
        return (f"SGD(lr={self._lr:g}, momentum={self.momentum:g}, "
                f"weight_decay={self.weight_decay:g}, n_params={len(self.params)})")
