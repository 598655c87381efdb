"""Checkers for chapter 3, weight initialisation.

Use in the notebook::

    from nnkit.course.ch3_initialization import exercises as ex
    ex.check_hidden_layer_gradients(hidden_layer_gradients);
    ex.check_xavier_std(xavier_std);
    ex.check_he_std(he_std);
    ex.check_sigmoid_derivative(sigmoid_derivative);
    ex.check_sigmoid_chain(sigmoid_chain);

Every reference answer comes from nnkit itself (a bias-free ``nk.Sequential``, ``nk.init.init_std``,
``nk.activations.sigmoid_grad``), so the checkers test the student against the library the book
uses.
"""

from __future__ import annotations

import math

import numpy as np

import nnkit as nk
from nnkit.course.checking import call_student, checker, expect, expect_close

__all__ = [
    "check_hidden_layer_gradients",
    "check_xavier_std",
    "check_he_std",
    "check_sigmoid_derivative",
    "check_sigmoid_chain",
    "reference_hidden_layer_gradients",
]


def reference_hidden_layer_gradients(X, Y, W1, W2):
    """nnkit's gradients of the MSE loss for ``Ŷ = sigmoid(X W1ᵀ) W2ᵀ`` (no biases).

    Shapes: X (n, n_in), Y (n, n_out), W1 (n_hidden, n_in), W2 (n_out, n_hidden).
    Loss :math:`L = \\frac{1}{n\\,n_{out}} \\sum (\\hat Y - Y)^2` (nk.MSELoss).
    Returns ``(dL/dW1, dL/dW2)`` with the shapes of W1 and W2.
    """
    W1 = np.asarray(W1, dtype=np.float64)
    W2 = np.asarray(W2, dtype=np.float64)
    hidden = nk.Dense(W1.shape[1], W1.shape[0], init="zeros", bias=False)
    output = nk.Dense(W2.shape[1], W2.shape[0], init="zeros", bias=False)
    hidden.W.value[...] = W1
    output.W.value[...] = W2
    model = nk.Sequential(hidden, nk.Sigmoid(), output)
    loss = nk.MSELoss()
    loss.forward(model.forward(np.asarray(X, dtype=np.float64)), np.asarray(Y, dtype=np.float64))
    model.backward(loss.backward())
    return hidden.W.grad.copy(), output.W.grad.copy()


def _wrong_gradients(X, Y, W1, W2):
    """Typical slips in the backward pass, each as (dW1, dW2, hint) for a hint lookup."""
    n, n_out = Y.shape
    Z1 = X @ W1.T
    A1 = 1.0 / (1.0 + np.exp(-Z1))
    Y_hat = A1 @ W2.T
    dY = 2.0 * (Y_hat - Y) / (n * n_out)
    dW2 = dY.T @ A1
    dA1 = dY @ W2
    return {
        "no_sigma_prime": (dA1.T @ X, dW2),
        "sigma_prime_of_z": ((dA1 * Z1 * (1 - Z1)).T @ X, dW2),
        "z_instead_of_a": ((dA1 * A1 * (1 - A1)).T @ X, dY.T @ Z1),
    }


def _gradient_case(rng, n, n_in, n_hidden, n_out):
    X = rng.standard_normal((n, n_in))
    Y = rng.standard_normal((n, n_out))
    W1 = rng.standard_normal((n_hidden, n_in)) * 0.8
    W2 = rng.standard_normal((n_out, n_hidden)) * 0.8
    return X, Y, W1, W2


