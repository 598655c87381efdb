"""The Playground widget: Python's half of the in-page trainer.

Python draws the data with :mod:`nnkit.datasets`, initialises the network with
``nk.mlp(..., rng=seed)`` and puts both, with the settings, in the widget's state; the
front end (``js/``, bundled into one ES module as the anywidget's ``_esm``) trains in the
page. Because the module travels in the saved widget state, the static book runs it with
no kernel. In Jupyter the page hands the trained weights back (``trained``), and
:meth:`Playground.to_nnkit` turns them into an nnkit ``Sequential``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import anywidget
import numpy as np
import traitlets

import nnkit as nk
from nnkit.validation import check_choice, check_int, check_positive

JS = Path(__file__).resolve().parent / "js"
#: The modules of the front end in dependency order; the last one is the widget.
MODULES = ("trainer.mjs", "data.mjs", "codegen.mjs", "widget.mjs")

DATASETS = {  # name -> (classes, default noise)
    "moons": (2, 0.1), "circles": (2, 0.05), "xor": (2, 0.1), "spirals": (2, 0.2),
    "blobs": (3, 1.0),
}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
INITS = ("he", "xavier", "normal", "zeros")
LOSSES = {  # the page's name -> (nnkit loss, output activation, for two classes only)
    "bce_logits": (nk.BCEWithLogitsLoss, None, True),
    "bce": (nk.BCELoss, "sigmoid", True),
    "mse": (nk.MSELoss, None, True),
    "cross_entropy": (nk.CrossEntropyLoss, None, False),
}
BATCH_SIZES = (None, 1, 4, 8, 16, 32, 64, 128)
OPTIMIZERS = ("sgd", "nesterov", "adam")
OPTIMIZER_NAMES = {"sgd": "SGD", "nesterov": "SGD (Nesterov)", "adam": "Adam"}
MOMENTA = (0.0, 0.5, 0.9, 0.95, 0.99)
WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)


def bundle() -> str:
    """The front end as one ES module: the modules concatenated, their own imports and
    exports removed (anywidget loads ``_esm`` from a blob, where relative imports cannot
    resolve); only the widget's ``export default`` stays."""
    parts = []
    for name in MODULES:
        text = (JS / name).read_text(encoding="utf-8")
        text = re.sub(r'^import [^;]*? from "\./[\w.]+";\n', "", text, flags=re.M | re.S)
        text = re.sub(r"^export (?=(const|function|class|let) )", "", text, flags=re.M)
        parts.append(f"// ---- {name}\n{text}")
    bundled = "\n".join(parts)
    leftover = re.findall(r"^(?:import|export) (?!default ).*$", bundled, flags=re.M)
    if leftover:
        raise RuntimeError(
            f"the playground's modules left imports or exports in the bundle: {leftover}")
    return bundled


def _dataset(name: str, n: int, noise: float, seed: int):
    """nnkit's points for a data set, and the call that draws them (for the code)."""
    if name == "blobs":
        call = f"nk.datasets.blobs({n}, std={noise!r}, rng={seed})"
        X, y = nk.datasets.blobs(n, std=noise, rng=seed)
    else:
        call = f"nk.datasets.{name}({n}, noise={noise!r}, rng={seed})"
        X, y = getattr(nk.datasets, name)(n, noise=noise, rng=seed)
    return X, y, call


