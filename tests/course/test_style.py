"""The figure style a reader sees: sharp PNGs, readable tick labels, alt text, and the
figure fixes of issue 17 (colours told apart, rings that do not bury points)."""

import io

import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgb
from PIL import Image

import nnkit.course.style as style
import nnkit.course.widgets as nkw
from nnkit.course.ch1_neuron import figures as ch1
from nnkit.course.figures import loss_curves, scatter_classes


def _png_size(png):
    return Image.open(io.BytesIO(png)).size


@pytest.mark.parametrize("size, dpi", [("frame", style.FRAME_DPI), ("normal", style.BOOK_DPI)])
def test_tick_labels_are_at_least_9_css_pixels(size, dpi):
    fig, ax = style.new_figure(size)
    ax.plot([0, 1], [0, 1])
    fig.canvas.draw()
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        assert label.get_fontsize() * dpi / 72 >= 9.0, (size, label.get_fontsize())


def test_pngs_have_twice_the_pixels_of_their_display_size():
    fig, ax = style.new_figure("frame")
    png = style.to_png(fig)
    width, height = _png_size(png)
    assert (width, height) == (336 * style.PIXEL_RATIO, 256 * style.PIXEL_RATIO)
    assert style.display_width(png) == 336
    _, metadata = style.png_display(png, "a test figure")._repr_png_()
    assert metadata == {"width": 336, "alt": "a test figure"}
    with pytest.raises(ValueError, match="alt"):
        style.png_display(png, "  ")


def test_describe_names_titles_labels_and_numbers():
    fig, (left, right) = style.new_figure("wide", 1, 2)
    fig.suptitle("Descent")
    left.set_title("η = 0.3, step = 4")
    left.set_xlabel("weight $w$")
    right.set_title("loss 0.25 after 4 steps")
    right.set_ylabel("loss")
    text = style.describe(fig)
    assert text.startswith("Figure: Descent")
    for part in ("η = 0.3, step = 4", "x: weight w", "loss 0.25 after 4 steps", "y: loss"):
        assert part in text
    assert "$" not in text
    ax = style.new_figure("small")[1]
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel(r"$\max_i|1-\eta\lambda_{i}|$")
    assert "(x: learning rate η; y: max_i|1-ηλ_i|)" in style.describe(ax.figure)
    diagram, ax = style.new_figure("small")
    ax.set_axis_off()
    ax.text(0, 0, "$x_1$")
    ax.text(1, 0, "$z = w_1 x_1 + b$")
    ax.text(2, 0, "Given: the input\nand the target.")
    assert style.describe(diagram) == (
        "Figure: x_1, z = w_1 x_1 + b, Given: the input and the target."
    )
    empty, _ = style.new_figure("small")
    assert style.describe(empty) == "Figure."


def test_show_displays_the_figure_with_its_description(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig, ax = style.new_figure("normal")
    ax.set_title("accuracy 97%")
    style.show(fig)
    (image,) = shown
    _, metadata = image._repr_png_()
    assert metadata["alt"] == "Figure: accuracy 97%."
    assert metadata["width"] == _png_size(image.data)[0] // style.PIXEL_RATIO


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


def test_diverged_run_is_marked_in_its_own_colour():
    ax = loss_curves({"zeros": [1.0, 0.9, 0.8], "Xavier": [1.0, 5.0, np.inf]}, logy=True)
    crosses = [line for line in ax.get_lines() if line.get_marker() == "X"]
    assert len(crosses) == 1
    assert to_hex(crosses[0].get_color()) == to_hex(style.curve_color(1))
    assert to_hex(crosses[0].get_color()) != to_hex(style.WRONG_COLOR)


def test_rings_of_wrong_points_sit_under_the_points():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    ax = scatter_classes(X, np.array([0, 1]), wrong=np.array([True, True]))
    points = [c for c in ax.collections if c.get_label().startswith("class")]
    (rings,) = [c for c in ax.collections if c.get_label() == "wrong"]
    assert all(rings.get_zorder() < p.get_zorder() for p in points)


def test_perceptron_trace_tells_w1_and_b_apart():
    from nnkit.perceptron import Perceptron

    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 0, 0, 1])
    history = Perceptron(n_inputs=2, lr=0.5).fit(X, y, epochs=5)
    fig = ch1.perceptron_frame(X, y, history, 3)
    right = fig.axes[-1]
    lines = {line.get_label(): line for line in right.get_lines()}
    w1, b = lines["$w_1$"], lines["$b$"]
    assert w1.get_linestyle() != b.get_linestyle()
    rgb = [np.array(to_rgb(c)) * 255 for c in (w1.get_color(), b.get_color())]
    assert np.abs(rgb[0] - rgb[1]).sum() > 150
