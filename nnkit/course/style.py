"""The course's shared figure style: colours, markers, sizes and small formatting helpers.

Every figure in the book, and every frame of a live experiment, is drawn with these
constants so that class 0 always looks the same, curves are told apart the same way
and frames stay small. The chapters' ``figures.py`` modules import from here rather than
choosing their own colours.

The palette is Okabe & Ito's colour-blind-safe set ("Color Universal Design", 2008);
classes also differ by marker shape, so figures survive greyscale printing.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from nnkit.validation import check_int

__all__ = [
    "CLASS_COLORS",
    "CLASS_MARKERS",
    "CURVE_COLORS",
    "BOUNDARY_COLOR",
    "WRONG_COLOR",
    "FIGSIZES",
    "FRAME_DPI",
    "BOOK_DPI",
    "PIXEL_RATIO",
    "FONT_SIZE",
    "TICK_SIZE",
    "new_figure",
    "style_axes",
    "class_color",
    "curve_color",
    "region_color",
    "format_number",
    "glue",
    "control_title",
    "to_png",
    "describe",
    "png_display",
    "display_width",
    "show",
]

# Okabe-Ito colours: blue, vermillion, bluish green, reddish purple, orange, sky blue.
CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
CLASS_MARKERS = ("o", "s", "^", "D", "v", "P")
# Curves (loss for several runs, ...): the same family, in an order that keeps the first
# few far apart, then black for a reference curve.
CURVE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
BOUNDARY_COLOR = "#222222"
WRONG_COLOR = "#C00000"
REGION_ALPHA = 0.18

# Figure sizes in inches. Frames of live experiments are shown at FRAME_DPI, so "frame"
# is 4.2 x 3.2 in = 336 x 256 px on the page: big enough to read, small enough for ~100
# frames a widget. Figures in the text are shown at BOOK_DPI.
FIGSIZES = {
    "frame": (4.2, 3.2),
    "small": (3.6, 2.9),
    "normal": (5.2, 3.6),
    "wide": (8.0, 3.2),
}
FRAME_DPI = 80
BOOK_DPI = 100
# Every PNG has PIXEL_RATIO image pixels per CSS pixel (its display width is set to
# 1 / PIXEL_RATIO of its pixel width), so figures stay sharp on high-DPI screens.
PIXEL_RATIO = 2
FONT_SIZE = 9
# Tick labels in points: 8.5 pt is 9.4 CSS px at FRAME_DPI and 11.8 px at BOOK_DPI.
TICK_SIZE = 8.5
# myst-nb's MIME prefix for a glued value that the cell's output stores but does not show.
GLUE_PREFIX = "application/papermill.record/"


def _size(size: str | tuple[float, float]) -> tuple[float, float]:
    if isinstance(size, str):
        if size not in FIGSIZES:
            raise ValueError(
                f"size: unknown figure size {size!r}; choose one of {sorted(FIGSIZES)}"
            )
        return FIGSIZES[size]
    if (
        isinstance(size, tuple)
        and len(size) == 2
        and all(isinstance(s, (int, float)) and s > 0 for s in size)
    ):
        return (float(size[0]), float(size[1]))
    raise TypeError(
        f"size: expected a name in {sorted(FIGSIZES)} or (width, height) in inches, got {size!r}"
    )


def new_figure(
    size: str | tuple[float, float] = "normal",
    nrows: int = 1,
    ncols: int = 1,
    layout: str | None = None,
    **subplot_kw: Any,
) -> tuple[Figure, Any]:
    """Create a styled figure with ``nrows x ncols`` axes; return ``(fig, ax_or_array_of_axes)``.

    The figure is a plain :class:`matplotlib.figure.Figure` with an Agg canvas, not a pyplot
    figure: nothing is registered globally, so frames built in a loop are freed as soon as
    they are no longer referenced, whatever backend the notebook uses.

    ``layout`` is ``"constrained"`` (matplotlib fits labels and titles; the default except
    for ``size="frame"``) or ``"fixed"`` (fixed margins, the default for frames: about twice
    as fast to render, which matters when an experiment draws a hundred of them).
    """
    nrows, ncols = check_int(nrows, "nrows", low=1), check_int(ncols, "ncols", low=1)
    if layout is None:
        layout = "fixed" if size == "frame" else "constrained"
    if layout not in ("constrained", "fixed"):
        raise ValueError(f"layout: expected 'constrained' or 'fixed', got {layout!r}")
    fig = Figure(figsize=_size(size), layout="constrained" if layout == "constrained" else None)
    FigureCanvasAgg(fig)
    if layout == "fixed":
        width, height = fig.get_size_inches()
        # Margins in inches (room for tick labels, axis labels and a title), as fractions.
        fig.subplots_adjust(
            left=0.6 / width,
            right=1 - 0.15 / width,
            bottom=0.5 / height,
            top=1 - 0.35 / height,
            wspace=0.35,
            hspace=0.45,
        )
    axes = fig.subplots(nrows, ncols, squeeze=True, subplot_kw=subplot_kw or None)
    for ax in fig.axes:
        style_axes(ax)
    return fig, axes


def axes_or_new(ax: Axes | None, size: str | tuple[float, float] = "normal") -> Axes:
    """Return ``ax`` for drawing into, or the axes of a new figure of ``size`` when None."""
    if ax is None:
        _, ax = new_figure(size)
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax: expected a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def style_axes(ax: Axes) -> Axes:
    """Apply the course style to ``ax``: light grid behind the data, no top/right frame."""
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=TICK_SIZE)
    # Few ticks: easier to read on a small figure and much faster to lay out.
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.label.set_size(FONT_SIZE)
    ax.yaxis.label.set_size(FONT_SIZE)
    ax.title.set_size(FONT_SIZE + 1)
    return ax


def class_color(k: int) -> str:
    """Colour of class ``k`` (cycles after six classes)."""
    return CLASS_COLORS[int(k) % len(CLASS_COLORS)]


def curve_color(i: int) -> str:
    """Colour of the ``i``-th curve in a plot of several runs."""
    return CURVE_COLORS[int(i) % len(CURVE_COLORS)]


def region_color(k: int, alpha: float = REGION_ALPHA) -> tuple[float, float, float, float]:
    """Pale version of :func:`class_color` used to shade the region predicted as class ``k``."""
    return to_rgba(class_color(k), alpha)


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


def to_png(fig: Figure, dpi: int = FRAME_DPI) -> bytes:
    """Render ``fig`` to PNG bytes at ``dpi`` *display* dots per inch, ``PIXEL_RATIO`` x sharp.

    The image has ``PIXEL_RATIO * dpi`` pixels per inch; :func:`png_display` shows it at
    ``dpi``. The PNG carries no software/version metadata, so the same figure gives the
    same bytes.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(dpi, (int, float)) or not 20 <= dpi <= 300:
        raise ValueError(f"dpi: expected a number between 20 and 300, got {dpi!r}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi * PIXEL_RATIO, metadata={"Software": None})
    return buffer.getvalue()


def describe(fig: Figure) -> str:
    """Alt text for ``fig``: its title and each panel's title and axis labels, in words
    (for a diagram without them, the words written on it).

    For example ``"Figure: η = 0.3, step = 0 (x: weight w; y: loss L(w)). loss 6.25
    after 0 steps (x: step t; y: loss L(w_t))."`` -- the titles carry the key numbers.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    parts = []
    if fig.get_suptitle():
        parts.append(fig.get_suptitle())
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison and not ax.get_title():
            continue
        labels = [f"{name}: {text}" for name, text in
                  (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if text]
        title = " ".join(t for t in (ax.get_title("left"), ax.get_title(),
                                     ax.get_title("right")) if t)
        if title or labels:
            parts.append(title + (f" ({'; '.join(labels)})" if labels else ""))
    if not any(p.strip() for p in parts):
        # A diagram (no titles, no axis labels): the words written on it.
        words = [t.get_text().strip() for ax in fig.axes for t in ax.texts if t.get_visible()]
        words += [t.get_text().strip() for t in fig.texts if t.get_visible()]
        parts = [", ".join(w for w in words if w)]
    parts = [" ".join(p.split()).rstrip(".") for p in parts]  # one line, one full stop
    text = _plain_text(". ".join(p for p in parts if p))
    return f"Figure: {text}." if text else "Figure."


# TeX commands of the figures' mathtext, as the characters a reader (or screen reader) sees.
_TEX_SYMBOLS = {
    "eta": "η", "lambda": "λ", "alpha": "α", "beta": "β", "sigma": "σ", "theta": "θ",
    "delta": "δ", "mu": "μ", "rho": "ρ", "partial": "∂", "nabla": "∇", "ell": "ℓ",
    "cdot": "·", "times": "×", "infty": "∞", "approx": "≈", "leq": "≤", "geq": "≥",
    "Sigma": "Σ", "Delta": "Δ", "dots": "…", "ldots": "…", "max": "max", "min": "min",
    "log": "log", "exp": "exp",
}


def _plain_text(text: str) -> str:
    """``text`` with its mathtext turned into plain characters: ``$\\eta^{2}$`` -> ``η^2``."""
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _TEX_SYMBOLS.get(m.group(1), m.group(1)), text)
    text = re.sub(r"([_^])\{([^{}]*)\}", r"\1\2", text)
    return text.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")


def png_display(png: bytes, alt: str):
    """An IPython image of ``png`` (from :func:`to_png`) shown at its display size with ``alt``."""
    from IPython.display import Image

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"alt: expected a non-empty description, got {alt!r}")
    return Image(data=png, format="png", width=display_width(png), alt=alt)


def display_width(png: bytes) -> int:
    """Width in CSS pixels at which a PNG from :func:`to_png` is shown (pixels / PIXEL_RATIO)."""
    # The pixel width is the first field of the IHDR chunk: bytes 16-20 of every PNG.
    return int.from_bytes(png[16:20], "big") // PIXEL_RATIO


def show(fig: Figure, dpi: int = BOOK_DPI, alt: str | None = None) -> None:
    """Display ``fig`` in the notebook as a sharp PNG with alt text (any matplotlib backend).

    ``alt`` defaults to :func:`describe` of the figure (its titles and axis labels).
    """
    from IPython.display import display

    display(png_display(to_png(fig, dpi=dpi), alt if alt is not None else describe(fig)))
