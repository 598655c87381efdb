"""Tests of scripts/execute_notebooks.py: reproducible, in-place re-execution."""

import json
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import execute_notebooks as ex
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

# Runs notebooks in fresh kernels: seconds per test (skip with -m 'not slow').
pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "execute_notebooks.py"

WIDGET_CELL = """\
import ipywidgets as W
from IPython.display import HTML
pages = []
for k in range(3):
    page = W.Output()
    page.append_display_data(HTML(f"<b>frame {k}</b>"))
    pages.append(page)
stack = W.Stack(pages, selected_index=0)
slider = W.IntSlider(0, 0, 2, description="k")
W.jslink((slider, "value"), (stack, "selected_index"))
print("frames:", len(pages))
W.VBox([slider, stack])"""


CHUNKED_PRINT = """\
import sys, time
print("first half", end="")
sys.stdout.flush()
time.sleep(0.3)
print(" second half")
print("after")"""


def write_notebook(path, cells):
    nb = new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = cells
    nbformat.write(nb, path)
    return path


def text_of(output):
    """The text of a stream output, whether stored as one string or a list of lines."""
    text = output.get("text", "")
    return text if isinstance(text, str) else "".join(text)


def run_script(*paths):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """A widget notebook executed once, plus its bytes after a second run."""
    folder = tmp_path_factory.mktemp("exec")
    path = write_notebook(
        folder / "demo.ipynb",
        [
            new_markdown_cell("# Demo"),
            new_code_cell("import os\nprint(os.path.basename(os.getcwd()))"),
            new_code_cell("print(hash('nnkit') % 1000, os.environ['MPLBACKEND'])"),
            new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2]);"),
            new_code_cell(WIDGET_CELL),
            new_code_cell("gone = W.Checkbox(description='closed')\ngone.close()"),
            new_code_cell(CHUNKED_PRINT),
        ],
    )
    first = run_script(path)
    assert first.returncode == 0, first.stderr
    first_bytes = path.read_bytes()
    second = run_script(path)
    assert second.returncode == 0, second.stderr
    return folder, first_bytes, path.read_bytes()


def test_second_run_leaves_file_byte_identical(executed):
    _, first, second = executed
    assert first == second


def test_execution_counts_are_consecutive_and_timing_is_stripped(executed):
    folder, _, data = executed
    nb = json.loads(data)
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))
    assert all("execution" not in c["metadata"] for c in nb["cells"])
    # cwd is the notebook's folder; the kernel saw the inline backend and the fixed seed
    assert text_of(nb["cells"][1]["outputs"][0]) == folder.name + "\n"
    seed_line = text_of(nb["cells"][2]["outputs"][0])
    assert seed_line.endswith(" module://matplotlib_inline.backend_inline\n")
    assert any("image/png" in o.get("data", {}) for o in nb["cells"][3]["outputs"])


def test_printed_chunks_are_joined(executed):
    _, _, data = executed
    outputs = json.loads(data)["cells"][-1]["outputs"]
    assert [(o["name"], text_of(o)) for o in outputs] == [
        ("stdout", "first half second half\nafter\n")
    ]


def test_widget_state_is_stored_with_stable_ids(executed):
    _, _, data = executed
    nb = json.loads(data)
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    expected_first = ex.hashlib.sha1(b"demo:0").hexdigest()[:32]
    view = nb["cells"][4]["outputs"][-1]["data"]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == expected_first  # the displayed VBox is reached first
    assert state[expected_first]["model_name"] == "VBoxModel"
    names = sorted(s["model_name"] for s in state.values())
    assert names.count("OutputModel") == 3 and "LinkModel" in names
    assert "CheckboxModel" not in names, "a closed widget was saved"
    refs = set(re.findall(r"IPY_MODEL_([0-9a-f]+)", data.decode()))
    assert refs <= set(state), "a reference points to a model that was not renamed"
    # the frame content lives in the Output widgets, not in the cell output
    texts = [text_of(o) for o in nb["cells"][4]["outputs"]]
    assert not any("frame" in t and "frames:" not in t for t in texts)


