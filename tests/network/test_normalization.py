"""BatchNorm, LayerNorm, Residual, gradient clipping and nk.mlp's norm/residual options:
the formulas written out independently, the gradient check, and the errors at the door."""

import numpy as np
import pytest

import nnkit as nk


def batch(n=7, d=4, seed=0, shift=3.0, spread=2.0):
    return shift + spread * np.random.default_rng(seed).normal(size=(n, d))


def random_affine(layer, seed=1):
    gen = np.random.default_rng(seed)
    layer.gamma.value = gen.normal(size=layer.n_features)
    layer.beta.value = gen.normal(size=layer.n_features)
    return layer


# ---------------------------------------------------------------- forward formulas

def test_batchnorm_training_forward_standardises_each_feature_over_the_batch():
    X = batch()
    bn = random_affine(nk.BatchNorm(4, eps=1e-3))
    out = bn(X)
    for j in range(4):
        column = X[:, j]
        mean = sum(column) / len(column)
        var = sum((x - mean) ** 2 for x in column) / len(column)
        expected = bn.gamma.value[j] * (column - mean) / np.sqrt(var + 1e-3) + bn.beta.value[j]
        np.testing.assert_allclose(out[:, j], expected, rtol=1e-12, atol=1e-12)


def test_batchnorm_with_unit_scale_gives_mean_zero_variance_near_one():
    out = nk.BatchNorm(4, eps=1e-12)(batch())
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, atol=1e-9)


def test_batchnorm_running_statistics_follow_the_momentum_rule_with_unbiased_variance():
    bn = nk.BatchNorm(4, momentum=0.3)
    X1, X2 = batch(seed=1), batch(n=5, seed=2)
    bn(X1)
    bn(X2)
    n1, n2 = len(X1), len(X2)
    mean = 0.7 * (0.7 * 0.0 + 0.3 * X1.mean(0)) + 0.3 * X2.mean(0)
    var = 0.7 * (0.7 * 1.0 + 0.3 * X1.var(0) * n1 / (n1 - 1)) + 0.3 * X2.var(0) * n2 / (n2 - 1)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)


def test_batchnorm_evaluation_mode_uses_running_statistics_and_leaves_them_alone():
    bn = random_affine(nk.BatchNorm(4, momentum=1.0))
    X = batch(seed=3)
    bn(X)
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    bn.eval()
    one = X[:1] + 10.0  # a single sample is fine in evaluation mode
    expected = bn.gamma.value * (one - mean) / np.sqrt(var + bn.eps) + bn.beta.value
    np.testing.assert_allclose(bn(one), expected, rtol=1e-12)
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)


def test_batchnorm_training_output_of_a_sample_depends_on_the_rest_of_the_batch():
    bn = nk.BatchNorm(4)
    X = batch(seed=4)
    other = X.copy()
    other[1:] += 1.0
    assert not np.allclose(bn(X)[0], bn(other)[0])


def test_layernorm_standardises_each_sample_over_its_features_in_both_modes():
    X = batch(n=3, d=6)
    ln = random_affine(nk.LayerNorm(6, eps=1e-4))
    for mode in (True, False):
        ln.train(mode)
        out = ln(X)
        for i in range(3):
            row = X[i]
            mean = sum(row) / len(row)
            var = sum((x - mean) ** 2 for x in row) / len(row)
            expected = ln.gamma.value * (row - mean) / np.sqrt(var + 1e-4) + ln.beta.value
            np.testing.assert_allclose(out[i], expected, rtol=1e-12, atol=1e-12)


def test_layernorm_of_one_sample_does_not_depend_on_the_others():
    ln = nk.LayerNorm(5)
    X = batch(n=4, d=5)
    np.testing.assert_allclose(ln(X)[:1], ln(X[:1]), rtol=1e-14)


# ---------------------------------------------------------------- backward

@pytest.mark.parametrize("kind", ["batch", "layer"])
@pytest.mark.parametrize("mode", [True, False])
def test_normalisation_layers_pass_the_gradient_check(kind, mode):
    X = batch(n=6, d=3, seed=5)
    y = np.array([0, 1, 2, 1, 0, 2])
    layer = nk.BatchNorm(4, momentum=0.5) if kind == "batch" else nk.LayerNorm(4)
    random_affine(layer)
    # A bias before a training-mode BatchNorm has a gradient of exactly 0, which finite
    # differences see as pure noise: no bias there, as nk.mlp(norm="batch") builds it.
    first = nk.Dense(3, 4, rng=0, bias=kind != "batch")
    model = nk.Sequential(first, layer, nk.Tanh(), nk.Dense(4, 3, rng=1))
    model(X)  # running statistics away from 0 and 1
    model.train(mode)
    assert nk.gradcheck(model, nk.CrossEntropyLoss(), X, y) < 1e-7


