"""The experiments of chapter 11: when training goes wrong.

* :func:`spirals_data`, :func:`network` and :func:`train` -- the chapter's problem (three
  interleaved spirals, C = 3 balanced classes), its healthy network (2-32-32-3, ReLU, He
  initialisation) and one training run with every monitor of :mod:`nnkit.monitors`;
* :func:`first_checks` -- the checks made before any long run: the loss at
  initialisation against ln C, an input-independent baseline, overfitting one small
  batch, the gradient check;
* :data:`BUGS` and :func:`gallery_run` -- the gallery: each bug as a realistic broken
  run, beside the run with the fix, the verdicts that identify it
  (:func:`signature`, on the monitors, the predictions or the data) and further verdicts
  on what the run did (:attr:`GalleryRun.facts`);
* :func:`signature_matrix` and :func:`signature_table` -- every bug's signature checked
  on every gallery run and on the healthy one.

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
    of standard deviation about 0.4; each part is drawn on its own (seeds 0, 1 and 2),
    and no two parts share a point."""
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
    n_parameters: int          # weights and biases of the network
    one_batch_unscaled: float  # the same overfitting, on the inputs ×100


def first_checks(one_batch: int = 8, steps: int = 300) -> FirstChecks:
    """The initial loss against ln C; an input-independent baseline (the network trained
    on inputs set to zero, which can learn only the class frequencies) against the same
    training on the real inputs; ``steps`` full-batch updates on ``one_batch`` samples;
    and ``nk.gradcheck`` of the real network on five samples. Also the network's number of
    parameters, and the same small-batch overfitting on inputs ×100 (unscaled)."""
    X, y, X_val, y_val, _, _ = spirals_data()
    loss = nk.CrossEntropyLoss()
    untrained = network()
    initial = loss.forward(untrained.eval().forward(X), y)
    blind = train(network(), (np.zeros_like(X), y, np.zeros_like(X_val), y_val))
    real = train(network(), (X, y, X_val, y_val))
    overfitted = []
    for scale in (1.0, 100.0):
        small = network()
        nk.fit(small, scale * X[:one_batch], y[:one_batch], loss,
               nk.SGD(small.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM), epochs=steps)
        overfitted.append(loss.forward(small.forward(scale * X[:one_batch]), y[:one_batch]))
    error = nk.gradcheck(network(), loss, X[:5], y[:5])
    n_parameters = sum(p.value.size for p in untrained.parameters())
    return FirstChecks(initial, math.log(N_CLASSES), blind.train_loss[-1],
                       real.train_loss[-1], overfitted[0], error, n_parameters, overfitted[1])


# ---------------------------------------------------------------- a NaN and where it came from

class Standardise(nk.Layer):
    """A layer a user might write: each unit standardised over the batch,
    u = (x − mean) / std, *without* the small ε that batch normalisation adds to the
    variance, (x − mean) / √(var + ε). A unit that outputs the same value for the whole
    batch (a dead ReLU) gets 0/0 = NaN.

    Shapes: X (n, units) -> (n, units); backward, for the upstream gradient G = ∂J/∂u:
    ∂J/∂x = (G − mean(G) − u·mean(G·u)) / std, the means over the batch.
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
    bias at ``bias``: with bias −3 every unit of that ReLU outputs 0 on the first pass fit
    makes (over the training set, to measure the initial loss), and the Standardise layer
    divides 0 by 0."""
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

#: The learning rate of the "learning rate too high" run.
HIGH_LEARNING_RATE = 10.0


@dataclass
class Run:
    """One trained run, with what a signature may look at: its History, the trained
    model, its data ``(X, y, X_val, y_val)`` and its number of classes C."""

    history: nk.History
    model: nk.Layer
    data: tuple
    n_classes: int = N_CLASSES


