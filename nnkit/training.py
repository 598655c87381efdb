"""The training loop: ``fit`` and the ``History`` it returns, plus small helpers.

One *update* is: forward a mini-batch, compute the loss, back-propagate, take an
optimiser step.  One *epoch* is one pass over the training set in mini-batches of
``batch_size`` samples:

* ``batch_size=None`` -- full-batch gradient descent (one update per epoch);
* ``batch_size=1``    -- stochastic gradient descent (n updates per epoch);
* ``batch_size=k``    -- mini-batch gradient descent (⌈n / k⌉ updates per epoch).

The loss recorded for an epoch is, by default, the mean of that epoch's update losses
(weighted by batch size): it costs nothing, but the parameters change while it is
collected.  ``evaluate_train=True`` records instead the loss (and accuracy) of the
whole training set after the epoch, one more forward pass over the data, so curves for
different batch sizes can be compared on the same footing.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings

import numpy as np

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

__all__ = ["DivergenceWarning", "History", "fit", "accuracy", "one_hot"]


# Rows per chunk when fit evaluates a whole data set (see _evaluate).
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
        ``epoch_loss[i]`` is the training loss of epoch ``i + 1``: the mean of its update
        losses, or with ``evaluate_train=True`` the whole-training-set loss after it.
    update_loss : list of float
        The mini-batch loss of every update (computed before that update's step).
    train_accuracy, val_loss, val_accuracy : list of float
        Per epoch; accuracies only for classification losses (cross-entropy, BCE),
        training accuracy only with ``evaluate_train=True``, validation entries only
        when ``validation`` data was given.
    grad_norms : list of list of float
        Per epoch (with ``track_gradients=True``): for each Dense layer, the
        Frobenius norm ‖dL/dW‖ averaged over the epoch's updates.
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
        True if the callback asked to stop, or early stopping ran out of patience.
    restored_best : bool
        True if ``fit`` (with ``patience``) left the model with the weights of
        :attr:`best_epoch`.
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
        self.epoch_time: list[float] = []
        self.diverged = False
        self.diverged_epoch: int | None = None
        self.stopped_early = False
        self.restored_best = False
        self.n_updates = 0

    @property
    def epochs(self) -> int:
        """Number of completed (recorded) epochs."""
        return len(self.epoch_loss)

    @property
    def best_epoch(self) -> int | None:
        """The (1-based) epoch with the lowest validation loss, the first one if tied;
        None without validation data."""
        if not self.val_loss:
            return None
        return int(np.argmin(self.val_loss)) + 1

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


def _batches(n: int, batch_size: int, rng: np.random.Generator, shuffle: bool):
    """Index arrays (or slices, when not shuffling) covering 0..n-1 in batches; the
    whole set as one slice for full-batch training (no random draw)."""
    if batch_size == n:
        return [slice(None)]
    if not shuffle:
        return [slice(start, start + batch_size) for start in range(0, n, batch_size)]
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _dense_layers(model: Layer) -> list[Dense]:
    if isinstance(model, Dense):
        return [model]
    if isinstance(model, Sequential):
        return [d for layer in model.layers for d in _dense_layers(layer)]
    return []


def _formula(loss: Loss):
    """The loss's formula without its checks (targets are validated once, up front)."""
    return loss.compute if type(loss).compute is not Loss.compute else loss.forward


def _count_correct(loss: Loss, out: np.ndarray, y: np.ndarray) -> tuple[int, int]:
    """(correct predictions, predictions) for a classification loss, else (0, 0)."""
    if isinstance(loss, CrossEntropyLoss):
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        return int(np.count_nonzero(out.argmax(axis=1) == labels)), len(labels)
    if isinstance(loss, BCELoss):
        return int(np.count_nonzero((out >= 0.5) == (y >= 0.5))), y.size
    return 0, 0


