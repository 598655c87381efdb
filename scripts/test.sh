#!/usr/bin/env bash
# Run the tests, installing what they need first.
#
#   scripts/test.sh                                  # everything (what CI runs)
#   scripts/test.sh book/03_initialization.ipynb …   # after changing these chapters
#   scripts/test.sh book/playground.ipynb            # after changing the playground
#
# Everything: lint (ruff); the playground's JavaScript unit tests (node --test
# tests/playground); the unit tests (tests/, also the stored notebooks, the
# notebook script and the nbval harness); strict nbval on every chapter as stored (one
# BLAS thread); the two portability runs, strict nbval again with nnkit's arithmetic
# perturbed by 1e-12 in two patterns (run A also with two BLAS threads); the mutation
# test (nbval must fail when nnkit changes by 1 %); the book build with every test of
# the built HTML book (headless Chromium, light and dark, axe-core, the questions;
# Debian's chromium is installed with apt-get when missing); and a chapter run in
# JupyterLab. Each kind of test is chosen by its pytest marker (pyproject.toml).
#
# With notebooks: lint, the quick tests of the network, of those chapters' apparatus
# and of the shared apparatus, the quick checks of the stored notebooks, and strict
# nbval and both portability runs on those chapters only (book/playground.ipynb: with
# tests/course/playground and the JavaScript unit tests).
#
# Every step runs even if an earlier one failed; the script exits non-zero if any
# failed. pytest's "no tests collected" (exit status 5) counts as a failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"

# Notebook arguments, resolved before changing directory: book/NN_name.ipynb, where NN
# is the chapter's number (nnkit/course/chN_*/, tests/course/chN_*/).
notebooks=()
chapters=()
for arg in "$@"; do
  path="$(realpath -e -- "$arg" 2>/dev/null)" || die "no such file: $arg"
  name="$(basename "$path")"
  if [ "$(dirname "$path")" = "$ROOT/book" ] && [ "$name" = playground.ipynb ]; then
    # The playground page: its apparatus and tests are nnkit/course/playground/ and
    # tests/course/playground/ (with the trainer's node tests in tests/playground/).
    notebooks+=("book/$name")
    chapters+=(playground)
    continue
  fi
  if [ "$(dirname "$path")" != "$ROOT/book" ] || ! [[ "$name" =~ ^([0-9]+)_.+\.ipynb$ ]]; then
    die "not a chapter notebook (book/NN_name.ipynb or book/playground.ipynb): $arg"
  fi
  notebooks+=("book/$name")
  chapters+=("$((10#${BASH_REMATCH[1]}))")
done
cd "$ROOT"

ensure_venv
install_requirements requirements-dev.txt
if [[ " ${chapters[*]-} " == *" playground "* ]]; then
  ensure_npm  # node (with npm) runs the playground's trainer in its tests
fi
if [ "${#notebooks[@]}" -eq 0 ]; then
  # The book build fetches the pinned web assets with npm; the HTML and JupyterLab
  # tests drive Chromium.
  ensure_npm
  CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$CHROMIUM" ]; then
    apt_install chromium
  fi
  export CHROMIUM
fi

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

pytest=("$VENV/bin/python" -m pytest)
# Two pytest-xdist workers; --dist loadscope keeps each module's tests (a notebook's
# cells, for nbval) in order on one worker.
parallel=(-n 2 --dist loadscope)
nbval=(--nbval --nbval-current-env --nbval-sanitize-with tests/book/nbval_sanitize.cfg
  --nbval-cell-timeout=300)
