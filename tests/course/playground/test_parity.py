"""The page's trainer (nnkit/course/playground/js/trainer.mjs, run under node) against nnkit.

The same network (initialised by ``nk.mlp(..., rng=seed)``), the same data and the same
full-batch schedule must give nk.fit's loss curve to 1e-9 relative over 200 epochs, for
every activation, loss and optimiser the playground offers (SGD with and without
momentum, Nesterov, L2; Adam); so must the validation loss,
the gradient norms and the final predictions. Mini-batches are drawn by the page's own
generator, so that case replays the page's orders through nnkit's layers, loss and
optimiser, exactly as fit's loop does.
"""

import warnings

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.playground.node import relative_difference, run_in_node

TOLERANCE = 1e-9
EPOCHS = 200

LOSSES = {  # the playground's name -> (nnkit loss, output activation)
    "bce_logits": (nk.BCEWithLogitsLoss, None),
    "bce": (nk.BCELoss, "sigmoid"),
    "mse": (nk.MSELoss, None),
    "cross_entropy": (nk.CrossEntropyLoss, None),
}
OPTIMISERS = {  # name -> (nnkit optimiser, its options)
    "sgd": (nk.SGD, {"lr": 0.3}),
    "momentum": (nk.SGD, {"lr": 0.1, "momentum": 0.9}),
    "nesterov": (nk.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "l2": (nk.SGD, {"lr": 0.3, "weight_decay": 1e-3}),
    "momentum+l2": (nk.SGD, {"lr": 0.05, "momentum": 0.8, "weight_decay": 1e-2}),
    "adam": (nk.Adam, {"lr": 0.01}),
    "adam+l2": (nk.Adam, {"lr": 0.01, "weight_decay": 1e-3}),
}


def page_optimizer(optimiser: str) -> dict:
    """The page's optimiser spec for one of OPTIMISERS."""
    kind, options = OPTIMISERS[optimiser]
    return {"name": "adam" if kind is nk.Adam else "sgd", "lr": options["lr"],
            "momentum": options.get("momentum", 0.0), "nesterov": options.get("nesterov", False),
            "weightDecay": options.get("weight_decay", 0.0)}


def nk_optimizer(model, optimiser: str):
    kind, options = OPTIMISERS[optimiser]
    return kind(model.parameters(), **options)


def data(loss: str):
    """Moons (two classes) or three blobs, split into training and validation points."""
    if loss == "cross_entropy":
        X, y = nk.datasets.blobs(90, n_classes=3, std=1.5, rng=4)
    else:
        X, y = nk.datasets.moons(90, noise=0.2, rng=4)
    return X[:70], y[:70], X[70:], y[70:]


def spec_for(model, loss, activation, X, y, Xv, yv, optimizer, batch_size=None, seed=0):
    """The trainer's spec for an nnkit model and data (``optimizer``: the page's spec)."""
    dense = [layer for layer in model if isinstance(layer, nk.Dense)]
    return {
        "sizes": [dense[0].n_in] + [d.n_out for d in dense],
        "activation": activation, "loss": loss,
        "weights": [d.W.value for d in dense], "biases": [d.b.value for d in dense],
        "X": X, "y": y, "Xval": Xv, "yval": yv, "epochs": EPOCHS,
        "optimizer": optimizer,
        "batchSize": batch_size, "seed": seed,
    }


def setup(activation, loss, hidden=(8, 8), seed=3):
    nk_loss, output = LOSSES[loss]
    X, y, Xv, yv = data(loss)
    units = 3 if loss == "cross_entropy" else 1
    model = nk.mlp([2, *hidden, units], activation=activation, output_activation=output, rng=seed)
    return model, nk_loss(), (X, y, Xv, yv)


def compare(page, history, model, points):
    """The largest relative difference between the page's run and nnkit's, per record."""
    h = page["history"]
    return {
        "initial loss": relative_difference(h["initialLoss"], history.initial_loss),
        "epoch loss": relative_difference(h["epochLoss"], history.epoch_loss),
        "validation loss": relative_difference(h["valLoss"], history.val_loss),
        "gradient norms": relative_difference(h["gradNorms"], history.grad_norms),
        "predictions": relative_difference(page["predictions"], model.forward(points)),
    }


def full_batch_run(activation, loss, optimiser):
    model, nk_loss, (X, y, Xv, yv) = setup(activation, loss)
    spec = spec_for(model, loss, activation, X, y, Xv, yv, page_optimizer(optimiser))
    grid = np.stack(np.meshgrid(np.linspace(-2, 3, 7), np.linspace(-2, 2, 7)), -1).reshape(-1, 2)
    spec["predict"] = grid
    page = run_in_node(spec)
    history = nk.fit(model, X, y, nk_loss, nk_optimizer(model, optimiser),
                     epochs=EPOCHS, validation=(Xv, yv), callbacks=[nk.GradientNorms()])
    return page, history, model, grid


CONFIGS = [(a, loss, "momentum+l2") for a in ("relu", "tanh", "sigmoid", "identity")
           for loss in LOSSES]
CONFIGS += [("tanh", "bce_logits", o) for o in OPTIMISERS if o != "momentum+l2"]
CONFIGS += [("relu", "cross_entropy", o) for o in OPTIMISERS if o != "momentum+l2"]
CONFIGS += [(a, "bce", "adam") for a in ("relu", "sigmoid")]


@pytest.mark.parametrize(("activation", "loss", "optimiser"), CONFIGS)
def test_full_batch_loss_curve_matches_nk_fit(activation, loss, optimiser):
    page, history, model, grid = full_batch_run(activation, loss, optimiser)
    assert not history.diverged and len(history.epoch_loss) == EPOCHS
    # The run must go somewhere, or agreeing would prove little.
    assert history.epoch_loss[-1] < 0.9 * history.initial_loss
    differences = compare(page, history, model, grid)
    assert max(differences.values()) < TOLERANCE, differences


def test_parity_check_sees_a_different_learning_rate():
    """The comparison can fail: 1 % more learning rate is far outside the tolerance."""
    model, nk_loss, (X, y, Xv, yv) = setup("tanh", "bce_logits")
    spec = spec_for(model, "bce_logits", "tanh", X, y, Xv, yv, {"name": "sgd", "lr": 0.303})
    page = run_in_node(spec)
    history = nk.fit(model, X, y, nk_loss, nk.SGD(model.parameters(), lr=0.3), epochs=EPOCHS)
    assert relative_difference(page["history"]["epochLoss"], history.epoch_loss) > 1e-6


@pytest.mark.parametrize("loss", ["bce_logits", "cross_entropy"])
def test_mini_batches_match_nnkit_replaying_the_pages_order(loss):
    """fit's inner loop with the page's orders: forward, loss, backward, step per batch."""
    model, nk_loss, (X, y, Xv, yv) = setup("relu", loss)
    spec = spec_for(model, loss, "relu", X, y, Xv, yv, page_optimizer("momentum+l2"),
                    batch_size=16, seed=9)
    spec["epochs"], spec["recordOrders"] = 30, True
    page = run_in_node(spec)
    assert len(page["orders"]) == 30
    optimizer = nk_optimizer(model, "momentum+l2")
    y = nk_loss.check(model.forward(X), y)[1]  # the targets as fit checks them: (n, 1)
    epoch_loss = []
    for order in page["orders"]:
        total = 0.0
        for start in range(0, len(X), 16):
            rows = np.array(order[start:start + 16])
            value = nk_loss.forward(model.forward(X[rows]), y[rows])
            model.backward(nk_loss.backward(), input_grad=False)
            optimizer.step()
            total += value * len(rows)
        epoch_loss.append(total / len(X))
    assert relative_difference(page["history"]["epochLoss"], epoch_loss) < TOLERANCE
    assert page["history"]["nUpdates"] == 30 * 5


def test_a_diverging_run_stops_in_the_same_epoch_as_nk_fit():
    model, nk_loss, (X, y, Xv, yv) = setup("relu", "mse")
    spec = spec_for(model, "mse", "relu", X, y, Xv, yv, {"name": "sgd", "lr": 3.0})
    page = run_in_node(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nk.DivergenceWarning)
        history = nk.fit(model, X, y, nk_loss, nk.SGD(model.parameters(), lr=3.0), epochs=EPOCHS)
    assert history.diverged and page["history"]["diverged"]
    assert page["history"]["divergedEpoch"] == history.diverged_epoch
    assert relative_difference(page["history"]["epochLoss"], history.epoch_loss) < TOLERANCE


def test_the_trainer_refuses_bad_input_with_its_message():
    model, _, (X, y, Xv, yv) = setup("relu", "bce_logits")
    spec = spec_for(model, "bce_logits", "relu", X, y + 1, Xv, yv, {"name": "sgd", "lr": 0.1})
    with pytest.raises(ValueError, match="labels go up to 2"):
        run_in_node(spec)
