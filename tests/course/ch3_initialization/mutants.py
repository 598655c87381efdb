"""Chapter 3's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws)."""

import math

import numpy as np
from mutant_bank import Bank, Mutant

from nnkit.course.ch3_initialization import exercises as ex


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------- gradients


def grads(X, Y, W1, W2, *, two=2.0, mean=True, mask=True, dW2_from="A1", dW1_layout="dz.T@X"):
    Z1 = X @ W1.T
    A1 = sigmoid(Z1)
    dY = two * (A1 @ W2.T - Y) / (Y.size if mean else 1)
    dW2 = dY.T @ (A1 if dW2_from == "A1" else Z1)
    dZ1 = (dY @ W2) * (A1 * (1 - A1) if mask else 1.0)
    dW1 = dZ1.T @ X if dW1_layout == "dz.T@X" else X.T @ dZ1
    return dW1, dW2


def grads_in_place(X, Y, W1, W2):
    out = grads(X, Y, W1, W2)
    W1 *= 0.5
    return out


def grads_dY_like_Y(X, Y, W1, W2):
    # dŶ stored in an array made like Y: integer targets truncate it
    dY = np.zeros_like(Y)
    dY[...] = 2 * (sigmoid(X @ W1.T) @ W2.T - Y) / Y.size
    A1 = sigmoid(X @ W1.T)
    return ((dY @ W2) * A1 * (1 - A1)).T @ X, dY.T @ A1


def sigmoid_prime_empty_like(z):
    out = np.empty_like(z)  # integer z gives an integer array: 0.25 is stored as 0
    out[...] = sigmoid(z) * (1 - sigmoid(z))
    return out


def chain_zeros_like(z):
    local = np.zeros_like(z)  # integer z: every σ'(z) truncates to 0
    local[...] = sigmoid(z) * (1 - sigmoid(z))
    return float(np.prod(local))


GRADIENTS = [
    Mutant("dŶ made like Y", grads_dY_like_Y, "counterexample", "expected"),
    Mutant("no σ'", lambda *a: grads(*a, mask=False), "hint", "missing the sigmoid's derivative"),
    Mutant("σ'(Z) from Z", lambda X, Y, W1, W2: (
        ((2 * (sigmoid(X @ W1.T) @ W2.T - Y) / Y.size @ W2) * (X @ W1.T) * (1 - X @ W1.T)).T @ X,
        grads(X, Y, W1, W2)[1]), "hint", "not Z1 itself"),
    Mutant("Z1 into dW2", lambda *a: grads(*a, dW2_from="Z1"), "hint", "not the pre-activations"),
    Mutant("no factor 2", lambda *a: grads(*a, two=1.0), "hint", "half the right size"),
    Mutant("sum not mean", lambda *a: grads(*a, mean=False), "hint", "n·n_out times too big"),
    Mutant("sign", lambda *a: grads(*a, two=-2.0), "hint", "sign is flipped"),
    Mutant("pair swapped", lambda *a: grads(*a)[::-1], "hint", "order (dW1, dW2)"),
    Mutant("dW1 transposed", lambda *a: grads(*a, dW1_layout="X.T@dz"), "form", "transpose"),
    Mutant("changes W1 in place", grads_in_place, "mutated", "`W1` in place"),
    Mutant("divide by n only", lambda X, Y, W1, W2: tuple(
        g * Y.shape[1] for g in grads(X, Y, W1, W2)), "counterexample", "expected"),
    Mutant("only dW2", lambda *a: grads(*a)[1], "form", "2 values (dW1, dW2)"),
    Mutant("factor 4", lambda *a: grads(*a, two=4.0), "generic", "2 times the right one"),
    Mutant("tanh derivative", lambda X, Y, W1, W2: (
        ((2 * (sigmoid(X @ W1.T) @ W2.T - Y) / Y.size @ W2) * (1 - sigmoid(X @ W1.T) ** 2)).T @ X,
        grads(X, Y, W1, W2)[1]), "counterexample", "expected"),
]


