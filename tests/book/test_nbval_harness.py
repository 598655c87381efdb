"""The portability run of scripts/test.sh really changes what the kernels compute.

scripts/test.sh runs strict nbval three times: as stored (one BLAS thread), and in two
portability runs with nnkit's arithmetic perturbed by a relative 1e-12
(tests/book/perturb/sitecustomize.py, put on the kernels' PYTHONPATH) in two patterns:
run A in the sine form with two BLAS threads, run B in the sign form with seed 1, each
under its own hash seed; all with two pytest-xdist workers. Passing runs prove nothing
unless the kernels really ran that way; these tests show they do (taking each run's
variables from scripts/test.sh itself), and that nbval notices a change of that size
when a notebook prints too many digits.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnkit as nk

ROOT = Path(__file__).resolve().parents[2]
PERTURB = ROOT / "tests" / "book" / "perturb"

# Runs in a fresh interpreter with the perturbation on the path: for every wrapped
# method, the largest relative deviation from the same computation done by hand.
MEASURE = r"""
import json
import numpy as np
import nnkit as nk

rng = np.random.default_rng(0)
X = rng.standard_normal((6, 3))
G = rng.standard_normal((6, 4))
T = rng.random((6, 4))
labels = np.arange(6) % 4


def rel(got, want):
    # [largest relative change, largest distance of the change from the sine form's]
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    mask = want != 0
    change = got[mask] / want[mask] - 1
    sine = 1e-12 * np.sin(1e4 * want[mask] + 1)
    return [float(np.max(np.abs(change))), float(np.max(np.abs(change - sine)))]


out = {"flag": getattr(nk, "__perturbed__", None),
       "form": getattr(nk, "__perturbed_form__", None)}
dense = nk.Dense(3, 4, rng=0)
W, b = dense.W.value.copy(), dense.b.value.copy()
out["Dense.forward"] = rel(dense.forward(X), X @ W.T + b)
out["Dense.backward"] = rel(dense.backward(G), G @ W)
out["Dense.backward dW"] = rel(dense.W.grad, G.T @ X)
dense.W.grad = None
dense.backward_params(G)
out["Dense.backward_params dW"] = rel(dense.W.grad, G.T @ X)
out["Dense.backward_params db"] = rel(dense.b.grad, G.sum(axis=0))
Z = X @ W.T + b
out["Sigmoid.forward"] = rel(nk.Sigmoid().forward(Z), 1 / (1 + np.exp(-Z)))
out["Tanh.forward"] = rel(nk.Tanh().forward(Z), np.tanh(Z))
out["ReLU.forward"] = rel(nk.ReLU().forward(Z), np.maximum(Z, 0))
E = np.exp(Z - Z.max(axis=1, keepdims=True))
out["Softmax.forward"] = rel(nk.Softmax().forward(Z), E / E.sum(axis=1, keepdims=True))
for name in ("BatchNorm", "LayerNorm"):
    layer, exact = getattr(nk, name)(4), getattr(nk, name)(4)
    cls = type(layer)
    out[name + ".forward"] = rel(layer.forward(Z), cls.forward.__wrapped__(exact, Z))
    out[name + ".backward"] = rel(layer.backward(G), cls.backward.__wrapped__(exact, G))
P = 1 / (1 + np.exp(-Z))
for name, loss, target in [("MSELoss", nk.MSELoss(), T), ("BCELoss", nk.BCELoss(), T.round()),
                           ("BCEWithLogitsLoss", nk.BCEWithLogitsLoss(), T.round()),
                           ("CrossEntropyLoss", nk.CrossEntropyLoss(), labels)]:
    pred = P if name in ("MSELoss", "BCELoss") else Z
    exact_forward = type(loss).forward.__wrapped__
    exact_backward = type(loss).backward.__wrapped__
    want = exact_forward(loss, pred, target)
    want_grad = exact_backward(loss)
    out[name + ".forward"] = rel(loss.forward(pred, target), want)
    out[name + ".backward"] = rel(loss.backward(), want_grad)
    out[name + " called"] = rel(loss(pred, target), want)