def widget_notebook(ids, link_order):
    """A notebook with a displayed VBox > Output and two jslinks nothing references.

    ``ids`` are the kernel's ids (box, output, link to "value", link to "index");
    ``link_order`` is the order of the two links in the state dictionary.
    """
    box, out, link_value, link_index = ids
    nb = new_notebook()
    view = {"model_id": box, "version_major": 2, "version_minor": 0}
    data = {ex.WIDGET_VIEW_MIME: view, "text/plain": "x"}
    nb.cells = [new_code_cell(id="c0", outputs=[nbformat.v4.new_output("display_data", data)])]
    links = {
        link_value: {"model_name": "LinkModel", "state": {"source": [f"IPY_MODEL_{out}", "value"]}},
        link_index: {"model_name": "LinkModel", "state": {"source": [f"IPY_MODEL_{out}", "index"]}},
    }
    state = {key: links[key] for key in link_order(link_value, link_index)}
    state[out] = {"model_name": "OutputModel", "state": {"msg_id": "abc", "outputs": []}}
    state[box] = {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{out}"]}}
    nb.metadata.widgets = {
        ex.WIDGET_STATE_MIME: {"state": state, "version_major": 2, "version_minor": 0}
    }
    return nbformat.from_dict(nb)


def normalised_text(nb):
    ex.normalise(nb, "same")
    return nbformat.writes(nb)


def test_ids_do_not_depend_on_the_kernels_ids_or_the_state_order():
    one = normalised_text(
        widget_notebook([uuid.uuid4().hex for _ in range(4)], lambda a, b: (a, b))
    )
    two = normalised_text(
        widget_notebook([uuid.uuid4().hex for _ in range(4)], lambda a, b: (b, a))
    )
    assert one == two
    state = json.loads(one)["metadata"]["widgets"][ex.WIDGET_STATE_MIME]["state"]
    ids = [ex.hashlib.sha1(f"same:{k}".encode()).hexdigest()[:32] for k in range(4)]
    assert [state[i]["model_name"] for i in ids] == [
        "VBoxModel",
        "OutputModel",
        "LinkModel",
        "LinkModel",
    ]
    assert state[ids[1]]["state"]["msg_id"] == ""
    # normalising is idempotent, also after the file's keys were sorted on saving
    assert normalised_text(nbformat.reads(one, as_version=4)) == one


def test_failing_notebook_is_left_untouched_and_reported(tmp_path):
    path = write_notebook(
        tmp_path / "broken.ipynb", [new_code_cell("print('ok')"), new_code_cell("1 / 0")]
    )
    before = path.read_bytes()
    result = run_script(path)
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr and "broken.ipynb" in result.stderr
    assert path.read_bytes() == before


def test_capturing_output_with_a_with_block_is_refused(tmp_path):
    cell = "import ipywidgets as W\nout = W.Output()\nwith out:\n    print('hidden')\nout"
    path = write_notebook(tmp_path / "capture.ipynb", [new_code_cell(cell)])
    before = path.read_bytes()
    result = run_script(path)
    assert result.returncode == 1
    assert "cell(s) 1 fill an Output widget" in result.stderr
    assert path.read_bytes() == before


def test_toc_notebooks_follow_the_toc(tmp_path):
    (tmp_path / "book").mkdir()
    for name in ("b.ipynb", "a.ipynb"):
        write_notebook(tmp_path / "book" / name, [])
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n- file: book/b\n- file: book/a.ipynb\n"
    )
    assert ex.toc_notebooks(tmp_path) == [
        tmp_path / "book" / "b.ipynb",
        tmp_path / "book" / "a.ipynb",
    ]


def test_rejects_a_path_that_is_not_a_notebook(tmp_path):
    other = tmp_path / "notes.md"
    other.write_text("x")
    result = run_script(other)
    assert result.returncode == 2 and "not a notebook file" in result.stderr


def test_copy_of_a_notebook_gets_ids_from_its_own_name(executed, tmp_path):
    folder, _, data = executed
    copy = tmp_path / "other.ipynb"
    shutil.copy(folder / "demo.ipynb", copy)
    assert run_script(copy).returncode == 0
    assert ex.hashlib.sha1(b"other:0").hexdigest()[:32] in copy.read_text()
