"""Chapter 9's mutant banks: for every checked exercise, wrong answers with the rejection
each must get, and right answers in other forms (run by tests/course/test_mutant_banks.py).
The mutants are written here, apart from the checkers' own hint functions."""

import math

import numpy as np
from mutant_bank import Bank, Mutant

import nnkit as nk
from nnkit.course.ch9_optimisers import exercises

# ---------------------------------------------------------------------------- momentum step


def momentum_mutant(kind):
    def answer(theta, buffer, grad, lr, mu):
        b = mu * buffer + grad
        if kind == "forgets":
            b = grad
        elif kind == "average":
            b = mu * buffer + (1 - mu) * grad
        elif kind == "mu on grad":
            b = buffer + mu * grad
        elif kind == "lr in buffer":
            b = mu * buffer + lr * grad
            return theta - b, b
        elif kind == "minus gradient":
            b = mu * buffer - grad
            return theta + lr * b, -b
        step = b
        if kind == "old buffer":
            step = buffer
        elif kind == "nesterov":
            step = grad + mu * b
        elif kind == "uphill":
            step = -b
        elif kind == "double lr":
            step = 2 * b
        theta_new = theta - lr * step
        if kind == "returns old buffer":
            return theta_new, buffer
        if kind == "single":
            return theta_new
        if kind == "in place":
            buffer *= mu
            buffer += grad
            return theta - lr * buffer, buffer
        if kind == "swapped":
            return b, theta_new
        return theta_new, b
    return answer


MOMENTUM = [
    Mutant("uphill", momentum_mutant("uphill"), "hint", "goes uphill"),
    Mutant("forgets", momentum_mutant("forgets"), "hint", "forgets everything"),
    Mutant("average", momentum_mutant("average"), "hint", "moving average"),
    Mutant("old buffer", momentum_mutant("old buffer"), "hint", "uses the old buffer"),
    Mutant("nesterov", momentum_mutant("nesterov"), "hint", "Nesterov's step"),
    Mutant("mu on grad", momentum_mutant("mu on grad"), "hint", "not the gradient"),
    Mutant("lr in buffer", momentum_mutant("lr in buffer"), "hint", "not steps"),
    Mutant("returns old buffer", momentum_mutant("returns old buffer"), "hint", "the old one"),
    Mutant("double lr", momentum_mutant("double lr"), "counterexample", "wrong result on input"),
    Mutant("minus gradient (velocity convention)", momentum_mutant("minus gradient"),
           "counterexample", "wrong result on input"),
    Mutant("single", momentum_mutant("single"), "form", "wrong kind of result"),
    Mutant("in place", momentum_mutant("in place"), "mutated",
           "changed its argument `buffer` in place"),
    Mutant("swapped", momentum_mutant("swapped"), "counterexample", "wrong result on input"),
]


def momentum_velocity_form(theta, buffer, grad, lr, mu):
    # The same update through the velocity v = −η b (right while η does not change).
    v = mu * (-lr * np.asarray(buffer)) - lr * np.asarray(grad)
    return theta + v, -v / lr


def momentum_in_place_on_copies(theta, buffer, grad, lr, mu):
    b = np.array(buffer, dtype=float)
    b *= mu
    b += grad
    t = np.array(theta, dtype=float)
    t -= lr * b
    return t, b


# -------------------------------------------------------------------------------- Adam step


def adam_mutant(kind):
    def answer(theta, m, v, grad, t, lr, b1, b2, eps):
        m_new = b1 * m + (1 - b1) * grad
        v_new = b2 * v + (1 - b2) * grad**2
        c1, c2 = 1 - b1**t, 1 - b2**t
        if kind == "no correction":
            c1 = c2 = 1.0
        elif kind == "m only":
            c2 = 1.0
        elif kind == "v only":
            c1 = 1.0
        elif kind == "t - 1":
            c1, c2 = 1 - b1 ** (t - 1), 1 - b2 ** (t - 1)
        elif kind == "t + 1":
            c1, c2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
        elif kind == "no root":
            return theta - lr * (m_new / c1) / (v_new / c2 + eps), m_new, v_new
        elif kind == "eps inside":
            return theta - lr * (m_new / c1) / np.sqrt(v_new / c2 + eps), m_new, v_new
        elif kind == "abs":
            v_new = b2 * v + (1 - b2) * np.abs(grad)
        elif kind == "no 1-beta":
            m_new, v_new = b1 * m + grad, b2 * v + grad**2
        elif kind == "swapped":
            m_new, v_new = b2 * m + (1 - b2) * grad, b1 * v + (1 - b1) * grad**2
        elif kind == "gradient step":
            return theta - lr * grad, m_new, v_new
        m_hat, v_hat = m_new / c1, v_new / c2
        theta_new = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        if kind == "returns corrected":
            return theta_new, m_hat, v_hat
        if kind == "plus":
            return theta + lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new
        if kind == "pair":
            return theta_new, m_new
        return theta_new, m_new, v_new
    return answer


