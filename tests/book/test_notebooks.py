"""Checks on the stored chapter notebooks, the source the book is built from.

The book shows the outputs and widget state saved in the notebooks (it never runs
code), and nbval compares fresh runs against them. These tests check that what is
stored is complete and was produced by scripts/execute_notebooks.py.
"""

import copy
import json
import re
from pathlib import Path

import execute_notebooks as ex
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = [entry for entry in ex.toc_files(ROOT)[1:]]
NOTEBOOKS = ex.toc_notebooks(ROOT)
REF = re.compile(r"IPY_MODEL_([0-9A-Za-z_-]+)")


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def displayed_models(nb: dict) -> list[tuple[int, str]]:
    """(cell number, model id) of every widget displayed in a cell output."""
    found = []
    for number, cell in enumerate(nb["cells"], start=1):
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(ex.WIDGET_VIEW_MIME)
            if view:
                found.append((number, view["model_id"]))
    return found


def test_every_chapter_in_the_toc_is_a_notebook():
    assert len(CHAPTERS) >= 7, f"_toc.yml should list at least seven chapters, found {CHAPTERS}"
    missing = [c for c in CHAPTERS if not (ROOT / f"{c}.ipynb").is_file()]
    assert not missing, f"chapters in _toc.yml without a notebook: {missing}"


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, load(request.param)


def test_executed_top_to_bottom_in_a_fresh_kernel(notebook):
    path, nb = notebook
    counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts, f"{path.name} has no code cells"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(counts)}; "
        "re-execute it with scripts/execute_notebooks.py"
    )


def test_no_errors_or_timing_metadata_stored(notebook):
    path, nb = notebook
    for number, cell in enumerate(nb["cells"], start=1):
        assert "execution" not in cell.get("metadata", {}), f"{path.name} cell {number}: timing"
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not errors, f"{path.name} cell {number} stored an error: {errors[0]['ename']}"


def test_displayed_widgets_have_saved_state(notebook):
    path, nb = notebook
    shown = displayed_models(nb)
    states = ex.widget_state(nb)
    if shown:
        assert states, f"{path.name} displays widgets but has no saved widget state"
    for number, model_id in shown:
        assert model_id in states, f"{path.name} cell {number}: widget {model_id} has no state"
    text = json.dumps(nb)
    dangling = sorted(set(REF.findall(text)) - set(states))
    assert not dangling, f"{path.name}: widget references without state: {dangling[:3]}"


def test_widget_ids_were_made_stable(notebook):
    """Normalising again changes nothing, so the ids came from execute_notebooks.py."""
    path, nb = notebook
    if not ex.widget_state(nb):
        return
    node = nbformat.from_dict(copy.deepcopy(nb))
    ex.normalise(node, path.stem)
    assert ex.widget_state(node) == ex.widget_state(nb), (
        f"{path.name}: widget ids are not the stable ones; "
        "re-execute it with scripts/execute_notebooks.py"
    )


def test_output_widgets_hold_no_printed_text(notebook):
    """Text inside Output widgets must be display data, never a captured print.

    A ``stream`` inside an Output widget means output was captured with ``with out:``
    (or appended as stdout); nbval cannot see widget contents, so numbers a reader must
    be able to trust belong in the cell's own output, where nbval compares them.
    """
    path, nb = notebook
    for model_id, entry in ex.widget_state(nb).items():
        if entry.get("model_name") != "OutputModel":
            continue
        outputs = entry.get("state", {}).get("outputs", [])
        streams = [o for o in outputs if o.get("output_type") == "stream"]
        assert not streams, f"{path.name}: Output widget {model_id} holds printed text"
        assert not entry["state"].get("msg_id"), f"{path.name}: Output {model_id} captured"


# A question's plain text (nnkit.course.quiz): its prompt and options, which nbval compares.
QUESTION_TEXT = re.compile(r"^Predict, then look: ")


def test_widget_notebooks_print_their_key_numbers(notebook):
    """Every cell that shows a widget also prints text for nbval to compare.

    An experiment prints its key numbers beside the widget; a question has no numbers,
    and its own plain text (prompt and options) is what nbval compares.
    """
    path, nb = notebook
    for number, cell in enumerate(nb["cells"], start=1):
        outputs = cell.get("outputs", [])
        if not any(ex.WIDGET_VIEW_MIME in o.get("data", {}) for o in outputs):
            continue
        printed = [
            o
            for o in outputs
            if (o["output_type"] == "stream" and o.get("name") == "stdout")
            or set(o.get("data", {})) == {"text/plain"}
            or (
                ex.WIDGET_VIEW_MIME in o.get("data", {})
                and QUESTION_TEXT.match("".join(o["data"].get("text/plain", "")))
            )
        ]
        assert printed, f"{path.name} cell {number} shows a widget but prints no numbers"
