"""Chapter 7's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py;
the first right answer is also compared with the reference on the cases hypothesis draws)."""

import numpy as np
from mutant_bank import Bank, Mutant

from nnkit.course.ch7_vectorisation import exercises as ex
from nnkit.course.ch7_vectorisation import lab

# --------------------------------------------------------------------------------------
# Exercise 1: vectorise softmax regression
# --------------------------------------------------------------------------------------


def softmax_solution(X, y, W, b):
    n = len(X)
    rows = np.arange(n)
    Z = X @ W.T + b
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    delta = np.exp(log_p)
    delta[rows, y] -= 1.0
    delta /= n
    return -log_p[rows, y].mean(), delta.T @ X, delta.sum(axis=0)


def make_softmax(*, shift="row", scale_loss=1.0, scale_grad=1.0, subtract=True, sign=1.0,
                 axis=1, bias=True, transpose=False, db_axis=0, inplace=False, loop=False,
                 loss_sum=False, w_not_t=False, extra=0.0):
    """A family of wrong answers: each keyword is one typical slip."""

    def answer(X, y, W, b):
        if loop:
            return ex.softmax_regression_loop(X, y, W, b)
        n = len(X)
        rows = np.arange(n)
        if inplace:
            X -= 0.0
            X *= 1.0000001
        Z = (X @ W if w_not_t else X @ W.T) + (b if bias else 0.0)
        top = Z.max() if shift == "batch" else Z.max(axis=axis, keepdims=True)
        shifted = Z - top
        log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        delta = np.exp(log_p)
        if subtract:
            delta[rows, y] -= 1.0
        delta = sign * delta / n * scale_grad
        loss = -log_p[rows, y].sum() if loss_sum else -log_p[rows, y].mean() * scale_loss
        dW = delta.T @ X
        return loss, (dW.T if transpose else dW), delta.sum(axis=db_axis) + extra

    return answer


SOFTMAX = [
    Mutant("batch maximum", make_softmax(shift="batch"), "hint", "row's own maximum"),
    Mutant("loss summed instead of averaged", make_softmax(loss_sum=True),
           "hint", "loss is n times too large"),
    Mutant("gradients not divided by n", lambda X, y, W, b: (
        softmax_solution(X, y, W, b)[0],
        *(g * len(X) for g in softmax_solution(X, y, W, b)[1:])), "hint", "n times too large"),
    Mutant("everything summed", lambda X, y, W, b: tuple(
        v * len(X) for v in softmax_solution(X, y, W, b)), "hint", "summed over the examples"),
    Mutant("one-hot not subtracted", make_softmax(subtract=False), "hint", "P − Y"),
    Mutant("sign flipped", make_softmax(sign=-1.0), "hint", "wrong sign"),
    Mutant("softmax over columns", make_softmax(axis=0), "hint", "wrong axis"),
    Mutant("bias forgotten", make_softmax(bias=False), "hint", "bias is missing"),
    Mutant("dW transposed", make_softmax(transpose=True), "form", "transpose"),
    Mutant("db over the wrong axis", make_softmax(db_axis=1), "form", "db: expected shape"),
    Mutant("X changed in place", make_softmax(inplace=True), "mutated", "in place"),
    Mutant("still a loop", make_softmax(loop=True), "hint", "one example at a time"),
    Mutant("W instead of W.T", make_softmax(w_not_t=True), "raised", "your function raised"),
    Mutant("constant added to db", make_softmax(extra=0.01), "counterexample", "db: expected"),
    Mutant("returns a pair", lambda X, y, W, b: softmax_solution(X, y, W, b)[1:],
           "form", "return 3 values (loss, dW, db)"),
    Mutant("returns None", lambda X, y, W, b: None, "form", "did you forget `return`"),
]


