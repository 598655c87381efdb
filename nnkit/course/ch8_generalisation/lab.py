"""The experiments of chapter 8: does a trained network generalise?

* :func:`moons_data`, :func:`build_network` and :func:`train_run` -- small networks
  trained on few or many noisy moons, with a fixed validation set, recorded for the live
  experiment by the course's recorder (:mod:`nnkit.course.runs`: the decision boundary
  over the plane at a few epochs, training and validation loss every epoch, both measured
  in evaluation mode);
* :func:`noise_search` -- a hyperparameter search on labels that are pure noise, to
  measure how much choosing on the test set flatters the winner;
* :func:`copies_across` -- how many test inputs also appear in the training part;
* :func:`tune_digits` -- chapter 6's digits network tuned on a validation set;
* :func:`compare_regularisers` -- weight decay against dropout, each at its strength tuned
  on the validation set, compared once on a fresh test set;
* :func:`house_prices`, :func:`mse_hessian`, :func:`descend` -- the curvature of a
  least-squares loss before and after standardising its inputs (chapter 2's condition
  number, measured).

Every run is seeded, trains in float64 with full batches or fixed mini-batch orders, and
avoids learning rates near the stability edge, so its printed figures survive another BLAS.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

import nnkit as nk
from nnkit.course.grid import Grid
from nnkit.course.runs import Run, record_run
from nnkit.validation import as_rng, check_int

__all__ = [
    "MODELS",
    "NoiseSearch",
    "TunedDigits",
    "RegulariserDuel",
    "build_network",
    "compare_regularisers",
    "copies_across",
    "descend",
    "house_prices",
    "moons_data",
    "mse_hessian",
    "noise_search",
    "train_run",
    "tune_digits",
    "weight_norm",
]

# Noise of the moons: enough that a flexible boundary through 20 points is a bad guess.
MOONS_NOISE = 0.3
N_VALIDATION = 200
VALIDATION_SEED = 1000
# A test set of fresh moons for the final comparison of the regularisers (moons are
# generated, so a large one costs nothing); its seed is used by no other part.
N_TEST = 2000
TEST_SEED = 2000

# The models of the live experiment: hidden width of both hidden layers, and regulariser.
MODELS: dict[str, dict] = {
    "4 units": {"width": 4},
    "64 units": {"width": 64},
    "64 + weight decay": {"width": 64, "weight_decay": 3e-3},
    "64 + dropout": {"width": 64, "dropout": 0.5},
}
# Full-batch gradient descent with momentum; well inside the stable range.
LEARNING_RATE = 0.2
MOMENTUM = 0.9
# The part of the plane the probability maps show: the moons and a margin around them.
MAP_XLIM, MAP_YLIM = (-2.0, 3.0), (-1.6, 2.1)


def moons_data(n_train: int):
    """``n_train`` noisy moons to train on and a fixed set of 200 to validate on.

    Returns ``(X_train, y_train, X_val, y_val)``; the training points are seeded by
    ``n_train``, the validation points by a seed of their own, so they never coincide.
    """
    n_train = check_int(n_train, "n_train", low=4)
    X_train, y_train = nk.datasets.moons(n_train, noise=MOONS_NOISE, rng=n_train)
    X_val, y_val = nk.datasets.moons(N_VALIDATION, noise=MOONS_NOISE, rng=VALIDATION_SEED)
    return X_train, y_train, X_val, y_val


def build_network(width: int, dropout: float = 0.0, n_inputs: int = 2, n_classes: int = 2,
                  rng: int = 0) -> nk.Sequential:
    """``nk.mlp([n_inputs, width, width, n_classes])`` with ReLU units (He initialisation)
    and, if ``dropout`` > 0, a :class:`nnkit.Dropout` after each hidden layer; the weights
    are the same with or without dropout."""
    width = check_int(width, "width", low=1)
    model = nk.mlp([n_inputs, width, width, n_classes], activation="relu", rng=rng)
    if not dropout:
        return model
    layers = []
    for k, layer in enumerate(model):
        layers.append(layer)
        if isinstance(layer, nk.ReLU):
            layers.append(nk.Dropout(dropout, rng=rng + 10 + k))
    return nk.Sequential(*layers)


def weight_norm(model: nk.Layer) -> float:
    """‖W‖ over every weight matrix of ``model``: √(Σ_l Σ_ij (W^[l]_ij)²), biases left out."""
    return float(np.sqrt(sum(np.vdot(p.value, p.value) for p in model.parameters()
                             if p.name == "W")))


def train_run(model_name: str, n_train: int, epochs: int = 200, snapshots=(10, 50, 200),
              weight_decay: float | None = None, grid_size: int = 40) -> Run:
    """Train model ``model_name`` (a key of :data:`MODELS`) on ``n_train`` moons with
    full-batch gradient descent (η = 0.2, momentum 0.9) and record it with the course's
    recorder (:func:`nnkit.course.runs.record_run`), the 200 validation moons held out.

    ``weight_decay`` overrides the model's own α. At each epoch in ``snapshots`` the
    class-1 probability on a ``grid_size`` × ``grid_size`` grid over the plane is kept
    (computed in evaluation mode, so without dropout).
    """
    if model_name not in MODELS:
        raise ValueError(f"model_name: unknown model {model_name!r}; choose one of {list(MODELS)}")
    spec = MODELS[model_name]
    model = build_network(spec["width"], spec.get("dropout", 0.0))
    decay = spec.get("weight_decay", 0.0) if weight_decay is None else weight_decay
    optimizer = nk.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM,
                       weight_decay=decay)
    return record_run(model, moons_data(n_train), optimizer, epochs=epochs, batch_size=None,
                      grid=Grid.over(MAP_XLIM, MAP_YLIM, grid_size), snapshots=snapshots,
                      config={"model": model_name, "n_train": n_train, "weight_decay": decay})


@dataclass
class NoiseSearch:
    """A hyperparameter search on pure-noise labels (see :func:`noise_search`)."""

    settings: list[dict]
    test_accuracy: np.ndarray   # per setting, on the small test set used to choose
    fresh_accuracy: np.ndarray  # per setting, on a large set never looked at

    @property
    def winner(self) -> int:
        """Index of the setting with the best test accuracy (the first if tied)."""
        return int(np.argmax(self.test_accuracy))


def noise_search(n_train: int = 100, n_test: int = 50, n_fresh: int = 2000,
                 n_settings: int = 24, epochs: int = 60, rng: int = 0) -> NoiseSearch:
    """Train ``n_settings`` small networks (random width, learning rate and seed) on 5
    random features with random 0/1 labels, and score each on a small test set and on a
    large fresh set.  No setting can beat 50 % on new data; the best of many on a small
    test set will look better than that.
    """
    gen = as_rng(rng)

    def noise(n):
        return gen.normal(size=(n, 5)), gen.integers(0, 2, size=n)

    (X, y), (X_test, y_test), (X_fresh, y_fresh) = noise(n_train), noise(n_test), noise(n_fresh)
    settings, test_acc, fresh_acc = [], [], []
    for k in range(n_settings):
        setting = {"width": int(gen.choice([4, 16, 64])), "lr": float(gen.choice([0.03, 0.1, 0.3])),
                   "seed": k}
        model = nk.mlp([5, setting["width"], 2], activation="relu", rng=k)
        nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=setting["lr"]),
               epochs=epochs, batch_size=None)
        settings.append(setting)
        test_acc.append(nk.accuracy(model(X_test), y_test))
        fresh_acc.append(nk.accuracy(model(X_fresh), y_fresh))
    return NoiseSearch(settings, np.array(test_acc), np.array(fresh_acc))


def copies_across(X_train, X_other) -> int:
    """How many rows of ``X_other`` also occur, exactly, among the rows of ``X_train``."""
    X_train = np.asarray(X_train)
    seen = {row.tobytes() for row in X_train}
    return sum(row.tobytes() in seen for row in np.asarray(X_other, dtype=X_train.dtype))


@dataclass
class TunedDigits:
    """The outcome of :func:`tune_digits`."""

    settings: list[dict]
    histories: list[nk.History]
    best: int
    model: nk.Sequential
    split: nk.datasets.Split

    def val_loss(self, k: int) -> float:
        """Lowest validation loss of setting ``k`` (the epoch early stopping kept)."""
        return min(self.histories[k].val_loss)


def tune_digits(widths=(16, 64, 256), weight_decays=(0.0, 1e-3), patience: int = 5,
                rng: int = 0) -> TunedDigits:
    """Chapter 6's digits network, tuned honestly.

    The 1797 digits are split 60/20/20 into training, validation and test parts. Every
    (width, weight decay) is trained with mini-batches of 32 (η = 0.05, momentum 0.9) and
    early stopping on the validation loss; the setting with the lowest validation loss
    wins.  The test part is not touched here: evaluate ``model`` on it once, afterwards.
    """
    X, y = nk.datasets.digits(test_fraction=None)
    parts = nk.datasets.split(X, y, validation=0.2, test=0.2, rng=rng)
    settings, histories, models = [], [], []
    for width in widths:
        for decay in weight_decays:
            model = nk.mlp([64, width, 10], activation="relu", rng=rng)
            history = nk.fit(model, parts.X_train, parts.y_train, nk.CrossEntropyLoss(),
                             nk.SGD(model.parameters(), lr=0.05, momentum=0.9,
                                    weight_decay=decay),
                             epochs=60, batch_size=32, rng=rng,
                             validation=(parts.X_val, parts.y_val),
                             callbacks=[nk.EarlyStopping(patience)])
            settings.append({"width": width, "weight_decay": decay})
            histories.append(history)
            models.append(model)
    best = int(np.argmin([min(h.val_loss) for h in histories]))
    return TunedDigits(settings, histories, best, models[best], parts)


def house_prices(n: int = 200, rng: int = 0):
    """A made-up regression with features on everyday scales: floor area (m², around
    100) and age (years, 0-80) of ``n`` houses, and a price (thousands) linear in both
    plus noise.  Returns X (n, 2) and y (n,)."""
    gen = as_rng(rng)
    area = gen.normal(100.0, 30.0, n).clip(30.0, None)
    age = gen.uniform(0.0, 80.0, n)
    price = 50.0 + 3.0 * area - 1.5 * age + gen.normal(0.0, 20.0, n)
    return np.column_stack([area, age]), price


def _with_bias(X: np.ndarray) -> np.ndarray:
    return np.column_stack([X, np.ones(len(X))])


def mse_hessian(X) -> np.ndarray:
    """Hessian of J(w, b) = (1/n) Σ_i (w·x_i + b - y_i)² with respect to (w, b):

        H = (2/n) X̃ᵀ X̃,   X̃ = [X, 1]   (shape (d+1, d+1)),

    the same for every w, b and y, because J is quadratic in (w, b)."""
    Xb = _with_bias(np.asarray(X, dtype=np.float64))
    return 2.0 / len(Xb) * Xb.T @ Xb


def descend(X, y, steps: int, lr: float) -> np.ndarray:
    """Mean squared error after each of ``steps`` full-batch gradient steps on (w, b)
    from zero, ∇J = (2/n) X̃ᵀ(X̃θ - y); returns the ``steps + 1`` losses."""
    Xb = _with_bias(np.asarray(X, dtype=np.float64))
    y = np.asarray(y, dtype=np.float64)
    theta = np.zeros(Xb.shape[1])
    losses = []
    for _ in range(steps + 1):
        residual = Xb @ theta - y
        losses.append(float(np.mean(residual ** 2)))
        theta = theta - lr * 2.0 / len(Xb) * (Xb.T @ residual)
    return np.array(losses)


def _per_example_loss(model: nk.Layer, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cross-entropy of every example (evaluation mode), from the logits with the shift."""
    model.eval()
    z = model(X)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(y)), y]


