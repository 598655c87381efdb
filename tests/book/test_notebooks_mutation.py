"""Mutation test: nbval must notice when nnkit's numbers change.

nbval does not compare figures or widgets, so the chapters print their key numbers.
This test proves the comparison bites: it copies nnkit and a chapter into a temporary
folder, changes nnkit slightly (as a careless edit might), and runs the same nbval
command as the test suite on the copy. It must fail with output mismatches, not with
errors, and every mutation must also leave the notebook's code runnable.

Each mutation runs only on the chapters it is meant to prove something about (CASES):
one run per claim, since each run executes a whole chapter. scripts/test.sh runs this
module as a step of its own (marker ``mutation``).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Runs strict nbval on mutated copies of a chapter: a minute (skip with -m 'not slow').
pytestmark = [pytest.mark.slow, pytest.mark.mutation]

ROOT = Path(__file__).resolve().parents[2]

def _longer_step(optimiser: str) -> str:
    """Every ``optimiser`` step is 1 % longer than asked for (its learning rate, for the
    duration of the step)."""
    return f"""
from nnkit.optim import {optimiser} as _Optimiser

_exact_step = _Optimiser.step


def _longer_step(self):
    self.lr *= 1.01
    try:
        _exact_step(self)
    finally:
        self.lr /= 1.01


_Optimiser.step = _longer_step
"""


# Appended to a copy of nnkit/__init__.py. Each one patches a public class (one that
# nnkit/__init__.py exports) through its public methods, so the test does not depend on
# how a module is written inside.
MUTATIONS = {
    "sgd-step-1pct": _longer_step("SGD"),
    "adam-step-1pct": _longer_step("Adam"),  # chapter 9's own optimiser
    # the sigmoid layer's output is squashed 0.5 % towards one half
    "sigmoid-0.5pct": """
from nnkit.activations import Sigmoid as _Sigmoid

_exact_forward = _Sigmoid.forward


def _squashed_forward(self, z):
    return 0.5 + 0.995 * (_exact_forward(self, z) - 0.5)


_Sigmoid.forward = _squashed_forward
_Sigmoid.__call__ = _squashed_forward
""",
    # every Dense layer's output is 1 % larger
    "dense-forward-1pct": """
from nnkit.layers import Dense as _Dense

_exact_dense_forward = _Dense.forward


def _larger_forward(self, X):
    return 1.01 * _exact_dense_forward(self, X)


_Dense.forward = _larger_forward
""",
}

# (mutation, chapter): this change of nnkit must show in this chapter's printed numbers.
# Chapters 7 and 8 print mostly verdicts and rounded numbers, so they are checked on
# their own. (The longer step was also run on chapter 4; chapters 7 and 8 already prove
# that nbval notices it, so that run went.)
CASES = [
    ("sigmoid-0.5pct", "05_chain_rule"),
    ("dense-forward-1pct", "03_initialization"),
    ("sgd-step-1pct", "07_vectorisation"),
    ("sgd-step-1pct", "08_generalisation"),
    ("adam-step-1pct", "09_optimisers"),
]


def copy_project(target: Path, chapter: str) -> Path:
    """Copy what nbval needs to run one chapter; return the copied notebook."""
    shutil.copytree(ROOT / "nnkit", target / "nnkit", ignore=shutil.ignore_patterns("__pycache__"))
    (target / "book").mkdir()
    (target / "tests").mkdir()
    notebook = target / "book" / f"{chapter}.ipynb"
    shutil.copy2(ROOT / "book" / f"{chapter}.ipynb", notebook)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, target / name)
    (target / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "execute_notebooks.py", target / "scripts")
    (target / "tests" / "book").mkdir()
    shutil.copy2(ROOT / "tests" / "book" / "nbval_sanitize.cfg", target / "tests" / "book")
    return notebook


def run_nbval(root: Path, notebook: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH puts the copied nnkit ahead of the editable install in the kernel too.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-sanitize-with",
            str(root / "tests" / "book" / "nbval_sanitize.cfg"),
            "--nbval-current-env",
            "--nbval-cell-timeout=120",
            "-q",
            "-p",
            "no:cacheprovider",
            str(notebook),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize(("mutation", "chapter"), CASES, ids=[f"{m}-{c}" for m, c in CASES])
def test_nbval_fails_when_nnkit_changes(tmp_path, mutation, chapter):
    if not (ROOT / "book" / f"{chapter}.ipynb").is_file():
        pytest.fail(f"book/{chapter}.ipynb is missing; the mutation test needs it")
    notebook = copy_project(tmp_path, chapter)
    with open(tmp_path / "nnkit" / "__init__.py", "a", encoding="utf-8") as init:
        init.write("\n" + MUTATIONS[mutation])

    result = run_nbval(tmp_path, notebook)
    report = result.stdout + result.stderr

    assert result.returncode == 1, (
        f"nbval did not fail (exit {result.returncode}):\n{report[-3000:]}"
    )
    failed = re.search(r"(\d+) failed", report)
    assert failed and int(failed.group(1)) >= 1, report[-3000:]
    # Failures must be changed numbers, not a chapter that no longer runs.
    assert "Cell outputs differ" in report, report[-3000:]
    assert "Cell execution caused an exception" not in report, report[-3000:]
