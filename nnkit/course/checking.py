"""The one framework every exercise checker is built with.

An exercise declares three things and nothing more:

* its **reference**, a correct solution with the same signature as the student's function;
* its **cases**: hand-picked :class:`Case` inputs (ordered small to large, including the
  edge cases that break naive answers) and, optionally, a hypothesis **strategy** that
  draws more cases (shapes, scales, rows far below the batch maximum, ties, zeros, one
  sample, float32, extreme values);
* its **hints**: known mistakes, each a :class:`Hint` that recognises the mistake (a
  wrong implementation it reproduces, ``like=``, or a test on the call, ``when=``) and
  says what is wrong in words.

``Exercise.check(student)`` runs the student's function on every case, compares each
result with the reference's and prints exactly one line:

* ``✔ <title>: passed (<k> hand-picked cases and up to <m> random ones).`` -- numbers the
  exercise fixes (the random draws made are not printed: hypothesis decides them);
* ``… <title>: not attempted yet ...`` -- the code still raises ``NotImplementedError``;
* ``✘ <title>: <why>`` -- otherwise. A rejection always helps: the function changed its
  input in place; or it raised (``your function raised AxisError on input …: message``);
  or it returned the wrong kind of thing (a number instead of a pair or an array, a
  transposed array, a list where the reference returns a NumPy array); or a known
  mistake explains *every* failing case (its hint is printed); or a generic mistake does
  (the sign, a constant factor, a constant offset, nan/inf where the answer is finite);
  or, when nothing explains it, the smallest failing case is shown concretely: the
  input, the expected value and what the function returned (with the digits it takes to
  tell them apart, and the dtype when it is the cause; an exercise done with pen and
  paper, ``reveal=False``, shows only what was returned).
  Hypothesis searches the strategy for a failing input and shrinks it.

A ``like`` hint is only given when the wrong implementation reproduces the student's results
on every case tried, a ``when`` hint when it holds on every failing case, so a coincidence on
one input cannot mislead. An error raised by the reference, a hint or the comparison is a bug of
the checker: it propagates as :class:`CheckerBug` and is never blamed on the student.

The printed text never contains memory addresses, timings or random draws, so stored
notebook outputs are reproducible (hypothesis runs derandomised).

A whole exercise, as a chapter's ``exercises.py`` writes it::

    check_pre_activation = Exercise(
        "Pre-activation z = w·x + b",
        lambda X, w, b: X @ w + b,                      # the reference
        args=("X", "w", "b"),
        cases=[Case((np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.25))],
        strategy=neuron_inputs(),                       # hypothesis strategy of Case
        hints=[Hint("you left out the bias b: z = w·x + b.", like=lambda X, w, b: X @ w)],
    )

and the notebook calls ``exercises.check_pre_activation(pre_activation)``. Its tests give
a bank of wrong answers (mutants of the reference) with the rejection each must get, and
right answers in other forms: ``tests/course/chN_topic/mutants.py``, run by
``tests/course/test_mutant_banks.py``.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnkit.course.text import format_number

__all__ = ["Case", "CheckerBug", "Exercise", "Hint", "Verdict", "arrays", "reals", "show"]

PASS_MARK = "✔"
FAIL_MARK = "✘"
TODO_MARK = "…"

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_MAX_LINE = 700
_MAX_SHOWN_VALUES = 12
_SHOWN_DIGITS = 6
# At most this many failing calls are kept to test hints against (enough to rule out a
# coincidence, few enough to stay fast).
_MAX_FAILURES_KEPT = 40


class CheckerBug(RuntimeError):
    """The reference, a hint or the comparison failed: a bug in the checker, not the student's."""


@dataclass(frozen=True)
class Case:
    """One input of an exercise: the positional ``args`` of the function.

    ``rtol``/``atol`` override the exercise's tolerances for this case (a float32 input
    deserves a looser ``rtol``); ``note`` is shown after the input when the case fails
    (e.g. "the second row is far below the batch maximum").
    """

    args: tuple
    note: str = ""
    rtol: float | None = None
    atol: float | None = None


