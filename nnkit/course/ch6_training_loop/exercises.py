"""Checked exercises of chapter 6, "The training loop".

=============================  ==================================================================
checker                        the student writes
=============================  ==================================================================
:data:`check_two_layer`        ``two_layer_forward_backward(X, y, params) -> (loss, grads)``:
                               forward and backward pass of a two-layer ReLU/softmax network
:data:`check_train_one_epoch`  ``train_one_epoch(model, X, y, loss_fn, optimizer, batch_size,
                               rng) -> losses``: one epoch of mini-batch gradient descent
:data:`check_fastest_settings` ``choose_settings() -> (batch_size, lr)`` reaching 95 % validation
                               accuracy on the moons within :data:`BUDGET` cost units
=============================  ==================================================================

Each checker is an :class:`nnkit.course.checking.Exercise`: call it with your function.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from hypothesis import strategies as st

import nnkit as nk
from nnkit.course.checking import Case, Exercise, Hint, arrays
from nnkit.course.quiz import Option, Quiz
from nnkit.course.two_layer import PARAM_NAMES, loss_and_gradients
from nnkit.validation import as_rng

__all__ = [
    "BUDGET",
    "COST_MODEL",
    "TARGET_ACCURACY",
    "check_fastest_settings",
    "check_train_one_epoch",
    "check_two_layer",
    "fastest_settings_cost",
    "quizzes",
]

# ----------------------------------------------------------------------------- forward/backward


def _with_slip(X, y, params, *, relu_mask=True, average=True, shift="row"):
    """The two-layer pass with one of the classic slips, for the hints (the reference is
    :func:`nnkit.course.two_layer.loss_and_gradients`): ``relu_mask=False`` ignores the ReLU
    in the backward pass, ``average=False`` sums over the batch instead of averaging,
    ``shift="batch"`` shifts the logits by the batch's maximum and ``shift="none"`` not at
    all, computing ``p = softmax(z2)`` and then ``log p`` as most first answers do.
    """
    W1, b1, W2, b2 = (params[k] for k in PARAM_NAMES)
    n = X.shape[0]
    z1 = X @ W1.T + b1
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ W2.T + b2
    top = {"row": z2.max(axis=1, keepdims=True), "batch": z2.max(), "none": 0.0}[shift]
    exp = np.exp(z2 - top)
    p = exp / exp.sum(axis=1, keepdims=True)
    loss = -float(np.mean(np.log(p[np.arange(n), y])))
    delta2 = p.copy()
    delta2[np.arange(n), y] -= 1.0
    if average:
        delta2 /= n
    else:
        loss *= n
    delta1 = delta2 @ W2
    if relu_mask:
        delta1 = delta1 * (z1 > 0)
    grads = {"W1": delta1.T @ X, "b1": delta1.sum(axis=0), "W2": delta2.T @ a1,
             "b2": delta2.sum(axis=0)}
    return loss, grads


def _network_case(n, d, h, c, seed, x_scale=1.0, favoured=False):
    rng = as_rng(seed)
    X = rng.normal(size=(n, d)) * x_scale
    params = {"W1": rng.normal(size=(h, d)) * 0.8, "b1": rng.normal(size=h) * 0.3,
              "W2": rng.normal(size=(c, h)) * 0.8, "b2": rng.normal(size=c) * 0.3}
    y = rng.integers(0, c, size=n)
    if favoured:
        # Each example labelled with the class the network favours: the right probabilities
        # are near 1, so only an unshifted exp overflows (the loss itself stays small).
        y = (np.maximum(X @ params["W1"].T + params["b1"], 0) @ params["W2"].T
             + params["b2"]).argmax(axis=1)
    return Case((X, y, params))


@st.composite
def _networks(draw):
    n, d, h, c = (draw(st.integers(1, k)) for k in (5, 3, 4, 3))
    c = max(c, 2)
    scale = draw(st.sampled_from([1.0, 1.0, 30.0]))
    X = draw(arrays((n, d), 3.0)) * scale
    params = {"W1": draw(arrays((h, d), 2.0)), "b1": draw(arrays((h,), 1.0)),
              "W2": draw(arrays((c, h), 2.0)), "b2": draw(arrays((c,), 1.0))}
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    return Case((X, y, params))


def _label_far_below(seed):
    """Large inputs with each example labelled with the class the network likes *least*: the
    label's logit lies hundreds below its row's largest, where softmax gives exactly 0 and
    ``log(softmax(z))`` returns inf, while the loss, by log-sum-exp, is large but finite."""
    case = _network_case(2, 3, 5, 3, seed=seed, x_scale=1e3)
    X, _, params = case.args
    z2 = (np.maximum(X @ params["W1"].T + params["b1"], 0.0) @ params["W2"].T
          + params["b2"])
    y = z2.argmin(axis=1)
    assert np.all(z2.max(axis=1) - z2.min(axis=1) > 800.0), "a gap above 800 in every row"
    return Case((X, y, params))


check_two_layer = Exercise(
    "Forward and backward pass of a two-layer network",
    loss_and_gradients,
    args=("X", "y", "params"),
    returns=("loss", "grads"),
    cases=[
        _network_case(6, 3, 5, 3, seed=1),
        _network_case(1, 3, 5, 3, seed=2, x_scale=1.0),
        _network_case(4, 3, 5, 3, seed=3, x_scale=1e3, favoured=True),
        _label_far_below(seed=36),
    ],
    strategy=_networks(),
    examples=30,
    rtol=1e-6,
    atol=1e-9,
    hints=[
        Hint("a label's logit lies far below its row's largest, so softmax gives exactly 0 "
             "there and log 0 = −∞, although the loss is finite: compute the log-probabilities "
             "directly, log p = (z − max) − log Σ exp(z − max), and never take log of p.",
             like=lambda *a: _with_slip(*a, shift="row")),
        Hint("the loss and the gradients are n times too large: average the cross-entropy over "
             "the batch, and divide (p − Y) by the batch size n.",
             like=lambda *a: _with_slip(*a, average=False)),
        Hint("∂J/∂W1 and ∂J/∂b1 ignore the ReLU: multiply the gradient arriving at the hidden "
             "layer by its derivative, 1 where z1 > 0 and 0 elsewhere.",
             like=lambda *a: _with_slip(*a, relu_mask=False)),
        Hint("you shifted the logits by the maximum of the whole batch; shift each row by its "
             "own maximum, or a row far below the batch maximum underflows to 0/0.",
             like=lambda *a: _with_slip(*a, shift="batch")),
        Hint("with large inputs the logits are huge and exp overflows: subtract each row's "
             "maximum logit before the softmax (it does not change the probabilities).",
             like=lambda *a: _with_slip(*a, shift="none")),
    ],
)


# ----------------------------------------------------------------------------- one epoch


def _train_one_epoch(model, X, y, loss_fn, optimizer, batch_size, rng):
    """One epoch of mini-batch gradient descent; returns the list of batch losses.

    The order is ``rng.permutation(n)``; batch ``k`` holds the examples at positions
    ``k·B … (k+1)·B − 1`` of that order (the last batch may be smaller), and every batch
    does forward, loss, zero_grad, backward and one optimizer step: ``⌈n/B⌉`` updates.
    Written out, not ``nk.fit``: this loop is what the student writes.
    """
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        batch = order[start : start + batch_size]
        loss = loss_fn(model(X[batch]), y[batch])
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(float(loss))
    return losses


def _epoch_variant(model, X, y, loss_fn, optimizer, batch_size, rng, *, order="rng",
                   drop_last=False):
    """One epoch with a typical slip: no shuffle, X and y shuffled apart, last batch
    dropped (for the hints)."""
    n = len(X)
    if order == "none":
        ix, iy = np.arange(n), np.arange(n)
    elif order == "apart":
        ix, iy = rng.permutation(n), rng.permutation(n)
    else:
        ix = iy = rng.permutation(n)
    end = n - n % batch_size if drop_last else n
    losses = []
    for start in range(0, end, batch_size):
        loss = loss_fn(model(X[ix[start : start + batch_size]]),
                       y[iy[start : start + batch_size]])
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        losses.append(float(loss))
    return losses


def _epoch_case(n, batch_size, seed=4, lr=0.5):
    rng = as_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = nk.Sequential(nk.Dense(2, 4, rng=seed), nk.Tanh(), nk.Dense(4, 2, rng=seed + 1))
    return Case((model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=lr),
                 batch_size, as_rng(seed)))


def _losses_and_weights(args, losses):
    """What an epoch is judged by: the batch losses it returned and the weights it left."""
    if isinstance(losses, (list, tuple, np.ndarray)):
        try:
            losses = [float(v) for v in losses]
        except (TypeError, ValueError):
            pass
    return losses, tuple(p.value.copy() for p in args[0].parameters())


def _global_rng(call):
    """The student's epoch never drew from the generator it was given."""
    given = call.case.args[6]
    return (call.received[6].bit_generator.state == given.bit_generator.state
            and len(call.case.args[1]) > 1)


