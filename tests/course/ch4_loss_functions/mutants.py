"""Chapter 4's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws)."""

import math

import numpy as np
from mutant_bank import Bank, Mutant

from nnkit.course.ch4_loss_functions import exercises as ex

# ---------------------------------------------------------------- MSE


def mse(p, t):
    return float(np.mean((p - t) ** 2))


MSE = [
    Mutant("sum", lambda p, t: float(np.sum((p - t) ** 2)), "hint", "summed the squared"),
    Mutant("half", lambda p, t: 0.5 * mse(p, t), "hint", "half the MSE"),
    Mutant("absolute", lambda p, t: float(np.mean(np.abs(p - t))), "hint", "absolute"),
    Mutant("root", lambda p, t: math.sqrt(mse(p, t)), "hint", "RMSE"),
    Mutant("square of mean", lambda p, t: float(np.mean(p - t) ** 2), "hint", "squared the mean"),
    Mutant("broadcast", lambda p, t: float(np.mean((np.ravel(p) - t) ** 2)), "hint",
           "broadcasts to (n, n)"),
    Mutant("no mean", lambda p, t: (p - t) ** 2, "form", "expected shape"),
    Mutant("n - 1", lambda p, t: float(np.sum((p - t) ** 2) / max(np.size(p) - 1, 1)),
           "counterexample", "expected"),
    Mutant("cube", lambda p, t: float(np.mean(np.abs(p - t) ** 3)), "counterexample",
           "expected"),
    Mutant("in place", lambda p, t: (np.subtract(p, t, out=p), float(np.mean(p ** 2)))[1],
           "mutated", "`pred` in place"),
    Mutant("sign", lambda p, t: -mse(p, t), "generic", "sign is flipped"),
    Mutant("mean of target only", lambda p, t: float(np.mean(t ** 2)), "counterexample",
           "expected"),
]

MSE_RIGHT = {"mean": mse, "dot product": lambda p, t: float(np.dot(np.ravel(p - t),
                                                                   np.ravel(p - t)) / np.size(p))}


# ---------------------------------------------------------------- BCE


def bce(p, y, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_likelihood_product(p, y):
    # -log of the product of the probabilities given to the truth, each at least 1e-200:
    # one confident mistake costs 460, two underflow the product to 0 and cost inf
    truth = np.maximum(np.where(y == 1, p, 1 - p), 1e-200)
    return float(-np.log(np.prod(truth)) / len(p))


def bce_made_like_target(p, y):
    per_sample = np.empty_like(y)  # integer targets give an integer array: losses truncate
    q = np.clip(p, 1e-12, 1 - 1e-12)
    per_sample[...] = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    return float(np.mean(per_sample))


BCE = [
    Mutant("log of a product of likelihoods", bce_likelihood_product, "counterexample",
           "two confident mistakes"),
    Mutant("np.empty_like(target)", bce_made_like_target, "counterexample", "integer targets"),
    Mutant("no clipping", lambda p, y: float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
           "hint", "clip ŷ"),
    Mutant("eps too large", lambda p, y: bce(p, y, eps=1e-4), "hint", "too large"),
    Mutant("positive", lambda p, y: -bce(p, y), "hint", "negative"),
    Mutant("sum", lambda p, y: bce(p, y) * len(p), "hint", "summed"),
    Mutant("log10", lambda p, y: bce(p, y) / math.log(10), "hint", "base 10"),
    Mutant("log2", lambda p, y: bce(p, y) / math.log(2), "hint", "base 2"),
    Mutant("only y log p", lambda p, y: float(-np.mean(y * np.log(np.clip(p, 1e-12, 1)))),
           "hint", "y·log ŷ term"),
    Mutant("only (1-y) log(1-p)", lambda p, y: float(
        -np.mean((1 - y) * np.log(np.clip(1 - p, 1e-12, 1)))), "hint", "(1 − y)·log(1 − ŷ) term"),
    Mutant("swapped", lambda p, y: bce(y, p), "hint", "swapped the arguments"),
    Mutant("per sample", lambda p, y: -(y * np.log(np.clip(p, 1e-12, 1)) + (1 - y) * np.log(
        np.clip(1 - p, 1e-12, 1))), "form", "expected shape"),
    Mutant("no minus inside", lambda p, y: float(-np.mean(y * np.log(np.clip(p, 1e-12, 1)) - (
        1 - y) * np.log(np.clip(1 - p, 1e-12, 1)))), "counterexample", "expected"),
    Mutant("clip only below", lambda p, y: float(-np.mean(
        y * np.log(np.maximum(p, 1e-12)) + (1 - y) * np.log(1 - p))), "counterexample",
        "expected"),
    Mutant("in place clip", lambda p, y: (np.clip(p, 1e-12, 1 - 1e-12, out=p), bce(p, y))[1],
           "mutated", "`prob` in place"),
]


def bce_via_where(p, y):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(np.where(y == 1, np.log(p), np.log1p(-p))))


