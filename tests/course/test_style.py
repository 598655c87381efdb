"""nnkit/course/style.py, the figure style a reader sees: styled figures, sharp and
deterministic PNGs, readable tick labels and alt text."""

import io

import pytest
from PIL import Image

import nnkit.course.style as style


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


def test_new_figure_sizes_and_axes():
    fig, ax = style.new_figure("frame")
    assert tuple(fig.get_size_inches()) == style.FIGSIZES["frame"]
    assert not ax.spines["top"].get_visible()
    fig, axes = style.new_figure("wide", ncols=3)
    assert len(axes) == 3
    with pytest.raises(ValueError, match="size"):
        style.new_figure("huge")
    with pytest.raises(ValueError, match="layout"):
        style.new_figure("frame", layout="tight")


def test_new_figure_widths_and_a_shared_y_axis():
    fig, (left, right) = style.new_figure((6.0, 3.0), 1, 2, layout="fixed", width_ratios=[1, 2],
                                          sharey=True)
    assert right.get_position().width == pytest.approx(2 * left.get_position().width)
    left.set_ylim(0, 5)
    assert right.get_ylim() == (0, 5)


def test_to_png_is_a_deterministic_png():
    def draw():
        fig, ax = style.new_figure("frame")
        ax.plot([0, 1], [1, 0])
        return fig

    a, b = style.to_png(draw()), style.to_png(draw())
    assert a[:8] == b"\x89PNG\r\n\x1a\n"
    assert a == b
    with pytest.raises(TypeError, match="fig"):
        style.to_png("figure")
    with pytest.raises(ValueError, match="dpi"):
        style.to_png(draw(), dpi=5)