def _gradients_computed(call):
    """Some gradient of the model the student's epoch received is not zero: backward ran."""
    return any(np.any(p.grad != 0) for p in call.received[0].parameters())


def _weights_unchanged(call):
    before = [p.value for p in call.case.args[0].parameters()]
    return all(np.array_equal(a, b) for a, b in zip(before, call.got[1], strict=True))


check_train_one_epoch = Exercise(
    "One epoch of mini-batch gradient descent",
    _train_one_epoch,
    args=("model", "X", "y", "loss_fn", "optimizer", "batch_size", "rng"),
    returns=("batch losses", "weights after the epoch"),
    mutable=("model", "loss_fn", "optimizer", "rng"),
    outcome=_losses_and_weights,
    cases=[_epoch_case(23, 5), _epoch_case(23, 1), _epoch_case(23, 23), _epoch_case(7, 3, seed=5),
           _epoch_case(1, 4, seed=6)],
    rtol=1e-8,
    atol=1e-12,
    hints=[
        Hint("the batches come in the original order: draw `order = rng.permutation(len(X))` "
             "once and index X and y with it.",
             like=lambda *a: _epoch_variant(*a, order="none")),
        Hint("X and y were shuffled by different permutations, so labels no longer match their "
             "inputs: use one `order` for both.",
             like=lambda *a: _epoch_variant(*a, order="apart")),
        Hint("the last, smaller batch was dropped: with 23 examples in batches of 5 there are "
             "⌈23/5⌉ = 5 updates, the last of 3 examples. Keep it: range(0, len(X), batch_size).",
             like=lambda *a: _epoch_variant(*a, drop_last=True)),
        Hint("use the `rng` you are given (order = rng.permutation(len(X))), not NumPy's global "
             "random functions: only then is the epoch reproducible from its seed.",
             when=_global_rng),
        Hint("the weights did not change and no gradient was ever computed: after the loss, "
             "call model.backward(loss_fn.backward()) for every batch, then optimizer.step().",
             when=lambda call: _weights_unchanged(call) and not _gradients_computed(call)),
        Hint("the weights did not change although the gradients were computed: call "
             "optimizer.step() after backward for every batch.",
             when=lambda call: _weights_unchanged(call) and _gradients_computed(call)),
    ],
)