# Any tiny clipping is right: the checker must not insist on one ε.
BCE_RIGHT = {
    **{f"clipped at {eps:g}": lambda p, y, eps=eps: bce(p, y, eps)
       for eps in [1e-12, 1e-7, 1e-15, np.finfo(float).eps]},
    "np.where and log1p": bce_via_where,
}


# ---------------------------------------------------------------- softmax CE


def labels_of(t):
    t = np.asarray(t)
    return t.argmax(axis=1) if t.ndim == 2 else t


def cross_entropy(z, t, shift="row"):
    y = labels_of(t)
    if shift == "row":
        z = z - z.max(axis=1, keepdims=True)
    elif shift == "batch":
        z = z - z.max()
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(y)), y]))


def ce_dtype_decides(z, t):
    # integer targets taken for labels: integer one-hot rows are misread
    t = np.asarray(t)
    labels = t if t.dtype.kind in "iu" else t.argmax(axis=1)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(z)), labels]))


CE = [
    Mutant("integer dtype means labels", ce_dtype_decides, "counterexample",
           "one-hot, integers"),
    Mutant("batch maximum", lambda z, t: cross_entropy(z, t, "batch"), "hint",
           "maximum of the whole batch"),
    Mutant("no shift", lambda z, t: cross_entropy(z, t, "none"), "hint", "overflows"),
    Mutant("negative", lambda z, t: -cross_entropy(z, t), "hint", "negative"),
    Mutant("sum", lambda z, t: cross_entropy(z, t) * len(z), "hint", "summed over the samples"),
    Mutant("divide by C", lambda z, t: cross_entropy(z, t) / z.shape[1], "hint", "n·C"),
    Mutant("log10", lambda z, t: cross_entropy(z, t) / math.log(10), "hint", "base 10"),
    Mutant("axis 0", lambda z, t: float(-np.mean((z - np.log(np.exp(z - z.max(axis=0)).sum(
        axis=0)) - z.max(axis=0))[np.arange(len(z)), labels_of(t)])), "hint", "wrong axis"),
    Mutant("raw logits", lambda z, t: float(-np.mean(np.log(np.clip(z, 1e-12, None))[
        np.arange(len(z)), labels_of(t)])), "hint", "raw logits"),
    Mutant("one-hot not handled", lambda z, t: cross_entropy(z, np.asarray(t).astype(int)) if
           np.ndim(t) == 1 else cross_entropy(z, t[:, 0].astype(int)), "counterexample",
           "expected"),
    Mutant("integer labels only", lambda z, t: float(-np.mean(
        (z - z.max(axis=1, keepdims=True) - np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(
            axis=1, keepdims=True)))[np.arange(len(z)), t])), "raised", "IndexError"),
    Mutant("shift not undone", lambda z, t: float(-np.mean(
        (z - z.max(axis=1, keepdims=True))[np.arange(len(z)), labels_of(t)])), "counterexample",
        "expected"),
    Mutant("in place shift", lambda z, t: (np.subtract(z, z.max(axis=1, keepdims=True), out=z),
                                           cross_entropy(z, t))[1], "mutated", "`logits` in place"),
    Mutant("per sample", lambda z, t: -(z - z.max(axis=1, keepdims=True) - np.log(np.exp(
        z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)))[np.arange(len(z)),
                                                                      labels_of(t)],
           "form", "expected shape"),
]


def cross_entropy_via_logsumexp(z, t):
    m = z.max(axis=1)
    lse = m + np.log(np.sum(np.exp(z - m[:, None]), axis=1))
    y = labels_of(t)
    return float(np.mean(lse - z[np.arange(len(y)), y]))


# ---------------------------------------------------------------- its gradient


def ce_gradient(z, y, shift="row"):
    if shift == "row":
        z = z - z.max(axis=1, keepdims=True)
    elif shift == "batch":
        z = z - z.max()
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return (p - np.eye(z.shape[1])[y]) / len(y)


