"""The playground in JupyterLab, with a kernel: it trains in the page, and the network
it trained comes back to Python as an nnkit Sequential with the page's predictions.

A small notebook (written into _build/, never into the book) creates a Playground; the
test runs that cell, presses Play in the page, waits for some epochs, presses Pause
(the page then sends the trained weights and its own outputs on the training points to
the kernel), and runs a second cell that compares ``to_nnkit()``'s predictions with the
page's: they must agree to 1e-9 relative.

Slow (a JupyterLab server and a browser): marked ``jupyterlab`` like test_jupyterlab.py,
whose server fixture it shares.
"""

import json
import re

import pytest
from test_jupyterlab import ROOT, _shut_down_kernels, lab  # noqa: F401 (lab is a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.jupyterlab]

NOTEBOOK = ROOT / "_build" / "jupyterlab" / "playground_round_trip.ipynb"
CELLS = [
    "from nnkit.course.playground import Playground\n"
    "playground = Playground(dataset='moons', n=120, hidden_layers=2, width=8,\n"
    "                        activation='tanh', lr=0.3, seed=1)\n"
    "playground",
    "import numpy as np\n"
    "trained = playground.trained\n"
    "model = playground.to_nnkit()\n"
    "page = np.array(trained['outputs'])\n"
    "ours = model.forward(np.array(trained['X']))\n"
    "worst = float(np.max(np.abs(ours - page) / np.maximum(np.abs(page), 1e-300)))\n"
    "print(f\"ROUND TRIP epochs={trained['epoch']} points={len(page)} worst={worst:.3e}\")",
]


def write_notebook() -> str:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {},
              "outputs": [], "source": source} for i, source in enumerate(CELLS)]
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3",
                                                      "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    NOTEBOOK.parent.mkdir(parents=True, exist_ok=True)
    NOTEBOOK.write_text(json.dumps(nb), encoding="utf-8")
    return NOTEBOOK.relative_to(ROOT).as_posix()


def run_cell(page, index: int) -> None:
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")


def test_the_playground_trains_in_lab_and_round_trips_to_nnkit(lab, browser):  # noqa: F811
    path = write_notebook()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{lab}lab/workspaces/playground/tree/{path}?reset")
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
        page.get_by_text("| Idle").first.wait_for(timeout=120_000)
        run_cell(page, 0)
        root = page.locator(".nnkit-playground")
        root.wait_for(timeout=120_000)
        root.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function(
            "() => Number(document.querySelector('.nnkit-playground').dataset.epoch) >= 100",
            timeout=120_000)
        root.get_by_role("button", name="Pause", exact=True).click()
        epoch = int(root.get_attribute("data-epoch"))
        page.wait_for_timeout(1000)  # the trained weights travel to the kernel
        run_cell(page, 1)
        output = page.locator(".jp-Notebook .jp-CodeCell").nth(1).locator(".jp-OutputArea-output")
        output.first.wait_for(timeout=60_000)
        text = output.first.inner_text()
        found = re.search(r"ROUND TRIP epochs=(\d+) points=(\d+) worst=(\S+)", text)
        assert found, f"the round-trip cell printed {text!r}"
        assert int(found[1]) == epoch >= 100
        assert int(found[2]) == 84  # 120 points, 30 % kept for validation
        assert float(found[3]) < 1e-9, text
        assert not errors, errors
    finally:
        context.close()
        _shut_down_kernels(lab)
