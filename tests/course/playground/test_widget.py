"""The Playground widget's Python side, and the code its "Show code" button writes.

The page's code generator (js/codegen.mjs) and trainer run under node; the code they
write is executed here with nnkit, and must reproduce the page's run: the same loss
curve (full batch) to 1e-9, learning-rate changes included.
"""

import contextlib
import io
import re

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.playground import Playground
from nnkit.course.playground.node import relative_difference, run_in_node
from nnkit.course.playground.widget import bundle

TOLERANCE = 1e-9


def page_run(pg: Playground, segments, *, points=None, initial=None, batch_size=None):
    """What the page holds for a run of ``pg`` (as widget.mjs's run()), and the node spec
    that trains it with the learning-rate schedule ``segments``."""
    s = pg.settings
    p = points or {"X": pg.points["X"], "y": pg.points["y"], "nTrain": pg.points["n_train"],
                   "source": pg.points["source"]}
    init = initial or {"weights": pg.initial["weights"], "biases": pg.initial["biases"],
                       "source": pg.initial["source"]}
    sizes = [2] + [s["width"]] * s["hidden_layers"] + [len(init["weights"][-1])]
    run = {"data": p, "sizes": sizes, "activation": s["activation"], "init": s["init"],
           "loss": s["loss"], "seed": s["seed"], "initial": init, "batchSize": batch_size,
           "optimizer": {"name": "adam" if s["optimizer"] == "adam" else "sgd",
                         "lr": segments[0]["lr"], "momentum": s["momentum"],
                         "nesterov": s["optimizer"] == "nesterov",
                         "weightDecay": s["weight_decay"]},
           "segments": segments}
    n = p["nTrain"]
    spec = {"sizes": sizes, "activation": s["activation"], "loss": s["loss"],
            "weights": init["weights"], "biases": init["biases"],
            "X": p["X"][:n], "y": p["y"][:n], "Xval": p["X"][n:], "yval": p["y"][n:],
            "optimizer": run["optimizer"], "batchSize": batch_size, "seed": s["seed"],
            "schedule": segments, "run": run}
    return spec


def execute(code: str) -> dict:
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<playground code>", "exec"), namespace)  # noqa: S102
    return namespace


def test_the_code_reproduces_a_run_with_a_changed_learning_rate():
    pg = Playground(dataset="moons", n=120, noise=0.2, hidden_layers=2, width=6,
                    activation="tanh", lr=0.1, momentum=0.9, seed=3)
    segments = [{"lr": 0.1, "epochs": 40}, {"lr": 0.3, "epochs": 25}, {"lr": 0.05, "epochs": 10}]
    page = run_in_node(page_run(pg, segments))
    code = page["code"]
    assert "nk.datasets.moons(120, noise=0.2, rng=3)" in code
    assert 'nk.mlp([2, 6, 6, 1], activation="tanh", rng=3)' in code
    namespace = execute(code)
    curve = [v for h in namespace["histories"] for v in h.epoch_loss]
    assert len(curve) == 75
    assert relative_difference(page["history"]["epochLoss"], curve) < TOLERANCE
    val = [v for h in namespace["histories"] for v in h.val_loss]
    assert relative_difference(page["history"]["valLoss"], val) < TOLERANCE
    model = namespace["model"]
    for W, layer in zip(page["weights"], [d for d in model if isinstance(d, nk.Dense)],
                        strict=True):
        assert relative_difference(W, layer.W.value) < TOLERANCE


@pytest.mark.parametrize(("optimizer", "momentum", "expected"), [
    ("adam", 0.0, "nk.Adam(model.parameters(), lr=0.01, weight_decay=0.0001)"),
    ("nesterov", 0.9, "nk.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, "
                      "weight_decay=0.0001)"),
])
def test_the_code_reproduces_adam_and_nesterov_runs(optimizer, momentum, expected):
    pg = Playground(dataset="xor", n=100, hidden_layers=1, width=8, activation="relu",
                    optimizer=optimizer, lr=0.01, momentum=momentum, weight_decay=1e-4, seed=5)
    segments = [{"lr": 0.01, "epochs": 30}, {"lr": 0.03, "epochs": 20}]
    page = run_in_node(page_run(pg, segments))
    assert expected in page["code"]
    curve = [v for h in execute(page["code"])["histories"] for v in h.epoch_loss]
    assert relative_difference(page["history"]["epochLoss"], curve) < TOLERANCE


def test_the_code_writes_out_points_and_weights_the_page_drew():
    pg = Playground(dataset="blobs", n=60, noise=1.5, hidden_layers=1, width=5,
                    activation="relu", lr=0.1, momentum=0.5, weight_decay=1e-3, seed=1)
    rng = np.random.default_rng(5)
    X = np.round(rng.normal(0, 3, size=(40, 2)), 4)
    y = rng.integers(0, 3, size=40)
    points = {"X": X.tolist(), "y": y.tolist(), "nTrain": 30, "source": None}
    initial = {"weights": [rng.normal(0, 0.5, size=(5, 2)).tolist(),
                           rng.normal(0, 0.5, size=(3, 5)).tolist()],
               "biases": [[0.0] * 5, [0.0] * 3], "source": None}
    page = run_in_node(page_run(pg, [{"lr": 0.1, "epochs": 60}], points=points,
                                initial=initial))
    code = page["code"]
    assert "X = np.array([" in code and "weights=[np.array(" in code
    assert "nk.SGD(model.parameters(), lr=0.1, momentum=0.5, weight_decay=0.001)" in code
    history = execute(code)["history"]
    assert relative_difference(page["history"]["epochLoss"], history.epoch_loss) < TOLERANCE