def _evaluate(model: Layer, loss: Loss, X, y, chunk: int):
    """Loss and accuracy (None for regression) of ``model`` on all of (X, y).

    The data go through in chunks of ``chunk`` rows.  Besides bounding memory, this
    matters for speed: arrays the size of the whole data set, kept alive by the
    layers' caches and freed in the next epoch, make the memory allocator hand pages
    back to the system and fault them in again every epoch; chunks close to the
    training batch size reuse the same memory.  Losses are means over samples, so a
    chunk's loss is weighted by its number of rows.
    """
    compute = _formula(loss)
    total, correct, counted = 0.0, 0, 0
    for start in range(0, len(X), chunk):
        rows = slice(start, start + chunk)
        out = model.forward(X[rows])
        total += compute(out, y[rows]) * len(out)
        right, seen = _count_correct(loss, out, y[rows])
        correct, counted = correct + right, counted + seen
    return total / len(X), (correct / counted if counted else None)


class _Epoch:
    """What one epoch's updates add up to: their losses and, if tracked, the
    Frobenius norms of the Dense layers' weight gradients."""

    def __init__(self, history: History, dense: list[Dense]):
        self.history, self.dense = history, dense
        self.total, self.updates = 0.0, 0
        self.norm_sums = [0.0] * len(dense)
        self.started = time.perf_counter()

    def update(self, value: float, rows: int) -> None:
        self.history.update_loss.append(value)
        self.history.n_updates += 1
        self.total += value * rows
        self.updates += 1
        for k, layer in enumerate(self.dense):
            self.norm_sums[k] += float(np.linalg.norm(layer.W.grad))

    def grad_norms(self) -> list[float]:
        return [total / self.updates for total in self.norm_sums]


def _diverged(history: History, epoch: int, value: float, in_update: bool = False) -> History:
    """Mark ``history`` as diverged in ``epoch`` and warn once (the caller stops).

    An update's loss that jumped above the threshold but is finite is still recorded."""
    if in_update and math.isfinite(value):
        history.update_loss.append(value)
    history.diverged = True
    history.diverged_epoch = epoch
    warnings.warn(
        f"training diverged in epoch {epoch}: loss = {value:.3g}; stopped. "
        "Try a smaller learning rate.",
        DivergenceWarning,
        stacklevel=3,
    )
    return history


# ---------------------------------------------------------------- fit