@dataclass
class GalleryRun:
    """A bug's broken run and the run with its fix: ``signature`` is the list of
    (claim, holds) pairs that identify the bug (the same claims :func:`signature` checks
    on any run); ``facts`` are further verdicts on what the run did and on its fix."""

    bug: str
    broken: nk.History
    fixed: nk.History
    signature: list[tuple[str, bool]]
    facts: list[tuple[str, bool]] = field(default_factory=list)
    run: Run | None = None
    extra: dict = field(default_factory=dict)

    @property
    def identified(self) -> bool:
        """Every claim of the signature holds."""
        return all(holds for _, holds in self.signature)


def _near_rule(ratios) -> bool:
    """Every update ratio within a factor 10 of the rule of thumb."""
    return all(UPDATE_RATIO_RULE / 10 < r < UPDATE_RATIO_RULE * 10 for r in ratios)


def _dead(history: nk.History, entry: int = 0) -> float:
    """The largest dead fraction over the activation layers at ``entry`` (0: the start)."""
    return max(s.dead for s in history.activation_stats[entry].values())


def _relu_dead(history: nk.History, entry: int) -> list[float]:
    """The dead fractions of the ReLU layers at ``entry`` (0: the start)."""
    return [s.dead for name, s in history.activation_stats[entry].items()
            if name.endswith("ReLU")]


def _outputs(model: nk.Layer, X, training: bool = False) -> np.ndarray:
    model.train(training)
    out = model.forward(X)
    model.eval()
    return out


def predictions(run: Run) -> np.ndarray:
    """The classes ``run.model`` predicts for the validation inputs (evaluation mode): the
    arg-max logit, or, for one output, class 1 where the output is >= 0 (a logit)."""
    out = _outputs(run.model, run.data[2])
    return (out[:, 0] >= 0).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)


def _accuracy(run: Run, out) -> float:
    y_val = run.data[3]
    guess = (out[:, 0] >= 0).astype(int) if out.shape[1] == 1 else out.argmax(axis=1)
    return float(np.mean(guess == y_val))


def _copies(run: Run) -> bool:
    X, _, X_val, _ = run.data
    seen = {row.tobytes() for row in np.asarray(X, dtype=np.float64)}
    return any(row.tobytes() in seen for row in np.asarray(X_val, dtype=np.float64))


