"""Every nnkit loss against PyTorch's loss of the same formula: the value and dJ/d(pred)
agree to 1e-12 and 1e-10 relative on random batches. Skipped where torch is not installed
(the formulas themselves are tested in test_losses.py, which always runs)."""

import numpy as np
import pytest

import nnkit as nk

torch = pytest.importorskip("torch")


def batch(name, gen):
    """(ours, theirs, pred, target) for one loss: a 7×3 batch (7 labels in 0..2 for
    cross-entropy), probabilities for BCE, logits reaching ±40 for BCE on logits (where
    a Sigmoid then BCE would clip)."""
    z = gen.normal(size=(7, 3))
    labels = gen.integers(0, 2, size=(7, 3)).astype(float)
    if name == "mse":
        return nk.MSELoss(), torch.nn.MSELoss(), z, gen.normal(size=(7, 3))
    if name == "bce":
        return nk.BCELoss(), torch.nn.BCELoss(), 1 / (1 + np.exp(-z)), labels
    if name == "bce-logits":
        z[0, 0], z[1, 1] = -40.0, 40.0
        return nk.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), z, labels
    return nk.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), z, gen.integers(0, 3, size=7)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", ["mse", "bce", "bce-logits", "cross-entropy"])
def test_loss_and_its_gradient_agree_with_torch(name, seed):
    ours, theirs, pred, target = batch(name, np.random.default_rng(seed))
    pred_t = torch.from_numpy(pred.copy()).requires_grad_()
    value = theirs(pred_t, torch.from_numpy(target))
    value.backward()
    assert ours(pred, target) == pytest.approx(value.item(), rel=1e-12)
    np.testing.assert_allclose(ours.backward(), pred_t.grad.numpy(), rtol=1e-10, atol=1e-15)
