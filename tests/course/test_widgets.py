"""Kernel-free experiments: frames, links between controls and stacks, readouts, frame budget."""

import base64
import itertools

import ipywidgets as w
import numpy as np
import pytest

import nnkit.course.style as style
import nnkit.course.widgets as nkw
from nnkit.course.text import control_title


def make_frame(calls=None):
    def frame(a, mode, t=0):
        if calls is not None:
            calls.append((a, mode, t))
        # A tiny figure keeps the tests fast; the frames are not looked at here.
        fig, ax = style.new_figure((1.5, 1.0), layout="fixed")
        ax.plot([0, 1], [0, a * (t + 1)], color="C0" if mode == "x" else "C1")
        ax.set_title(control_title("test", a=a, mode=mode, t=t))
        return fig, f"a={a} mode={mode} t={t} product={a * (t + 1)}"

    return frame


def build(calls=None, title="test experiment", **kw):
    return nkw.Experiment(
        make_frame(calls),
        controls=[nkw.Slider("a", [1, 2, 3], label="a", value=2), nkw.Choice("mode", ["x", "y"])],
        play=nkw.Play("t", range(2)),
        title=title,
        **kw,
    )


def stacks_of(widget):
    found = []
    if isinstance(widget, w.Stack):
        found.append(widget)
    for child in getattr(widget, "children", ()):
        found.extend(stacks_of(child))
    return found


def widgets_of(widget):
    """``widget`` and everything inside it, depth first."""
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(widgets_of(child))
    return found


def saved_links(root):
    """The jslinks between widgets of ``root`` in the widget state a notebook saves, as
    ``((source, attribute), (target, attribute))``."""
    inside = {widget.model_id: widget for widget in widgets_of(root)}
    state = w.Widget.get_manager_state(drop_defaults=False)["state"]
    links = []
    for model in state.values():
        if model["model_name"] == "LinkModel":
            ends = [(inside.get(ref.removeprefix("IPY_MODEL_")), name)
                    for ref, name in (model["state"]["source"], model["state"]["target"])]
            if all(widget is not None for widget, _ in ends):
                links.append(tuple(ends))
    return links


def test_one_frame_per_grid_point_in_order():
    calls = []
    exp = build(calls)
    expected = list(itertools.product([1, 2, 3], ["x", "y"], range(2)))
    assert calls == expected
    assert exp.n_frames == 12
    assert exp.readout(a=3, mode="y", t=1) == "a=3 mode=y t=1 product=6"
    # Axes left out take the value shown first (a=2 was chosen, mode and t their first).
    assert exp.readout() == "a=2 mode=x t=0 product=2"


def test_nested_stacks_follow_the_controls_and_the_play_button():
    exp = build(title="nesting")
    root = [c for c in exp.widget.children if isinstance(c, w.Stack)][0]
    assert len(root.children) == 3 and root.selected_index == 1
    middle = root.children[0]
    assert isinstance(middle, w.Stack) and len(middle.children) == 2
    inner = middle.children[1]
    assert isinstance(inner, w.Stack) and len(inner.children) == 2
    assert all(isinstance(o, w.Output) for o in inner.children)
    # Every stack is jslinked from the index of the control for its level (Play: value),
    # as the saved widget state records it for the static book.
    slider, buttons = [c for c in widgets_of(exp.widget) if isinstance(c, (w.SelectionSlider,
                                                                          w.ToggleButtons))][:2]
    (play,) = [c for c in widgets_of(exp.widget) if isinstance(c, w.Play)]
    shown = [c for c in widgets_of(exp.widget) if isinstance(c, w.SelectionSlider)][-1]
    links = saved_links(exp.widget)
    stacks = stacks_of(exp.widget)
    assert len(stacks) == 1 + 3 + 6
    assert all(sum(target == (stack, "selected_index") for _, target in links) == 1
               for stack in stacks)
    assert ((slider, "index"), (root, "selected_index")) in links
    assert ((buttons, "index"), (middle, "selected_index")) in links
    assert ((play, "value"), (inner, "selected_index")) in links
    assert ((play, "value"), (shown, "index")) in links
    assert isinstance(slider, w.SelectionSlider) and isinstance(buttons, w.ToggleButtons)
    assert play.max == 1 and shown.options == (("0", 0), ("1", 1))
    # Closing the experiment takes its links out of the saved state too.
    ids = {widget.model_id for widget in widgets_of(exp.widget)}
    exp.close()
    state = w.Widget.get_manager_state(drop_defaults=False)["state"].values()
    assert not [model for model in state if model["model_name"] == "LinkModel"
                and {ref.removeprefix("IPY_MODEL_") for ref, _ in
                     (model["state"]["source"], model["state"]["target"])} & ids]


def test_each_output_holds_its_png_and_readout():
    exp = build(title="outputs")
    frame = exp.widget.children[-1].children[2].children[1].children[1]  # a=3, mode=y, t=1
    image, text = frame.outputs
    png = base64.b64decode(image["data"]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) <= nkw.MAX_PNG_BYTES
    assert text["data"]["text/plain"] == "a=3 mode=y t=1 product=6"


def test_show_prints_readouts_then_a_short_widget_line(capsys, monkeypatch):
    shown = []
    # What display() does depends on whether an IPython shell exists (another test may
    # have made one), so the display call is captured directly.
    monkeypatch.setattr(nkw, "display", lambda data, raw: shown.append(data))
    exp = build(title="show")
    exp.show(readouts=[{"a": 1, "mode": "y", "t": 1}, {"t": 1}])
    out = capsys.readouterr().out.splitlines()
    assert out == ["[a=1, mode=y, t=1] a=1 mode=y t=1 product=2",
                   "[a=2, mode=x, t=1] a=2 mode=x t=1 product=4"]
    assert len(shown) == 1 and shown[0]["text/plain"] == "show: 12 precomputed frames"
    view = shown[0]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == exp.widget.model_id
    with pytest.raises(ValueError, match="not on the grid"):
        exp.show(readouts=[{"a": 7}])
    with pytest.raises(ValueError, match="unknown control"):
        exp.show(readouts={"b": 1})


