"""Chapter 9's experiments: the valley, the rates, Adam's first steps, the noise floor,
the digits and the moons runs, against what theory says they must do."""

import math

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch9_optimisers import lab


def test_valley_gradient_and_rotation():
    v = lab.Valley(100, angle=0.3)
    np.testing.assert_allclose(np.linalg.eigvalsh(v.H), [0.01, 1.0])
    theta = np.array([0.2, -0.7])
    eps = 1e-6
    numeric = [(v.values(theta + eps * e) - v.values(theta - eps * e)) / (2 * eps)
               for e in np.eye(2)]
    np.testing.assert_allclose(v.grad(theta), numeric, rtol=1e-6)
    assert v.values(v.start) == pytest.approx(lab.Valley(100).values(lab.START))
    with pytest.raises(ValueError, match="at least 1"):
        lab.Valley(0.5)


def test_gradient_descent_ignores_rotation_and_adam_does_not():
    aligned, turned = lab.Valley(100), lab.Valley(100, angle=math.pi / 4)
    gd = [lab.descend(v, "GD", 1.0, 100).losses[-1] for v in (aligned, turned)]
    assert gd[0] == pytest.approx(gd[1], rel=1e-9)
    adam = [lab.descend(v, "Adam", 0.02, 100).losses[-1] for v in (aligned, turned)]
    assert adam[0] < adam[1] / 100


def test_measured_rates_match_theory():
    for row in lab.rate_table(kappas=(10, 100)):
        assert row["gd_measured"] == pytest.approx(row["gd_theory"], rel=1e-6)
        assert row["hb_measured"] == pytest.approx(row["hb_theory"], rel=0.01)
        assert row["hb_measured"] < row["gd_measured"]


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_heavy_ball_edge_is_two_times_one_plus_mu(mu):
    edge = 2 * (1 + mu)
    assert lab.heavy_ball_converges(0.97 * edge, mu)
    assert not lab.heavy_ball_converges(1.03 * edge, mu)


def test_steps_to_and_a_diverging_path():
    path = lab.descend(lab.Valley(10), "GD", 2.5, 50)
    assert path.diverged and lab.steps_to(path, 0.1) is None
    good = lab.descend(lab.Valley(10), "GD", 1.0, 200)
    k = lab.steps_to(good, 1e-3)
    assert good.distances[k] <= 1e-3 < good.distances[k - 1]


def test_adam_steps_with_and_without_bias_correction():
    np.testing.assert_allclose(lab.adam_step_sizes(3, lr=0.01), 0.01, rtol=1e-7)
    raw = lab.adam_step_sizes(3, lr=0.01, correct=False)
    assert raw[0] == pytest.approx(0.01 * 0.1 / math.sqrt(0.001), rel=1e-6)


def test_noise_floor_is_proportional_to_lr():
    floors = [lab.noise_floor(lr, steps=1500)[500:].mean() for lr in (0.05, 0.2)]
    theory = [lr / (2 * (2 - lr)) for lr in (0.05, 0.2)]
    np.testing.assert_allclose(floors, theory, rtol=0.1)


def test_make_optimizer_names():
    p = [nk.Parameter(np.zeros(2))]
    assert lab.make_optimizer("Nesterov", p, 0.1).nesterov
    with pytest.raises(ValueError, match="unknown optimiser"):
        lab.make_optimizer("Lion", p, 0.1)


def test_dead_weights_move_only_under_decay():
    parts = lab.digits_parts()
    start = nk.mlp([64, 64, 10], activation="relu", rng=0)
    plain = lab.train_digits(parts, "Adam", 1e-3, epochs=1)
    dead, live = lab.dead_weights(parts, start, plain.model)
    assert dead == 1.0 and live != 1.0
    decayed = lab.train_digits(parts, "AdamW", 1e-3, epochs=1, weight_decay=0.5)
    assert lab.dead_weights(parts, start, decayed.model)[0] < 1.0


def test_moons_run_records_every_update():
    run = lab.moons_run("Adam", 0.01, epochs=20)
    assert len(run.losses) == 21 and run.losses[-1] < run.losses[0]


def test_best_worst_case_rates_match_polyak_and_lessard_recht_packard():
    kappa = 100
    hb, _, _ = lab.best_worst_case_rate(kappa, nesterov=False)
    nag, lr, mu = lab.best_worst_case_rate(kappa, nesterov=True)
    assert hb == pytest.approx(9 / 11, abs=5e-4)
    assert nag == pytest.approx(1 - 2 / math.sqrt(3 * kappa + 1), abs=5e-4)
    assert lr == pytest.approx(4 / (3 + 1 / kappa), rel=0.01)


def test_paired_exact_test_counts_only_discordant_images():
    a = np.array([1, 1, 1, 1, 0, 1, 0], bool)
    b = np.array([0, 0, 0, 0, 0, 1, 0], bool)
    assert lab.paired_exact_test(a, b) == (4, 0, 0.125)
    assert lab.paired_exact_test(b, a) == (0, 4, 0.125)
    assert lab.paired_exact_test(a, a) == (0, 0, 1.0)
    two, seven, p = lab.paired_exact_test(np.r_[np.ones(2), np.zeros(7)].astype(bool),
                                          np.r_[np.zeros(2), np.ones(7)].astype(bool))
    assert (two, seven) == (2, 7) and p == pytest.approx(2 * (1 + 9 + 36) / 512)


def test_holm_multiplies_the_k_th_smallest_by_m_minus_k_plus_one_and_stays_monotone():
    assert lab.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert lab.holm([0.6, 0.6]) == [1.0, 1.0]
