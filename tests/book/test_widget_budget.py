"""Every notebook of the book keeps its saved widget state within nnkit.widgets' budget."""

import json
from pathlib import Path

import pytest

import nnkit.widgets as nkw

BOOK = Path(__file__).resolve().parents[2] / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))


def test_the_book_has_notebooks_to_check():
    assert BOOK / "01_neuron.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_widget_state_within_budget(path):
    numbers, problems = nkw.budget_report(json.loads(path.read_text(encoding="utf-8")))
    assert problems == [], f"{path.name}: {numbers}"
