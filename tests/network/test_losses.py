"""MSE, binary and softmax cross-entropy: values, gradients, stability."""

import math
import warnings

import numpy as np
import pytest

import nnkit as nk
from nnkit import losses
from nnkit.gradcheck import numerical_gradient


def numeric_grad(loss, pred, target):
    pred = pred.copy()
    return numerical_gradient(lambda: loss(pred, target), pred)


def test_mse_value_and_gradient():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    loss = nk.MSELoss()
    assert loss(pred, target) == pytest.approx(np.sum((pred - target) ** 2) / 12)
    assert np.allclose(loss.backward(), 2 * (pred - target) / 12)
    assert np.allclose(loss.backward(), numeric_grad(loss, pred, target), atol=1e-8)


def test_mse_accepts_flat_target_for_single_output():
    pred = np.array([[1.0], [2.0], [4.0]])
    assert nk.MSELoss()(pred, np.array([1.0, 1.0, 1.0])) == pytest.approx(10 / 3)


def test_bce_value_and_gradient():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 0.95, size=(8, 1))
    t = rng.integers(0, 2, size=(8, 1)).astype(float)
    loss = nk.BCELoss()
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert loss(p, t) == pytest.approx(expected)
    assert np.allclose(loss.backward(), numeric_grad(loss, p, t), rtol=1e-6, atol=1e-9)


def test_bce_is_finite_at_exact_zero_and_one():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    loss = nk.BCELoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(p, t)
        grad = loss.backward()
    assert math.isfinite(value) and value > 10  # two confident mistakes cost a lot
    assert np.all(np.isfinite(grad))
    assert grad[2] < 0 < grad[3]  # push p up where t = 1, down where t = 0
    assert loss(np.array([0.0, 1.0]), np.array([0.0, 1.0])) < 1e-12


def test_cross_entropy_matches_minus_log_softmax():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = nk.CrossEntropyLoss()
    assert loss(z, y) == pytest.approx(-np.mean(np.log(p[np.arange(5), y])))
    grad = loss.backward()
    assert np.allclose(grad, (p - nk.one_hot(y, 4)) / 5)
    assert np.allclose(grad, numeric_grad(loss, z, y), atol=1e-8)


def test_cross_entropy_one_hot_targets_equal_integer_labels():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(4, 3))
    y = np.array([2, 0, 1, 2])
    a, b = nk.CrossEntropyLoss(), nk.CrossEntropyLoss()
    assert a(z, y) == pytest.approx(b(z, nk.one_hot(y, 3)))
    assert np.allclose(a.backward(), b.backward())


def test_uniform_logits_give_log_c():
    for n_classes in (2, 3, 10):
        value = nk.CrossEntropyLoss()(np.zeros((7, n_classes)), np.zeros(7, dtype=int))
        assert value == pytest.approx(math.log(n_classes))


def test_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]])
    y = np.array([0, 0, 1])
    loss = nk.CrossEntropyLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(z, y)
        grad = loss.backward()
    assert value == pytest.approx((0 + 2000 + math.log(2)) / 3)
    assert np.all(np.isfinite(grad))


def test_backward_twice_is_identical():
    z = np.random.default_rng(4).normal(size=(3, 3))
    for loss, target in [(nk.CrossEntropyLoss(), np.array([0, 1, 2])),
                         (nk.MSELoss(), np.ones((3, 3))),
                         (nk.BCELoss(), np.eye(3))]:
        pred = nk.activations.sigmoid(z) if isinstance(loss, nk.BCELoss) else z
        loss(pred, target)
        assert np.array_equal(loss.backward(), loss.backward())


def test_functional_forms_agree_with_classes():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(4, 3))
    y = np.array([0, 1, 2, 1])
    p = rng.uniform(0.1, 0.9, size=4)
    t = np.array([0.0, 1.0, 1.0, 0.0])
    assert losses.cross_entropy(z, y) == nk.CrossEntropyLoss()(z, y)
    assert losses.mse(z, z + 1) == pytest.approx(1.0)
    assert losses.bce(p, t) == nk.BCELoss()(p, t)
    assert nk.MSELoss()(z, z) == 0.0


def test_loss_values_are_python_floats():
    assert type(losses.mse(np.ones(3), np.zeros(3))) is float
    assert type(losses.cross_entropy(np.zeros((2, 2)), [0, 1])) is float


@pytest.mark.parametrize("loss, pred, target", [
    (nk.MSELoss(), np.array([[1.0], [2.0]]), [3, 4]),
    (nk.BCELoss(), np.array([[0.2], [0.9]]), [0, 1]),
    (nk.CrossEntropyLoss(), np.array([[1.0, 2.0], [0.5, -1.0]]), [1.0, 0.0]),
])
def test_calling_a_loss_is_check_then_forward(loss, pred, target):
    checked_pred, checked_target = loss.check(pred, target)
    assert checked_target.shape in (pred.shape, (2,))  # (n,) becomes (n, 1) for MSE/BCE
    by_hand = type(loss)()
    assert loss(pred, target) == by_hand.forward(checked_pred, checked_target)
    np.testing.assert_array_equal(loss.backward(), by_hand.backward())


def test_the_check_names_the_target():
    with pytest.raises(ValueError, match=r"labels contains label 5 but there are only 2"):
        nk.CrossEntropyLoss().check(np.zeros((2, 2)), [0, 5], "labels")


