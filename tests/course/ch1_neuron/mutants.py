"""Chapter 1's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py)."""

import numpy as np
from mutant_bank import Bank, Mutant

from nnkit.course.ch1_neuron import exercises as ex

# ---------------------------------------------------------------- pre-activation


def _spoil_input(X, w, b):
    z = X @ w + b
    X *= 0.0
    return z


def _into_input_dtype(X, w, b):
    # The result stored in an array of X's dtype: integer inputs truncate z.
    z = np.zeros_like(X, shape=np.shape(X)[:-1])
    z[...] = X @ w + b
    return z


PRE_ACTIVATION = [
    Mutant("result in X's integer dtype", _into_input_dtype, "counterexample",
           "integer inputs, a real-valued z"),
    Mutant("drop the bias", lambda X, w, b: X @ w, "hint", "left out the bias"),
    Mutant("bias with a minus sign", lambda X, w, b: X @ w - b, "hint", "plus sign"),
    Mutant("products not summed", lambda X, w, b: X * w + b, "hint", "add them up"),
    Mutant("column result", lambda X, w, b: np.reshape(X @ w + b, (-1, 1)) if np.ndim(X) == 2
           else X @ w + b, "hint", "not a column"),
    Mutant("flip the sign", lambda X, w, b: -(X @ w + b), "generic", "sign is flipped"),
    Mutant("factor 2", lambda X, w, b: 2 * (X @ w + b), "generic", "2 times"),
    Mutant("bias three times", lambda X, w, b: X @ w + 3 * b, "counterexample", "b="),
    Mutant("row sum on axis 1", lambda X, w, b: np.sum(X * w, axis=1) + b, "raised",
           "raised AxisError on input"),
    Mutant("w @ X", lambda X, w, b: w @ X + b, "raised", "raised ValueError on input"),
    Mutant("sum over the whole batch", lambda X, w, b: np.sum(X * w) + b, "form",
           "expected shape"),
    Mutant("bias added to the weights", lambda X, w, b: X @ (w + b), "counterexample",
           "expected"),
    Mutant("weights reversed", lambda X, w, b: X @ w[::-1] + b, "counterexample", "expected"),
    Mutant("changes X in place", _spoil_input, "mutated", "`X` in place"),
    Mutant("rounded", lambda X, w, b: np.round(X @ w + b, 1), "counterexample", "expected"),
]

# The first right answer of every bank is also compared on the cases hypothesis draws.
PRE_ACTIVATION_RIGHT = {
    "np.dot": lambda X, w, b: np.dot(X, w) + b,
    "einsum": lambda X, w, b: np.einsum("...i,i->...", X, w) + b,
    "sum of products": lambda X, w, b: (np.sum(X * w, axis=-1) + b),
    "loop over rows": lambda X, w, b: np.array(
        [sum(wi * xi for wi, xi in zip(w, row, strict=True)) + b
         for row in np.atleast_2d(X)]).reshape(np.shape(X)[:-1]),
}


# ---------------------------------------------------------------- folding the bias


def _fold(x, w, b):
    return np.concatenate([[1.0], x]), np.concatenate([[b], w])


def _fold_in_place(x, w, b):
    out = _fold(x, w, b)
    w[:] = 0.0
    return out


def _fold_into_like(x, w, b):
    # Arrays made like the inputs: an integer w truncates the bias.
    x_aug, w_aug = np.ones_like(x, shape=len(x) + 1), np.zeros_like(w, shape=len(w) + 1)
    x_aug[1:], w_aug[0], w_aug[1:] = x, b, w
    return x_aug, w_aug


