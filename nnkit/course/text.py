"""Text the course prints and hands to its prose: the one number formatter, glue, verdicts.

Nothing here draws, so a checker or a lab that formats numbers does not load matplotlib.
Every chapter's package exposes this module, and its notebook imports it by that name::

    from nnkit.course.ch3_initialization import exercises, figures, lab, text

    text.glue("final_loss", history.final_loss, digits=2)
    print("He first:", text.yes_no(he < xavier))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnkit.validation import check_int

__all__ = ["GLUE_PREFIX", "control_title", "format_number", "glue", "yes_no"]

# myst-nb's MIME prefix for a glued value that the cell's output stores but does not show.
GLUE_PREFIX = "application/papermill.record/"


def format_number(
    value: Any, decimals: int | None = None, *, digits: int | None = None, max_digits: int = 4
) -> str:
    """Format a number (or a label) for titles, readouts, figures and checkers: the one formatter.

    Without ``decimals``: a control value, label or input, as short as it reads, with at
    most ``max_digits`` significant digits -- ``0.1``, ``1e-05``, ``-2``, ``2`` for 2.0,
    ``AND``; an array element by element, ``[1, 2.5]``, ``[[1, 0], [0, 1]]`` (the
    exercise checkers show inputs and results this way with ``max_digits=6``).
    With ``decimals``: a number, vector or matrix with that many decimals --
    ``0.574``, ``[0.574, 0.668]``, ``[[1, 0], [0, 1]]``; -0.0 prints as 0.000 so outputs
    stay reproducible.
    With ``digits``: a result of a run rounded to that many significant digits, trailing
    zeros kept -- ``format_number(0.020153, digits=2) == "0.020"``, ``"2.1e+06"`` for
    2138127.9. Print only the digits that survive a last-bit difference in the arithmetic
    (another BLAS kernel, thread count or CPU): a converged loss usually keeps two or three,
    a run near the edge of stability none (summarise it by a verdict instead).
    """
    if digits is not None:
        return _significant(value, digits, decimals)
    if decimals is None:
        return _short(value, check_int(max_digits, "max_digits", low=1, high=17))
    decimals = check_int(decimals, "decimals", low=0)
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 1:
        return f"{float(arr.reshape(())) + 0.0:.{decimals}f}"
    if arr.ndim == 1:
        return "[" + ", ".join(f"{v + 0.0:.{decimals}f}" for v in arr) + "]"
    if arr.ndim == 2 and arr.shape[0] == 1:
        return format_number(arr[0], decimals)
    if arr.ndim == 2:
        return "[" + ", ".join(format_number(row, decimals) for row in arr) + "]"
    raise ValueError(f"value: expected a number, vector or matrix, got shape {arr.shape}")


def _short(value: Any, max_digits: int) -> str:
    """``value`` as short as it reads (see :func:`format_number`); arrays element by element."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _short(value[()], max_digits)
        return "[" + ", ".join(_short(v, max_digits) for v in value) + "]"
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value) + 0.0  # -0.0 prints as 0
        if math.isfinite(value) and value == int(value) and abs(value) < 1e6:
            return str(int(value))
        return f"{value:.{max_digits}g}"
    return str(value)


def _significant(value: Any, digits: int, decimals: int | None) -> str:
    """``value`` rounded to ``digits`` significant digits (see :func:`format_number`)."""
    if decimals is not None:
        raise ValueError("format_number: give decimals or digits, not both")
    digits = check_int(digits, "digits", low=1, high=17)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"value: expected a number to round to {digits} significant digits, "
                        f"got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    mantissa, _, exponent = f"{value + 0.0:#.{digits}g}".partition("e")
    return mantissa.rstrip(".") + (f"e{exponent}" if exponent else "")


def glue(name: str, value: Any, digits: int | None = None) -> str:
    """Hand ``value`` to the chapter's prose, as ``{glue:text}`name``` shows it; return the text.

    A string is passed on as it is; a number is written with :func:`format_number`
    (``digits`` significant digits if given). The cell's output records it the way
    myst-nb's ``glue`` does -- a display with ``scrapbook`` metadata whose MIME type the
    notebook does not show -- so the book pastes exactly the digits the code computed and
    nbval compares them like any printed output. Glue numbers that come from a run;
    numbers that are mathematics stay typed in the prose.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name: expected a key made of letters, digits and _, got {name!r}")
    from IPython.display import display

    text = value if isinstance(value, str) else format_number(value, digits=digits)
    if digits is None and not isinstance(value, (str, int, np.integer)):
        raise ValueError(f"glue {name!r}: give digits= for a {type(value).__name__}, so that "
                         "only digits that survive another machine reach the prose")
    display({GLUE_PREFIX + "text/plain": repr(text)}, raw=True,
            metadata={"scrapbook": {"name": name, "mime_prefix": GLUE_PREFIX}})
    return text


def control_title(
    base: str | None = None, values: Mapping[str, Any] | None = None, **named: Any
) -> str:
    """A title stating control values.

    ``control_title("AND", w1=1.0, b=-1.5)`` gives ``"AND  (w1 = 1, b = -1.5)"``.

    Values can come as a mapping (keeps the caller's order and allows names such as ``"η"``)
    and/or as keyword arguments.
    """
    items = dict(values or {})
    items.update(named)
    text = ", ".join(f"{k} = {format_number(v)}" for k, v in items.items())
    if base and text:
        return f"{base}  ({text})"
    return base or text


def yes_no(condition: Any) -> str:
    """``"yes"`` or ``"no"``: a verdict on a measurement, printed the same on every machine."""
    return "yes" if bool(condition) else "no"