# Numerically extreme inputs: a true-class logit far below its row's maximum.
def softmax_log_of_probabilities(X, y, W, b):
    # Shifts by the row maximum, but takes the log of the probabilities: P underflows to 0
    # for a true class 800 below the maximum, and −log 0 = inf.
    n = len(X)
    rows = np.arange(n)
    Z = X @ W.T + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    loss = -np.log(P[rows, y]).mean()
    delta = P.copy()
    delta[rows, y] -= 1.0
    delta /= n
    return loss, delta.T @ X, delta.sum(axis=0)


def softmax_unshifted(X, y, W, b):
    # No shift at all: np.exp overflows for logits above about 709.
    n = len(X)
    rows = np.arange(n)
    Z = X @ W.T + b
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    delta = np.exp(log_p)
    delta[rows, y] -= 1.0
    delta /= n
    return -log_p[rows, y].mean(), delta.T @ X, delta.sum(axis=0)


# Loops the old row-read counter did not see: over a plain copy of X, over y, over the
# rows of Z, in a comprehension, over X.tolist().
def softmax_loop_over_asarray_rows(X, y, W, b):
    X = np.asarray(X)
    Z = np.stack([W @ x_i + b for x_i in X])
    return softmax_solution_from_logits(X, y, Z)


def softmax_loop_over_labels(X, y, W, b):
    n = len(X)
    Z = X @ W.T + b
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    delta = np.exp(log_p)
    loss = 0.0
    for i in range(n):
        loss -= log_p[i, y[i]]
        delta[i, y[i]] -= 1.0
    delta /= n
    return loss / n, delta.T @ X, delta.sum(axis=0)


def softmax_loop_over_tolist(X, y, W, b):
    Z = np.array([[sum(w * x for w, x in zip(w_row, x_row, strict=True)) for w_row in W.tolist()]
                  for x_row in X.tolist()]) + b
    return softmax_solution_from_logits(np.asarray(X), y, Z)


def softmax_outer_products_in_a_loop(X, y, W, b):
    n = len(X)
    Z = X @ W.T + b
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    delta = np.exp(log_p)
    delta[np.arange(n), y] -= 1.0
    delta /= n
    X_plain = np.asarray(X)
    dW = sum(np.outer(delta[i], X_plain[i]) for i in range(n))
    return -log_p[np.arange(n), y].mean(), dW, delta.sum(axis=0)


def softmax_solution_from_logits(X, y, Z):
    n = len(X)
    rows = np.arange(n)
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    delta = np.exp(log_p)
    delta[rows, y] -= 1.0
    delta /= n
    return -log_p[rows, y].mean(), delta.T @ X, delta.sum(axis=0)


SOFTMAX += [
    Mutant("log of the shifted softmax", softmax_log_of_probabilities, "hint", "log before"),
    Mutant("no shift", softmax_unshifted, "hint", "overflows"),
    Mutant("loop over the rows of np.asarray(X)", softmax_loop_over_asarray_rows,
           "hint", "one example at a time"),
    Mutant("loop over the labels", softmax_loop_over_labels, "hint", "one example at a time"),
    Mutant("comprehensions over X.tolist()", softmax_loop_over_tolist,
           "hint", "one example at a time"),
    Mutant("outer products summed in a generator", softmax_outer_products_in_a_loop,
           "hint", "one example at a time"),
]


# --------------------------------------------------------------------------------------
# Exercise 2: FLOPs of a layer
# --------------------------------------------------------------------------------------


def flops_solution(batch, n_in, n_out, input_grad):
    product = 2 * batch * n_in * n_out
    return product + batch * n_out, product + batch * n_out + (product if input_grad else 0)


def mutant(formula):
    """A wrong count written in terms of the product, bias and ∂X terms of the right one."""

    def answer(b, i, o, g):
        p, bias = 2 * b * i * o, b * o
        return formula(b, i, o, g, p, bias, p if g else 0)

    return answer


