"""Chapter 7's checked exercises: the solutions pass, every wrong answer in the mutant banks
is rejected with a specific hint or a concrete counterexample, and the thinking exercises
explain every option."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnkit.course.ch7_vectorisation import exercises as ex
from nnkit.course.ch7_vectorisation import lab


def verdict(check, answer, capsys):
    passed = check(answer)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out
    return passed, out


# --------------------------------------------------------------------------------------
# Exercise 1: vectorise softmax regression
# --------------------------------------------------------------------------------------


def softmax_solution(X, y, W, b):
    n = len(X)
    rows = np.arange(n)
    Z = X @ W.T + b
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    delta = np.exp(log_p)
    delta[rows, y] -= 1.0
    delta /= n
    return -log_p[rows, y].mean(), delta.T @ X, delta.sum(axis=0)


def make_softmax(*, shift="row", scale_loss=1.0, scale_grad=1.0, subtract=True, sign=1.0,
                 axis=1, bias=True, transpose=False, db_axis=0, inplace=False, loop=False,
                 loss_sum=False, w_not_t=False, extra=0.0):
    """A family of wrong answers: each keyword is one typical slip."""

    def answer(X, y, W, b):
        if loop:
            return ex.softmax_regression_loop(X, y, W, b)
        n = len(X)
        rows = np.arange(n)
        if inplace:
            X -= 0.0
            X *= 1.0000001
        Z = (X @ W if w_not_t else X @ W.T) + (b if bias else 0.0)
        top = Z.max() if shift == "batch" else Z.max(axis=axis, keepdims=True)
        shifted = Z - top
        log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        delta = np.exp(log_p)
        if subtract:
            delta[rows, y] -= 1.0
        delta = sign * delta / n * scale_grad
        loss = -log_p[rows, y].sum() if loss_sum else -log_p[rows, y].mean() * scale_loss
        dW = delta.T @ X
        return loss, (dW.T if transpose else dW), delta.sum(axis=db_axis) + extra

    return answer


SOFTMAX_MUTANTS = {
    "batch maximum": (make_softmax(shift="batch"), "row's own maximum"),
    "loss summed instead of averaged": (make_softmax(loss_sum=True), "loss is n times too large"),
    "gradients not divided by n": (lambda X, y, W, b: (
        softmax_solution(X, y, W, b)[0],
        *(g * len(X) for g in softmax_solution(X, y, W, b)[1:])), "n times too large"),
    "everything summed": (lambda X, y, W, b: tuple(
        v * len(X) for v in softmax_solution(X, y, W, b)), "summed over the examples"),
    "one-hot not subtracted": (make_softmax(subtract=False), "P − Y"),
    "sign flipped": (make_softmax(sign=-1.0), "wrong sign"),
    "softmax over columns": (make_softmax(axis=0), "wrong axis"),
    "bias forgotten": (make_softmax(bias=False), "bias is missing"),
    "dW transposed": (make_softmax(transpose=True), "transpose"),
    "db over the wrong axis": (make_softmax(db_axis=1), "db: expected shape"),
    "X changed in place": (make_softmax(inplace=True), "in place"),
    "still a loop": (make_softmax(loop=True), "one example at a time"),
    "W instead of W.T": (make_softmax(w_not_t=True), "your function raised"),
    "constant added to db": (make_softmax(extra=0.01), "db: expected"),
    "returns a pair": (lambda X, y, W, b: softmax_solution(X, y, W, b)[1:],
                    "return 3 values (loss, dW, db)"),
    "returns None": (lambda X, y, W, b: None, "did you forget `return`"),
}


def test_softmax_solution_and_reference_pass(capsys):
    for answer in (softmax_solution, ex.reference_softmax_regression):
        passed, out = verdict(ex.check_vectorised, answer, capsys)
        assert passed and out.startswith("✔"), out


def test_softmax_not_attempted(capsys):
    def starter(X, y, W, b):
        raise NotImplementedError

    passed, out = verdict(ex.check_vectorised, starter, capsys)
    assert not passed and out.startswith("…")


@pytest.mark.parametrize("name", list(SOFTMAX_MUTANTS))
def test_softmax_mutant_rejected_with_a_specific_hint(name, capsys):
    answer, expected_hint = SOFTMAX_MUTANTS[name]
    passed, out = verdict(ex.check_vectorised, answer, capsys)
    assert not passed and out.startswith("✘"), out
    assert expected_hint in out, out


def test_softmax_bank_is_large_enough():
    print(f"softmax regression: {len(SOFTMAX_MUTANTS)} mutants")
    assert len(SOFTMAX_MUTANTS) >= 10


def test_a_generic_mismatch_shows_the_smallest_case(capsys):
    passed, out = verdict(ex.check_vectorised, make_softmax(extra=0.01), capsys)
    assert "wrong result on input X=[[" in out and "db: expected [" in out
    assert "returned [" in out and not out.endswith("…")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 4), c=st.integers(2, 4),
       seed=st.integers(0, 10_000), scale=st.sampled_from([1e-3, 1.0, 30.0, 300.0]))
def test_reference_agrees_with_the_loop(n, d, c, seed, scale):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * scale
    W, b = rng.normal(size=(c, d)), rng.normal(size=c)
    y = rng.integers(0, c, size=n)
    ref = ex.reference_softmax_regression(X, y, W, b)
    loop = ex.softmax_regression_loop(X, y, W, b)
    for got, want in zip(ref, loop, strict=True):
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)


def test_the_extreme_case_catches_the_batch_maximum():
    X, y, W, b = ex._extreme_case()
    result = make_softmax(shift="batch")(X, y, W, b)
    assert not all(np.all(np.isfinite(v)) for v in result)


# --------------------------------------------------------------------------------------
# Exercise 2: FLOPs of a layer
# --------------------------------------------------------------------------------------


def flops_solution(batch, n_in, n_out, input_grad):
    product = 2 * batch * n_in * n_out
    return product + batch * n_out, product + batch * n_out + (product if input_grad else 0)


def mutant(formula):
    """A wrong count written in terms of the product, bias and ∂X terms of the right one."""

    def answer(b, i, o, g):
        p, bias = 2 * b * i * o, b * o
        return formula(b, i, o, g, p, bias, p if g else 0)

    return answer


FLOP_MUTANTS = {
    "swapped": (mutant(lambda b, i, o, g, p, bias, dx: (p + bias + dx, p + bias)),
                "(backward, forward)"),
    "multiply-adds": (mutant(lambda b, i, o, g, p, bias, dx: (p // 2 + bias,
                                                              p // 2 + bias + dx // 2)),
                      "multiply-adds"),
    "no bias": (mutant(lambda b, i, o, g, p, bias, dx: (p, p + dx)), "bias is missing"),
    "forward without bias": (mutant(lambda b, i, o, g, p, bias, dx: (p, p + bias + dx)),
                             "forward count misses the bias"),
    "backward without db": (mutant(lambda b, i, o, g, p, bias, dx: (p + bias, p + dx)), "∂b"),
    "dX always": (mutant(lambda b, i, o, g, p, bias, dx: (p + bias, 2 * p + bias)), "skips ∂X"),
    "dX never": (mutant(lambda b, i, o, g, p, bias, dx: (p + bias, p + bias)),
                 "must also return ∂X"),
    "backward = 2 forward": (mutant(lambda b, i, o, g, p, bias, dx: (p + bias, 2 * (p + bias))),
                             "rule of thumb"),
    "one example": (lambda b, i, o, g: flops_solution(1, i, o, g), "one example's count"),
    "bias sized n_in": (mutant(lambda b, i, o, g, p, bias, dx: (p + b * i, p + bias + dx)),
                        "not n_in"),
    "half-factor forward only": (mutant(lambda b, i, o, g, p, bias, dx: (p // 2 + bias,
                                                                         p + bias + dx)),
                                 "misses a factor 2"),
    "float division": (mutant(lambda b, i, o, g, p, bias, dx: ((p + bias) / 2, p + bias + dx)),
                       "returned 1.5"),
    "single number": (lambda b, i, o, g: sum(flops_solution(b, i, o, g)),
                      "return 2 values (forward, backward)"),
    "off by one": (mutant(lambda b, i, o, g, p, bias, dx: (p + bias + 1, p + bias + dx)),
                   "forward: expected 3, returned 4"),
    "strings": (lambda b, i, o, g: ("many", "more"), "expected numbers"),
    "raises": (lambda b, i, o, g: (1 / 0, 0), "ZeroDivisionError"),
}


def test_flops_solution_passes(capsys):
    for answer in (flops_solution, lab.dense_flops):
        passed, out = verdict(ex.check_layer_flops, answer, capsys)
        assert passed and out.startswith("✔"), out


@pytest.mark.parametrize("name", list(FLOP_MUTANTS))
def test_flops_mutant_rejected_with_a_specific_hint(name, capsys):
    answer, expected_hint = FLOP_MUTANTS[name]
    passed, out = verdict(ex.check_layer_flops, answer, capsys)
    assert not passed and out.startswith("✘"), out
    assert expected_hint in out, out


def test_flops_bank_is_large_enough():
    print(f"layer FLOPs: {len(FLOP_MUTANTS)} mutants")
    assert len(FLOP_MUTANTS) >= 10


@settings(max_examples=30, deadline=None)
@given(batch=st.integers(1, 50), n_in=st.integers(1, 50), n_out=st.integers(1, 50),
       input_grad=st.booleans())
def test_forward_is_about_two_flops_per_parameter(batch, n_in, n_out, input_grad):
    forward, backward = lab.dense_flops(batch, n_in, n_out, input_grad)
    params = n_in * n_out + n_out
    assert batch * params <= forward <= 2 * batch * params
    assert backward == forward + (2 * batch * n_in * n_out if input_grad else 0)


# --------------------------------------------------------------------------------------
# Exercise 3: the slowest part, found with the profiler
# --------------------------------------------------------------------------------------

SLOW_RIGHT = ["remember_best", "remember_best()", "exercises.remember_best", " 'remember_best' ",
              ex.remember_best]
SLOW_MUTANTS = {
    "mystery_training": "whole loop",
    "forward_pass": "not the one",
    "backward_pass": "not the one",
    "next_batch": "not the one",
    "update_weights": "not the one",
    "matmul": "building block",
    "forward": "building block",
    "exp": "building block",
    "remember": "no part of that name",
    "Remember_Best": "no part of that name",
    "": "as a string",
    42: "as a string",
}


# Ids without memory addresses, so that every pytest-xdist worker collects the same tests.
@pytest.mark.parametrize(
    "answer", SLOW_RIGHT, ids=lambda a: f"function {a.__name__}" if callable(a) else repr(a)
)
def test_slowest_part_accepts_the_right_name(answer, capsys):
    passed, out = verdict(ex.check_slowest_part, answer, capsys)
    assert passed and out.startswith("✔"), out


@pytest.mark.parametrize("answer", list(SLOW_MUTANTS), ids=repr)
def test_slowest_part_rejects_wrong_names_with_a_hint(answer, capsys):
    passed, out = verdict(ex.check_slowest_part, answer, capsys)
    assert not passed and out.startswith("✘"), out
    assert SLOW_MUTANTS[answer] in out, out


def test_slowest_part_bank_is_large_enough(capsys):
    passed, out = verdict(ex.check_slowest_part, None, capsys)
    assert not passed and out.startswith("…")
    print(f"slowest part: {len(SLOW_MUTANTS)} wrong answers")
    assert len(SLOW_MUTANTS) >= 10


@pytest.mark.slow
def test_remember_best_really_is_the_slowest_part():
    # A count, not a time: remember_best runs the network on 64 times as many examples.
    parts = lab.profile_parts(ex.mystery_training, ex.MYSTERY_PARTS)
    assert all(parts[name][0] == 30 for name in ex.MYSTERY_PARTS)
    assert max(parts, key=lambda name: parts[name][1]) == "remember_best"


# --------------------------------------------------------------------------------------
# Thinking exercises
# --------------------------------------------------------------------------------------


def test_every_quiz_has_one_right_option_and_explains_every_option():
    quizzes = ex.quizzes()
    assert len(quizzes) >= 2
    for quiz in quizzes.values():
        assert len(quiz.correct) == 1
        for option in quiz.options:
            assert len(option.why) > 40


def test_broadcast_quiz_matches_numpy():
    right = ex.quizzes()["broadcast"].correct[0]
    assert str((np.zeros((4, 1)) - np.zeros(4)).shape) in right


def test_width_quiz_matches_the_flop_count():
    def step(h):
        return sum(lab.network_flops([64, h, h, 10], batch=1))

    ratio = step(512) / step(256)
    assert 3.3 < ratio < 4.0
    assert "4" in ex.quizzes()["width"].correct[0]