FOLD_BIAS = [
    Mutant("lists, not arrays", lambda x, w, b: ([1.0, *x], [b, *w]), "form",
           "return a NumPy array"),
    Mutant("np.insert into integer weights", lambda x, w, b: (np.insert(x, 0, 1.0),
                                                              np.insert(w, 0, b)),
           "counterexample", "real-valued bias"),
    Mutant("arrays in the inputs' integer dtype", _fold_into_like, "counterexample",
           "real-valued bias"),
    Mutant("constant at the end", lambda x, w, b: (np.append(x, 1.0), np.append(w, b)),
           "hint", "at the end"),
    Mutant("x0 = 0", lambda x, w, b: (np.concatenate([[0.0], x]), np.concatenate([[b], w])),
           "hint", "must be +1"),
    Mutant("threshold convention",
           lambda x, w, b: (np.concatenate([[-1.0], x]), np.concatenate([[-b], w])), "hint",
           "threshold"),
    Mutant("w0 = -b", lambda x, w, b: (np.concatenate([[1.0], x]), np.concatenate([[-b], w])),
           "hint", "not -b"),
    Mutant("pair swapped", lambda x, w, b: _fold(x, w, b)[::-1], "hint", "(x_aug, w_aug)"),
    Mutant("only x_aug", lambda x, w, b: np.concatenate([[1.0], x]), "form", "2 values"),
    Mutant("no constant", lambda x, w, b: (x, np.concatenate([[b], w])), "form",
           "expected shape"),
    Mutant("x0 = b", lambda x, w, b: (np.concatenate([[b], x]), np.concatenate([[b], w])),
           "counterexample", "expected"),
    Mutant("w0 = 1", lambda x, w, b: (np.concatenate([[1.0], x]), np.concatenate([[1.0], w])),
           "counterexample", "expected"),
    Mutant("weights scaled", lambda x, w, b: (np.concatenate([[1.0], x]),
                                              np.concatenate([[b], 2 * w])),
           "counterexample", "expected"),
    Mutant("changes w in place", _fold_in_place, "mutated", "`w` in place"),
    Mutant("x and w swapped", lambda x, w, b: (np.concatenate([[1.0], w]),
                                               np.concatenate([[b], x])),
           "counterexample", "expected"),
]

FOLD_BIAS_RIGHT = {
    "np.insert, floats": lambda x, w, b: (np.insert(np.asarray(x, float), 0, 1.0),
                                          np.insert(np.asarray(w, float), 0, b)),
    "np.r_": lambda x, w, b: (np.r_[1.0, x], np.r_[b, w]),
}


# ---------------------------------------------------------------- AND gate


def _neuron(w1, w2, b):
    return lambda X: (X @ np.array([w1, w2]) + b >= 0).astype(float)


AND_GATE = [
    Mutant("OR", _neuron(1.0, 1.0, -0.5), "hint", "computes OR"),
    Mutant("NAND", _neuron(-1.0, -1.0, 1.5), "hint", "NAND"),
    Mutant("always fires", _neuron(1.0, 1.0, 0.5), "hint", "fires for every input"),
    Mutant("never fires", _neuron(1.0, 1.0, -2.5), "hint", "never fires"),
    Mutant("only x1", _neuron(1.0, 0.0, -0.5), "hint", "only looks at x1"),
    Mutant("only x2", _neuron(0.0, 1.0, -0.5), "hint", "only looks at x2"),
    Mutant("no step", lambda X: X @ np.array([1.0, 1.0]) - 1.5, "hint", "outputs only 0 or 1"),
    Mutant("column output", lambda X: _neuron(1.0, 1.0, -1.5)(X).reshape(-1, 1), "form",
           "expected shape"),
    Mutant("XOR", lambda X: (X[:, 0] != X[:, 1]).astype(float), "counterexample", "expected"),
    Mutant("strict step at the edge", lambda X: (X @ np.array([1.0, 1.0]) - 2.0 > 0)
           .astype(float), "hint", "never fires"),
    Mutant("boolean output", lambda X: X[:, 0] + X[:, 1] >= 1, "hint", "computes OR"),
    Mutant("sum of inputs", lambda X: X.sum(axis=1) / 2, "hint", "outputs only 0 or 1"),
]

