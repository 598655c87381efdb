"""The training loop: ``fit`` and the ``History`` it returns, plus small helpers.

One *update* is: forward a mini-batch, compute the loss, back-propagate, take an
optimiser step.  One *epoch* is one pass over the training set in mini-batches of
``batch_size`` samples:

* ``batch_size=None`` -- full-batch gradient descent (one update per epoch);
* ``batch_size=1``    -- stochastic gradient descent (n updates per epoch);
* ``batch_size=k``    -- mini-batch gradient descent (⌈n / k⌉ updates per epoch).

After every epoch the loss on the *whole* training set is recorded, so curves for
different batch sizes can be compared on the same footing.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .activations import ReLU as _ReLU
from .activations import Sigmoid, Softmax, Step, Tanh
from .layers import Dense, Layer, Sequential
from .losses import BCELoss, CrossEntropyLoss, Loss
from .validation import (
    as_rng,
    check_array,
    check_int,
    check_labels,
    check_positive,
    check_same_length,
)

__all__ = [
    "DivergenceWarning",
    "History",
    "fit",
    "accuracy",
    "one_hot",
    "iterate_minibatches",
    "activation_statistics",
]


# Rows per chunk when fit evaluates the whole training set (see _evaluate).
EVAL_CHUNK_ROWS = 128


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became non-finite or exceeded the threshold."""


class History:
    """What happened during :func:`fit`.

    Attributes
    ----------
    initial_loss : float
        Loss on the whole training set before the first update.
    epoch_loss : list of float
        ``epoch_loss[i]`` is the whole-training-set loss after epoch ``i + 1``.
    update_loss : list of float
        The mini-batch loss of every update (computed before that update's step).
    train_accuracy, val_loss, val_accuracy : list of float
        Per epoch; accuracies only for classification losses (cross-entropy, BCE),
        validation entries only when ``validation`` data was given.
    grad_norms : list of list of float
        Per epoch (with ``track_gradients=True``): for each Dense layer, the
        Frobenius norm ‖dL/dW‖ averaged over the epoch's updates.
    activation_stats : list of list of dict
        Per epoch (with ``track_activations=True``): for each layer, a dict with the
        ``mean``, ``std`` and ``frac_saturated`` of its output on the training set
        (see :func:`activation_statistics`).
    epoch_time : list of float
        Seconds spent in each epoch.
    diverged : bool
        True if training stopped because the loss blew up (NaN/inf, or above
        ``divergence_threshold``).  ``epoch_loss`` and ``update_loss`` keep only
        finite values: a loss that jumped above the threshold is recorded, so a plot
        shows the jump, but NaN and inf never are.
    diverged_epoch : int or None
        The epoch (1-based) in which it blew up; 0 if the initial loss already was.
    stopped_early : bool
        True if the callback asked to stop.
    n_updates : int
        Number of optimiser steps taken.
    """

    def __init__(self):
        self.initial_loss = math.nan
        self.epoch_loss: list[float] = []
        self.update_loss: list[float] = []
        self.train_accuracy: list[float] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float] = []
        self.grad_norms: list[list[float]] = []
        self.activation_stats: list[list[dict]] = []
        self.epoch_time: list[float] = []
        self.diverged = False
        self.diverged_epoch: int | None = None
        self.stopped_early = False
        self.n_updates = 0

    @property
    def epochs(self) -> int:
        """Number of completed (recorded) epochs."""
        return len(self.epoch_loss)

    @property
    def final_loss(self) -> float:
        """The last recorded training loss (the initial loss if no epoch finished)."""
        return self.epoch_loss[-1] if self.epoch_loss else self.initial_loss

    def __repr__(self) -> str:
        state = "diverged" if self.diverged else "ok"
        return (
            f"History(epochs={self.epochs}, updates={self.n_updates}, "
            f"initial_loss={self.initial_loss:.4g}, final_loss={self.final_loss:.4g}, {state})"
        )


# ---------------------------------------------------------------- helpers

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


