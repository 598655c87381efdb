"""Chapter 6's lab: configurations, data sets and the runs it records."""

import math

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch6_training_loop.lab import (
    DATASETS,
    NetConfig,
    load_dataset,
    straight_line_agreement,
    train_run,
)
from nnkit.course.grid import Grid
from nnkit.course.runs import Run


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"hidden": (8, 0)}, "hidden"),
        ({"hidden": (8.5,)}, "hidden"),
        ({"activation": "swish"}, "activation"),
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": "0.1"}, "lr"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
    ],
)
def test_netconfig_rejects_bad_values(kwargs, name):
    # A value of the wrong type raises TypeError, one out of range ValueError.
    with pytest.raises((TypeError, ValueError), match=name):
        NetConfig(**kwargs)


def test_netconfig_describes_itself():
    assert NetConfig((8, 8), "tanh", 0.3, 16).describe() == "2×8 tanh · η=0.3 · mini-batch 16"
    assert NetConfig((), "tanh", 3.0, None).describe() == "linear · η=3 · batch"
    assert NetConfig((16, 4), "relu", 0.05, 1).describe() == "16-4 relu · η=0.05 · stochastic"


def test_load_dataset_splits_every_problem():
    for name in DATASETS:
        X_train, y_train, X_val, y_val = load_dataset(name, n=80, rng=1)
        assert X_train.shape == (60, 2) and X_val.shape == (20, 2)
        assert y_train.shape == (60,) and y_val.shape == (20,)
        assert set(np.unique(np.concatenate([y_train, y_val]))) == {0, 1}
    with pytest.raises(ValueError, match="name"):
        load_dataset("donut")
    with pytest.raises(ValueError, match="n"):
        load_dataset("moons", n=3)


def test_train_run_trains_the_configuration_on_the_data_set():
    config = NetConfig((4,), "tanh", 0.5, 10)
    run = train_run(config, "xor", epochs=6, snapshots=[0, 3, 6], n=80)
    assert run.config == {"data": "xor", "net": config}
    assert [layer.W.shape for layer in run.model if isinstance(layer, nk.Dense)] == [(4, 2),
                                                                                     (2, 4)]
    assert run.history.n_updates == 6 * math.ceil(60 / 10)
    X_train, y_train, X_val, y_val = run.data
    np.testing.assert_array_equal(X_val, load_dataset("xor", n=80, rng=0)[2])
    assert sorted(run.snapshots) == [0, 3, 6] and run.snapshots[0].shape == (60, 60)
    # The grid covers every point, with a margin.
    points = np.vstack([X_train, X_val])
    assert run.grid.xlim[0] < points[:, 0].min() and run.grid.ylim[1] > points[:, 1].max()


def test_runs_differing_in_optimiser_start_from_the_same_network():
    a = train_run(NetConfig((4,), "tanh", 0.1, None), "moons", epochs=2, snapshots=[0], n=60)
    b = train_run(NetConfig((4,), "tanh", 1.0, 1), "moons", epochs=2, snapshots=[0], n=60)
    assert a.train_loss[0] == b.train_loss[0]
    np.testing.assert_array_equal(a.snapshots[0], b.snapshots[0])
    assert a.train_loss[2] != b.train_loss[2]


def test_hidden_layers_solve_xor_where_a_linear_model_cannot():
    X_train, y_train, X_val, y_val = load_dataset("xor", n=200)
    scores = {}
    for hidden in [(), (8, 8)]:
        net = nk.mlp([2, *hidden, 2], activation="tanh", rng=0)
        nk.fit(
            net,
            X_train,
            y_train,
            nk.CrossEntropyLoss(),
            nk.SGD(net.parameters(), lr=0.3),
            epochs=60,
            batch_size=16,
            rng=0,
        )
        scores[hidden] = nk.accuracy(net.forward(X_val), y_val)
    assert scores[(8, 8)] >= 0.8
    assert scores[()] <= 0.7


def _run_with_map(probabilities, grid):
    # A Run holding only one probability map, after epoch 0.
    return Run(config={}, data=(), model=None, history=None, grid=grid,
               snapshots={0: probabilities})


def test_straight_line_agreement_is_one_for_a_straight_boundary_and_less_for_a_curved_one():
    grid = Grid.over((-1.0, 1.0), (-1.0, 1.0), 21)
    gx, gy = grid.mesh
    slanted = _run_with_map((gy > 0.3 * gx + 0.1).astype(float), grid)
    assert straight_line_agreement(slanted, 0) == 1.0
    disc = _run_with_map((gx**2 + gy**2 < 0.4).astype(float), grid)
    inside = float(np.mean(gx**2 + gy**2 < 0.4))
    # No line separates a disc from its surroundings: the best line leaves the disc, or
    # most of it, on the wrong side.
    assert straight_line_agreement(disc, 0) < 1.0 - inside / 3


def test_straight_line_agreement_rejects_too_few_directions():
    grid = Grid.over((-1.0, 1.0), (-1.0, 1.0), 5)
    with pytest.raises(ValueError):
        straight_line_agreement(_run_with_map(np.zeros(grid.shape), grid), 0, directions=2)
