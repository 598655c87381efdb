"""Chapter 5's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws)."""

import numpy as np
from mutant_bank import Bank, Mutant

from nnkit.activations import sigmoid
from nnkit.course.ch5_chain_rule import exercises as ex

# ---------------------------------------------------------------- by hand


def tiny(x, y, t1, t2, two=2.0, out=True, hidden=True, a2_input=True, layout="dx", sign=1.0):
    z2 = t1 @ x
    a2 = sigmoid(z2)
    a3 = sigmoid(t2 @ a2)
    d3 = two * sign * (a3 - y) * (a3 * (1 - a3) if out else 1.0)
    g2 = np.outer(d3, a2 if a2_input else z2)
    d2 = (t2.T @ d3) * (a2 * (1 - a2) if hidden else 1.0)
    g1 = np.outer(d2, x) if layout == "dx" else np.outer(x, d2)
    return g1, g2


TINY = [
    Mutant("cross-entropy δ", lambda *a: tiny(*a, two=1.0, out=False), "hint", "cross-entropy"),
    Mutant("no factor 2", lambda *a: tiny(*a, two=1.0), "hint", "factor 2 is missing"),
    Mutant("sign", lambda *a: tiny(*a, sign=-1.0), "hint", "not 2(y − a[2])"),
    Mutant("no output σ'", lambda *a: tiny(*a, out=False), "hint", "∂a[2]/∂z[2]"),
    Mutant("z2 into W[2]", lambda *a: tiny(*a, a2_input=False), "hint", "not z[1]"),
    Mutant("no hidden σ'", lambda *a: tiny(*a, hidden=False), "hint", "∂a[1]/∂z[1]"),
    Mutant("W[1] transposed", lambda *a: tiny(*a, layout="xd"), "hint", "transposed"),
    Mutant("pair swapped", lambda *a: tiny(*a)[::-1], "hint", "wrong order"),
    Mutant("σ' at a[2]", lambda x, y, t1, t2: (
        tiny(x, y, t1, t2)[0] * 0 + _at_a(x, y, t1, t2)[0], _at_a(x, y, t1, t2)[1]), "hint",
        "evaluated at a[2]"),
    Mutant("factor 4", lambda *a: tiny(*a, two=4.0), "generic", "2 times"),
    Mutant("only W[2]", lambda *a: tiny(*a)[1], "form", "2 values (dJ_dW1, dJ_dW2)"),
    Mutant("W[2] not transposed in δ2", lambda x, y, t1, t2: _no_transpose(x, y, t1, t2), "raised",
           "ValueError"),
    Mutant("W[2] with a[2]", lambda x, y, t1, t2: (tiny(x, y, t1, t2)[0], tiny(x, y, t1, t2)[1] *
                                                 sigmoid(t2 @ sigmoid(t1 @ x))),
           "counterexample", "expected"),
]


def _at_a(x, y, t1, t2):
    a2 = sigmoid(t1 @ x)
    a3 = sigmoid(t2 @ a2)
    s = sigmoid(a3) * (1 - sigmoid(a3))
    d3 = 2 * (a3 - y) * s
    d2 = (t2.T @ d3) * a2 * (1 - a2)
    return np.outer(d2, x), np.outer(d3, a2)


def _no_transpose(x, y, t1, t2):
    a2 = sigmoid(t1 @ x)
    a3 = sigmoid(t2 @ a2)
    d3 = 2 * (a3 - y) * a3 * (1 - a3)
    d2 = (t2 @ d3) * a2 * (1 - a2)
    return np.outer(d2, x), np.outer(d3, a2)

# ---------------------------------------------------------------- Dense backward


def dense(X, W, G):
    return G @ W, G.T @ X, G.sum(axis=0)


