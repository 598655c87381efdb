"""The one registry of wrong and right answers to the checked exercises, and how they run.

Every chapter's folder beside this file has a ``mutants.py`` that declares ``BANKS``: one
:class:`Bank` per checked exercise, holding its wrong answers (mutants of the reference,
each a :class:`Mutant` stating the kind of rejection it must get and a phrase the message
must contain) and right answers written in other forms, which must pass.
``tests/course/test_mutant_banks.py`` runs every (exercise, mutant) pair and every right
answer through the exercise's checker.

``RESULTS`` counts, per exercise title, the mutants run and those rejected as stated; a
mutant is counted as run before its verdict is checked and as rejected only after, so a
mutant that slips through shows as a shortfall. ``tests/course/conftest.py`` hands the
counts of pytest-xdist workers on, and the root ``conftest.py`` prints them after the run.
"""

from __future__ import annotations

import copy
import importlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS: dict[str, dict[str, int]] = defaultdict(lambda: {"mutants": 0, "rejected": 0})

# The kinds of rejection that name the mistake; a "counterexample" shows the input instead.
SPECIFIC = {"hint", "form", "mutated", "raised", "generic"}


@dataclass(frozen=True)
class Mutant:
    """A wrong answer ``fn``, the ``kind`` of verdict it must get, a ``phrase`` of its message."""

    name: str
    fn: Callable[..., Any]
    kind: str
    phrase: str

    def __post_init__(self) -> None:
        if self.kind not in SPECIFIC | {"counterexample"}:
            raise ValueError(f"Mutant {self.name!r}: unknown kind {self.kind!r}")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Bank:
    """One checked exercise, its mutants and its right answers (name -> function) other than
    the reference."""

    exercise: Any
    mutants: Sequence[Mutant]
    correct: Mapping[str, Callable[..., Any]] = field(default_factory=dict)


def assert_rejected(exercise, mutant: Mutant, results=RESULTS) -> None:
    """The checker rejects ``mutant`` with the stated kind of message; counted in ``results``."""
    stats = results[exercise.title]
    stats["mutants"] += 1
    verdict = exercise.verdict(mutant.fn)
    assert verdict.kind == mutant.kind, (mutant.name, verdict)
    assert mutant.phrase in verdict.message, (mutant.name, verdict)
    if verdict.kind == "counterexample":
        assert "expected" in verdict.message and "returned" in verdict.message
        assert "on input" in verdict.message or not exercise.args
    stats["rejected"] += 1


def assert_accepted(exercise, fn) -> None:
    """The checker passes ``fn``, having compared it on at least every hand-picked case."""
    verdict = exercise.verdict(fn)
    assert verdict.kind == "passed", verdict
    assert verdict.cases >= len(exercise.cases)


def agrees(exercise, fn, case) -> bool:
    """True if ``fn`` passes ``exercise`` on the one input ``case`` (nothing printed)."""
    one = copy.copy(exercise)
    one.cases, one.strategy = [case], None
    return one.verdict(fn).passed


def chapter_banks() -> list[tuple[str, Bank]]:
    """``(chapter folder, bank)`` for every bank of every chapter's ``mutants.py``, in order."""
    found = []
    for path in sorted(Path(__file__).parent.glob("ch*_*/mutants.py")):
        module = importlib.import_module(f"{path.parent.name}.mutants")
        found.extend((path.parent.name, bank) for bank in module.BANKS)
    return found
