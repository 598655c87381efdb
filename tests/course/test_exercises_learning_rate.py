"""Tests for the chapter 2 checkers: the correct answers pass, typical wrong answers get the
specific hint meant for them."""

import numpy as np
import pytest

from nnkit.course.ch2_learning_rate import exercises as ex


def run(check, fn, capsys):
    ok = check(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # exactly one line per check
    return ok, out


# -- exercise 1: one update by hand -------------------------------------------------------

def test_by_hand_correct(capsys):
    ok, out = run(ex.check_update_by_hand, lambda: (-4.0, 1.4), capsys)
    assert ok and out.startswith("✔ One update by hand: passed")


def test_by_hand_accepts_numpy_numbers(capsys):
    ok, _ = run(ex.check_update_by_hand, lambda: (np.float64(2 * (1 - 3)), np.array(1.4)), capsys)
    assert ok


@pytest.mark.parametrize("answer, phrase", [
    ((4.0, 0.6), "sign flipped"),
    ((-2.0, 1.2), "factor 2"),
    ((2.0, 0.8), "factor 2 and the sign"),
    ((-4.0, 0.6), "you added"),
    ((-4.0, 5.0), "missing the learning rate"),
    ((-4.0, 0.4), "change"),
    ((-4.0, -0.4), "step size"),
    ((-4.0, 41.0), "do not divide"),
    ((-4.0, 1.3), "expected 1.4, got 1.3"),
])
def test_by_hand_typical_mistakes(answer, phrase, capsys):
    ok, out = run(ex.check_update_by_hand, lambda: answer, capsys)
    assert not ok and out.startswith("✘ One update by hand:")
    assert phrase in out


def test_by_hand_wrong_return_shape_and_not_attempted(capsys):
    ok, out = run(ex.check_update_by_hand, lambda: 1.4, capsys)
    assert not ok and "return two numbers" in out

    def todo():
        raise NotImplementedError

    ok, out = run(ex.check_update_by_hand, todo, capsys)
    assert not ok and "not attempted yet" in out


# -- exercise 2: which learning rates diverge ---------------------------------------------

def test_diverges_correct(capsys):
    ok, out = run(ex.check_diverges, lambda lr: lr > 0.2, capsys)
    assert ok and "all 10 learning rates classified correctly" in out


def test_diverges_correct_by_simulation(capsys):
    # An answer worked out by actually running gradient descent also passes.
    from nnkit.course.ch2_learning_rate.lab import Quadratic, gradient_descent

    q = Quadratic(10.0, center=1.0)

    def diverges(lr):
        return gradient_descent(q, 0.0, lr, steps=2000).diverged

    ok, _ = run(ex.check_diverges, diverges, capsys)
    assert ok


@pytest.mark.parametrize("fn, phrase", [
    (lambda lr: lr > 0.1, "still converges"),
    (lambda lr: lr >= 0.4, "curvature to be 5"),
    (lambda lr: lr >= 0.2, "at η = 0.2 exactly"),
    (lambda lr: lr < 0.2, "backwards"),
    (lambda lr: lr > 0.22, "η = 0.21"),
    (lambda lr: lr > 0.02, "η = 0.05"),
])
def test_diverges_typical_mistakes(fn, phrase, capsys):
    ok, out = run(ex.check_diverges, fn, capsys)
    assert not ok and phrase in out


def test_diverges_requires_bool(capsys):
    ok, out = run(ex.check_diverges, lambda lr: "yes", capsys)
    assert not ok and "return True or False" in out


# -- exercise 3: the loop ------------------------------------------------------------------

def descend(grad, w0, lr, steps):
    w = w0
    path = [w]
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return path


def test_loop_correct(capsys):
    ok, out = run(ex.check_descent_loop, descend, capsys)
    assert ok and out.startswith("✔ The gradient-descent loop: passed")


def test_loop_correct_returning_array(capsys):
    ok, _ = run(ex.check_descent_loop, lambda *a: np.array(descend(*a)), capsys)
    assert ok


def ascent(grad, w0, lr, steps):
    w, path = w0, [w0]
    for _ in range(steps):
        w = w + lr * grad(w)
        path.append(w)
    return path


def no_start(grad, w0, lr, steps):
    return descend(grad, w0, lr, steps)[1:]


def one_too_many(grad, w0, lr, steps):
    return descend(grad, w0, lr, steps + 1)


def frozen(grad, w0, lr, steps):
    g = grad(w0)
    w, path = w0, [w0]
    for _ in range(steps):
        w = w - lr * g
        path.append(w)
    return path


def aliased(grad, w0, lr, steps):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(w)
    return path


def mutates_input(grad, w0, lr, steps):
    w = w0
    path = [np.copy(w)]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(np.copy(w))
    return path


def no_return(grad, w0, lr, steps):
    descend(grad, w0, lr, steps)


def wrong_lr(grad, w0, lr, steps):
    return descend(grad, w0, lr / 2, steps)


@pytest.mark.parametrize("fn, phrase", [
    (ascent, "uphill"),
    (no_start, "include the starting point"),
    (one_too_many, "one update too many"),
    (frozen, "gradient at w_0"),
    (aliased, "same array"),
    (mutates_input, "in place"),
    (no_return, "returned None"),
    (wrong_lr, "the iterates"),
])
def test_loop_typical_mistakes(fn, phrase, capsys):
    ok, out = run(ex.check_descent_loop, fn, capsys)
    assert not ok and out.startswith("✘ The gradient-descent loop:")
    assert phrase in out


def test_checkers_reject_non_callables(capsys):
    ok, out = run(ex.check_descent_loop, [1, 2], capsys)
    assert not ok and "pass the function itself" in out
