"""Chapter 2's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws)."""

import numpy as np
from mutant_bank import Bank, Mutant

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
    Mutant("change only", pair(-4.0, 0.4), "hint", "change −η·∂J/∂w only"),
    Mutant("step size only", pair(-4.0, -0.4), "hint", "the step size"),
    Mutant("divided by η", pair(-4.0, 41.0), "hint", "do not divide"),
    Mutant("only the new weight", lambda: 1.4, "form", "2 values (grad, w_new)"),
    Mutant("order swapped", pair(1.4, -4.0), "counterexample",
           "grad: returned 1.4, which is not the expected value"),
    Mutant("loss instead of gradient", pair(4.0, 1.0 - 0.1 * 4.0), "hint", "sign flipped"),
    Mutant("w_new off by rounding", pair(-4.0, 1.5), "counterexample",
           "w_new: returned 1.5, which is not the expected value"),
    Mutant("half the step", pair(-4.0, 1.2), "counterexample", "w_new: returned 1.2"),
    Mutant("returns None", lambda: None, "form", "did you forget `return`"),
    Mutant("strings", pair("-4", "1.4"), "form", "expected numbers"),
]

BY_HAND_RIGHT = {"floats": pair(-4.0, 1.4),
                 "NumPy values in a list": lambda: [np.float64(-4), np.array(1.4)]}


# ---------------------------------------------------------------- which learning rates diverge


def diverges(lr):
    return abs(1 - 10 * lr) > 1


def simulate(steps, threshold):
    """A wrong answer the statement forbids: run the descent and see whether it blew up."""

    def diverges_by_running(lr):
        w = 0.0
        for _ in range(steps):
            w = w - lr * 10 * (w - 1)
            if abs(w - 1) > threshold:
                return True
        return False

    return diverges_by_running


def floats_only(lr):
    if not isinstance(lr, float):
        raise TypeError("lr must be a float")
    return abs(1 - 10 * lr) > 1


DIVERGES = [
    Mutant("overshoot is divergence", lambda lr: lr > 0.1, "hint", "still converges"),
    Mutant("curvature 5", lambda lr: lr > 0.4, "hint", "curvature to be 5"),
    Mutant("edge included", lambda lr: lr >= 0.2, "hint", "η = 0.2 exactly"),
    Mutant("backwards", lambda lr: lr < 0.2, "hint", "backwards"),
    Mutant("edge 2/5", lambda lr: lr > 0.4 - 1e-9, "counterexample",
           "on input lr=0.200001 (η = 0.2 + 1e-6, just above the edge): expected True"),
    Mutant("edge 1/λ", lambda lr: lr > 0.1 + 1e-9, "hint", "still converges"),
    Mutant("sign of the factor", lambda lr: (1 - 10 * lr) > 1, "counterexample",
           "on input lr=0.200001 (η = 0.2 + 1e-6, just above the edge): expected True"),
    Mutant("simulates 1000 steps", simulate(1000, 1e6), "counterexample",
           "on input lr=0.200001 (η = 0.2 + 1e-6, just above the edge): expected True"),
    Mutant("simulates 10000 steps, grown tenfold", simulate(10_000, 10.0), "counterexample",
           "on input lr=0.200001 (η = 0.2 + 1e-6, just above the edge): expected True"),
    Mutant("edge with a tolerance", lambda lr: lr > 0.2 + 1e-4, "counterexample",
           "just above the edge"),
    Mutant("edge rounded", lambda lr: round(lr, 3) > 0.2, "counterexample",
           "just above the edge"),
    Mutant("η must be a float", floats_only, "raised", "η as a Python int"),
    Mutant("edge 0.25", lambda lr: lr > 0.25, "counterexample", "expected True, returned False"),
    Mutant("never", lambda lr: False, "counterexample", "expected True, returned False"),
    Mutant("always", lambda lr: True, "counterexample", "expected False, returned True"),
    Mutant("returns 0/1", lambda lr: int(lr > 0.2), "form", "True or False"),
    Mutant("returns the factor", lambda lr: abs(1 - 10 * lr), "form", "True or False"),
    Mutant("hard-coded list", lambda lr: lr in (0.21, 0.25, 0.4, 1.0), "counterexample",
           "expected True, returned False"),
]

DIVERGES_RIGHT = {"|1 − 10η| > 1": diverges, "η > 0.2": lambda lr: lr > 0.2,
                  "10η > 2": lambda lr: 10 * lr > 2,
                  "NumPy bool": lambda lr: bool(np.abs(1 - 10 * lr) > 1)}


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


def descend_into_array_like_w0(grad, w0, lr, steps):
    # The path stored in an array of w0's dtype: integer starting weights truncate it.
    out = np.empty((steps + 1,) + np.shape(w0), dtype=np.asarray(w0).dtype)
    out[0] = w0
    for t in range(steps):
        out[t + 1] = out[t] - lr * grad(out[t])
    return out


def descend_in_place_on_a_copy(grad, w0, lr, steps):
    # w0 copied first (so it is left alone), then updated in place: fails for integers.
    w = np.array(w0)
    path = [w.copy()]
    for _ in range(steps):
        w -= lr * grad(w)
        path.append(w.copy())
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
    Mutant("path in w0's integer dtype", descend_into_array_like_w0, "counterexample",
           "integer"),
    Mutant("in place on an integer copy", descend_in_place_on_a_copy, "raised",
           "integer"),
]


def descend_into_array(grad, w0, lr, steps):
    out = np.empty((steps + 1,) + np.shape(w0))
    out[0] = w0
    for t in range(steps):
        out[t + 1] = out[t] - lr * grad(out[t])
    return out


BANKS = [
    Bank(ex.check_update_by_hand, BY_HAND, BY_HAND_RIGHT),
    Bank(ex.check_diverges, DIVERGES, DIVERGES_RIGHT),
    Bank(ex.check_descent_loop, LOOP, {"a list": descend, "an array": descend_into_array}),
]
