"""Repository-wide pytest set-up: loaded by every pytest run, so it needs pytest alone.

* With ``--nbval`` (on ``book/*.ipynb``, which lies outside ``tests/``, so this is the
  one conftest those runs load), the notebook kernels get the environment that
  ``scripts/execute_notebooks.py`` stored the outputs with: nbval starts one kernel per
  notebook, and kernels inherit this process's environment. BLAS thread counts and a
  hash seed set by the caller are kept, so ``OPENBLAS_NUM_THREADS=2 PYTHONHASHSEED=1
  pytest --nbval ...`` checks that the outputs depend neither on the thread count nor
  on the order of sets of strings.
* After the run, the exercise mutant banks (``tests/course/mutant_bank.py``) are
  summed up, also over pytest-xdist workers.

Everything the book tests share (the built book, the browser) is in
``tests/book/conftest.py``.
"""

import os
import sys

import pytest

# Thread counts and a hash seed already set by the caller are kept: the portability runs
# of scripts/test.sh run nbval with other values, to prove the stored outputs do not
# depend on them (tests/book/test_nbval_harness.py checks that they reach the kernels).
CALLER_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "PYTHONHASHSEED")


def pytest_configure(config):
    if not (config.getoption("nbval", False) or config.getoption("nbval_lax", False)):
        return
    # Only nbval runs need it; nbval itself brings nbformat, which the script imports.
    from execute_notebooks import KERNEL_ENV

    for name, value in KERNEL_ENV.items():
        if name in CALLER_VARIABLES:
            os.environ.setdefault(name, value)
        else:
            os.environ[name] = value


# Mutant-bank counts handed over by pytest-xdist workers (tests/course/conftest.py).
WORKER_MUTANT_BANKS: dict[str, dict[str, int]] = {}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """Add up a finished xdist worker's mutant-bank counts."""
    for title, stats in getattr(node, "workeroutput", {}).get("mutant_banks", {}).items():
        total = WORKER_MUTANT_BANKS.setdefault(title, {"mutants": 0, "rejected": 0})
        for key, count in stats.items():
            total[key] += count


def pytest_terminal_summary(terminalreporter):
    """After the run: how many mutants of each exercise's reference were rejected as stated."""
    # Under xdist the controller may import mutant_bank too (conftest files beside the
    # command-line paths), but only the workers fill it.
    bank = sys.modules.get("mutant_bank")
    results = WORKER_MUTANT_BANKS or (bank.RESULTS if bank is not None else {})
    if not results:
        return
    terminalreporter.section("exercise mutant banks")
    for title, stats in sorted(results.items()):
        terminalreporter.write_line(
            f"{stats['rejected']:3d} of {stats['mutants']:3d} mutants rejected as stated  {title}"
        )
