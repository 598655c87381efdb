#!/usr/bin/env python
"""Re-execute the course notebooks in place, reproducibly.

Usage::

    python scripts/execute_notebooks.py                 # every chapter listed in _toc.yml
    python scripts/execute_notebooks.py book/02_learning_rate.ipynb [more.ipynb ...]

Each notebook runs top to bottom in a fresh kernel whose working directory is the
notebook's folder, with a fixed hash seed and matplotlib's inline (Agg-rendered) backend.
The stored outputs and the ipywidgets state (``metadata.widgets``) are what the book
shows, because the book is built with ``execute_notebooks: "off"``; nbval later re-runs
the notebooks and compares against exactly these outputs.

To keep the files stable under version control, running the script twice on unchanged
code must leave them byte-identical. These sources of churn are removed:

* timing metadata (``metadata.execution`` timestamps) is never recorded;
* widget model ids, random UUIDs chosen by the kernel, are renamed to ids derived from
  the notebook's name and the order in which each model is first reached (see
  :func:`stable_widget_ids`);
* cells without an id get one derived from the notebook's name and their position;
* printed text split into several chunks by the kernel's flushing is joined (nbconvert's
  ``CoalesceStreamsPreprocessor``; nbval joins them the same way before comparing).

The script also measures each notebook's saved widget state and refuses a notebook over
the book's budget (:data:`MAX_STATE_BYTES_PER_NOTEBOOK`, :func:`budget_report`).

If a cell raises (and is not tagged ``raises-exception``) the notebook is left untouched
and the script exits with status 1.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

REPO_ROOT = Path(__file__).resolve().parent.parent

# The environment every kernel is started with. The repository's conftest.py sets the
# same values for nbval, so a regression run reproduces the stored outputs.
# The inline backend renders with Agg (no GUI, no display needed) and, unlike plain
# "Agg", still displays figures in cell outputs exactly as Jupyter does for a reader.
# One BLAS thread: the course's matrices are small, so threads only fight other
# processes for the cores, and a fixed thread count keeps float summation order, hence
# the printed digits, the same from run to run.
KERNEL_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
MODEL_REF_PREFIX = "IPY_MODEL_"
CELL_TIMEOUT_SECONDS = 300

# Every frame of an experiment is a PNG in the notebook's saved widget state and in the
# built page, so a page stays light only if its widgets do. The apparatus checks each
# experiment as it is built (nnkit.course.widgets: frames per widget, bytes per frame);
# this is the book's limit for one notebook, checked on the saved file.
MAX_STATE_BYTES_PER_NOTEBOOK = 6_000_000


def toc_files(root: Path = REPO_ROOT) -> list[str]:
    """Return every ``file``/``root`` entry of ``root/_toc.yml``, in reading order.

    Entries are collected recursively through ``parts``, ``chapters`` and ``sections``,
    exactly as written (usually without a suffix).
    """
    import yaml  # jupyter-book depends on PyYAML; imported here so --help stays cheap

    toc_path = root / "_toc.yml"
    if not toc_path.is_file():
        raise FileNotFoundError(f"no _toc.yml in {root}: pass the notebooks explicitly")
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))

    def files(node: object) -> Iterator[str]:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    yield node[key]
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    yield from files(child)
        elif isinstance(node, list):
            for child in node:
                yield from files(child)

    return list(files(toc))


def toc_notebooks(root: Path = REPO_ROOT) -> list[Path]:
    """Return the notebooks named in ``root/_toc.yml`` that exist, in reading order.

    An entry counts as a notebook when ``<entry>.ipynb`` (or the entry itself, if it
    ends in ``.ipynb``) is a file.
    """
    found = []
    for name in toc_files(root):
        path = root / name
        candidate = path if path.suffix == ".ipynb" else path.with_name(path.name + ".ipynb")
        if candidate.is_file():
            found.append(candidate)
    return found


def _walk_strings(node: object) -> Iterator[str]:
    """Yield every string inside a JSON-like value, depth first, in document order."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _walk_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_strings(item)


def _rename(node: object, mapping: dict[str, str]) -> object:
    """Return ``node`` with every model id (bare, or as ``IPY_MODEL_<id>``) renamed."""
    if isinstance(node, str):
        if node in mapping:
            return mapping[node]
        if node.startswith(MODEL_REF_PREFIX) and node[len(MODEL_REF_PREFIX) :] in mapping:
            return MODEL_REF_PREFIX + mapping[node[len(MODEL_REF_PREFIX) :]]
        return node
    if isinstance(node, dict):
        return {_rename(k, mapping): _rename(v, mapping) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename(item, mapping) for item in node]
    return node