# ----------------------------------------------------------------------------- fastest settings

# Cost of training, in "example units": every update pays a fixed overhead (Python calls,
# slicing out the batch, one step per parameter) worth OVERHEAD examples, plus one unit per
# example it processes. For the small networks of this chapter nnkit spends tens of
# microseconds per update whatever its size and well under a microsecond per example, so
# an overhead of 100 examples is the right order of magnitude.
COST_MODEL = {"overhead": 100, "per_example": 1}
TARGET_ACCURACY = 0.95
BUDGET = 60_000
MAX_EPOCHS = 200
# The exercise's data: 600 noisy moons, 450 for training and 150 for validation: training
# stops on the validation accuracy, and no test set is kept: no accuracy on new data is
# claimed.
_MOONS = {"n": 600, "noise": 0.15}
_N_TRAIN = 450


@functools.lru_cache(maxsize=64)
def fastest_settings_cost(batch_size, lr, target=TARGET_ACCURACY, budget=BUDGET, seed=0):
    """Train the moons classifier with ``batch_size`` and ``lr`` until it reaches ``target``.

    The network is ``nk.mlp([2, 16, 16, 2], activation="tanh")`` (Xavier initialisation),
    trained with plain SGD on the 450 training points of ``moons(n=600, noise=0.15)``;
    accuracy on the other 150, the validation set, is measured after every epoch and
    decides when to stop. Returns ``dict(reached, epochs, updates, cost, overhead, accuracy,
    diverged, initial_loss, final_loss, rises)``: ``cost = updates · overhead + examples
    processed`` (see :data:`COST_MODEL`), ``overhead`` the part of it paid per update,
    ``rises`` the fraction of epochs whose loss rose by more than 10 %. Training stops when
    the target is reached, when another epoch would pass ``budget``, or on divergence.
    """
    X, y = nk.datasets.moons(rng=seed, **_MOONS)
    X_train, X_val, y_train, y_val = nk.datasets.train_test_split(X, y, test_fraction=0.25,
                                                                  rng=seed)
    n = len(X_train)
    per_epoch_updates = 1 if batch_size is None else math.ceil(n / batch_size)
    per_epoch_cost = per_epoch_updates * COST_MODEL["overhead"] + n * COST_MODEL["per_example"]
    model = nk.mlp([2, 16, 16, 2], activation="tanh", rng=seed)
    state = {"reached": False, "accuracy": float(nk.accuracy(model(X_val), y_val))}

    def stop_when_done(epoch, net, history):
        state["accuracy"] = float(nk.accuracy(net(X_val), y_val))
        state["reached"] = state["accuracy"] >= target
        return state["reached"] or (epoch + 1) * per_epoch_cost > budget

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        history = nk.fit(model, X_train, y_train, nk.CrossEntropyLoss(),
                         nk.SGD(model.parameters(), lr=lr), epochs=MAX_EPOCHS,
                         batch_size=batch_size, rng=seed,
                         callbacks=[nk.EvaluateTrain(), stop_when_done])
    epochs = len(history.train_loss)
    losses = np.array([history.initial_loss, *history.train_loss], dtype=np.float64)
    overhead = history.n_updates * COST_MODEL["overhead"]
    return {
        "reached": state["reached"] and not history.diverged,
        "epochs": epochs,
        "updates": history.n_updates,
        "cost": overhead + epochs * n * COST_MODEL["per_example"],
        "overhead": overhead,
        "accuracy": state["accuracy"],
        "diverged": bool(history.diverged),
        "initial_loss": float(history.initial_loss),
        "final_loss": float(losses[-1]),
        "rises": float(np.mean(losses[1:] > 1.1 * losses[:-1])) if epochs else 0.0,
    }


