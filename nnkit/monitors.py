"""Monitors: callbacks that watch a run from inside, layer by layer.

A loss curve says *that* a run goes wrong; these say *where*. Each is a
:class:`~nnkit.callbacks.Callback` passed to ``fit(..., callbacks=[...])`` and records
into the :class:`~nnkit.History`:

* :class:`GradientNorms` -- ‖∂J/∂W^[l]‖ per weight layer (``history.grad_norms``);
* :class:`UpdateRatios` -- ‖W^[l]_new − W^[l]_old‖ / ‖W^[l]_old‖, the size of each step
  relative to the weights it changes, per weight layer (``history.update_ratios``); the
  rule of thumb is :data:`UPDATE_RATIO_RULE` = 1e-3 (cs231n);
* :class:`ActivationStats` -- on a fixed probe batch after every epoch, per activation
  layer: the mean and standard deviation of a^[l], the fraction of *dead* units (flat for
  every probe sample: a ReLU that outputs 0, a sigmoid or tanh whose slope is below 5 % of
  its peak) and the fraction of *saturated* outputs (unit-sample pairs where g'(z) < 5 %
  of its peak);
* :class:`NonFinite` -- the first NaN/inf of the run and where it came from: the forward
  pass of a layer, the loss, or the backward pass (``history.nonfinite``).

They work on any model built from nnkit layers, nested or not: :func:`walk` finds the
layers through :class:`~nnkit.Sequential` and any layer that holds others; a *weight
layer* is one with a parameter ``W`` (e.g. :class:`~nnkit.Dense`), an *activation layer*
one whose class is in :data:`FLATNESS` (ReLU, Sigmoid, Tanh). Outputs are read from the
``activations`` every Sequential keeps of its last forward pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .activations import ReLU, Sigmoid, Tanh
from .callbacks import Callback, chunk_rows
from .layers import Layer, Parameter, Sequential

__all__ = [
    "FLATNESS", "SATURATION", "UPDATE_RATIO_RULE",
    "ActivationStats", "GradientNorms", "LayerStats", "NonFinite", "NonFiniteAt",
    "PerWeightLayer", "UpdateRatios",
    "activation_layers", "activation_stats", "first_nonfinite", "walk", "weight_layers",
]

#: The rule of thumb for ‖W_new − W_old‖/‖W_old‖ per update (cs231n): far below, learning
#: crawls; far above, the weights are thrown around.
UPDATE_RATIO_RULE = 1e-3

#: An output counts as saturated where g'(z) is below this fraction of its peak.
SATURATION = 0.05

#: For each activation class, where its slope is flat, computed from its output a:
#: ReLU where a = 0; sigmoid where a(1 − a) < 5 % of 1/4; tanh where 1 − a² < 5 % of 1.
FLATNESS: dict[type, Callable[[np.ndarray], np.ndarray]] = {
    ReLU: lambda a: a <= 0,
    Sigmoid: lambda a: a * (1 - a) < SATURATION * 0.25,
    Tanh: lambda a: 1 - a * a < SATURATION,
}


# ---------------------------------------------------------------- finding the layers

def walk(model: Layer, prefix: str = "") -> Iterator[tuple[str, Layer, np.ndarray | None]]:
    """Every layer inside ``model`` in the order the forward pass computes them (a layer
    after the layers it holds), as ``(name, layer, output)``: the name is its path of
    indices and its class (``"2 Dense"``, ``"3.1 ReLU"``), the output the one its
    Sequential kept of the last forward pass (None where no Sequential holds it)."""
    if not isinstance(model, Layer):
        raise TypeError(f"model must be an nnkit Layer, got {type(model).__name__}")
    kept = model.activations if isinstance(model, Sequential) else []
    for i, child in enumerate(model.children()):
        path = f"{prefix}{i}"
        yield from walk(child, path + ".")
        output = kept[i] if i < len(kept) else None
        yield f"{path} {type(child).__name__}", child, output


def weight_layers(model: Layer) -> list[tuple[str, Layer]]:
    """``(name, layer)`` of every layer with a weight matrix W, input to output (the model
    itself when it is one such layer, e.g. a lone Dense)."""
    everything = [(name, layer) for name, layer, _ in walk(model)] or [
        (type(model).__name__, model)]
    return [(name, layer) for name, layer in everything
            if isinstance(getattr(layer, "W", None), Parameter)]


def activation_layers(model: Layer) -> list[tuple[str, Layer]]:
    """``(name, layer)`` of every activation layer :data:`FLATNESS` knows, input to output."""
    return [(name, layer) for name, layer, _ in walk(model) if type(layer) in FLATNESS]


# ---------------------------------------------------------------- per weight layer

class PerWeightLayer(Callback):
    """Shared plumbing of the monitors that measure one number per weight layer and
    update: a subclass computes it in :meth:`measure`; the epoch's mean per layer is
    appended to the History list named ``record``, the layers' names to
    ``history.weight_layers``."""

    record = ""

    def on_train_begin(self, model, loss, X, y, batch_size, validation) -> None:
        named = weight_layers(model)
        self.weights = [layer.W for _, layer in named]
        self.names = [name for name, _ in named]
        self.sums, self.updates = [0.0] * len(self.weights), 0

    def measure(self, k: int, W: Parameter) -> float:
        """The number for weight layer k after an update."""
        raise NotImplementedError

    def on_update(self, model, history) -> None:
        for k, W in enumerate(self.weights):
            self.sums[k] += self.measure(k, W)
        self.updates += 1

    def on_epoch_end(self, epoch, model, history) -> bool:
        history.weight_layers = self.names
        getattr(history, self.record).append([total / self.updates for total in self.sums])
        self.sums, self.updates = [0.0] * len(self.weights), 0
        return False


class GradientNorms(PerWeightLayer):
    """For each weight layer, the Frobenius norm ‖∂J/∂W^[l]‖ averaged over the epoch's
    updates: ``history.grad_norms[e][l]`` for epoch e + 1 and weight layer l (counted from
    the input; their names in ``history.weight_layers``)."""

    record = "grad_norms"

    def measure(self, k, W) -> float:
        return float(np.linalg.norm(W.grad))


class UpdateRatios(PerWeightLayer):
    """‖W^[l]_after − W^[l]_before‖ / ‖W^[l]_before‖ (Frobenius norms) for each weight
    layer, averaged over the epoch's updates: ``history.update_ratios[e][l]`` for epoch
    e + 1, with the layers named in ``history.weight_layers``.  The weights are copied in
    ``on_gradients``, just before the optimiser's step."""

    record = "update_ratios"

    def on_gradients(self, model, history) -> None:
        self.before = [W.value.copy() for W in self.weights]

    def measure(self, k, W) -> float:
        old = self.before[k]
        return float(np.linalg.norm(W.value - old) / np.linalg.norm(old))


