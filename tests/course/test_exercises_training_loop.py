"""Tests of the chapter-6 checkers: the correct answers pass, typical wrong answers fail with
the hint that names their mistake."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch6_training_loop import exercises as ex


def run(check, fn, capsys):
    ok = check(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return ok, out


# -- exercise 1: two-layer forward and backward ------------------------------------------


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def two_layer(
    X, y, params, *, mask=True, mean=True, stable=True, transpose_w1=False, sign=1.0, db_axis=0
):
    """A student's implementation with switches for the usual slips."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = len(X)
    z1 = X @ W1.T + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2.T + b2
    if stable:
        p = softmax_rows(z2)
    else:
        p = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    losses = -np.log(p[np.arange(n), y])
    loss = losses.mean() if mean else losses.sum()
    d2 = p.copy()
    d2[np.arange(n), y] -= 1
    if mean:
        d2 /= n
    d2 *= sign
    g = {"W2": d2.T @ a1, "b2": d2.sum(axis=db_axis)}
    d1 = d2 @ W2
    if mask:
        d1 = d1 * (z1 > 0)
    g["W1"] = X.T @ d1 if transpose_w1 else d1.T @ X
    g["b1"] = d1.sum(axis=0)
    return loss, g


def test_two_layer_correct_passes(capsys):
    ok, out = run(ex.check_two_layer, two_layer, capsys)
    assert ok and out.startswith("✔"), out
    assert "gradient check" in out


def test_reference_matches_nnkit_network():
    X, y, params = ex._two_layer_case(n=7, d=3, h=5, c=4, seed=9)
    dense1, dense2 = nk.Dense(3, 5), nk.Dense(5, 4)
    dense1.W.value[...] = params["W1"]
    dense1.b.value[...] = params["b1"]
    dense2.W.value[...] = params["W2"]
    dense2.b.value[...] = params["b2"]
    model = nk.Sequential(dense1, nk.ReLU(), dense2)
    loss_fn = nk.CrossEntropyLoss()
    loss = loss_fn.forward(model.forward(X), y)
    model.backward(loss_fn.backward())
    ref_loss, grads = ex.reference_two_layer(X, y, params)
    assert ref_loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(grads["W1"], dense1.W.grad, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(grads["b2"], dense2.b.grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"mask": False}, "ignores the ReLU"),
        ({"mean": False}, "6 times too large"),
        ({"stable": False}, "subtract each row's maximum"),
        ({"transpose_w1": True}, "transpose"),
        ({"sign": -1.0}, "sign is flipped"),
    ],
)
def test_two_layer_typical_mistakes(kwargs, fragment, capsys):
    ok, out = run(ex.check_two_layer, lambda X, y, p: two_layer(X, y, p, **kwargs), capsys)
    assert not ok
    assert out.startswith("✘") and fragment in out, out


def test_two_layer_wrong_return_and_mutation(capsys):
    ok, out = run(ex.check_two_layer, lambda X, y, p: two_layer(X, y, p)[1], capsys)
    assert not ok and "pair" in out

    def mutating(X, y, params):
        params["W1"] *= 1.0001
        return two_layer(X, y, params)

    ok, out = run(ex.check_two_layer, mutating, capsys)
    assert not ok and "in place" in out


def test_two_layer_not_attempted(capsys):
    def starter(X, y, params):
        raise NotImplementedError

    ok, out = run(ex.check_two_layer, starter, capsys)
    assert not ok and "not attempted" in out


# -- exercise 2: one epoch of mini-batch gradient descent --------------------------------


def epoch(
    model,
    X,
    y,
    loss_fn,
    optimizer,
    batch_size,
    rng,
    *,
    shuffle=True,
    drop_last=False,
    step=True,
    split=False,
):
    n = len(X)
    if split:
        Xs, ys = X[rng.permutation(n)], y[rng.permutation(n)]
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        Xs, ys = X[order], y[order]
    stop = n - n % batch_size if drop_last else n
    losses = []
    for start in range(0, stop, batch_size):
        loss = loss_fn.forward(
            model.forward(Xs[start : start + batch_size]), ys[start : start + batch_size]
        )
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        if step:
            optimizer.step()
        losses.append(loss)
    return losses