def signature(bug: str, run: Run) -> list[tuple[str, bool]]:
    """The claims that identify ``bug``, checked on ``run`` (any gallery run or the
    healthy one): a list of (claim, holds)."""
    if bug not in BUGS or bug == "none":
        raise ValueError(f"bug: expected one of {sorted(b for b in BUGS if b != 'none')}, "
                         f"got {bug!r}")
    h, ln_c = run.history, math.log(run.n_classes)
    norms, ratios = np.asarray(h.grad_norms), np.asarray(h.update_ratios)
    rule = UPDATE_RATIO_RULE
    if bug == "shuffled labels":
        return [
            ("loss at initialisation within a factor 1.5 of ln C", h.initial_loss < 1.5 * ln_c),
            ("training loss at the end above 0.9 ln C", h.train_loss[-1] > 0.9 * ln_c),
            ("update ratios within 10× of 1e-3 in every layer, last epoch",
             _near_rule(ratios[-1])),
            ("‖∂J/∂W^[1]‖ at least 1/10 of ‖∂J/∂W^[L]‖, last epoch",
             norms[-1][0] >= norms[-1][-1] / 10 > 0),
        ]
    if bug == "unscaled inputs":
        return [
            ("loss at initialisation above 10 ln C", h.initial_loss > 10 * ln_c),
            ("update ratios above 0.1 in every layer, epoch 1",
             bool(np.all(ratios[0] > 100 * rule))),
        ]
    if bug == "learning rate too high":
        return [
            ("loss at initialisation within a factor 1.5 of ln C", h.initial_loss < 1.5 * ln_c),
            ("update ratios above 0.1 in every layer, epoch 1",
             bool(np.all(ratios[0] > 100 * rule))),
            ("training loss after epoch 1 above the loss at initialisation",
             h.train_loss[0] > h.initial_loss),
        ]
    if bug == "dead ReLUs":
        dead = _relu_dead(h, 0)
        return [
            ("every unit of every ReLU layer dead at initialisation",
             bool(dead) and min(dead) == 1),
            ("every gradient norm exactly 0, from epoch 1", not np.any(norms)),
            # The weights do not move at all; a relative 1e-9 leaves room for rounding.
            ("every update ratio below 1e-9", float(np.max(ratios)) < 1e-9),
        ]
    if bug == "softmax twice":
        floor = softmax_floor(run.n_classes)
        return [
            ("training loss never below the floor ln((e + C − 1)/e)", min(h.train_loss) >= floor),
            ("training loss at the end within 0.05 of that floor", h.train_loss[-1] < floor + 0.05),
            ("validation accuracy above 90 %", h.val_accuracy[-1] > 0.9),
        ]
    if bug == "wrong loss":
        return [
            ("the same class predicted for every validation input",
             np.unique(predictions(run)).size == 1),
            ("every weight layer's gradient norm above 0, last epoch", bool(np.all(norms[-1] > 0))),
        ]
    if bug == "forgotten eval()":
        X_val = run.data[2]
        first, second = (_outputs(run.model, X_val, training=True) for _ in range(2))
        evaluated = _accuracy(run, _outputs(run.model, X_val))
        return [
            ("two passes over the validation inputs in training mode give different outputs",
             not np.array_equal(first, second)),
            ("validation accuracy in training mode below evaluation mode's, both passes",
             max(_accuracy(run, first), _accuracy(run, second)) < evaluated),
        ]
    if bug == "validation leak":
        return [
            ("validation inputs that are exact copies of training inputs", _copies(run)),
            ("validation loss within a factor 2 of the training loss, last epoch",
             h.val_loss[-1] < 2 * h.train_loss[-1]),
        ]
    return [  # the vanishing gradient
        ("‖∂J/∂W^[1]‖ below 1/100 of ‖∂J/∂W^[L]‖, epoch 1", norms[0][0] < norms[0][-1] / 100),
        ("training loss at the end above 0.8 ln C", h.train_loss[-1] > 0.8 * ln_c),
    ]


def _zero_from(history: nk.History, epoch: int) -> bool:
    """Every gradient norm exactly 0 from ``epoch`` (1, 2, ...) to the end."""
    return not np.any(np.asarray(history.grad_norms)[epoch - 1:])


def _standardised(X, X_val):
    """Both sets standardised with the training set's mean and standard deviation."""
    mean, std = X.mean(axis=0), X.std(axis=0)
    return (X - mean) / std, (X_val - mean) / std


def healthy_run() -> Run:
    """The healthy run: the chapter's network on the spirals with :func:`train`."""
    X, y, X_val, y_val, _, _ = spirals_data()
    model = network()
    return Run(train(model, (X, y, X_val, y_val)), model, (X, y, X_val, y_val))


