"""Every notebook of the book keeps its saved widget state within nnkit.course.widgets' budget,
and the budget report that checks it (scripts/execute_notebooks.py) finds what is over."""

import json
from pathlib import Path

import execute_notebooks as ex
import ipywidgets as w
import pytest

import nnkit.course.style as style
import nnkit.course.widgets as nkw

BOOK = Path(__file__).resolve().parents[2] / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def test_the_book_has_notebooks_to_check():
    assert BOOK / "01_neuron.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_widget_state_within_budget(path):
    numbers, problems = ex.budget_report(json.loads(path.read_text(encoding="utf-8")))
    assert problems == [], f"{path.name}: {numbers}"


def frame(a, t):
    fig, ax = style.new_figure((1.5, 1.0), layout="fixed")
    ax.plot([0, 1], [0, a * (t + 1)])
    return fig, f"a={a} t={t}"


def notebook_with(state):
    return {"metadata": {"widgets": {ex.WIDGET_STATE_MIME: state}}}


def test_budget_report_on_saved_state(monkeypatch):
    exp = nkw.Experiment(frame, controls=[nkw.Slider("a", [1, 2, 3])],
                         play=nkw.Play("t", range(4)), title="saved state")
    state = w.Widget.get_manager_state(drop_defaults=False, widgets=None)
    numbers, problems = ex.budget_report(notebook_with(state))
    assert problems == []
    assert numbers["max_frames"] == exp.n_frames == 12 and numbers["widgets"] >= 1
    assert 0 < numbers["max_png_bytes"] <= nkw.MAX_PNG_BYTES
    monkeypatch.setattr(nkw, "MAX_FRAMES_PER_WIDGET", 10)
    monkeypatch.setattr(nkw, "MAX_PNG_BYTES", 100)
    monkeypatch.setattr(nkw, "MAX_STATE_BYTES_PER_NOTEBOOK", 1000)
    _, problems = ex.budget_report(notebook_with(state))
    assert any("has 12 frames, over 10" in p for p in problems)
    assert any("-byte PNG, over 100" in p for p in problems)
    assert any("per notebook" in p for p in problems)
    exp.close()


def test_budget_report_without_widgets():
    assert ex.budget_report({"metadata": {}}) == (
        {"state_bytes": 0, "widgets": 0, "max_frames": 0, "max_png_bytes": 0},
        [],
    )