@dataclass(frozen=True)
class Call:
    """What a hint's ``when`` sees: the case, the arguments after the student's call, the
    student's outcome and the reference's."""

    case: Case
    received: tuple
    got: Any
    expected: Any
    raised: str = ""


@dataclass(frozen=True)
class Hint:
    """A known mistake and what to say about it.

    ``like`` is a wrong implementation with the student's signature: the hint applies when
    the student returns what it returns. ``when(call) -> bool`` tests a :class:`Call`
    directly. Give one of the two. The hint is printed only if it recognises *every*
    failing case.
    """

    message: str
    like: Callable[..., Any] | None = None
    when: Callable[[Call], bool] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.message, str) or not self.message.strip():
            raise TypeError("Hint(message): message must be a non-empty string")
        if (self.like is None) == (self.when is None):
            raise TypeError("Hint: give exactly one of like= (a wrong function) or when=")


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``kind`` is "passed", "todo", "not_callable", "mutated",
    "raised", "form" (wrong kind/shape of result), "hint" (a declared mistake), "generic"
    (sign, factor, offset, nan) or "counterexample"; ``message`` is the printed text
    after the title; ``cases`` counts the inputs compared."""

    kind: str
    message: str
    cases: int = 0

    @property
    def passed(self) -> bool:
        return self.kind == "passed"


@dataclass
class _Failure:
    """One call of the student's function: ``kind`` is "ok" or what went wrong ("mutated",
    "raised", "form", "value", "nonfinite")."""

    kind: str
    case: Case
    received: tuple = ()
    got: Any = None
    expected: Any = None
    detail: str = ""
    size: float = 0.0
    raised: str = ""  # the exception's type name when kind == "raised"


class _Mismatch(Exception):
    """Raised by the comparison: ``kind`` is "form", "value" or "nonfinite"."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class _NotAttempted(Exception):
    pass


# --------------------------------------------------------------------------- formatting


