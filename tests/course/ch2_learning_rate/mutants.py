"""Chapter 2 checkers: mutant banks rejected with the stated message, correct answers accepted."""

import numpy as np
import pytest
from hypothesis import given, settings
from mutant_bank import Mutant, agrees, assert_accepted, assert_rejected

from nnkit.course.ch2_learning_rate import exercises as ex


def pair(grad, w_new):
    return lambda: (grad, w_new)


# ---------------------------------------------------------------- one update by hand

BY_HAND = [
    Mutant("gradient sign flipped", pair(4.0, 0.6), "hint", "sign flipped"),
    Mutant("no factor 2", pair(-2.0, 1.2), "hint", "factor 2"),
    Mutant("factor 2 and sign", pair(2.0, 0.8), "hint", "check both"),
    Mutant("step added", pair(-4.0, 0.6), "hint", "the update subtracts it"),
    Mutant("no learning rate", pair(-4.0, 5.0), "hint", "missing the learning rate"),
    Mutant("change only", pair(-4.0, 0.4), "hint", "change −η·∂L/∂w only"),
    Mutant("step size only", pair(-4.0, -0.4), "hint", "the step size"),
    Mutant("divided by η", pair(-4.0, 41.0), "hint", "do not divide"),
    Mutant("only the new weight", lambda: 1.4, "form", "2 values (grad, w_new)"),
    Mutant("order swapped", pair(1.4, -4.0), "counterexample", "grad: expected -4, returned 1.4"),
    Mutant("loss instead of gradient", pair(4.0, 1.0 - 0.1 * 4.0), "hint", "sign flipped"),
    Mutant("w_new off by rounding", pair(-4.0, 1.5), "counterexample",
           "w_new: expected 1.4, returned 1.5"),
    Mutant("returns None", lambda: None, "form", "did you forget `return`"),
    Mutant("strings", pair("-4", "1.4"), "form", "expected numbers"),
]


@pytest.mark.parametrize("mutant", BY_HAND, ids=str)
def test_by_hand_mutants_rejected(mutant):
    assert_rejected(ex.check_update_by_hand, mutant)


def test_by_hand_right_numbers_pass():
    assert_accepted(ex.check_update_by_hand, pair(-4.0, 1.4))
    assert_accepted(ex.check_update_by_hand, lambda: [np.float64(-4), np.array(1.4)])


# ---------------------------------------------------------------- which learning rates diverge


def diverges(lr):
    return abs(1 - 10 * lr) > 1


DIVERGES = [
    Mutant("overshoot is divergence", lambda lr: lr > 0.1, "hint", "still converges"),
    Mutant("curvature 5", lambda lr: lr > 0.4, "hint", "curvature to be 5"),
    Mutant("edge included", lambda lr: lr >= 0.2, "hint", "η = 0.2 exactly"),
    Mutant("backwards", lambda lr: lr < 0.2, "hint", "backwards"),
    Mutant("edge 2/5", lambda lr: lr > 0.4 - 1e-9, "counterexample",
           "on input lr=0.205: expected True, returned False"),
    Mutant("edge 1/λ", lambda lr: lr > 0.1 + 1e-9, "hint", "still converges"),
    Mutant("sign of the factor", lambda lr: (1 - 10 * lr) > 1, "counterexample",
           "on input lr=0.205: expected True, returned False"),
    Mutant("edge 0.25", lambda lr: lr > 0.25, "counterexample", "expected True, returned False"),
    Mutant("never", lambda lr: False, "counterexample", "expected True, returned False"),
    Mutant("always", lambda lr: True, "counterexample", "expected False, returned True"),
    Mutant("returns 0/1", lambda lr: int(lr > 0.2), "form", "True or False"),
    Mutant("returns the factor", lambda lr: abs(1 - 10 * lr), "form", "True or False"),
    Mutant("hard-coded list", lambda lr: lr in (0.21, 0.25, 0.4, 1.0), "counterexample",
           "expected True, returned False"),
]


