#!/usr/bin/env bash
# Run the whole test suite, installing what it needs first.
#
#   scripts/test.sh
#
# Steps: lint (ruff), unit tests (tests/, incl. the notebook checks and the mutation
# test), nbval on every chapter (strict: every stored output must be reproduced), again
# with two BLAS threads and again with nnkit perturbed by 1e-12 (portable outputs), and
# the book build with the browser tests (headless Chromium on the built HTML, light and
# dark, with axe-core; Debian's chromium is installed with apt-get when missing), and
# every chapter run top to bottom in JupyterLab in the same browser. Every step runs even if an earlier
# one failed; the script exits non-zero if any failed. pytest's "no tests collected"
# (exit status 5) counts as a failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"
cd "$ROOT"

ensure_venv
install_requirements requirements-dev.txt
vendor_web_assets
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  apt_install chromium
fi
export CHROMIUM

# The networks here are small: BLAS threads only fight each other (and the notebook
# kernels) over the two cores, multiplying CPU time, so use one thread everywhere.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

failed=()
started=$SECONDS

# step NAME COMMAND...: run one step, time it, and remember a failure.
step() {
  local name="$1"
  shift
  say "$name"
  local begin=$SECONDS status=0
  "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "FAILED: $name collected no tests (pytest exit status 5)"
    failed+=("$name (no tests)")
  elif [ "$status" -ne 0 ]; then
    echo "FAILED: $name (exit status $status)"
    failed+=("$name")
  fi
  echo "($name: $((SECONDS - begin)) s)"
}

pytest=("$VENV/bin/python" -m pytest -p no:cacheprovider)

step "lint" "$VENV/bin/ruff" check .
# Two pytest-xdist workers for the suites whose tests are independent; --dist loadscope
# keeps each notebook's cells in order on one worker (nbval's README).
parallel=(-n 2 --dist loadscope)
step "unit tests" "${pytest[@]}" "${parallel[@]}" tests \
  --ignore=tests/book/test_book_build.py --ignore=tests/book/test_browser.py \
  --ignore=tests/book/test_quiz_browser.py --ignore=tests/book/test_jupyterlab.py
nbval=("${pytest[@]}" --nbval --nbval-current-env
  --nbval-sanitize-with tests/book/nbval_sanitize.cfg --nbval-cell-timeout=300
  --ignore=_build book/*.ipynb)
step "nbval on every chapter" "${nbval[@]}" "${parallel[@]}"
# The stored outputs must not depend on the machine: the same comparison with two BLAS
# threads (another summation order in matrix products), and with nnkit's arithmetic
# changed by a relative 1e-12 (tests/book/perturb/sitecustomize.py, loaded by every
# kernel through PYTHONPATH). tests/book/test_nbval_harness.py proves both really apply.
step "nbval with two BLAS threads" env OPENBLAS_NUM_THREADS=2 "${nbval[@]}"
step "nbval with nnkit perturbed by 1e-12" \
  env PYTHONPATH="$ROOT/tests/book/perturb${PYTHONPATH:+:$PYTHONPATH}" "${nbval[@]}" "${parallel[@]}"
step "book build and browser tests" "${pytest[@]}" tests/book/test_book_build.py \
  tests/book/test_browser.py tests/book/test_quiz_browser.py
step "chapters run in JupyterLab" "${pytest[@]}" tests/book/test_jupyterlab.py

echo
echo "total: $((SECONDS - started)) s; screenshots in _build/screenshots/"
if [ "${#failed[@]}" -ne 0 ]; then
  printf 'FAILED steps:\n'
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
echo "all tests passed"