# ---------------------------------------------------------------- activation statistics

@dataclass(frozen=True)
class LayerStats:
    """What one activation layer's outputs a (probe samples × units) look like."""

    mean: float       # mean of a
    std: float        # standard deviation of a
    dead: float       # fraction of units flat for every probe sample
    saturated: float  # fraction of (sample, unit) pairs where the slope is flat


def activation_stats(model: Layer, X) -> dict[str, LayerStats]:
    """The :class:`LayerStats` of every activation layer of ``model`` on the probe batch
    X (n × n_0), computed in evaluation mode; keys are the layers' names (see :func:`walk`).
    Only layers whose outputs a Sequential keeps are measured."""
    X = model.check_input(X, "probe X")
    training = model.training
    with np.errstate(all="ignore"):
        model.eval().forward(X)
    model.train(training)
    stats = {}
    for name, layer, a in walk(model):
        if type(layer) in FLATNESS and a is not None:
            flat = FLATNESS[type(layer)](a.reshape(len(a), -1))
            stats[name] = LayerStats(float(a.mean()), float(a.std()),
                                     float(flat.all(axis=0).mean()), float(flat.mean()))
    return stats


class ActivationStats(Callback):
    """After every epoch (and once before the first update), :func:`activation_stats` on
    the fixed probe batch X: ``history.activation_stats[e]`` maps each activation layer's
    name to its :class:`LayerStats`; entry 0 is the initialisation, entry e epoch e.

    A dead ReLU passes back a gradient of exactly 0 for every probe sample, so its own
    weights get no gradient from them; it can still come back when the layers before it
    change (or momentum keeps moving its weights), and the probe is only a sample of the
    inputs. A flat sigmoid or tanh unit (slope below 5 % of its peak) still passes a
    little gradient: it learns slowly rather than not at all."""

    def __init__(self, X):
        self.X = X

    def on_train_begin(self, model, loss, X, y, batch_size, validation) -> None:
        self.X = model.check_input(self.X, "ActivationStats' probe X")
        self.initial = activation_stats(model, self.X)

    def on_epoch_end(self, epoch, model, history) -> bool:
        if not history.activation_stats:
            history.activation_stats.append(self.initial)
        history.activation_stats.append(activation_stats(model, self.X))
        return False


