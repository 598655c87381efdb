"""The machinery shared by every exercise checker.

A checker is a function decorated with :func:`checker`. Its body calls the student's
function on a few cases and states what it expects with :func:`expect_close`,
:func:`expect_array` or :func:`expect`; the first wrong thing raises a :class:`Hint`.
The decorator turns the outcome into exactly one printed line:

* ``✔ <title>: passed (<k> cases).`` -- every expectation held (``k`` counts them), or the
  body's own success message if it returns a string; the checker returns ``True``;
* ``✘ <title>: <hint>`` -- the first expectation that failed; returns ``False``;
* ``… <title>: not attempted yet — ...`` -- the student's code still raises
  ``NotImplementedError``; returns ``False``;
* ``✘ <title>: your function raised <Type>: <message>`` -- any other exception.

The text never contains memory addresses or timings, so stored notebook outputs are
reproducible and nbval can compare them. Numpy floating-point warnings raised by the
student's code are silenced while checking: a non-finite result is reported as a hint
instead, which is clearer than a warning printed above the verdict.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["Hint", "checker", "expect", "expect_array", "expect_close", "call_student"]

PASS_MARK = "✔"
FAIL_MARK = "✘"
TODO_MARK = "…"

# Number of expect_* calls made by the checker currently running (None outside a checker).
_case_count: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "_case_count", default=None
)

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_MAX_MESSAGE = 200
_MAX_SHOWN_VALUES = 8


class Hint(Exception):
    """One specific, friendly explanation of the first thing wrong with the student's answer."""

    def __init__(self, message: str):
        if not isinstance(message, str) or not message.strip():
            raise TypeError("Hint(message): message must be a non-empty string")
        super().__init__(message)
        self.message = message


def _count_case() -> None:
    counter = _case_count.get()
    if counter is not None:
        counter[0] += 1


def _one_line(text: str) -> str:
    """Collapse ``text`` to one deterministic line: no addresses, no newlines, bounded length."""
    text = _ADDRESS.sub("0x…", " ".join(str(text).split()))
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 1] + "…"
    return text


def fmt(value: Any) -> str:
    """Format a number or a small array compactly and deterministically (6 significant digits)."""
    arr = np.asarray(value)
    if arr.dtype.kind in "biuf" and arr.ndim == 0:
        return f"{float(arr) + 0.0:.6g}"
    if arr.dtype.kind in "biuf":
        if arr.size > _MAX_SHOWN_VALUES:
            return f"array of shape {arr.shape}"
        # Adding 0.0 turns -0.0 into 0.0 so that it prints without a stray minus sign.
        return np.array2string(
            arr.astype(float) + 0.0, separator=", ", formatter={"float_kind": lambda x: f"{x:.4g}"}
        )
    return _one_line(repr(value))


def checker(title: str) -> Callable[[Callable[..., Any]], Callable[..., bool]]:
    """Decorate a checker body so that it prints one verdict line and returns True/False.

    ``title`` is shown at the start of the line. The decorated function keeps the body's
    signature: its first argument is the student's function (or class).
    """
    if not isinstance(title, str) or not title.strip():
        raise TypeError("checker(title): title must be a non-empty string")

    def decorate(body: Callable[..., Any]) -> Callable[..., bool]:
        @functools.wraps(body)
        def run(student, *args: Any, **kwargs: Any) -> bool:
            if not callable(student):
                print(
                    f"{FAIL_MARK} {title}: pass the function itself (for example `my_fn`, "
                    f"not `my_fn()`); got a value of type {type(student).__name__}."
                )
                return False
            token = _case_count.set([0])
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    result = body(student, *args, **kwargs)
                n_cases = _case_count.get()[0]
            except NotImplementedError:
                print(
                    f"{TODO_MARK} {title}: not attempted yet (complete the code above, then rerun)"
                )
                return False
            except Hint as hint:
                print(f"{FAIL_MARK} {title}: {_one_line(hint.message)}")
                return False
            except Exception as error:  # noqa: BLE001 - any error from student code is reported
                message = _one_line(f"{type(error).__name__}: {error}")
                print(f"{FAIL_MARK} {title}: your function raised {message}")
                return False
            finally:
                _case_count.reset(token)
            if isinstance(result, str):
                print(f"{PASS_MARK} {title}: {_one_line(result)}")
            else:
                plural = "case" if n_cases == 1 else "cases"
                print(f"{PASS_MARK} {title}: passed ({n_cases} {plural}).")
            return True

        run.title = title
        return run

    return decorate


def expect(condition: bool, hint: str) -> None:
    """Count one case; raise ``Hint(hint)`` unless ``condition`` is true."""
    _count_case()
    if not condition:
        raise Hint(hint)


def call_student(
    student_fn: Callable[..., Any], *args: Any, what: str = "your function", **kwargs: Any
) -> Any:
    """Call ``student_fn(*args, **kwargs)`` on copies of the arguments and return its result.

    Raises a Hint if the function changed one of its array arguments in place (a common
    slip: ``x += ...`` on an input), because callers rarely expect their data to change.
    """
    copies = [copy.deepcopy(a) for a in args]
    kw_copies = {k: copy.deepcopy(v) for k, v in kwargs.items()}
    result = student_fn(*copies, **kw_copies)
    named = [(f"argument {i + 1}", a, c) for i, (a, c) in enumerate(zip(args, copies, strict=True))]
    named += [(f"argument `{k}`", kwargs[k], kw_copies[k]) for k in kwargs]
    for name, original, used in named:
        if isinstance(original, np.ndarray) and isinstance(used, np.ndarray):
            if used.shape != original.shape or not np.array_equal(used, original, equal_nan=True):
                raise Hint(
                    f"{what} changed its {name} in place; compute a new array instead "
                    "(e.g. `x = x + ...` rather than `x += ...`)."
                )
    return result


