"""A chapter runs in JupyterLab, as a Binder or local reader uses it.

JupyterLab is started on the repository (no token, a free port, its settings, workspaces
and runtime files in a temporary folder) and the chapter is opened in headless Chromium.
With its outputs cleared, "Run All Cells" must execute every code cell with a kernel
without an error, every widget the chapter displays must render, and moving a slider
with the keyboard must change the frame the widget shows. Nothing is saved: the
notebooks on disk are not touched.

What this proves that the other tests cannot: a notebook runs top to bottom through
Lab's own front end with a live kernel, and its widgets render and respond in Lab's
widget manager, which talks to the kernel's ipywidgets. nbval already runs every
chapter's code (without a front end), and the HTML tests render and exercise every
chapter's saved widgets (without a kernel). Neither of those depends on the chapter
run here, so one chapter is enough: chapter 1, which shows every kind of widget the
book uses (checked below, so a chapter that brings a new kind must be added here).

Slow (about a minute): marked ``jupyterlab``; scripts/test.sh runs it as its own step.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import execute_notebooks as ex
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The playground (an anywidget) is the one kind of widget chapter 1 does not show.
LAB_CHAPTERS = ["book/01_neuron.ipynb", "book/playground.ipynb"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Per chapter: a chapter runs in under 30 s in a fresh kernel; JupyterLab and a busy
# machine add to that.
RUN_TIMEOUT_S = 180

# JupyterLab settings for a quiet, deterministic session: never save (the run must not
# overwrite the chapter on disk), no news or update checks, and every cell kept in the
# page (no virtual scrolling), so that all of them can be checked.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

# What a widget's frame is: the images and text of its visible Output widgets.
FRAME_JS = """(root) => {
  const parts = [];
  for (const out of root.querySelectorAll('.widget-output')) {
    const box = out.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    for (const img of out.querySelectorAll('img')) parts.push(img.src);
    parts.push(out.innerText);
  }
  return parts.join('\\n');
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on the repository; yields its base URL."""
    home = tmp_path_factory.mktemp("jupyterlab")
    for name, values in SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = _free_port()
    env = {
        **os.environ,
        **ex.KERNEL_ENV,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [
        str(Path(sys.executable).with_name("jupyter-lab")),
        "--no-browser",
        f"--port={port}",
        "--ip=127.0.0.1",
        "--IdentityProvider.token=",
        f"--ServerApp.root_dir={ROOT}",
        "--ServerApp.port_retries=0",
        "--LabApp.news_url=",
        # Lets this test shut kernels down through the REST API (a local, token-free
        # server that lives only as long as the test module).
        "--ServerApp.disable_check_xsrf=True",
    ]
    if os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited: {(home / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url + "api/status", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start within 120 s")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _menu(page, menu: str, item: str) -> None:
    """Choose ``item`` from the main menu ``menu``, as a reader would."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.get_by_role("menuitem", name=item, exact=True).first.click()


def _expected_widgets(chapter: str) -> tuple[int, int]:
    """How many widget views the chapter's stored outputs display, and how many of them
    are experiments (nnkit's Experiment, whose text form ends in "precomputed frames")."""
    nb = json.loads((ROOT / chapter).read_text(encoding="utf-8"))
    views = [
        output["data"]
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    ]
    experiments = [v for v in views if "precomputed frames" in "".join(v.get("text/plain", ""))]
    return len(views), len(experiments)


def _shut_down_kernels(lab: str) -> None:
    with urllib.request.urlopen(lab + "api/sessions", timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{lab}api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def _prompts(page) -> list[str]:
    return page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").evaluate_all(
        "ps => ps.map(p => p.textContent.trim())"
    )


def widget_kinds(notebook: Path) -> set[str]:
    """The model names (VBoxModel, SelectionSliderModel, ...) in a notebook's saved state."""
    state = ex.widget_state(json.loads(notebook.read_text(encoding="utf-8")))
    return {model["model_name"] for model in state.values()}


def test_the_chapters_run_in_lab_show_every_kind_of_widget_in_the_book():
    in_lab = set().union(*(widget_kinds(ROOT / chapter) for chapter in LAB_CHAPTERS))
    in_book = set().union(*(widget_kinds(path) for path in ex.toc_notebooks(ROOT)))
    assert in_lab, "the chapters run in JupyterLab show no widgets"
    missing = in_book - in_lab
    assert not missing, f"widgets no chapter in LAB_CHAPTERS shows: {sorted(missing)}"


@pytest.mark.slow
@pytest.mark.jupyterlab
@pytest.mark.parametrize("chapter", LAB_CHAPTERS)
def test_chapter_runs_in_jupyterlab(lab, browser, chapter, tmp_path):
    on_disk = (ROOT / chapter).read_bytes()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        # A workspace of its own, reset: only this chapter is open, as for a new reader.
        workspace = Path(chapter).stem
        page.goto(f"{lab}lab/workspaces/{workspace}/tree/{chapter}?reset")
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for()
        # A kernel must be ready before the run (the status bar says so).
        page.get_by_text("| Idle").first.wait_for(timeout=120_000)
        # Cleared first, so that the execution counts checked below are this run's.
        page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
        for _attempt in range(3):
            _menu(page, "Edit", "Clear Outputs of All Cells")
            page.wait_for_timeout(1000)
            if all(p in ("[ ]:", "") for p in _prompts(page)):
                break
        else:
            pytest.fail(f"{chapter}: the outputs could not be cleared: {_prompts(page)}")
        n_cells = page.locator(".jp-Notebook .jp-CodeCell").count()

        started = time.monotonic()
        _menu(page, "Run", "Run All Cells")
        # Every code cell must end with an execution count; a cell that raises stops
        # the run, leaving the cells after it without one.
        while True:
            prompts = _prompts(page)
            done = [p for p in prompts if p.startswith("[") and p[1:-2].isdigit()]
            if len(done) == n_cells:
                break
            if time.monotonic() - started > RUN_TIMEOUT_S:
                pytest.fail(
                    f"{chapter}: {len(done)} of {n_cells} cells ran in {RUN_TIMEOUT_S} s; "
                    f"prompts {prompts}"
                )
            page.wait_for_timeout(500)
        elapsed = time.monotonic() - started

        tracebacks = page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
            has_text="Traceback",
        )
        assert tracebacks.count() == 0, f"{chapter}: {tracebacks.first.inner_text()[:2000]}"
        assert not errors, f"{chapter}: page errors {errors}"

        expected, experiments = _expected_widgets(chapter)
        roots = page.locator(".jp-OutputArea-output > .jupyter-widgets")
        assert roots.count() >= expected, f"{chapter}: {roots.count()} of {expected} widgets shown"
        assert page.get_by_text("Error displaying widget").count() == 0
        # Every experiment shows a frame: an image in one of its Output widgets.
        widgets = roots.filter(has=page.locator(".widget-output img"))
        assert widgets.count() >= experiments, (
            f"{chapter}: {widgets.count()} of {experiments} experiments show a frame"
        )

        sliders = widgets.filter(has=page.locator('[role="slider"]'))
        if experiments:
            assert sliders.count() > 0, f"{chapter}: no widget with a slider to move"
            root = sliders.first
            handle = root.locator('[role="slider"]').first
            handle.scroll_into_view_if_needed()
            before = root.evaluate(FRAME_JS)
            at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            handle.focus()
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            page.wait_for_function(
                "([root, before]) => (" + FRAME_JS + ")(root) !== before",
                arg=[root.element_handle(), before],
                timeout=10_000,
            )
        page.screenshot(path=str(tmp_path / "lab.png"))
        print(f"{chapter}: {n_cells} cells in {elapsed:.1f} s, {expected} widgets")
    finally:
        context.close()
        _shut_down_kernels(lab)
    assert (ROOT / chapter).read_bytes() == on_disk, f"{chapter} was changed on disk"
