"""The optimisers and schedules against their formulas, worked by hand on tiny problems,
and their argument checks. (Agreement with torch.optim: test_optim_torch.py.)"""

import math

import numpy as np
import pytest

import nnkit as nk
from nnkit.schedules import CosineDecay, StepDecay, Warmup


def param(value, grad):
    p = nk.Parameter(np.array(value, dtype=np.float64))
    p.grad = np.array(grad, dtype=np.float64)
    return p


def test_sgd_plain_step():
    p = param([1.0, -2.0], [0.5, 4.0])
    nk.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.value, [0.95, -2.4])


def test_momentum_buffer_is_a_weighted_sum_of_past_gradients():
    # b after three updates with gradients 1, 2, 3 and μ = 0.5: 3 + 0.5·2 + 0.25·1 = 4.25;
    # θ moved by -η (1 + (2 + 0.5) + 4.25).
    p = param([0.0], [0.0])
    opt = nk.SGD([p], lr=0.1, momentum=0.5)
    for g in (1.0, 2.0, 3.0):
        p.grad = np.array([g])
        opt.step()
    np.testing.assert_allclose(opt.buffers[0], [4.25])
    np.testing.assert_allclose(p.value, [-0.1 * (1.0 + 2.5 + 4.25)])


def test_nesterov_steps_along_gradient_plus_momentum_buffer():
    p = param([0.0], [1.0])
    opt = nk.SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    opt.step()                       # b = 1; step 0.1·(1 + 0.9·1)
    np.testing.assert_allclose(p.value, [-0.19])
    opt.step()                       # b = 1.9; step 0.1·(1 + 0.9·1.9)
    np.testing.assert_allclose(p.value, [-0.19 - 0.271])


