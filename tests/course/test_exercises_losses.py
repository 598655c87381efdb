"""Tests of the chapter-4 checkers: right answers pass, typical wrong answers get the right hint."""

import numpy as np
import pytest

from nnkit.course.ch4_loss_functions import exercises as ex

EPS = 1e-12


def run(check, answer, capsys):
    """Run a checker and return (verdict, the one printed line)."""
    verdict = check(answer)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    return verdict, lines[0]


def expect_pass(check, answer, capsys):
    verdict, line = run(check, answer, capsys)
    assert verdict is True, line
    assert line.startswith("✔"), line


def expect_hint(check, answer, capsys, *fragments):
    verdict, line = run(check, answer, capsys)
    assert verdict is False, line
    assert line.startswith("✘"), line
    for fragment in fragments:
        assert fragment in line, line


# --- MSE ---------------------------------------------------------------------------------------


def mse_right(pred, target):
    return np.mean((pred - target) ** 2)


def test_mse_right_answer_passes(capsys):
    expect_pass(ex.check_mse, mse_right, capsys)


def test_mse_accepts_a_one_element_array(capsys):
    expect_pass(ex.check_mse, lambda p, t: np.array([np.mean((p - t) ** 2)]), capsys)


@pytest.mark.parametrize(
    ("wrong", "fragment"),
    [
        (lambda p, t: np.sum((p - t) ** 2), "summed"),
        (lambda p, t: 0.5 * np.mean((p - t) ** 2), "half"),
        (lambda p, t: np.mean(np.abs(p - t)), "absolute"),
        (lambda p, t: np.sqrt(np.mean((p - t) ** 2)), "square root"),
        (lambda p, t: np.mean(p - t) ** 2, "square each error first"),
        (lambda p, t: (p - t) ** 2, "single number"),
        (lambda p, t: None, "return"),
    ],
)
def test_mse_typical_mistakes_get_their_hint(wrong, fragment, capsys):
    expect_hint(ex.check_mse, wrong, capsys, fragment)


def test_mse_in_place_change_is_reported(capsys):
    def squares_in_place(pred, target):
        pred -= target
        return np.mean(pred**2)

    expect_hint(ex.check_mse, squares_in_place, capsys, "in place")


def test_mse_broadcasting_bug_on_columns_is_caught(capsys):
    # Flattening only the prediction turns (3,) - (3, 1) into a (3, 3) matrix of differences.
    expect_hint(ex.check_mse, lambda p, t: np.mean((p.ravel() - t) ** 2), capsys, "(3, 3)")


def test_mse_not_attempted(capsys):
    def starter(pred, target):
        raise NotImplementedError

    verdict, line = run(ex.check_mse, starter, capsys)
    assert verdict is False
    assert line.startswith("…") and "not attempted" in line


# --- BCE ---------------------------------------------------------------------------------------


def bce_right(prob, target):
    p = np.clip(prob, EPS, 1 - EPS)
    return -np.mean(target * np.log(p) + (1 - target) * np.log(1 - p))


def test_bce_right_answer_passes(capsys):
    expect_pass(ex.check_bce, bce_right, capsys)


def test_bce_with_a_different_small_eps_passes(capsys):
    def bce_eps7(prob, target):
        p = np.clip(prob, 1e-9, 1 - 1e-9)
        return -np.mean(target * np.log(p) + (1 - target) * np.log(1 - p))

    expect_pass(ex.check_bce, bce_eps7, capsys)


def _bce_with(log=np.log, reduce=np.mean, sign=-1.0, clip=EPS, pos=True, neg=True):
    def bce(prob, target):
        p = np.clip(prob, clip, 1 - clip) if clip else prob
        terms = 0.0
        if pos:
            terms = terms + target * log(p)
        if neg:
            terms = terms + (1 - target) * log(1 - p)
        return sign * reduce(terms)

    return bce


@pytest.mark.parametrize(
    ("wrong", "fragment"),
    [
        (_bce_with(sign=1.0), "negative"),
        (_bce_with(reduce=np.sum), "mean"),
        (_bce_with(log=np.log10), "natural log"),
        (_bce_with(log=np.log2), "natural log"),
        (_bce_with(neg=False), "(1 − y)"),
        (_bce_with(pos=False), "y·log p"),
        (_bce_with(clip=None), "Clip p"),
        (_bce_with(clip=1e-3), "too large"),
        (lambda p, y: bce_right(y, p), "swapped"),
    ],
)
def test_bce_typical_mistakes_get_their_hint(wrong, fragment, capsys):
    expect_hint(ex.check_bce, wrong, capsys, fragment)


def test_bce_adding_eps_inside_the_log_is_caught(capsys):
    # log(p + 1e-3) keeps everything finite but biases every term.
    def shifted(prob, target):
        return -np.mean(target * np.log(prob + 1e-3) + (1 - target) * np.log(1 - prob + 1e-3))

    expect_hint(ex.check_bce, shifted, capsys, "bce for p=[0.9")


# --- softmax cross-entropy ---------------------------------------------------------------------


