"""Chapter 6 checkers: mutant banks rejected with the stated message, correct answers accepted,
and the two-layer reference agrees with finite differences."""

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from mutant_bank import Mutant, agrees, assert_accepted, assert_rejected

from nnkit.course.ch6_training_loop import exercises as ex
from nnkit.gradcheck import numerical_gradient, relative_error

# ---------------------------------------------------------------- forward and backward


def two_layer(X, y, params, *, mask=True, mean=True, shift="row", bias_grad="sum",
              relu="max"):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    n = len(X)
    z1 = X @ W1.T + b1
    a1 = np.maximum(z1, 0) if relu == "max" else np.abs(z1)
    z2 = a1 @ W2.T + b2
    top = {"row": z2.max(axis=1, keepdims=True), "batch": z2.max(), "none": 0.0}[shift]
    e = np.exp(z2 - top)
    p = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(n), y])) * (1 if mean else n)
    d2 = p.copy()
    d2[np.arange(n), y] -= 1
    d2 = d2 / n if mean else d2
    d1 = (d2 @ W2) * ((z1 > 0) if mask else 1.0)
    reduce = (lambda d: d.sum(axis=0)) if bias_grad == "sum" else (lambda d: d.mean(axis=0))
    return float(loss), {"W1": d1.T @ X, "b1": reduce(d1), "W2": d2.T @ a1, "b2": reduce(d2)}


def two_layer_in_place(X, y, params):
    out = two_layer(X, y, params)
    params["W1"] -= 0.1 * out[1]["W1"]
    return out


TWO_LAYER = [
    Mutant("sum not mean", lambda *a: two_layer(*a, mean=False), "hint", "n times too large"),
    Mutant("no ReLU mask", lambda *a: two_layer(*a, mask=False), "hint", "ignore the ReLU"),
    Mutant("batch maximum", lambda *a: two_layer(*a, shift="batch"), "hint", "whole batch"),
    Mutant("no shift", lambda *a: two_layer(*a, shift="none"), "hint", "exp overflows"),
    Mutant("bias gradient mean", lambda *a: two_layer(*a, bias_grad="mean"), "counterexample",
           "expected"),
    Mutant("abs instead of ReLU", lambda *a: two_layer(*a, relu="abs"), "counterexample",
           "expected"),
    Mutant("updates params in place", two_layer_in_place, "mutated", "`params` in place"),
    Mutant("grads as a list", lambda *a: (two_layer(*a)[0], list(two_layer(*a)[1].values())),
           "form", "dict"),
    Mutant("missing b2", lambda *a: (two_layer(*a)[0], {k: v for k, v in two_layer(*a)[1].items()
                                                         if k != "b2"}), "form", "missing"),
    Mutant("loss only", lambda *a: two_layer(*a)[0], "form", "2 values (loss, grads)"),
    Mutant("W2 gradient transposed", lambda *a: (
        two_layer(*a)[0], {**two_layer(*a)[1], "W2": two_layer(*a)[1]["W2"].T}),
           "form", "grads['W2']"),
    Mutant("negative loss", lambda *a: (-two_layer(*a)[0], two_layer(*a)[1]), "counterexample",
           "loss: expected"),
    Mutant("gradients sign", lambda *a: (two_layer(*a)[0], {k: -v for k, v in
                                                            two_layer(*a)[1].items()}),
           "counterexample", "expected"),
]


@pytest.mark.parametrize("mutant", TWO_LAYER, ids=str)
def test_two_layer_mutants_rejected(mutant):
    assert_rejected(ex.check_two_layer, mutant)


def test_two_layer_correct_passes_and_matches_finite_differences():
    assert_accepted(ex.check_two_layer, two_layer)
    X, y, params = ex.check_two_layer.cases[0].args
    params = copy.deepcopy(params)
    loss, grads = ex.check_two_layer.reference(X, y, params)
    for k in params:
        numeric = numerical_gradient(lambda: ex.check_two_layer.reference(X, y, params)[0],
                                     params[k])
        assert relative_error(grads[k], numeric) < 1e-6


# ---------------------------------------------------------------- one epoch


def epoch(model, X, y, loss_fn, optimizer, batch_size, rng, *, order="rng", drop_last=False,
          step=True, twice=False, global_rng=False):
    n = len(X)
    if global_rng:
        ix = iy = np.random.default_rng(12345).permutation(n)
    elif order == "rng":
        ix = iy = rng.permutation(n)
    elif order == "apart":
        ix, iy = rng.permutation(n), rng.permutation(n)
    else:
        ix = iy = np.arange(n)
    end = n - n % batch_size if drop_last else n
    losses = []
    for start in range(0, end, batch_size):
        loss = loss_fn.forward(model.forward(X[ix[start:start + batch_size]]),
                               y[iy[start:start + batch_size]])
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        if step:
            optimizer.step()
        if twice:
            optimizer.step()
        losses.append(float(loss))
    return losses


def epoch_shuffles_in_place(model, X, y, loss_fn, optimizer, batch_size, rng):
    order = rng.permutation(len(X))
    X[:] = X[order]
    y[:] = y[order]
    return epoch(model, X, y, loss_fn, optimizer, batch_size, np.random.default_rng(0),
                 order="none")


