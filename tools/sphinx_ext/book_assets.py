"""Sphinx extension: fetch and serve the offline book's web assets during the build.

Registered in ``_config.yml`` (``sphinx: local_extensions``), so a plain
``jupyter-book build .`` first runs ``scripts/vendor_assets.py`` (``npm ci`` from
``tools/web/package-lock.json`` when needed, then a copy into ``_build/web-assets``;
a no-op when nothing changed), adds that folder to ``html_static_path`` and links the
book's stylesheet ``book.css`` and accessibility script ``book.js`` from every page.
When the assets cannot be fetched the build stops with a message naming what to
install and the command to run again.
"""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

REPO_ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger(__name__)


def _vendor_assets_module():
    """scripts/vendor_assets.py, the one place that knows how the assets are made."""
    path = REPO_ROOT / "scripts" / "vendor_assets.py"
    spec = importlib.util.spec_from_file_location("vendor_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _vendor(app: Sphinx, config: Config) -> None:
    assets = _vendor_assets_module()
    try:
        summary = assets.vendor()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        raise ExtensionError(
            f"the book's offline web assets could not be prepared: {error}\n"
            "Fix that, then run `jupyter-book build .` again (or `scripts/build.sh`, "
            "which also installs npm)."
        ) from None
    logger.info(summary)
    static = str(assets.VENDOR)
    if static not in config.html_static_path:
        config.html_static_path.append(static)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _vendor)
    app.add_css_file("book.css")
    app.add_js_file("book.js")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