def _as_numbers(got: Any, what: str) -> np.ndarray:
    if got is None:
        raise Hint(f"{what}: your function returned None — did you forget `return`?")
    try:
        arr = np.asarray(got)
    except Exception as error:  # noqa: BLE001 - ragged lists and the like
        raise Hint(
            f"{what}: could not read the result as numbers ({type(error).__name__})."
        ) from None
    if arr.dtype.kind == "c":
        raise Hint(f"{what}: got complex numbers; the result should be real.")
    if arr.dtype.kind not in "biuf":
        raise Hint(f"{what}: expected numbers, got a {type(got).__name__} ({fmt(got)}).")
    return arr.astype(np.float64)


def expect_array(
    got: Any,
    shape: tuple[int, ...] | None = None,
    what: str = "the result",
    nonfinite_hint: str | None = None,
) -> np.ndarray:
    """Check that ``got`` is numeric, finite and of ``shape``; return it as a float64 array.

    A scalar expectation (``shape == ()``) also accepts any single-element array. A 2-D
    result whose shape is the transpose of ``shape`` gets a "transposed" hint, one with the
    right number of values but another shape gets a reshape hint. ``nonfinite_hint``
    replaces the default message when the result contains nan or inf (e.g. to point at
    overflow for large inputs).
    """
    _count_case()
    arr = _as_numbers(got, what)
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        if shape == () and arr.size == 1:
            arr = arr.reshape(())
        elif arr.shape != shape:
            if (
                arr.ndim == 2
                and len(shape) == 2
                and arr.shape == shape[::-1]
                and shape[0] != shape[1]
            ):
                raise Hint(f"{what}: shape {arr.shape} is the transpose of the expected {shape}.")
            if arr.size == int(np.prod(shape)):
                raise Hint(
                    f"{what}: expected shape {shape}, got {arr.shape} — the right number of "
                    "values, arranged differently (check axes, keepdims or reshape)."
                )
            raise Hint(f"{what}: expected shape {shape}, got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise Hint(nonfinite_hint or f"{what}: contains nan or inf ({fmt(arr)}).")
    return arr


def _hint_pairs(hints: Mapping[Any, str] | Iterable[tuple[Any, str]] | None):
    if hints is None:
        return []
    if isinstance(hints, Mapping):
        return list(hints.items())
    pairs = list(hints)
    if not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise TypeError("expect_close(hints=...): give a dict or a list of (value, message) pairs")
    return pairs


def _ratio(got: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> float | None:
    """The constant c with got ≈ c·expected, if there is one (and expected is not all zero)."""
    big = np.abs(expected) > max(atol, 1e-12)
    if not np.any(big):
        return None
    c = float(np.median(got[big] / expected[big]))
    if np.allclose(got, c * expected, rtol=max(rtol, 1e-9), atol=atol):
        return c
    return None


def _is_simple_factor(c: float) -> bool:
    simple = (2.0, 3.0, 4.0, 10.0, 100.0)
    return any(np.isclose(abs(c), k) or np.isclose(abs(c), 1.0 / k) for k in simple)


def expect_close(
    got: Any,
    expected: Any,
    what: str = "the result",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    hints: Mapping[Any, str] | None = None,
    nonfinite_hint: str | None = None,
) -> np.ndarray:
    """Check ``got ≈ expected`` (``|got - expected| <= atol + rtol·|expected|`` elementwise).

    First applies :func:`expect_array` with the expected shape. On a mismatch it raises a
    Hint: the message from ``hints`` (a dict, or list of ``(value, message)`` pairs, of
    typical wrong answers) when ``got`` matches one of them, otherwise a generic diagnosis
    (sign flipped, off by a constant factor, off by a constant offset) or, failing that,
    the expected and obtained values.
    """
    expected = np.asarray(expected, dtype=np.float64)
    arr = expect_array(got, shape=expected.shape, what=what, nonfinite_hint=nonfinite_hint)
    if np.allclose(arr, expected, rtol=rtol, atol=atol):
        return arr
    for wrong, message in _hint_pairs(hints):
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape in ((), arr.shape) and np.allclose(arr, wrong, rtol=rtol, atol=atol):
            raise Hint(message)
    shown = f"expected {fmt(expected)}, got {fmt(arr)}"
    if np.any(np.abs(expected) > atol) and np.allclose(arr, -expected, rtol=rtol, atol=atol):
        raise Hint(f"{what}: the sign is flipped ({shown}).")
    c = _ratio(arr, expected, rtol, atol)
    # For a single number every mismatch is "a factor", so only name simple ones there.
    if c is not None and abs(c) > 1e-12 and (expected.size > 1 or _is_simple_factor(c)):
        raise Hint(f"{what}: off by a constant factor of {c:.4g} ({shown}).")
    if expected.size > 1:
        offset = arr - expected
        d = float(np.median(offset))
        if np.allclose(offset, d, rtol=0, atol=atol + rtol * float(np.max(np.abs(expected)))):
            raise Hint(
                f"{what}: every value is off by the same {d:.4g} — a missing or extra "
                f"constant term (such as the bias)? ({shown})."
            )
    if expected.size > _MAX_SHOWN_VALUES:
        bad = ~np.isclose(arr, expected, rtol=rtol, atol=atol)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Hint(
            f"{what}: {int(bad.sum())} of {bad.size} values differ; first at index {first}: "
            f"expected {fmt(expected[first])}, got {fmt(arr[first])}."
        )
    raise Hint(f"{what}: {shown}.")
