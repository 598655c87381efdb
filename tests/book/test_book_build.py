"""The book builds with warnings as errors, has a page per toc entry, and is offline-ready.

The one build of the session (``built_book``) starts without the copied web assets, so
it proves that ``jupyter-book build .`` makes them itself (in a fresh clone, where
``tools/web/node_modules`` is missing too, it also runs ``npm ci``: scripts/test.sh on
CI does exactly that). The build writes nothing into ``book/``, and without npm it
stops with a message saying what to do.
"""

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import execute_notebooks as ex
import pytest

# Builds the whole book once per session (skip with -m 'not slow').
pytestmark = [pytest.mark.slow, pytest.mark.html]

ROOT = Path(__file__).resolve().parents[2]
TOC_FILES = ex.toc_files(ROOT)
SPECIAL_PAGES = {"index.html", "genindex.html", "search.html"}
REPOSITORY = "nnkit-course/nnkit-course"


class _Resources(HTMLParser):
    """Collects the URLs a page loads (scripts, stylesheets, images, frames, fonts)."""

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "embed"} and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            rel = (attrs.get("rel") or "").split()
            if {"stylesheet", "preload", "modulepreload", "icon"} & set(rel):
                self.loads.append(attrs["href"])


def page_for(entry: str, html: Path) -> Path:
    return html / (re.sub(r"\.(ipynb|md)$", "", entry) + ".html")


def test_build_succeeds_without_warnings(built_book):
    assert built_book.returncode == 0, built_book.log[-4000:]
    warnings = [line for line in built_book.log.splitlines() if "WARNING" in line]
    assert not warnings, "\n".join(warnings[:20])
    assert "build succeeded" in built_book.log


@pytest.mark.parametrize("entry", TOC_FILES)
def test_every_toc_entry_has_a_page(built_book, entry):
    page = page_for(entry, built_book.html)
    assert page.is_file(), f"{entry} in _toc.yml has no page {page}"
    text = page.read_text(encoding="utf-8")
    assert re.search(r"<h1>.+?</h1>", text, flags=re.S), f"{page.name} has no title"


def test_only_toc_pages_are_built(built_book):
    expected = {page_for(e, built_book.html) for e in TOC_FILES}
    built = set()
    for page in built_book.html.rglob("*.html"):
        inside = page.relative_to(built_book.html).parts
        if inside[0] in {"_static", "_sources"} or (
            len(inside) == 1 and page.name in SPECIAL_PAGES
        ):
            continue
        built.add(page)
    assert built == expected, f"unexpected pages: {sorted(map(str, built - expected))}"


def test_pages_load_nothing_from_other_hosts(built_book):
    for page in built_book.html.rglob("*.html"):
        if "_static" in page.parts:
            continue
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        remote = [u for u in parser.loads if re.match(r"^(https?:)?//", u)]
        assert not remote, f"{page.relative_to(built_book.html)} loads {remote}"


def test_vendored_web_assets_are_in_the_book(built_book):
    static = built_book.html / "_static"
    for needed in (
        "mathjax/tex-mml-chtml.js",
        "requirejs/require.js",
        "html-manager/embed-amd.js",
        "html-manager/setup.js",
        "book.css",
        "book.js",
    ):
        assert (static / needed).is_file(), f"missing _static/{needed}"
    assert list((static / "mathjax/output/chtml/fonts/woff-v2").glob("*.woff"))
    assert list((static / "html-manager").glob("*.woff2")), "widget icon fonts missing"


@pytest.mark.parametrize("entry", TOC_FILES[1:])
def test_chapter_pages_have_launch_and_download_buttons(built_book, entry):
    text = page_for(entry, built_book.html).read_text(encoding="utf-8")
    notebook = f"{entry}.ipynb"
    assert f"mybinder.org/v2/gh/{REPOSITORY}/main?urlpath=lab/tree/{notebook}" in text
    assert f"colab.research.google.com/github/{REPOSITORY}/blob/main/{notebook}" in text
    assert "initThebeSBT()" in text, "no Live Code (Thebe) button"
    assert f"_sources/{notebook}" in text, "no download link for the notebook"


