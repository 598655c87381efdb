"""Repository-wide pytest set-up.

* nbval starts one kernel per notebook, and those kernels inherit this process's
  environment. Setting the same variables that ``scripts/execute_notebooks.py`` uses
  when it stores the outputs makes ``pytest --nbval book/...`` reproduce them, however
  pytest is invoked (through scripts/test.sh or by hand). BLAS thread counts set by
  the caller are kept, so ``OPENBLAS_NUM_THREADS=2 pytest --nbval ...`` checks that the
  outputs do not depend on the thread count.
* ``built_book`` builds the HTML book once per test session for the build and browser
  tests.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def _load_script(name):
    """Load scripts/<name>.py and register it as the module ``name``.

    Test modules then write ``import execute_notebooks``; importing it ``from conftest``
    would be ambiguous, since tests/course has a conftest.py of its own.
    """
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


execute_notebooks = _load_script("execute_notebooks")


# Mutant-bank counts (tests/course/mutant_bank.py) handed over by pytest-xdist workers.
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


# Thread counts already set by the caller are kept: scripts/test.sh runs nbval once more
# with two BLAS threads to prove the stored outputs do not depend on the thread count.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pytest_configure(config):
    for name, value in execute_notebooks.KERNEL_ENV.items():
        if name in BLAS_THREAD_VARIABLES:
            os.environ.setdefault(name, value)
        else:
            os.environ[name] = value


@dataclass
class BuiltBook:
    """Result of one ``jupyter-book build``: exit status, full log, HTML folder."""

    returncode: int
    log: str
    html: Path
    screenshots: Path


@pytest.fixture(scope="session")
def built_book() -> BuiltBook:
    """Build the book from scratch (all pages, warnings as errors) once per session.

    The build fetches the web assets itself (the local extension
    tools/sphinx_ext/book_assets.py; a no-op when up to date). The log is kept in
    ``_build/build.log``; screenshots from the browser tests go next to it.
    """
    build = ROOT / "_build"
    # Sphinx does not always replace static files that already exist, so start afresh
    # (cheap: the build never executes code).
    shutil.rmtree(build / "html", ignore_errors=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--all", "-W", "-n", "--keep-going"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    log = result.stdout + result.stderr
    build.mkdir(exist_ok=True)
    (build / "build.log").write_text(log, encoding="utf-8")
    return BuiltBook(result.returncode, log, build / "html", build / "screenshots")