def test_too_many_frames_is_refused_before_drawing():
    calls = []
    with pytest.raises(ValueError, match="101 frames, over the budget of 100"):
        nkw.Experiment(
            make_frame(calls), controls=[nkw.Slider("a", range(101)), nkw.Choice("mode", ["x"])]
        )
    assert calls == []


def test_png_over_budget_names_the_frame():
    def noisy(a, mode):
        fig, ax = style.new_figure("wide", layout="fixed")
        ax.imshow(np.random.default_rng(a).random((200, 400, 3)))
        return fig, "noise"

    with pytest.raises(ValueError, match=r"frame_fn at a=0, mode=x: frame PNG is \d+ bytes"):
        nkw.Experiment(noisy, controls=[nkw.Slider("a", [0, 1]), nkw.Choice("mode", ["x"])])


def test_bad_arguments():
    with pytest.raises(ValueError, match="identifier"):
        nkw.Slider("learning rate", [0.1])
    with pytest.raises(ValueError, match="not one of its values"):
        nkw.Slider("lr", [0.1, 1.0], value=0.5)
    with pytest.raises(ValueError, match="at least one"):
        nkw.Choice("gate", [])
    with pytest.raises(ValueError, match="display the same"):
        nkw.Slider("lr", [0.1, 0.1])
    with pytest.raises(ValueError, match="interval"):
        nkw.Play("epoch", range(3), interval=5)
    with pytest.raises(TypeError, match="frame_fn"):
        nkw.Experiment("not a function", controls=[nkw.Slider("a", [1])])
    with pytest.raises(ValueError, match="distinct"):
        nkw.Experiment(make_frame(), controls=[nkw.Slider("a", [1]), nkw.Choice("a", ["x"])])
    with pytest.raises(ValueError, match="at least one control"):
        nkw.Experiment(make_frame())
    with pytest.raises(TypeError, match="Slider or Choice"):
        nkw.Experiment(make_frame(), controls=[nkw.Play("t", range(2))])

    def bad_frame(a, mode):
        return "not a figure"

    with pytest.raises(TypeError, match="must return"):
        nkw.Experiment(bad_frame, controls=[nkw.Slider("a", [1]), nkw.Choice("mode", ["x"])])


def test_pyplot_frames_are_closed_after_rendering():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def frame(k):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, k])
        return fig, f"k={k}"

    before = len(plt.get_fignums())
    nkw.Experiment(frame, controls=[nkw.Slider("k", [1, 2, 3])], title="pyplot frames")
    assert len(plt.get_fignums()) == before


def test_long_readout_lines_are_wrapped_to_fit_under_the_frame():
    words = " ".join(f"loss{i}=0.{i:03d}" for i in range(20))

    def frame(k):
        fig, _ = style.new_figure("frame")
        return fig, "short line\n" + words

    exp = nkw.Experiment(frame, controls=[nkw.Slider("k", [1, 2])], title="wrapping")
    try:
        (readout,) = [o["data"]["text/plain"] for o in exp.widget.children[-1].children[0].outputs
                      if "image/png" not in o["data"]]
    finally:
        exp.close()
    lines = readout.split("\n")
    assert lines[0] == "short line"
    assert len(lines) > 2
    # A 336-px frame holds 42 monospace characters; continuations are indented.
    assert all(len(line) <= 42 for line in lines)
    assert all(line.startswith("  ") for line in lines[2:])
    assert " ".join(part.strip() for part in lines[1:]) == words


def test_every_frame_of_an_experiment_has_alt_text_and_a_fitting_readout():
    def frame(a):
        fig, ax = style.new_figure("frame")
        ax.set_title(f"slope {a}")
        return fig, "a long readout " * 10

    exp = nkw.Experiment(frame, controls=[nkw.Slider("a", [1, 2])], title="Slopes")
    try:
        outputs = [
            o
            for child in exp.widget.children[-1].children
            for o in child.outputs
        ]
        images = [o for o in outputs if "image/png" in o["data"]]
        assert [o["metadata"]["image/png"]["alt"] for o in images] == [
            "Slopes (a=1). Figure: slope 1.",
            "Slopes (a=2). Figure: slope 2.",
        ]
        assert all(o["metadata"]["image/png"]["width"] == 336 for o in images)
        texts = [o["data"]["text/plain"] for o in outputs if "image/png" not in o["data"]]
        # A 336-px frame holds about 42 monospace characters per line.
        assert texts and all(len(line) <= 42 for t in texts for line in t.split("\n"))
    finally:
        exp.close()


def test_a_frame_without_titles_is_described_by_its_readout():
    def frame(a):
        fig, ax = style.new_figure("frame")
        ax.set_axis_off()
        return fig, f"loss {a}\nafter 3 steps"

    exp = nkw.Experiment(frame, controls=[nkw.Slider("a", [1, 2])], title="Blit")
    try:
        out = exp.widget.children[-1].children[0]
        (image,) = [o for o in out.outputs if "image/png" in o["data"]]
        assert image["metadata"]["image/png"]["alt"] == "Blit (a=1). Figure: loss 1 after 3 steps"
    finally:
        exp.close()
