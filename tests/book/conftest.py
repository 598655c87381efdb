"""What the book tests share: the built book, headless Chromium, the book on localhost.

``built_book`` builds the HTML book once per session for every test of the built book
(marked ``html``), also when pytest-xdist workers share the session; ``browser`` is one
Chromium per session and worker (Playwright, Debian's chromium, the flags this machine's
closed network needs); ``server`` serves ``_build/html`` on a free port and yields its
base URL; ``pages`` opens each page of the book once per colour mode, for every test
that looks at it.
"""

import dataclasses
import fcntl
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import execute_notebooks as ex
import pytest
from book_pages import open_page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class BuiltBook:
    """Result of one ``jupyter-book build``: exit status, full log, HTML folder."""

    returncode: int
    log: str
    html: Path
    screenshots: Path
    book_before: list[str]  # what book/ held before the build


def build_book() -> BuiltBook:
    """Build the book from scratch (all pages, warnings as errors).

    The build makes the offline web assets itself (the local extension
    tools/sphinx_ext/book_assets.py; ``npm ci`` only when tools/web/node_modules is
    missing or stale), as a plain ``jupyter-book build .`` in a fresh clone does: the
    copies in ``_build/web-assets`` are removed first. The log is kept in
    ``_build/build.log``; screenshots from the browser tests go next to it.
    """
    build = ROOT / "_build"
    book_before = sorted(p.name for p in (ROOT / "book").iterdir())
    # Sphinx does not always replace static files that already exist, so start afresh
    # (cheap: the build never executes code).
    shutil.rmtree(build / "html", ignore_errors=True)
    shutil.rmtree(build / "web-assets", ignore_errors=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--all", "-W", "-n", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    log = result.stdout + result.stderr
    build.mkdir(exist_ok=True)
    (build / "build.log").write_text(log, encoding="utf-8")
    return BuiltBook(result.returncode, log, build / "html", build / "screenshots", book_before)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BuiltBook:
    """The book, built once per test session (see :func:`build_book`).

    pytest-xdist workers each run session fixtures, so under xdist the first worker to
    take a lock in the session's common temporary folder builds the book and leaves
    the result there; the others wait for the lock and read it.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build_book()
    shared = tmp_path_factory.getbasetemp().parent
    with open(shared / "built_book.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "built_book.json"
        if not done.is_file():
            done.write_text(json.dumps(dataclasses.asdict(build_book()), default=str))
        fields = json.loads(done.read_text())
    return BuiltBook(
        fields["returncode"],
        fields["log"],
        Path(fields["html"]),
        Path(fields["screenshots"]),
        fields["book_before"],
    )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``-n 2 --dist loadscope -m html tests/book`` (this conftest is then loaded by
    pytest-xdist's controller too), the tests of one page form one scope and run on one
    worker, which opens the page once (``pages``). Tests of no single page keep their
    module as scope. (The ``xdist_group`` mark would say this too, but with pytest 9.2
    it silently groups nothing: pytest-dev/pytest-xdist#1386.)
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    pages = sorted(ex.toc_files(ROOT), key=len, reverse=True)  # the longest match first

    class ByPage(LoadScopeScheduling):
        # The scope of a test, from its node id (as xdist's own group scheduler does).
        def _split_scope(self, nodeid: str) -> str:
            params = nodeid.partition("[")[2]
            for entry in pages:
                if params.startswith((f"{entry}]", f"{entry}-")):
                    return entry
            return super()._split_scope(nodeid)

    return ByPage(config, log)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def server(built_book):
    """Serve the built HTML book on 127.0.0.1 (a free port); yield its base URL."""
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book_build")
    handler = functools.partial(_QuietHandler, directory=str(built_book.html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium, driven by Playwright, for the whole session."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM} (install Debian's chromium or set CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def pages(browser, server, built_book):
    """``pages(entry, mode="light")``: the toc page ``entry`` opened in ``mode``, loaded
    once per session (with its screenshot) and closed at the end. Tests may interact
    with it but must leave it open."""
    opened = {}

    def get(entry, mode="light"):
        if (entry, mode) not in opened:
            opened[entry, mode] = open_page(browser, server, entry, built_book.screenshots, mode)
        return opened[entry, mode]

    yield get
    for loaded in opened.values():
        loaded.page.context.close()
