"""What the browser tests share: headless Chromium, and the built book served on localhost.

``browser`` is one Chromium for the whole session (Playwright, Debian's chromium, the
flags this machine's closed network needs); ``server`` serves ``_build/html`` on a free
port and yields its base URL. Used by test_browser.py, test_quiz_browser.py and
test_jupyterlab.py.
"""

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

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