def ce_log_softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def ce_right(logits, target):
    log_p = ce_log_softmax(logits)
    if target.ndim == 2:
        return -np.mean(np.sum(target * log_p, axis=1))
    return -np.mean(log_p[np.arange(len(target)), target])


def ce_naive(logits, target):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = target.argmax(axis=1) if target.ndim == 2 else target
    return -np.mean(np.log(p[np.arange(len(labels)), labels]))


def ce_int_only(logits, target):
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(target)), target])


def ce_axis0(logits, target):
    z = logits - logits.max(axis=0, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=0, keepdims=True))
    labels = target.argmax(axis=1) if target.ndim == 2 else target
    return -np.mean(log_p[np.arange(len(labels)), labels])


def test_ce_right_answer_passes(capsys):
    expect_pass(ex.check_cross_entropy, ce_right, capsys)


@pytest.mark.parametrize(
    ("wrong", "fragment"),
    [
        (lambda z, t: -ce_right(z, t), "negative"),
        (lambda z, t: ce_right(z, t) * len(z), "summed"),
        (lambda z, t: ce_right(z, t) / z.shape[1], "n·C"),
        (lambda z, t: ce_right(z, t) / np.log(10), "natural log"),
        (ce_axis0, "wrong axis"),
        (lambda z, t: -np.mean(np.log(np.clip(z, EPS, None)[np.arange(len(z)), t])), "softmax"),
        (ce_int_only, "one-hot"),
        (lambda z, t: -np.mean((t * ce_log_softmax(z)).sum(axis=1)), "integer labels"),
        (ce_naive, "log-sum-exp"),
    ],
)
def test_ce_typical_mistakes_get_their_hint(wrong, fragment, capsys):
    expect_hint(ex.check_cross_entropy, wrong, capsys, fragment)


# --- gradient of softmax cross-entropy --------------------------------------------------------


def grad_right(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return (p - np.eye(logits.shape[1])[labels]) / len(logits)


def test_ce_gradient_right_answer_passes(capsys):
    expect_pass(ex.check_ce_gradient, grad_right, capsys)


def _naive_probs(z):
    return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("wrong", "fragment"),
    [
        (lambda z, y: grad_right(z, y) * len(z), "1/n"),
        (lambda z, y: -grad_right(z, y), "sign"),
        (lambda z, y: _naive_probs(z) / len(z), "left out the target"),
        (lambda z, y: (np.exp(z) - np.eye(z.shape[1])[y]) / len(z), "row sums"),
        (lambda z, y: (_naive_probs(z) - np.eye(z.shape[1])[y]) / len(z), "overflows"),
        (lambda z, y: grad_right(z, y).sum(axis=1), "one entry per logit"),
        (lambda z, y: grad_right(z, y).T, "transpose"),
    ],
)
def test_ce_gradient_typical_mistakes_get_their_hint(wrong, fragment, capsys):
    expect_hint(ex.check_ce_gradient, wrong, capsys, fragment)


# --- pairings ----------------------------------------------------------------------------------

RIGHT = {
    "temperature": ("identity", "mse"),
    "fraud": ("sigmoid", "bce"),
    "species": ("softmax", "cross_entropy"),
}


def test_pairings_right_answer_passes(capsys):
    expect_pass(ex.check_pairings, RIGHT, capsys)


def test_pairings_accept_aliases(capsys):
    expect_pass(ex.check_pairings, {"temperature": ("Linear", "MSE"),
                                    "fraud": ("sigmoid", "binary cross-entropy"),
                                    "species": ("softmax", "CE")}, capsys)


@pytest.mark.parametrize(
    ("problem", "answer", "fragment"),
    [
        ("temperature", ("relu", "mse"), "negative temperature"),
        ("temperature", ("identity", "bce"), "mean squared error"),
        ("fraud", ("sigmoid", "mse"), "confidently wrong"),
        ("fraud", ("softmax", "bce"), "always 1"),
        ("fraud", ("identity", "bce"), "not a probability"),
        ("species", ("sigmoid", "bce"), "sum to 1"),
        ("species", ("softmax", "mse"), "cross-entropy"),
        ("species", ("softmax", "hinge"), "not a loss"),
        ("species", ("maxout", "cross_entropy"), "not an output unit"),
        ("species", "softmax", "pair"),
    ],
)
def test_pairings_typical_mistakes_get_their_hint(problem, answer, fragment, capsys):
    expect_hint(ex.check_pairings, {**RIGHT, problem: answer}, capsys, problem, fragment)


def test_pairings_starter_counts_as_not_attempted(capsys):
    verdict, line = run(ex.check_pairings, {k: (..., ...) for k in RIGHT}, capsys)
    assert verdict is False and "not attempted" in line


def test_pairings_missing_key_and_wrong_type(capsys):
    expect_hint(ex.check_pairings, {"fraud": ("sigmoid", "bce")}, capsys, "'temperature'")
    expect_hint(ex.check_pairings, [("identity", "mse")], capsys, "dict")


def test_every_problem_is_described():
    assert set(ex.PROBLEMS) == set(RIGHT)
    assert all(len(text) > 20 for text in ex.PROBLEMS.values())