def stable_widget_ids(nb: nbformat.NotebookNode, name: str) -> int:
    """Rename widget model ids in ``nb`` (in place) to ids that do not change between runs.

    Order of first appearance: the models displayed in cell outputs, cell by cell; then,
    breadth first, the models those reference (``IPY_MODEL_<id>`` strings in their state,
    e.g. children, layouts, jslink ends); then the models nothing reaches (such as
    ``jslink`` links), ordered by their content with the ids already ranked written as
    ranks, so that neither the kernel's ids nor the order of the state dictionary (sorted
    by id when saved) matters; each is followed by what it references. Models with the
    same content are interchangeable, so their order between them cannot show in the
    file. The k-th model gets the id
    ``sha1(f"{name}:{k}")[:32]`` (the length of a UUID hex), so ids are also unique
    across notebooks. The state dictionary is re-ordered by that rank, and Output
    widgets' transient ``msg_id`` is cleared. Returns the number of models renamed.
    """
    state_doc = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME)
    states: dict = state_doc.get("state", {}) if state_doc else {}

    order: list[str] = []
    seen: set[str] = set()

    def visit(model_id: str) -> None:
        if model_id in states and model_id not in seen:
            seen.add(model_id)
            order.append(model_id)

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW_MIME)
            if view and isinstance(view.get("model_id"), str):
                visit(view["model_id"])
    rank = 0
    while True:
        while rank < len(order):
            for text in _walk_strings(states[order[rank]].get("state", {})):
                if text.startswith(MODEL_REF_PREFIX):
                    visit(text[len(MODEL_REF_PREFIX) :])
            rank += 1
        unreached = [m for m in states if m not in seen]
        if not unreached:
            break
        ranks = {m: f"#{k}" for k, m in enumerate(order)}
        visit(min(unreached, key=lambda m: json.dumps(_rename(states[m], ranks), sort_keys=True)))

    mapping = {
        old: hashlib.sha1(f"{name}:{k}".encode()).hexdigest()[:32] for k, old in enumerate(order)
    }
    for cell in nb.cells:
        if "outputs" in cell:
            cell["outputs"] = [nbformat.from_dict(_rename(o, mapping)) for o in cell["outputs"]]
    if state_doc:
        renamed = {}
        for old in order:
            entry = _rename(states[old], mapping)
            if entry.get("model_name") == "OutputModel":
                entry.setdefault("state", {})["msg_id"] = ""
            renamed[mapping[old]] = entry
        state_doc["state"] = nbformat.from_dict(renamed)
    return len(mapping)


def normalise(nb: nbformat.NotebookNode, name: str) -> None:
    """Remove run-to-run churn from an executed notebook, in place (see module docstring)."""
    stable_widget_ids(nb, name)
    # The kernel sends printed text in chunks, split wherever it happened to flush, and
    # the book would draw each chunk as a box of its own.
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        if not cell.get("id"):
            cell["id"] = hashlib.sha1(f"{name}:cell:{index}".encode()).hexdigest()[:8]
    nb.metadata.pop("papermill", None)


class CapturedOutputError(RuntimeError):
    """A cell filled an Output widget with ``with out:`` (see :class:`_Client`)."""


