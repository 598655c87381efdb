"""Chapter 6's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws)."""

import numpy as np
from mutant_bank import Bank, Mutant

from nnkit.course.ch6_training_loop import exercises as ex

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
    # Accepted while no case had a label's logit far below its row's largest (issue 21).
    Mutant("log of a shifted softmax", two_layer, "hint", "never take log of p"),
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


def two_layer_log_softmax(X, y, params):
    """The notebook's solution: log-probabilities by log-sum-exp, never log of 0."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = len(X)
    z1 = X @ W1.T + b1
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ W2.T + b2
    shifted = z2 - z2.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    d2 = np.exp(log_p)
    d2[np.arange(n), y] -= 1.0
    d2 /= n
    d1 = (d2 @ W2) * (z1 > 0)
    return -log_p[np.arange(n), y].mean(), {"W2": d2.T @ a1, "b2": d2.sum(axis=0),
                                            "W1": d1.T @ X, "b1": d1.sum(axis=0)}


# ---------------------------------------------------------------- one epoch


def epoch(model, X, y, loss_fn, optimizer, batch_size, rng, *, order="rng", drop_last=False,
          step=True, twice=False, global_rng=False, backward=True):
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
        if backward:
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
    Mutant("no step", lambda *a: epoch(*a, step=False), "hint", "call optimizer.step()"),
    # Told to call step before issue 21, though step ran: the gradients were never computed.
    Mutant("no backward", lambda *a: epoch(*a, backward=False), "hint",
           "no gradient was ever computed"),
    Mutant("neither backward nor step", lambda *a: epoch(*a, backward=False, step=False),
           "hint", "call model.backward"),
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


def no_zero_grad(model, X, y, loss_fn, optimizer, batch_size, rng):
    order = rng.permutation(len(X))
    losses = []
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        losses.append(float(loss_fn.forward(model.forward(X[batch]), y[batch])))
        model.backward(loss_fn.backward())
        optimizer.step()
    return losses


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


EPOCH_RIGHT = {
    "the loop": epoch,
    "np.array_split": with_array_split,
    # nnkit's layers overwrite their gradients in backward, so an epoch without zero_grad
    # computes the same function: not a mutant, and rightly accepted.
    "without zero_grad": no_zero_grad,
}


# ---------------------------------------------------------------- fastest settings

FASTEST = [
    Mutant("tiny batches (issue example)", lambda: (4, 0.3), "hint", "use larger batches"),
    Mutant("stochastic", lambda: (1, 0.1), "hint", "use larger batches"),
    Mutant("full batch, modest η", lambda: (None, 0.5), "hint", "raise η"),
    Mutant("full batch, huge η", lambda: (None, 5.0), "hint", "bounce"),
    Mutant("too large η", lambda: (16, 3.0), "hint", "bounce"),
    Mutant("tiny η", lambda: (450, 0.01), "hint", "raise η"),
    Mutant("mini-batch, tiny η", lambda: (32, 0.05), "hint", "raise η"),
    # Issue 21: told to *lower* η before the two cases of a loss that does not fall were split.
    Mutant("stochastic, minute η", lambda: (1, 0.0001), "hint", "hardly fell"),
    Mutant("zero batch", lambda: (0, 0.5), "hint", "whole number from 1"),
    Mutant("negative η", lambda: (32, -0.5), "hint", "positive number"),
    Mutant("one number", lambda: 32, "hint", "return a pair"),
    Mutant("float batch size", lambda: (32.0, 0.5), "hint", "whole number"),
    Mutant("batch size above n", lambda: (1000, 0.5), "hint", "whole number from 1 to 450"),
]


BANKS = [
    Bank(ex.check_two_layer, TWO_LAYER, {"log-sum-exp": two_layer_log_softmax}),
    Bank(ex.check_train_one_epoch, EPOCH, EPOCH_RIGHT),
    Bank(ex.check_fastest_settings, FASTEST,
         {f"{choice}": (lambda choice=choice: choice) for choice in [(32, 0.5), (24, 0.5),
                                                                      (48, 0.8), (None, 3.0)]}),
]