dense.W.grad = G.T @ X
before = dense.W.value.copy()
nk.SGD(dense.parameters(), lr=0.1).step()
out["SGD.step"] = rel(dense.W.value, before - 0.1 * (G.T @ X))
net = nk.Sequential(nk.Dense(3, 4, rng=1), nk.Tanh(), nk.Dense(4, 4, rng=2))
out["gradcheck"] = float(nk.gradcheck(net, nk.CrossEntropyLoss(), X, labels))
out["gradcheck wrapped"] = hasattr(nk.gradcheck, "__wrapped__")
print(json.dumps(out))
"""


def _measure(**env):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PERTURB), str(ROOT)]), **env}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    deviations = json.loads(result.stdout)
    assert deviations.pop("flag") == 1e-12
    # Inside finite differences the change is realistic, so a right gradient passes.
    assert deviations.pop("gradcheck wrapped") is True
    assert deviations.pop("gradcheck") < 1e-7
    return deviations.pop("form"), deviations


def test_perturbation_changes_every_wrapped_result_by_1e_12():
    form, deviations = _measure(NNKIT_PERTURB_FORM="sign")
    assert form == "sign"
    for name, (deviation, _) in deviations.items():
        # one ±1e-12 factor; a few roundings of 1e-16 may come on top
        assert 0.9e-12 < deviation < 1.1e-12, f"{name}: relative change {deviation:.3g}"


def test_sine_form_changes_every_wrapped_result_by_its_sine():
    # NNKIT_PERTURB_FORM=sine, as the portability run of scripts/test.sh uses it:
    # x becomes x (1 + 1e-12 sin(10⁴ x + 1)), another pattern than the signs' hash.
    form, deviations = _measure(NNKIT_PERTURB_FORM="sine")
    assert form == "sine"
    for name, (deviation, off_sine) in deviations.items():
        assert 1e-14 < deviation < 1.1e-12, f"{name}: relative change {deviation:.3g}"
        assert off_sine < 1e-14, f"{name}: change differs from the sine form by {off_sine:.3g}"


def test_the_two_forms_are_different_patterns():
    _, sign = _measure(NNKIT_PERTURB_FORM="sign")
    # under the sign form the change is ±1e-12 exactly, nowhere the sine's value
    assert all(off_sine > 1e-14 for _, off_sine in sign.values())


def test_an_unknown_form_is_refused():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PERTURB), str(ROOT)]),
           "NNKIT_PERTURB_FORM": "cosine"}
    result = subprocess.run([sys.executable, "-c", "import nnkit"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "NNKIT_PERTURB_FORM must be one of ('sign', 'sine'), got 'cosine'" in result.stderr


def test_nnkit_is_not_perturbed_without_the_harness():
    assert not hasattr(nk, "__perturbed__")
    dense = nk.Dense(3, 2, rng=0)
    X = np.ones((2, 3))
    assert np.array_equal(dense.forward(X), X @ dense.W.value.T + dense.b.value)


def _copy_harness(target: Path) -> None:
    """What nbval needs outside a notebook: the pytest set-up and the sanitiser."""
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(ROOT / name, target / name)
    (target / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "execute_notebooks.py", target / "scripts")
    (target / "tests" / "book").mkdir(parents=True)
    shutil.copy2(ROOT / "tests" / "book" / "nbval_sanitize.cfg", target / "tests" / "book")


def _notebook(path: Path, source: str, stored_text: str) -> Path:
    """A one-cell notebook whose stored output is ``stored_text`` printed."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_text)]
    cell.execution_count = 1
    nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def _nbval(root: Path, notebook: Path, *options: str, **env: str) -> str:
    """Run strict nbval as scripts/test.sh does; return "exit <status>" and the report."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", "tests/book/nbval_sanitize.cfg",
         "-q", *options, str(notebook)],
        cwd=root, env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )
    return f"exit {result.returncode}\n{result.stdout}{result.stderr}"


# A loss computed by nnkit; the notebook prints it with every digit, too many to
# survive a change of 1e-12.
LOSS = """\
import numpy as np
import nnkit as nk
X = np.linspace(-1, 1, 12).reshape(4, 3)
value = nk.MSELoss()(nk.Dense(3, 1, rng=0)(X), np.ones((4, 1)))
"""


@pytest.mark.slow
def test_nbval_under_the_perturbation_catches_too_many_digits(tmp_path):
    _copy_harness(tmp_path)
    namespace = {}
    exec(LOSS, namespace)  # here nnkit is not perturbed: these are the exact digits
    notebook = _notebook(tmp_path / "digits.ipynb", LOSS + "print(repr(value))\n",
                         repr(namespace["value"]) + "\n")

    plain = _nbval(tmp_path, notebook, PYTHONPATH=str(ROOT))
    assert plain.startswith("exit 0"), plain[-3000:]
    perturbed = _nbval(tmp_path, notebook,
                       PYTHONPATH=os.pathsep.join([str(PERTURB), str(ROOT)]))
    assert perturbed.startswith("exit 1"), perturbed[-3000:]
    assert "Cell outputs differ" in perturbed, perturbed[-3000:]


@pytest.mark.slow
def test_blas_thread_count_reaches_the_kernel(tmp_path):
    _copy_harness(tmp_path)
    source = (
        "from threadpoolctl import threadpool_info\n"
        "import numpy\n"
        "print(sorted({pool['num_threads'] for pool in threadpool_info()"
        " if pool['user_api'] == 'blas'}))\n"
    )
    notebook = _notebook(tmp_path / "threads.ipynb", source, "[2]\n")
    # Through pytest-xdist workers, as scripts/test.sh runs nbval.
    xdist = ("-n", "2", "--dist", "loadscope")
    two = _nbval(tmp_path, notebook, *xdist, OPENBLAS_NUM_THREADS="2")
    assert two.startswith("exit 0"), two[-3000:]
    one = _nbval(tmp_path, notebook, *xdist, OPENBLAS_NUM_THREADS="1")
    assert one.startswith("exit 1") and "Cell outputs differ" in one, one[-3000:]


def _glue_notebook(path: Path, stored: str) -> Path:
    """A one-cell notebook that glues 85, stored as if it had glued ``stored``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell('from nnkit.course.text import glue\n_ = glue("epochs", 85)')
    prefix = "application/papermill.record/"
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={prefix + "text/plain": repr(stored)},
        metadata={"scrapbook": {"name": "epochs", "mime_prefix": prefix}})]
    cell.execution_count = 1
    nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_nbval_compares_glued_numbers(tmp_path):
    # The prose shows glued values without printing them; nbval must still compare them.
    _copy_harness(tmp_path)
    same = _nbval(tmp_path, _glue_notebook(tmp_path / "same.ipynb", "85"), PYTHONPATH=str(ROOT))
    assert same.startswith("exit 0"), same[-3000:]
    other = _nbval(tmp_path, _glue_notebook(tmp_path / "other.ipynb", "86"), PYTHONPATH=str(ROOT))
    assert other.startswith("exit 1") and "Cell outputs differ" in other, other[-3000:]


