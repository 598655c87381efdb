"""Chapter 6's lab: configurations, networks and recorded training runs."""

import math
import warnings

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.ch6_training_loop.lab import (
    DATASETS,
    NetConfig,
    load_dataset,
    record_run,
)


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
        X_train, X_test, y_train, y_test = load_dataset(name, n=80, rng=1)
        assert X_train.shape == (60, 2) and X_test.shape == (20, 2)
        assert set(np.unique(np.concatenate([y_train, y_test]))) == {0, 1}
    with pytest.raises(ValueError, match="name"):
        load_dataset("donut")
    with pytest.raises(ValueError, match="n"):
        load_dataset("moons", n=3)


def test_record_run_records_losses_and_snapshots():
    run = record_run(NetConfig((4,), "tanh", 0.5, 10), "xor", epochs=6, snapshots=[0, 3, 6], n=80)
    assert run.epochs_run == 6
    assert len(run.train_loss) == len(run.test_loss) == len(run.test_accuracy) == 7
    assert sorted(run.boundary) == [0, 3, 6]
    assert all(p.shape == (60, 60) and np.all((p >= 0) & (p <= 1)) for p in run.boundary.values())
    # Entry i of train_loss is the loss after epoch i, the same number fit records.
    np.testing.assert_allclose(run.train_loss[1:], run.history.epoch_loss, rtol=1e-12)
    assert run.train_loss[0] == pytest.approx(run.history.initial_loss, rel=1e-12)
    assert run.history.n_updates == 6 * math.ceil(60 / 10)
    np.testing.assert_array_equal(run.boundary_at(5), run.boundary[3])
    assert run.value_at("train_loss", 99) == run.train_loss[-1]
    with pytest.raises(ValueError, match="epoch"):
        run.boundary_at(-1)


def test_runs_differing_in_optimiser_start_from_the_same_network():
    a = record_run(NetConfig((4,), "tanh", 0.1, None), "moons", epochs=2, snapshots=[0], n=60)
    b = record_run(NetConfig((4,), "tanh", 1.0, 1), "moons", epochs=2, snapshots=[0], n=60)
    assert a.train_loss[0] == b.train_loss[0]
    np.testing.assert_array_equal(a.boundary[0], b.boundary[0])
    assert a.train_loss[2] != b.train_loss[2]


def test_record_run_is_reproducible():
    config = NetConfig((6,), "relu", 0.3, 8)
    first = record_run(config, "circles", epochs=3, snapshots=[3], n=60)
    second = record_run(config, "circles", epochs=3, snapshots=[3], n=60)
    assert first.train_loss == second.train_loss
    np.testing.assert_array_equal(first.boundary[3], second.boundary[3])


def test_diverging_run_stops_quietly_and_says_so():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = record_run(
            NetConfig((8,), "relu", 1e3, 16), "moons", epochs=5, snapshots=[0, 5], n=80
        )
    assert run.history.diverged
    assert run.epochs_run < 5
    np.testing.assert_array_equal(run.boundary_at(5), run.boundary[0])


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"epochs": 0, "snapshots": [0]}, "epochs"),
        ({"epochs": 3, "snapshots": [4]}, "snapshots"),
        ({"epochs": 3, "snapshots": []}, "snapshots"),
    ],
)
def test_record_run_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        record_run(NetConfig(), "moons", **kwargs)


def test_hidden_layers_solve_xor_where_a_linear_model_cannot():
    X_train, X_test, y_train, y_test = load_dataset("xor", n=200)
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
        scores[hidden] = nk.accuracy(net.forward(X_test), y_test)
    assert scores[(8, 8)] >= 0.8
    assert scores[()] <= 0.7
