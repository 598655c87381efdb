"""Live experiments that keep working without a kernel.

An *experiment* is a function from control values (sliders, drop-downs, a play button
over training epochs) to a figure and a short text readout. :class:`Experiment` calls it
once for every point of a small grid of control values, renders each figure to a compact
PNG and stores frame ``i`` in its own ``Output`` widget (filled with
``append_display_data``, so the image and readout live in the widget's own state and
nothing leaks into the cell's output). The frames sit inside ``Stack`` widgets whose
``selected_index`` is ``jslink``-ed to the ``index`` of the matching control. ``jslink``
runs in the browser, so moving a control switches frames in a live notebook *and* in the
static HTML book, where the saved widget state is replayed with no Python at all.

With several controls the stacks are nested: the outer stack follows the first control
and each of its children is a stack that follows the second, and so on; a :class:`Play`
axis is always innermost, linked to a ``Play`` button and to a slider showing its value::

    from nnkit.course.widgets import Choice, Experiment, Play

    def frame(gate, epoch):
        fig, ax = ...                       # draw with nnkit.course.style / figures
        return fig, f"{gate}: {errors} errors after epoch {epoch}"

    exp = Experiment(frame,
                     controls=[Choice("gate", ["AND", "OR", "XOR"], label="data")],
                     play=Play("epoch", range(11)),
                     title="Perceptron learning rule")
    exp.show(readouts=[{"gate": "AND", "epoch": 10}, {"gate": "XOR", "epoch": 10}])

``show`` first prints the requested readouts as plain text (deterministic, so nbval
compares the key numbers), then displays the widget.

Budget
------
Every frame is an inline PNG stored in the notebook and in the built HTML page, so
pages stay light only if experiments stay small. The limits of one experiment:
:data:`MAX_FRAMES_PER_WIDGET` = 100 frames (product of all axis sizes) and
:data:`MAX_PNG_BYTES` = 60 000 bytes for one frame's PNG (frames are shown at
336 x 256 px, 80 dpi, and stored with twice the pixels in each direction for high-DPI
screens, reduced to a 64-colour palette: typically 10-35 kB), both checked here while
an experiment is built (a clear ``ValueError`` when exceeded). The book's limit for all
the widget state of one notebook is checked on the saved notebook by
``scripts/execute_notebooks.py``.
"""

from __future__ import annotations

import html
import io
import itertools
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import PIL.Image
from IPython.display import display

from nnkit.course.style import FRAME_DPI, describe, display_width, png_display, to_png
from nnkit.course.text import format_number
from nnkit.validation import check_int

__all__ = [
    "Slider",
    "Choice",
    "Play",
    "Experiment",
    "MAX_FRAMES_PER_WIDGET",
    "MAX_PNG_BYTES",
    "frame_png",
]

MAX_FRAMES_PER_WIDGET = 100
MAX_PNG_BYTES = 60_000

# Characters per line of a frame's readout: at most READOUT_WIDTH, and no wider than the
# frame (a monospace character of the output box is about CHAR_PX CSS pixels wide).
READOUT_WIDTH = 76
CHAR_PX = 8

class _Axis:
    """One dimension of the experiment grid: a name, its values and how it is shown."""

    def __init__(
        self, name: str, values: Iterable[Any], label: str | None = None, value: Any = None
    ):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"name: expected a Python identifier (it is passed as a keyword "
                f"to frame_fn), got {name!r}"
            )
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(
                f"values of {name!r}: expected a list of values, got {type(values).__name__}"
            )
        values = list(values)
        if not values:
            raise ValueError(f"values of {name!r}: expected at least one value")
        labels = [format_number(v) for v in values]
        if len(set(labels)) != len(labels):
            raise ValueError(f"values of {name!r}: two values display the same ({labels})")
        if label is not None and not isinstance(label, str):
            raise TypeError(f"label of {name!r}: expected a string, got {type(label).__name__}")
        self.name = name
        self.values = values
        self.labels = labels
        self.label = label if label is not None else name
        if value is None:
            self.index = 0
        else:
            matches = [i for i, v in enumerate(values) if v == value]
            if not matches:
                raise ValueError(f"value of {name!r}: {value!r} is not one of its values {labels}")
            self.index = matches[0]

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.labels}, index={self.index})"

    def make_control(self):
        """Return ``(widget whose index selects the frame, widget to lay out)``."""
        raise NotImplementedError