@pytest.mark.parametrize("kind", ["batch", "layer"])
def test_input_gradient_matches_finite_differences(kind):
    X = batch(n=5, d=4, seed=6)
    layer = random_affine(nk.BatchNorm(4) if kind == "batch" else nk.LayerNorm(4))
    weights = np.random.default_rng(7).normal(size=(5, 4))

    def objective():
        return float(np.sum(weights * layer.forward(X)))

    objective()
    analytic = layer.backward(weights)
    numeric = nk.numerical_gradient(objective, X)
    assert nk.relative_error(analytic, numeric) < 1e-7


def test_batchnorm_training_input_gradient_sums_to_zero_over_the_batch():
    # Adding a constant to a feature of every sample leaves the training output unchanged.
    bn = random_affine(nk.BatchNorm(4))
    bn(batch(seed=8))
    grad = bn.backward(np.random.default_rng(9).normal(size=(7, 4)))
    np.testing.assert_allclose(grad.sum(axis=0), 0.0, atol=1e-12)


# ---------------------------------------------------------------- residual

def test_residual_adds_the_input_and_its_gradient():
    block = nk.Sequential(nk.Dense(3, 3, rng=0), nk.Tanh())
    res = nk.Residual(block)
    X = batch(n=4, d=3)
    np.testing.assert_allclose(res(X), X + np.tanh(X @ block[0].W.value.T), rtol=1e-14)
    G = np.random.default_rng(1).normal(size=(4, 3))
    through_block = nk.Sequential(nk.Dense(3, 3, weights=block[0].W.value), nk.Tanh())
    through_block(X)
    np.testing.assert_allclose(res.backward(G), G + through_block.backward(G), rtol=1e-14)


def test_residual_with_a_zero_block_is_the_identity():
    res = nk.Residual(nk.Sequential(nk.Dense(3, 3, init="zeros"), nk.Tanh()))
    X = batch(n=4, d=3)
    np.testing.assert_array_equal(res(X), X)
    G = np.ones((4, 3))
    np.testing.assert_array_equal(res.backward(G), G)


def test_residual_network_passes_the_gradient_check_and_switches_modes():
    model = nk.mlp([3, 5, 5, 5, 2], activation="tanh", norm="batch", residual=True, rng=0)
    X, y = batch(n=6, d=3), np.array([0, 1, 1, 0, 1, 0])
    assert nk.gradcheck(model, nk.CrossEntropyLoss(), X, y) < 1e-7
    model.eval()
    assert all(not layer.training for layer in model[3].block)
    assert nk.gradcheck(model, nk.CrossEntropyLoss(), X, y) < 1e-7


# ---------------------------------------------------------------- mlp options

def test_mlp_puts_the_norm_between_dense_and_activation():
    model = nk.mlp([2, 4, 4, 3], norm="layer", rng=0)
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Dense", "LayerNorm", "ReLU", "Dense", "LayerNorm", "ReLU", "Dense"]
    batch_model = nk.mlp([2, 4, 4, 3], norm="batch", rng=0)
    assert [layer.b is None for layer in batch_model if isinstance(layer, nk.Dense)] == [
        True, True, False]


def test_mlp_residual_wraps_the_layers_that_keep_their_width():
    model = nk.mlp([2, 4, 4, 4, 3], residual=True, rng=0)
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Dense", "ReLU", "Residual", "Residual", "Dense"]
    assert [type(layer).__name__ for layer in model[2].block] == ["Dense", "ReLU"]


def test_residual_scale_shrinks_the_last_scale_of_each_block():
    plain = nk.mlp([2, 4, 4, 3], residual=True, rng=0)
    small = nk.mlp([2, 4, 4, 3], residual=True, residual_scale=0.25, rng=0)
    np.testing.assert_allclose(small[2].block[0].W.value, 0.25 * plain[2].block[0].W.value)
    normed = nk.mlp([2, 4, 4, 3], residual=True, norm="layer", residual_scale=0.0, rng=0)
    np.testing.assert_array_equal(normed[3].block[1].gamma.value, 0.0)
    X = batch(n=5, d=2)
    hidden = normed[:3](X)
    np.testing.assert_array_equal(normed[3](hidden), hidden)  # the block starts as identity