@pytest.mark.parametrize("mutant", DIVERGES, ids=str)
def test_diverges_mutants_rejected(mutant):
    assert_rejected(ex.check_diverges, mutant)


@pytest.mark.parametrize("correct", [diverges, lambda lr: lr > 0.2, lambda lr: 10 * lr > 2,
                                     lambda lr: bool(np.abs(1 - 10 * lr) > 1)])
def test_diverges_correct_rules_pass(correct):
    assert_accepted(ex.check_diverges, correct)


# ---------------------------------------------------------------- the loop


def descend(grad, w0, lr, steps):
    w = w0
    path = [w]
    for _ in range(steps):
        w = w - lr * grad(w)
        path.append(w)
    return path


def descend_in_place(grad, w0, lr, steps):
    w = w0
    path = [np.copy(w)]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(np.copy(w))
    return path


def descend_aliased(grad, w0, lr, steps):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(w)
    return path


def descend_while(grad, w0, lr, steps):
    path, t = [w0], 0
    while t <= steps:
        path.append(path[-1] - lr * grad(path[-1]))
        t += 1
    return path


LOOP = [
    Mutant("ascent", lambda g, w0, lr, s: descend(lambda w: -g(w), w0, lr, s), "hint", "uphill"),
    Mutant("gradient of w0 only", lambda g, w0, lr, s: descend(lambda w: g(w0), w0, lr, s),
           "hint", "gradient at w_0"),
    Mutant("aliased appends", descend_aliased, "hint", "same array again"),
    Mutant("no w0", lambda g, w0, lr, s: descend(g, w0, lr, s)[1:], "hint",
           "starting point"),
    Mutant("while off by one", descend_while, "hint", "one update too many"),
    Mutant("range(steps - 1)", lambda g, w0, lr, s: descend(g, w0, lr, max(s - 1, 0)), "hint",
           "one update too few"),
    Mutant("no learning rate", lambda g, w0, lr, s: descend(g, w0, 1.0, s), "hint",
           "missing the learning rate"),
    Mutant("changes w0 in place", descend_in_place, "mutated", "`w0` in place"),
    Mutant("half the learning rate", lambda g, w0, lr, s: descend(g, w0, lr / 2, s),
           "counterexample", "expected"),
    Mutant("only the last weight", lambda g, w0, lr, s: descend(g, w0, lr, s)[-1], "form",
           "expected shape"),
    Mutant("gradient squared", lambda g, w0, lr, s: descend(lambda w: g(w) ** 2, w0, lr, s),
           "counterexample", "expected"),
    Mutant("returns None", lambda g, w0, lr, s: None, "form", "forget `return`"),
    Mutant("step by η·w", lambda g, w0, lr, s: descend(lambda w: w, w0, lr, s),
           "counterexample", "expected"),
]


@pytest.mark.parametrize("mutant", LOOP, ids=str)
def test_loop_mutants_rejected(mutant):
    assert_rejected(ex.check_descent_loop, mutant)


def test_loop_correct_alternatives_pass():
    assert_accepted(ex.check_descent_loop, descend)

    def as_array(grad, w0, lr, steps):
        out = np.empty((steps + 1,) + np.shape(w0))
        out[0] = w0
        for t in range(steps):
            out[t + 1] = out[t] - lr * grad(out[t])
        return out

    assert_accepted(ex.check_descent_loop, as_array)


@pytest.mark.parametrize(
    "exercise, correct",
    [(ex.check_diverges, diverges), (ex.check_descent_loop, descend)],
    ids=["diverges", "loop"],
)
def test_reference_and_a_correct_answer_agree_on_every_drawn_case(exercise, correct):
    @settings(max_examples=60, deadline=None)
    @given(exercise.strategy)
    def agree(case):
        assert agrees(exercise, exercise.reference, case)
        assert agrees(exercise, correct, case)

    agree()
