"""The training loop: ``fit`` and the ``History`` it returns.

One *update* is: forward a mini-batch, compute the loss, back-propagate, take an
optimiser step.  One *epoch* is one pass over the training set, reshuffled, in
mini-batches of ``batch_size`` samples:

* ``batch_size=None`` -- full-batch gradient descent (one update per epoch);
* ``batch_size=1``    -- stochastic gradient descent (n updates per epoch);
* ``batch_size=k``    -- mini-batch gradient descent (⌈n / k⌉ updates per epoch).

The loss recorded for an epoch is the mean of that epoch's update losses (weighted by
batch size): it costs nothing, but the parameters change while it is collected.
Anything else -- the whole training set's loss after each epoch, gradient norms, early
stopping, a function of your own -- is a callback (:mod:`nnkit.callbacks`).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .callbacks import Validation, as_callback, chunk_rows, outputs
from .layers import Layer
from .losses import Loss
from .validation import as_rng, check_int

__all__ = ["DIVERGENCE_LOSS", "DivergenceWarning", "History", "fit"]

#: A training loss above this (or NaN/inf) means the run diverged: ``fit`` stops.
DIVERGENCE_LOSS = 1e6


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the loss became NaN/inf or exceeded DIVERGENCE_LOSS."""


class History:
    """What happened during :func:`fit`: what ``fit`` records itself, then what the
    callbacks record (:mod:`nnkit.callbacks`; their lists stay empty without them).
    Accuracies are recorded for losses that classify (``Loss.count_correct``)."""

    def __init__(self):
        self.initial_loss = math.nan        # whole training set, before the first update
        self.update_loss: list[float] = []  # each update's mini-batch loss, before its step
        self.epoch_loss: list[float] = []   # per epoch: the mean of its update losses
        self.epoch_time: list[float] = []   # per epoch: seconds spent in its updates
        self.n_updates = 0                  # optimiser steps taken
        # Stopped because a training loss broke the divergence rule (see ``diverges``),
        # in epoch 1, 2, ... (0: the initial loss).
        self.diverged = False
        self.diverged_epoch: int | None = None
        self.stopped_early = False          # a callback asked to stop
        self.train_loss: list[float] = []   # EvaluateTrain: whole training set, per epoch
        self.train_accuracy: list[float] = []
        self.val_loss: list[float] = []     # fit(validation=...): per epoch
        self.val_accuracy: list[float] = []
        # The monitors (nnkit.monitors): per epoch, per weight layer (named in
        # weight_layers) or per activation layer; nonfinite: where the first NaN/inf arose.
        self.weight_layers: list[str] = []
        self.grad_norms: list[list[float]] = []     # GradientNorms: ‖∂J/∂W‖
        self.update_ratios: list[list[float]] = []  # UpdateRatios: ‖W_new − W_old‖/‖W_old‖
        self.activation_stats: list[dict] = []      # ActivationStats: entry 0 = initial
        self.nonfinite = None                       # NonFinite: a NonFiniteAt, or None
        self.restored_best = False          # EarlyStopping put best_epoch's weights back

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

    def diverges(self, epoch: int, loss: float, record: list | None = None) -> bool:
        """The divergence rule for a training loss measured in ``epoch``: True (stop) if
        it is NaN/inf or above ``DIVERGENCE_LOSS``; the run is then marked as diverged in
        ``epoch`` and one :class:`DivergenceWarning` issued.  A finite loss is appended to
        the list ``record`` first, even one above the limit (a plot shows the jump)."""
        if record is not None and math.isfinite(loss):
            record.append(loss)
        if loss <= DIVERGENCE_LOSS:
            return False
        self.diverged, self.diverged_epoch = True, epoch
        warnings.warn(f"training diverged in epoch {epoch}: loss = {loss:.3g}; stopped. "
                      "Try a smaller learning rate.", DivergenceWarning, stacklevel=3)
        return True

    def __repr__(self) -> str:
        state = "diverged" if self.diverged else "ok"
        return (f"History(epochs={self.epochs}, updates={self.n_updates}, initial_loss="
                f"{self.initial_loss:.4g}, final_loss={self.final_loss:.4g}, {state})")


# ---------------------------------------------------------------- fit

