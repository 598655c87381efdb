"""Run the playground's JavaScript trainer under node, from Python.

The tests compare the page's trainer with nnkit this way (the same module the page
loads, ``js/trainer.mjs``, driven by ``js/cli.mjs``), and the playground's own checks can
use it where a browser is not at hand. Needs ``node`` on the PATH.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np

JS = Path(__file__).resolve().parent / "js"
CLI = JS / "cli.mjs"


def _plain(value):
    """JSON-ready copy: arrays as nested lists, numpy scalars as Python numbers."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _numbers(value):
    """The CLI writes NaN and infinities as strings; turn them back into floats."""
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def run_in_node(spec: dict, timeout: float = 120) -> dict:
    """Train with the page's trainer under node and return its result.

    ``spec`` is the trainer's spec (see ``js/trainer.mjs``: sizes, activation, loss,
    weights, biases, X, y, Xval, yval, optimizer, batchSize, seed) plus ``epochs``,
    optionally ``recordOrders`` (True: return the mini-batch orders drawn) and
    ``predict`` (points whose outputs to return). Arrays may be numpy arrays. A spec the
    trainer refuses raises ValueError with its message.
    """
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed to run the playground's trainer outside a browser")
    done = subprocess.run([node, str(CLI)], input=json.dumps(_plain(spec)), text=True,
                          capture_output=True, timeout=timeout, check=False)
    try:
        result = _numbers(json.loads(done.stdout))
    except json.JSONDecodeError:
        raise RuntimeError(f"the trainer under node failed: {done.stderr.strip()}") from None
    if "error" in result:
        raise ValueError(result["error"])
    return result


def relative_difference(a, b) -> float:
    """max |a - b| / max(|b|, 1e-300) over the entries: the measure of parity with nnkit."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return math.inf
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))
