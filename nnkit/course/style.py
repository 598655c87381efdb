"""The course's shared figure style: colours, markers, sizes, axes and PNG rendering.

Every figure in the book, and every frame of a live experiment, is drawn with these
constants so that class 0 always looks the same, curves are told apart the same way
and frames stay small. The chapters' ``figures.py`` modules import from here rather than
choosing their own colours. Text (the number formatter, glue) is in
:mod:`nnkit.course.text`, which does not need matplotlib.

The palette is Okabe & Ito's colour-blind-safe set ("Color Universal Design", 2008);
classes also differ by marker shape, so figures survive greyscale printing.
"""

from __future__ import annotations

import io
import re
from typing import Any

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
    width_ratios: list[float] | None = None,
    sharey: bool = False,
    **subplot_kw: Any,
) -> tuple[Figure, Any]:
    """Create a styled figure with ``nrows x ncols`` axes; return ``(fig, ax_or_array_of_axes)``.

    The figure is a plain :class:`matplotlib.figure.Figure` with an Agg canvas, not a pyplot
    figure: nothing is registered globally, so frames built in a loop are freed as soon as
    they are no longer referenced, whatever backend the notebook uses.

    ``layout`` is ``"constrained"`` (matplotlib fits labels and titles; the default except
    for ``size="frame"``) or ``"fixed"`` (fixed margins, the default for frames: about twice
    as fast to render, which matters when an experiment draws a hundred of them; adjust
    them with ``fig.subplots_adjust``). ``width_ratios`` gives the columns' relative widths,
    ``sharey`` one y-axis for all panels; ``subplot_kw`` goes to every axes.
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
    axes = fig.subplots(nrows, ncols, squeeze=True, sharey=sharey, width_ratios=width_ratios,
                        subplot_kw=subplot_kw or None)
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
