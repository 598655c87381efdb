#!/usr/bin/env bash
# Install what the book needs into a virtual environment and build the HTML book.
#
#   scripts/build.sh
#
# The same as `jupyter-book build .` after `pip install -r requirements.txt`, plus
# installing Python packages and npm when missing. Safe to run again: the environment
# and the downloaded web assets are reused when nothing changed. The build uses the
# outputs stored in the notebooks (it runs no code) and treats every Sphinx warning as
# an error.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
cd "$ROOT"

ensure_venv
install_requirements requirements.txt
# The build fetches the pinned web assets itself (tools/sphinx_ext/book_assets.py);
# it needs npm for that the first time.
ensure_npm

say "building the book"
# Sphinx does not always replace static files that already exist: start afresh (cheap).
rm -rf _build/html
"$VENV/bin/jupyter-book" build . -W -n --keep-going

printf '\nThe book is built. Open it in a browser:\n    file://%s/_build/html/index.html\n' "$ROOT"
