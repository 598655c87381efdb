"""Dropout (inverted, with training and evaluation modes), model-level train()/eval(), and
fit putting the model in the right mode."""

import numpy as np
import pytest

import nnkit as nk


def regression_problem(seed=0, n=20):
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(n, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * gen.normal(size=n)
    return X, y.reshape(-1, 1)


def small_net(seed=0, dropout=0.0, width=5, n_in=3, n_out=1):
    layers = [nk.Dense(n_in, width, init="he", rng=seed), nk.Tanh()]
    if dropout:
        layers.append(nk.Dropout(dropout, rng=seed + 7))
    layers.append(nk.Dense(width, n_out, rng=seed + 1))
    return nk.Sequential(*layers)


def test_dropout_in_training_mode_zeroes_and_rescales():
    drop = nk.Dropout(0.25, rng=0)
    out = drop.forward(np.ones((200, 50)))
    kept = out != 0
    np.testing.assert_array_equal(out[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.02
    assert abs(out.mean() - 1.0) < 0.03   # E[m] = 1: the expected output is the input


def test_dropout_draws_a_new_mask_every_pass_unless_held():
    drop = nk.Dropout(0.5, rng=0)
    X = np.ones((4, 30))
    first, second = drop.forward(X), drop.forward(X)
    assert not np.array_equal(first, second)
    drop.hold_mask = True
    np.testing.assert_array_equal(drop.forward(X), second)


def test_dropout_in_evaluation_mode_is_the_identity():
    drop = nk.Dropout(0.5, rng=0).eval()
    X = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(drop.forward(X), X)
    G = np.ones_like(X)
    np.testing.assert_array_equal(drop.backward(G), G)


def test_dropout_backward_uses_the_forward_mask():
    drop = nk.Dropout(0.4, rng=1)
    X = np.random.default_rng(0).normal(size=(6, 5))
    out = drop.forward(X)
    G = np.random.default_rng(1).normal(size=(6, 5))
    np.testing.assert_allclose(drop.backward(G), G * drop.mask)
    np.testing.assert_array_equal(drop.backward(G) == 0, out == 0)


def test_dropout_network_passes_gradcheck_with_the_mask_held():
    X, y = regression_problem(n=8)
    net = small_net(dropout=0.5)
    net[2].hold_mask = True
    assert nk.gradcheck(net, nk.MSELoss(), X, y) < 1e-7
    assert (net[2].mask == 0).any()   # the check really ran with units dropped


def test_dropout_keeps_float32_and_converts_integers():
    X = np.ones((3, 4), dtype=np.float32)
    assert nk.Dropout(0.5, rng=0)(X).dtype == np.float32
    assert nk.Dropout(0.5, rng=0)(np.ones((3, 4), dtype=int)).dtype == np.float64


def test_dropout_rate_zero_keeps_everything():
    X = np.random.default_rng(0).normal(size=(5, 5))
    np.testing.assert_array_equal(nk.Dropout(0.0, rng=0).forward(X), X)


@pytest.mark.parametrize("p", [1.0, 1.5, -0.1])
def test_bad_dropout_rate_is_a_clear_error(p):
    with pytest.raises(ValueError, match=r"dropout rate p must be"):
        nk.Dropout(p)


def test_dropout_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="before forward"):
        nk.Dropout(0.5).backward(np.ones((2, 2)))


def test_train_and_eval_reach_every_layer_of_nested_models():
    inner = nk.Sequential(nk.Dense(3, 4, rng=0), nk.Dropout(0.5, rng=0))
    model = nk.Sequential(inner, nk.ReLU(), nk.Dropout(0.3, rng=1), nk.Dense(4, 2, rng=1))
    assert model.eval() is model
    assert not any(layer.training for layer in [model, inner, *inner, *model])
    model.train()
    assert all(layer.training for layer in [model, inner, *inner, *model])
    with pytest.raises(TypeError, match="mode must be True"):
        model.train("eval")


def test_fit_trains_in_training_mode_and_evaluates_in_evaluation_mode():
    X, y = nk.datasets.moons(60, noise=0.2, rng=0)
    model = nk.Sequential(nk.Dense(2, 16, init="he", rng=0), nk.ReLU(),
                          nk.Dropout(0.5, rng=3), nk.Dense(16, 2, rng=1))
    seen = []
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(), nk.SGD(model.parameters(), lr=0.1),
                     epochs=3, batch_size=None, validation=(X, y),
                     callbacks=[lambda epoch, net, h: seen.append(net.training)])
    assert seen == [False, False, False]
    assert not model.training and not model[2].training
    # The validation loss is the deterministic evaluation-mode loss ...
    assert history.val_loss[-1] == pytest.approx(
        nk.CrossEntropyLoss()(model(X), y), rel=1e-12)
    # ... and the updates really ran with dropout: a mask was drawn for each of them.
    assert model[2].mask is not None and (model[2].mask == 0).any()


def test_fit_with_dropout_makes_the_same_updates_as_a_hand_written_loop():
    # Every update is a training-mode pass with a fresh mask; the evaluation passes
    # between epochs draw no masks. Compare with the loop written by hand.
    X, y = nk.datasets.moons(40, noise=0.2, rng=1)

    def model():
        return nk.Sequential(nk.Dense(2, 8, init="he", rng=0), nk.ReLU(),
                             nk.Dropout(0.5, rng=5), nk.Dense(8, 2, rng=1))

    fitted, manual = model(), model()
    nk.fit(fitted, X, y, nk.CrossEntropyLoss(), nk.SGD(fitted.parameters(), lr=0.2),
           epochs=4, batch_size=None)
    loss, opt = nk.CrossEntropyLoss(), nk.SGD(manual.parameters(), lr=0.2)
    for _ in range(4):
        manual.train()
        loss(manual(X), y)
        manual.backward(loss.backward())
        opt.step()
    for a, b in zip(fitted.parameters(), manual.parameters(), strict=True):
        np.testing.assert_allclose(a.value, b.value, rtol=1e-12)