def fit(
    model: Layer,
    X,
    y,
    loss: Loss,
    optimizer,
    epochs: int = 10,
    batch_size: int | None = None,
    rng=0,
    validation=None,
    callbacks=(),
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
    rng : int seed or Generator for the order of the samples in each epoch; the same
        seed gives the same run.
    validation : optional (X_val, y_val), evaluated after every epoch.
    callbacks : :class:`~nnkit.callbacks.Callback` objects (``nk.EvaluateTrain()``,
        ``nk.EarlyStopping(5)``, ...) or functions ``f(epoch, model, history)`` called
        after every epoch (a truthy return stops training); see :mod:`nnkit.callbacks`.

    Training stops early, with a :class:`DivergenceWarning`, when a training loss is
    NaN/inf or above ``DIVERGENCE_LOSS``.  The model is in training mode
    (``model.train()``) for the updates and in evaluation mode whenever the callbacks
    run; ``fit`` returns it in evaluation mode, ready to predict.  This matters for
    layers such as :class:`~nnkit.Dropout`.

    Every argument is checked once, before the first update, through the same doors a
    user calls (``model.check_input``, ``loss.check``, on outputs computed in chunks);
    the loop runs only formulas.
    """
    _check_kinds(model, loss, optimizer)
    epochs = check_int(epochs, "epochs", low=0)
    X = _check_samples(model, X, "X")
    batch_size = len(X) if batch_size is None else check_int(
        batch_size, "batch_size", low=1, high=len(X))
    chunk = chunk_rows(len(X), batch_size)
    y, out = _check_targets(model, loss, X, y, chunk, "y")
    callbacks = _start_callbacks(callbacks, validation, model, loss, X, y, batch_size, chunk)
    generator = as_rng(rng)
    history = History()
    # Overflow in a diverging run is expected and reported once, as a DivergenceWarning.
    with np.errstate(all="ignore"):
        try:
            history.initial_loss = loss.forward(out, y)
            if history.diverges(0, history.initial_loss):
                return history
            model.train()
            for epoch in range(1, epochs + 1):
                started, total = time.perf_counter(), 0.0
                for rows in _batches(len(X), batch_size, generator):
                    out = model.forward(X[rows])
                    value = loss.forward(out, y[rows])
                    if history.diverges(epoch, value, history.update_loss):
                        return history
                    model.backward_params(loss.backward())
                    for callback in callbacks:
                        callback.on_gradients(model, history)
                    optimizer.step()
                    history.n_updates += 1
                    total += value * len(out)
                    for callback in callbacks:
                        callback.on_update(model, history)
                history.epoch_time.append(time.perf_counter() - started)
                history.epoch_loss.append(total / len(X))
                if callbacks and _epoch_end(callbacks, epoch, model, history):
                    return history
        finally:
            model.eval()
            for callback in callbacks:
                callback.on_train_end(model, history)
    return history


def _batches(n: int, batch_size: int, rng: np.random.Generator):
    """Index arrays covering 0..n-1 in a new random order, in batches of ``batch_size``;
    the whole set as one slice for full-batch training (no random draw)."""
    if batch_size == n:
        return [slice(None)]
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def _epoch_end(callbacks, epoch: int, model: Layer, history: History) -> bool:
    """Run the epoch-end callbacks, the model in evaluation mode; True (stop training) as
    soon as one asks to stop or the run has diverged."""
    model.eval()
    for callback in callbacks:
        if callback.on_epoch_end(epoch, model, history) or history.diverged:
            history.stopped_early = not history.diverged
            return True
    model.train()
    return False


# ---------------------------------------------------------------- fit's checks

def _check_kinds(model, loss, optimizer) -> None:
    if not isinstance(model, Layer):
        raise TypeError(
            f"model must be an nnkit Layer (e.g. Sequential), got {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be an nnkit loss instance such as nk.MSELoss(), got {loss!r}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step() method (e.g. nk.SGD), got {optimizer!r}")


def _check_samples(model: Layer, X, name: str) -> np.ndarray:
    """X through the model's door, with at least one sample."""
    X = model.check_input(X, name)
    if len(X) == 0:
        raise ValueError(f"{name} has no samples (0 rows)")
    return X


def _check_targets(model: Layer, loss: Loss, X: np.ndarray, y, chunk: int, name: str):
    """y through the loss's door against the model's outputs on X, computed in chunks as
    every whole data set is (see ``callbacks.evaluate``); returns y and the outputs."""
    with np.errstate(all="ignore"):  # a diverging run's weights may overflow: fit reports it
        out = outputs(model.eval(), X, chunk)
    return loss.check(out, y, name)[1], out


def _start_callbacks(callbacks, validation, model, loss, X, y, batch_size, chunk) -> list:
    """The callbacks as Callback objects, ``Validation`` first when there is validation
    data (checked here, through the same doors), each told the checked data."""
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of callbacks, got {callbacks!r}")
    callbacks = [as_callback(c, f"callbacks[{i}]") for i, c in enumerate(callbacks)]
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError("validation must be a tuple (X_val, y_val)")
        X_val = _check_samples(model, validation[0], "validation X")
        y_val = _check_targets(model, loss, X_val, validation[1], chunk, "validation y")[0]
        validation = (X_val, y_val)
        callbacks.insert(0, Validation())
    for callback in callbacks:
        callback.on_train_begin(model, loss, X, y, batch_size, validation)
    return callbacks