def _batch_indices(n: int, batch_size: int, rng: np.random.Generator, shuffle: bool):
    """Yield index arrays (or slices, when not shuffling) covering 0..n-1 in batches."""
    if not shuffle:
        for start in range(0, n, batch_size):
            yield slice(start, start + batch_size)
        return
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def iterate_minibatches(X, y, batch_size: int | None = None, rng=0, shuffle: bool = True):
    """Yield ``(X_batch, y_batch)`` pairs covering the data once (one epoch).

    The last batch is smaller when ``batch_size`` does not divide n.
    ``batch_size=None`` yields the whole data set as one batch.
    """
    X = check_array(X, "X", ndim=2)
    y = check_array(y, "y", dtype=None)
    check_same_length(X, y, "X", "y")
    n = len(X)
    batch_size = n if batch_size is None else check_int(batch_size, "batch_size", 1, n)
    for idx in _batch_indices(n, batch_size, as_rng(rng), shuffle):
        yield X[idx], y[idx]


def _saturated_count(layer: Layer, out: np.ndarray) -> int:
    """How many outputs sit where the layer's derivative is below 5% of its peak."""
    if isinstance(layer, (Sigmoid, Softmax)):
        return int(np.count_nonzero(out * (1.0 - out) < 0.05 * 0.25))
    if isinstance(layer, Tanh):
        return int(np.count_nonzero(1.0 - out * out < 0.05))
    if isinstance(layer, _ReLU):
        return int(np.count_nonzero(out <= 0.0))
    if isinstance(layer, Step):
        return out.size
    return 0


def _activation_sums(model: Sequential) -> list[tuple[str, float, float, int, int]]:
    """(layer name, Σa, Σa², number of outputs, number saturated) per layer of the
    last forward pass: sums, so that several chunks of data can be combined."""
    if not isinstance(model, Sequential):
        raise TypeError(
            f"activation statistics need a Sequential model, got {type(model).__name__}")
    if len(model.activations) != len(model.layers):
        raise RuntimeError("activation_statistics needs a forward pass first")
    return [
        (type(layer).__name__, float(out.sum()), float(np.vdot(out, out)), out.size,
         _saturated_count(layer, out))
        for layer, out in zip(model.layers, model.activations, strict=True)
    ]


def _stats_from_sums(chunks: list[list[tuple]]) -> list[dict]:
    """Combine per-chunk sums into mean, std = √(E[a²] - E[a]²) and frac_saturated."""
    stats = []
    for per_layer in zip(*chunks, strict=True):
        count = sum(c[3] for c in per_layer)
        mean = sum(c[1] for c in per_layer) / count
        mean_square = sum(c[2] for c in per_layer) / count
        stats.append({
            "layer": per_layer[0][0],
            "mean": mean,
            "std": math.sqrt(max(mean_square - mean * mean, 0.0)),
            "frac_saturated": sum(c[4] for c in per_layer) / count,
        })
    return stats


def activation_statistics(model: Sequential) -> list[dict]:
    """Per layer of the model's last forward pass: dict(layer=name, mean=, std=,
    frac_saturated=).

    ``frac_saturated`` is the fraction of outputs where the layer's local derivative
    is below 5% of its maximum: sigmoid/softmax outputs beyond ≈0.013/0.987, tanh
    outputs with |a| > 0.975, ReLU outputs equal to 0 (inactive units).  Affine and
    identity layers never saturate (0); a step always does (1).
    """
    return _stats_from_sums([_activation_sums(model)])


def _dense_layers(model: Layer) -> list[Dense]:
    if isinstance(model, Dense):
        return [model]
    if isinstance(model, Sequential):
        found = []
        for layer in model.layers:
            found.extend(_dense_layers(layer))
        return found
    return []


