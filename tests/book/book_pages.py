"""Opening a page of the built book in headless Chromium, as the browser tests do.

Used by the ``pages`` fixture (tests/book/conftest.py) and by the test that opens the
pages from disk.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path


def page_url(entry: str) -> str:
    """The built page of a toc entry, relative to the book's root."""
    return re.sub(r"\.(ipynb|md)$", "", entry) + ".html"


@dataclass
class LoadedPage:
    """A page opened in the browser, with everything it tried to do while loading."""

    page: object
    name: str
    blocked: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def open_page(browser, server, entry, shots: Path | None, mode: str = "light") -> LoadedPage:
    """Open one page with ``server`` (an http:// or file:// URL) as the only allowed origin.

    ``mode`` is the reader's colour preference ("light" or "dark"). Waits for the theme,
    MathJax, the fonts and every saved widget; saves a screenshot into ``shots`` unless
    it is None: of the whole page in light mode (``<page>.png``), of its top in dark mode
    (``<page>-dark.png``, a sample: the tests check every dark page).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=mode)
    # Generous: the machine running the suite may be busy with other work.
    context.set_default_timeout(60_000)
    page = context.new_page()
    loaded = LoadedPage(page, Path(entry).name)

    def route(request_route):
        url = request_route.request.url
        if url.startswith(server) or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            loaded.blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and loaded.errors.append(m.text))
    page.on("pageerror", lambda e: loaded.errors.append(str(e)))
    page.goto(server + page_url(entry), wait_until="load")
    # No wait for "network idle": every widget frame is a data: URL "request", so on a
    # busy machine a page may take minutes to count as idle. What the tests need is
    # waited for below; a request to another host is recorded whenever it happens.
    # The theme resolves "auto" to the reader's preference in a deferred script.
    page.wait_for_function(f"() => document.documentElement.dataset.theme === '{mode}'")
    # MathJax (a deferred script, so present by now) typesets asynchronously; its
    # startup promise resolves once the first typesetting pass is done.
    page.evaluate(
        "async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }"
    )
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if views:
        page.wait_for_function(
            f"() => document.querySelectorAll('.widget-subarea').length >= {views}",
            timeout=60_000,
        )
        page.wait_for_timeout(500)
    page.evaluate("async () => { await document.fonts.ready; }")
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        suffix = "" if mode == "light" else f"-{mode}"
        page.screenshot(path=str(shots / f"{loaded.name}{suffix}.png"), full_page=mode == "light")
    return loaded