# The stored outputs must not depend on the machine: the two portability runs compare
# them with nnkit's arithmetic changed by a relative 1e-12
# (tests/book/perturb/sitecustomize.py, loaded by every kernel through PYTHONPATH, so the
# kernels also start with a sitecustomize on the path) and under other hash seeds than
# the stored run's 0 (set and dict order of strings), in two different patterns:
#   A  the sine form, seed 0, with two BLAS threads (another summation order in matrix
#      products), hash seed 1;
#   B  the sign form, seed 1 (signs from a hash of each value's bits, another pattern
#      than A's smooth sine), with one BLAS thread, hash seed 2.
# Two BLAS threads in each of the two workers oversubscribe the two cores (OpenBLAS
# threads spin while they wait), so only A pays for them; B keeps one thread per worker.
# Both set every variable, so none leaks in from the caller.
# tests/book/test_nbval_harness.py proves that each run's threads, hash seed and pattern
# reach the kernels.
perturb_path="$ROOT/tests/book/perturb${PYTHONPATH:+:$PYTHONPATH}"
portable_a=(env OPENBLAS_NUM_THREADS=2 PYTHONHASHSEED=1 NNKIT_PERTURB_FORM=sine
  NNKIT_PERTURB_SEED=0 PYTHONPATH="$perturb_path")
portable_b=(env OPENBLAS_NUM_THREADS=1 PYTHONHASHSEED=2 NNKIT_PERTURB_FORM=sign
  NNKIT_PERTURB_SEED=1 PYTHONPATH="$perturb_path")

step "lint" "$VENV/bin/ruff" check .
# The playground's trainer in JavaScript (nnkit/course/playground/js): node's test runner.
if [ "${#notebooks[@]}" -eq 0 ] || [[ " ${chapters[*]-} " == *" playground "* ]]; then
  if command -v node >/dev/null; then
    step "JavaScript unit tests" node --test tests/playground/
  else
    echo "FAILED: node is needed for the playground's JavaScript unit tests"
    failed+=("JavaScript unit tests (no node)")
  fi
fi

if [ "${#notebooks[@]}" -gt 0 ]; then
  # The chapters' own apparatus tests, where tests/course mirrors nnkit/course by
  # chapter (tests/course/chN_*/) with the shared apparatus' tests beside them;
  # otherwise all of tests/course.
  course=()
  for n in "${chapters[@]}"; do
    if [ "$n" = playground ]; then
      course+=(tests/course/playground)
      continue
    fi
    found=(tests/course/ch"$n"_*/)
    if [ ! -d "${found[0]}" ]; then
      course=(tests/course)
      break
    fi
    course+=("${found[@]}")
  done
  shared=(tests/course/test_*.py)
  if [ "${course[0]}" != tests/course ] && [ -e "${shared[0]}" ]; then
    course+=("${shared[@]}")
  fi
  step "quick tests" "${pytest[@]}" "${parallel[@]}" -m "not slow" \
    tests/network "${course[@]}" tests/book
  targets=("${notebooks[@]}")
else
  step "unit tests" "${pytest[@]}" "${parallel[@]}" -m "not (html or jupyterlab or mutation)" tests
  targets=(book/*.ipynb)
fi

# Strict nbval as stored, then the two portability runs, on the same notebooks. One
# notebook runs on one worker: xdist only pays with several.
nbval_workers=("${parallel[@]}")
if [ "${#targets[@]}" -eq 1 ]; then nbval_workers=(); fi
step "nbval" "${pytest[@]}" "${nbval_workers[@]}" "${nbval[@]}" "${targets[@]}"
step "nbval, portability run A (sine, two BLAS threads)" "${portable_a[@]}" \
  "${pytest[@]}" "${nbval_workers[@]}" "${nbval[@]}" "${targets[@]}"
step "nbval, portability run B (sign, seed 1)" "${portable_b[@]}" \
  "${pytest[@]}" "${nbval_workers[@]}" "${nbval[@]}" "${targets[@]}"

if [ "${#notebooks[@]}" -eq 0 ]; then
  step "mutation test" "${pytest[@]}" -n 2 -m mutation tests
  # One book build for all of them, also with two workers; given tests/book, its
  # conftest.py keeps the tests of each page on one worker.
  step "book build and HTML tests" "${pytest[@]}" "${parallel[@]}" -m html tests/book
  step "a chapter in JupyterLab" "${pytest[@]}" -m jupyterlab tests
fi

echo
echo "total: $((SECONDS - started)) s"
if [ "${#notebooks[@]}" -eq 0 ]; then
  echo "screenshots in _build/screenshots/"
fi
if [ "${#failed[@]}" -ne 0 ]; then
  printf 'FAILED steps:\n'
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
echo "all tests passed"
