"""Gradient clipping by global norm (Pascanu, Mikolov & Bengio 2013).

All the gradients of a model (every weight, bias and normalisation γ, β), taken together
as one long vector ∇J, have the norm

    ‖∇J‖ = √(Σ_parameters Σ_entries grad²)

and clipping to the maximum norm τ rescales every gradient by the same factor

    ∇J ← ∇J · min(1, τ / (‖∇J‖ + 10⁻⁶))

so a step keeps its direction but never its length beyond τ (times the learning rate).
The 10⁻⁶ is PyTorch's ``clip_grad_norm_`` guard against dividing by a zero norm, kept so
that the two agree to the last digits.

    nk.fit(model, X, y, ..., callbacks=[nk.ClipGradNorm(1.0)])

clips every update's gradients between the backward pass and the optimiser's step.
"""

from __future__ import annotations

import numpy as np

from .callbacks import Callback
from .layers import Layer, Parameter
from .validation import check_positive

__all__ = ["clip_grad_norm", "ClipGradNorm"]

#: Added to the norm before dividing (as PyTorch does), so a zero gradient stays zero.
NORM_GUARD = 1e-6


def clip_grad_norm(params, max_norm: float) -> float:
    """Rescale the ``.grad`` of every Parameter in ``params`` (a list, or a Layer's
    ``parameters()``) so that their global norm is at most ``max_norm`` (τ > 0), in place.

    Returns the global norm ‖g‖ *before* clipping (the number worth plotting).
    """
    if isinstance(params, Layer):
        params = params.parameters()
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"params[{i}] must be an nnkit Parameter (model.parameters()), "
                            f"got {type(p).__name__}")
    max_norm = check_positive(max_norm, "max_norm (τ)")
    total = float(np.sqrt(sum(np.sum(p.grad ** 2) for p in params)))
    factor = max_norm / (total + NORM_GUARD)
    if factor < 1.0:
        for p in params:
            p.grad = p.grad * factor
    return total


class ClipGradNorm(Callback):
    """``fit`` callback: clip each update's gradients to global norm ``max_norm`` (τ).

    ``norms`` keeps the global norm before clipping of every update, ``clipped`` how many
    updates were rescaled.
    """

    def __init__(self, max_norm: float):
        self.max_norm = check_positive(max_norm, "max_norm (τ)")
        self.norms: list[float] = []
        self.clipped = 0

    def on_train_begin(self, model, loss, X, y, batch_size, validation) -> None:
        self.norms, self.clipped = [], 0

    def on_gradients(self, model: Layer, history) -> None:
        norm = clip_grad_norm(model.parameters(), self.max_norm)
        self.norms.append(norm)
        self.clipped += norm + NORM_GUARD > self.max_norm

    def __repr__(self) -> str:
        return f"ClipGradNorm(max_norm={self.max_norm:g})"
