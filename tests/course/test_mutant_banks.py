"""Every checked exercise of every chapter against its bank (tests/course/chN_topic/mutants.py):
each wrong answer is rejected with the stated kind of message, each right answer passes,
and on the cases hypothesis draws the reference and a right answer agree."""

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from mutant_bank import Bank, Mutant, agrees, assert_accepted, assert_rejected, chapter_banks

from nnkit.course.checking import Case, Exercise, Hint

BANKS = chapter_banks()
MUTANTS = [(bank, mutant) for _, bank in BANKS for mutant in bank.mutants]
RIGHT = [(bank, name) for _, bank in BANKS for name in bank.correct]
DRAWN = [bank for _, bank in BANKS if bank.exercise.strategy is not None]


def _id(chapter: str, bank: Bank, name: str) -> str:
    return f"{chapter}: {bank.exercise.title}: {name}"


@pytest.mark.parametrize(
    "bank, mutant", MUTANTS,
    ids=[_id(chapter, bank, m.name) for chapter, bank in BANKS for m in bank.mutants])
def test_every_mutant_is_rejected_as_stated(bank, mutant):
    assert_rejected(bank.exercise, mutant)


@pytest.mark.parametrize(
    "bank, name", RIGHT,
    ids=[_id(chapter, bank, name) for chapter, bank in BANKS for name in bank.correct])
def test_every_right_answer_passes(bank, name):
    assert_accepted(bank.exercise, bank.correct[name])


@pytest.mark.parametrize("bank", [bank for _, bank in BANKS],
                         ids=[_id(chapter, bank, "reference") for chapter, bank in BANKS])
def test_every_reference_passes_and_every_bank_is_full(bank):
    assert_accepted(bank.exercise, bank.exercise.reference)
    assert len(bank.mutants) >= 10
    assert len({m.name for m in bank.mutants}) == len(bank.mutants)


@pytest.mark.parametrize("bank", DRAWN, ids=[_id(chapter, bank, "drawn cases")
                                             for chapter, bank in BANKS if bank in DRAWN])
def test_the_reference_and_a_right_answer_agree_on_every_drawn_case(bank):
    assert bank.correct, "a bank whose exercise draws cases needs a right answer to compare"
    right = next(iter(bank.correct.values()))

    @settings(max_examples=60, deadline=None)
    @given(bank.exercise.strategy)
    def agree(case):
        assert agrees(bank.exercise, bank.exercise.reference, case)
        assert agrees(bank.exercise, right, case)

    agree()


def test_every_chapter_with_checked_exercises_has_a_bank():
    chapters = {chapter for chapter, _ in BANKS}
    assert {f"ch{k}" for k in range(1, 9)} <= {chapter.split("_")[0] for chapter in chapters}
    titles = [bank.exercise.title for _, bank in BANKS]
    assert len(titles) == len(set(titles))


# ---------------------------------------------------------------- the machinery itself

TOY = Exercise("toy: twice x", lambda x: 2 * x, args=("x",), cases=[Case((1.0,)), Case((3.0,))],
               hints=[Hint("you added x to itself once too often.", like=lambda x: 3 * x)])


def test_a_mutant_rejected_as_stated_is_counted_as_run_and_rejected():
    results = defaultdict(lambda: {"mutants": 0, "rejected": 0})
    assert_rejected(TOY, Mutant("three x", lambda x: 3 * x, "hint", "once too often"), results)
    assert_rejected(TOY, Mutant("x + 1", lambda x: x + 1, "counterexample", "x=3"), results)
    assert results["toy: twice x"] == {"mutants": 2, "rejected": 2}


@pytest.mark.parametrize("mutant", [
    Mutant("a right answer", lambda x: x + x, "hint", "once too often"),
    Mutant("the wrong kind stated", lambda x: 3 * x, "counterexample", "expected"),
    Mutant("the wrong phrase stated", lambda x: 3 * x, "hint", "sign"),
], ids=str)
def test_a_mutant_that_slips_through_shows_as_a_shortfall(mutant):
    results = defaultdict(lambda: {"mutants": 0, "rejected": 0})
    with pytest.raises(AssertionError):
        assert_rejected(TOY, mutant, results)
    assert results["toy: twice x"] == {"mutants": 1, "rejected": 0}


def test_a_wrong_answer_listed_as_right_fails():
    with pytest.raises(AssertionError):
        assert_accepted(TOY, lambda x: np.float64(2.5) * x)
    assert_accepted(TOY, lambda x: x * 2.0)
