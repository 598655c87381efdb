"""Loss functions: a number that says how wrong the predictions are.

Calling a loss, ``loss(pred, target)``, is the door: it checks the two arrays once
(``check``) and returns ``forward(pred, target)``, the formula (a float).  Then
``backward()`` returns dJ/dpred (same shape as ``pred``), the starting point of
back-propagation.  The functional forms ``mse``, ``bce``, ``bce_with_logits`` and
``cross_entropy`` return just the value; ``accuracy`` and ``one_hot`` help with
classification targets.

=================  ==========================================  =====================
loss               J                                           dJ/dpred
=================  ==========================================  =====================
MSELoss            (1/N) Σ (ŷ - y)²  over all N entries        2 (ŷ - y) / N
BCELoss            -(1/N) Σ [y log p + (1-y) log(1-p)]         (p - y) / (p (1-p) N)
BCEWithLogitsLoss  (1/N) Σ [max(z,0) - y z + log(1+e^(-|z|))]  (σ(z) - y) / N
CrossEntropyLoss   -(1/n) Σ_i log softmax(z_i)[y_i]            (softmax(z) - Y) / n
=================  ==========================================  =====================

(ŷ predictions, p predicted probabilities, z logits, σ the sigmoid, Y one-hot targets,
n examples, N entries.)
"""

from __future__ import annotations

import numpy as np

from .validation import (
    check_array,
    check_int,
    check_labels,
    check_probabilities,
    check_same_length,
)

__all__ = [
    "Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "mse", "bce",
    "bce_with_logits", "cross_entropy",
    "accuracy", "one_hot",
]


def _check_pred(pred, name: str = "pred") -> np.ndarray:
    """``pred`` as a float array (integers become float64)."""
    # NaN/inf predictions are allowed through: during a diverging run they are the
    # symptom the training loop must see and report, not a user error.
    pred = check_array(pred, name, dtype=None, finite=False)
    return pred if pred.dtype.kind == "f" else pred.astype(np.float64)


def _match_target(pred: np.ndarray, target, name: str = "target") -> np.ndarray:
    """Return ``target`` as a float array with the shape of ``pred``.

    A (n,) target for a (n, 1) prediction is reshaped: the data sets give labels as
    (n,) while a one-output network gives (n, 1), and silently broadcasting the two
    would compare every prediction with every target.
    """
    target = check_array(target, name, dtype=pred.dtype)
    if target.shape != pred.shape:
        if pred.ndim == 2 and pred.shape[1] == 1 and target.shape == (pred.shape[0],):
            return target.reshape(-1, 1)
        raise ValueError(
            f"{name} has shape {target.shape} but the predictions have shape {pred.shape}; "
            "they must match"
        )
    return target


