"""nnkit/course/text.py: format_number (the digits a chapter prints and pastes into prose),
glue, control_title and yes_no; and that text needs no matplotlib."""

import subprocess
import sys

import IPython.display
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnkit.course import text


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.020153, 2, "0.020"),  # trailing zero kept: it is a digit that survives
        (0.0197, 2, "0.020"),
        (0.1014, 2, "0.10"),
        (2138127.96, 2, "2.1e+06"),
        (1e-5, 1, "1e-05"),
        (12.0, 2, "12"),
        (-0.9634, 2, "-0.96"),
        (np.float64(0.5), 3, "0.500"),
        (85, 2, "85"),
        (-0.0, 2, "0.0"),
        (float("inf"), 2, "inf"),
    ],
)
def test_significant_digits(value, digits, expected):
    assert text.format_number(value, digits=digits) == expected


@given(st.floats(min_value=1e-6, max_value=1e6), st.integers(min_value=1, max_value=6))
def test_significant_digits_round_to_the_nearest(value, digits):
    shown = text.format_number(value, digits=digits)
    half_unit = 0.5 * 10 ** (np.floor(np.log10(value)) - digits + 1)
    assert abs(float(shown) - value) <= half_unit * 1.0001


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"digits": 0}, ValueError, "digits"),
        ({"digits": 2.5}, TypeError, "digits"),
        ({"digits": 2, "decimals": 1}, ValueError, "not both"),
        ({"max_digits": 0}, ValueError, "max_digits"),
    ],
)
def test_bad_digits_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        text.format_number(0.1, **kwargs)


@pytest.mark.parametrize(
    ("value", "max_digits", "expected"),
    [
        (1 / 3, 4, "0.3333"),
        (1 / 3, 6, "0.333333"),
        (2.0, 6, "2"),
        (-0.0, 6, "0"),
        (np.float32(1.5), 4, "1.5"),
        (np.array([1.0, 2.5]), 6, "[1, 2.5]"),
        (np.array([[1.0, 0.0], [1e-7, -2.0]]), 6, "[[1, 0], [1e-07, -2]]"),
        (np.array([[0.5, 1.0]]), 6, "[[0.5, 1]]"),
        ("AND", 4, "AND"),
    ],
)
def test_short_form_keeps_at_most_max_digits(value, max_digits, expected):
    assert text.format_number(value, max_digits=max_digits) == expected


def test_digits_need_a_number():
    with pytest.raises(TypeError, match="number"):
        text.format_number("AND", digits=2)


@pytest.fixture
def shown(monkeypatch):
    calls = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: calls.append((a, k)))
    return calls


def test_glue_records_what_myst_nb_reads(shown):
    assert text.glue("final_loss", 0.020153, digits=2) == "0.020"
    (args, kwargs), = shown
    assert args == ({"application/papermill.record/text/plain": "'0.020'"},)
    assert kwargs["raw"] is True
    assert kwargs["metadata"] == {"scrapbook": {"name": "final_loss",
                                                "mime_prefix": "application/papermill.record/"}}


def test_glue_passes_integers_and_text_on(shown):
    assert text.glue("epochs", 85) == "85"
    assert text.glue("line", "2x₁ + x₂ − 3 = 0") == "2x₁ + x₂ − 3 = 0"
    assert [call[0][0]["application/papermill.record/text/plain"] for call in shown] == [
        "'85'", "'2x₁ + x₂ − 3 = 0'"]


def test_glue_refuses_a_float_without_digits(shown):
    with pytest.raises(ValueError, match="digits"):
        text.glue("loss", 0.0201534)
    assert shown == []


def test_glue_names_are_identifiers(shown):
    with pytest.raises(ValueError, match="key"):
        text.glue("final loss", 1)


def test_format_number_with_decimals():
    assert text.format_number(0.5, 3) == "0.500"
    assert text.format_number(-0.0, 3) == "0.000"
    assert text.format_number(np.array([[1.0, -2.0]]), 1) == "[1.0, -2.0]"
    assert text.format_number(np.eye(2), 0) == "[[1, 0], [0, 1]]"
    with pytest.raises(ValueError, match="decimals"):
        text.format_number(1.0, -1)
    with pytest.raises(ValueError, match="shape"):
        text.format_number(np.zeros((2, 2, 2)), 1)


def test_control_title_and_format_number():
    assert text.control_title("AND", {"w₁": 1.0, "b": -1.5}) == "AND  (w₁ = 1, b = -1.5)"
    assert text.control_title(lr=0.001) == "lr = 0.001"
    assert text.format_number(1e-5) == "1e-05"
    assert text.format_number("XOR") == "XOR"


def test_yes_no():
    assert (text.yes_no(3 > 2), text.yes_no(np.bool_(False))) == ("yes", "no")


# The modules a checker, a lab or a quiz loads: none of them may pull in matplotlib.
LIGHT = ["text", "checking", "quiz", "grid", "runs", "two_layer"] + [
    f"{chapter}.{module}" for chapter, modules in {
        "ch1_neuron": ["exercises"], "ch2_learning_rate": ["lab", "exercises"],
        "ch3_initialization": ["lab", "exercises"], "ch4_loss_functions": ["exercises"],
        "ch5_chain_rule": ["lab", "exercises"], "ch6_training_loop": ["lab", "exercises"],
        "ch7_vectorisation": ["lab", "exercises"], "ch8_generalisation": ["lab", "exercises"],
        "ch9_optimisers": ["lab", "exercises"],
        "ch10_deep_networks": ["lab", "exercises"],
        "ch11_debugging": ["lab", "exercises"],
    }.items() for module in modules]


def heavy_after_each_import(modules):
    """Import ``modules`` one after the other in a fresh interpreter; for each, the drawing
    libraries loaded once it is imported. A module that loads one shows at its own entry."""
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module('nnkit.course.' + name)\n"
            "    print(name, sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(line.split(" ", 1) for line in out.stdout.splitlines())


def test_checkers_labs_and_text_do_not_load_matplotlib():
    assert heavy_after_each_import(LIGHT) == {name: "[]" for name in LIGHT}


def test_the_import_test_would_see_matplotlib():
    # The same probe with a module that draws among them, so the test above can fail.
    seen = heavy_after_each_import(["text", "ch3_initialization.figures", "checking"])
    assert seen["text"] == "[]" and "matplotlib" in seen["ch3_initialization.figures"]
