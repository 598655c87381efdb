"""Weight decay in SGD: the formula d = ∇J + αθ (with and without momentum).  That it
gives the same weights as PyTorch's SGD(weight_decay=α) is checked where PyTorch is
installed: test_optim_torch.py."""

import numpy as np
import pytest

import nnkit as nk


def regression_problem(seed=0, n=20):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * gen.normal(size=n)
    return X, y.reshape(-1, 1)


def small_net(seed=0):
    return nk.Sequential(nk.Dense(3, 5, init="he", rng=seed), nk.Tanh(),
                         nk.Dense(5, 1, rng=seed + 1))


def manual_steps(model, X, y, steps, lr, momentum, weight_decay):
    """The update written out from its formula: d = ∇J + αθ; v ← μv + d; θ ← θ − ηv."""
    loss = nk.MSELoss()
    velocity = [np.zeros_like(p.value) for p in model.parameters()]
    for _ in range(steps):
        loss(model(X), y)
        model.backward(loss.backward())
        for p, v in zip(model.parameters(), velocity, strict=True):
            d = p.grad + weight_decay * p.value
            v[...] = momentum * v + d
            p.value = p.value - lr * v


def nnkit_steps(model, X, y, steps, lr, momentum, weight_decay):
    loss = nk.MSELoss()
    opt = nk.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    for _ in range(steps):
        loss(model(X), y)
        model.backward(loss.backward())
        opt.step()


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_weight_decay_follows_its_formula(momentum):
    X, y = regression_problem()
    ours, formula = small_net(), small_net()
    nnkit_steps(ours, X, y, 50, 0.05, momentum, 0.1)
    manual_steps(formula, X, y, 50, 0.05, momentum, 0.1)
    for a, b in zip(ours.parameters(), formula.parameters(), strict=True):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-12, atol=1e-14)


def test_one_plain_step_shrinks_by_one_minus_lr_alpha():
    p = nk.Parameter(np.array([2.0, -4.0]))
    p.grad = np.array([1.0, 1.0])
    nk.SGD([p], lr=0.1, weight_decay=0.5).step()
    # θ ← (1 − ηα) θ − η ∇J = 0.95 θ − 0.1 ∇J
    np.testing.assert_allclose(p.value, [0.95 * 2 - 0.1, 0.95 * -4 - 0.1], rtol=1e-15)


def test_weight_decay_changes_the_result_and_zero_changes_nothing():
    X, y = regression_problem()
    plain, zero, decayed = small_net(), small_net(), small_net()
    nnkit_steps(plain, X, y, 20, 0.05, 0.0, 0.0)
    manual_steps(zero, X, y, 20, 0.05, 0.0, 0.0)
    nnkit_steps(decayed, X, y, 20, 0.05, 0.0, 0.1)
    w_plain, w_zero, w_decay = (m[0].W.value for m in (plain, zero, decayed))
    np.testing.assert_array_equal(w_plain, w_zero)
    assert np.linalg.norm(w_decay) < np.linalg.norm(w_plain)


def test_bad_weight_decay_is_a_clear_error():
    params = small_net().parameters()
    with pytest.raises(ValueError, match="weight_decay must be non-negative"):
        nk.SGD(params, weight_decay=-0.1)
    with pytest.raises(TypeError, match="weight_decay must be a number"):
        nk.SGD(params, weight_decay="0.1")
    with pytest.raises(ValueError, match="weight_decay must be finite"):
        nk.SGD(params, weight_decay=float("nan"))
    with pytest.raises(TypeError, match="weight_dekay"):
        nk.SGD(params, weight_dekay=0.1)
    assert "weight_decay=0.01" in repr(nk.SGD(params, weight_decay=0.01))
