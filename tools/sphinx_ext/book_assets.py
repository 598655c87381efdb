"""Sphinx extension: fetch and serve the offline book's web assets during the build.

Registered in ``_config.yml`` (``sphinx: local_extensions``, which also puts this folder
on ``sys.path``), so a plain ``jupyter-book build .`` first runs the asset step of
``vendor_assets.py`` beside it (``npm ci`` from ``tools/web/package-lock.json`` when
needed, then a copy into ``_build/web-assets``; a no-op when nothing changed), adds
that folder to ``html_static_path`` and links the book's stylesheet ``book.css`` and
accessibility script ``book.js`` from every page. When the assets cannot be fetched the
build stops with a message naming what to install and the command to run again.

It also gives the notebooks' figures their alt text: myst-nb takes only the width and
height from an image output's metadata, so the ``alt`` that ``nnkit.course.style.show``
stores there is copied onto the image here (myst-nb names each image file by the
SHA-256 of its bytes, which is how an image is matched to its output).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import vendor_assets
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _vendor(app: Sphinx, config: Config) -> None:
    try:
        summary = vendor_assets.vendor()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        raise ExtensionError(
            f"the book's offline web assets could not be prepared: {error}\n"
            "Fix that, then run `jupyter-book build .` again (or `scripts/build.sh`, "
            "which also installs npm)."
        ) from None
    logger.info(summary)
    static = str(vendor_assets.VENDOR)
    if static not in config.html_static_path:
        config.html_static_path.append(static)


def _output_alts(notebook: Path) -> dict[str, str]:
    """SHA-256 of each PNG output of ``notebook`` that has alt text -> that alt text."""
    alts = {}
    for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            if isinstance(png, str) and isinstance(alt, str) and alt.strip():
                alts[hashlib.sha256(base64.b64decode(png)).hexdigest()] = alt
    return alts


def _figure_alt(app: Sphinx, doctree: nodes.document) -> None:
    source = Path(app.env.doc2path(app.env.docname))
    if source.suffix != ".ipynb":
        return
    alts = _output_alts(source)
    for image in doctree.findall(nodes.image):
        alt = alts.get(Path(image["uri"]).stem)
        if alt:
            image["alt"] = alt


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _vendor)
    app.connect("doctree-read", _figure_alt)
    app.add_css_file("book.css")
    app.add_js_file("book.js")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