CE_GRAD = [
    Mutant("batch maximum", lambda z, y: ce_gradient(z, y, "batch"), "hint",
           "maximum of the whole batch"),
    Mutant("no shift", lambda z, y: ce_gradient(z, y, "none"), "hint", "overflows"),
    Mutant("no 1/n", lambda z, y: ce_gradient(z, y) * len(y), "hint", "forgot the 1/n"),
    Mutant("sign", lambda z, y: -ce_gradient(z, y), "hint", "sign is flipped"),
    Mutant("no target", lambda z, y: ce_gradient(z, y) + np.eye(z.shape[1])[y] / len(y), "hint",
           "left out the target"),
    Mutant("exp not softmax", lambda z, y: (np.exp(z) - np.eye(z.shape[1])[y]) / len(y), "hint",
           "exp(z) where softmax"),
    Mutant("per-sample vector", lambda z, y: ce_gradient(z, y).sum(axis=1), "form",
           "expected shape"),
    Mutant("transposed", lambda z, y: ce_gradient(z, y).T, "form", "transpose"),
    Mutant("divide by C", lambda z, y: ce_gradient(z, y) * len(y) / z.shape[1], "counterexample",
           "expected"),
    Mutant("target times 2", lambda z, y: ce_gradient(z, y) - np.eye(z.shape[1])[y] / len(y),
           "counterexample", "expected"),
    Mutant("in place", lambda z, y: (np.subtract(z, z.max(axis=1, keepdims=True), out=z),
                                     ce_gradient(z, y))[1], "mutated", "`logits` in place"),
    Mutant("sigmoid", lambda z, y: (1 / (1 + np.exp(-z)) - np.eye(z.shape[1])[y]) / len(y),
           "counterexample", "expected"),
]


def ce_gradient_via_log_softmax(z, y):
    log_p = z - z.max(axis=1, keepdims=True)
    log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    g = np.exp(log_p)
    g[np.arange(len(y)), y] -= 1
    return g / len(y)


# ---------------------------------------------------------------- pairings

RIGHT = {"temperature": ("identity", "mse"), "fraud": ("sigmoid", "bce"),
         "species": ("softmax", "cross_entropy")}


def answer(**changes):
    return lambda: {**RIGHT, **changes}


PAIRINGS = [
    Mutant("relu temperature", answer(temperature=("relu", "mse")), "hint", "negative temperature"),
    Mutant("sigmoid temperature", answer(temperature=("sigmoid", "mse")), "hint", "(0, 1)"),
    Mutant("softmax temperature", answer(temperature=("softmax", "mse")), "hint",
           "probability distribution"),
    Mutant("bce temperature", answer(temperature=("identity", "bce")), "hint",
           "real-valued target"),
    Mutant("linear fraud", answer(fraud=("identity", "bce")), "hint", "not a probability"),
    Mutant("mse fraud", answer(fraud=("sigmoid", "mse")), "hint", "gradient vanishes"),
    Mutant("ce with sigmoid", answer(fraud=("sigmoid", "cross_entropy")), "hint", "*binary*"),
    Mutant("softmax with bce", answer(fraud=("softmax", "bce")), "hint", "two units"),
    Mutant("sigmoid species", answer(species=("sigmoid", "bce")), "hint", "sum to 1"),
    Mutant("mse species", answer(species=("softmax", "mse")), "hint", "learns slowly"),
    Mutant("bce species", answer(species=("softmax", "bce")), "hint", "(categorical)"),
    Mutant("missing key", lambda: {"fraud": ("sigmoid", "bce")}, "hint", "exactly the keys"),
    Mutant("unknown loss", answer(fraud=("sigmoid", "hinge")), "hint", "name the output unit"),
    Mutant("not a pair", answer(fraud="sigmoid"), "hint", "exactly the keys"),
    Mutant("step fraud", answer(fraud=("step", "bce")), "hint", "no gradient"),
    Mutant("sigmoid twice", answer(fraud=("sigmoid", "bce_with_logits")), "hint", "squash twice"),
    Mutant("logits species", answer(species=("softmax", "bce_with_logits")), "hint",
           "(categorical)"),
]


# All three designs for fraud are right, whatever the case of the names and their spelling.
PAIRINGS_RIGHT = {f"fraud as {fraud}": answer(fraud=fraud) for fraud in [
    ("sigmoid", "bce"), ("softmax", "cross_entropy"), ("Sigmoid", "binary_cross_entropy"),
    ("softmax", "CE"), ("identity", "bce_with_logits"), ("linear", "BCEWithLogitsLoss")]}

BANKS = [
    Bank(ex.check_mse, MSE, MSE_RIGHT),
    Bank(ex.check_bce, BCE, BCE_RIGHT),
    Bank(ex.check_cross_entropy, CE, {"shifted by each row's maximum": cross_entropy,
                                      "log-sum-exp": cross_entropy_via_logsumexp}),
    Bank(ex.check_ce_gradient, CE_GRAD, {"softmax": ce_gradient,
                                         "log-softmax": ce_gradient_via_log_softmax}),
    Bank(ex.PAIRINGS, PAIRINGS, PAIRINGS_RIGHT),
]