FLOP = [
    Mutant("swapped", mutant(lambda b, i, o, g, p, bias, dx: (p + bias + dx, p + bias)),
           "hint", "(backward, forward)"),
    Mutant("multiply-adds",
           mutant(lambda b, i, o, g, p, bias, dx: (p // 2 + bias, p // 2 + bias + dx // 2)),
           "hint", "multiply-adds"),
    Mutant("no bias", mutant(lambda b, i, o, g, p, bias, dx: (p, p + dx)),
           "hint", "bias is missing"),
    Mutant("forward without bias", mutant(lambda b, i, o, g, p, bias, dx: (p, p + bias + dx)),
           "hint", "forward count misses the bias"),
    Mutant("backward without db", mutant(lambda b, i, o, g, p, bias, dx: (p + bias, p + dx)),
           "hint", "∂b"),
    Mutant("dX always", mutant(lambda b, i, o, g, p, bias, dx: (p + bias, 2 * p + bias)),
           "hint", "skips ∂X"),
    Mutant("dX never", mutant(lambda b, i, o, g, p, bias, dx: (p + bias, p + bias)),
           "hint", "must also return ∂X"),
    Mutant("backward = 2 forward",
           mutant(lambda b, i, o, g, p, bias, dx: (p + bias, 2 * (p + bias))),
           "hint", "rule of thumb"),
    Mutant("one example", lambda b, i, o, g: flops_solution(1, i, o, g),
           "hint", "one example's count"),
    Mutant("bias sized n_in", mutant(lambda b, i, o, g, p, bias, dx: (p + b * i, p + bias + dx)),
           "hint", "not n_in"),
    Mutant("half-factor forward only",
           mutant(lambda b, i, o, g, p, bias, dx: (p // 2 + bias, p + bias + dx)),
           "hint", "misses a factor 2"),
    Mutant("float division",
           mutant(lambda b, i, o, g, p, bias, dx: ((p + bias) / 2, p + bias + dx)),
           "counterexample", "returned 1.5"),
    Mutant("single number", lambda b, i, o, g: sum(flops_solution(b, i, o, g)),
           "form", "return 2 values (forward, backward)"),
    Mutant("off by one", mutant(lambda b, i, o, g, p, bias, dx: (p + bias + 1, p + bias + dx)),
           "counterexample", "forward: expected 3, returned 4"),
    Mutant("strings", lambda b, i, o, g: ("many", "more"), "form", "expected numbers"),
    Mutant("raises", lambda b, i, o, g: (1 / 0, 0), "raised", "ZeroDivisionError"),
]


# --------------------------------------------------------------------------------------
# Exercise 3: the slowest part, found with the profiler (answers are names, or the function)
# --------------------------------------------------------------------------------------

SLOW_RIGHT = ["remember_best", "remember_best()", "exercises.remember_best", " 'remember_best' ",
              ex.remember_best]
# A wrong name, and what the hint for it says.
SLOW_NAMES = {
    "mystery_training": "whole loop",
    "forward_pass": "not the one",
    "backward_pass": "not the one",
    "next_batch": "not the one",
    "update_weights": "not the one",
    "matmul": "building block",
    "forward": "building block",
    "exp": "building block",
    "remember": "no part of that name",
    "Remember_Best": "no part of that name",
    "": "as a string",
    42: "as a string",
}
SLOW = [Mutant(repr(name), lambda name=name: name, "hint", phrase)
        for name, phrase in SLOW_NAMES.items()]


def _answer_id(answer) -> str:
    # Ids without memory addresses, so that every pytest-xdist worker collects the same tests.
    return f"function {answer.__name__}" if callable(answer) else repr(answer)


BANKS = [
    Bank(ex.check_vectorised, SOFTMAX, {"matrices": softmax_solution}),
    Bank(ex.check_layer_flops, FLOP,
         {"by terms": flops_solution, "lab.dense_flops": lab.dense_flops}),
    Bank(ex.SLOWEST_PART, SLOW, {_answer_id(answer): (lambda answer=answer: answer)
                                 for answer in SLOW_RIGHT}),
]
