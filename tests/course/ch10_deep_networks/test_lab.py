"""Chapter 10's lab: the networks it builds, the probe, the runs, the batch-size and Jacobian
measurements and the clipping runs, each against an independent computation."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch10_deep_networks import lab


@pytest.fixture(scope="module")
def data():
    return lab.spirals()


def test_spirals_are_standardised_and_two_classes(data):
    X, y = data
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12)
    assert set(np.unique(y)) == {0, 1} and len(X) == 200


@pytest.mark.parametrize("kind, inner", [("plain", None), ("batch norm", nk.BatchNorm),
                                         ("layer norm", nk.LayerNorm), ("residual", None)])
def test_deep_mlp_builds_each_kind_with_depth_hidden_layers(kind, inner, data):
    model = lab.deep_mlp(5, kind)
    assert len(lab.hidden_outputs(model)) == 5
    if inner is not None:
        assert sum(isinstance(layer, inner) for layer in model) == 5
    if kind == "residual":
        assert sum(isinstance(layer, nk.Residual) for layer in model) == 4
        plain_weights = nk.mlp([2] + [16] * 5 + [2], activation="tanh", rng=0)[2].W.value
        np.testing.assert_allclose(model[2].block[0].W.value, plain_weights / np.sqrt(5))
    assert model(data[0]).shape == (200, 2)


def test_probe_reads_the_hidden_outputs_and_their_gradients(data):
    X, y = data
    model = lab.deep_mlp(4, "plain")
    p = lab.probe(model, X, y)
    # by hand: forward layer by layer, keep a^[l]; backward from the loss
    loss = nk.CrossEntropyLoss()
    outs, A = [], X
    for layer in model:
        A = layer.forward(A)
        outs.append(A)
    assert p.loss == pytest.approx(loss(A, y), rel=1e-12)
    hidden = [outs[k] for k in (1, 3, 5, 7)]
    np.testing.assert_allclose(p.activation_std, [a.std() for a in hidden], rtol=1e-12)
    G = loss.backward()
    grads = []
    for layer in reversed(model.layers):
        grads.append(G)
        G = layer.backward(G)
    grads = grads[::-1]
    np.testing.assert_allclose(p.grad_norm, [np.linalg.norm(grads[k]) for k in (1, 3, 5, 7)],
                               rtol=1e-12)
    assert p.grad_ratio == pytest.approx(p.grad_norm[0] / p.grad_norm[-1])


def test_probe_leaves_the_model_alone():
    model = lab.deep_mlp(3, "batch norm").eval()
    lab.probe(model, *lab.spirals())
    assert not model.training and not model[1].training
    np.testing.assert_array_equal(model[1].running_mean, 0.0)


def test_a_short_run_records_losses_and_probes():
    r = lab.train_deep(3, "batch norm", updates=5, max_norm=1.0)
    assert r.losses.shape == (5,) and np.isfinite(r.losses).all()
    assert r.start.grad_norm.shape == r.end.grad_norm.shape == (3,)
    X, y = lab.spirals()
    assert r.final_loss == pytest.approx(nk.CrossEntropyLoss()(r.model(X), y), rel=1e-12)
    assert not r.model.training


def test_batch_statistics_loss_matches_evaluation_for_one_full_batch():
    r = lab.train_deep(3, "batch norm", updates=20)
    X, y = lab.spirals()
    before = r.model[1].running_mean.copy()
    full = lab.batch_statistics_loss(r.model, X, y, len(X))
    model = r.model
    model.train()
    assert full == pytest.approx(nk.CrossEntropyLoss()(model(X), y), rel=1e-12)
    np.testing.assert_array_equal(before, lab.train_deep(3, "batch norm", updates=20)
                                  .model[1].running_mean)
    with pytest.raises(ValueError, match="batch_size"):
        lab.batch_statistics_loss(model, X, y, 1)


def test_jacobian_matches_finite_differences():
    model = lab.deep_mlp(4, "residual")[2:-1]
    x = np.random.default_rng(1).normal(size=16)
    J = lab.jacobian(model, x)
    numeric = np.empty((16, 16))
    for j in range(16):
        step = np.zeros(16)
        step[j] = 1e-6
        numeric[:, j] = (model(x[None] + step)[0] - model(x[None] - step)[0]) / 2e-6
    np.testing.assert_allclose(J, numeric, atol=1e-8)


def test_clip_run_reports_divergence_and_norms():
    X, y = lab.spirals()
    exploding = nk.mlp([2] + [16] * 6 + [2], init="normal", scale=1.0, rng=0)
    free = lab.clip_run(exploding, X, y, lr=0.05, updates=20, max_norm=None)
    assert free.diverged and free.diverged_at is not None and free.norms.size == 0
    clipped = lab.clip_run(nk.mlp([2] + [16] * 6 + [2], init="normal", scale=1.0, rng=0),
                           X, y, lr=0.05, updates=20, max_norm=1.0)
    assert not clipped.diverged and clipped.norms.shape == (20,)


def test_verdicts_keep_a_margin_and_tally_gives_the_best():
    assert lab.verdict(0.01) == "trained" and lab.verdict(0.1) == "between"
    assert lab.verdict(0.5) == "failed" and lab.verdict(float("nan")) == "failed"
    assert lab.verdict(lab.TRAINED_BELOW) == "between"
    assert lab.tally([0.01, 0.02, 0.03]) == "trained"
    assert lab.tally([0.9, 0.1, 0.69]) == "between"
    assert lab.tally([0.6, 0.7, float("nan")]) == "failed"
    assert lab.tally([float("nan")] * 2) == "failed"


def test_cell_text_prints_the_best_loss_unless_sensitive():
    assert lab.cell_text([0.02, 0.0123456, 0.5], sensitive=False) == "trained 0.012"
    assert lab.cell_text([0.9, 0.1, float("nan")], sensitive=False) == "between 0.10"
    assert lab.cell_text([0.9, 0.01], sensitive=True) == "trained, sensitive"
    assert lab.cell_text([float("nan")] * 3, sensitive=False) == "failed, diverged"


def test_best_seed_skips_diverged_runs():
    assert lab.best_seed([0.3, float("nan"), 0.1]) == lab.SEEDS[2]
    assert lab.best_seed([float("nan"), 0.5, 0.2], seeds=(7, 8, 9)) == 9
    assert lab.best_seed([float("nan")] * 3) == lab.SEEDS[0]


def test_nudge_scales_every_starting_parameter():
    plain = lab.train_deep(3, "batch norm", updates=1)
    nudged = lab.train_deep(3, "batch norm", updates=1, nudge=1e-3)
    # one update from weights 1.001 times larger: the loss before it is not the same
    assert nudged.losses[0] != plain.losses[0]
    start = lab.deep_mlp(3, "batch norm")
    assert nudged.config["nudge"] == 1e-3 and start[1].gamma.value[0] == 1.0
    no_updates = lab.train_deep(3, "plain", updates=1, lr=1e-300, nudge=0.5)  # a step of ~0
    np.testing.assert_allclose(no_updates.model[0].W.value, 1.5 * lab.deep_mlp(3)[0].W.value,
                               rtol=1e-12)


def test_apart_compares_relatively_and_catches_a_lone_divergence():
    assert not lab.apart(1.0, 1.0 + 0.5 * lab.SENSITIVE_ABOVE)
    assert lab.apart(1.0, 1.0 + 2 * lab.SENSITIVE_ABOVE)
    assert lab.apart(1e-4, 1e-4 * (1 - 2 * lab.SENSITIVE_ABOVE))
    assert lab.apart(0.5, float("nan")) and lab.apart(float("inf"), 0.5)
    assert not lab.apart(float("nan"), float("nan"))


def test_stop_ends_a_run_early_and_leaves_the_rest_nan():
    r = lab.train_deep(3, "plain", updates=10, stop=lambda epoch, model, history: epoch == 4)
    assert np.isfinite(r.losses[:4]).all() and np.isnan(r.losses[4:]).all()


def test_is_sensitive_separates_a_stable_run_from_an_edge_of_stability_run():
    # a shallow network at a small η forgets a change of 1e-12; at η = 3 (past the edge
    # where these networks train) the same change grows more than a million times
    assert not lab.is_sensitive(lab.train_deep(3, "plain", updates=60))
    assert lab.is_sensitive(lab.train_deep(10, "plain", updates=300, lr=3.0))


def test_largest_stable_rate_stops_at_the_first_failure():
    tried = []

    def trains(rate):
        tried.append(rate)
        return rate < 0.5 or rate == 3.0  # 3 would train, but is past the first failure

    rates = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    assert lab.largest_stable_rate(trains, rates) == (0.3, 1.0)
    assert tried == [0.03, 0.1, 0.3, 1.0]
    assert lab.largest_stable_rate(lambda rate: True, rates=(1, 2)) == (2, None)
    assert lab.largest_stable_rate(lambda rate: False) == (None, lab.SWEEP_RATES[0])
