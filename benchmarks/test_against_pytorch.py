"""nnkit against PyTorch on the CPU: the same updates give the same weights.

PyTorch is not a requirement of the course (tests/network needs only NumPy and pytest),
so these checks live beside the benchmark that compares the two for speed, and run
where torch is installed (``pip install torch==2.13.0``; without it they fail at import):

    .venv/bin/python -m pytest benchmarks/test_against_pytorch.py
"""

import numpy as np
import pytest
import torch

import nnkit as nk


def regression_problem(seed=0, n=20):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * gen.normal(size=n)
    return X, y.reshape(-1, 1)


def small_net(seed=0):
    return nk.Sequential(nk.Dense(3, 5, init="he", rng=seed), nk.Tanh(),
                         nk.Dense(5, 1, rng=seed + 1))


def nnkit_steps(model, X, y, steps, lr, momentum, weight_decay):
    loss = nk.MSELoss()
    opt = nk.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    for _ in range(steps):
        loss(model(X), y)
        model.backward(loss.backward())
        opt.step()


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_weight_decay_agrees_with_pytorch(momentum):
    X, y = regression_problem(seed=3)
    ours = small_net(seed=3)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
    theirs = theirs.double()
    with torch.no_grad():
        for mine, layer in zip((ours[0], ours[2]), (theirs[0], theirs[2]), strict=True):
            layer.weight.copy_(torch.from_numpy(mine.W.value))
            layer.bias.copy_(torch.from_numpy(mine.b.value))
    opt = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=momentum, weight_decay=0.1)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(100):
        opt.zero_grad()
        torch.mean((theirs(Xt) - yt) ** 2).backward()
        opt.step()
    nnkit_steps(ours, X, y, 100, 0.05, momentum, 0.1)
    for mine, layer in zip((ours[0], ours[2]), (theirs[0], theirs[2]), strict=True):
        np.testing.assert_allclose(mine.W.value, layer.weight.detach().numpy(),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(mine.b.value, layer.bias.detach().numpy(),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["mse", "bce", "cross-entropy"])
def test_losses_and_their_gradients_agree_with_pytorch(name):
    gen = np.random.default_rng(1)
    z = gen.normal(size=(7, 3))
    if name == "mse":
        ours, theirs = nk.MSELoss(), torch.nn.MSELoss()
        pred, target = z, gen.normal(size=(7, 3))
    elif name == "bce":
        ours, theirs = nk.BCELoss(), torch.nn.BCELoss()
        pred, target = nk.activations.sigmoid(z), gen.integers(0, 2, size=(7, 3)).astype(float)
    else:
        ours, theirs = nk.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
        pred, target = z, gen.integers(0, 3, size=7)
    pred_t = torch.from_numpy(pred).requires_grad_()
    value = theirs(pred_t, torch.from_numpy(target))
    value.backward()
    assert ours(pred, target) == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(ours.backward(), pred_t.grad.numpy(), rtol=1e-10, atol=1e-15)
