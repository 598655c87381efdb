"""Chapter 7's exercises beyond their mutant banks: what the checkers print, the references
against the loops they vectorise, the profiling exercise's answer, and the thinking
exercises."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnkit.course.ch7_vectorisation import exercises as ex
from nnkit.course.ch7_vectorisation import lab

from .mutants import make_softmax


def verdict(check, answer, capsys):
    passed = check(answer)
    out = capsys.readouterr().out.strip()
    assert len(out.splitlines()) == 1, out
    return passed, out


def test_softmax_not_attempted(capsys):
    def starter(X, y, W, b):
        raise NotImplementedError

    passed, out = verdict(ex.check_vectorised, starter, capsys)
    assert not passed and out.startswith("…")


def test_a_generic_mismatch_shows_the_smallest_case(capsys):
    passed, out = verdict(ex.check_vectorised, make_softmax(extra=0.01), capsys)
    assert not passed and out.startswith("✘")
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
    [extreme] = [case for case in ex.check_vectorised.cases if "very different" in case.note]
    result = make_softmax(shift="batch")(*extreme.args)
    assert not all(np.all(np.isfinite(v)) for v in result)


def test_slowest_part_takes_a_name_or_nothing_yet(capsys):
    passed, out = verdict(ex.check_slowest_part, None, capsys)
    assert not passed and out.startswith("…")
    passed, out = verdict(ex.check_slowest_part, "remember_best", capsys)
    assert passed and out.startswith("✔")
    passed, out = verdict(ex.check_slowest_part, "forward_pass", capsys)
    assert not passed and out.startswith("✘")


@pytest.mark.slow
def test_remember_best_really_is_the_slowest_part():
    # A count, not a time: remember_best runs the network on 64 times as many examples.
    parts = lab.profile_parts(ex.mystery_training, ex.MYSTERY_PARTS).parts
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