def test_weight_decay_is_added_to_the_gradient():
    p = param([2.0], [1.0])
    nk.SGD([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.value, [2.0 - 0.1 * (1.0 + 1.0)])


def test_adagrad_two_steps():
    p = param([0.0], [3.0])
    opt = nk.AdaGrad([p], lr=0.1, eps=1e-10)
    opt.step()                       # s = 9: step 0.1·3/3
    p.grad = np.array([4.0])
    opt.step()                       # s = 25: step 0.1·4/5
    np.testing.assert_allclose(p.value, [-0.1 - 0.08])


def test_rmsprop_first_step():
    p = param([0.0], [2.0])
    nk.RMSProp([p], lr=0.01, alpha=0.75, eps=1e-8).step()
    v = 0.25 * 4.0
    np.testing.assert_allclose(p.value, [-0.01 * 2.0 / (math.sqrt(v) + 1e-8)])


@pytest.mark.parametrize("g", [1e-6, 0.3, -5.0, 1e4])
def test_adam_first_step_is_lr_times_sign_of_gradient(g):
    p = param([1.0], [g])
    nk.Adam([p], lr=0.01, eps=1e-8).step()
    # m̂ = g and v̂ = g² exactly, so the step is lr·g / (|g| + ε) ≈ lr·sign(g)
    np.testing.assert_allclose(p.value, [1.0 - 0.01 * g / (abs(g) + 1e-8)], rtol=1e-14)
    assert abs(p.value[0] - 1.0) == pytest.approx(0.01, rel=1e-2)


def test_adam_second_step_by_hand():
    b1, b2, eps = 0.5, 0.75, 1e-8
    p = param([0.0], [1.0])
    opt = nk.Adam([p], lr=0.1, betas=(b1, b2), eps=eps)
    opt.step()
    p.grad = np.array([3.0])
    opt.step()
    m = (1 - b1) * (b1 * 1.0 + 3.0)            # 0.5·(0.5 + 3) = 1.75
    v = (1 - b2) * (b2 * 1.0 + 9.0)            # 0.25·9.75
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    expected = -0.1 / (1.0 + eps) - 0.1 * m_hat / (math.sqrt(v_hat) + eps)
    np.testing.assert_allclose(p.value, [expected], rtol=1e-12)


def test_adam_weight_decay_is_l2_and_adamw_is_decoupled():
    # Adam: g = 1 + 0.5·2 = 2, first step -lr·sign = -0.1. AdamW: shrink 2 → 2(1 - 0.1·0.5),
    # then -0.1·sign(1).
    p = param([2.0], [1.0])
    nk.Adam([p], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(p.value, [1.9])
    q = param([2.0], [-1.0])
    nk.AdamW([q], lr=0.1, weight_decay=0.5).step()
    np.testing.assert_allclose(q.value, [2.0 * 0.95 + 0.1])


def test_adam_and_adamw_coincide_without_decay():
    rng = np.random.default_rng(0)
    p, q = param(rng.normal(size=4), 0 * rng.normal(size=4)), param(np.zeros(4), np.zeros(4))
    q.value = p.value.copy()
    a, w = nk.Adam([p], lr=0.05), nk.AdamW([q], lr=0.05, weight_decay=0.0)
    for _ in range(5):
        p.grad = rng.normal(size=4)
        q.grad = p.grad.copy()
        a.step()
        w.step()
    np.testing.assert_array_equal(p.value, q.value)


def test_schedule_multiplies_the_rate_of_each_update():
    p = param([0.0], [1.0])
    opt = nk.SGD([p], lr=0.1, schedule=lambda t: [1.0, 0.5, 0.0][t])
    rates = []
    for _ in range(3):
        rates.append(opt.rate())
        opt.step()
    assert rates == [0.1, 0.05, 0.0]
    np.testing.assert_allclose(p.value, [-0.15])
    assert opt.t == 3


def test_step_decay():
    s = StepDecay(every=3, factor=0.5)
    assert [s(t) for t in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]


def test_cosine_decay_ends_at_its_floor_and_halfway_is_the_mean():
    s = CosineDecay(11, floor=0.2)
    assert s(0) == 1.0
    assert s(10) == pytest.approx(0.2)
    assert s(5) == pytest.approx(0.6)
    assert all(s(t) > s(t + 1) for t in range(10))


def test_warmup_then_cosine():
    s = Warmup(4, then=CosineDecay(3))
    assert [s(t) for t in range(7)] == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0, 0.5, 0.0])
    assert [Warmup(2)(t) for t in range(4)] == [0.5, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("schedule, t, match", [
    (CosineDecay(11), 11, "t = 0..10, asked for t = 11"),
    (Warmup(2, then=CosineDecay(4)), 6, "asked for t = 4"),
    (StepDecay(2), -1, "start at t = 0"),
])
def test_a_schedule_refuses_updates_it_does_not_define(schedule, t, match):
    with pytest.raises(ValueError, match=match):
        schedule(t)


def test_optimiser_past_the_end_of_its_schedule_raises():
    p = param([0.0], [1.0])
    opt = nk.Adam([p], schedule=CosineDecay(2))
    opt.step()
    opt.step()
    with pytest.raises(ValueError, match="asked for t = 2"):
        opt.step()


@pytest.mark.parametrize("bad", [lambda t: -1.0, lambda t: float("nan"), lambda t: "1"])
def test_a_bad_multiplier_is_named(bad):
    opt = nk.SGD([param([0.0], [1.0])], schedule=bad)
    with pytest.raises(ValueError, match=r"schedule\(0\) must be a finite number >= 0"):
        opt.step()


ALL = [nk.SGD, nk.AdaGrad, nk.RMSProp, nk.Adam, nk.AdamW]


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("lr, error, match", [
    (-0.1, ValueError, "lr must be positive"),
    (0.0, ValueError, "lr must be positive"),
    (float("nan"), ValueError, "lr must be finite"),
    (float("inf"), ValueError, "lr must be finite"),
    ("0.1", TypeError, "lr must be a number"),
])
def test_bad_learning_rates(cls, lr, error, match):
    with pytest.raises(error, match=match):
        cls([param([0.0], [0.0])], lr=lr)
    opt = cls([param([0.0], [0.0])], lr=0.1)
    with pytest.raises(error, match=match):
        opt.lr = lr
    assert opt.lr == 0.1


@pytest.mark.parametrize("cls", ALL)
def test_common_checks(cls):
    with pytest.raises(ValueError, match="params is empty"):
        cls([])
    with pytest.raises(TypeError, match=r"params\[0\] must be an nnkit Parameter"):
        cls([np.zeros(2)])
    with pytest.raises(ValueError, match="weight_decay must be non-negative"):
        cls([param([0.0], [0.0])], weight_decay=-1.0)
    with pytest.raises(TypeError, match="schedule must be None or a function"):
        cls([param([0.0], [0.0])], schedule=0.5)


@pytest.mark.parametrize("cls", [nk.Adam, nk.AdamW])
@pytest.mark.parametrize("betas, error, match", [
    ((1.0, 0.999), ValueError, r"betas\[0\] must be in \[0, 1\)"),
    ((0.9, 1.5), ValueError, r"betas\[1\] must be in \[0, 1\)"),
    ((-0.1, 0.999), ValueError, r"betas\[0\] must be non-negative"),
    ((0.9, float("nan")), ValueError, r"betas\[1\] must be finite"),
    (0.9, TypeError, "betas must be a pair"),
    ((0.9, 0.99, 0.999), TypeError, "betas must be a pair"),
])
def test_bad_betas(cls, betas, error, match):
    with pytest.raises(error, match=match):
        cls([param([0.0], [0.0])], betas=betas)


@pytest.mark.parametrize("cls", [nk.AdaGrad, nk.RMSProp, nk.Adam, nk.AdamW])
@pytest.mark.parametrize("eps", [0.0, -1e-8])
def test_eps_must_be_positive(cls, eps):
    with pytest.raises(ValueError, match="eps must be positive"):
        cls([param([0.0], [0.0])], eps=eps)


def test_other_bad_arguments():
    p = [param([0.0], [0.0])]
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\)"):
        nk.SGD(p, momentum=1.0)
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0"):
        nk.SGD(p, nesterov=True)
    with pytest.raises(TypeError, match="nesterov must be True or False"):
        nk.SGD(p, momentum=0.9, nesterov=1)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\)"):
        nk.RMSProp(p, alpha=1.0)
    with pytest.raises(ValueError, match="every must be at least 1"):
        StepDecay(0)
    with pytest.raises(ValueError, match="floor is the final multiplier, at most 1"):
        CosineDecay(10, floor=2.0)
    with pytest.raises(TypeError, match="then must be None or a schedule"):
        Warmup(3, then=0.5)
    with pytest.raises(TypeError, match="function of the update number t, an int"):
        StepDecay(2)(1.5)


def test_fit_runs_every_optimiser_with_a_schedule():
    X, y = nk.datasets.moons(64, noise=0.1, rng=0)
    for make in (lambda ps: nk.SGD(ps, lr=0.5, momentum=0.9, nesterov=True,
                                   schedule=StepDecay(20, 0.5)),
                 lambda ps: nk.AdaGrad(ps, lr=0.1),
                 lambda ps: nk.RMSProp(ps, lr=0.01),
                 lambda ps: nk.Adam(ps, lr=0.02, schedule=Warmup(5, then=CosineDecay(96))),
                 lambda ps: nk.AdamW(ps, lr=0.02)):
        model = nk.mlp([2, 8, 2], activation="tanh", rng=0)
        opt = make(model.parameters())
        history = nk.fit(model, X, y, nk.CrossEntropyLoss(), opt, epochs=100, batch_size=None)
        assert opt.t == 100
        assert history.epoch_loss[-1] < 0.5 * history.initial_loss