def grads_with_einsum(X, Y, W1, W2):
    A1 = sigmoid(np.einsum("ni,hi->nh", X, W1))
    dY = 2 * (np.einsum("nh,oh->no", A1, W2) - Y) / Y.size
    dZ1 = np.einsum("no,oh->nh", dY, W2) * A1 * (1 - A1)
    return np.einsum("nh,ni->hi", dZ1, X), np.einsum("no,nh->oh", dY, A1)


# ---------------------------------------------------------------- init scales

XAVIER = [
    Mutant("variance", lambda i, o: 2 / (i + o), "hint", "variance"),
    Mutant("uniform bound", lambda i, o: math.sqrt(6 / (i + o)), "hint", "uniform"),
    Mutant("LeCun", lambda i, o: math.sqrt(1 / i), "hint", "LeCun"),
    Mutant("numerator 1", lambda i, o: math.sqrt(1 / (i + o)), "hint", "numerator is 2"),
    Mutant("He", lambda i, o: math.sqrt(2 / i), "hint", "He's scaling"),
    Mutant("product", lambda i, o: math.sqrt(2 / (i * o)), "hint", "not their product"),
    Mutant("fan-out only", lambda i, o: math.sqrt(2 / o), "counterexample", "expected"),
    Mutant("mean of fans", lambda i, o: math.sqrt(2 / ((i + o) / 2)), "generic", "1.414 times"),
    Mutant("integer division", lambda i, o: math.sqrt(2 // (i + o)), "counterexample",
           "expected"),
    Mutant("square root missing once", lambda i, o: math.sqrt(2) / (i + o), "counterexample",
           "expected"),
    Mutant("returns a tuple", lambda i, o: (0.0, math.sqrt(2 / (i + o))), "form",
           "expected shape"),
    Mutant("off by one fan", lambda i, o: math.sqrt(2 / (i + o + 1)), "counterexample",
           "expected"),
]

HE = [
    Mutant("variance", lambda i, o: 2 / i, "hint", "variance 2/n_in"),
    Mutant("fan-out", lambda i, o: math.sqrt(2 / o), "hint", "not n_out"),
    Mutant("no factor 2", lambda i, o: math.sqrt(1 / i), "hint", "ReLU zeroes half"),
    Mutant("Xavier", lambda i, o: math.sqrt(2 / (i + o)), "hint", "Xavier's scaling"),
    Mutant("factor 4", lambda i, o: math.sqrt(4 / i), "generic", "1.414 times"),
    Mutant("square missing", lambda i, o: math.sqrt(2) / i, "counterexample", "expected"),
    Mutant("cube root", lambda i, o: (2 / i) ** (1 / 3), "counterexample", "expected"),
    Mutant("integer division", lambda i, o: math.sqrt(2 // i), "counterexample", "expected"),
    Mutant("uniform bound", lambda i, o: math.sqrt(6 / i), "generic", "1.732 times"),
    Mutant("None", lambda i, o: None, "form", "forget `return`"),
    Mutant("string", lambda i, o: f"{math.sqrt(2 / i)}", "form", "expected numbers"),
    Mutant("off by one", lambda i, o: math.sqrt(2 / (i + 1)), "counterexample", "expected"),
]

XAVIER_RIGHT = {"math.sqrt": lambda i, o: math.sqrt(2 / (i + o)),
                "np.sqrt": lambda i, o: np.sqrt(2.0) / np.sqrt(i + o)}
HE_RIGHT = {"math.sqrt": lambda i, o: math.sqrt(2 / i), "power 0.5": lambda i, o: (2 / i) ** 0.5}


# ---------------------------------------------------------------- σ'

SIGMOID_PRIME = [
    Mutant("np.empty_like(z)", sigmoid_prime_empty_like, "counterexample", "expected"),
    Mutant("σ itself", sigmoid, "hint", "σ(z) itself"),
    Mutant("plus inside", lambda z: sigmoid(z) * (1 + sigmoid(z)), "hint", "minus sign inside"),
    Mutant("1 - σ²", lambda z: 1 - sigmoid(z) ** 2, "hint", "not 1 − σ(z)²"),
    Mutant("tanh'", lambda z: 1 - np.tanh(z) ** 2, "hint", "derivative of tanh"),
    Mutant("overflowing formula", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "hint",
           "overflows"),
    Mutant("sign", lambda z: -sigmoid(z) * (1 - sigmoid(z)), "generic", "sign is flipped"),
    Mutant("σ(z)(1-z)", lambda z: sigmoid(z) * (1 - z), "counterexample", "expected"),
    Mutant("scalar only", lambda z: float(sigmoid(z) * (1 - sigmoid(z))), "raised",
           "TypeError"),
    Mutant("math.exp", lambda z: 1 / (1 + math.exp(-z)) * (1 - 1 / (1 + math.exp(-z))),
           "raised", "TypeError"),
    Mutant("changes z in place",
           lambda z: (np.negative(z, out=z), sigmoid(-z) * (1 - sigmoid(-z)))[1],
           "mutated", "`z` in place"),
    Mutant("half", lambda z: 0.5 * sigmoid(z) * (1 - sigmoid(z)), "generic", "0.5 times"),
    Mutant("clipped z", lambda z: sigmoid(np.clip(z, -5, 5)) * (1 - sigmoid(np.clip(z, -5, 5))),
           "counterexample", "expected"),
    Mutant("mean over entries", lambda z: np.mean(sigmoid(z) * (1 - sigmoid(z))), "form",
           "expected shape"),
]

SIGMOID_PRIME_RIGHT = {
    "σ(1 − σ)": lambda z: sigmoid(z) * (1 - sigmoid(z)),
    "cosh": lambda z: 0.25 / np.cosh(np.asarray(z, dtype=float) / 2) ** 2,
    "exp of −|z|": lambda z: np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))) ** 2,
}


