"""Running a bank of wrong answers (mutants of a reference solution) through a checker.

Each :class:`Mutant` states which kind of rejection it must get and a phrase the message
must contain: a specific hint ("hint", "form", "mutated", "raised", "generic") or a
concrete counterexample ("counterexample": the message shows the input, the expected value
and what was returned). ``RESULTS`` collects, per exercise, how many mutants were run and
how many were rejected as stated; ``tests/course/conftest.py`` prints it after the run.
"""

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RESULTS: dict[str, dict[str, int]] = defaultdict(lambda: {"mutants": 0, "rejected": 0})

SPECIFIC = {"hint", "form", "mutated", "raised", "generic"}


@dataclass(frozen=True)
class Mutant:
    name: str
    fn: Callable[..., Any]
    kind: str
    phrase: str

    def __str__(self) -> str:
        return self.name


def assert_rejected(exercise, mutant: Mutant) -> None:
    """The checker rejects ``mutant`` with the stated kind of message, and counts it."""
    verdict = exercise.verdict(mutant.fn)
    stats = RESULTS[exercise.title]
    stats["mutants"] += 1
    assert verdict.kind == mutant.kind, (mutant.name, verdict)
    assert mutant.phrase in verdict.message, (mutant.name, verdict)
    if verdict.kind == "counterexample":
        assert "expected" in verdict.message and "returned" in verdict.message
        assert "on input" in verdict.message or not exercise.args
    else:
        assert verdict.kind in SPECIFIC
    stats["rejected"] += 1


def assert_accepted(exercise, fn) -> None:
    verdict = exercise.verdict(fn)
    assert verdict.kind == "passed", verdict
    assert verdict.cases >= len(exercise.cases)


def agrees(exercise, fn, case) -> bool:
    """True if ``fn`` passes ``exercise`` on the one input ``case`` (nothing printed)."""
    one = copy.copy(exercise)
    one.cases, one.strategy = [case], None
    return one.verdict(fn).passed