class Slider(_Axis):
    """A slider over a list of values (numbers or labels): ``Slider("lr", [0.01, 0.1, 1.0])``.

    ``value`` is the value shown first (default: the first). Shown as an ipywidgets
    ``SelectionSlider``, whose ``index`` drives the frames; once its handle has the
    focus, the arrow keys step through the values.
    """

    def make_control(self):
        slider = w.SelectionSlider(
            options=list(zip(self.labels, range(len(self)), strict=True)),
            index=self.index,
            description=self.label,
            continuous_update=True,
            style={"description_width": "initial"},
            layout=w.Layout(width="340px"),
        )
        return slider, slider


class Choice(_Axis):
    """A choice between a few options: ``Choice("gate", ["AND", "OR", "XOR"])``.

    Shown as toggle buttons for up to five options, else as a drop-down; both have the
    ``index`` that drives the frames.
    """

    def make_control(self):
        options = list(zip(self.labels, range(len(self)), strict=True))
        if len(self) <= 5:
            # ToggleButtons put their description above the buttons; a Label keeps the
            # name on the same line, like the sliders'.
            buttons = w.ToggleButtons(
                options=options, index=self.index, style={"button_width": "auto"}
            )
            return buttons, w.HBox([w.Label(self.label), buttons])
        menu = w.Dropdown(
            options=options,
            index=self.index,
            description=self.label,
            style={"description_width": "initial"},
        )
        return menu, menu


class Play(_Axis):
    """An animation axis, e.g. ``Play("epoch", range(21))``: a play button plus a slider.

    ``interval`` is the time per frame in milliseconds when playing; ``repeat`` starts
    again from the first frame after the last (useful to show a cycle).
    """

    def __init__(
        self,
        name: str,
        values: Iterable[Any],
        label: str | None = None,
        value: Any = None,
        interval: int = 400,
        repeat: bool = False,
    ):
        super().__init__(name, values, label=label, value=value)
        interval = check_int(interval, "interval (milliseconds)", low=20, high=10_000)
        if not isinstance(repeat, bool):
            raise TypeError(f"repeat: expected True or False, got {repeat!r}")
        self.interval = interval
        self.repeat = repeat

    def make_control(self):
        play = w.Play(
            value=self.index,
            min=0,
            max=len(self) - 1,
            step=1,
            interval=self.interval,
            repeat=self.repeat,
            description=f"play {self.label}",
        )
        shown = w.SelectionSlider(
            options=list(zip(self.labels, range(len(self)), strict=True)),
            index=self.index,
            description=self.label,
            style={"description_width": "initial"},
            layout=w.Layout(width="340px"),
        )
        # The slider shows (and can set) the frame the play button is on.
        link = w.jslink((play, "value"), (shown, "index"))
        return play, shown, link


