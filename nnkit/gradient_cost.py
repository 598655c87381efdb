"""How much work a full gradient costs: backpropagation against finite differences.

For a network with P parameters, centred finite differences need two forward passes per
parameter, 2P in all, while backpropagation needs one forward and one backward pass. In
matrix-product arithmetic a Dense layer's backward pass (two products: ∂L/∂W = Gᵀ X and
∂L/∂X = G W) costs twice its forward pass (one product: X Wᵀ), so the whole gradient by
backpropagation costs about three forward passes *whatever P is* -- the "cheap gradient
principle" of reverse-mode automatic differentiation (Griewank & Walther, 2008).

:func:`count_gradient_work` counts the passes that really run; :func:`matmul_flops`
counts floating-point operations; :func:`time_gradient_work` measures seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from nnkit.activations import Sigmoid
from nnkit.gradcheck import numerical_gradient
from nnkit.layers import Dense, Layer, Sequential
from nnkit.losses import Loss

__all__ = [
    "CallCounter", "GradientWork", "mlp", "count_parameters", "matmul_flops",
    "count_gradient_work", "time_gradient_work",
]


class CallCounter(Layer):
    """Wrap a model and count how often its ``forward`` and ``backward`` run.

    Behaves like the wrapped model (same outputs, gradients and parameters); the counts
    are in ``n_forward`` and ``n_backward`` and start at zero.
    """

    def __init__(self, model: Layer):
        if not isinstance(model, Layer):
            raise TypeError(f"model: expected an nnkit Layer, got {type(model).__name__}")
        self.model = model
        self.n_forward = 0
        self.n_backward = 0

    def forward(self, X):
        self.n_forward += 1
        return self.model.forward(X)

    def backward(self, grad_out):
        self.n_backward += 1
        return self.model.backward(grad_out)

    def parameters(self):
        return self.model.parameters()


def _widths(widths) -> list[int]:
    try:
        out = [int(w) for w in widths]
    except (TypeError, ValueError) as error:
        raise TypeError(f"widths: expected a sequence of layer sizes, got {widths!r}") from error
    not_integers = any(w != v for w, v in zip(out, widths, strict=True))
    if len(out) < 2 or any(w < 1 for w in out) or not_integers:
        raise ValueError(f"widths: expected at least two positive integers, got {widths!r}")
    return out


def mlp(widths, rng=0) -> Sequential:
    """Dense → Sigmoid → ... → Dense → Sigmoid with layer sizes ``widths`` (inputs first).

    ``widths = [2, 16, 16, 1]`` gives 2 inputs, two hidden layers of 16 and one output;
    Xavier initialisation seeded by ``rng``.
    """
    w = _widths(widths)
    generator = np.random.default_rng(rng)
    layers: list[Layer] = []
    for n_in, n_out in zip(w[:-1], w[1:], strict=True):
        layers += [Dense(n_in, n_out, init="xavier", rng=generator), Sigmoid()]
    return Sequential(*layers)


def count_parameters(model: Layer) -> int:
    """P = total number of scalar parameters of ``model``."""
    return int(sum(p.value.size for p in model.parameters()))


def matmul_flops(widths, n_samples: int = 1) -> tuple[int, int]:
    """Floating-point operations in the matrix products of one forward and one backward pass.

    A product of (n, k) by (k, m) takes n·m·k multiplications and n·m·(k - 1) additions,
    about 2·n·k·m. Per Dense layer (n_in → n_out, batch n): forward X Wᵀ is 2·n·n_in·n_out;
    backward Gᵀ X and G W are 2·n·n_in·n_out each. Returns ``(forward, backward)``;
    element-wise work (biases, activations) is left out because it is linear in the
    layer widths while the products are quadratic.
    """
    w = _widths(widths)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples: expected a positive integer, got {n_samples!r}")
    forward = sum(2 * n_samples * a * b for a, b in zip(w[:-1], w[1:], strict=True))
    return forward, 2 * forward


@dataclass(frozen=True)
class GradientWork:
    """Passes needed for one full gradient: ``n_params`` P; backprop's forward and backward
    passes; finite differences' forward passes (2P for centred differences)."""

    n_params: int
    backprop_forward: int
    backprop_backward: int
    finite_diff_forward: int


def _check_model_loss(model, loss) -> None:
    if not isinstance(model, Layer):
        raise TypeError(f"model: expected an nnkit Layer, got {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"loss: expected an nnkit Loss, got {type(loss).__name__}")


def count_gradient_work(model: Layer, loss: Loss, X, y, eps: float = 1e-6) -> GradientWork:
    """Compute the gradient of ``loss(model(X), y)`` both ways and count the passes that ran."""
    _check_model_loss(model, loss)
    counted = CallCounter(model)
    loss.forward(counted.forward(X), y)
    counted.backward(loss.backward())
    bp_forward, bp_backward = counted.n_forward, counted.n_backward

    counted.n_forward = 0
    for p in counted.parameters():
        numerical_gradient(lambda: loss.forward(counted.forward(X), y), p.value, eps)
    return GradientWork(count_parameters(model), bp_forward, bp_backward, counted.n_forward)


def time_gradient_work(model: Layer, loss: Loss, X, y, repeats: int = 3, calls: int | None = None,
                       eps: float = 1e-6) -> dict[str, float]:
    """Seconds for one forward pass, one backward pass and one finite-difference gradient.

    A forward pass is ``loss(model(X), y)`` and a backward pass ``model.backward(loss.backward())``,
    each timed as the average of ``calls`` back-to-back calls (a single call of a small
    network is too short to time on its own); the finite-difference gradient is one sweep
    of :func:`nnkit.numerical_gradient` over every parameter (2P forward passes). By
    default ``calls = min(2P, 2000)``, so all three are timed over similarly long stretches
    and are slowed alike when the machine is shared with other programs. Each figure is
    the minimum over ``repeats`` runs, the run least disturbed by them. Returns
    ``{"forward": s, "backward": s, "finite_diff": s}``.
    """
    _check_model_loss(model, loss)
    if calls is None:
        calls = min(2 * count_parameters(model), 2000)
    for name, value in (("repeats", repeats), ("calls", calls)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")

    def objective() -> float:
        return loss.forward(model.forward(X), y)

    best = {"forward": np.inf, "backward": np.inf, "finite_diff": np.inf}
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            objective()
        middle = time.perf_counter()
        # The caches of the last forward pass stay valid, so backward can run repeatedly.
        for _ in range(calls):
            model.backward(loss.backward())
        end = time.perf_counter()
        for p in model.parameters():
            numerical_gradient(objective, p.value, eps)
        done = time.perf_counter()
        best["forward"] = min(best["forward"], (middle - start) / calls)
        best["backward"] = min(best["backward"], (end - middle) / calls)
        best["finite_diff"] = min(best["finite_diff"], done - end)
    return best