def _count_correct(loss: Loss, out: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """(correct predictions, predictions) for a classification loss, else (0, 0)."""
    if isinstance(loss, CrossEntropyLoss):
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        return int(np.count_nonzero(out.argmax(axis=1) == labels)), len(labels)
    if isinstance(loss, BCELoss):
        return int(np.count_nonzero((out >= 0.5) == (y >= 0.5))), y.size
    return 0, 0


def _evaluate(model: Layer, loss: Loss, compute, X, y, chunk: int, with_stats: bool):
    """Loss, accuracy (None for regression) and activation statistics (None unless
    ``with_stats``) of ``model`` on all of (X, y).

    The data go through in chunks of ``chunk`` rows.  Besides bounding memory, this
    matters for speed: arrays the size of the whole data set, kept alive by the
    layers' caches and freed in the next epoch, make the memory allocator hand pages
    back to the system and fault them in again every epoch; chunks close to the
    training batch size reuse the same memory.  Losses are means over samples, so a
    chunk's loss is weighted by its number of rows.
    """
    n = len(X)
    total, correct, counted, sums = 0.0, 0, 0, []
    for start in range(0, n, chunk):
        rows = slice(start, start + chunk)
        out = model.forward(X[rows])
        total += compute(out, y[rows]) * len(out)
        right, seen = _count_correct(loss, out, y[rows])
        correct, counted = correct + right, counted + seen
        if with_stats:
            sums.append(_activation_sums(model))
    accuracy = correct / counted if counted else None
    return total / n, accuracy, _stats_from_sums(sums) if with_stats else None


# ---------------------------------------------------------------- fit

def _check_fit_arguments(model, X, y, loss, optimizer, epochs, batch_size, validation,
                         track_activations, callback, divergence_threshold):
    """Check everything ``fit`` receives, once, before any training; return the
    cleaned (X, y, validation, epochs, batch_size, threshold)."""
    if not isinstance(model, Layer):
        raise TypeError(
            f"model must be an nnkit Layer (e.g. Sequential), got {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(
            f"loss must be an nnkit loss instance such as nk.MSELoss(), got {loss!r}"
        )
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step() method (e.g. nk.SGD), got {optimizer!r}")
    if track_activations and not isinstance(model, Sequential):
        raise TypeError(
            f"track_activations needs a Sequential model, got {type(model).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
    epochs = check_int(epochs, "epochs", low=0)
    params = model.parameters()
    dtype = params[0].value.dtype if params else np.float64
    X = check_array(X, "X", ndim=2, dtype=dtype)
    y = check_array(y, "y", ndim=(1, 2), dtype=None)
    check_same_length(X, y, "X", "y")
    n = len(X)
    if n == 0:
        raise ValueError("X has no samples (0 rows)")
    batch_size = n if batch_size is None else check_int(
        batch_size, "batch_size", low=1, high=n)
    threshold = math.inf if divergence_threshold is None else check_positive(
        divergence_threshold, "divergence_threshold")
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError("validation must be a tuple (X_val, y_val)")
        X_val = check_array(validation[0], "validation X", ndim=2, dtype=dtype)
        y_val = check_array(validation[1], "validation y", ndim=(1, 2), dtype=None)
        check_same_length(X_val, y_val, "validation X", "validation y")
        validation = (X_val, y_val)
    return X, y, validation, epochs, batch_size, threshold


def fit(
    model: Layer,
    X,
    y,
    loss: Loss,
    optimizer,
    epochs: int = 10,
    batch_size: int | None = None,
    rng=0,
    shuffle: bool = True,
    validation=None,
    track_gradients: bool = False,
    track_activations: bool = False,
    callback=None,
    divergence_threshold: float | None = 1e6,
) -> History:
    """Train ``model`` on (X, y) by gradient descent and return a :class:`History`.

    Parameters
    ----------
    model : Layer
        Usually a :class:`~nnkit.Sequential`; its parameters are updated in place.
    X : array (n, n_features);  y : targets (labels (n,) for classification)
    loss : MSELoss, BCELoss or CrossEntropyLoss (or another Loss)
    optimizer : e.g. ``nk.SGD(model.parameters(), lr=0.1)``
    epochs : int >= 0
    batch_size : None (full batch), 1 (stochastic) or k in 1..n (mini-batch)
    rng : int seed or Generator for shuffling; the same seed gives the same run.
    shuffle : reshuffle the samples before every epoch.
    validation : optional (X_val, y_val), evaluated after every epoch.
    track_gradients, track_activations : record ``grad_norms`` / ``activation_stats``.
    callback : ``callback(epoch, model, history)`` after each epoch (``epoch`` counts
        completed epochs from 1); a truthy return value stops training.
    divergence_threshold : a loss above this (or NaN/inf) stops training with a
        :class:`DivergenceWarning`; None stops only on NaN/inf.

    All arguments are checked once, before the first update; the loop itself runs
    only the formulas.  The whole-set evaluation after each epoch goes through the
    model in chunks, so afterwards ``model.activations`` holds the last chunk's
    outputs: call ``model.forward(X)`` to look at the activations of a given data set.
    """
    X, y, validation, epochs, batch_size, threshold = _check_fit_arguments(
        model, X, y, loss, optimizer, epochs, batch_size, validation, track_activations,
        callback, divergence_threshold)
    n = len(X)
    generator = as_rng(rng)

    history = History()
    dense = _dense_layers(model) if track_gradients else []
    # The first layer's dL/dX (the gradient w.r.t. the data) is never needed.
    skip_input_grad = type(model) in (Dense, Sequential)
    # Targets are validated once, below; per batch only the formula runs.
    compute = loss.compute if type(loss).compute is not Loss.compute else loss.forward

    def diverge(epoch: int, value: float) -> History:
        history.diverged = True
        history.diverged_epoch = epoch
        warnings.warn(
            f"training diverged in epoch {epoch}: loss = {value:.3g}; stopped. "
            "Try a smaller learning rate.",
            DivergenceWarning,
            stacklevel=3,
        )
        return history

    # Overflow during a diverging run is expected and reported once as a
    # DivergenceWarning, so NumPy's own floating-point warnings are silenced.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if validation is not None:
            X_val, y_val = validation
            y_val = loss.validate(model.forward(X_val), y_val, "validation y")[1]
        out = model.forward(X)
        y = loss.validate(out, y, "y")[1]
        history.initial_loss = value = compute(out, y)
        if not value <= threshold:
            return diverge(0, value)

        full_batch = batch_size == n
        # Whole-set evaluation in chunks near the batch size (see _evaluate); a
        # full-batch run evaluates in one piece, which its next update then reuses.
        eval_chunk = n if full_batch else max(batch_size, EVAL_CHUNK_ROWS)
        for epoch in range(1, epochs + 1):
            start_time = time.perf_counter()
            norm_sums = [0.0] * len(dense)
            updates_before = history.n_updates
            batches = [slice(None)] if full_batch else _batch_indices(
                n, batch_size, generator, shuffle)
            for idx in batches:
                # In full-batch mode the model and the loss still hold the forward
                # pass of the last whole-set evaluation, on the same parameters:
                # no need to repeat it (unless a callback ran other forward passes).
                if not (full_batch and callback is None):
                    value = compute(model.forward(X[idx]), y[idx])
                if not value <= threshold:
                    if math.isfinite(value):
                        history.update_loss.append(value)
                    return diverge(epoch, value)
                history.update_loss.append(value)
                grad = loss.backward()
                if skip_input_grad:
                    model.backward(grad, input_grad=False)
                else:
                    model.backward(grad)
                optimizer.step()
                history.n_updates += 1
                for k, layer in enumerate(dense):
                    norm_sums[k] += float(np.linalg.norm(layer.W.grad))

            # Validation first, so that the last forward pass -- which the next
            # full-batch update reuses -- is the one on the training set.
            if validation is not None:
                val_value, val_acc, _ = _evaluate(model, loss, compute, X_val, y_val,
                                                  eval_chunk, False)
            value, acc, stats = _evaluate(model, loss, compute, X, y, eval_chunk,
                                          track_activations)
            if not math.isfinite(value):
                return diverge(epoch, value)
            history.epoch_loss.append(value)
            if acc is not None:
                history.train_accuracy.append(acc)
            if validation is not None:
                history.val_loss.append(val_value)
                if val_acc is not None:
                    history.val_accuracy.append(val_acc)
            if track_activations:
                history.activation_stats.append(stats)
            if track_gradients:
                count = history.n_updates - updates_before
                history.grad_norms.append([total / count for total in norm_sums])
            history.epoch_time.append(time.perf_counter() - start_time)
            if value > threshold:
                return diverge(epoch, value)
            if callback is not None and callback(epoch, model, history):
                history.stopped_early = True
                break
    return history
