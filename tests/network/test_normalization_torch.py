"""BatchNorm, LayerNorm and clip_grad_norm against PyTorch's BatchNorm1d, LayerNorm and
clip_grad_norm_, forward and backward, in training and evaluation mode (skipped where
torch is not installed; the formula tests in test_normalization.py always run)."""

import numpy as np
import pytest

import nnkit as nk

torch = pytest.importorskip("torch")

TOLERANCE = 1e-10


def max_difference(ours, theirs):
    return float(np.max(np.abs(ours - theirs.detach().numpy())))


def compare(ours, theirs, X, G, steps=3):
    """Run both layers on ``steps`` batches (the running statistics move), then compare
    output, input gradient and parameter gradients; returns the largest difference."""
    worst = 0.0
    gen = np.random.default_rng(11)
    for _ in range(steps):
        batch_X = X + gen.normal(size=X.shape)
        Xt = torch.from_numpy(batch_X).requires_grad_(True)
        out_t = theirs(Xt)
        out_t.backward(torch.from_numpy(G))
        out = ours(batch_X)
        grad = ours.backward(G)
        worst = max(worst, max_difference(out, out_t), max_difference(grad, Xt.grad),
                    max_difference(ours.gamma.grad, theirs.weight.grad),
                    max_difference(ours.beta.grad, theirs.bias.grad))
        theirs.zero_grad()
    return worst


def twins(kind, d, seed=0):
    gen = np.random.default_rng(seed)
    if kind == "batch":
        ours, theirs = nk.BatchNorm(d, eps=1e-3, momentum=0.2), torch.nn.BatchNorm1d(
            d, eps=1e-3, momentum=0.2).double()
    else:
        ours, theirs = nk.LayerNorm(d, eps=1e-3), torch.nn.LayerNorm(d, eps=1e-3).double()
    ours.gamma.value = gen.normal(size=d)
    ours.beta.value = gen.normal(size=d)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.gamma.value))
        theirs.bias.copy_(torch.from_numpy(ours.beta.value))
    return ours, theirs


@pytest.mark.parametrize("kind", ["batch", "layer"])
@pytest.mark.parametrize("n", [2, 3, 32])
def test_normalisation_agrees_with_pytorch_in_both_modes(kind, n):
    gen = np.random.default_rng(n)
    X, G = 2.0 + 3.0 * gen.normal(size=(n, 5)), gen.normal(size=(n, 5))
    ours, theirs = twins(kind, 5)
    assert compare(ours.train(), theirs.train(), X, G) < TOLERANCE
    if kind == "batch":
        np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(),
                                   rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(),
                                   rtol=0, atol=TOLERANCE)
    assert compare(ours.eval(), theirs.eval(), X, G) < TOLERANCE


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_agrees_with_pytorch(max_norm):
    gen = np.random.default_rng(0)
    grads = [gen.normal(size=(4, 3)), gen.normal(size=4), gen.normal(size=(2, 4))]
    params = [nk.Parameter(np.zeros_like(g)) for g in grads]
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(params, tensors, grads, strict=True):
        p.grad = g.copy()
        t.grad = torch.from_numpy(g.copy())
    ours = nk.clip_grad_norm(params, max_norm)
    theirs = float(torch.nn.utils.clip_grad_norm_(tensors, max_norm))
    assert abs(ours - theirs) < TOLERANCE
    for p, t in zip(params, tensors, strict=True):
        assert max_difference(p.grad, t.grad) < TOLERANCE