class Loss:
    """Base class of the losses.

    ``loss(pred, target)`` = ``check`` (shapes and values, once) followed by
    ``forward`` (the formula, which remembers in ``cache`` what ``backward`` needs).
    The training loop checks the whole data set once and then calls ``forward`` on
    every mini-batch, so the checks cost nothing per update.
    """

    _cache = None

    @property
    def cache(self):
        """What ``forward`` remembered for ``backward``; a clear error before any forward."""
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward: compute "
                "the loss with loss(pred, target) first"
            )
        return self._cache

    @cache.setter
    def cache(self, value) -> None:
        self._cache = value

    def __call__(self, pred, target) -> float:
        """The loss value (a Python float) for predictions ``pred`` and ``target``."""
        return self.forward(*self.check(pred, target))

    def check(self, pred, target, name: str = "target") -> tuple[np.ndarray, np.ndarray]:
        """``pred`` and ``target`` as arrays ready for ``forward``, or a clear error that
        calls the target ``name``."""
        pred = _check_pred(pred)
        return pred, _match_target(pred, target, name)

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def count_correct(self, pred: np.ndarray, target: np.ndarray) -> tuple[int, int]:
        """(correct predictions, predictions) on checked arrays, for the accuracy that
        ``fit``'s callbacks record; (0, 0) for a loss that does not classify."""
        return 0, 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Mean squared error over all entries, J = (1/N) Σ (ŷ - y)².

    ``pred`` and ``target`` have the same shape, e.g. (n, k); a (n,) target is
    accepted for a (n, 1) prediction.  dJ/dŷ = 2 (ŷ - y) / N.
    """

    def forward(self, pred, target) -> float:
        diff = pred - target
        self.cache = diff
        return float((diff * diff).mean())

    def backward(self) -> np.ndarray:
        diff = self.cache
        return (2.0 / diff.size) * diff


class BCELoss(Loss):
    """Binary cross-entropy on probabilities (e.g. the output of ``Sigmoid``):

        J = -(1/N) Σ [y log p + (1 - y) log(1 - p)],   dJ/dp = (p - y) / (p (1 - p) N)

    ``p`` is clipped to [ε, 1 - ε] (ε = machine epsilon of its dtype) so p = 0 or 1
    gives a large but finite loss and gradient instead of log(0) = -inf.
    Targets may be 0/1 labels or soft probabilities, shape as ``pred``.
    """

    def check(self, pred, target, name: str = "target"):
        pred, target = super().check(pred, target, name)
        check_probabilities(pred, "pred", " (end the network with a Sigmoid layer, or use "
                            "MSELoss/CrossEntropyLoss for other outputs)")
        check_probabilities(target, name)
        return pred, target

    def forward(self, pred, target) -> float:
        eps = np.finfo(pred.dtype).eps
        p = pred.clip(eps, 1.0 - eps)
        self.cache = (p, target)
        return float(-(target * np.log(p) + (1.0 - target) * np.log1p(-p)).mean())

    def backward(self) -> np.ndarray:
        p, target = self.cache
        return (p - target) / (p * (1.0 - p) * p.size)

    def count_correct(self, pred, target) -> tuple[int, int]:
        """A probability p predicts class 1 when p >= 0.5."""
        return int(np.count_nonzero((pred >= 0.5) == (target >= 0.5))), target.size


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits z (a network that ends with ``Dense``, no Sigmoid):
    the Sigmoid and the logarithm in one formula,

        J = (1/N) Σ [max(z, 0) - y z + log(1 + e^(-|z|))],   dJ/dz = (σ(z) - y) / N

    This is BCELoss(σ(z), y) written so that nothing overflows or is clipped: a
    confident mistake (z = -50 for y = 1) costs about 50 and keeps the gradient
    -1/N, where Sigmoid followed by BCELoss loses it to the clipping of p.
    Targets may be 0/1 labels or soft probabilities, shape as ``pred``; the
    predicted class is 1 where z >= 0.
    """

    def check(self, pred, target, name: str = "target"):
        logits = _check_pred(pred, "logits")
        target = _match_target(logits, target, name)
        check_probabilities(target, name)
        return logits, target

    def forward(self, pred, target) -> float:
        self.cache = (pred, target)
        return float((np.maximum(pred, 0.0) - target * pred
                      + np.log1p(np.exp(-np.abs(pred)))).mean())

    def backward(self) -> np.ndarray:
        z, target = self.cache
        # σ(z) from e^(-|z|), which never overflows: σ(z) = 1/(1+e) for z >= 0, e/(1+e) else.
        e = np.exp(-np.abs(z))
        sigma = np.where(z >= 0, 1.0, e) / (1.0 + e)
        return (sigma - target) / z.size

    def count_correct(self, pred, target) -> tuple[int, int]:
        """A logit z predicts class 1 when z >= 0, that is when σ(z) >= 0.5."""
        return int(np.count_nonzero((pred >= 0.0) == (target >= 0.5))), target.size


