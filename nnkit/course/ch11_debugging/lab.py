"""The experiments of chapter 11: when training goes wrong.

* :func:`spirals_data`, :func:`network` and :func:`train` -- the chapter's problem (three
  interleaved spirals, C = 3 balanced classes), its healthy network (2-32-32-3, ReLU, He
  initialisation) and one training run with every monitor of :mod:`nnkit.monitors`;
* :func:`first_checks` -- the checks made before any long run: the loss at
  initialisation against ln C, an input-independent baseline, overfitting one small
  batch, the gradient check;
* :data:`BUGS` and :func:`gallery_run` -- the gallery: each bug as a realistic broken
  run, beside the run with the fix, and the verdicts on the monitors that identify it
  (:attr:`GalleryRun.signature`).

Every run is seeded and trains in float64 with a fixed mini-batch order. Runs that
diverge or oscillate are summarised by verdicts with wide margins (an order of magnitude
at least), never by their digits.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

import nnkit as nk
from nnkit.monitors import UPDATE_RATIO_RULE

__all__ = [
    "BUGS",
    "EPOCHS",
    "N_CLASSES",
    "FirstChecks",
    "GalleryRun",
    "Standardise",
    "first_checks",
    "gallery_run",
    "nan_run",
    "network",
    "softmax_floor",
    "spirals_data",
    "train",
]

N_CLASSES = 3
N_TRAIN, N_VALIDATION, N_TEST, N_PROBE = 300, 150, 600, 100
EPOCHS = 40
BATCH_SIZE = 32
LEARNING_RATE = 0.05
MOMENTUM = 0.9


def spirals_data(n_train: int = N_TRAIN, noise: float = 0.2):
    """``(X_train, y_train, X_val, y_val, X_test, y_test)``: three noisy spirals, inputs
    of standard deviation about 0.4, drawn once and dealt into parts that never share a
    point (validation and test have seeds of their own)."""
    X, y = nk.datasets.spirals(n_train, n_classes=N_CLASSES, noise=noise, rng=0)
    X_val, y_val = nk.datasets.spirals(N_VALIDATION, n_classes=N_CLASSES, noise=noise, rng=1)
    X_test, y_test = nk.datasets.spirals(N_TEST, n_classes=N_CLASSES, noise=noise, rng=2)
    return X, y, X_val, y_val, X_test, y_test


def network(depth: int = 2, width: int = 32, activation: str = "relu", dropout: float = 0.0,
            bias: float = 0.0, outputs: int = N_CLASSES, seed: int = 0) -> nk.Sequential:
    """``depth`` hidden layers of ``width`` units (the default initialisation for the
    activation: He for ReLU, Xavier otherwise), each optionally followed by Dropout(p),
    every hidden bias set to ``bias``; a linear output layer of ``outputs`` units."""
    model = nk.mlp([2] + [width] * depth + [outputs], activation=activation, rng=seed)
    layers = []
    for layer in model.layers:
        layers.append(layer)
        if isinstance(layer, nk.Dense) and layer is not model.layers[-1]:
            layer.b.value[...] = bias
        if dropout and type(layer).__name__ != "Dense":
            layers.append(nk.Dropout(dropout, rng=seed))
    return nk.Sequential(*layers)


def train(model: nk.Layer, data, loss=None, lr: float = LEARNING_RATE, epochs: int = EPOCHS,
          X_probe=None) -> nk.History:
    """Train ``model`` on ``data = (X, y, X_val, y_val)`` with SGD (momentum 0.9, batches
    of 32) and every monitor: EvaluateTrain, validation, GradientNorms, UpdateRatios,
    ActivationStats on ``X_probe`` (default: the first 100 training inputs), NonFinite.
    A diverging run stops as ``fit`` stops it; its warning is silenced (the history says)."""
    X, y, X_val, y_val = data
    loss = loss or nk.CrossEntropyLoss()
    probe = X[:N_PROBE] if X_probe is None else X_probe
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        return nk.fit(model, X, y, loss, nk.SGD(model.parameters(), lr=lr, momentum=MOMENTUM),
                      epochs=epochs, batch_size=BATCH_SIZE, rng=0, validation=(X_val, y_val),
                      callbacks=[nk.EvaluateTrain(), nk.GradientNorms(), nk.UpdateRatios(),
                                 nk.ActivationStats(probe), nk.NonFinite()])


# ---------------------------------------------------------------- the first checks

@dataclass
class FirstChecks:
    """The checks before a long run (see :func:`first_checks`)."""

    initial_loss: float        # cross-entropy of the untrained network
    expected_initial: float    # ln C
    baseline_loss: float       # the same network trained on zeroed inputs
    real_loss: float           # trained on the real inputs, same steps
    one_batch_loss: float      # after overfitting one small batch
    gradcheck_error: float     # relative error of backprop against finite differences


def first_checks(one_batch: int = 8, steps: int = 300) -> FirstChecks:
    """The initial loss against ln C; an input-independent baseline (the network trained
    on inputs set to zero, which can learn only the class frequencies) against the same
    training on the real inputs; ``steps`` full-batch updates on ``one_batch`` samples;
    and ``nk.gradcheck`` of the real network on five samples."""
    X, y, X_val, y_val, _, _ = spirals_data()
    loss = nk.CrossEntropyLoss()
    untrained = network()
    initial = loss.forward(untrained.eval().forward(X), y)
    blind = train(network(), (np.zeros_like(X), y, np.zeros_like(X_val), y_val))
    real = train(network(), (X, y, X_val, y_val))
    small = network()
    nk.fit(small, X[:one_batch], y[:one_batch], loss,
           nk.SGD(small.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM), epochs=steps)
    one_batch_loss = loss.forward(small.forward(X[:one_batch]), y[:one_batch])
    error = nk.gradcheck(network(), loss, X[:5], y[:5])
    return FirstChecks(initial, math.log(N_CLASSES), blind.train_loss[-1],
                       real.train_loss[-1], one_batch_loss, error)


# ---------------------------------------------------------------- a NaN and where it came from

class Standardise(nk.Layer):
    """A layer a user might write: each unit standardised over the batch,
    y = (x − mean) / std, *without* the small ε that normalisation layers add to std.
    A unit that outputs the same value for the whole batch (a dead ReLU) gets 0/0 = NaN.

    Shapes: X (n, units) -> (n, units); backward: ∂J/∂x = (g − mean(g) − y·mean(g·y)) / std.
    """

    def forward(self, X):
        std = X.std(axis=0)
        out = (X - X.mean(axis=0)) / std
        self.cache = (out, std)
        return out

    def backward(self, grad_out):
        out, std = self.cache
        return (grad_out - grad_out.mean(axis=0)
                - out * (grad_out * out).mean(axis=0)) / std


def nan_run(bias: float = -3.0) -> nk.History:
    """The healthy network with :class:`Standardise` after its first ReLU and every hidden
    bias at ``bias``: with bias −3 some units are dead for the whole first batch, and the
    forward pass of the Standardise layer divides 0 by 0."""
    X, y, X_val, y_val, _, _ = spirals_data()
    model = network(bias=bias)
    layers = list(model.layers)
    return train(nk.Sequential(*layers[:2], Standardise(), *layers[2:]), (X, y, X_val, y_val))


# ---------------------------------------------------------------- the gallery

def softmax_floor(n_classes: int = N_CLASSES) -> float:
    """The lowest cross-entropy a network can reach when its outputs already went through
    a softmax that the loss applies again: its probabilities lie in [0, 1], so the best
    logit gap is 1 and the loss is at least ln((e + C − 1)/e)."""
    return math.log((math.e + n_classes - 1) / math.e)


#: The gallery: each bug, in one line.
BUGS: dict[str, str] = {
    "none": "the healthy run",
    "shuffled labels": "the labels were shuffled apart from their inputs",
    "unscaled inputs": "the inputs are in centimetres (×100), not standardised",
    "learning rate too high": "η = 10 instead of 0.05",
    "dead ReLUs": "every hidden bias starts at −3",
    "softmax twice": "nk.Softmax() at the end, before CrossEntropyLoss (which applies it)",
    "wrong loss": "BCEWithLogitsLoss (which applies σ) after a Sigmoid output (two spirals)",
    "forgotten eval()": "a dropout network evaluated in training mode",
    "validation leak": "the validation set is a copy of training points",
    "vanishing gradient": "eight sigmoid hidden layers",
}


@dataclass
class GalleryRun:
    """A bug's broken run and the run with its fix, and the verdicts that identify it:
    ``signature`` is a list of (claim, holds) pairs; ``extra`` keeps measurements the
    verdicts are computed from."""

    bug: str
    broken: nk.History
    fixed: nk.History
    signature: list[tuple[str, bool]]
    extra: dict = field(default_factory=dict)

    @property
    def identified(self) -> bool:
        """Every claim of the signature holds."""
        return all(holds for _, holds in self.signature)


def _ratio_first_last(history: nk.History, epoch: int = 0) -> float:
    norms = history.grad_norms[epoch]
    return norms[0] / norms[-1]


def _near_rule(ratios) -> bool:
    """Every update ratio within a factor 10 of the rule of thumb."""
    return all(UPDATE_RATIO_RULE / 10 < r < UPDATE_RATIO_RULE * 10 for r in ratios)


def _dead(history: nk.History, entry: int = 0) -> float:
    """The largest dead fraction over the activation layers at ``entry`` (0: the start)."""
    return max(s.dead for s in history.activation_stats[entry].values())


def _mode_accuracy(model: nk.Layer, X, y, training: bool) -> float:
    model.train(training)
    right = nk.accuracy(model.forward(X), y)
    model.eval()
    return right


def gallery_run(bug: str) -> GalleryRun:
    """Train the broken run of ``bug`` (a key of :data:`BUGS`) and its fix; compute the
    verdicts of its signature."""
    if bug not in BUGS:
        raise ValueError(f"bug: expected one of {sorted(BUGS)}, got {bug!r}")
    X, y, X_val, y_val, X_test, y_test = spirals_data()
    data = (X, y, X_val, y_val)
    healthy = train(network(), data)
    ln_c = math.log(N_CLASSES)
    if bug == "none":
        return GalleryRun(bug, healthy, healthy, [
            ("loss at initialisation within a factor 1.5 of ln C",
             healthy.initial_loss < 1.5 * ln_c),
            ("update ratios within 10× of 1e-3 in every layer, last epoch",
             _near_rule(healthy.update_ratios[-1])),
            ("no layer with half its units dead", _dead(healthy, -1) < 0.5),
            ("validation accuracy above 90 %", healthy.val_accuracy[-1] > 0.9),
        ])
    if bug == "shuffled labels":
        shuffled = np.random.default_rng(5).permutation(y)
        broken = train(network(), (X, shuffled, X_val, y_val))
        return GalleryRun(bug, broken, healthy, [
            ("training loss still above 0.8 ln C", broken.train_loss[-1] > 0.8 * ln_c),
            ("validation accuracy within 0.1 of chance (1/C)",
             abs(broken.val_accuracy[-1] - 1 / N_CLASSES) < 0.1),
            ("update ratios within 10× of 1e-3 in every layer, last epoch",
             _near_rule(broken.update_ratios[-1])),
            ("no layer with half its units dead", _dead(broken, -1) < 0.5),
        ])
    if bug == "unscaled inputs":
        broken = train(network(), (100 * X, y, 100 * X_val, y_val))
        return GalleryRun(bug, broken, healthy, [
            ("loss at initialisation above 10 ln C", broken.initial_loss > 10 * ln_c),
            ("first-layer update ratio in epoch 1 above 10× the rule (1e-2)"
             if broken.update_ratios else "diverged before the end of epoch 1",
             broken.update_ratios[0][0] > 10 * UPDATE_RATIO_RULE if broken.update_ratios
             else broken.diverged),
        ])
    if bug == "learning rate too high":
        broken = train(network(), data, lr=10.0)
        return GalleryRun(bug, broken, healthy, [
            ("loss at initialisation within a factor 1.5 of ln C",
             broken.initial_loss < 1.5 * ln_c),
            ("update ratios in epoch 1 above 0.1 (100× the rule) in every layer",
             min(broken.update_ratios[0]) > 100 * UPDATE_RATIO_RULE),
            ("training loss ends above ln C, the loss of a uniform guess",
             broken.train_loss[-1] > ln_c),
        ])
    if bug == "dead ReLUs":
        broken = train(network(bias=-3.0), data)
        return GalleryRun(bug, broken, healthy, [
            ("at initialisation every unit of every ReLU layer dead",
             min(s.dead for s in broken.activation_stats[0].values()) == 1),
            ("every gradient norm exactly 0", not np.any(broken.grad_norms)),
            # The weights do not move at all; a relative 1e-9 leaves room for rounding.
            ("every update ratio below 1e-9", np.max(broken.update_ratios) < 1e-9),
            ("training loss still above 0.8 ln C", broken.train_loss[-1] > 0.8 * ln_c),
        ])
    if bug == "softmax twice":
        model = network()
        broken = train(nk.Sequential(*model.layers, nk.Softmax()), data)
        floor = softmax_floor()
        return GalleryRun(bug, broken, healthy, [
            (f"training loss never below the floor ln((e + C − 1)/e) = {floor:.2f}",
             min(broken.train_loss) >= floor),
            ("the healthy run's loss ends below that floor", healthy.train_loss[-1] < floor),
        ])
    if bug == "wrong loss":
        # Two spirals, one output unit: BCEWithLogitsLoss expects a logit z and applies σ
        # itself; here it gets σ(z) ∈ (0, 1), always >= 0, so every prediction is class 1.
        X2, y2 = nk.datasets.spirals(N_TRAIN, n_classes=2, noise=0.2, rng=0)
        Xv2, yv2 = nk.datasets.spirals(N_VALIDATION, n_classes=2, noise=0.2, rng=1)
        binary = (X2, y2.astype(float), Xv2, yv2.astype(float))
        model = network(outputs=1)
        broken = train(nk.Sequential(*model.layers, nk.Sigmoid()), binary,
                       loss=nk.BCEWithLogitsLoss())
        fixed = train(network(outputs=1), binary, loss=nk.BCEWithLogitsLoss())
        share = float(np.mean(yv2 == 1))
        return GalleryRun(bug, broken, fixed, [
            ("validation accuracy equal to the share of class 1 in every epoch",
             all(a == share for a in broken.val_accuracy)),
            ("the fix's validation accuracy above 90 %", fixed.val_accuracy[-1] > 0.9),
        ], {"share": share})
    if bug == "forgotten eval()":
        model = network(dropout=0.5)
        fixed = train(model, data)
        first = _mode_accuracy(model, X_val, y_val, training=True)
        second = _mode_accuracy(model, X_val, y_val, training=True)
        evaluated = _mode_accuracy(model, X_val, y_val, training=False)
        return GalleryRun(bug, fixed, fixed, [
            ("two evaluations of the same data in training mode disagree", first != second),
            ("both below the accuracy in evaluation mode", max(first, second) < evaluated),
        ], {"train_mode": (first, second), "eval_mode": evaluated})
    if bug == "validation leak":
        small = (X[:60], y[:60])
        leaky = train(network(width=64), (*small, X[:60:2], y[:60:2]), epochs=200)
        fixed = train(network(width=64), (*small, X_val, y_val), epochs=200)
        return GalleryRun(bug, leaky, fixed, [
            ("leaky validation loss within 0.1 of the training loss",
             abs(leaky.val_loss[-1] - leaky.train_loss[-1]) < 0.1),
            ("honest validation loss more than 3× the training loss",
             fixed.val_loss[-1] > 3 * fixed.train_loss[-1]),
        ])
    # the vanishing gradient
    broken = train(network(depth=8, activation="sigmoid"), data)
    return GalleryRun(bug, broken, healthy, [
        ("‖∂J/∂W^[1]‖ below 1/100 of ‖∂J/∂W^[L]‖ in epoch 1",
         _ratio_first_last(broken) < 1e-2),
        ("in the healthy run above 1/10", _ratio_first_last(healthy) > 0.1),
        ("no layer with half its units dead", _dead(broken, -1) < 0.5),
        ("training loss still above 0.8 ln C", broken.train_loss[-1] > 0.8 * ln_c),
    ])