def _portability_runs() -> dict[str, dict[str, str]]:
    """The variables of each portability run, as scripts/test.sh sets them with env."""
    script = (ROOT / "scripts" / "test.sh").read_text()
    runs = {}
    for run, words in re.findall(r"^portable_(\w+)=\(env (.*?)\)$", script, re.M | re.S):
        variables = dict(word.split("=", 1) for word in shlex.split(words.replace("\\\n", " ")))
        assert variables.pop("PYTHONPATH") == "$perturb_path", run
        runs[run] = {**variables,
                     "PYTHONPATH": os.pathsep.join([str(PERTURB), str(ROOT)])}
    return runs


def test_the_portability_runs_use_two_patterns():
    runs = _portability_runs()
    assert sorted(runs) == ["a", "b"]
    a, b = runs["a"], runs["b"]
    for run in (a, b):
        assert set(run) >= {"OPENBLAS_NUM_THREADS", "PYTHONHASHSEED", "NNKIT_PERTURB_FORM",
                            "NNKIT_PERTURB_SEED"}
        assert run["PYTHONHASHSEED"] != "0"  # the stored run's
    assert (a["NNKIT_PERTURB_FORM"], a["NNKIT_PERTURB_SEED"]) != (
        b["NNKIT_PERTURB_FORM"], b["NNKIT_PERTURB_SEED"])
    assert "2" in (a["OPENBLAS_NUM_THREADS"], b["OPENBLAS_NUM_THREADS"])


# Printed by a kernel: its BLAS threads, the hash of a string (set by PYTHONHASHSEED), the
# perturbation's form and, in units of 1e-12, the relative change of a Dense layer's
# outputs: the pattern itself, which the form and the seed decide.
PATTERN = """\
import numpy as np
from threadpoolctl import threadpool_info
import nnkit as nk
X = np.linspace(-1, 1, 24).reshape(8, 3)
dense = nk.Dense(3, 4, rng=0)
change = dense.forward(X) / (X @ dense.W.value.T + dense.b.value) - 1
print(sorted({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}))
print(hash("portability"), getattr(nk, "__perturbed_form__", None))
print(np.round(change / 1e-12, 2).ravel().tolist())
"""


def _pattern(env: dict[str, str]) -> str:
    """What PATTERN prints in a plain interpreter started with ``env``."""
    result = subprocess.run([sys.executable, "-c", PATTERN], env={**os.environ, **env},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_two_runs_perturb_in_different_patterns():
    runs = _portability_runs()
    a, b = _pattern(runs["a"]), _pattern(runs["b"])
    plain = _pattern({"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"})
    sign_seed_0 = _pattern({**runs["b"], "NNKIT_PERTURB_SEED": "0"})
    patterns = [line.splitlines()[2] for line in (a, b, plain, sign_seed_0)]
    assert len(set(patterns)) == 4, patterns  # B's seed matters, too
    assert set(json.loads(patterns[1])) == {-1.0, 1.0}  # the sign form: ±1e-12 exactly
    assert a.splitlines()[1] != b.splitlines()[1] != plain.splitlines()[1]


@pytest.mark.slow
@pytest.mark.parametrize("run", ["a", "b"])
def test_each_portability_run_reaches_the_kernels(tmp_path, run):
    # A kernel under xdist, with the run's variables from scripts/test.sh, prints what a
    # plain interpreter with the same variables prints (threads, hash, form, pattern),
    # and the patterns differ (test above): so the kernels ran that run's pattern.
    _copy_harness(tmp_path)
    env = _portability_runs()[run]
    notebook = _notebook(tmp_path / f"pattern_{run}.ipynb", PATTERN, _pattern(env))
    result = _nbval(tmp_path, notebook, "-n", "2", "--dist", "loadscope", **env)
    assert result.startswith("exit 0"), result[-3000:]
    # and the stored output of the other run fails in this run's kernels
    other = _portability_runs()["b" if run == "a" else "a"]
    wrong = _notebook(tmp_path / f"other_{run}.ipynb", PATTERN, _pattern(other))
    result = _nbval(tmp_path, wrong, "-n", "2", "--dist", "loadscope", **env)
    assert result.startswith("exit 1") and "Cell outputs differ" in result, result[-3000:]