@dataclass
class RegulariserDuel:
    """The outcome of :func:`compare_regularisers` for one training-set size."""

    n_train: int
    val_loss: dict             # (regulariser, strength) -> validation loss after training
    weight_decay: float        # α with the lowest validation loss
    dropout: float             # p with the lowest validation loss
    test_loss: dict            # "weight decay" / "dropout" -> per-example test losses
    test_correct: dict         # "weight decay" / "dropout" -> per-example 0/1 correctness

    def difference(self, what: str = "loss") -> tuple[float, float]:
        """Mean over the test set of (weight decay − dropout) per example, and its standard
        error (a paired comparison: both models see the same test points)."""
        table = self.test_loss if what == "loss" else self.test_correct
        d = table["weight decay"] - table["dropout"]
        return float(d.mean()), float(d.std() / np.sqrt(len(d)))

    def verdict(self, what: str = "loss") -> str:
        """Which regulariser does better on the test set, or "tie" when the difference is
        within two standard errors."""
        mean, se = self.difference(what)
        if abs(mean) <= 2 * se:
            return "tie"
        lower_is_better = what == "loss"
        return "weight decay" if (mean < 0) == lower_is_better else "dropout"


def compare_regularisers(n_train: int, weight_decays=(1e-3, 3e-3, 1e-2, 3e-2, 1e-1),
                         dropouts=(0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8), epochs: int = 200,
                         width: int = 64) -> RegulariserDuel:
    """Weight decay against dropout on ``n_train`` moons, each at its own best strength.

    Every α (no dropout) and every p (no weight decay) trains the ``width``-unit network
    as :func:`train_run` does (full batch, η = 0.2, momentum 0.9, ``epochs`` epochs); the
    strength with the lowest validation loss at the end is chosen for each regulariser.
    Only the two chosen models meet the test set: 2000 fresh moons, used for nothing else.
    """
    data = moons_data(n_train)
    X_test, y_test = nk.datasets.moons(N_TEST, noise=MOONS_NOISE, rng=TEST_SEED)
    val_loss, models = {}, {}
    for kind, strengths in (("weight decay", weight_decays), ("dropout", dropouts)):
        for strength in strengths:
            decay, p = (strength, 0.0) if kind == "weight decay" else (0.0, strength)
            model = build_network(width, p)
            optimizer = nk.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM,
                               weight_decay=decay)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # a strong p can diverge on few points; its validation loss then rules it out
                warnings.simplefilter("ignore", nk.training.DivergenceWarning)
                nk.fit(model, data[0], data[1], nk.CrossEntropyLoss(), optimizer,
                       epochs=epochs, batch_size=None)
                # only the last epoch's validation loss is used: measured once, at the end
                final = float(_per_example_loss(model, data[2], data[3]).mean())
            val_loss[kind, strength] = final if np.isfinite(final) else np.inf
            models[kind, strength] = model
    chosen = {kind: min(strengths, key=lambda s, kind=kind: val_loss[kind, s])
              for kind, strengths in (("weight decay", weight_decays), ("dropout", dropouts))}
    test_loss, test_correct = {}, {}
    for kind, strength in chosen.items():
        model = models[kind, strength]
        test_loss[kind] = _per_example_loss(model, X_test, y_test)
        test_correct[kind] = (model(X_test).argmax(axis=1) == y_test).astype(float)
    return RegulariserDuel(n_train, val_loss, chosen["weight decay"], chosen["dropout"],
                           test_loss, test_correct)