class CrossEntropyLoss(Loss):
    """Softmax cross-entropy on logits, averaged over samples.

    For logits ``z`` of shape (n, C) and labels y (n,) in 0..C-1 (or one-hot rows
    Y of shape (n, C)):

        log p_ik = z_ik - log Σ_j e^(z_ij)          (log-softmax)
        J = -(1/n) Σ_i log p_i,y_i                   dJ/dz = (p - Y) / n

    The softmax is fused with the logarithm: the log-sum-exp is taken after
    subtracting each row's maximum, so logits of ±1000 give finite values.
    A network that knows nothing (p = 1/C) scores J = ln C.
    """

    def check(self, pred, target, name: str = "target"):
        logits = _check_pred(pred, "logits")
        if logits.ndim != 2:
            raise ValueError(
                f"logits must be a 2-D array (n_samples, n_classes), got shape {logits.shape}"
            )
        n, n_classes = logits.shape
        arr = check_array(target, name, ndim=(1, 2), dtype=None)
        check_same_length(logits, arr, "logits", name)
        if arr.ndim == 2 and arr.shape[1] == n_classes and n_classes > 1:
            onehot = arr.astype(logits.dtype)
            check_probabilities(onehot, name)
            if not np.allclose(onehot.sum(axis=1), 1.0):
                raise ValueError(
                    f"{name} rows must be one-hot (or probability) vectors summing to 1"
                )
            return logits, onehot
        return logits, check_labels(arr, name, n_classes)

    def forward(self, pred, target) -> float:
        shifted = pred - pred.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=1, keepdims=True)
        if target.ndim == 1:
            value = (np.log(sums[:, 0]) - shifted[np.arange(len(target)), target]).mean()
        else:
            value = (target * (np.log(sums) - shifted)).sum(axis=1).mean()
        self.cache = (exp / sums, target)
        return float(value)

    def backward(self) -> np.ndarray:
        probs, target = self.cache
        n = probs.shape[0]
        grad = probs.copy()  # copy: a second backward must see the same probabilities
        if target.ndim == 1:
            grad[np.arange(n), target] -= 1.0
        else:
            grad -= target
        grad /= n
        return grad

    def count_correct(self, pred, target) -> tuple[int, int]:
        """The predicted class is the largest logit of each row."""
        labels = target if target.ndim == 1 else target.argmax(axis=1)
        return int(np.count_nonzero(pred.argmax(axis=1) == labels)), len(labels)


def mse(pred, target) -> float:
    """Mean squared error (1/N) Σ (ŷ - y)²; see :class:`MSELoss`."""
    return MSELoss()(pred, target)


def bce(prob, target) -> float:
    """Binary cross-entropy of probabilities ``prob``; see :class:`BCELoss`."""
    return BCELoss()(prob, target)


def bce_with_logits(logits, target) -> float:
    """Binary cross-entropy of ``logits`` z (probabilities σ(z)); see :class:`BCEWithLogitsLoss`."""
    return BCEWithLogitsLoss()(logits, target)


def cross_entropy(logits, target) -> float:
    """Softmax cross-entropy of ``logits`` (n, C) against labels; see :class:`CrossEntropyLoss`."""
    return CrossEntropyLoss()(logits, target)


# ---------------------------------------------------------------- classification helpers

def one_hot(y, n_classes: int) -> np.ndarray:
    """Labels y (n,) in 0..C-1 -> matrix Y (n, C) with Y[i, y_i] = 1, zeros elsewhere."""
    n_classes = check_int(n_classes, "n_classes", low=1)
    labels = check_labels(y, "y", n_classes)
    Y = np.zeros((labels.size, n_classes))
    Y[np.arange(labels.size), labels] = 1.0
    return Y


def accuracy(scores_or_probs, y) -> float:
    """Fraction of correct predictions, in [0, 1].

    * (n, C) scores/probabilities with C > 1: the prediction is the arg-max column;
    * (n,) or (n, 1) probabilities: the prediction is 1 where p >= 0.5, else 0.

    ``y`` holds integer labels (n,) (or one-hot rows (n, C)).
    """
    scores = check_array(scores_or_probs, "scores_or_probs", ndim=(1, 2), finite=False)
    y_arr = check_array(y, "y", ndim=(1, 2), dtype=None)
    check_same_length(scores, y_arr, "scores_or_probs", "y")
    if y_arr.ndim == 2 and y_arr.shape[1] > 1:
        y_arr = y_arr.argmax(axis=1)
    if scores.ndim == 2 and scores.shape[1] > 1:
        labels = check_labels(y_arr, "y", scores.shape[1])
        predicted = scores.argmax(axis=1)
    else:
        labels = check_labels(y_arr, "y", 2)
        predicted = (scores.reshape(-1) >= 0.5).astype(np.int64)
    if labels.size == 0:
        raise ValueError("accuracy needs at least one sample, got 0")
    return float(np.mean(predicted == labels))
