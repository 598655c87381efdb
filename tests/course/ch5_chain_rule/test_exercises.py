"""Chapter 5's checkers beyond their mutant banks: every reference agrees with finite
differences of the loss it differentiates."""

import numpy as np

from nnkit.activations import sigmoid
from nnkit.course.ch5_chain_rule import exercises as ex
from nnkit.gradcheck import numerical_gradient, relative_error


def test_tiny_reference_agrees_with_finite_differences():
    x, y = np.array([1.0, 0.5]), 1.0
    t1, t2 = np.array([[0.5, -0.4], [0.3, 0.8]]), np.array([[0.7, -1.2]])

    def J():
        return float((sigmoid(t2 @ sigmoid(t1 @ x))[0] - y) ** 2)

    g1, g2 = ex.check_tiny_gradients.reference(x, y, t1, t2)
    assert relative_error(g1, numerical_gradient(J, t1)) < 1e-7
    assert relative_error(g2, numerical_gradient(J, t2)) < 1e-7


def test_dense_reference_agrees_with_finite_differences():
    rng = np.random.default_rng(0)
    X, W, b, G = (rng.normal(size=s) for s in ((4, 3), (2, 3), (2,), (4, 2)))

    def loss():
        return float(np.sum(G * (X @ W.T + b)))

    dX, dW, db = ex.check_dense_backward.reference(X, W, G)
    for got, wrt in ((dX, X), (dW, W), (db, b)):
        assert relative_error(got, numerical_gradient(loss, wrt)) < 1e-7


def test_fixed_backward_reference_agrees_with_finite_differences():
    rng = np.random.default_rng(1)
    X, Y, W1, W2 = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2)), rng.normal(
        size=(4, 3)), rng.normal(size=(2, 4))
    g1, g2 = ex.check_fixed_backward.reference(X, Y, W1, W2)
    assert relative_error(g1, numerical_gradient(lambda: ex.two_layer_loss(X, Y, W1, W2),
                                                 W1)) < 1e-7
    assert relative_error(g2, numerical_gradient(lambda: ex.two_layer_loss(X, Y, W1, W2),
                                                 W2)) < 1e-7
