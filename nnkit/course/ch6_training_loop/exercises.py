"""Checkers for chapter 6, the training loop.

* :func:`check_two_layer` -- forward and backward pass of a two-layer ReLU/softmax network
  written in plain NumPy, checked against finite differences (a gradient check);
* :func:`check_train_one_epoch` -- one epoch of mini-batch gradient descent with nnkit
  objects: shuffle, cut into batches, update after each batch;
* :func:`check_fastest_settings` -- a batch size and a learning rate that reach a target
  test accuracy on the moons data set at the lowest cost (see :data:`COST_MODEL`).

Usage in the notebook::

    from nnkit.course.ch6_training_loop import exercises as ex
    ex.check_two_layer(two_layer_forward_backward);
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np

from nnkit.course.checking import Hint, call_student, checker, expect, expect_close

__all__ = [
    "COST_MODEL",
    "check_fastest_settings",
    "check_train_one_epoch",
    "check_two_layer",
    "fastest_settings_cost",
    "reference_train_one_epoch",
    "reference_two_layer",
]

_PARAM_NAMES = ("W1", "b1", "W2", "b2")


# --------------------------------------------------------------------------------------
# Exercise 1: forward and backward pass of a two-layer network
# --------------------------------------------------------------------------------------


def reference_two_layer(X, y, params, relu_mask=True, average=True):
    """Mean cross-entropy of a two-layer ReLU network and its gradients.

    ``z1 = X W1ᵀ + b1`` (n, h), ``a1 = max(z1, 0)``, ``z2 = a1 W2ᵀ + b2`` (n, C),
    ``p = softmax(z2)``, ``L = -(1/n) Σ_i log p[i, y_i]``. Backward: ``δ2 = (p - Y)/n``,
    ``∂L/∂W2 = δ2ᵀ a1``, ``∂L/∂b2 = Σ_i δ2``, ``δ1 = (δ2 W2) ⊙ [z1 > 0]``,
    ``∂L/∂W1 = δ1ᵀ X``, ``∂L/∂b1 = Σ_i δ1``. Returns ``(loss, {"W1", "b1", "W2", "b2"})``.

    ``relu_mask=False`` and ``average=False`` give two classic wrong answers (the ReLU
    derivative forgotten, the gradient summed instead of averaged) used for hints.
    """
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64) for k in _PARAM_NAMES)
    n = X.shape[0]
    z1 = X @ W1.T + b1
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ W2.T + b2
    shifted = z2 - z2.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(log_p[np.arange(n), y].mean())
    delta2 = np.exp(log_p)
    delta2[np.arange(n), y] -= 1.0
    if average:
        delta2 /= n
    grads = {"W2": delta2.T @ a1, "b2": delta2.sum(axis=0)}
    delta1 = delta2 @ W2
    if relu_mask:
        delta1 = delta1 * (z1 > 0)
    grads["W1"] = delta1.T @ X
    grads["b1"] = delta1.sum(axis=0)
    return loss, grads


def _two_layer_case(n, d, h, c, seed, x_scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * x_scale
    y = rng.integers(0, c, size=n)
    params = {
        "W1": rng.normal(size=(h, d)) * 0.8,
        "b1": rng.normal(size=h) * 0.3,
        "W2": rng.normal(size=(c, h)) * 0.8,
        "b2": rng.normal(size=c) * 0.3,
    }
    return X, y, params


def _unpack_two_layer(result, what):
    if result is None:
        raise Hint(f"{what}: your function returned None — return `loss, grads`.")
    if not (isinstance(result, tuple) and len(result) == 2):
        raise Hint(f"{what}: return a pair `loss, grads` (a float and a dict of four arrays).")
    loss, grads = result
    if not isinstance(grads, dict):
        raise Hint(f"{what}: the second value should be a dict with keys 'W1', 'b1', 'W2', 'b2'.")
    missing = [k for k in _PARAM_NAMES if k not in grads]
    if missing:
        raise Hint(f"{what}: the gradient dict is missing {', '.join(repr(k) for k in missing)}.")
    return loss, grads


def _numerical_gradients(fn, X, y, params, eps=1e-6):
    """Centred differences (L(θ+ε) - L(θ-ε)) / 2ε of fn's loss for every parameter entry."""
    numeric = {}
    for name in _PARAM_NAMES:
        grad = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            shifted = {k: v.copy() for k, v in params.items()}
            shifted[name][index] += eps
            up = float(fn(X, y, shifted)[0])
            shifted[name][index] -= 2 * eps
            down = float(fn(X, y, shifted)[0])
            grad[index] = (up - down) / (2 * eps)
        numeric[name] = grad
    return numeric