DENSE = [
    Mutant("db mean", lambda X, W, G: (G @ W, G.T @ X, G.mean(axis=0)), "hint", "mean of G"),
    Mutant("dW / n", lambda X, W, G: (G @ W, G.T @ X / len(X), G.sum(axis=0)), "hint",
           "divided by the batch size"),
    Mutant("dX with W.T", lambda X, W, G: (G @ W.T, G.T @ X, G.sum(axis=0)), "hint",
           "not G @ W.T"),
    Mutant("db per sample", lambda X, W, G: (G @ W, G.T @ X, G), "hint", "one row per sample"),
    Mutant("db wrong axis", lambda X, W, G: (G @ W, G.T @ X, G.sum(axis=1)), "hint",
           "wrong axis"),
    Mutant("dW transposed", lambda X, W, G: (G @ W, X.T @ G, G.sum(axis=0)), "hint",
           "X.T @ G"),
    Mutant("sign", lambda X, W, G: tuple(-g for g in dense(X, W, G)), "generic",
           "sign is flipped"),
    Mutant("no db", lambda X, W, G: (G @ W, G.T @ X), "form", "3 values (dX, dW, db)"),
    Mutant("dX from X", lambda X, W, G: (X, G.T @ X, G.sum(axis=0)), "counterexample",
           "expected"),
    Mutant("dW from W", lambda X, W, G: (G @ W, W, G.sum(axis=0)), "counterexample", "expected"),
    Mutant("db zero", lambda X, W, G: (G @ W, G.T @ X, np.zeros(W.shape[0])), "counterexample",
           "expected"),
    Mutant("G changed in place", lambda X, W, G: (np.multiply(G, 1.0, out=G), G.__imul__(2.0),
                                                  dense(X, W, G / 2.0))[2], "mutated",
           "`G` in place"),
    Mutant("ordering", lambda X, W, G: (G.T @ X, G @ W, G.sum(axis=0)), "form",
           "dX: expected shape"),
]

# ---------------------------------------------------------------- find the bug


def fixed(X, Y, W1, W2, hidden="a(1-a)", mean=True):
    A1 = sigmoid(X @ W1.T)
    A2 = sigmoid(A1 @ W2.T)
    dZ2 = 2.0 * (A2 - Y) / (Y.size if mean else 1) * A2 * (1.0 - A2)
    local = {"a(1-a)": A1 * (1 - A1), "none": 1.0, "z": (X @ W1.T) * (1 - X @ W1.T)}[hidden]
    return ((dZ2 @ W2) * local).T @ X, dZ2.T @ A1


FIXED = [
    Mutant("unchanged", ex.buggy_two_layer_gradients, "hint", "still the buggy one"),
    Mutant("lost the mean", lambda *a: fixed(*a, mean=False), "hint", "lost the 1/(number"),
    Mutant("dropped σ'", lambda *a: fixed(*a, hidden="none"), "hint", "σ' was dropped"),
    Mutant("σ' of Z written wrong", lambda *a: fixed(*a, hidden="z"), "counterexample",
           "expected"),
    Mutant("pair swapped", lambda *a: fixed(*a)[::-1], "form", "expected shape"),
    Mutant("sign", lambda *a: tuple(-g for g in fixed(*a)), "generic", "sign is flipped"),
    Mutant("half", lambda *a: tuple(g / 2 for g in fixed(*a)), "generic", "0.5 times"),
    Mutant("only dW1", lambda *a: fixed(*a)[0], "form", "2 values (dW1, dW2)"),
    Mutant("W1 changed in place", lambda X, Y, W1, W2: (fixed(X, Y, W1, W2), W1.fill(0.0))[0],
           "mutated", "`W1` in place"),
    Mutant("mean over n only", lambda X, Y, W1, W2: tuple(g * Y.shape[1] for g in fixed(
        X, Y, W1, W2)), "counterexample", "expected"),
    Mutant("dW2 with Z1", lambda X, Y, W1, W2: (fixed(X, Y, W1, W2)[0], fixed(X, Y, W1, W2)[1]
                                                / sigmoid(X @ W1.T).mean() * (X @ W1.T).mean()),
           "counterexample", "expected"),
    Mutant("σ' of output dropped", lambda X, Y, W1, W2: _no_output_slope(X, Y, W1, W2),
           "counterexample", "expected"),
]


def _no_output_slope(X, Y, W1, W2):
    A1 = sigmoid(X @ W1.T)
    A2 = sigmoid(A1 @ W2.T)
    dZ2 = 2.0 * (A2 - Y) / Y.size
    return ((dZ2 @ W2) * A1 * (1 - A1)).T @ X, dZ2.T @ A1


BANKS = [
    Bank(ex.check_tiny_gradients, TINY, {"by hand": tiny}),
    Bank(ex.check_dense_backward, DENSE, {
        "matrices": dense,
        "einsum": lambda X, W, G: (np.einsum("no,oi->ni", G, W), np.einsum("no,ni->oi", G, X),
                                   np.einsum("no->o", G))}),
    Bank(ex.check_fixed_backward, FIXED, {"the fix": fixed}),
]