# ---------------------------------------------------------------- chain


def chain(z):
    z = np.asarray(z, dtype=float)
    return float(np.prod(sigmoid(z) * (1 - sigmoid(z))))


CHAIN = [
    Mutant("np.zeros_like(z)", chain_zeros_like, "counterexample", "expected"),
    Mutant("sum", lambda z: float(np.sum(sigmoid(z) * (1 - sigmoid(z)))), "hint",
           "you added them"),
    Mutant("product of σ", lambda z: float(np.prod(sigmoid(z))), "hint", "not the activations"),
    Mutant("0.25 per layer", lambda z: 0.25 ** len(z), "hint", "best case"),
    Mutant("empty is 0", lambda z: chain(z) if len(z) else 0.0, "hint", "empty product is 1"),
    Mutant("last layer only", lambda z: chain(z[-1:]), "counterexample", "expected"),
    Mutant("mean", lambda z: float(np.mean(sigmoid(z) * (1 - sigmoid(z)))) if len(z) else 1.0,
           "counterexample", "expected"),
    Mutant("elementwise", lambda z: sigmoid(z) * (1 - sigmoid(z)), "form", "expected shape"),
    Mutant("max", lambda z: float(np.max(sigmoid(z) * (1 - sigmoid(z)), initial=1.0)),
           "counterexample", "expected"),
    Mutant("skips the first layer", lambda z: chain(z[1:]), "counterexample", "expected"),
    Mutant("product of z", lambda z: float(np.prod(z)), "counterexample", "expected"),
    Mutant("log of product", lambda z: float(np.sum(np.log(sigmoid(z) * (1 - sigmoid(z))))),
           "counterexample", "expected"),
    Mutant("square of chain", lambda z: chain(z) ** 2, "counterexample", "expected"),
]

CHAIN_RIGHT = {
    "product": chain,
    "exp of a sum of logs": lambda z: math.exp(
        sum(math.log(sigmoid(v) * (1 - sigmoid(v))) for v in z)),
}

BANKS = [
    Bank(ex.check_hidden_layer_gradients, GRADIENTS,
         {"matrices": grads, "einsum": grads_with_einsum}),
    Bank(ex.check_xavier_std, XAVIER, XAVIER_RIGHT),
    Bank(ex.check_he_std, HE, HE_RIGHT),
    Bank(ex.check_sigmoid_derivative, SIGMOID_PRIME, SIGMOID_PRIME_RIGHT),
    Bank(ex.check_sigmoid_chain, CHAIN, CHAIN_RIGHT),
]
