"""format_number(..., digits=) and glue(): the digits a chapter prints and pastes into prose."""

import IPython.display
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnkit.course import style


@pytest.mark.parametrize(
    ("value", "digits", "text"),
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
def test_significant_digits(value, digits, text):
    assert style.format_number(value, digits=digits) == text


@given(st.floats(min_value=1e-6, max_value=1e6), st.integers(min_value=1, max_value=6))
def test_significant_digits_round_to_the_nearest(value, digits):
    text = style.format_number(value, digits=digits)
    assert abs(float(text) - value) <= 0.5 * 10 ** (np.floor(np.log10(value)) - digits + 1) * 1.0001


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
        style.format_number(0.1, **kwargs)


@pytest.mark.parametrize(
    ("value", "max_digits", "text"),
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
def test_short_form_keeps_at_most_max_digits(value, max_digits, text):
    assert style.format_number(value, max_digits=max_digits) == text


def test_digits_need_a_number():
    with pytest.raises(TypeError, match="number"):
        style.format_number("AND", digits=2)


@pytest.fixture
def shown(monkeypatch):
    calls = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: calls.append((a, k)))
    return calls


def test_glue_records_what_myst_nb_reads(shown):
    assert style.glue("final_loss", 0.020153, digits=2) == "0.020"
    (args, kwargs), = shown
    assert args == ({"application/papermill.record/text/plain": "'0.020'"},)
    assert kwargs["raw"] is True
    assert kwargs["metadata"] == {"scrapbook": {"name": "final_loss",
                                                "mime_prefix": "application/papermill.record/"}}


def test_glue_passes_integers_and_text_on(shown):
    assert style.glue("epochs", 85) == "85"
    assert style.glue("line", "2x₁ + x₂ − 3 = 0") == "2x₁ + x₂ − 3 = 0"
    assert [call[0][0]["application/papermill.record/text/plain"] for call in shown] == [
        "'85'", "'2x₁ + x₂ − 3 = 0'"]


def test_glue_refuses_a_float_without_digits(shown):
    with pytest.raises(ValueError, match="digits"):
        style.glue("loss", 0.0201534)
    assert shown == []


def test_glue_names_are_identifiers(shown):
    with pytest.raises(ValueError, match="key"):
        style.glue("final loss", 1)
