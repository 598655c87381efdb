"""Rosenblatt's perceptron (1958): one neuron with a step activation.

The neuron computes a weighted sum and thresholds it,

    z = w · x + b,        ŷ = step(z) = 1 if z >= 0 else 0,

and learns one sample at a time with the perceptron rule

    w ← w + η (t - ŷ) x,        b ← b + η (t - ŷ),

which changes nothing when the prediction ŷ equals the target t, and otherwise
tilts the decision boundary towards classifying x correctly.  If the classes are
linearly separable the rule stops making mistakes after finitely many updates
(the perceptron convergence theorem); for XOR it never does.
"""

from __future__ import annotations

import numpy as np

from .validation import (
    as_rng,
    check_array,
    check_choice,
    check_int,
    check_labels,
    check_positive,
    check_same_length,
)

__all__ = ["Perceptron", "PerceptronHistory"]


class PerceptronHistory:
    """What happened during :meth:`Perceptron.fit`.

    Attributes
    ----------
    weights : list of (ndarray, float)
        ``(w, b)`` copies; entry 0 is the state before training, entry k after epoch k.
    errors : list of int
        Number of misclassified samples (= number of weight changes) in each epoch.
    converged : bool
        True if an epoch went by without a single mistake.
    converged_epoch : int or None
        The first such epoch (1-based).
    steps : list of (ndarray, float, int, int)
        One entry per sample presented: ``(w, b, sample_index, error)`` with the
        weights *after* the update and ``error = t - ŷ`` in {-1, 0, 1} (0: no change).
    """

    def __init__(self):
        self.weights: list[tuple[np.ndarray, float]] = []
        self.errors: list[int] = []
        self.converged = False
        self.converged_epoch: int | None = None
        self.steps: list[tuple[np.ndarray, float, int, int]] = []

    def __repr__(self) -> str:
        return (
            f"PerceptronHistory(epochs={len(self.errors)}, errors={self.errors}, "
            f"converged={self.converged})"
        )


class Perceptron:
    """A single step-activation neuron trained with the perceptron rule.

    Parameters
    ----------
    n_inputs : int
        Number of input features.
    lr : float
        Learning rate η > 0.
    init : {"zeros", "normal"}
        Start from w = 0, b = 0 (the classic choice) or from small N(0, 0.01²) weights.
    rng : None, int or Generator
        Randomness for ``init="normal"``.
    """

    def __init__(self, n_inputs: int, lr: float = 1.0, init: str = "zeros", rng=None):
        self.n_inputs = check_int(n_inputs, "n_inputs", low=1)
        self.lr = check_positive(lr, "lr")
        init = check_choice(init, "init", ("zeros", "normal"))
        if init == "zeros":
            self.w = np.zeros(self.n_inputs)
        else:
            self.w = as_rng(rng).normal(0.0, 0.01, size=self.n_inputs)
        self.b = 0.0

    def _check_X(self, X) -> np.ndarray:
        X = check_array(X, "X", ndim=(1, 2))
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.shape[1] != self.n_inputs:
            raise ValueError(
                f"X has {X.shape[1]} features but the perceptron has {self.n_inputs} inputs"
            )
        return X

    def net_input(self, X) -> np.ndarray:
        """z = X w + b for X of shape (n, n_inputs); returns shape (n,)."""
        return self._check_X(X) @ self.w + self.b

    def predict(self, X) -> np.ndarray:
        """ŷ = step(z) as ints 0/1, shape (n,)."""
        return (self.net_input(X) >= 0).astype(np.int64)

    def update(self, x, target) -> bool:
        """Apply the perceptron rule to one sample x (n_inputs,) with target 0/1.

        Returns True if the weights changed (the sample was misclassified).
        """
        x = self._check_X(x)
        if x.shape[0] != 1:
            raise ValueError(
                f"x must be a single sample of shape ({self.n_inputs},), got {x.shape}")
        target = int(check_labels(np.array([target]), "target", 2)[0])
        return self._update(x[0], target) != 0

    def _update(self, x: np.ndarray, target: int) -> int:
        error = target - int(x @ self.w + self.b >= 0)
        if error:
            self.w = self.w + self.lr * error * x
            self.b = self.b + self.lr * error
        return error

    def fit(self, X, y, epochs: int = 10) -> PerceptronHistory:
        """Present the samples in order, ``epochs`` times (or until an epoch without
        mistakes), updating after each one.  Labels must be 0/1."""
        X = self._check_X(X)
        labels = check_labels(y, "y", 2)
        check_same_length(X, labels, "X", "y")
        epochs = check_int(epochs, "epochs", low=1)
        history = PerceptronHistory()
        history.weights.append((self.w.copy(), float(self.b)))
        # The rule is online: each update depends on the previous one, so this loop
        # over samples is the algorithm itself, not something to vectorise away.
        for epoch in range(1, epochs + 1):
            mistakes = 0
            for i in range(len(X)):
                error = self._update(X[i], int(labels[i]))
                mistakes += error != 0
                history.steps.append((self.w.copy(), float(self.b), i, error))
            history.errors.append(int(mistakes))
            history.weights.append((self.w.copy(), float(self.b)))
            if mistakes == 0:
                history.converged = True
                history.converged_epoch = epoch
                break
        return history

    def __repr__(self) -> str:
        return f"Perceptron(n_inputs={self.n_inputs}, lr={self.lr:g})"