def show(value: Any, digits: int = _SHOWN_DIGITS) -> str:
    """A value as the student would type it: numbers with up to ``digits`` (6) significant
    digits, small arrays in full, large ones by shape, tuples/lists/dicts element by element."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if value is None or value is Ellipsis or isinstance(value, str):
        return repr(value)
    if isinstance(value, np.random.Generator):
        return "a numpy Generator"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {show(v, digits)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return ("(" + ", ".join(show(v, digits) for v in value)
                + ("," if len(value) == 1 else "") + ")")
    if isinstance(value, list) and not _is_numeric(value):
        return "[" + ", ".join(show(v, digits) for v in value) + "]"
    if _is_numeric(value):
        arr = np.asarray(value)
        if arr.size > _MAX_SHOWN_VALUES and arr.ndim > 0:
            return f"an array of shape {arr.shape}"
        text = format_number(arr.astype(np.float64), max_digits=digits)
        if arr.ndim > 0 and arr.dtype == np.float32:
            text += " (float32)"
        return text
    if type(value).__repr__ is not object.__repr__:
        return _ADDRESS.sub("0x…", repr(value))
    return f"a {type(value).__name__}"


def _is_numeric(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    if isinstance(value, (np.ndarray, list)):
        try:
            return np.asarray(value).dtype.kind in "iuf"
        except (TypeError, ValueError):
            return False
    return False


def _one_line(text: str) -> str:
    text = _ADDRESS.sub("0x…", " ".join(str(text).split()))
    if len(text) > _MAX_LINE:
        text = text[: _MAX_LINE - 1] + "…"
    return text


# --------------------------------------------------------------------------- comparison


def _compare(
    got: Any,
    expected: Any,
    rtol: float,
    atol: float,
    name: str,
    parts: Sequence[str] = (),
    *,
    lists_ok: bool = False,
    reveal: bool = True,
) -> None:
    """Raise _Mismatch unless ``got`` matches ``expected``: the one way results are compared.

    A tuple must come back as a tuple or list of the same length, a dict with the same
    keys, a bool as a bool; numbers and arrays must have the expected shape (a single
    number also matches a one-element array), be finite where the expected value is, and
    agree within ``atol + rtol·|expected|`` elementwise. ``parts`` names the entries of a
    tuple in messages. Where the expected value is a NumPy array (not a 0-d one), a list or
    tuple is the wrong form unless ``lists_ok``. With ``reveal=False`` a wrong value is
    reported without the expected one (an exercise done with pen and paper).
    """
    options = {"lists_ok": lists_ok, "reveal": reveal}
    where = f"{name}: " if name else ""
    if got is Ellipsis:
        raise _NotAttempted
    if isinstance(expected, tuple):
        if got is None:
            raise _Mismatch(
                "form", f"{where}your function returned None — did you forget `return`?"
            )
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            wanted = f"({', '.join(parts)})" if parts else "as a tuple"
            raise _Mismatch(
                "form", f"{where}return {len(expected)} values {wanted}; got {_kind_of(got)}."
            )
        for k, (g, e) in enumerate(zip(got, expected, strict=True)):
            _compare(g, e, rtol, atol, parts[k] if parts else _part(name, k), **options)
        return
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            raise _Mismatch(
                "form", f"{where}return a dict with keys {list(expected)}; got {_kind_of(got)}."
            )
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            raise _Mismatch(
                "form",
                f"{where}the dict should have the keys {list(expected)}; "
                + (f"missing {missing}" if missing else f"unexpected {extra}")
                + ".",
            )
        for k in expected:
            _compare(got[k], expected[k], rtol, atol, f"{name}[{k!r}]" if name else repr(k),
                     **options)
        return
    if isinstance(expected, str):
        if got != expected:
            raise _Mismatch("value", _wrong_value(where, expected, got, reveal))
        return
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(got, (bool, np.bool_)):
            raise _Mismatch("form", f"{where}return True or False; got {_kind_of(got)}.")
        if bool(got) != bool(expected):
            raise _Mismatch("value", _wrong_value(where, expected, got, reveal))
        return
    if (
        not lists_ok
        and isinstance(expected, np.ndarray)
        and expected.ndim > 0
        and isinstance(got, (list, tuple))
    ):
        raise _Mismatch(
            "form",
            f"{where}you returned a Python {type(got).__name__}; return a NumPy array "
            f"(np.array(...) or a NumPy operation), of shape {expected.shape}.",
        )
    _compare_numbers(got, expected, rtol, atol, name, reveal)


def _wrong_value(where: str, expected: Any, got: Any, reveal: bool) -> str:
    """"expected X, returned Y", with X and Y shown to as many digits as it takes for them
    to differ (a float32 result can agree with the answer to 6 digits and still fail), and
    the dtype named when it is the likely cause. Without ``reveal``: only what was returned."""
    if not reveal:
        return (f"{where}returned {show(got)}, which is not the expected value; work it out "
                "again step by step")
    digits = _SHOWN_DIGITS
    if _is_numeric(expected) and _is_numeric(got):
        want = np.asarray(expected, dtype=np.float64)
        have = np.asarray(got, dtype=np.float64)
        for digits in (_SHOWN_DIGITS, 9, 12, 17):
            if format_number(want, max_digits=digits) != format_number(have, max_digits=digits):
                break
    text = f"{where}expected {show(expected, digits)}, returned {show(got, digits)}"
    got_dtype, want_dtype = _dtype(got), _dtype(expected)
    if got_dtype is not None and want_dtype is not None and got_dtype != want_dtype and (
        got_dtype.itemsize < want_dtype.itemsize or got_dtype.kind != want_dtype.kind
    ):
        text += (f" (your result is {got_dtype.name}, the expected one {want_dtype.name}: "
                 "keep the precision of the inputs)")
    return text


def _dtype(value: Any) -> np.dtype | None:
    """The dtype of a NumPy number or array (None for Python numbers and other values)."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "iuf":
        return value.dtype
    return None