class _Client(NotebookClient):
    """nbclient's client, plus two checks on widgets.

    * Closed widgets leave the stored state. nbclient keeps the state of every widget
      ever created; a closed one (e.g. an experiment shown again closes the old one)
      can never be displayed, so saving it would only bloat the notebook and the page.
    * Cells that capture output into an Output widget with ``with out: ...`` are
      recorded in ``captured_cells``. nbclient imitates a front end and routes that
      output into the widget, but nbval runs without one, so there the output lands in
      the cell and the comparison fails. Output widgets must be filled with
      ``append_display_data`` instead (what nnkit.course.widgets does). Capturing shows up as
      the kernel setting the widget's ``msg_id``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.captured_cells: set[int] = set()

    def handle_comm_msg(self, outs, msg, cell_index):
        super().handle_comm_msg(outs, msg, cell_index)
        if msg["msg_type"] == "comm_close":
            comm_id = msg["content"]["comm_id"]
            self.widget_state.pop(comm_id, None)
            self.widget_buffers.pop(comm_id, None)
        elif msg["content"].get("data", {}).get("state", {}).get("msg_id"):
            self.captured_cells.add(cell_index)


def execute(path: Path, timeout: int = CELL_TIMEOUT_SECONDS) -> float:
    """Execute the notebook at ``path`` in a fresh kernel and rewrite it in place.

    Returns the wall-clock seconds taken. Raises ``CellExecutionError`` when a cell
    fails and ``CapturedOutputError`` when a cell captures output into an Output widget
    with ``with``; in both cases the file is left untouched.
    """
    path = path.resolve()
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)  # stale state from an earlier run must not survive
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    client = _Client(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=True,
    )
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    if client.captured_cells:
        numbers = ", ".join(str(i + 1) for i in sorted(client.captured_cells))
        raise CapturedOutputError(
            f"cell(s) {numbers} fill an Output widget with `with <output>:`; nbval runs "
            "without a widget front end and would see that output in the cell itself. "
            "Use output.append_display_data(...) instead."
        )
    normalise(nb, path.stem)
    text = nbformat.writes(nb, version=4)
    if not text.endswith("\n"):
        text += "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return elapsed


def widget_state(nb: dict) -> dict:
    """The saved widget models of a notebook (parsed JSON): model id -> model entry."""
    state_doc = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE_MIME, {})
    return state_doc.get("state", {}) if isinstance(state_doc, dict) else {}


def _references(node: object) -> list[str]:
    """Model ids referenced (``IPY_MODEL_<id>``) anywhere inside a JSON-like value."""
    return [
        text[len(MODEL_REF_PREFIX) :]
        for text in _walk_strings(node)
        if text.startswith(MODEL_REF_PREFIX)
    ]


def budget_report(nb: dict) -> tuple[dict[str, int], list[str]]:
    """Measure a saved notebook's widget state and check it against the book's budget.

    ``nb`` is the notebook as parsed JSON. Returns ``(numbers, problems)``: ``numbers``
    has ``state_bytes`` (serialised widget state), ``widgets`` (top-level stacks, one per
    experiment), ``max_frames`` (Output widgets under one of them) and ``max_png_bytes``
    (largest decoded frame PNG); ``problems`` says, in words, if ``state_bytes`` is over
    :data:`MAX_STATE_BYTES_PER_NOTEBOOK` (empty when within budget). Frames and PNG
    sizes are limited by the apparatus when an experiment is built; they are measured
    here for the report.
    """
    state = widget_state(nb)
    state_doc = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE_MIME, {})
    numbers = {
        "state_bytes": len(json.dumps(state_doc)) if state else 0,
        "widgets": 0,
        "max_frames": 0,
        "max_png_bytes": 0,
    }
    problems = []
    if numbers["state_bytes"] > MAX_STATE_BYTES_PER_NOTEBOOK:
        problems.append(
            f"widget state is {numbers['state_bytes']} bytes, over "
            f"{MAX_STATE_BYTES_PER_NOTEBOOK} per notebook"
        )
    children = {
        mid: _references(model.get("state", {}).get("children", [])) for mid, model in state.items()
    }
    stacks = {mid for mid, model in state.items() if model.get("model_name") == "StackModel"}
    nested = {c for mid in stacks for c in children[mid]}

    def outputs_under(mid: str) -> list[str]:
        if state.get(mid, {}).get("model_name") == "OutputModel":
            return [mid]
        return [o for c in children.get(mid, []) for o in outputs_under(c)]

    for root in sorted(stacks - nested):
        numbers["widgets"] += 1
        numbers["max_frames"] = max(numbers["max_frames"], len(outputs_under(root)))
    for model in state.values():
        if model.get("model_name") != "OutputModel":
            continue
        for output in model.get("state", {}).get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if isinstance(png, str):
                size = len(base64.b64decode(png))
                numbers["max_png_bytes"] = max(numbers["max_png_bytes"], size)
    return numbers, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "notebooks", nargs="*", type=Path, help="notebooks to run (default: all in _toc.yml)"
    )
    parser.add_argument(
        "--timeout", type=int, default=CELL_TIMEOUT_SECONDS, help="seconds allowed per cell"
    )
    args = parser.parse_args(argv)
    notebooks = args.notebooks or toc_notebooks()
    if not notebooks:
        print("no notebooks to execute", file=sys.stderr)
        return 1
    for path in notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"not a notebook file: {path}")

    os.environ.update(KERNEL_ENV)
    failed = []
    for path in notebooks:
        try:
            seconds = execute(path, timeout=args.timeout)
        except (CellExecutionError, CapturedOutputError) as error:
            failed.append(path)
            message = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
            print(f"FAILED {path}:\n{message}", file=sys.stderr)
            continue
        numbers, problems = budget_report(json.loads(path.read_text(encoding="utf-8")))
        kib = numbers["state_bytes"] / 1024
        print(f"executed {path} in {seconds:.1f} s (widget state {kib:.0f} KiB)")
        if problems:
            failed.append(path)
            print(f"OVER BUDGET {path}: " + "; ".join(problems), file=sys.stderr)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
