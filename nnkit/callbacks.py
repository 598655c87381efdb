"""Callbacks: what ``fit`` does besides the updates.

``fit`` runs the algorithm -- forward, loss, backward, step -- and nothing else. Whatever
else a run should measure or decide is a callback, passed as ``fit(..., callbacks=[...])``:
an object whose hooks ``fit`` calls at fixed points of training (each does nothing
unless a subclass overrides it):

==============================================  ==========================================
hook                                            when
==============================================  ==========================================
``on_train_begin(model, loss, X, y,             once, before the first update, with the
batch_size, validation)``                       checked data (``validation``: None or the
                                                checked pair (X_val, y_val))
``on_gradients(model, history)``                after every backward pass, before the
                                                optimiser's step: the gradients are fresh
                                                and may be changed (clipping)
``on_update(model, history)``                   after every update (the model in training
                                                mode, its gradients still in place)
``on_epoch_end(epoch, model, history)``         after every epoch (1, 2, ...), the model in
                                                evaluation mode; a truthy return stops
                                                training
``on_train_end(model, history)``                once at the end, however training ended
==============================================  ==========================================

Callbacks run in the order given; at the end of an epoch the first one that asks to stop
(or finds the run diverged) ends training, and the ones after it are not called for that
epoch. A plain function ``f(epoch, model, history)`` is accepted as an epoch-end callback.

What a callback measures goes into the :class:`~nnkit.History` that ``fit`` returns:

* :class:`EvaluateTrain` -- the loss (and accuracy) of the whole training set after every
  epoch: ``history.train_loss``, ``history.train_accuracy``;
* :class:`Validation` -- the same on the validation set, ``history.val_loss`` and
  ``history.val_accuracy`` (``fit(validation=(X_val, y_val))`` puts it first);
* :class:`EarlyStopping` -- stop once the validation loss has not improved for
  ``patience`` epochs and put back the weights of the best epoch:
  ``history.stopped_early``, ``history.best_epoch``, ``history.restored_best``.

The monitors of :mod:`nnkit.monitors` watch a run layer by layer, with the same hooks
(per epoch, one entry per layer, input to output):

==================================  ======================================================
monitor (hooks it uses)             records
==================================  ======================================================
``GradientNorms``                   ``history.grad_norms``: ‖∂J/∂W^[l]‖ of each weight
(``on_update``)                     layer, the mean over the epoch's updates
``UpdateRatios``                    ``history.update_ratios``: ‖W_new − W_old‖/‖W_old‖, the mean
(``on_gradients``: W before the     over the epoch's updates (rule of thumb: about 1e-3)
step; ``on_update``)
``ActivationStats(X)``              ``history.activation_stats``: mean, std, dead and
(``on_train_begin``,                saturated fractions of each activation layer on the
``on_epoch_end``)                   probe batch X (entry 0: at initialisation)
``NonFinite``                       ``history.nonfinite``: the update, pass (forward,
(``on_gradients``,                  loss, backward) and layer of the first NaN/inf, or
``on_train_end``)                   None
==================================  ======================================================

The weight layers' names are in ``history.weight_layers`` (see ``nnkit.monitors.walk``).
"""

from __future__ import annotations

import math

import numpy as np

from .layers import Layer
from .losses import Loss
from .validation import check_int

__all__ = [
    "Callback", "EpochFunction", "as_callback", "chunk_rows", "outputs", "evaluate",
    "EvaluateTrain", "Validation", "EarlyStopping",
]


class Callback:
    """Base class: every hook does nothing (see the table in the module docstring)."""

    def on_train_begin(self, model: Layer, loss: Loss, X: np.ndarray, y: np.ndarray,
                       batch_size: int, validation) -> None:
        """Before the first update: the checked training data and ``batch_size`` (an int;
        the number of samples for full batch), and the checked validation pair or None."""

    def on_gradients(self, model: Layer, history) -> None:
        """After each backward pass, before the optimiser's step; a callback may change
        the gradients here (clipping) or remember the weights before the step."""

    def on_update(self, model: Layer, history) -> None:
        """After each update; ``history.update_loss[-1]`` is its mini-batch loss."""

    def on_epoch_end(self, epoch: int, model: Layer, history) -> bool:
        """After epoch ``epoch`` (counted from 1); return True to stop training."""
        return False

    def on_train_end(self, model: Layer, history) -> None:
        """Once, when training ends: done, stopped early, or diverged."""


class EpochFunction(Callback):
    """A plain function ``f(epoch, model, history)`` run after every epoch; a truthy
    return value stops training."""

    def __init__(self, function):
        self.function = function

    def on_epoch_end(self, epoch, model, history) -> bool:
        return bool(self.function(epoch, model, history))


def as_callback(callback, name: str = "callback") -> Callback:
    """``callback`` itself if it is a :class:`Callback`, a plain function wrapped as an
    :class:`EpochFunction`; anything else is a TypeError that calls it ``name``."""
    if isinstance(callback, Callback):
        return callback
    if isinstance(callback, type) or not callable(callback):
        raise TypeError(
            f"{name} must be a Callback (e.g. nk.EarlyStopping(5)) or a function "
            f"f(epoch, model, history), got {callback!r}"
        )
    return EpochFunction(callback)


