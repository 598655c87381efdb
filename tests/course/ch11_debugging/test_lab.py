"""Chapter 11's runs: the first checks, the NaN search on a layer without ε, and every
gallery bug's signature, which must hold for the bug and fail for the healthy run where
the claim is about the bug."""

import math

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch11_debugging import lab


def test_the_data_are_balanced_and_the_parts_disjoint():
    X, y, X_val, y_val, X_test, _ = lab.spirals_data()
    assert np.bincount(y).tolist() == [lab.N_TRAIN // 3] * 3
    assert np.bincount(y_val).tolist() == [lab.N_VALIDATION // 3] * 3
    train = {tuple(row) for row in X}
    assert not train & {tuple(row) for row in X_val}
    assert not train & {tuple(row) for row in X_test}


def test_network_options():
    model = lab.network(depth=3, width=8, activation="tanh", dropout=0.5, bias=-1.0,
                        outputs=1)
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Dense", "Tanh", "Dropout"] * 3 + ["Dense"]
    assert all(np.all(layer.b.value == -1.0) for layer in model.layers[:-1]
               if isinstance(layer, nk.Dense))
    assert np.all(model.layers[-1].b.value == 0)


def test_softmax_floor_is_the_best_a_double_softmax_can_do():
    # The best case: one probability 1, the others 0, softmaxed again.
    p = np.array([[1.0, 0.0, 0.0]])
    assert math.isclose(nk.CrossEntropyLoss().forward(p, np.array([0])), lab.softmax_floor())


def test_first_checks_pass_on_the_healthy_pipeline():
    checks = lab.first_checks()
    assert abs(checks.initial_loss - math.log(3)) < 0.5 * math.log(3)
    assert abs(checks.baseline_loss - math.log(3)) < 0.05
    assert checks.real_loss < checks.baseline_loss / 10
    assert checks.one_batch_loss < 0.01
    assert checks.gradcheck_error < 1e-6
    assert checks.n_parameters == 2 * 32 + 32 + 32 * 32 + 32 + 32 * 3 + 3
    # Unscaled inputs make the same small batch fail to overfit: the check sees them too.
    assert checks.one_batch_unscaled > 0.1


def test_the_standardise_layer_is_right_and_only_fails_on_constant_units():
    layer = lab.Standardise()
    X = np.random.default_rng(0).normal(size=(6, 3))
    # Its backward is the gradient of its forward (checked by finite differences).
    # (The first layer has no bias: standardising removes it, so its true gradient is 0.)
    model = nk.Sequential(nk.Dense(3, 3, rng=0, bias=False), layer, nk.Dense(3, 2, rng=1))
    assert nk.gradcheck(model, nk.CrossEntropyLoss(), X, np.array([0, 1] * 3)) < 1e-6
    with np.errstate(all="ignore"):
        out = layer.forward(np.c_[X[:, :2], np.zeros(6)])
    assert np.isfinite(out[:, :2]).all() and np.isnan(out[:, 2]).all()


def test_nan_run_names_the_standardise_layer_at_the_first_pass():
    history = lab.nan_run()
    assert history.diverged and history.diverged_epoch == 0
    assert (history.nonfinite.update, history.nonfinite.stage) == (0, "forward")
    assert history.nonfinite.layer.endswith("Standardise")


@pytest.mark.slow
@pytest.mark.parametrize("bug", list(lab.BUGS))
def test_every_gallery_signature_holds(bug):
    run = lab.gallery_run(bug)
    assert run.signature and run.identified, run.signature


@pytest.mark.slow
def test_each_signature_holds_for_its_run_and_fails_for_the_healthy_one():
    healthy = lab.healthy_run()
    gallery = {bug: lab.gallery_run(bug, healthy) for bug in lab.BUGS if bug != "none"}
    matrix = lab.signature_matrix(gallery, healthy)
    for bug, row in matrix.items():
        assert row[bug] and not row["none"], (bug, row)
    # Only the documented sharing: the vanishing-gradient run predicts one class too.
    shared = {(bug, run) for bug, row in matrix.items() for run, holds in row.items()
              if holds and run != bug}
    assert shared == {("wrong loss", "vanishing gradient")}
    assert all(all(holds for _, holds in g.facts) for g in gallery.values()), {
        bug: g.facts for bug, g in gallery.items()}
    table = lab.signature_table(matrix)
    assert table.count("●") == len(gallery) + 1


def test_the_dead_relu_signature_is_not_the_healthy_runs():
    base = lab.healthy_run()
    dead, healthy = lab.gallery_run("dead ReLUs", base), lab.gallery_run("none", base)
    assert dead.identified and healthy.identified
    assert all(s.dead < 1 for s in healthy.broken.activation_stats[0].values())
    assert np.any(healthy.broken.grad_norms)


def test_unknown_bug_is_refused():
    with pytest.raises(ValueError, match="bug: expected one of"):
        lab.gallery_run("typo")
    with pytest.raises(ValueError, match="bug: expected one of"):
        lab.signature("typo", None)
