"""Chapter 2's lab: gradient descent on explicit losses and learning-rate selection."""

import warnings

import numpy as np
import pytest

from nnkit.course.ch2_learning_rate.lab import (
    Objective,
    Quadratic,
    gradient_descent,
    max_stable_lr,
    plateau_bowl,
    quadratic_regime,
)


def test_quadratic_value_and_gradient_match_formula():
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    c = np.array([0.5, -1.0])
    q = Quadratic(H, center=c)
    w = np.array([2.0, 0.25])
    d = w - c
    assert q(w) == pytest.approx(0.5 * d @ H @ d)
    np.testing.assert_allclose(q.grad(w), H @ d)
    np.testing.assert_allclose(q.curvatures, np.sort(np.linalg.eigvalsh(H)))


def test_quadratic_gradient_matches_finite_differences():
    q = Quadratic([[4.0, -1.5], [-1.5, 1.0]], center=[1.0, 2.0])
    w = np.array([-0.3, 0.7])
    eps = 1e-6
    numeric = [(q(w + eps * e) - q(w - eps * e)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(q.grad(w), numeric, rtol=1e-7)


def test_plateau_bowl_gradient_matches_finite_differences_and_is_flat_far_out():
    f = plateau_bowl(width=1.5, depth=2.0)
    for w in [-2.0, -0.4, 0.3, 1.7]:
        numeric = (f(w + 1e-6) - f(w - 1e-6)) / 2e-6
        assert f.grad(w)[0] == pytest.approx(numeric, rel=1e-6)
    assert abs(f.grad(7.5)[0]) < 1e-9
    assert f(0.0) == 0.0
    assert f(10.0) == pytest.approx(2.0)


def test_one_dimensional_quadratic_accepts_scalars():
    q = Quadratic(2.0, center=1.0)
    assert q(3.0) == pytest.approx(4.0)
    assert q.grad(3.0)[0] == pytest.approx(4.0)
    assert q.max_stable_lr == pytest.approx(1.0)


def test_gradient_descent_follows_closed_form_on_quadratic():
    # On L = a/2 w^2 each step multiplies w by (1 - η a).
    a, lr, w0 = 3.0, 0.2, 2.0
    path = gradient_descent(Quadratic(a), w0, lr, steps=6)
    expected = w0 * (1 - lr * a) ** np.arange(7)
    np.testing.assert_allclose(path.weights[:, 0], expected)
    np.testing.assert_allclose(path.losses, 0.5 * a * expected**2)
    assert not path.diverged and path.diverged_step is None
    assert path.steps_taken == 6


def test_gradient_descent_two_d_one_step_by_hand():
    q = Quadratic(np.diag([1.0, 10.0]))
    path = gradient_descent(q, [1.0, 1.0], lr=0.05, steps=1)
    np.testing.assert_allclose(path.weights[1], [1.0 - 0.05 * 1.0, 1.0 - 0.05 * 10.0])


def test_divergence_stops_cleanly_without_warnings_or_nan():
    q = Quadratic(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = gradient_descent(q, 1.0, lr=3.5, steps=200)
    assert path.diverged
    # |1 - 3.5| = 2.5: loss 0.5 * 2.5^(2t) first exceeds 1e6 at t = 8.
    assert path.diverged_step == 8
    assert np.all(np.isfinite(path.losses))
    assert "diverged at step 8" in path.describe()


def test_divergence_with_overflowing_loss_is_caught():
    # Threshold so high that the iterate overflows to inf before passing it.
    q = Quadratic(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = gradient_descent(q, 1.0, lr=1e150, steps=10, divergence_threshold=1e308)
    assert path.diverged and path.diverged_step >= 1
    assert np.all(np.isfinite(path.losses)) and np.all(np.isfinite(path.weights))


def test_max_stable_lr_is_the_boundary():
    a = 4.0
    eta = max_stable_lr(a)
    assert eta == pytest.approx(0.5)
    below = gradient_descent(Quadratic(a), 1.0, 0.99 * eta, steps=3000)
    above = gradient_descent(Quadratic(a), 1.0, 1.01 * eta, steps=3000)
    assert not below.diverged and below.final_loss < 1e-6
    assert above.diverged


def test_two_d_stability_is_set_by_largest_curvature():
    q = Quadratic(np.diag([1.0, 20.0]))
    assert q.max_stable_lr == pytest.approx(0.1)
    assert q.best_lr == pytest.approx(2 / 21)
    ok = gradient_descent(q, [3.0, 1.0], 0.095, steps=400)
    bad = gradient_descent(q, [3.0, 1.0], 0.105, steps=400)
    assert not ok.diverged and ok.final_loss < 1e-8
    assert bad.diverged


@pytest.mark.parametrize("lr, regime", [(0.1, "monotone"), (0.5, "one step"),
                                        (0.75, "oscillating"), (1.0, "bouncing"),
                                        (1.2, "diverging")])
def test_quadratic_regime_names(lr, regime):
    assert quadratic_regime(lr, 2.0) == regime


@pytest.mark.parametrize("lr", [0.1, 0.75, 1.0, 1.2])
def test_regime_agrees_with_simulation(lr):
    path = gradient_descent(Quadratic(2.0), 1.0, lr, steps=300)
    regime = quadratic_regime(lr, 2.0)
    ws = path.weights[:4, 0]
    if regime == "monotone":
        assert np.all(np.diff(ws) < 0) and path.final_loss < 1e-10
    elif regime == "oscillating":
        assert np.all(ws[1:] * ws[:-1] < 0) and path.final_loss < 1e-10
    elif regime == "bouncing":
        np.testing.assert_allclose(np.abs(path.weights[:, 0]), 1.0)
        assert not path.diverged
    else:
        assert path.diverged


def test_steps_to_reach_target():
    path = gradient_descent(Quadratic(1.0), 1.0, 0.5, steps=20)
    # loss_t = 0.5 * 0.25^t <= 1e-3  <=>  t >= 4.48 -> 5
    assert path.steps_to_reach(1e-3) == 5
    assert path.steps_to_reach(-1.0) is None
    assert path.describe(2) == "η = 0.5: step 2, loss 0.03125"


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(lr=0.0), ValueError, "lr"),
    (dict(lr=-1.0), ValueError, "lr"),
    (dict(lr="big"), TypeError, "lr"),
    (dict(steps=-1), ValueError, "steps"),
    (dict(steps=2.5), ValueError, "steps"),
    (dict(w0=[1.0, 2.0]), ValueError, "w0"),
    (dict(w0=float("nan")), ValueError, "w0"),
    (dict(divergence_threshold=0), ValueError, "divergence_threshold"),
])
def test_gradient_descent_rejects_bad_input(kwargs, exc, word):
    args = dict(objective=Quadratic(1.0), w0=1.0, lr=0.1, steps=5)
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        gradient_descent(**args)


def test_gradient_descent_rejects_non_objective():
    with pytest.raises(TypeError, match="objective"):
        gradient_descent(lambda w: w**2, 1.0, 0.1, 5)


@pytest.mark.parametrize("hessian, word", [
    ([[1.0, 2.0], [0.0, 1.0]], "symmetric"),
    ([[1.0, 0.0], [0.0, -1.0]], "positive definite"),
    (np.ones((2, 3)), "square"),
    (0.0, "positive definite"),
])
def test_quadratic_rejects_bad_hessian(hessian, word):
    with pytest.raises(ValueError, match=word):
        Quadratic(hessian)


def test_objective_checks_arguments():
    with pytest.raises(TypeError, match="callables"):
        Objective(1.0, lambda w: w, dim=1, name="x")
    with pytest.raises(ValueError, match="dim"):
        Objective(lambda w: 0.0, lambda w: w, dim=0, name="x")
    with pytest.raises(ValueError, match="curvature"):
        max_stable_lr(0.0)
    with pytest.raises(ValueError, match="width"):
        plateau_bowl(width=-1.0)


def test_batch_values_agree_with_pointwise_values():
    q = Quadratic([[2.0, 0.5], [0.5, 1.0]], center=[0.3, -0.2])
    W = np.random.default_rng(0).normal(size=(7, 2))
    np.testing.assert_allclose(q.values(W), [q(w) for w in W])
    f = plateau_bowl(width=0.7)
    ws = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(f.values(ws), [f(w) for w in ws])
    generic = Objective(lambda w: float(w @ w), lambda w: 2 * w, dim=2, name="sq")
    np.testing.assert_allclose(generic.values(W), (W**2).sum(axis=1))
    with pytest.raises(ValueError, match="W must have shape"):
        q.values(np.zeros((3, 3)))


# -- choosing the learning rate for a network --------------------------------------------

def _regression_setup(seed=0):
    import nnkit as nk

    X, y = nk.datasets.regression_1d(n=60, noise=0.1, rng=0)

    def make():
        return nk.Sequential(nk.Dense(1, 8, rng=seed), nk.Tanh(), nk.Dense(8, 1, rng=seed + 1))

    def train(lr, epochs=40):
        model = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", nk.DivergenceWarning)
            return nk.fit(model, X, y, nk.MSELoss(), nk.SGD(model.parameters(), lr=lr),
                          epochs=epochs)

    return X, y, make, train


def test_lr_sweep_picks_lowest_final_loss_and_flags_divergence():
    from nnkit.course.ch2_learning_rate.lab import lr_sweep

    _, _, _, train = _regression_setup()
    lrs = [0.001, 0.03, 0.3, 30.0]
    result = lr_sweep(train, lrs)
    np.testing.assert_allclose(result.lrs, lrs)
    assert list(result.diverged) == [False, False, False, True]
    assert np.isinf(result.final_losses[-1])
    finite = result.final_losses[:3]
    assert result.best_lr == lrs[int(np.argmin(finite))]
    # Each final loss is the last epoch loss of an independent, identically seeded run.
    assert result.final_losses[1] == pytest.approx(train(0.03).epoch_loss[-1])
    assert "diverged" in result.table() and f"best η = {result.best_lr:g}" in result.table()


def test_lr_sweep_all_diverged_and_bad_input():
    from nnkit.course.ch2_learning_rate.lab import SweepResult, lr_sweep

    _, _, _, train = _regression_setup()
    result = lr_sweep(train, [50.0, 100.0])
    assert isinstance(result, SweepResult) and result.best_lr is None
    assert "every run diverged" in result.table()
    with pytest.raises(ValueError, match="lrs"):
        lr_sweep(train, [])
    with pytest.raises(ValueError, match="lrs"):
        lr_sweep(train, [0.1, -1.0])
    with pytest.raises(TypeError, match="train"):
        lr_sweep(train=3, lrs=[0.1])
    with pytest.raises(TypeError, match="History"):
        lr_sweep(lambda lr: 0.5, [0.1])


def test_lr_range_test_grows_lr_geometrically_and_stops_at_blow_up():
    import nnkit as nk
    from nnkit.course.ch2_learning_rate.lab import lr_range_test

    X, y, make, train = _regression_setup()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = lr_range_test(make(), X, y, nk.MSELoss(), lr_min=1e-3, lr_max=100.0,
                          n_updates=200)
    ratios = r.lrs[1:] / r.lrs[:-1]
    np.testing.assert_allclose(ratios, (1e5) ** (1 / 199))
    assert r.lrs[0] == pytest.approx(1e-3)
    assert r.stopped_early and len(r.lrs) < 200
    assert r.smoothed[-1] > 4 * r.smoothed.min()
    assert np.all(np.isfinite(r.losses))
    # The first loss is that of the untouched model.
    first = nk.MSELoss().forward(make().forward(X), y)
    assert r.losses[0] == pytest.approx(first)
    assert r.suggested_lr == pytest.approx(r.lr_at_min / 10)
    # The suggestion trains without diverging, and it beats the smallest learning rate tried.
    good = train(r.suggested_lr)
    assert not good.diverged
    assert good.epoch_loss[-1] < train(1e-3).epoch_loss[-1]


def test_lr_range_test_minibatches_and_bad_input():
    import nnkit as nk
    from nnkit.course.ch2_learning_rate.lab import lr_range_test

    X, y, make, _ = _regression_setup()
    r = lr_range_test(make(), X, y, nk.MSELoss(), n_updates=30, batch_size=16, lr_max=0.1)
    assert len(r.losses) == 30 and not r.stopped_early
    with pytest.raises(ValueError, match="lr_max"):
        lr_range_test(make(), X, y, nk.MSELoss(), lr_min=1.0, lr_max=0.5)
    with pytest.raises(ValueError, match="n_updates"):
        lr_range_test(make(), X, y, nk.MSELoss(), n_updates=1)
    with pytest.raises(ValueError, match="batch_size"):
        lr_range_test(make(), X, y, nk.MSELoss(), batch_size=0)
    with pytest.raises(ValueError, match="same number of samples"):
        lr_range_test(make(), X, y[:-1], nk.MSELoss())


def test_trace_lists_recent_losses():
    path = gradient_descent(Quadratic(1.0), 1.0, 0.5, steps=6)
    assert path.trace(2) == "0.5 → 0.125 → 0.0312"
    assert path.trace(6, last=2) == "… 0.000488 → 0.000122"
    boom = gradient_descent(Quadratic(1.0), 1.0, 3.5, steps=20)
    assert boom.trace(20, last=1) == f"… {boom.losses[-1]:.3g}"


def test_quadratic_scalar_center_broadcasts_and_bad_center_is_named():
    q = Quadratic(np.eye(3), center=2.0)
    np.testing.assert_allclose(q.center, [2.0, 2.0, 2.0])
    assert q([2.0, 2.0, 2.0]) == 0.0
    with pytest.raises(ValueError, match="center"):
        Quadratic(np.eye(2), center=[1.0, 2.0, 3.0])