@checker("Gradients of a one-hidden-layer network")
def check_hidden_layer_gradients(student_fn):
    """``student_fn(X, Y, W1, W2) -> (dW1, dW2)`` for ``Ŷ = sigmoid(X W1ᵀ) W2ᵀ`` and MSE loss."""
    rng = np.random.default_rng(3)
    cases = [
        ("a batch of 6 samples, 3 inputs, 4 hidden units, 2 outputs", (6, 3, 4, 2)),
        ("a single sample, 2 inputs, 5 hidden units, 1 output", (1, 2, 5, 1)),
    ]
    for label, sizes in cases:
        X, Y, W1, W2 = _gradient_case(rng, *sizes)
        result = call_student(student_fn, X, Y, W1, W2, what="hidden_layer_gradients")
        expect(
            isinstance(result, (tuple, list)) and len(result) == 2,
            "return the two gradients as a pair: `return dW1, dW2`.",
        )
        dW1, dW2 = result
        ref1, ref2 = reference_hidden_layer_gradients(X, Y, W1, W2)
        wrong = _wrong_gradients(X, Y, W1, W2)
        expect_close(
            dW2, ref2, what=f"dW2 for {label}",
            hints=[
                (wrong["z_instead_of_a"][1],
                 "dW2 uses the hidden activations A1 = σ(Z1), not the pre-activations Z1."),
                (ref2 / 2.0,
                 "dW2 is half the right size: the derivative of (ŷ - y)² is 2(ŷ - y)."),
                (ref2 * Y.size,
                 "dW2 is n·n_out times too big: the MSE is a mean, so divide by the number "
                 "of elements of Y."),
                (ref2 * Y.size / 2.0,
                 "dW2: use dŶ = 2(Ŷ - Y) / (n·n_out), the derivative of the mean squared error."),
            ],
        )
        expect_close(
            dW1, ref1, what=f"dW1 for {label}",
            hints=[
                (wrong["no_sigma_prime"][0],
                 "dW1 is missing the sigmoid's derivative: dZ1 = dA1 ⊙ σ'(Z1), and "
                 "σ'(Z1) = A1 ⊙ (1 - A1)."),
                (wrong["sigma_prime_of_z"][0],
                 "dW1: σ'(Z1) = A1 ⊙ (1 - A1) uses the activations A1, not Z1 itself."),
                (ref1 / 2.0,
                 "dW1 is half the right size: the derivative of (ŷ - y)² is 2(ŷ - y)."),
                (ref1 * Y.size,
                 "dW1 is n·n_out times too big: the MSE is a mean, divide by the number of "
                 "elements of Y."),
            ],
        )
    # Zero weights: the gradient that reaches W1 passes through W2 = 0, so it must be zero.
    X, Y, W1, W2 = _gradient_case(rng, 4, 3, 4, 2)
    dW1, dW2 = call_student(student_fn, X, Y, np.zeros_like(W1), np.zeros_like(W2))
    ref1, ref2 = reference_hidden_layer_gradients(X, Y, np.zeros_like(W1), np.zeros_like(W2))
    expect_close(dW2, ref2, what="dW2 when all weights are zero")
    expect_close(dW1, ref1, what="dW1 when all weights are zero (it must be exactly zero)")


def _hints(*pairs):
    """The (wrong value, hint) pairs that apply to this case (value None means 'not here')."""
    return [(value, message) for value, message in pairs if value is not None]


def _std_cases():
    return [(784, 256), (100, 100), (3, 1000), (1, 1), (64, 10)]


@checker("Xavier/Glorot standard deviation")
def check_xavier_std(student_fn):
    """``student_fn(n_in, n_out) -> float``: sqrt(2 / (n_in + n_out))."""
    for n_in, n_out in _std_cases():
        got = call_student(student_fn, n_in, n_out, what="xavier_std")
        total = n_in + n_out
        expect_close(
            got, nk.init.init_std("xavier", n_in, n_out),
            what=f"xavier_std({n_in}, {n_out})",
            hints=[
                (2.0 / total,
                 "that is the variance 2/(n_in + n_out); the standard deviation is its "
                 "square root."),
                (math.sqrt(6.0 / total),
                 "sqrt(6/(n_in + n_out)) is the *bound* of Glorot's uniform version; the normal "
                 "version's standard deviation is sqrt(2/(n_in + n_out))."),
                (math.sqrt(1.0 / n_in),
                 "sqrt(1/n_in) is LeCun's scaling (forward pass only); Xavier averages fan-in and "
                 "fan-out: sqrt(2/(n_in + n_out))."),
                (math.sqrt(1.0 / total),
                 "the numerator is 2: Var(w) = 2/(n_in + n_out), the harmonic compromise between "
                 "1/n_in and 1/n_out."),
                (math.sqrt(2.0 / n_in),
                 "sqrt(2/n_in) is He's scaling; Xavier uses both fans: sqrt(2/(n_in + n_out))."),
            ],
        )