@pytest.mark.parametrize("entry", TOC_FILES[1:])
def test_widget_manager_only_where_widgets_are(built_book, entry):
    """Pages with saved widget state load the html-manager after require.js; others not."""
    notebook = ROOT / f"{entry}.ipynb"
    if not notebook.is_file():
        pytest.fail(f"{notebook} is missing")
    text = page_for(entry, built_book.html).read_text(encoding="utf-8")
    has_state = '"application/vnd.jupyter.widget-state+json"' in notebook.read_text()
    scripts = re.findall(r'<script[^>]*src="[^"]*_static/([^"?]+)', text)
    if has_state:
        order = [s for s in scripts if s.startswith(("requirejs/", "html-manager/"))]
        assert order == [
            "requirejs/require.js",
            "html-manager/setup.js",
            "html-manager/embed-amd.js",
        ]
        assert 'type="application/vnd.jupyter.widget-state+json"' in text
    else:
        assert not any(s.startswith("html-manager/") for s in scripts)


def test_web_assets_are_pinned_by_the_lockfile():
    """package.json names exact versions, and the committed lockfile resolves to them."""
    import json

    web = ROOT / "tools" / "web"
    wanted = json.loads((web / "package.json").read_text())["dependencies"]
    lock = json.loads((web / "package-lock.json").read_text())["packages"]
    for name, version in wanted.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version!r}"
        locked = lock[f"node_modules/{name}"]
        assert locked["version"] == version, f"lockfile has {name} {locked['version']}"
        assert locked.get("integrity", "").startswith("sha512-"), f"{name} has no integrity hash"


def test_every_page_links_the_book_stylesheet_and_script(built_book):
    for page in built_book.html.rglob("*.html"):
        if "_static" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        if "<body" not in text:
            continue  # index.html: a redirect to the first page
        assert re.search(r'<link[^>]+href="[^"]*_static/book\.css', text), page.name
        assert re.search(r'<script[^>]+src="[^"]*_static/book\.js', text), page.name


def test_no_build_output_or_asset_inside_the_book_folder(built_book):
    """A reader's JupyterLab file browser shows book/ beside the chapters: keep it clean."""
    assert built_book.returncode == 0, built_book.log[-2000:]
    assert sorted(p.name for p in (ROOT / "book").iterdir()) == built_book.book_before
    # (Dot-folders such as .ipynb_checkpoints are hidden there.)
    generated = [p.name for p in (ROOT / "book").iterdir() if p.name.startswith("_")]
    assert not generated, generated


def _fresh_copy(target: Path) -> Path:
    """Copy the files git knows (tracked or new, not ignored) into ``target``, as a clone has."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _plain_build(copy: Path, path_env: str) -> subprocess.CompletedProcess:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return subprocess.run(
        [str(jupyter_book), "build", "."],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path_env, "NO_COLOR": "1"},
        timeout=900,
    )


def test_plain_build_without_npm_says_what_to_do(tmp_path):
    copy = _fresh_copy(tmp_path)
    # Only the virtual environment's programs: no npm, no node.
    result = _plain_build(copy, str(Path(sys.executable).parent))
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "npm is needed" in log and "jupyter-book build ." in log, log[-2000:]
    assert not (copy / "_build" / "html" / "index.html").exists()


class _Images(HTMLParser):
    """The ``alt`` of every image in a page's content (the notebooks' figures)."""

    def __init__(self):
        super().__init__()
        self.alts: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and "_images/" in (attrs.get("src") or ""):
            self.alts.append((attrs["src"], attrs.get("alt") or ""))


@pytest.mark.parametrize("entry", TOC_FILES[1:])
def test_notebook_figures_have_alt_text_saying_what_they_show(built_book, entry):
    parser = _Images()
    parser.feed(page_for(entry, built_book.html).read_text(encoding="utf-8"))
    for src, alt in parser.alts:
        assert alt.startswith("Figure:") and len(alt) > len("Figure: ."), (
            f"{entry}: image {src} has alt {alt!r}, not a description"
        )