def test_mlp_without_the_new_options_is_unchanged():
    a, b = nk.mlp([2, 4, 3], rng=0), nk.mlp([2, 4, 3], rng=0, norm=None, residual=False)
    assert repr(a) == repr(b)
    np.testing.assert_array_equal(a[0].W.value, b[0].W.value)


# ---------------------------------------------------------------- clipping

def grads_of(*arrays):
    params = [nk.Parameter(np.zeros_like(np.asarray(a, dtype=float))) for a in arrays]
    for p, a in zip(params, arrays, strict=True):
        p.grad = np.asarray(a, dtype=float).copy()
    return params


def test_clip_grad_norm_rescales_all_gradients_by_one_factor():
    params = grads_of([3.0, 0.0], [[0.0], [4.0]])   # global norm 5
    assert nk.clip_grad_norm(params, 1.0) == 5.0
    factor = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad, [3 * factor, 0.0], rtol=1e-15)
    np.testing.assert_allclose(params[1].grad, [[0.0], [4 * factor]], rtol=1e-15)


def test_clip_grad_norm_leaves_small_and_zero_gradients_alone():
    params = grads_of([0.3, -0.4], [0.0])
    assert nk.clip_grad_norm(params, 1.0) == pytest.approx(0.5, rel=1e-15)
    np.testing.assert_array_equal(params[0].grad, [0.3, -0.4])
    zero = grads_of([0.0, 0.0])
    assert nk.clip_grad_norm(zero, 1.0) == 0.0
    np.testing.assert_array_equal(zero[0].grad, 0.0)


def test_clip_callback_keeps_every_update_within_the_maximum_norm():
    X, y = batch(n=16, d=2, seed=3), np.arange(16) % 2
    model = nk.mlp([2, 8, 2], rng=0)
    clip = nk.ClipGradNorm(0.05)

    class After(nk.Callback):
        norms = []

        def on_update(self, model, history):
            self.norms.append(np.sqrt(sum(np.sum(p.grad ** 2) for p in model.parameters())))

    after = After()
    nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.1),
           epochs=3, batch_size=4, callbacks=[clip, after], rng=0)
    assert len(clip.norms) == len(after.norms) == 12
    assert max(after.norms) <= 0.05
    assert clip.clipped == sum(n > 0.05 for n in clip.norms) > 0


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, error, message", [
    (lambda: nk.BatchNorm(3)(np.ones((1, 3))), ValueError, "at least 2 samples"),
    (lambda: nk.BatchNorm(3)(np.ones((4, 2))), ValueError, "expects 3"),
    (lambda: nk.LayerNorm(3)(np.ones((4, 5))), ValueError, "expects 3"),
    (lambda: nk.LayerNorm(3)(np.ones(3)), ValueError, "2-D"),
    (lambda: nk.BatchNorm(3, eps=0), ValueError, "positive"),
    (lambda: nk.LayerNorm(3, eps=-1e-5), ValueError, "positive"),
    (lambda: nk.BatchNorm(3, momentum=1.5), ValueError, "momentum"),
    (lambda: nk.BatchNorm(0), ValueError, "n_features"),
    (lambda: nk.Residual(lambda x: x), TypeError, "Layer"),
    (lambda: nk.Residual(nk.Dense(3, 2))(np.ones((2, 3))), ValueError, "same shape"),
    (lambda: nk.clip_grad_norm(grads_of([1.0]), 0.0), ValueError, "positive"),
    (lambda: nk.clip_grad_norm([np.ones(2)], 1.0), TypeError, "Parameter"),
    (lambda: nk.ClipGradNorm(-1.0), ValueError, "positive"),
    (lambda: nk.mlp([2, 3, 2], norm="group"), ValueError, "norm"),
    (lambda: nk.mlp([2, 3, 2], residual=True), ValueError, "as many inputs"),
    (lambda: nk.mlp([2, 3, 3, 2], norm="batch", bias=[True] * 3), ValueError, "bias"),
])
def test_misuse_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_batchnorm_of_one_sample_is_fine_in_evaluation_mode():
    assert nk.BatchNorm(3).eval()(np.ones((1, 3))).shape == (1, 3)