def frame_png(fig, max_bytes: int = MAX_PNG_BYTES, dpi: int | None = None) -> bytes:
    """Render a frame figure to a compact PNG: shown at ``dpi`` 80 (FRAME_DPI) with twice
    as many pixels (:data:`nnkit.course.style.PIXEL_RATIO`), 64-colour palette.

    Raises ValueError if the PNG is larger than ``max_bytes`` (the frame budget), naming
    the size so the author can shrink the figure.
    """
    raw = to_png(fig, dpi=dpi or FRAME_DPI)
    # A 64-colour adaptive palette keeps antialiased lines smooth and cuts the size 3-4x.
    image = (
        PIL.Image.open(io.BytesIO(raw))
        .convert("RGB")
        .quantize(colors=64, method=PIL.Image.Quantize.MEDIANCUT)
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    png = buffer.getvalue()
    if len(png) > max_bytes:
        raise ValueError(
            f"frame PNG is {len(png)} bytes, over the budget of {max_bytes} bytes per frame: "
            "use a smaller figure size (nnkit.course.style FIGSIZES['frame']) or fewer elements"
        )
    return png


class _Readout:
    """Plain text shown under a frame; its repr is the text itself (no quotes).

    Lines longer than ``width`` characters are wrapped (continuations indented), because
    the frame's text box does not wrap and would hide the end of a long line.
    """

    def __init__(self, text: str, width: int = READOUT_WIDTH):
        self.text = "\n".join(
            textwrap.fill(line, width, subsequent_indent="  ", break_long_words=False)
            if len(line) > width else line
            for line in text.split("\n")
        )

    def __repr__(self) -> str:
        return self.text


class Experiment:
    """A kernel-free interactive figure: one precomputed frame per grid point.

    Parameters
    ----------
    frame_fn : callable
        ``frame_fn(**values) -> (matplotlib Figure, readout str)``, called once per grid
        point with one keyword per control (and the play axis). Cache expensive work
        (training) in the caller, e.g. with ``functools.lru_cache`` keyed on the controls.
    controls : list of Slider / Choice
        The axes shown as controls, outermost first.
    play : Play or None
        An optional animation axis (innermost).
    title : str
        Shown above the controls and used to name the experiment in readouts.

    The grid has ``prod(len(axis))`` points, at most :data:`MAX_FRAMES_PER_WIDGET`.
    """

    def __init__(
        self,
        frame_fn: Callable[..., tuple[Any, str]],
        controls: Sequence[_Axis] = (),
        play: Play | None = None,
        title: str = "",
    ):
        if not callable(frame_fn):
            raise TypeError(
                "frame_fn: expected a callable returning (figure, readout), "
                f"got {type(frame_fn).__name__}"
            )
        controls = list(controls)
        for c in controls:
            if not isinstance(c, (Slider, Choice)):
                raise TypeError(
                    f"controls: expected Slider or Choice objects, got {type(c).__name__}"
                )
        if play is not None and not isinstance(play, Play):
            raise TypeError(f"play: expected a Play object or None, got {type(play).__name__}")
        axes = controls + ([play] if play is not None else [])
        if not axes:
            raise ValueError(
                "controls, play: an experiment needs at least one control or a play axis"
            )
        names = [a.name for a in axes]
        if len(set(names)) != len(names):
            raise ValueError(f"controls, play: axis names must be distinct, got {names}")
        if not isinstance(title, str):
            raise TypeError(f"title: expected a string, got {type(title).__name__}")
        n_frames = 1
        for a in axes:
            n_frames *= len(a)
        if n_frames > MAX_FRAMES_PER_WIDGET:
            sizes = " x ".join(f"{len(a)} {a.name}" for a in axes)
            raise ValueError(
                f"controls, play: the grid has {sizes} = {n_frames} frames, over the budget of "
                f"{MAX_FRAMES_PER_WIDGET} frames per widget; use fewer values per control"
            )
        self.frame_fn = frame_fn
        self.controls = controls
        self.play = play
        self.axes = axes
        self.title = title
        self.n_frames = n_frames
        self._readouts: dict[tuple[int, ...], str] = {}
        self._pngs: dict[tuple[int, ...], bytes] = {}
        self._alts: dict[tuple[int, ...], str] = {}
        self._render_frames()
        self.widget = None
        self._build_widget()

    # -- frames -------------------------------------------------------------------------

    def _values(self, index: tuple[int, ...]) -> dict[str, Any]:
        return {a.name: a.values[i] for a, i in zip(self.axes, index, strict=True)}

    def _render_frames(self) -> None:
        for index in itertools.product(*(range(len(a)) for a in self.axes)):
            values = self._values(index)
            result = self.frame_fn(**values)
            if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], str)):
                raise TypeError(
                    f"frame_fn: must return (figure, readout str), got {type(result).__name__} "
                    f"for {values}"
                )
            fig, readout = result
            try:
                png = frame_png(fig)
            except ValueError as error:
                raise ValueError(f"frame_fn at {self._describe(values)}: {error}") from None
            self._pngs[index] = png
            where = self._describe(values)
            seen = describe(fig)
            if seen == "Figure.":
                # A figure without titles or labels (e.g. a pre-rendered image): the
                # readout states what the frame shows.
                seen = "Figure: " + " ".join(readout.split())
            self._alts[index] = f"{self.title or 'Frame'} ({where}). {seen}"
            self._readouts[index] = readout
            # A figure made with pyplot would stay registered (and be shown again by the
            # inline backend at the end of the cell); the frame now lives on as a PNG.
            pyplot = sys.modules.get("matplotlib.pyplot")
            if pyplot is not None:
                pyplot.close(fig)

    def readout(self, **values: Any) -> str:
        """The readout text of the frame at ``values`` (missing axes take their shown value)."""
        return self._readouts[self._index_of(values)]

    def _index_of(self, values: Mapping[str, Any]) -> tuple[int, ...]:
        unknown = set(values) - {a.name for a in self.axes}
        if unknown:
            raise ValueError(
                f"readouts: unknown control name(s) {sorted(unknown)}; "
                f"the axes are {[a.name for a in self.axes]}"
            )
        index = []
        for a in self.axes:
            if a.name in values:
                matches = [i for i, v in enumerate(a.values) if v == values[a.name]]
                if not matches:
                    raise ValueError(
                        f"readouts: {a.name}={values[a.name]!r} is not on the grid {a.labels}"
                    )
                index.append(matches[0])
            else:
                index.append(a.index)
        return tuple(index)

    def _describe(self, values: Mapping[str, Any]) -> str:
        return ", ".join(f"{k}={format_number(v)}" for k, v in values.items())

    # -- widgets ------------------------------------------------------------------------

    def _build_widget(self) -> None:
        widest = max(display_width(png) for png in self._pngs.values())
        readout_width = min(READOUT_WIDTH, max(40, widest // CHAR_PX))
        made = [c.make_control() for c in self.controls]
        control_widgets = [m[0] for m in made]
        play_widgets = self.play.make_control() if self.play is not None else None
        links = []

        def stack_for(prefix: tuple[int, ...]):
            depth = len(prefix)
            axis = self.axes[depth]
            if depth == len(self.axes) - 1:
                children = []
                for i in range(len(axis)):
                    out = w.Output()
                    index = prefix + (i,)
                    out.append_display_data(png_display(self._pngs[index], self._alts[index]))
                    out.append_display_data(_Readout(self._readouts[index], readout_width))
                    children.append(out)
            else:
                children = [stack_for(prefix + (i,)) for i in range(len(axis))]
            stack = w.Stack(children=children, selected_index=axis.index)
            if axis is self.play:
                links.append(w.jslink((play_widgets[0], "value"), (stack, "selected_index")))
            else:
                source = control_widgets[depth]
                links.append(w.jslink((source, "index"), (stack, "selected_index")))
            return stack

        frames = stack_for(())
        rows = []
        if self.title:
            rows.append(w.HTML(value=f"<b>{_escape(self.title)}</b>"))
        rows.extend(m[1] for m in made)
        if play_widgets is not None:
            rows.append(w.HBox(list(play_widgets[:2])))
            links.append(play_widgets[2])
        rows.append(frames)
        self.widget = w.VBox(
            rows, layout=w.Layout(border="1px solid #dddddd", padding="6px", width="fit-content")
        )
        self._links = links

    def close(self) -> None:
        """Close every widget of this experiment (they leave the saved widget state)."""
        if self.widget is None:
            return
        for link in self._links:
            link.close()
        _close_tree(self.widget)
        self.widget = None

    # -- display ------------------------------------------------------------------------

    def show(self, readouts: Any = "initial") -> None:
        """Print readouts as plain text, then display the widget.

        ``readouts`` selects which frames' readouts are printed: ``"initial"`` (the frame
        shown first), ``"all"``, ``None`` (none), or a list of dicts of control values
        (axes left out take their initial value), e.g. ``[{"gate": "XOR", "epoch": 20}]``.
        """
        if self.widget is None:
            raise RuntimeError("show: this experiment was closed; build it again")
        if readouts is None:
            chosen = []
        elif readouts == "initial":
            chosen = [tuple(a.index for a in self.axes)]
        elif readouts == "all":
            chosen = list(self._readouts)
        elif isinstance(readouts, Mapping):
            chosen = [self._index_of(readouts)]
        elif isinstance(readouts, Iterable) and not isinstance(readouts, (str, bytes)):
            chosen = []
            for item in readouts:
                if not isinstance(item, Mapping):
                    raise TypeError(
                        f"readouts: expected dicts of control values, got {type(item).__name__}"
                    )
                chosen.append(self._index_of(item))
        else:
            raise ValueError(
                f"readouts: expected 'initial', 'all', None or a list of dicts, got {readouts!r}"
            )
        for index in chosen:
            where = self._describe(self._values(index))
            text = self._readouts[index].replace("\n", "\n    ")
            print(f"[{where}] {text}")
        summary = f"{self.title or 'Experiment'}: {self.n_frames} precomputed frames"
        display(
            {
                "application/vnd.jupyter.widget-view+json": {
                    "version_major": 2,
                    "version_minor": 0,
                    "model_id": self.widget.model_id,
                },
                "text/plain": summary,
            },
            raw=True,
        )

    def __repr__(self) -> str:
        names = [a.name for a in self.axes]
        return f"Experiment({self.title!r}, axes={names}, frames={self.n_frames})"


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _close_tree(widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