def _check_fit_arguments(model, X, y, loss, optimizer, epochs, batch_size, validation,
                         callback, divergence_threshold, patience):
    """Check everything ``fit`` receives, once, before any training; return the
    cleaned (X, y, validation, epochs, batch_size, threshold, patience)."""
    if not isinstance(model, Layer):
        raise TypeError(
            f"model must be an nnkit Layer (e.g. Sequential), got {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(
            f"loss must be an nnkit loss instance such as nk.MSELoss(), got {loss!r}"
        )
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step() method (e.g. nk.SGD), got {optimizer!r}")
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
    if patience is not None:
        patience = check_int(patience, "patience", low=1)
        if validation is None:
            raise ValueError(
                "patience (early stopping) watches the validation loss: pass "
                "validation=(X_val, y_val) too")
    return X, y, validation, epochs, batch_size, threshold, patience


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
    evaluate_train: bool = False,
    track_gradients: bool = False,
    callback=None,
    divergence_threshold: float | None = 1e6,
    patience: int | None = None,
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
    evaluate_train : record the whole-training-set loss and accuracy after every
        epoch (one more forward pass over the data) instead of the mean update loss.
    track_gradients : record ``grad_norms``.
    callback : ``callback(epoch, model, history)`` after each epoch (``epoch`` counts
        completed epochs from 1); a truthy return value stops training.
    divergence_threshold : a loss above this (or NaN/inf) stops training with a
        :class:`DivergenceWarning`; None stops only on NaN/inf.
    patience : early stopping (needs ``validation``): training stops once the
        validation loss has not gone below its lowest value for ``patience`` epochs
        in a row, and the weights of that best epoch (``history.best_epoch``) are put
        back when ``fit`` returns; None trains for all ``epochs``.

    The model is in training mode (``model.train()``) for the updates and in
    evaluation mode (``model.eval()``) whenever whole data sets are evaluated; ``fit``
    returns it in evaluation mode, ready to predict.  This matters for layers such as
    :class:`~nnkit.Dropout`.

    All arguments are checked once, before the first update; the loop itself runs
    only the formulas.
    """
    X, y, validation, epochs, batch_size, threshold, patience = _check_fit_arguments(
        model, X, y, loss, optimizer, epochs, batch_size, validation, callback,
        divergence_threshold, patience)
    n = len(X)
    generator = as_rng(rng)
    compute = _formula(loss)
    dense = _dense_layers(model) if track_gradients else []
    chunk = n if batch_size == n else max(batch_size, EVAL_CHUNK_ROWS)
    history = History()

    # Overflow during a diverging run is expected and reported once as a
    # DivergenceWarning, so NumPy's own floating-point warnings are silenced.
    model.eval()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), \
            _finishing(model, history, patience) as best:
        if validation is not None:
            X_val, y_val = validation
            y_val = loss.validate(model.forward(X_val), y_val, "validation y")[1]
        out = model.forward(X)
        y = loss.validate(out, y, "y")[1]
        history.initial_loss = compute(out, y)
        if not history.initial_loss <= threshold:
            return _diverged(history, 0, history.initial_loss)

        for epoch in range(1, epochs + 1):
            record = _Epoch(history, dense)
            model.train()
            for idx in _batches(n, batch_size, generator, shuffle):
                out = model.forward(X[idx])
                value = compute(out, y[idx])
                if not value <= threshold:
                    return _diverged(history, epoch, value, in_update=True)
                model.backward(loss.backward(), input_grad=False)
                optimizer.step()
                record.update(value, len(out))

            model.eval()
            if evaluate_train:
                value, acc = _evaluate(model, loss, X, y, chunk)
            else:
                value, acc = record.total / n, None
            if not math.isfinite(value):
                return _diverged(history, epoch, value)
            history.epoch_loss.append(value)
            if acc is not None:
                history.train_accuracy.append(acc)
            if validation is not None:
                val_loss, val_acc = _evaluate(model, loss, X_val, y_val, chunk)
                history.val_loss.append(val_loss)
                if val_acc is not None:
                    history.val_accuracy.append(val_acc)
            if track_gradients:
                history.grad_norms.append(record.grad_norms())
            history.epoch_time.append(time.perf_counter() - record.started)
            if value > threshold:
                return _diverged(history, epoch, value)
            if callback is not None and callback(epoch, model, history):
                history.stopped_early = True
                break
            if best is not None and best.out_of_patience(history, patience):
                history.stopped_early = True
                break
    return history


class _BestWeights:
    """Early stopping's memory: a copy of the weights at the lowest validation loss."""

    def __init__(self, model: Layer):
        self.params = model.parameters()
        self.saved = None
        self.epoch = 0

    def out_of_patience(self, history: History, patience: int) -> bool:
        """Copy the weights if this epoch is the best so far; True once ``patience``
        epochs have passed without a new best."""
        if history.best_epoch == history.epochs:
            self.saved = [p.value.copy() for p in self.params]
            self.epoch = history.epochs
        return history.epochs - self.epoch >= patience

    def restore(self, history: History) -> None:
        """Put the best epoch's weights back into the model."""
        if self.saved is None:
            return
        for p, saved in zip(self.params, self.saved, strict=True):
            p.value[...] = saved
        history.restored_best = True


@contextlib.contextmanager
def _finishing(model: Layer, history: History, patience: int | None):
    """Around the training loop: however ``fit`` leaves it (done, stopped, diverged),
    put back the best weights when stopping early, and leave the model in evaluation
    mode."""
    best = _BestWeights(model) if patience is not None else None
    try:
        yield best
    finally:
        if best is not None:
            best.restore(history)
        model.eval()
