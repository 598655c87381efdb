"""The chapter-3 checkers accept right answers and give the intended hint for typical wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from nnkit.course.ch3_initialization import exercises as ex


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _run(check, fn, capsys):
    ok = check(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"a checker prints exactly one line, got {out!r}"
    return ok, out


# ------------------------------------------------ gradients of the one-hidden-layer network

def _gradients(X, Y, W1, W2, slip=None):
    """Hand-written backward pass for Ŷ = σ(X W1ᵀ) W2ᵀ and the MSE; ``slip`` injects one mistake."""
    n, n_out = Y.shape
    Z1 = X @ W1.T
    A1 = _sigmoid(Z1)
    Y_hat = A1 @ W2.T
    dY = 2.0 * (Y_hat - Y) / (n * n_out)
    if slip == "half":
        dY = dY / 2.0
    if slip == "sum":
        dY = 2.0 * (Y_hat - Y)
    if slip == "sign":
        dY = -dY
    dW2 = dY.T @ (Z1 if slip == "z_for_a" else A1)
    dA1 = dY @ W2
    if slip == "no_sigma_prime":
        dZ1 = dA1
    elif slip == "sigma_prime_of_z":
        dZ1 = dA1 * Z1 * (1 - Z1)
    else:
        dZ1 = dA1 * A1 * (1 - A1)
    dW1 = dZ1.T @ X
    if slip == "transpose":
        dW1 = dW1.T
    return dW1, dW2


def test_reference_gradients_match_a_hand_written_backward_pass():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    W1, W2 = rng.standard_normal((5, 3)), rng.standard_normal((2, 5))
    ref1, ref2 = ex.reference_hidden_layer_gradients(X, Y, W1, W2)
    mine1, mine2 = _gradients(X, Y, W1, W2)
    np.testing.assert_allclose(ref1, mine1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ref2, mine2, rtol=1e-12, atol=1e-15)


def test_gradients_checker_passes_a_correct_answer(capsys):
    ok, out = _run(ex.check_hidden_layer_gradients, _gradients, capsys)
    assert ok is True
    assert out.startswith("✔ Gradients of a one-hidden-layer network: passed")


@pytest.mark.parametrize(
    "slip, words",
    [
        ("no_sigma_prime", "missing the sigmoid's derivative"),
        ("sigma_prime_of_z", "uses the activations A1, not Z1"),
        ("half", "half the right size"),
        ("sum", "MSE is a mean"),
        ("sign", "sign is flipped"),
        ("z_for_a", "not the pre-activations Z1"),
        ("transpose", "transpose"),
    ],
)
def test_gradients_checker_names_the_slip(slip, words, capsys):
    ok, out = _run(
        ex.check_hidden_layer_gradients, lambda *a: _gradients(*a, slip=slip), capsys
    )
    assert ok is False
    assert out.startswith("✘")
    assert words in out


def test_gradients_checker_wants_a_pair(capsys):
    ok, out = _run(ex.check_hidden_layer_gradients, lambda *a: _gradients(*a)[0], capsys)
    assert ok is False
    assert "return the two gradients as a pair" in out


def test_gradients_checker_reports_an_unattempted_exercise(capsys):
    def starter(X, Y, W1, W2):
        raise NotImplementedError

    ok, out = _run(ex.check_hidden_layer_gradients, starter, capsys)
    assert ok is False
    assert "not attempted yet" in out


def test_gradients_checker_catches_in_place_changes(capsys):
    def mutating(X, Y, W1, W2):
        result = _gradients(X, Y, W1, W2)
        W1 -= 0.1 * result[0]
        return result

    ok, out = _run(ex.check_hidden_layer_gradients, mutating, capsys)
    assert ok is False
    assert "in place" in out


# ---------------------------------------------------------------- Xavier and He

def test_xavier_checker_passes_the_formula(capsys):
    ok, out = _run(ex.check_xavier_std, lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)), capsys)
    assert ok is True
    assert "passed (5 cases)" in out


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda i, o: 2.0 / (i + o), "square root"),
        (lambda i, o: np.sqrt(6.0 / (i + o)), "uniform"),
        (lambda i, o: np.sqrt(1.0 / i), "LeCun"),
        (lambda i, o: np.sqrt(1.0 / (i + o)), "numerator is 2"),
        (lambda i, o: np.sqrt(2.0 / i), "He's scaling"),
        (lambda i, o: (2.0 / (i + o)) ** 0.25, "xavier_std(784, 256)"),
    ],
)
def test_xavier_checker_hints(wrong, words, capsys):
    ok, out = _run(ex.check_xavier_std, wrong, capsys)
    assert ok is False
    assert words in out


def test_he_checker_passes_the_formula(capsys):
    ok, out = _run(ex.check_he_std, lambda n_in, n_out: (2.0 / n_in) ** 0.5, capsys)
    assert ok is True


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda i, o: 2.0 / i, "square root"),
        (lambda i, o: np.sqrt(2.0 / o), "fan-in"),
        (lambda i, o: np.sqrt(1.0 / i), "zeroes half"),
        (lambda i, o: np.sqrt(2.0 / (i + o)), "Xavier's scaling"),
    ],
)
def test_he_checker_hints(wrong, words, capsys):
    ok, out = _run(ex.check_he_std, wrong, capsys)
    assert ok is False
    assert words in out


def test_std_checker_reports_a_missing_return(capsys):
    def forgot(n_in, n_out):
        np.sqrt(2.0 / n_in)

    ok, out = _run(ex.check_he_std, forgot, capsys)
    assert ok is False
    assert "returned None" in out


# ---------------------------------------------------------------- sigmoid saturation

def test_sigmoid_derivative_checker_passes_the_stable_form(capsys):
    ok, out = _run(ex.check_sigmoid_derivative, lambda z: _sigmoid(z) * (1 - _sigmoid(z)), capsys)
    assert ok is True
    assert "passed (4 cases)" in out


@pytest.mark.parametrize(
    "wrong, words",
    [
        (_sigmoid, "σ(0) itself"),
        (lambda z: 1 - np.tanh(z) ** 2, "derivative of tanh"),
        (lambda z: _sigmoid(z) * (1 + _sigmoid(z)), "check the formula"),
        (lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, "overflows"),
        (lambda z: float(_sigmoid(np.ravel(z)[0]) * (1 - _sigmoid(np.ravel(z)[0]))), "shape"),
    ],
)
def test_sigmoid_derivative_checker_hints(wrong, words, capsys):
    ok, out = _run(ex.check_sigmoid_derivative, wrong, capsys)
    assert ok is False
    assert words in out


def test_sigmoid_chain_checker_passes_the_product(capsys):
    ok, out = _run(
        ex.check_sigmoid_chain, lambda z: float(np.prod(_sigmoid(z) * (1 - _sigmoid(z)))), capsys
    )
    assert ok is True


@pytest.mark.parametrize(
    "wrong, words",
    [
        (lambda z: float(np.sum(_sigmoid(z) * (1 - _sigmoid(z)))), "multiplies"),
        (lambda z: float(np.prod(_sigmoid(z))), "not the activations"),
        (lambda z: 0.25 ** len(z), "best case"),
        (lambda z: float(np.prod(_sigmoid(z) * (1 - _sigmoid(z)))) if len(z) else 0.0,
         "empty product is 1"),
    ],
)
def test_sigmoid_chain_checker_hints(wrong, words, capsys):
    ok, out = _run(ex.check_sigmoid_chain, wrong, capsys)
    assert ok is False
    assert words in out
