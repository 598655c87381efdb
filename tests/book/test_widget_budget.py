"""Every notebook of the book keeps its saved widget state within budget: the book's limit
per notebook (scripts/execute_notebooks.py) and the apparatus' limits per experiment
(nnkit.course.widgets: frames per widget, bytes per frame PNG); and the budget report
that measures a notebook finds what is there and what is over."""

import json
from pathlib import Path

import execute_notebooks as ex
import ipywidgets as w
import pytest
from matplotlib.figure import Figure

import nnkit.course.widgets as nkw

BOOK = Path(__file__).resolve().parents[2] / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def test_the_book_has_notebooks_to_check():
    assert BOOK / "01_neuron.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_widget_state_within_budget(path):
    numbers, problems = ex.budget_report(json.loads(path.read_text(encoding="utf-8")))
    assert problems == [], f"{path.name}: {numbers}"
    assert numbers["state_bytes"] <= ex.MAX_STATE_BYTES_PER_NOTEBOOK
    assert numbers["max_frames"] <= nkw.MAX_FRAMES_PER_WIDGET, f"{path.name}: {numbers}"
    assert numbers["max_png_bytes"] <= nkw.MAX_PNG_BYTES, f"{path.name}: {numbers}"


def frame(a, t):
    fig = Figure(figsize=(1.5, 1.0))
    fig.add_subplot().plot([0, 1], [0, a * (t + 1)])
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
    assert numbers["state_bytes"] == len(json.dumps(state))
    monkeypatch.setattr(ex, "MAX_STATE_BYTES_PER_NOTEBOOK", numbers["state_bytes"] - 1)
    _, problems = ex.budget_report(notebook_with(state))
    assert problems == [
        f"widget state is {numbers['state_bytes']} bytes, over "
        f"{numbers['state_bytes'] - 1} per notebook"
    ]
    exp.close()


def test_budget_report_without_widgets():
    assert ex.budget_report({"metadata": {}}) == (
        {"state_bytes": 0, "widgets": 0, "max_frames": 0, "max_png_bytes": 0},
        [],
    )