def _relative_error(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


@checker("Two-layer network: forward and backward")
def check_two_layer(two_layer_forward_backward):
    """Check ``two_layer_forward_backward(X, y, params) -> (loss, grads)``.

    The loss must be the mean cross-entropy of the ReLU/softmax network of
    :func:`reference_two_layer`; the gradients must pass a gradient check (relative
    error below 1e-6 against centred differences of the student's own loss), have the
    shapes of the parameters, and stay finite for very large logits.
    """
    what = "two_layer_forward_backward"
    X, y, params = _two_layer_case(n=6, d=3, h=5, c=3, seed=1)
    # Called directly (not through call_student, which copies its arguments) so that a
    # change to the weight dict is visible here.
    given, X_given = copy.deepcopy(params), X.copy()
    loss, grads = _unpack_two_layer(two_layer_forward_backward(X_given, y.copy(), given), what)
    for k in _PARAM_NAMES:
        if not np.array_equal(given[k], params[k]):
            raise Hint(
                f"{what} changed params[{k!r}] in place; the pass must only read the weights."
            )
    expect(np.array_equal(X_given, X), f"{what} changed X in place; compute new arrays instead.")
    ref_loss, ref_grads = reference_two_layer(X, y, params)
    n = X.shape[0]
    expect_close(
        loss,
        ref_loss,
        what="the loss on 6 examples",
        rtol=1e-6,
        hints={
            n * ref_loss: "the loss is n = 6 times too large: average the cross-entropy over the "
            "batch (mean, not sum).",
        },
    )
    # Backpropagation runs from the output back, so check the gradients in that order:
    # the first wrong one points at the step that went wrong.
    no_mask = reference_two_layer(X, y, params, relu_mask=False)[1]
    summed = reference_two_layer(X, y, params, average=False)[1]
    for k in ("W2", "b2", "W1", "b1"):
        hints = [
            (
                summed[k],
                f"∂L/∂{k} is n = 6 times too large: divide (p − Y) by the batch "
                "size, since the loss is a mean.",
            )
        ]
        if k in ("W1", "b1"):
            hints.append(
                (
                    no_mask[k],
                    f"∂L/∂{k} ignores the ReLU: multiply the gradient arriving "
                    "at the hidden layer by its derivative, 1 where z1 > 0 and "
                    "0 elsewhere.",
                )
            )
        expect_close(grads[k], ref_grads[k], what=f"∂L/∂{k}", rtol=1e-5, atol=1e-9, hints=hints)

    numeric = _numerical_gradients(lambda *a: two_layer_forward_backward(*a), X, y, params)
    worst = max(
        _relative_error(np.asarray(grads[k], dtype=np.float64), numeric[k]) for k in _PARAM_NAMES
    )
    expect(
        worst < 1e-6,
        f"the gradient check fails: worst relative error {worst:.1e} between "
        "your gradients and finite differences of your loss (want < 1e-6).",
    )

    X1, y1, p1 = _two_layer_case(n=1, d=3, h=5, c=3, seed=2)
    loss1, grads1 = _unpack_two_layer(
        call_student(two_layer_forward_backward, X1, y1, p1, what=what), what
    )
    ref1, ref_grads1 = reference_two_layer(X1, y1, p1)
    expect_close(loss1, ref1, what="the loss for a batch of one example")
    expect_close(
        grads1["W1"], ref_grads1["W1"], what="∂L/∂W1 for a batch of one example", rtol=1e-5
    )

    Xb, _, pb = _two_layer_case(n=4, d=3, h=5, c=3, seed=3, x_scale=1e3)
    # Label each example with the class the network favours, so that the correct
    # probabilities are near 1 (not rounded to 0) and only an unshifted exp overflows.
    yb = (np.maximum(Xb @ pb["W1"].T + pb["b1"], 0) @ pb["W2"].T + pb["b2"]).argmax(axis=1)
    big_loss, big_grads = _unpack_two_layer(
        call_student(two_layer_forward_backward, Xb, yb, pb, what=what), what
    )
    ref_big, ref_big_grads = reference_two_layer(Xb, yb, pb)
    overflow = (
        "with inputs of size 1000 the logits are huge and exp overflows: subtract each "
        "row's maximum logit before the softmax (it does not change the probabilities)."
    )
    expect_close(
        big_loss,
        ref_big,
        what="the loss for very large logits",
        rtol=1e-6,
        atol=1e-9,
        nonfinite_hint=overflow,
    )
    expect_close(
        big_grads["W2"],
        ref_big_grads["W2"],
        what="∂L/∂W2 for very large logits",
        rtol=1e-5,
        atol=1e-6,
        nonfinite_hint=overflow,
    )
    return "passed — loss matches, and the gradient check agrees to better than 1e-6."


# --------------------------------------------------------------------------------------
# Exercise 2: one epoch of mini-batch gradient descent
# --------------------------------------------------------------------------------------


def reference_train_one_epoch(model, X, y, loss_fn, optimizer, batch_size, rng):
    """One epoch of mini-batch gradient descent; returns the list of batch losses.

    The order is ``rng.permutation(n)``; batch ``k`` holds the examples at positions
    ``k·B … (k+1)·B - 1`` of that order (the last batch may be smaller), and every batch
    does forward, loss, zero_grad, backward and one optimizer step: ``⌈n/B⌉`` updates.
    """
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        loss = loss_fn.forward(model.forward(X[batch]), y[batch])
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(float(loss))
    return losses


def _small_problem(n, seed):
    import nnkit as nk

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = nk.Sequential(nk.Dense(2, 4, rng=seed), nk.Tanh(), nk.Dense(4, 2, rng=seed + 1))
    return X, y, model


def _run_epoch(fn, n, batch_size, seed, lr=0.5):
    """Run ``fn`` on a fresh copy of the small problem; return (losses, final parameters)."""
    import nnkit as nk

    X, y, model = _small_problem(n, seed)
    optimizer = nk.SGD(model.parameters(), lr=lr)
    losses = fn(
        model, X, y, nk.CrossEntropyLoss(), optimizer, batch_size, np.random.default_rng(seed)
    )
    return losses, [p.value.copy() for p in model.parameters()]


def _unshuffled(model, X, y, loss_fn, optimizer, batch_size, rng):
    return reference_train_one_epoch(model, X, y, loss_fn, optimizer, batch_size, _Identity(len(X)))


class _Identity:
    """Stands in for a Generator whose permutation leaves the order unchanged."""

    def __init__(self, n):
        self.n = n

    def permutation(self, n):
        return np.arange(n)


def _split_shuffle(model, X, y, loss_fn, optimizer, batch_size, rng):
    # A classic slip: X and y shuffled by two different permutations.
    Xs, ys = X[rng.permutation(len(X))], y[rng.permutation(len(y))]
    losses = []
    for start in range(0, len(X), batch_size):
        loss = loss_fn.forward(
            model.forward(Xs[start : start + batch_size]), ys[start : start + batch_size]
        )
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(float(loss))
    return losses


@checker("One epoch of mini-batch gradient descent")
def check_train_one_epoch(train_one_epoch):
    """Check ``train_one_epoch(model, X, y, loss_fn, optimizer, batch_size, rng) -> list``.

    Runs the student's epoch and :func:`reference_train_one_epoch` from identical
    networks and generators, for ``n = 23`` with ``B = 5`` (a short last batch), ``B = 1``
    (stochastic) and ``B = n`` (full batch), and compares the batch losses and the final
    weights. Hints name the usual slips: no shuffling, the last batch dropped, X and y
    shuffled differently, no optimizer step.
    """
    n = 23
    for batch_size in (5, 1, n):
        got, got_params = _run_epoch(train_one_epoch, n, batch_size, seed=4)
        ref, ref_params = _run_epoch(reference_train_one_epoch, n, batch_size, seed=4)
        label = f"with n = {n} and batch_size = {batch_size}"
        if got is None:
            raise Hint("train_one_epoch returned None — return the list of batch losses.")
        try:
            got = [float(v) for v in got]
        except (TypeError, ValueError):
            raise Hint(
                "train_one_epoch should return a list of numbers, one loss per batch."
            ) from None
        n_updates = math.ceil(n / batch_size)
        if len(got) == n // batch_size and len(got) != n_updates:
            raise Hint(
                f"{label} you made {len(got)} updates instead of {n_updates}: the last, "
                f"smaller batch of {n % batch_size} examples was dropped — keep it."
            )
        expect(
            len(got) == n_updates,
            f"{label} expected one loss per batch, {n_updates} in all; got {len(got)}.",
        )
        unchanged = _small_problem(n, 4)[2].parameters()
        if all(np.array_equal(a, p.value) for a, p in zip(got_params, unchanged, strict=True)):
            raise Hint(
                f"{label} the weights did not change: call optimizer.step() after "
                "backward for every batch."
            )
        for variant, message in (
            (
                _unshuffled,
                "the batches come in the original order: draw "
                "`order = rng.permutation(len(X))` once and index X and y with it.",
            ),
            (
                _split_shuffle,
                "X and y were shuffled by different permutations, "
                "so labels no longer match their inputs: use one `order` for both.",
            ),
        ):
            if batch_size > 1:
                wrong, _ = _run_epoch(variant, n, batch_size, seed=4)
                if (
                    len(wrong) == len(got)
                    and np.allclose(got, wrong, rtol=1e-9)
                    and not np.allclose(got, ref, rtol=1e-9)
                ):
                    raise Hint(message)
        expect_close(got, ref, what=f"the batch losses {label}", rtol=1e-8)
        for k, (a, b) in enumerate(zip(got_params, ref_params, strict=True)):
            expect_close(a, b, what=f"parameter {k} after the epoch {label}", rtol=1e-8)
    return "passed — shuffling, batching and one update per batch all match (3 batch sizes)."


# --------------------------------------------------------------------------------------
# Exercise 3: the fastest batch size and learning rate
# --------------------------------------------------------------------------------------

# Cost of training, in "example units": every update pays a fixed overhead (Python calls,
# slicing out the batch, one step per parameter) worth OVERHEAD examples, plus one unit per
# example it processes. For the small networks of this chapter nnkit spends tens of
# microseconds per update whatever its size and well under a microsecond per example, so
# an overhead of 100 examples is the right order of magnitude.
COST_MODEL = {"overhead": 100, "per_example": 1}
TARGET_ACCURACY = 0.95
BUDGET = 60_000
MAX_EPOCHS = 200
# The exercise's data: 600 noisy moons, 450 for training and 150 for testing.
_MOONS = {"n": 600, "noise": 0.15}


def _moons_split(seed):
    import nnkit as nk

    X, y = nk.datasets.moons(rng=seed, **_MOONS)
    return nk.datasets.train_test_split(X, y, test_fraction=0.25, rng=seed)


def fastest_settings_cost(batch_size, lr, target=TARGET_ACCURACY, budget=BUDGET, seed=0):
    """Train the moons classifier with ``batch_size`` and ``lr`` until it reaches ``target``.

    The network is ``2 → 16 → 16 → 2`` with tanh units (Xavier initialisation, as in
    :func:`lab.build_network`), trained with plain SGD on the 450 training
    points of ``moons(n=600, noise=0.15)``; test accuracy is measured after every epoch.
    Returns ``dict(reached, epochs, updates, cost, accuracy, diverged, initial_loss,
    final_loss, rises)``, where ``rises`` is the fraction of epochs whose loss went up and
    ``cost = updates · overhead + examples processed`` (see :data:`COST_MODEL`); training
    stops when the target is reached, when another epoch
    would pass ``budget``, or on divergence.
    """
    import nnkit as nk
    from nnkit.course.ch6_training_loop.lab import build_network

    X_train, X_test, y_train, y_test = _moons_split(seed)
    n = len(X_train)
    per_epoch_updates = 1 if batch_size is None else math.ceil(n / batch_size)
    per_epoch_cost = per_epoch_updates * COST_MODEL["overhead"] + n * COST_MODEL["per_example"]
    model = build_network(2, 2, (16, 16), "tanh", rng=seed)
    state = {"reached": False, "accuracy": float(nk.accuracy(model.forward(X_test), y_test))}

    def stop_when_done(epoch, net, history):
        state["accuracy"] = float(nk.accuracy(net.forward(X_test), y_test))
        state["reached"] = state["accuracy"] >= target
        return state["reached"] or (epoch + 1) * per_epoch_cost > budget

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        history = nk.fit(
            model,
            X_train,
            y_train,
            nk.CrossEntropyLoss(),
            nk.SGD(model.parameters(), lr=lr),
            epochs=MAX_EPOCHS,
            batch_size=batch_size,
            rng=seed,
            callback=stop_when_done,
        )
    epochs = len(history.epoch_loss)
    return {
        "reached": state["reached"] and not history.diverged,
        "epochs": epochs,
        "updates": history.n_updates,
        "cost": history.n_updates * COST_MODEL["overhead"] + epochs * n * COST_MODEL["per_example"],
        "accuracy": state["accuracy"],
        "diverged": bool(history.diverged),
        "initial_loss": float(history.initial_loss),
        "final_loss": float(history.epoch_loss[-1]) if history.epoch_loss else math.inf,
        "rises": _fraction_of_rises([history.initial_loss] + list(history.epoch_loss)),
    }


def _fraction_of_rises(losses):
    """Fraction of epochs whose training loss rose by more than 10 % (a zig-zagging run)."""
    losses = np.asarray(losses, dtype=np.float64)
    if len(losses) < 2:
        return 0.0
    return float(np.mean(losses[1:] > 1.1 * losses[:-1]))


@checker("The fastest batch size and learning rate")
def check_fastest_settings(choose_settings):
    """Check ``choose_settings() -> (batch_size, learning_rate)``.

    Trains the moons network with the student's settings (deterministic: fixed data, seed
    and shuffling) and passes if the test accuracy reaches 95 % within :data:`BUDGET`
    cost units. Hints explain *why* a choice is slow: too many costly updates, steps too
    small, or steps so large that the loss bounces instead of falling.
    """
    choice = choose_settings()
    if not (isinstance(choice, tuple) and len(choice) == 2):
        raise Hint("return a pair `(batch_size, learning_rate)`, e.g. `return 32, 0.1`.")
    batch_size, lr = choice
    n_train = 450
    if batch_size is not None and not (
        isinstance(batch_size, (int, np.integer))
        and not isinstance(batch_size, bool)
        and 1 <= batch_size <= n_train
    ):
        raise Hint(
            f"batch_size must be None (full batch) or a whole number from 1 to {n_train}; "
            f"got {batch_size!r}."
        )
    if not (
        isinstance(lr, (int, float, np.floating))
        and not isinstance(lr, bool)
        and math.isfinite(lr)
        and lr > 0
    ):
        raise Hint(f"the learning rate must be a positive number; got {lr!r}.")
    result = fastest_settings_cost(batch_size, float(lr))
    expect(
        not result["diverged"],
        f"with η = {lr:g} the loss blew up after {result['epochs']} "
        "epochs: the steps overshoot — take a smaller learning rate.",
    )
    updates_per_epoch = 1 if batch_size is None else math.ceil(n_train / batch_size)
    if not result["reached"]:
        missed = f"{TARGET_ACCURACY:.0%} not reached within {BUDGET} units"
        if result["epochs"] < 5:
            raise Hint(
                f"{missed}: {updates_per_epoch} updates per epoch at "
                f"{COST_MODEL['overhead']} units each use it up in {result['epochs']} "
                "epoch(s) — use larger batches."
            )
        if result["final_loss"] > 0.8 * result["initial_loss"] or result["rises"] >= 0.2:
            raise Hint(
                f"{missed}: the loss rose in {result['rises']:.0%} of {result['epochs']} "
                "epochs — steps this large bounce around; lower η or use larger batches."
            )
        raise Hint(
            f"{missed}: after {result['epochs']} epochs the test accuracy is only "
            f"{result['accuracy']:.0%} — the steps are too small to leave the plateau; raise η."
        )
    return (
        f"passed — {TARGET_ACCURACY:.0%} test accuracy after {result['epochs']} epochs "
        f"({result['updates']} updates), cost {result['cost']} of {BUDGET} units."
    )