ADAM = [
    Mutant("no correction", adam_mutant("no correction"), "hint", "no bias correction"),
    Mutant("m only", adam_mutant("m only"), "hint", "only m is corrected"),
    Mutant("v only", adam_mutant("v only"), "hint", "only s is corrected"),
    Mutant("t - 1", adam_mutant("t - 1"), "hint", "uses t − 1"),
    Mutant("t + 1", adam_mutant("t + 1"), "hint", "uses t + 1"),
    Mutant("no root", adam_mutant("no root"), "hint", "its square root"),
    Mutant("eps inside", adam_mutant("eps inside"), "hint", "inside the square root"),
    Mutant("abs", adam_mutant("abs"), "hint", "averages |grad|"),
    Mutant("no 1-beta", adam_mutant("no 1-beta"), "hint", "lack the factors"),
    Mutant("swapped", adam_mutant("swapped"), "hint", "are swapped"),
    Mutant("returns corrected", adam_mutant("returns corrected"), "hint", "raw averages"),
    Mutant("plus", adam_mutant("plus"), "counterexample", "wrong result on input"),
    Mutant("gradient step", adam_mutant("gradient step"), "counterexample",
           "wrong result on input"),
    Mutant("pair", adam_mutant("pair"), "form", "wrong kind of result"),
]


def adam_like_pytorch(theta, m, v, grad, t, lr, b1, b2, eps):
    # PyTorch's arrangement: the corrections folded into the step size and the denominator.
    m_new = m + (1 - b1) * (grad - m)
    v_new = b2 * v + (1 - b2) * grad * grad
    step = lr / (1 - b1**t)
    return theta - step * m_new / (np.sqrt(v_new) / math.sqrt(1 - b2**t) + eps), m_new, v_new


def adam_with_nnkit(theta, m, v, grad, t, lr, b1, b2, eps):
    p = nk.Parameter(np.array(theta, dtype=float))
    opt = nk.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    opt.means[0][...] = m
    opt.squares[0][...] = v
    opt.t = t - 1
    p.grad = np.asarray(grad, dtype=float)
    opt.step()
    return p.value, opt.means[0], opt.squares[0]


# --------------------------------------------------------------------------- warm-up + cosine


def schedule_mutant(kind):
    def answer(t, warmup, total):
        if kind == "ramp from 0" and t < warmup:
            return t / warmup
        if kind == "ramp to warmup" and t <= warmup:
            return (t + 1) / warmup
        if kind == "constant warm-up" and t < warmup:
            return 1.0
        if t < warmup:
            return (t + 1) / warmup
        span = total - 1 - warmup
        if kind == "total":
            span = total - warmup
        if kind == "total - 1":
            span = total - 1
        x = t - warmup if kind != "no shift" else t
        if kind == "degrees":
            return (1 + math.cos(180 * x / span)) / 2
        if kind == "full cosine":
            return math.cos(math.pi * x / span)
        if kind == "linear decay":
            return 1 - x / span
        if kind == "sine":
            return (1 + math.sin(math.pi * x / span)) / 2
        if kind == "floor":
            return 0.1 + 0.9 * (1 + math.cos(math.pi * x / span)) / 2
        return (1 + math.cos(math.pi * x / span)) / 2
    return answer


SCHEDULE = [
    Mutant("ramp from 0", schedule_mutant("ramp from 0"), "hint", "starts at 0"),
    Mutant("ramp to warmup", schedule_mutant("ramp to warmup"), "hint", "still ramps"),
    Mutant("total", schedule_mutant("total"), "hint", "one update late"),
    Mutant("no shift", schedule_mutant("no shift"), "hint", "clock starts at t = 0"),
    Mutant("degrees", schedule_mutant("degrees"), "hint", "in degrees"),
    Mutant("full cosine", schedule_mutant("full cosine"), "hint", "from 1 to −1"),
    Mutant("constant warm-up", schedule_mutant("constant warm-up"), "counterexample",
           "wrong result on input"),
    Mutant("total - 1", schedule_mutant("total - 1"), "counterexample", "wrong result on input"),
    Mutant("linear decay", schedule_mutant("linear decay"), "counterexample",
           "wrong result on input"),
    Mutant("sine", schedule_mutant("sine"), "counterexample", "wrong result on input"),
    Mutant("floor", schedule_mutant("floor"), "counterexample", "wrong result on input"),
]


def schedule_with_nnkit(t, warmup, total):
    return nk.schedules.Warmup(warmup, then=nk.schedules.CosineDecay(total - warmup))(t)


def schedule_with_sin_squared(t, warmup, total):
    if t < warmup:
        return (t + 1) / warmup
    # (1 + cos x)/2 = cos²(x/2)
    return math.cos(math.pi * (t - warmup) / (total - 1 - warmup) / 2) ** 2


BANKS = [
    Bank(exercises.check_momentum_step, MOMENTUM,
         {"velocity form": momentum_velocity_form,
          "in place on copies": momentum_in_place_on_copies}),
    Bank(exercises.check_adam_step, ADAM,
         {"PyTorch's arrangement": adam_like_pytorch, "nnkit's Adam": adam_with_nnkit}),
    Bank(exercises.check_warmup_cosine, SCHEDULE,
         {"nnkit's schedules": schedule_with_nnkit, "cos²": schedule_with_sin_squared}),
]
