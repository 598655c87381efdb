"""Normalisation layers: batch normalisation and layer normalisation.

Both standardise a batch ``X`` of shape (n, d) -- subtract a mean, divide by a standard
deviation -- and then give every feature j a learnable scale γ_j and shift β_j:

    X̂ = (X - z̄) / √(ω² + ε)          Y = γ ⊙ X̂ + β

(z̄ the mean and ω² the variance, the notation of the course's chapter 10; μ is momentum there)

They differ in what the mean and variance are taken over:

* :class:`BatchNorm` (Ioffe & Szegedy 2015): over the *samples* of the batch, one z̄_j and
  ω²_j per feature, so each sample's output depends on the rest of the batch; in evaluation
  mode running averages of z̄ and ω² from training take their place;
* :class:`LayerNorm` (Ba, Kiros & Hinton 2016): over the *features* of each sample, one z̄
  and ω² per row, so every sample is normalised on its own, the same in both modes.

The backward pass of the standardisation, for G = dJ/dY and the axis that the mean and
variance were taken over (the n samples for BatchNorm, the d features for LayerNorm), is

    dJ/dγ = Σ_samples G ⊙ X̂,   dJ/dβ = Σ_samples G,   D = G ⊙ γ
    dJ/dX = (D - mean(D) - X̂ ⊙ mean(D ⊙ X̂)) / √(ω² + ε)

(means along that axis): the two subtracted terms are the gradient flowing through z̄ and
through ω², which depend on every entry along the axis.
"""

from __future__ import annotations

import numpy as np

from .layers import Layer, Parameter
from .validation import check_array, check_int, check_positive

__all__ = ["BatchNorm", "LayerNorm"]


class _Normalization(Layer):
    """What BatchNorm and LayerNorm share: γ (ones), β (zeros), ε, the input check and
    the backward pass of X̂ = (X - z̄)/√(ω² + ε) along ``axis``."""

    #: The axis the statistics are taken over: 0 (samples, BatchNorm), 1 (features, LayerNorm).
    axis = 0

    def __init__(self, n_features: int, eps: float = 1e-5):
        self.n_features = check_int(n_features, "n_features", low=1)
        self.eps = check_positive(eps, "eps (the ε added to the variance)")
        self.gamma = Parameter(np.ones(self.n_features), "γ")
        self.beta = Parameter(np.zeros(self.n_features), "β")

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a float array of shape (n, n_features), or a clear error."""
        X = check_array(X, name, dtype=None)
        if X.ndim != 2:
            raise ValueError(f"{name} must be a 2-D array of shape (n_samples, "
                             f"{self.n_features}), got {X.ndim}-D with shape {X.shape}")
        if X.shape[1] != self.n_features:
            raise ValueError(f"{name} has {X.shape[1]} features (columns) but {self!r} "
                             f"expects {self.n_features}")
        return X if X.dtype.kind == "f" else X.astype(np.float64)

    def standardise(self, X: np.ndarray, mean: np.ndarray, var: np.ndarray,
                    from_input: bool = True) -> np.ndarray:
        """Y = γ ⊙ (X - z̄)/√(ω² + ε) + β, remembering for backward X̂, 1/√(ω² + ε) and
        whether z̄ and ω² were computed from X (``from_input``) or are constants."""
        inv_std = 1.0 / np.sqrt(var + self.eps)
        X_hat = (X - mean) * inv_std
        self.cache = (X_hat, inv_std, from_input)
        return X_hat * self.gamma.value + self.beta.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Store dJ/dγ and dJ/dβ; return dJ/dX (the formula of the module docstring)."""
        X_hat, inv_std, from_input = self.cache
        self.backward_params(grad_out)
        D = grad_out * self.gamma.value
        if from_input:
            mean_D = D.mean(axis=self.axis, keepdims=True)
            mean_DX = (D * X_hat).mean(axis=self.axis, keepdims=True)
            return (D - mean_D - X_hat * mean_DX) * inv_std
        return D * inv_std  # evaluation-mode BatchNorm: z̄ and ω² are constants here

    def backward_params(self, grad_out: np.ndarray) -> None:
        """dJ/dγ = Σ_samples G ⊙ X̂ and dJ/dβ = Σ_samples G, shape (n_features,)."""
        X_hat = self.cache[0]
        self.gamma.grad = (grad_out * X_hat).sum(axis=0)
        self.beta.grad = grad_out.sum(axis=0)

    def parameters(self) -> list[Parameter]:
        return [self.gamma, self.beta]


class BatchNorm(_Normalization):
    """Batch normalisation (Ioffe & Szegedy 2015) of each feature over the batch.

    Training mode, for X of shape (n, d), n ≥ 2:

        z̄ = mean over samples of X,  ω² = mean over samples of (X - z̄)²    shape (d,)
        Y = γ ⊙ (X - z̄)/√(ω² + ε) + β                                      shape (n, d)

    and the running statistics move towards the batch's, with rate ``momentum`` (k):

        running_mean ← (1 - k) running_mean + k z̄
        running_var  ← (1 - k) running_var  + k ω² n/(n - 1)

    (the unbiased variance, as in PyTorch's BatchNorm1d). Evaluation mode uses them instead,
    Y = γ ⊙ (X - running_mean)/√(running_var + ε) + β, so a prediction depends on its own
    sample only. They start at 0 and 1.

    Parameters
    ----------
    n_features : int
        d, the number of features (units) normalised.
    eps : float
        ε > 0, added to the variance so that a constant feature does not divide by zero.
    momentum : float
        k in (0, 1]: the weight of the newest batch in the running statistics.
    """

    axis = 0

    def __init__(self, n_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__(n_features, eps)
        self.momentum = check_positive(momentum, "momentum")
        if self.momentum > 1.0:
            raise ValueError(f"momentum must be in (0, 1] (the weight of the newest batch), "
                             f"got {self.momentum}")
        self.running_mean = np.zeros(self.n_features)
        self.running_var = np.ones(self.n_features)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Training: the batch's own z̄, ω² (and the running statistics updated);
        evaluation: the running statistics. Shape (n, d) -> (n, d)."""
        if not self.training:
            return self.standardise(X, self.running_mean, self.running_var, from_input=False)
        n = len(X)
        # Checked here, not at the door: fit hands its mini-batches straight to forward,
        # and whether one row is an error depends on the mode.
        if n < 2:
            raise ValueError(
                "BatchNorm in training mode needs at least 2 samples in a batch (the variance "
                "of one sample is 0, so its output would be β whatever the input); use a "
                "larger batch, or model.eval() to predict one sample")
        mean = X.mean(axis=0)
        var = X.var(axis=0)
        m = self.momentum
        self.running_mean = (1 - m) * self.running_mean + m * mean
        self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
        return self.standardise(X, mean, var)

    def __repr__(self) -> str:
        return f"BatchNorm({self.n_features}, eps={self.eps:g}, momentum={self.momentum:g})"


class LayerNorm(_Normalization):
    """Layer normalisation (Ba, Kiros & Hinton 2016) of each sample over its features.

    For X of shape (n, d), in both modes:

        z̄_i = mean over features of X_i,  ω²_i = mean over features of (X_i - z̄_i)²   (n, 1)
        Y = γ ⊙ (X - z̄)/√(ω² + ε) + β                                                 (n, d)

    Parameters
    ----------
    n_features : int
        d, the number of features of each sample.
    eps : float
        ε > 0, added to the variance.
    """

    axis = 1

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Each row standardised over its own features, then scaled and shifted."""
        return self.standardise(X, X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True))

    def __repr__(self) -> str:
        return f"LayerNorm({self.n_features}, eps={self.eps:g})"