def _part(name: str, k: int) -> str:
    return f"{name}[{k}]" if name else f"value {k + 1}"


def _kind_of(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    if _is_numeric(value) and np.ndim(value) > 0:
        return f"an array of shape {np.shape(value)}"
    return f"{show(value)} ({type(value).__name__})"


def _as_float_array(got: Any, where: str) -> np.ndarray:
    if got is None:
        raise _Mismatch("form", f"{where}your function returned None — did you forget `return`?")
    if isinstance(got, (bool, np.bool_, str, bytes, Mapping)):
        raise _Mismatch("form", f"{where}expected numbers, got {_kind_of(got)}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(got)
    except (TypeError, ValueError):
        raise _Mismatch(
            "form", f"{where}could not read the result as an array of numbers."
        ) from None
    if arr.dtype.kind == "c":
        raise _Mismatch("form", f"{where}got complex numbers; the result is real.")
    if arr.dtype.kind not in "biuf":
        raise _Mismatch("form", f"{where}expected numbers, got {_kind_of(got)}.")
    return arr.astype(np.float64)


def _compare_numbers(
    got: Any, expected: Any, rtol: float, atol: float, name: str, reveal: bool = True
) -> None:
    where = f"{name}: " if name else ""
    want = np.asarray(expected, dtype=np.float64)
    arr = _as_float_array(got, where)
    if want.ndim == 0 and arr.size == 1:
        arr = arr.reshape(())
    if arr.ndim == 0 and want.ndim > 0:
        wanted = "a list" if isinstance(expected, list) else "an array"
        raise _Mismatch(
            "form",
            f"{where}expected shape {want.shape} ({wanted}), got a single number: return "
            f"{wanted} of that shape, not one value.",
        )
    if arr.shape != want.shape:
        if arr.ndim == 2 and want.ndim == 2 and arr.shape == want.shape[::-1]:
            raise _Mismatch(
                "form", f"{where}shape {arr.shape} is the transpose of the expected {want.shape}."
            )
        if arr.size == want.size:
            raise _Mismatch(
                "form",
                f"{where}expected shape {want.shape}, got {arr.shape} — the right number of "
                "values, arranged differently (check the axis, keepdims or reshape).",
            )
        raise _Mismatch("form", f"{where}expected shape {want.shape}, got {arr.shape}.")
    finite = np.isfinite(want)
    if np.any(finite & ~np.isfinite(arr)):
        raise _Mismatch("nonfinite", _wrong_value(where, expected, got, reveal))
    # Where the expected value itself is not finite (a known mistake's nan or inf), any
    # non-finite value matches: nan and inf are the same failure to the student.
    if np.any(np.isfinite(arr[~finite])) or not np.allclose(
        arr[finite], want[finite], rtol=rtol, atol=atol
    ):
        raise _Mismatch("value", _wrong_value(where, expected, got, reveal))


def _leaves(got: Any, expected: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """Matching numeric parts of two already shape-compatible results, as float arrays."""
    if isinstance(expected, tuple):
        return [p for g, e in zip(got, expected, strict=True) for p in _leaves(g, e)]
    if isinstance(expected, Mapping):
        return [p for k in expected for p in _leaves(got[k], expected[k])]
    if isinstance(expected, (bool, np.bool_, str)):
        return []
    want = np.asarray(expected, dtype=np.float64)
    return [(np.asarray(got, dtype=np.float64).reshape(want.shape), want)]


def _unchanged(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and np.array_equal(before, after, equal_nan=True)
        )
    if isinstance(before, Mapping):
        return isinstance(after, Mapping) and before.keys() == after.keys() and all(
            _unchanged(before[k], after[k]) for k in before
        )
    if isinstance(before, (list, tuple)):
        return (
            isinstance(after, (list, tuple))
            and len(before) == len(after)
            and all(_unchanged(b, a) for b, a in zip(before, after, strict=True))
        )
    return True


def _has_ellipsis(value: Any) -> bool:
    """True if ``...`` (an exercise's placeholder) is still somewhere in ``value``."""
    if value is Ellipsis:
        return True
    if isinstance(value, (tuple, list)):
        return any(_has_ellipsis(v) for v in value)
    if isinstance(value, Mapping):
        return any(_has_ellipsis(v) for v in value.values())
    return False


def _size(case: Case) -> float:
    """How big an input is, for "the smallest failing case": elements first, then magnitude."""
    count, magnitude = 0, 0.0
    for a in case.args:
        if _is_numeric(a):
            arr = np.asarray(a, dtype=np.float64)
            count += arr.size
            finite = arr[np.isfinite(arr)]
            magnitude += float(np.sum(np.minimum(np.abs(finite), 1e6)))
    return count * 1e9 + magnitude


# --------------------------------------------------------------------------- the exercise


class Exercise:
    """A checked exercise: a reference, cases, hints; ``check(student)`` prints a verdict.

    Parameters
    ----------
    title : str
        Shown at the start of the verdict line.
    reference : callable
        A correct solution, called like the student's function.
    args : sequence of str
        The parameter names, used to show an input (``x=[1, 2], w=[0.5, -1]``).
    cases : sequence of Case
        Hand-picked inputs, smallest first; every one is compared.
    strategy : hypothesis strategy of Case, optional
        More inputs; hypothesis draws ``examples`` of them (derandomised) and shrinks a
        failing one to the smallest it can find.
    hints : sequence of Hint
        Known mistakes, most specific first.
    rtol, atol : float
        Default tolerances of the comparison.
    outcome : callable, optional
        ``outcome(received_args, returned) -> value to compare``; by default the returned
        value. (For a training epoch: the losses and the weights the model ends with.)
    mutable : sequence of str
        Names of arguments the function is meant to change (a model, an optimizer, a
        generator); any other argument changed in place is reported.
    same : callable, optional
        ``same(got, expected) -> bool`` replaces the numeric comparison when several
        answers are right (e.g. two equivalent designs).
    returns : sequence of str
        Names of the entries when the result is a tuple, e.g. ``("dW1", "dW2")``.
    lists_ok : bool
        Accept a list or tuple where the reference returns a NumPy array (only when the
        statement allows both); by default that is the wrong form.
    reveal : bool
        Show the expected value when a result is wrong (the default). An exercise to be
        done with pen and paper sets it False: a rejection then names what was returned,
        never the answer.
    """

    def __init__(
        self,
        title: str,
        reference: Callable[..., Any],
        *,
        args: Sequence[str] = (),
        cases: Sequence[Case] = (),
        strategy: Any = None,
        examples: int = 40,
        hints: Sequence[Hint] = (),
        rtol: float = 1e-7,
        atol: float = 1e-10,
        outcome: Callable[[tuple, Any], Any] | None = None,
        mutable: Sequence[str] = (),
        same: Callable[[Any, Any], bool] | None = None,
        returns: Sequence[str] = (),
        lists_ok: bool = False,
        reveal: bool = True,
    ):
        if not isinstance(title, str) or not title.strip():
            raise TypeError("Exercise(title): title must be a non-empty string")
        if not callable(reference):
            raise TypeError("Exercise(reference): expected a function")
        cases = list(cases)
        if not cases and strategy is None:
            raise ValueError("Exercise: give at least one case or a strategy")
        for case in cases:
            if not isinstance(case, Case) or len(case.args) != len(args):
                raise TypeError(f"Exercise {title!r}: every case needs {len(args)} args {args}")
        unknown = set(mutable) - set(args)
        if unknown:
            raise ValueError(f"Exercise {title!r}: mutable names {sorted(unknown)} are not args")
        self.title = title
        self.reference = reference
        self.args = tuple(args)
        self.cases = cases
        self.strategy = strategy
        self.examples = int(examples)
        self.hints = list(hints)
        self.rtol = rtol
        self.atol = atol
        self.outcome = outcome
        self.mutable = set(mutable)
        self.same = same
        self.returns = tuple(returns)
        self.options = {"lists_ok": bool(lists_ok), "reveal": bool(reveal)}

    # ---- the public entry points -------------------------------------------------------

    def __call__(self, student: Any) -> bool:
        return self.check(student)

    def check(self, student: Any) -> bool:
        """Check ``student``, print one verdict line, return True if it passed."""
        verdict = self.verdict(student)
        mark = {"passed": PASS_MARK, "todo": TODO_MARK}.get(verdict.kind, FAIL_MARK)
        print(f"{mark} {self.title}: {verdict.message}")
        return verdict.passed

    def verdict(self, student: Any) -> Verdict:
        """Check ``student`` and return the :class:`Verdict` without printing it."""
        if not callable(student):
            return Verdict(
                "not_callable",
                "pass the function itself (for example `my_fn`, not `my_fn()`); got "
                f"{_kind_of(student)}.",
            )
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                failures, n_cases = self._run(student)
            except _NotAttempted:
                return Verdict(
                    "todo", "not attempted yet (complete the code above, then rerun)"
                )
            if all(r.kind == "ok" for r in failures):
                return Verdict("passed", f"passed ({self._coverage()}).", n_cases)
            kind, message = self._explain(failures)
        return Verdict(kind, _one_line(message), n_cases)

    def _coverage(self) -> str:
        """What a pass was tested on, in numbers this exercise fixes: its hand-picked cases
        and the most hypothesis may draw. How many draws hypothesis really makes depends on
        its search (it deduplicates, and takes constants from the source of loaded modules),
        so that count is never printed: it would change the output from one environment,
        or one edit of an unrelated module, to the next."""
        fixed = len(self.cases)
        text = f"{fixed} hand-picked {'case' if fixed == 1 else 'cases'}"
        if self.strategy is None:
            return text
        if not fixed:
            return f"up to {self.examples} random cases"
        return f"{text} and up to {self.examples} random ones"

    # ---- running the cases -------------------------------------------------------------

    def _expected(self, case: Case) -> Any:
        args = copy.deepcopy(case.args)
        try:
            returned = self.reference(*args)
            return returned if self.outcome is None else self.outcome(args, returned)
        except Exception as error:
            raise CheckerBug(
                f"the reference of {self.title!r} failed on {self.describe(case)}: "
                f"{type(error).__name__}: {error}"
            ) from error

    def _try(self, student: Callable[..., Any], case: Case) -> _Failure:
        """Run one case and compare; the result's kind is "ok" or what went wrong."""
        expected = self._expected(case)
        received = copy.deepcopy(case.args)
        try:
            returned = student(*received)
        except NotImplementedError:
            raise _NotAttempted from None
        except Exception as error:  # noqa: BLE001 - the student's error, reported to them
            return _Failure("raised", case, received, detail=str(error), size=_size(case),
                            raised=type(error).__name__)
        for name, before, after in zip(self.args, case.args, received, strict=True):
            if name not in self.mutable and not _unchanged(before, after):
                return _Failure("mutated", case, received, detail=name, size=_size(case))
        try:
            got = returned if self.outcome is None else self.outcome(received, returned)
        except Exception as error:
            raise CheckerBug(f"outcome of {self.title!r} failed: {error!r}") from error
        rtol = self.rtol if case.rtol is None else case.rtol
        atol = self.atol if case.atol is None else case.atol
        try:
            if _has_ellipsis(got):
                raise _NotAttempted
            if self.same is not None:
                if self.same(got, expected):
                    return _Failure("ok", case, received, got, expected, size=_size(case))
                raise _Mismatch(
                    "value", _wrong_value("", expected, got, self.options["reveal"])
                )
            _compare(got, expected, rtol, atol, "", self.returns, **self.options)
        except _Mismatch as mismatch:
            return _Failure(mismatch.kind, case, received, got, expected, mismatch.detail,
                            _size(case))
        except _NotAttempted:
            raise
        except Exception as error:
            raise CheckerBug(
                f"comparing results in {self.title!r} failed: {type(error).__name__}: {error}"
            ) from error
        return _Failure("ok", case, received, got, expected, size=_size(case))

    def _run(self, student: Callable[..., Any]) -> tuple[list[_Failure], int]:
        """Every call made (passing ones too, for the hints) and the number of cases."""
        runs = [self._try(student, case) for case in self.cases]
        n_cases = len(runs)
        if self.strategy is not None:
            found, tried = self._search(student)
            n_cases += tried
            runs.extend(found)
        return runs, n_cases

    def _search(self, student: Callable[..., Any]) -> tuple[list[_Failure], int]:
        """Let hypothesis draw cases; on a failure it shrinks towards the smallest input."""
        from hypothesis import HealthCheck, Phase, Verbosity, find, settings
        from hypothesis.errors import NoSuchExample

        found: list[_Failure] = []
        seen: set[str] = set()

        def fails(case: Case) -> bool:
            key = self.describe(case) + repr([getattr(a, "dtype", None) for a in case.args])
            run = self._try(student, case)
            if key not in seen:
                seen.add(key)
                if sum(r.kind == run.kind for r in found) < _MAX_FAILURES_KEPT:
                    found.append(run)
            return run.kind != "ok"

        options = settings(
            max_examples=self.examples,
            derandomize=True,
            database=None,
            deadline=None,
            verbosity=Verbosity.quiet,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        try:
            smallest = find(self.strategy, fails, settings=options)
        except NoSuchExample:
            return found, len(seen)
        found.append(self._try(student, smallest))
        return found, len(seen)

    # ---- explaining a rejection ----------------------------------------------------------

    def describe(self, case: Case) -> str:
        """The input of ``case`` as ``name=value`` pairs."""
        if not self.args:
            return "()"
        return ", ".join(f"{n}={show(a)}" for n, a in zip(self.args, case.args, strict=True))

    def _on(self, failure: _Failure) -> str:
        """" on input x=…, w=… (note)", or "" for a function without arguments."""
        note = f" ({failure.case.note})" if failure.case.note else ""
        if not self.args:
            return note
        return f" on input {self.describe(failure.case)}{note}"

    def _explain(self, runs: list[_Failure]) -> tuple[str, str]:
        failures = [r for r in runs if r.kind != "ok"]

        def smallest(kind: str) -> _Failure | None:
            chosen = [f for f in failures if f.kind == kind]
            return min(chosen, key=lambda f: f.size) if chosen else None

        mutated = smallest("mutated")
        if mutated is not None:
            return "mutated", (
                f"your function changed its argument `{mutated.detail}` in place"
                f"{self._on(mutated)}; leave the inputs as they are and compute new arrays "
                "(e.g. `x = x - ...` rather than `x -= ...`)."
            )
        # A ``like`` hint must reproduce the student's function on every case tried: the
        # same results on the passing cases too (so a mistake that happens to agree on the
        # failing cases is not named), results of the same wrong form (a transposed array),
        # the same exception type where the student's function raised.
        every = [Call(r.case, r.received, r.got, r.expected, r.raised) for r in runs]
        for hint in self.hints:
            if hint.like is not None and all(self._recognises(hint, c) for c in every):
                return "hint", hint.message
        raised = smallest("raised")
        if raised is not None:
            return "raised", (
                f"your function raised {raised.raised}{self._on(raised)}: {raised.detail}"
            )
        # A ``when`` hint must hold on every failing case; it only runs once every result
        # has the right form, so it can index into it safely.
        failing = [Call(f.case, f.received, f.got, f.expected) for f in failures]
        if all(f.kind in ("value", "nonfinite") for f in failures):
            for hint in self.hints:
                if hint.when is not None and all(self._recognises(hint, c) for c in failing):
                    return "hint", hint.message
        form = smallest("form")
        if form is not None:
            return "form", f"wrong kind of result{self._on(form)}: {form.detail}"
        wrong = failures
        first = min(wrong, key=lambda f: f.size)
        generic = (
            None
            if self.same is not None or not self.options["reveal"]
            else self._generic(wrong, first)
        )
        if generic is not None:
            return "generic", generic
        kind = "nonfinite" if first.kind == "nonfinite" else "value"
        message = f"wrong result{self._on(first)}: {first.detail}."
        if kind == "nonfinite":
            message += (
                " The answer is finite there: look for an overflow (exp of a large number) or "
                "a log or division of 0."
            )
        return "counterexample", message

    def _recognises(self, hint: Hint, call: Call) -> bool:
        try:
            if hint.when is not None:
                return bool(hint.when(call))
            args = copy.deepcopy(call.case.args)
            try:
                returned = hint.like(*args)
            except Exception as error:  # noqa: BLE001 - the mistake raises here as well?
                return type(error).__name__ == call.raised
            if call.raised:
                return False
            wrong = returned if self.outcome is None else self.outcome(args, returned)
            rtol = self.rtol if call.case.rtol is None else call.case.rtol
            atol = self.atol if call.case.atol is None else call.case.atol
            try:
                _compare(call.got, wrong, rtol, atol, "", self.returns, **self.options)
            except _Mismatch:
                return False
            return True
        except _NotAttempted:
            return False
        except Exception as error:
            raise CheckerBug(
                f"hint {hint.message[:40]!r} of {self.title!r} failed: {error!r}"
            ) from error

    def _generic(self, wrong: list[_Failure], first: _Failure) -> str | None:
        """A generic diagnosis that explains every failing case, or None."""
        if any(f.kind != "value" for f in wrong):
            return None
        pairs = [_leaves(f.got, f.expected) for f in wrong]
        flat = [(g, e) for p in pairs for g, e in p]
        big = [(g, e) for g, e in flat if np.any(np.abs(e) > self.atol)]
        if not big:
            return None
        shown = f"({self._on(first).strip() or 'here'}: {first.detail})"
        if all(np.allclose(g, -e, rtol=self.rtol, atol=self.atol) for g, e in flat):
            return f"the sign is flipped {shown}."
        ratios = []
        for g, e in big:
            nonzero = np.abs(e) > max(self.atol, 1e-12)
            ratios.append(g[nonzero] / e[nonzero])
        all_ratios = np.concatenate(ratios)
        c = float(np.median(all_ratios))
        n_values = sum(int(np.sum(np.abs(e) > self.atol)) for _, e in big)
        if (
            n_values >= 2
            and abs(c) > 1e-12
            and not np.isclose(c, 1.0)
            and all(
                np.allclose(g, c * e, rtol=max(self.rtol, 1e-9), atol=self.atol) for g, e in flat
            )
        ):
            return f"every value is {c:.4g} times the right one — a constant factor {shown}."
        offsets = [g - e for g, e in flat if e.size >= 2]
        if offsets and len(offsets) == len(flat) and all(
            np.allclose(o, o.flat[0], rtol=0, atol=self.atol + self.rtol * np.max(np.abs(e)))
            and abs(o.flat[0]) > self.atol
            for o, (_, e) in zip(offsets, flat, strict=True)
        ):
            return (
                "within each result every value is off by the same amount — a constant term "
                f"(such as the bias) is missing, doubled or has the wrong sign {shown}."
            )
        return None


# --------------------------------------------------------------------------- strategies


def reals(bound: float = 10.0):
    """Hypothesis strategy: finite floats in [-bound, bound] (zeros and ties included)."""
    from hypothesis import strategies as st

    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


def arrays(shape: tuple[int, ...], bound: float = 10.0):
    """Hypothesis strategy: float64 arrays of ``shape`` with entries from :func:`reals`."""
    from hypothesis.extra import numpy as hnp

    return hnp.arrays(np.float64, shape, elements=reals(bound))
