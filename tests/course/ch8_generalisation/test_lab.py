"""Chapter 8's teaching computations: data, networks, recorded runs, the noise search, the
least-squares Hessian and gradient descent on it."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch8_generalisation import lab


def test_moons_data_keeps_validation_apart_and_fixed():
    X, y, X_val, y_val = lab.moons_data(20)
    X2, _, X_val2, _ = lab.moons_data(80)
    assert X.shape == (20, 2) and y.shape == (20,) and X_val.shape == (200, 2)
    np.testing.assert_array_equal(X_val, X_val2)
    assert lab.copies_across(X2, X_val) == 0
    with pytest.raises(ValueError, match="n_train must be at least 4"):
        lab.moons_data(2)


def test_build_network_layers_and_dropout():
    plain = lab.build_network(8)
    dropped = lab.build_network(8, dropout=0.5)
    assert [type(layer).__name__ for layer in plain] == ["Dense", "ReLU", "Dense", "ReLU",
                                                         "Dense"]
    assert sum(isinstance(layer, nk.Dropout) for layer in dropped) == 2
    assert plain.forward(np.zeros((3, 2))).shape == (3, 2)
    for a, b in zip(plain.parameters(), dropped.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)   # same start, only dropout differs
    assert lab.build_network(8) is not plain and lab.build_network(8)[0].init == "he"


def test_weight_norm_counts_weights_not_biases():
    model = lab.build_network(4)
    for p in model.parameters():
        p.value[...] = 1.0
    assert lab.weight_norm(model) == pytest.approx(np.sqrt(2 * 4 + 4 * 4 + 4 * 2))


def test_train_run_records_snapshots_and_losses():
    result = lab.train_run("64 + dropout", 20, epochs=12, snapshots=(3, 12), grid_size=10)
    assert sorted(result.snapshots) == [3, 12]
    assert result.snapshots[3].shape == (10, 10)
    assert np.all((result.snapshots[12] >= 0) & (result.snapshots[12] <= 1))
    assert len(result.train_loss) == len(result.val_loss) == 13
    assert result.train_loss[-1] < result.train_loss[0]
    assert result.config == {"model": "64 + dropout", "n_train": 20, "weight_decay": 0.0}
    assert any(isinstance(layer, nk.Dropout) for layer in result.model)
    np.testing.assert_array_equal(result.data[2], lab.moons_data(20)[2])
    with pytest.raises(ValueError, match="unknown model"):
        lab.train_run("65 units", 20)


def test_weight_decay_override_shrinks_the_weights():
    free = lab.train_run("64 units", 20, epochs=30, snapshots=(), weight_decay=0.0)
    decayed = lab.train_run("64 units", 20, epochs=30, snapshots=(), weight_decay=0.05)
    assert decayed.config["weight_decay"] == 0.05
    assert lab.weight_norm(decayed.model) < lab.weight_norm(free.model)


def test_noise_search_winner_is_optimistic():
    search = lab.noise_search(n_settings=8, epochs=20)
    assert search.test_accuracy[search.winner] == search.test_accuracy.max()
    assert abs(search.fresh_accuracy.mean() - 0.5) < 0.05


def test_copies_across_counts_exact_rows():
    A = np.array([[0.0, 1.0], [2.0, 3.0]])
    B = np.array([[2.0, 3.0], [2.0, 3.0], [1.0, 0.0]])
    assert lab.copies_across(A, B) == 2


def test_mse_hessian_matches_finite_differences():
    X, y = lab.house_prices(n=30)
    Xs = nk.datasets.Standardizer(X).transform(X)
    H = lab.mse_hessian(Xs)

    def loss(theta):
        return np.mean((Xs @ theta[:2] + theta[2] - y) ** 2)

    eps, theta = 1e-3, np.array([0.3, -0.2, 1.0])
    numeric = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            e_i, e_j = np.eye(3)[i] * eps, np.eye(3)[j] * eps
            numeric[i, j] = (loss(theta + e_i + e_j) - loss(theta + e_i - e_j)
                             - loss(theta - e_i + e_j) + loss(theta - e_i - e_j)) / (4 * eps**2)
    np.testing.assert_allclose(H, numeric, rtol=1e-5, atol=1e-4)


def test_standardising_lowers_the_condition_number():
    X, _ = lab.house_prices()
    raw = np.linalg.cond(lab.mse_hessian(X))
    std = np.linalg.cond(lab.mse_hessian(nk.datasets.Standardizer(X).transform(X)))
    assert raw > 1e4 and std < 2


def test_descend_follows_gradient_descent_and_converges_when_well_conditioned():
    X, y = lab.house_prices(n=50)
    Xs = nk.datasets.Standardizer(X).transform(X)
    lam_max = np.linalg.eigvalsh(lab.mse_hessian(Xs))[-1]
    losses = lab.descend(Xs, y, 50, lr=1 / lam_max)
    Xb = np.column_stack([Xs, np.ones(len(Xs))])
    theta, *_ = np.linalg.lstsq(Xb, y, rcond=None)
    assert losses[0] == pytest.approx(np.mean(y**2))
    assert np.all(np.diff(losses) <= 1e-9)
    assert losses[-1] == pytest.approx(np.mean((Xb @ theta - y) ** 2), rel=1e-9)


def test_tune_digits_picks_the_lowest_validation_loss():
    tuned = lab.tune_digits(widths=(8, 16), weight_decays=(0.0,), patience=2)
    losses = [tuned.val_loss(k) for k in range(2)]
    assert tuned.best == int(np.argmin(losses))
    assert tuned.model is not None and not tuned.model.training
    assert len(tuned.split.y_test) == 359


def test_compare_regularisers_tunes_each_on_validation_then_tests_once():
    duel = lab.compare_regularisers(20, weight_decays=(1e-3, 1e-1), dropouts=(0.1, 0.5),
                                    epochs=10, width=8)
    for kind, chosen, strengths in (("weight decay", duel.weight_decay, (1e-3, 1e-1)),
                                    ("dropout", duel.dropout, (0.1, 0.5))):
        assert chosen == min(strengths, key=lambda s, kind=kind: duel.val_loss[kind, s])
        assert duel.test_loss[kind].shape == (lab.N_TEST,)
        assert np.all(duel.test_loss[kind] >= 0)
        assert set(np.unique(duel.test_correct[kind])) <= {0.0, 1.0}


def test_duel_verdict_calls_a_difference_within_two_standard_errors_a_tie():
    def duel(decay_losses, dropout_losses):
        return lab.RegulariserDuel(
            80, {}, 0.01, 0.5,
            {"weight decay": np.array(decay_losses), "dropout": np.array(dropout_losses)},
            {"weight decay": 1.0 - np.array(decay_losses),
             "dropout": 1.0 - np.array(dropout_losses)})

    clear = duel([0.1, 0.2, 0.1, 0.2], [0.5, 0.6, 0.5, 0.6])   # differences −0.4 each
    assert clear.difference() == pytest.approx((-0.4, 0.0))
    assert clear.verdict("loss") == "weight decay"
    assert clear.verdict("accuracy") == "weight decay"
    reverse = duel([0.5, 0.6, 0.5, 0.6], [0.1, 0.2, 0.1, 0.2])
    assert reverse.verdict("loss") == "dropout"
    # differences +0.3, −0.3, +0.3, −0.2: mean 0.025, standard error about 0.14
    noisy = duel([0.4, 0.1, 0.4, 0.1], [0.1, 0.4, 0.1, 0.3])
    assert noisy.verdict("loss") == "tie"
