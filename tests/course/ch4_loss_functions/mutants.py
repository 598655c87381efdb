"""Chapter 4 checkers: mutant banks rejected with the stated message, correct answers accepted."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from mutant_bank import Mutant, agrees, assert_accepted, assert_rejected

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


@pytest.mark.parametrize("mutant", MSE, ids=str)
def test_mse_mutants_rejected(mutant):
    assert_rejected(ex.check_mse, mutant)


def test_mse_alternatives_pass():
    assert_accepted(ex.check_mse, mse)
    assert_accepted(ex.check_mse, lambda p, t: float(np.dot(np.ravel(p - t), np.ravel(p - t))
                                                     / np.size(p)))


# ---------------------------------------------------------------- BCE


def bce(p, y, eps=1e-12):
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


BCE = [
    Mutant("no clipping", lambda p, y: float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
           "hint", "clip p"),
    Mutant("eps too large", lambda p, y: bce(p, y, eps=1e-4), "hint", "too large"),
    Mutant("positive", lambda p, y: -bce(p, y), "hint", "negative"),
    Mutant("sum", lambda p, y: bce(p, y) * len(p), "hint", "summed"),
    Mutant("log10", lambda p, y: bce(p, y) / math.log(10), "hint", "base 10"),
    Mutant("log2", lambda p, y: bce(p, y) / math.log(2), "hint", "base 2"),
    Mutant("only y log p", lambda p, y: float(-np.mean(y * np.log(np.clip(p, 1e-12, 1)))),
           "hint", "Only the y·log p".lower()[0:0] + "y·log p term"),
    Mutant("only (1-y) log(1-p)", lambda p, y: float(
        -np.mean((1 - y) * np.log(np.clip(1 - p, 1e-12, 1)))), "hint", "(1 − y)·log(1 − p) term"),
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


@pytest.mark.parametrize("mutant", BCE, ids=str)
def test_bce_mutants_rejected(mutant):
    assert_rejected(ex.check_bce, mutant)


@pytest.mark.parametrize("eps", [1e-7, 1e-12, 1e-15, np.finfo(float).eps])
def test_bce_any_tiny_clipping_passes(eps):
    assert_accepted(ex.check_bce, lambda p, y: bce(p, y, eps))


def test_bce_logaddexp_form_passes():
    def via_where(p, y):
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return float(-np.mean(np.where(y == 1, np.log(p), np.log1p(-p))))

    assert_accepted(ex.check_bce, via_where)


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


CE = [
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


@pytest.mark.parametrize("mutant", CE, ids=str)
def test_cross_entropy_mutants_rejected(mutant):
    assert_rejected(ex.check_cross_entropy, mutant)


def test_cross_entropy_stable_alternatives_pass():
    assert_accepted(ex.check_cross_entropy, cross_entropy)

    def via_logsumexp(z, t):
        m = z.max(axis=1)
        lse = m + np.log(np.sum(np.exp(z - m[:, None]), axis=1))
        y = labels_of(t)
        return float(np.mean(lse - z[np.arange(len(y)), y]))

    assert_accepted(ex.check_cross_entropy, via_logsumexp)


def test_issue_example_batch_maximum_is_refused_with_its_hint():
    verdict = ex.check_cross_entropy.verdict(lambda z, t: cross_entropy(z, t, "batch"))
    assert verdict.kind == "hint" and "each *row*" in verdict.message


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


@pytest.mark.parametrize("mutant", CE_GRAD, ids=str)
def test_ce_gradient_mutants_rejected(mutant):
    assert_rejected(ex.check_ce_gradient, mutant)


def test_ce_gradient_alternatives_pass():
    assert_accepted(ex.check_ce_gradient, ce_gradient)

    def via_log_softmax(z, y):
        log_p = z - z.max(axis=1, keepdims=True)
        log_p = log_p - np.log(np.exp(log_p).sum(axis=1, keepdims=True))
        g = np.exp(log_p)
        g[np.arange(len(y)), y] -= 1
        return g / len(y)

    assert_accepted(ex.check_ce_gradient, via_log_softmax)


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
]


@pytest.mark.parametrize("mutant", PAIRINGS, ids=str)
def test_pairings_mutants_rejected(mutant):
    assert_rejected(ex.PAIRINGS, mutant)


@pytest.mark.parametrize("fraud", [("sigmoid", "bce"), ("softmax", "cross_entropy"),
                                   ("Sigmoid", "binary_cross_entropy"), ("softmax", "CE")])
def test_pairings_both_right_fraud_designs_pass(fraud, capsys):
    assert ex.check_pairings({**RIGHT, "fraud": fraud}) is True
    assert capsys.readouterr().out.startswith("✔")


def test_pairings_placeholder_is_not_attempted(capsys):
    assert ex.check_pairings({**RIGHT, "fraud": (..., ...)}) is False
    assert "not attempted" in capsys.readouterr().out


@pytest.mark.parametrize(
    "exercise, correct",
    [(ex.check_mse, mse), (ex.check_bce, bce), (ex.check_cross_entropy, cross_entropy),
     (ex.check_ce_gradient, ce_gradient)],
    ids=["mse", "bce", "cross_entropy", "ce_gradient"],
)
def test_reference_and_a_correct_answer_agree_on_every_drawn_case(exercise, correct):
    @settings(max_examples=60, deadline=None)
    @given(exercise.strategy)
    def agree(case):
        assert agrees(exercise, exercise.reference, case)
        assert agrees(exercise, correct, case)

    agree()