AND_GATE_RIGHT = {
    **{f"neuron {w}": _neuron(*w) for w in [(1.0, 1.0, -1.5), (2.0, 3.0, -4.0), (0.5, 0.5, -1.0)]},
    "boolean output": lambda X: np.logical_and(X[:, 0], X[:, 1]),
}


# ---------------------------------------------------------------- perceptron update


def _rule(w, b, x, t, lr):
    y = 1.0 if w @ x + b >= 0 else 0.0
    return w + lr * (t - y) * x, b + lr * (t - y)


def _rule_in_place(w, b, x, t, lr):
    y = 1.0 if w @ x + b >= 0 else 0.0
    w += lr * (t - y) * x
    return w, b + lr * (t - y)


def _rule_like_w(w, b, x, t, lr):
    # The new weights stored in an array like w: integer weights truncate the step.
    w_new = np.empty_like(w)
    w_new[:] = _rule(w, b, x, t, lr)[0]
    return w_new, _rule(w, b, x, t, lr)[1]


PERCEPTRON = [
    Mutant("new weights in w's integer dtype", _rule_like_w, "counterexample",
           "the new weights are not integers"),
    Mutant("wrong direction", lambda w, b, x, t, lr: _rule(w, b, x, t, -lr), "hint",
           "wrong way"),
    Mutant("no learning rate", lambda w, b, x, t, lr: _rule(w, b, x, t, 1.0), "hint",
           "learning rate"),
    Mutant("z instead of step", lambda w, b, x, t, lr: (w + lr * (t - (w @ x + b)) * x,
                                                        b + lr * (t - (w @ x + b))),
           "hint", "not z itself"),
    Mutant("t instead of t - y", lambda w, b, x, t, lr: (w + lr * t * x, b + lr * t), "hint",
           "y alone"),
    Mutant("strict step", lambda w, b, x, t, lr: (
        w + lr * (t - float(w @ x + b > 0)) * x, b + lr * (t - float(w @ x + b > 0))),
        "hint", "z = 0"),
    Mutant("bias frozen", lambda w, b, x, t, lr: (_rule(w, b, x, t, lr)[0], b), "hint",
           "bias must change"),
    Mutant("changes w in place", _rule_in_place, "mutated", "`w` in place"),
    Mutant("half learning rate", lambda w, b, x, t, lr: _rule(w, b, x, t, lr / 2),
           "counterexample", "expected"),
    Mutant("bias moves twice", lambda w, b, x, t, lr: (_rule(w, b, x, t, lr)[0],
                                                       2 * _rule(w, b, x, t, lr)[1] - b),
           "counterexample", "expected"),
    Mutant("only w", lambda w, b, x, t, lr: _rule(w, b, x, t, lr)[0], "form", "2 values"),
    Mutant("threshold 0.5", lambda w, b, x, t, lr: _rule(w, b - 0.5, x, t, lr), "counterexample",
           "expected"),
    Mutant("sign of the bias step", lambda w, b, x, t, lr: (_rule(w, b, x, t, lr)[0],
                                                            2 * b - _rule(w, b, x, t, lr)[1]),
           "counterexample", "expected"),
]


def _branchy(w, b, x, t, lr):
    fired = np.dot(w, x) + b >= 0
    if fired == bool(t):
        return w.copy(), b
    direction = 1 if t == 1 else -1
    return w + direction * lr * x, b + direction * lr


PERCEPTRON_RIGHT = {"the rule": _rule, "branches": _branchy}

BANKS = [
    Bank(ex.check_pre_activation, PRE_ACTIVATION, PRE_ACTIVATION_RIGHT),
    Bank(ex.check_fold_bias, FOLD_BIAS, {"folded": _fold, **FOLD_BIAS_RIGHT}),
    Bank(ex.check_and_gate, AND_GATE, AND_GATE_RIGHT),
    Bank(ex.check_perceptron_update, PERCEPTRON, PERCEPTRON_RIGHT),
]
