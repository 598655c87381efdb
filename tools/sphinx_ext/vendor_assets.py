#!/usr/bin/env python
"""Fetch the book's pinned JavaScript assets from npm and copy them into _build/web-assets.

The built book must work offline, so the ipywidgets html-manager (with require.js and
its icon fonts), anywidget's front end (the AMD module the html-manager loads for the
playground's widget; ``widgets-setup.js`` points require.js at it) and MathJax 3 (with
its CHTML fonts and TeX extensions) are served from the book's own ``_static`` folder,
together with our own ``widgets-setup.js``, ``book.css`` and ``book.js`` from
``tools/web``. Versions are pinned by ``tools/web/package.json`` and its
``package-lock.json``; ``npm ci`` installs exactly the locked tree. Neither
``node_modules`` nor ``_build/web-assets`` is committed, and neither is inside ``book/``,
so a reader's JupyterLab file browser shows only the chapters there.

``jupyter-book build .`` runs this step itself: the Sphinx extension ``book_assets`` in
this folder imports this module (``_config.yml`` puts the folder on ``sys.path``). It
can also be run alone: ``python tools/sphinx_ext/vendor_assets.py``.

Idempotent: when the lockfile, this script and our own web files are unchanged since the
last copy (recorded in ``_build/web-assets/STAMP``), it does nothing. Prints one line
either way.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
WEB = REPO_ROOT / "tools" / "web"
MODULES = WEB / "node_modules"
VENDOR = REPO_ROOT / "_build" / "web-assets"
# Our own files, copied as they are: the widget bundle's set-up script, and the book's
# stylesheet and accessibility script (linked from every page).
OWN_FILES = (WEB / "widgets-setup.js", WEB / "book.css", WEB / "book.js")

# MathJax files the pages never load: the other combined bundles and the SVG output.
MATHJAX_UNUSED = {
    "es5/mml-chtml.js",
    "es5/mml-svg.js",
    "es5/tex-chtml.js",
    "es5/tex-chtml-full.js",
    "es5/tex-chtml-full-speech.js",
    "es5/tex-mml-svg.js",
    "es5/tex-svg.js",
    "es5/tex-svg-full.js",
    "es5/output/svg",
    "es5/output/svg.js",
}
FONT_SUFFIXES = {".woff2", ".woff", ".ttf", ".eot", ".svg"}


def _fingerprint() -> str:
    """Hash of everything that determines the contents of _build/web-assets."""
    digest = hashlib.sha256()
    for path in (WEB / "package-lock.json", *OWN_FILES, Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is needed once to fetch the book's pinned JavaScript assets "
            "(widgets, MathJax) from the npm registry. Install it (Debian/Ubuntu: "
            "sudo apt-get install npm) and build again, or run scripts/build.sh, "
            "which installs it"
        )
    subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=WEB,
        check=True,
    )


def _installed_lock_matches() -> bool:
    """True when node_modules was installed from the current lockfile."""
    stamp = MODULES / ".nnkit-lock-sha256"
    lock = hashlib.sha256((WEB / "package-lock.json").read_bytes()).hexdigest()
    return stamp.is_file() and stamp.read_text().strip() == lock


def _version(package: str) -> str:
    return json.loads((MODULES / package / "package.json").read_text())["version"]


def _copy_tree(source: Path, target: Path, skip: set[str], base: Path) -> None:
    for item in sorted(source.iterdir()):
        if item.relative_to(base).as_posix() in skip:
            continue
        if item.is_dir():
            _copy_tree(item, target / item.name, skip, base)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, target / item.name)


def vendor() -> str:
    """Make _build/web-assets match the lockfile and our web files; return a one-line summary."""
    fingerprint = _fingerprint()
    stamp = VENDOR / "STAMP"
    if stamp.is_file() and stamp.read_text().strip() == fingerprint:
        return f"web assets are up to date ({VENDOR.relative_to(REPO_ROOT)})"

    if not _installed_lock_matches():
        _npm_ci()
        lock = hashlib.sha256((WEB / "package-lock.json").read_bytes()).hexdigest()
        (MODULES / ".nnkit-lock-sha256").write_text(lock + "\n")

    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    (VENDOR / "requirejs").mkdir(parents=True)
    shutil.copy2(MODULES / "requirejs" / "require.js", VENDOR / "requirejs" / "require.js")

    manager = MODULES / "@jupyter-widgets" / "html-manager" / "dist"
    target = VENDOR / "html-manager"
    target.mkdir()
    shutil.copy2(manager / "embed-amd.js", target / "embed-amd.js")
    for font in manager.iterdir():
        if font.suffix in FONT_SUFFIXES:
            shutil.copy2(font, target / font.name)
    shutil.copy2(WEB / "widgets-setup.js", target / "setup.js")
    # anywidget's front end: one AMD module (its dependencies bundled in) that the
    # html-manager asks require.js for by the package name, "anywidget".
    anywidget = MODULES / "anywidget"
    (VENDOR / "anywidget").mkdir()
    shutil.copy2(anywidget / "dist" / "index.js", VENDOR / "anywidget" / "index.js")
    shutil.copy2(anywidget / "LICENSE", VENDOR / "anywidget" / "LICENSE")
    for name in ("book.css", "book.js"):
        shutil.copy2(WEB / name, VENDOR / name)

    mathjax = MODULES / "mathjax"
    _copy_tree(mathjax / "es5", VENDOR / "mathjax", MATHJAX_UNUSED, mathjax)
    shutil.copy2(mathjax / "LICENSE", VENDOR / "mathjax" / "LICENSE")

    versions = [
        f"{name} {_version(name)}"
        for name in ("@jupyter-widgets/html-manager", "anywidget", "mathjax", "requirejs")
    ]
    (VENDOR / "VERSIONS.txt").write_text(
        "Copied from npm by tools/sphinx_ext/vendor_assets.py; do not edit or commit.\n"
        + "\n".join(versions)
        + "\n"
    )
    stamp.write_text(fingerprint + "\n")
    return f"web assets refreshed in {VENDOR.relative_to(REPO_ROOT)}: " + ", ".join(versions)


def main() -> int:
    try:
        print(vendor())
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"vendor_assets: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