# ---------------------------------------------------------------- evaluation

#: Rows per chunk, at least, when a whole data set goes through the model (see evaluate).
EVAL_CHUNK_ROWS = 128


def chunk_rows(n_train: int, batch_size: int) -> int:
    """Rows per chunk when a run with these training sizes puts a whole data set through
    the model: all ``n_train`` for full-batch training, else ``batch_size`` but at least
    EVAL_CHUNK_ROWS."""
    return n_train if batch_size == n_train else max(batch_size, EVAL_CHUNK_ROWS)


def outputs(model: Layer, X: np.ndarray, chunk: int) -> np.ndarray:
    """The model's outputs on all of X (checked), computed ``chunk`` rows at a time."""
    return np.concatenate([model.forward(X[start:start + chunk])
                           for start in range(0, len(X), chunk)])


def evaluate(model: Layer, loss: Loss, X: np.ndarray, y: np.ndarray,
             chunk: int) -> tuple[float, float | None]:
    """Loss and accuracy (None unless ``loss`` classifies: ``loss.count_correct``) of ``model`` on
    all of (X, y), already checked, in chunks of ``chunk`` rows.

    Losses are means over samples, so a chunk's loss is weighted by its number of rows.
    Chunks bound memory, and they matter for speed: arrays the size of the whole data
    set do not fit in the processor's caches, and, kept alive by the layers' caches and
    freed later, they make the memory allocator hand pages back to the system and fault
    them in again; chunks close to the training batch size reuse the same memory.
    """
    total, correct, counted = 0.0, 0, 0
    for start in range(0, len(X), chunk):
        rows = slice(start, start + chunk)
        out = model.forward(X[rows])
        total += loss.forward(out, y[rows]) * len(out)
        right, seen = loss.count_correct(out, y[rows])
        correct, counted = correct + right, counted + seen
    return total / len(X), (correct / counted if counted else None)


class EvaluateTrain(Callback):
    """The loss and accuracy of the whole training set after every epoch, in
    ``history.train_loss`` and ``history.train_accuracy`` (accuracy for a loss that
    classifies: cross-entropy, BCE, BCE on logits; see ``Loss.count_correct``).

    ``history.epoch_loss`` averages the epoch's update losses, measured while the weights
    changed; this is one more forward pass over the data, with the weights at the end of
    the epoch, so that curves for different batch sizes compare on the same footing.
    It is a training loss like the update losses: if it breaks the divergence rule
    (NaN/inf or above ``nk.training.DIVERGENCE_LOSS``), training stops as diverged, and
    a NaN/inf value is not recorded.
    """

    def on_train_begin(self, model, loss, X, y, batch_size, validation) -> None:
        self.loss, self.X, self.y = loss, X, y
        self.chunk = chunk_rows(len(X), batch_size)

    def on_epoch_end(self, epoch, model, history) -> bool:
        value, accuracy = evaluate(model, self.loss, self.X, self.y, self.chunk)
        if accuracy is not None and math.isfinite(value):
            history.train_accuracy.append(accuracy)
        return history.diverges(epoch, value, history.train_loss)


class Validation(Callback):
    """The loss and accuracy of the validation set after every epoch, in
    ``history.val_loss`` and ``history.val_accuracy`` (accuracy for cross-entropy and
    BCE only).  ``fit(validation=(X_val, y_val))`` runs it first, before the
    callbacks passed to ``fit``, so that they see this epoch's validation loss."""

    def on_train_begin(self, model, loss, X, y, batch_size, validation) -> None:
        if validation is None:
            raise ValueError("Validation needs validation data: pass validation=(X_val, y_val)")
        self.loss, (self.X, self.y) = loss, validation
        self.chunk = chunk_rows(len(X), batch_size)

    def on_epoch_end(self, epoch, model, history) -> bool:
        value, accuracy = evaluate(model, self.loss, self.X, self.y, self.chunk)
        history.val_loss.append(value)
        if accuracy is not None:
            history.val_accuracy.append(accuracy)
        return False


class EarlyStopping(Callback):
    """Stop once the validation loss has not gone below its lowest value for ``patience``
    epochs in a row, and put back the weights of that best epoch (``history.best_epoch``)
    when training ends.  Needs ``fit(..., validation=(X_val, y_val))``.

    Sets ``history.stopped_early`` (through ``fit``) when it stops training and
    ``history.restored_best`` when it puts the best weights back.
    """

    def __init__(self, patience: int):
        self.patience = check_int(patience, "patience", low=1)

    def on_train_begin(self, model, loss, X, y, batch_size, validation) -> None:
        if validation is None:
            raise ValueError(
                "EarlyStopping (patience) watches the validation loss: pass "
                "validation=(X_val, y_val) to fit too")
        self.params = model.parameters()
        self.best_weights, self.best_epoch = None, 0

    def on_epoch_end(self, epoch, model, history) -> bool:
        if history.best_epoch == epoch:
            self.best_weights = [p.value.copy() for p in self.params]
            self.best_epoch = epoch
        return epoch - self.best_epoch >= self.patience

    def on_train_end(self, model, history) -> None:
        if self.best_weights is None:
            return
        for p, saved in zip(self.params, self.best_weights, strict=True):
            p.value[...] = saved
        history.restored_best = True

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience})"