def test_mini_batch_code_says_the_order_differs():
    pg = Playground(batch_size=16, seed=2)
    page = run_in_node(page_run(pg, [{"lr": 0.1, "epochs": 3}], batch_size=16))
    assert "batch_size=16, rng=2" in page["code"]
    assert "not equal to it" in page["code"]
    assert execute(page["code"])["history"].epochs == 3


def test_to_nnkit_predicts_what_the_page_predicts():
    pg = Playground(dataset="circles", hidden_layers=1, width=8, activation="sigmoid",
                    loss="bce", lr=1.0, seed=4)
    spec = page_run(pg, [{"lr": 1.0, "epochs": 50}])
    grid = np.stack(np.meshgrid(np.linspace(-1.5, 1.5, 9), np.linspace(-1.5, 1.5, 9)),
                    -1).reshape(-1, 2)
    spec["predict"] = grid
    page = run_in_node(spec)
    # What the page sends back on a pause (widget.mjs publish()).
    pg.trained = {"weights": page["weights"], "biases": page["biases"],
                  "sizes": spec["sizes"], "activation": "sigmoid", "loss": "bce",
                  "epoch": 50, "code": page["code"]}
    model = pg.to_nnkit()
    assert isinstance(model[-1], nk.Sigmoid)
    assert relative_difference(model.forward(grid), page["predictions"]) < TOLERANCE
    assert pg.code() == page["code"]


def test_the_initial_loss_is_the_pages_first_number():
    pg = Playground(dataset="xor", activation="relu", seed=7)
    page = run_in_node(page_run(pg, [{"lr": 0.1, "epochs": 1}]))
    assert relative_difference(pg.initial_loss(), page["history"]["initialLoss"]) < TOLERANCE


def test_the_text_names_every_optimiser_setting_that_is_not_plain_full_batch():
    plain = repr(Playground(dataset="moons", n=100, validation=0.3, lr=0.1))
    assert plain.endswith("BCEWithLogitsLoss, SGD with learning rate 0.1; "
                          "it trains in the page (Play)")
    assert "momentum" not in plain and "weight decay" not in plain and "mini-batch" not in plain
    full = repr(Playground(dataset="moons", n=100, lr=0.2, momentum=0.9, weight_decay=0.01,
                           batch_size=16))
    assert ("SGD with learning rate 0.2, momentum 0.9, L2 weight decay 0.01, "
            "mini-batches of 16; it trains") in full


def test_to_nnkit_before_training_says_what_to_do():
    with pytest.raises(RuntimeError, match="train .*Play, then Pause"):
        Playground().to_nnkit()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"dataset": "iris"}, "dataset"),
    ({"dataset": "blobs", "loss": "bce"}, "use loss='cross_entropy'"),
    ({"hidden_layers": 5}, "hidden_layers"),
    ({"width": 0}, "width"),
    ({"lr": 50}, "between 1e-4 and 10"),
    ({"momentum": 0.7}, "momentum must be one of"),
    ({"batch_size": 10}, "batch_size must be one of"),
    ({"optimizer": "nesterov"}, "needs a momentum > 0"),
    ({"optimizer": "adam", "momentum": 0.9}, "leave momentum at 0"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"validation": 0.9}, "validation must be a share"),
    ({"activation": "gelu"}, "activation"),
])
def test_bad_arguments_get_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Playground(**kwargs)


def test_the_bundle_is_one_module_with_a_default_export():
    text = bundle()
    assert len(re.findall(r"^export default ", text, flags=re.M)) == 1
    assert "import {" not in text
    assert "class Trainer" in text and "function generateCode" in text


def test_the_stored_page_carries_the_current_front_end():
    """book/playground.ipynb keeps the widget's module in its saved state, and the built
    book runs that copy: after a change to js/, the notebook must be executed again
    (scripts/execute_notebooks.py book/playground.ipynb)."""
    import json
    from pathlib import Path

    from nnkit.course.playground.widget import JS

    notebook = Path(__file__).resolve().parents[3] / "book" / "playground.ipynb"
    state = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["widgets"]
    models = state["application/vnd.jupyter.widget-state+json"]["state"].values()
    playgrounds = [m["state"] for m in models if m["model_name"] == "AnyModel"]
    assert len(playgrounds) == 1
    assert playgrounds[0]["_esm"] == bundle(), "re-execute book/playground.ipynb"
    assert playgrounds[0]["_css"] == (JS / "playground.css").read_text(encoding="utf-8")


def test_initial_loss_is_where_a_full_batch_curve_starts():
    pg = Playground(dataset="moons", n=120, validation=0.25, hidden_layers=2, width=8,
                    activation="tanh", loss="cross_entropy", lr=0.3, seed=0)
    full = run_in_node(page_run(pg, [{"lr": 0.3, "epochs": 2}]))["history"]["epochLoss"]
    assert abs(full[0] - pg.initial_loss()) < TOLERANCE * pg.initial_loss()
    # With mini-batches the first point is epoch 1's mean batch loss, not the initial loss.
    batches = run_in_node(page_run(pg, [{"lr": 0.3, "epochs": 2}], batch_size=16))
    assert abs(batches["history"]["epochLoss"][0] - pg.initial_loss()) > 1e-3
