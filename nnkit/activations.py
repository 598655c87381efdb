"""Activation functions, their derivatives, and the matching layers.

The plain functions work element-wise on arrays (or scalars) so the chapters can
plot them; the layer classes wrap them with a ``forward``/``backward`` pair (their
input is checked at the door, ``layer(z)``: any array of numbers, as floats).

=========  ==========================  ==================================
name       f(z)                        f'(z)
=========  ==========================  ==================================
step       1 if z >= 0 else 0          0 (undefined at 0)
identity   z                           1
sigmoid    σ(z) = 1 / (1 + e^(-z))     σ(z) (1 - σ(z))
tanh       tanh(z)                     1 - tanh(z)²
relu       max(0, z)                   1 if z > 0 else 0
softmax    e^(z_k) / Σ_j e^(z_j)       (a vector function; see Softmax)
=========  ==========================  ==================================
"""

from __future__ import annotations

import numpy as np

from .layers import Layer
from .validation import check_choice

__all__ = [
    "step", "identity", "sigmoid", "tanh", "relu", "softmax",
    "sigmoid_grad", "tanh_grad", "relu_grad",
    "Step", "Identity", "Sigmoid", "Tanh", "ReLU", "Softmax",
    "get_activation", "ACTIVATIONS",
]


def _as_float(z) -> np.ndarray:
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


# ---------------------------------------------------------------- functions

def step(z):
    """Heaviside step: 1 where z >= 0, else 0 (the perceptron's activation)."""
    z = _as_float(z)
    return (z >= 0).astype(z.dtype)


def identity(z):
    """f(z) = z."""
    return _as_float(z).copy()


def sigmoid(z):
    """Logistic sigmoid σ(z) = 1 / (1 + e^(-z)), computed without overflow.

    Both branches use e^(-|z|) <= 1: for z >= 0, σ = 1 / (1 + e^(-z)); for z < 0,
    σ = e^z / (1 + e^z).  So z = ±1000 gives exactly 1 and 0 with no warning.
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def tanh(z):
    """Hyperbolic tangent, (e^z - e^(-z)) / (e^z + e^(-z)), range (-1, 1)."""
    return np.tanh(_as_float(z))


def relu(z):
    """Rectified linear unit max(0, z)."""
    return np.maximum(_as_float(z), 0.0)


def softmax(z, axis: int = -1):
    """softmax(z)_k = e^(z_k) / Σ_j e^(z_j) along ``axis``.

    Subtracting max(z) first leaves the result unchanged (it cancels in the ratio)
    and keeps every exponent <= 0, so large logits cannot overflow.
    """
    z = _as_float(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid_grad(z):
    """σ'(z) = σ(z) (1 - σ(z)), at most 1/4 (at z = 0)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_grad(z):
    """tanh'(z) = 1 - tanh(z)², at most 1 (at z = 0)."""
    t = np.tanh(_as_float(z))
    return 1.0 - t * t


def relu_grad(z):
    """ReLU'(z) = 1 for z > 0 and 0 otherwise (we pick 0 at the kink z = 0)."""
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


# ---------------------------------------------------------------- layers

class _Activation(Layer):
    """Shared plumbing: element-wise activations have no parameters; those whose
    derivative depends on where they were evaluated remember their output in ``cache``."""


class Step(_Activation):
    """a = step(z).  Its derivative is zero, so ``backward`` passes back zeros:
    no gradient flows through a step, which is exactly the perceptron's problem."""

    def forward(self, X):
        return step(X)

    def backward(self, grad_out):
        return np.zeros_like(grad_out)


class Identity(_Activation):
    """a = z; dJ/dz = dJ/da."""

    def forward(self, X):
        return X

    def backward(self, grad_out):
        return grad_out


class Sigmoid(_Activation):
    """a = σ(z); dJ/dz = dJ/da · a (1 - a), reusing the stored output a."""

    def forward(self, X):
        self.cache = sigmoid(X)
        return self.cache

    def backward(self, grad_out):
        a = self.cache
        return grad_out * a * (1.0 - a)


class Tanh(_Activation):
    """a = tanh(z); dJ/dz = dJ/da · (1 - a²)."""

    def forward(self, X):
        self.cache = np.tanh(X)
        return self.cache

    def backward(self, grad_out):
        a = self.cache
        return grad_out * (1.0 - a * a)


class ReLU(_Activation):
    """a = max(0, z); dJ/dz = dJ/da where z > 0, else 0."""

    def forward(self, X):
        self.cache = np.maximum(X, 0.0)
        return self.cache

    def backward(self, grad_out):
        return grad_out * (self.cache > 0)


class Softmax(_Activation):
    """a = softmax(z) over the last axis (each row sums to 1).

    The Jacobian da_k/dz_j = a_k (δ_kj - a_j) gives, for each row,
    dJ/dz = a ⊙ (g - Σ_k g_k a_k) with g = dJ/da.  To *train* a classifier, feed
    the logits straight to :class:`~nnkit.CrossEntropyLoss`, which fuses the
    softmax with the logarithm stably; use this layer to look at probabilities.
    """

    def forward(self, X):
        self.cache = softmax(X, axis=-1)
        return self.cache

    def backward(self, grad_out):
        a = self.cache
        return a * (grad_out - (grad_out * a).sum(axis=-1, keepdims=True))


ACTIVATIONS = {
    "step": Step,
    "identity": Identity,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "softmax": Softmax,
}


def get_activation(name: str) -> Layer:
    """A new activation layer by name: one of "step", "identity", "sigmoid",
    "tanh", "relu", "softmax" (case-insensitive)."""
    return ACTIVATIONS[check_choice(name, "activation", tuple(ACTIVATIONS))]()