def gallery_run(bug: str, healthy: Run | None = None) -> GalleryRun:
    """Train the broken run of ``bug`` (a key of :data:`BUGS`) and its fix; check its
    :func:`signature` and its facts. ``healthy`` (a :func:`healthy_run`) is trained
    when not given."""
    if bug not in BUGS:
        raise ValueError(f"bug: expected one of {sorted(BUGS)}, got {bug!r}")
    X, y, X_val, y_val, _, _ = spirals_data()
    data = (X, y, X_val, y_val)
    healthy = healthy or healthy_run()
    ln_c = math.log(N_CLASSES)
    if bug == "none":
        h = healthy.history
        return GalleryRun(bug, h, h, [
            ("loss at initialisation within a factor 1.5 of ln C", h.initial_loss < 1.5 * ln_c),
            ("update ratios within 10× of 1e-3 in every layer, last epoch",
             _near_rule(h.update_ratios[-1])),
            ("no layer with half its units dead", _dead(h, -1) < 0.5),
            ("validation accuracy above 90 %", h.val_accuracy[-1] > 0.9),
        ], run=healthy)
    fixed, facts, extra = healthy.history, [], {}
    if bug == "shuffled labels":
        shuffled = np.random.default_rng(5).permutation(y)
        model = network()
        run = Run(train(model, (X, shuffled, X_val, y_val)), model, (X, shuffled, X_val, y_val))
        blind = train(network(), (np.zeros_like(X), y, np.zeros_like(X_val), y_val))
        end, base = run.history.train_loss[-1], blind.train_loss[-1]
        facts = [
            ("training loss within 0.1 of the input-independent baseline's", abs(end - base) < 0.1),
            ("and below it (the network has begun to memorise)", end < base),
            ("validation accuracy within 0.1 of chance (1/C)",
             abs(run.history.val_accuracy[-1] - 1 / N_CLASSES) < 0.1),
        ]
        extra = {"baseline": base}
    elif bug == "unscaled inputs":
        model = network()
        run = Run(train(model, (100 * X, y, 100 * X_val, y_val)), model,
                  (100 * X, y, 100 * X_val, y_val))
        h = run.history
        Xs, Xs_val = _standardised(100 * X, 100 * X_val)
        fixed = train(network(), (Xs, y, Xs_val, y_val))
        facts = [
            ("gradient norms in epoch 1 above 50× the healthy run's, every layer",
             bool(np.all(np.asarray(h.grad_norms[0])
                         > 50 * np.asarray(healthy.history.grad_norms[0])))),
            ("every unit of the second ReLU layer dead after epoch 1",
             h.activation_stats[1]["3 ReLU"].dead == 1),
            ("every gradient norm exactly 0 from epoch 2 on", _zero_from(h, 2)),
            ("yet update ratios above 1e-3 in every layer in epoch 2 (momentum)",
             bool(np.all(np.asarray(h.update_ratios[1]) > UPDATE_RATIO_RULE))),
            ("training loss at the end within 0.001 of ln C", abs(h.train_loss[-1] - ln_c) < 1e-3),
            ("validation accuracy at the end 1/C (chance)",
             abs(h.val_accuracy[-1] - 1 / N_CLASSES) < 1e-9),
            ("the fix (standardised inputs): validation accuracy above 90 %",
             fixed.val_accuracy[-1] > 0.9),
        ]
    elif bug == "learning rate too high":
        model = network()
        run = Run(train(model, data, lr=HIGH_LEARNING_RATE), model, data)
        h = run.history
        facts = [
            ("after epoch 1, more than 90 % of the units of every ReLU layer dead",
             min(_relu_dead(h, 1)) > 0.9),
            ("every gradient norm exactly 0 from epoch 2 on", _zero_from(h, 2)),
            ("yet update ratios above 0 in epoch 2 (momentum)",
             bool(np.all(np.asarray(h.update_ratios[1]) > 0))),
            ("training loss rose from one epoch to the next in more than 10 of the epochs",
             int(np.sum(np.diff(h.train_loss) > 0)) > 10),
        ]
    elif bug == "dead ReLUs":
        model = network(bias=-3.0)
        run = Run(train(model, data), model, data)
        h = run.history
        facts = [
            ("the output layer's biases moved all the same",
             bool(np.any(model.layers[-1].b.value))),
            ("training loss at the end within 0.01 of ln C", abs(h.train_loss[-1] - ln_c) < 0.01),
        ]
    elif bug == "softmax twice":
        model = nk.Sequential(*network().layers, nk.Softmax())
        run = Run(train(model, data), model, data)
        facts = [("the healthy run's training loss ends below the floor",
                  healthy.history.train_loss[-1] < softmax_floor())]
    elif bug == "wrong loss":
        # Two spirals, one output unit: BCEWithLogitsLoss expects a logit z and applies σ
        # itself; here it gets σ(z) ∈ (0, 1), always > 0, so every prediction is class 1.
        X2, y2 = nk.datasets.spirals(N_TRAIN, n_classes=2, noise=0.2, rng=0)
        Xv2, yv2 = nk.datasets.spirals(N_VALIDATION, n_classes=2, noise=0.2, rng=1)
        binary = (X2, y2.astype(float), Xv2, yv2.astype(float))
        model = nk.Sequential(*network(outputs=1).layers, nk.Sigmoid())
        run = Run(train(model, binary, loss=nk.BCEWithLogitsLoss()), model, binary, 2)
        fixed = train(network(outputs=1), binary, loss=nk.BCEWithLogitsLoss())
        facts = [
            ("the predicted class is 1 for every validation input",
             bool(np.all(predictions(run) == 1))),
            ("the fix's validation accuracy above 90 %", fixed.val_accuracy[-1] > 0.9),
        ]
    elif bug == "forgotten eval()":
        model = network(dropout=0.5)
        run = Run(train(model, data), model, data)
        fixed = run.history
        h = run.history
        facts = [
            ("its training monitors look healthy: update ratios within 10× of 1e-3, "
             "last epoch", _near_rule(h.update_ratios[-1])),
            ("no layer with half its units dead", _dead(h, -1) < 0.5),
            ("validation accuracy (fit evaluates in evaluation mode) above 90 %",
             h.val_accuracy[-1] > 0.9),
        ]
    elif bug == "validation leak":
        small = (X[:60], y[:60])
        model = network(width=64)
        leak = (*small, X[:60:2], y[:60:2])
        run = Run(train(model, leak, epochs=200), model, leak)
        fixed = train(network(width=64), (*small, X_val, y_val), epochs=200)
        facts = [
            ("honest validation: loss at the end more than 3× the training loss",
             fixed.val_loss[-1] > 3 * fixed.train_loss[-1]),
            ("honest validation loss lowest in the last epoch (still falling)",
             fixed.best_epoch == len(fixed.val_loss)),
        ]
    else:  # the vanishing gradient
        model = network(depth=8, activation="sigmoid")
        run = Run(train(model, data), model, data)
        norms = np.asarray(run.history.grad_norms[0])
        facts = [
            ("gradient norms shrink from each weight layer to the one before it, epoch 1",
             bool(np.all(np.diff(norms) > 0))),
            ("no layer with half its units flat", _dead(run.history, -1) < 0.5),
            ("in the healthy run ‖∂J/∂W^[1]‖ above 1/10 of ‖∂J/∂W^[L]‖, epoch 1",
             healthy.history.grad_norms[0][0] > healthy.history.grad_norms[0][-1] / 10),
        ]
    return GalleryRun(bug, run.history, fixed, signature(bug, run), facts, run, extra)


def signature_matrix(gallery: dict[str, GalleryRun], healthy: Run) -> dict[str, dict[str, bool]]:
    """For each bug's signature (rows) and each run (columns: "none", the healthy run, then
    every gallery bug's broken run): whether every claim of the signature holds."""
    runs = {"none": healthy, **{bug: g.run for bug, g in gallery.items()}}
    return {bug: {name: all(holds for _, holds in signature(bug, run))
                  for name, run in runs.items()} for bug in gallery}


def signature_table(matrix: dict[str, dict[str, bool]]) -> str:
    """The matrix as text: one row per signature, one column per run (numbered, with a
    key), ● where every claim holds, · where one fails."""
    columns = list(next(iter(matrix.values())))
    width = max(len(bug) for bug in matrix)
    key = "  ".join(f"{k}={name}" for k, name in enumerate(columns))
    lines = [f"{'signature of':<{width}}  run: " + " ".join(f"{k:>2}" for k in range(len(columns)))]
    for bug, row in matrix.items():
        marks = " ".join(f"{'●' if row[name] else '·':>2}" for name in columns)
        lines.append(f"{bug:<{width}}       {marks}")
    return "\n".join(lines) + "\nruns: " + key