def _valid(choice):
    """(batch_size, lr) if ``choice`` is a usable pair, else None."""
    if not (isinstance(choice, (tuple, list)) and len(choice) == 2):
        return None
    batch_size, lr = choice
    if batch_size is not None and not (
        isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool)
        and 1 <= batch_size <= _N_TRAIN
    ):
        return None
    if not (isinstance(lr, (int, float, np.floating)) and not isinstance(lr, bool)
            and math.isfinite(lr) and lr > 0):
        return None
    return (None if batch_size is None else int(batch_size)), float(lr)


def _result(choice):
    """What training with ``choice`` gives (see :func:`fastest_settings_cost`), or None."""
    valid = _valid(choice)
    return None if valid is None else fastest_settings_cost(*valid)


def _reaches(got, expected):
    result = _result(got)
    return result is not None and result["reached"]


def _missed(test):
    """A ``when`` test: a valid choice that misses the target, and ``test(result)`` holds."""

    def missed(call):
        result = _result(call.got)
        return result is not None and not result["reached"] and test(result)

    return missed


check_fastest_settings = Exercise(
    "The fastest batch size and learning rate",
    lambda: (32, 0.5),
    cases=[Case(())],
    same=_reaches,
    hints=[
        Hint("return a pair `(batch_size, learning_rate)`, e.g. `return 32, 0.1`.",
             when=lambda call: not (isinstance(call.got, (tuple, list)) and len(call.got) == 2)),
        Hint(f"batch_size must be None (full batch) or a whole number from 1 to {_N_TRAIN}, and "
             "the learning rate a positive number.", when=lambda call: _valid(call.got) is None),
        Hint("the loss blew up: steps this large overshoot — take a smaller learning rate.",
             when=_missed(lambda r: r["diverged"])),
        Hint(f"{TARGET_ACCURACY:.0%} not reached: the loss rose in many epochs — steps this "
             "large bounce around; lower η or use larger batches.",
             when=_missed(lambda r: r["rises"] >= 0.2 or r["final_loss"] > r["initial_loss"])),
        # A loss that hardly fell without rising means steps too small, not too large.
        Hint(f"{TARGET_ACCURACY:.0%} not reached: the loss hardly fell (it ended above 80 % of "
             "where it started) — steps this small barely move the weights; raise η.",
             when=_missed(lambda r: r["final_loss"] > 0.8 * r["initial_loss"])),
        Hint(f"the budget ran out in updates: each update costs {COST_MODEL['overhead']} units "
             "of overhead whatever its size, and with batches this small over 90 % of the "
             "budget went on that overhead rather than on examples — use larger batches.",
             when=_missed(lambda r: r["overhead"] >= 0.9 * r["cost"])),
        Hint(f"{TARGET_ACCURACY:.0%} not reached within the budget: the loss falls steadily but "
             "too slowly — take larger steps (raise η) or more of them per epoch (smaller "
             "batches).", when=_missed(lambda r: True)),
    ],
)