# ---------------------------------------------------------------- the first NaN/inf

@dataclass(frozen=True)
class NonFiniteAt:
    """Where a run's first non-finite value appeared: in ``update`` -- 0 for the pass
    ``fit`` makes over the whole training set to measure the initial loss, before any
    weight has changed; k = 1, 2, ... for the k-th update's mini-batch -- in the ``stage``
    "forward" (the output of ``layer``), "loss", or "backward" (the gradient ∂J/∂W or
    ∂J/∂b of ``layer``)."""

    update: int
    stage: str
    layer: str

    def __str__(self) -> str:
        where = "the loss" if self.stage == "loss" else f"{self.stage} pass of layer {self.layer}"
        return f"update {self.update}: {where}"


def _finite(a) -> bool:
    return bool(np.isfinite(a).all())


def first_nonfinite(model: Layer, update: int = 0, backward: bool = True) -> NonFiniteAt | None:
    """Where the last forward (and, with ``backward``, backward) pass of ``model`` first
    produced a NaN/inf: the first layer, in the order of the forward pass, whose output is
    not finite, else the first weight layer, from the output down (the order of the
    backward pass), with a non-finite parameter gradient; None if every value is finite."""
    for name, _, output in walk(model):
        if output is not None and not _finite(output):
            return NonFiniteAt(update, "forward", name)
    if backward:
        # Only layers that hold no other layers: a container's parameters are its parts'.
        named = [(name, layer) for name, layer, _ in walk(model)
                 if layer.parameters() and not layer.children()]
        for name, layer in reversed(named):
            if not all(_finite(p.grad) for p in layer.parameters()):
                return NonFiniteAt(update, "backward", name)
    return None


class NonFinite(Callback):
    """Watches every update for the first NaN/inf and records where it came from in
    ``history.nonfinite`` (a :class:`NonFiniteAt`; None while all is finite).

    After each backward pass it checks that update's forward outputs, then the gradients.
    When a run stops because a loss is NaN/inf (``fit`` then skips the backward pass):

    * the initial loss (update 0): it repeats the pass ``fit`` made -- the whole training
      set in the same chunks, in evaluation mode, the weights untouched -- and checks
      each chunk's outputs in turn, so that no forward pass of another callback (the
      probe batch of :class:`ActivationStats`, the validation set) is taken for it;
    * the loss of update k: the model still holds that mini-batch's forward pass (fit
      returns at once; only the callbacks' ``on_train_end`` hooks run before this one's,
      and none of nnkit's runs a forward pass);
    * the whole training set's loss after an epoch (:class:`~nnkit.EvaluateTrain`): it
      repeats that pass and records it as update k, the last update before it.

    If every output of the pass is finite, it blames the loss."""

    def on_train_begin(self, model, loss, X, y, batch_size, validation) -> None:
        self.found = None
        self.X, self.chunk = X, chunk_rows(len(X), batch_size)

    def on_gradients(self, model, history) -> None:
        if self.found is None:
            self.found = first_nonfinite(model, history.n_updates + 1)

    def _own_pass(self, model, update: int) -> NonFiniteAt | None:
        """The training set through ``model`` in fit's chunks: the first non-finite output."""
        training = model.training
        model.eval()
        try:
            with np.errstate(all="ignore"):
                for start in range(0, len(self.X), self.chunk):
                    model.forward(self.X[start:start + self.chunk])
                    found = first_nonfinite(model, update, backward=False)
                    if found is not None:
                        return found
        finally:
            model.train(training)
        return None

    def on_train_end(self, model, history) -> None:
        if self.found is None and history.diverged:
            epoch = history.diverged_epoch
            if epoch == 0:
                if not math.isfinite(history.initial_loss):
                    self.found = (self._own_pass(model, 0)
                                  or NonFiniteAt(0, "loss", "loss"))
            elif history.epochs < epoch:
                # An update's loss broke the rule: fit records a finite one only.
                if len(history.update_loss) == history.n_updates:
                    self.found = (first_nonfinite(model, history.n_updates + 1, backward=False)
                                  or NonFiniteAt(history.n_updates + 1, "loss", "loss"))
            elif history.train_loss and len(history.train_loss) < epoch:
                self.found = (self._own_pass(model, history.n_updates)
                              or NonFiniteAt(history.n_updates, "loss", "loss"))
        history.nonfinite = self.found