def test_epoch_correct_passes(capsys):
    ok, out = run(ex.check_train_one_epoch, epoch, capsys)
    assert ok and out.startswith("✔"), out


def test_epoch_with_nnkit_iterate_minibatches_passes(capsys):
    # nnkit's own batching consumes the generator in the same way, so it must pass too.
    def with_library(model, X, y, loss_fn, optimizer, batch_size, rng):
        losses = []
        for Xb, yb in nk.iterate_minibatches(X, y, batch_size=batch_size, rng=rng):
            losses.append(loss_fn.forward(model.forward(Xb), yb))
            model.backward(loss_fn.backward())
            optimizer.step()
        return losses

    ok, out = run(ex.check_train_one_epoch, with_library, capsys)
    assert ok, out


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"shuffle": False}, "original order"),
        ({"drop_last": True}, "last, smaller batch"),
        ({"step": False}, "optimizer.step()"),
        ({"split": True}, "different permutations"),
    ],
)
def test_epoch_typical_mistakes(kwargs, fragment, capsys):
    ok, out = run(ex.check_train_one_epoch, lambda *a: epoch(*a, **kwargs), capsys)
    assert not ok
    assert out.startswith("✘") and fragment in out, out


def test_epoch_full_batch_every_time_fails(capsys):
    def full_batch(model, X, y, loss_fn, optimizer, batch_size, rng):
        return epoch(model, X, y, loss_fn, optimizer, len(X), rng)

    ok, out = run(ex.check_train_one_epoch, full_batch, capsys)
    assert not ok and "one loss per batch" in out


def test_epoch_returning_none(capsys):
    ok, out = run(ex.check_train_one_epoch, lambda *a: (epoch(*a), None)[1], capsys)
    assert not ok and "returned None" in out


# -- exercise 3: the fastest settings -----------------------------------------------------


def test_fastest_good_choice_passes(capsys):
    ok, out = run(ex.check_fastest_settings, lambda: (32, 0.3), capsys)
    assert ok, out
    result = ex.fastest_settings_cost(32, 0.3)
    assert result["reached"] and result["cost"] <= ex.BUDGET
    assert f"cost {result['cost']} of {ex.BUDGET}" in out


@pytest.mark.parametrize(
    "choice, fragment",
    [
        ((1, 0.1), "use larger batches"),
        ((None, 0.1), "raise η"),
        ((16, 3.0), "lower η"),
    ],
)
def test_fastest_typical_mistakes(choice, fragment, capsys):
    ok, out = run(ex.check_fastest_settings, lambda: choice, capsys)
    assert not ok
    assert fragment in out, out


@pytest.mark.parametrize(
    "choice, fragment",
    [
        ((0, 0.1), "batch_size"),
        ((1000, 0.1), "batch_size"),
        ((32, -0.1), "positive"),
        ((32.0, 0.1), "batch_size"),
        (32, "pair"),
    ],
)
def test_fastest_invalid_values(choice, fragment, capsys):
    ok, out = run(ex.check_fastest_settings, lambda: choice, capsys)
    assert not ok and fragment in out, out


def test_budget_separates_good_from_poor_settings():
    """The budget is meaningful: the passing choice costs less than every failing one
    would need to reach the target with unlimited budget."""
    good = ex.fastest_settings_cost(32, 0.3)
    slow = ex.fastest_settings_cost(None, 0.1, budget=10**7)
    noisy = ex.fastest_settings_cost(1, 0.1, budget=10**7)
    assert good["reached"]
    assert good["cost"] < ex.BUDGET < slow["cost"]
    assert good["cost"] < ex.BUDGET < noisy["cost"]


def test_fastest_is_deterministic():
    assert ex.fastest_settings_cost(16, 0.3) == ex.fastest_settings_cost(16, 0.3)