# ----------------------------------------------------------------------------- thinking exercises


def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "race": Quiz(
            "The same network trains on the moons for 30 epochs three ways: full batch (1 "
            "update per epoch), mini-batches of 16 (19 per epoch) and single examples (300 "
            "per epoch), all with η = 0.1. Which ends with the lowest training loss?",
            [
                Option("Full batch: every step follows the exact gradient.", False,
                       "Exact steps, but only 30 of them: per epoch, many noisy steps beat a "
                       "few exact ones."),
                Option("Mini-batches of 16: the best of both.", False,
                       "Calmer steps and 570 of them, yet the 9000 single-example steps still "
                       "get further in the same 30 epochs."),
                Option("Single examples (stochastic gradient descent).", True,
                       "9000 small, noisy updates against 570 and 30: per epoch, the sheer "
                       "number of steps wins, noise and all."),
            ],
        ),
        "big step": Quiz(
            "Mini-batches of 16 on the moons with η = 0.01, 0.3 and 5, from the same start. "
            "What does η = 5 do over 30 epochs?",
            [
                Option("It falls fastest: bigger steps, faster progress.", False,
                       "Only while the steps stay below the stability edge of chapter 2; beyond "
                       "it every step overshoots."),
                Option("The loss jumps up and keeps bouncing without settling.", True,
                       "Every step overshoots, so the loss jumps up and then bounces at a high "
                       "level; it never grows large enough for nnkit to stop the run."),
                Option("It diverges to infinity and nnkit stops the run.", False,
                       "nnkit stops a run only when a loss is not a number or exceeds 10⁶; "
                       "this one bounces without ever getting there, so it runs all 30 "
                       "epochs."),
                Option("It crawls, like η = 0.01.", False,
                       "A crawl comes from steps that are too small; these are far too large."),
            ],
        ),
    }