def epoch_one_update(model, X, y, loss_fn, optimizer, batch_size, rng):
    order = rng.permutation(len(X))
    loss = loss_fn.forward(model.forward(X[order]), y[order])
    optimizer.zero_grad()
    model.backward(loss_fn.backward())
    optimizer.step()
    return [float(loss)]


EPOCH = [
    Mutant("no shuffle", lambda *a: epoch(*a, order="none"), "hint", "original order"),
    Mutant("X and y shuffled apart", lambda *a: epoch(*a, order="apart"), "hint",
           "different permutations"),
    Mutant("last batch dropped", lambda *a: epoch(*a, drop_last=True), "hint", "dropped"),
    Mutant("no step", lambda *a: epoch(*a, step=False), "hint", "did not change"),
    Mutant("global RNG", lambda *a: epoch(*a, global_rng=True), "hint", "the `rng` you are given"),
    Mutant("two steps per batch", lambda *a: epoch(*a, twice=True), "counterexample",
           "expected"),
    Mutant("shuffles X in place", epoch_shuffles_in_place, "mutated", "`X` in place"),
    Mutant("one update per epoch", epoch_one_update, "form", "expected shape"),
    Mutant("returns None", lambda *a: (epoch(*a), None)[1], "form", "forget `return`"),
    Mutant("mean loss only", lambda *a: float(np.mean(epoch(*a))), "form", "expected shape"),
    Mutant("batch size ignored", lambda m, X, y, lf, o, b, r: epoch(m, X, y, lf, o, len(X), r),
           "form", "expected shape"),
    Mutant("loss after the step", lambda m, X, y, lf, o, b, r: [
        v for v in epoch(m, X, y, lf, o, b, r)][1:] + [0.0], "counterexample", "expected"),
]


@pytest.mark.parametrize("mutant", EPOCH, ids=str)
def test_epoch_mutants_rejected(mutant):
    assert_rejected(ex.check_train_one_epoch, mutant)


def test_skipping_zero_grad_is_equivalent_in_nnkit():
    # nnkit's layers overwrite their gradients in backward, so an epoch without zero_grad
    # computes the same function: not a mutant, and rightly accepted.
    assert_accepted(ex.check_train_one_epoch, lambda *a: _no_zero_grad(*a))


def _no_zero_grad(model, X, y, loss_fn, optimizer, batch_size, rng):
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        losses.append(float(loss_fn.forward(model.forward(X[batch]), y[batch])))
        model.backward(loss_fn.backward())
        optimizer.step()
    return losses


def test_epoch_correct_loops_pass():
    assert_accepted(ex.check_train_one_epoch, epoch)

    def with_array_split(model, X, y, loss_fn, optimizer, batch_size, rng):
        order = rng.permutation(len(X))
        losses = []
        for batch in np.array_split(order, range(batch_size, len(X), batch_size)):
            loss = loss_fn.forward(model.forward(X[batch]), y[batch])
            optimizer.zero_grad()
            model.backward(loss_fn.backward())
            optimizer.step()
            losses.append(loss)
        return np.array(losses)

    assert_accepted(ex.check_train_one_epoch, with_array_split)


# ---------------------------------------------------------------- fastest settings

FASTEST = [
    Mutant("tiny batches (issue example)", lambda: (4, 0.3), "hint", "use larger batches"),
    Mutant("stochastic", lambda: (1, 0.1), "hint", "use larger batches"),
    Mutant("full batch, modest η", lambda: (None, 0.5), "hint", "raise η"),
    Mutant("full batch, huge η", lambda: (None, 5.0), "hint", "bounce"),
    Mutant("too large η", lambda: (16, 3.0), "hint", "bounce"),
    Mutant("tiny η", lambda: (450, 0.01), "hint", "raise η"),
    Mutant("mini-batch, tiny η", lambda: (32, 0.05), "hint", "raise η"),
    Mutant("zero batch", lambda: (0, 0.5), "hint", "whole number from 1"),
    Mutant("negative η", lambda: (32, -0.5), "hint", "positive number"),
    Mutant("one number", lambda: 32, "hint", "return a pair"),
    Mutant("float batch size", lambda: (32.0, 0.5), "hint", "whole number"),
    Mutant("batch size above n", lambda: (1000, 0.5), "hint", "whole number from 1 to 450"),
]


@pytest.mark.parametrize("mutant", FASTEST, ids=str)
def test_fastest_settings_mutants_rejected(mutant):
    assert_rejected(ex.check_fastest_settings, mutant)


@pytest.mark.parametrize("choice", [(32, 0.5), (24, 0.5), (48, 0.8)])
def test_fastest_settings_good_choices_pass(choice):
    assert_accepted(ex.check_fastest_settings, lambda: choice)


def test_fastest_settings_cost_counts_overhead_and_examples():
    result = ex.fastest_settings_cost(32, 0.5)
    assert result["reached"] and result["cost"] <= ex.BUDGET
    assert result["overhead"] == result["updates"] * ex.COST_MODEL["overhead"]
    assert result["cost"] == result["overhead"] + result["epochs"] * 450


def test_reference_and_a_correct_answer_agree_on_every_drawn_case():
    exercise = ex.check_two_layer

    @settings(max_examples=50, deadline=None)
    @given(exercise.strategy)
    def agree(case):
        assert agrees(exercise, exercise.reference, case)
        assert agrees(exercise, two_layer, case)

    agree()
