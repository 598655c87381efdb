"""nnkit/course/runs.py, the one run recorder: what it records lines up with what fit
computes, every series is indexed by epoch from 0, and a diverging run stops quietly."""

import math
import warnings

import numpy as np
import pytest

import nnkit as nk
from nnkit.course.grid import Grid
from nnkit.course.runs import record_run


def moons(n=80, seed=0):
    X, y = nk.datasets.moons(n, noise=0.2, rng=seed)
    return X[:60], y[:60], X[60:], y[60:]


def record(lr=0.5, batch_size=10, epochs=6, snapshots=(0, 3, 6), seed=0, activation="tanh"):
    model = nk.mlp([2, 4, 2], activation=activation, rng=seed)
    data = moons(seed=seed)
    return record_run(model, data, nk.SGD(model.parameters(), lr=lr), epochs=epochs,
                      batch_size=batch_size, rng=seed, snapshots=snapshots,
                      grid=Grid.around(np.vstack([data[0], data[2]]), 15),
                      config={"lr": lr})


def test_series_run_from_epoch_0_and_match_what_fit_computes():
    run = record()
    assert run.epochs_run == 6 and run.config == {"lr": 0.5}
    assert len(run.train_loss) == len(run.val_loss) == len(run.val_accuracy) == 7
    # Entry e is the value after epoch e; entry 0 is before any update.
    np.testing.assert_allclose(run.train_loss[1:], run.history.train_loss, rtol=1e-12)
    assert run.train_loss[0] == run.history.initial_loss
    np.testing.assert_allclose(run.val_loss[1:], run.history.val_loss, rtol=1e-12)
    np.testing.assert_allclose(run.val_accuracy[1:], run.history.val_accuracy)
    assert run.history.n_updates == 6 * math.ceil(60 / 10)
    # The model is the trained one: its held-out loss is the last one recorded.
    _, _, X_val, y_val = run.data
    assert nk.CrossEntropyLoss()(run.model(X_val), y_val) == pytest.approx(run.val_loss[-1])


def test_epoch_0_is_measured_before_training():
    run = record(snapshots=(0,))
    untrained = nk.mlp([2, 4, 2], activation="tanh", rng=0)
    _, _, X_val, y_val = run.data
    out = untrained(X_val)
    assert run.val_loss[0] == pytest.approx(nk.CrossEntropyLoss()(out, y_val), rel=1e-12)
    assert run.val_accuracy[0] == nk.accuracy(out, y_val)
    probability = nk.activations.softmax(untrained(run.grid.points), axis=1)[:, 1]
    np.testing.assert_allclose(run.snapshots[0], probability.reshape(run.grid.shape))


def test_snapshots_are_probabilities_on_the_grid_at_the_chosen_epochs():
    run = record()
    assert sorted(run.snapshots) == [0, 3, 6]
    for p in run.snapshots.values():
        assert p.shape == run.grid.shape == (15, 15)
        assert np.all((p >= 0) & (p <= 1))
    final = nk.activations.softmax(run.model(run.grid.points), axis=1)[:, 1]
    np.testing.assert_allclose(run.snapshots[6], final.reshape(run.grid.shape))
    # Between snapshots, the last one recorded; before the first, nothing.
    np.testing.assert_array_equal(run.snapshot_at(5), run.snapshots[3])
    assert not np.array_equal(run.snapshots[3], run.snapshots[6])
    with pytest.raises(ValueError, match="nothing recorded"):
        record(snapshots=(2,)).snapshot_at(1)


def test_value_at_names_its_series_and_holds_the_last_value():
    run = record()
    assert run.value_at("val_accuracy", 2) == run.val_accuracy[2]
    assert run.value_at("train_loss", 99) == run.train_loss[-1]
    with pytest.raises(ValueError, match="series"):
        run.value_at("test_loss", 1)
    with pytest.raises(ValueError, match="epoch"):
        run.value_at("train_loss", -1)


def test_the_same_settings_record_the_same_run():
    first, second = record(lr=0.3, batch_size=8), record(lr=0.3, batch_size=8)
    np.testing.assert_array_equal(first.train_loss, second.train_loss)
    np.testing.assert_array_equal(first.snapshots[6], second.snapshots[6])


def test_a_diverging_run_stops_quietly_and_says_so():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = record(lr=1e3, epochs=5, snapshots=(0, 5), activation="relu")
    assert run.history.diverged and run.epochs_run < 5
    assert len(run.train_loss) == len(run.val_loss) == run.epochs_run + 1
    np.testing.assert_array_equal(run.snapshot_at(5), run.snapshots[0])
    assert run.value_at("train_loss", 5) == run.train_loss[-1]


@pytest.mark.parametrize("kwargs, name", [({"epochs": 0}, "epochs"),
                                          ({"epochs": 3, "snapshots": (4,)}, "snapshots")])
def test_bad_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        record(**kwargs)