@checker("He standard deviation")
def check_he_std(student_fn):
    """``student_fn(n_in, n_out) -> float``: sqrt(2 / n_in); n_out is not used."""
    for n_in, n_out in _std_cases():
        got = call_student(student_fn, n_in, n_out, what="he_std")
        expect_close(
            got, nk.init.init_std("he", n_in, n_out),
            what=f"he_std({n_in}, {n_out})",
            hints=_hints(
                (2.0 / n_in,
                 "that is the variance 2/n_in; the standard deviation is its square root."),
                (math.sqrt(2.0 / n_out) if n_out != n_in else None,
                 "He's scaling keeps the forward signal steady, so it divides by the fan-in "
                 "n_in (inputs per unit), not n_out."),
                (math.sqrt(1.0 / n_in),
                 "sqrt(1/n_in) forgets that ReLU zeroes half its inputs: the factor 2 makes up "
                 "for the lost half of the variance."),
                (math.sqrt(2.0 / (n_in + n_out)),
                 "that is Xavier's scaling; He uses the fan-in only: sqrt(2/n_in)."),
            ),
        )


@checker("Derivative of the sigmoid")
def check_sigmoid_derivative(student_fn):
    """``student_fn(z) -> σ'(z) = σ(z)(1 - σ(z))``, elementwise, finite for any float z."""
    got = call_student(student_fn, np.array(0.0), what="sigmoid_derivative")
    expect_close(
        got, 0.25, what="σ'(0)",
        hints=[(0.5, "σ'(0) should be 0.25: you returned σ(0) itself, not its derivative."),
               (0.75, "σ'(0) should be 0.25: check the formula σ'(z) = σ(z)(1 - σ(z))."),
               (1.0, "1 - tanh(z)² is the derivative of tanh; the sigmoid's is σ(z)(1 - σ(z)).")],
    )
    z = np.array([-6.0, -2.0, -0.5, 0.0, 0.5, 2.0, 6.0])
    sig = 1.0 / (1.0 + np.exp(-z))
    expect_close(
        call_student(student_fn, z, what="sigmoid_derivative"),
        nk.activations.sigmoid_grad(z), what=f"σ'(z) for z = {z.tolist()}",
        hints=[(sig, "you returned σ(z) itself, not its derivative σ(z)(1 - σ(z))."),
               (sig * (1 + sig), "σ'(z) = σ(z)(1 - σ(z)), with a minus sign inside the bracket."),
               (1 - sig**2, "σ'(z) = σ(z)(1 - σ(z)), not 1 - σ(z)²."),
               (1 - np.tanh(z) ** 2,
                "1 - tanh(z)² is the derivative of tanh; the sigmoid's is σ(z)(1 - σ(z)).")],
    )
    grid = np.linspace(-3.0, 3.0, 6).reshape(2, 3)
    expect_close(
        call_student(student_fn, grid, what="sigmoid_derivative"),
        nk.activations.sigmoid_grad(grid), what="σ'(z) for a (2, 3) array (elementwise)",
    )
    extreme = np.array([-1000.0, -50.0, 50.0, 1000.0])
    expect_close(
        call_student(student_fn, extreme, what="sigmoid_derivative"),
        nk.activations.sigmoid_grad(extreme), what=f"σ'(z) for z = {extreme.tolist()}",
        atol=1e-12,
        nonfinite_hint=(
            "σ'(z) is nan or inf for large |z| (e.g. ±1000): exp(1000) overflows to inf and "
            "inf/inf is nan. Compute s = σ(z) first and return s * (1 - s)."
        ),
    )


@checker("How much gradient survives a chain of sigmoids")
def check_sigmoid_chain(student_fn):
    """``student_fn(z_values) -> float``: the product of σ'(z) over the given pre-activations."""
    cases = [
        [0.0] * 10,
        [5.0],
        [-3.0, 0.0, 2.0],
        [-1.0, 4.0, 0.5, -6.0, 2.5],
        [],
    ]
    for zs in cases:
        got = call_student(student_fn, np.array(zs), what="sigmoid_chain")
        derivs = nk.activations.sigmoid_grad(np.array(zs))
        sig = 1.0 / (1.0 + np.exp(-np.array(zs)))
        label = "an empty path (no layers)" if not zs else f"z = {zs}"
        expect_close(
            got, float(np.prod(derivs)), what=f"the surviving factor for {label}",
            rtol=1e-6, atol=1e-300,
            hints=_hints(
                (float(np.sum(derivs)) if zs else None,
                 "the chain rule *multiplies* the local derivatives along the path; you added "
                 "them."),
                (float(np.prod(sig)) if zs else None,
                 "multiply the derivatives σ'(z) = σ(z)(1 - σ(z)), not the activations σ(z)."),
                (0.25 ** len(zs) if zs and any(z != 0 for z in zs) else None,
                 "0.25 is σ'(0), the best case; use the actual z of each layer."),
                (0.0 if not zs else None,
                 "with no layers nothing shrinks the gradient: the empty product is 1."),
            ),
        )