class Playground(anywidget.AnyWidget):
    """A network that trains live in the page, from nnkit's initial weights.

    Parameters
    ----------
    dataset : "moons", "circles", "xor", "spirals" or "blobs" (three classes)
    n, noise : number of points and their noise (blobs: the spread ``std``)
    validation : share of the points kept for validation, in [0, 0.8]
    hidden_layers, width : 0-4 hidden layers of 1-16 units each
    activation : "relu", "tanh", "sigmoid" or "identity"
    init : None (He before ReLU, Xavier otherwise), "he", "xavier", "normal" or "zeros"
    loss : "bce_logits", "bce" (a Sigmoid output), "mse" or "cross_entropy";
        None picks "bce_logits" for two classes and "cross_entropy" for three
    optimizer : "sgd" (nnkit.SGD), "nesterov" (SGD with nesterov=True) or "adam" (nnkit.Adam)
    lr, momentum, weight_decay, batch_size : the optimiser's settings (momentum for SGD only)
        and fit's batch size (None: full batch); the page offers the values in MOMENTA,
        WEIGHT_DECAYS and BATCH_SIZES, and learning rates from 1e-4 to 10
    seed : seeds nnkit's data and initial weights
    question : a prompt shown above the playground (a chapter's question)
    """

    _esm = traitlets.Unicode(bundle()).tag(sync=True)
    _css = traitlets.Unicode((JS / "playground.css").read_text(encoding="utf-8")).tag(sync=True)
    settings = traitlets.Dict().tag(sync=True)
    points = traitlets.Dict().tag(sync=True)
    initial = traitlets.Dict().tag(sync=True)
    question = traitlets.Unicode("").tag(sync=True)
    #: What the page trained, sent back on every pause: weights, biases, sizes, epoch, ...
    trained = traitlets.Dict().tag(sync=True)

    def __init__(self, dataset="moons", n=200, noise=None, validation=0.3, hidden_layers=2,
                 width=8, activation="tanh", init=None, loss=None, optimizer="sgd", lr=0.1,
                 momentum=0.0, weight_decay=0.0, batch_size=None, seed=0, question="",
                 **kwargs):
        dataset = check_choice(dataset, "dataset", tuple(DATASETS))
        classes, default_noise = DATASETS[dataset]
        n = check_int(n, "n", low=max(classes, 2), high=2000)
        noise = default_noise if noise is None else check_positive(noise, "noise", allow_zero=True)
        if dataset == "blobs" and noise == 0:
            raise ValueError("blobs needs a spread (noise) > 0")
        validation = float(validation)
        if not 0 <= validation <= 0.8:
            raise ValueError(f"validation must be a share in [0, 0.8], got {validation}")
        hidden_layers = check_int(hidden_layers, "hidden_layers", low=0, high=4)
        width = check_int(width, "width", low=1, high=16)
        activation = check_choice(activation, "activation", ACTIVATIONS)
        if init is not None:
            init = check_choice(init, "init", INITS)
        if loss is None:
            loss = "bce_logits" if classes == 2 else "cross_entropy"
        loss = check_choice(loss, "loss", tuple(LOSSES))
        if classes > 2 and LOSSES[loss][2]:
            raise ValueError(f"{dataset} has {classes} classes: use loss='cross_entropy'")
        lr = check_positive(lr, "lr")
        if not 1e-4 <= lr <= 10:
            raise ValueError(f"lr must be between 1e-4 and 10 (the page's scale), got {lr}")
        for value, name, allowed in ((momentum, "momentum", MOMENTA),
                                     (weight_decay, "weight_decay", WEIGHT_DECAYS),
                                     (batch_size, "batch_size", BATCH_SIZES)):
            if value not in allowed:
                raise ValueError(
                    f"{name} must be one of {allowed} (the page's choices), got {value!r}")
        seed = check_int(seed, "seed", low=0, high=99)
        optimizer = check_choice(optimizer, "optimizer", OPTIMIZERS)
        if optimizer == "nesterov" and not momentum:
            raise ValueError("optimizer='nesterov' needs a momentum > 0, e.g. momentum=0.9")
        if optimizer == "adam" and momentum:
            raise ValueError("Adam keeps its own moving averages: leave momentum at 0")

        X, y, call = _dataset(dataset, n, noise, seed)
        n_train = n - round(validation * n)
        sizes = [2] + [width] * hidden_layers + [classes if loss == "cross_entropy" else 1]
        output = LOSSES[loss][1]
        model = nk.mlp(sizes, activation=activation, output_activation=output, init=init, rng=seed)
        dense = [layer for layer in model if isinstance(layer, nk.Dense)]
        mlp_call = (f"nk.mlp({sizes}, activation={activation!r}"
                    + (f", output_activation={output!r}" if output else "")
                    + (f", init={init!r}" if init else "") + f", rng={seed})")
        super().__init__(
            settings=dict(dataset=dataset, n=n, noise=noise, validation=validation,
                          hidden_layers=hidden_layers, width=width, activation=activation,
                          init=init, loss=loss, optimizer=optimizer, lr=lr, momentum=momentum,
                          weight_decay=weight_decay, batch_size=batch_size, seed=seed),
            points=dict(X=X.tolist(), y=y.tolist(), n_train=n_train, source={"call": call}),
            initial=dict(
                # The page uses these weights while its settings give this key.
                key=json.dumps([sizes, activation, init, seed, output or "identity"],
                               separators=(",", ":")),
                activation=activation,
                weights=[d.W.value.tolist() for d in dense],
                biases=[d.b.value.tolist() for d in dense],
                source={"call": mlp_call.replace("'", '"')},
            ),
            question=question,
            **kwargs,
        )

    def __repr__(self) -> str:
        """What the widget is, in words (its text/plain output and the notebook's record)."""
        s, points = self.settings, self.points
        units = DATASETS[s["dataset"]][0] if s["loss"] == "cross_entropy" else 1
        sizes = "-".join(map(str, [2] + [s["width"]] * s["hidden_layers"] + [units]))
        n_val = len(points["X"]) - points["n_train"]
        # The optimiser's settings that differ from plain full-batch steps, in words.
        extras = [f"momentum {s['momentum']:g}" if s["momentum"] else "",
                  f"L2 weight decay {s['weight_decay']:g}" if s["weight_decay"] else "",
                  f"mini-batches of {s['batch_size']}" if s["batch_size"] else ""]
        return (f"Playground: a {sizes} {s['activation']} network on {s['dataset']} "
                f"({points['n_train']} training and {n_val} validation points), "
                f"{LOSSES[s['loss']][0].__name__}, {OPTIMIZER_NAMES[s['optimizer']]} with "
                f"learning rate {s['lr']:g}" + "".join(f", {e}" for e in extras if e) + "; "
                "it trains in the page (Play)")

    def training_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The training points (X, y) that Python drew (the page may since have changed them)."""
        n_train = self.points["n_train"]
        return (np.array(self.points["X"][:n_train], dtype=float),
                np.array(self.points["y"][:n_train], dtype=np.int64))

    def initial_model(self) -> nk.Sequential:
        """The network the page starts from, as nnkit drew it."""
        return self._model(self.initial, self.settings["loss"])

    def initial_loss(self) -> float:
        """nnkit's loss of the initial network on the training points Python drew. With
        full batches this is the first point of the page's training curve (epoch 1's loss,
        computed before its update); with mini-batches the first point is epoch 1's mean
        batch loss, taken while the weights move, so it differs. Once the page has drawn
        its own weights or points, this no longer describes its run."""
        X, y = self.training_data()
        return LOSSES[self.settings["loss"]][0]()(self.initial_model().forward(X), y)

    @staticmethod
    def _model(state: dict, loss: str) -> nk.Sequential:
        sizes = [len(state["weights"][0][0])] + [len(W) for W in state["weights"]]
        model = nk.mlp(sizes, activation=state.get("activation") or "relu",
                       output_activation=LOSSES[loss][1],
                       weights=[np.array(W, dtype=float) for W in state["weights"]],
                       bias=[np.array(b, dtype=float) for b in state["biases"]])
        return model.eval()

    def to_nnkit(self) -> nk.Sequential:
        """The network the page trained, as an nnkit Sequential (in evaluation mode).

        Needs a page that has trained and paused (or stepped): the weights come back from
        the browser then. Its predictions equal the page's to rounding error.
        """
        state = self.trained
        if not state.get("weights"):
            raise RuntimeError(
                "the page has not handed back a network yet: display the playground, "
                "train (Play, then Pause, or Step) and call to_nnkit() again")
        return self._model(state, state["loss"])

    def code(self) -> str:
        """The nnkit code that reproduces the page's run (what "Show code" shows)."""
        if "code" not in self.trained:
            raise RuntimeError("the page has not sent its run yet: display the playground first")
        return self.trained["code"]
