"""Chapter 9's figures draw what they are given and return their Axes."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

import nnkit as nk  # noqa: E402
from nnkit.course.ch9_optimisers import figures, lab  # noqa: E402


@pytest.fixture(scope="module")
def paths():
    v = lab.Valley(100)
    return v, {"GD": lab.descend(v, "GD", 1.0, 30), "momentum": lab.descend(v, "momentum", 1.0, 30)}


def test_valley_paths_and_distances(paths):
    valley, runs = paths
    ax = figures.valley_paths(valley, runs, title="t")
    assert isinstance(ax, Axes) and len(ax.get_lines()) >= 3
    ax = figures.distance_curves(runs)
    assert ax.get_yscale() == "log" and len(ax.get_lines()) == 2


def test_schedule_curves():
    ax = figures.schedule_curves({"cosine": nk.schedules.CosineDecay(10)}, 10)
    assert list(ax.get_lines()[0].get_ydata())[0] == 1.0


def test_frames(paths):
    valley, runs = paths
    fig = figures.valley_frame(valley, runs["GD"], "GD")
    assert len(fig.axes) == 2
    diverged = lab.descend(valley, "GD", 2.5, 50)
    assert figures.valley_frame(valley, diverged, "x").axes[1].get_title() == "diverged"
    assert len(figures.moons_frame(lab.moons_run("GD", 0.5, epochs=5), "GD").axes) == 1