# ------------------------------------------------------- binary cross-entropy on logits

def test_bce_with_logits_equals_bce_of_the_sigmoid_on_moderate_logits():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=3.0, size=(9, 1))
    t = rng.integers(0, 2, size=(9, 1)).astype(float)
    p = 1.0 / (1.0 + np.exp(-z))
    loss = nk.BCEWithLogitsLoss()
    assert loss(z, t) == pytest.approx(nk.BCELoss()(p, t), rel=1e-12)
    np.testing.assert_allclose(loss.backward(), (p - t) / z.size, rtol=1e-12)
    soft = rng.uniform(size=(9, 1))  # soft targets too
    assert loss(z, soft) == pytest.approx(nk.BCELoss()(p, soft), rel=1e-12)


def test_bce_with_logits_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    z = rng.normal(scale=2.0, size=(6, 2))
    t = rng.integers(0, 2, size=(6, 2)).astype(float)
    loss = nk.BCEWithLogitsLoss()
    loss(z, t)
    np.testing.assert_allclose(loss.backward(), numeric_grad(loss, z, t), rtol=1e-6, atol=1e-10)


def test_bce_with_logits_is_exact_for_extreme_logits():
    z = np.array([[1000.0], [-1000.0], [1000.0], [-1000.0], [-50.0]])
    t = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    loss = nk.BCEWithLogitsLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in exp
        value = loss(z, t)
        grad = loss.backward()
    # two confident mistakes cost 1000 each, the -50 mistake 50: no clipping
    assert value == pytest.approx((1000.0 + 1000.0 + 50.0) / 5, rel=1e-12)
    # the gradient of a confident mistake keeps its full size, (σ(z) - y)/N = ±1/N
    np.testing.assert_array_equal(grad[:4, 0], np.array([0.0, 0.0, 1.0, -1.0]) / 5)
    assert grad[4, 0] == pytest.approx(-1.0 / 5, rel=1e-12)
    assert np.all(np.isfinite(grad))


def test_sigmoid_then_bce_loses_the_gradient_the_logits_loss_keeps():
    z = np.array([[-50.0]])
    sigmoid, bce = nk.Sigmoid(), nk.BCELoss()
    bce(sigmoid(z), [[1.0]])
    through_sigmoid = sigmoid.backward(bce.backward())[0, 0]
    logits = nk.BCEWithLogitsLoss()
    logits(z, [[1.0]])
    assert abs(through_sigmoid) < 1e-5 and logits.backward()[0, 0] == pytest.approx(-1.0)


def test_bce_with_logits_accepts_integer_logits_and_flat_targets():
    loss = nk.BCEWithLogitsLoss()
    assert loss(np.array([[0], [2]]), [1, 0]) == pytest.approx(
        (math.log(2) + 2 + math.log1p(math.exp(-2))) / 2)
    assert losses.bce_with_logits(np.zeros((2, 1)), [0, 1]) == pytest.approx(math.log(2))


@pytest.mark.parametrize("pred, target, message", [
    (np.zeros((2, 1)), [0, 2], r"target must be probabilities in \[0, 1\]"),
    (np.zeros((2, 1)), [0, 1, 1], r"target has shape \(3,\) but the predictions have shape"),
    ("abc", [0], r"logits"),
])
def test_bce_with_logits_rejects_bad_input_at_the_door(pred, target, message):
    with pytest.raises((ValueError, TypeError), match=message):
        nk.BCEWithLogitsLoss()(pred, target)


def test_bce_with_logits_takes_logits_outside_zero_one():
    # BCELoss would refuse these as probabilities; they are ordinary logits
    assert math.isfinite(nk.BCEWithLogitsLoss()(np.array([[-3.0], [7.0]]), [0, 1]))


def test_each_classifying_loss_counts_its_own_correct_predictions():
    """The accuracy fit records: argmax for logits over classes, p >= 0.5 for
    probabilities, z >= 0 for one logit; a regression loss counts nothing."""
    z = np.array([[2.0], [-1.0], [0.5], [-3.0]])
    y = np.array([[1.0], [1.0], [0.0], [0.0]])
    assert nk.BCEWithLogitsLoss().count_correct(z, y) == (2, 4)
    p = nk.activations.sigmoid(z)
    assert nk.BCELoss().count_correct(p, y) == (2, 4)
    logits = np.array([[0.1, 2.0], [3.0, -1.0], [0.0, 0.5]])
    assert nk.CrossEntropyLoss().count_correct(logits, np.array([1, 1, 1])) == (2, 3)
    assert nk.MSELoss().count_correct(z, y) == (0, 0)


def test_fit_records_the_accuracy_of_a_logits_classifier():
    gen = np.random.default_rng(4)
    X = gen.normal(size=(60, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    model = nk.mlp([2, 8, 1], activation="tanh", rng=0)
    history = nk.fit(model, X, y, nk.BCEWithLogitsLoss(), nk.SGD(model.parameters(), lr=0.5),
                     epochs=5, callbacks=[nk.EvaluateTrain()])
    z = model(X)
    assert len(history.train_accuracy) == 5
    assert history.train_accuracy[-1] == nk.accuracy(nk.activations.sigmoid(z), y)
    assert history.train_accuracy[-1] > 0.5
