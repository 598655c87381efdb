"""Checked and thinking exercises of chapter 9, "Optimisers".

=================================  ================================================================
checker                            the student writes
=================================  ================================================================
:data:`check_momentum_step`        ``momentum_step(theta, buffer, grad, lr, momentum)``:
                                   v ← μ v + ∇J, θ ← θ − η v; returns ``(theta_new, buffer_new)``
:data:`check_adam_step`            ``adam_step(theta, m, s, grad, t, lr, beta1, beta2, eps)``:
                                   one Adam update with bias correction, t = 1 for the first;
                                   returns ``(theta_new, m_new, s_new)``
:data:`check_warmup_cosine`        ``warmup_cosine(t, warmup, total)``: the multiplier of η at
                                   update t = 0 … total − 1 (linear warm-up, then a cosine to 0)
=================================  ================================================================

Each checker is an :class:`nnkit.course.checking.Exercise`: call it with your function.
:func:`quizzes` builds the chapter's "predict, then look" questions.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from nnkit.course.checking import Case, Exercise, Hint
from nnkit.course.quiz import Option, Quiz
from nnkit.validation import as_rng

__all__ = [
    "check_adam_step",
    "check_momentum_step",
    "check_warmup_cosine",
    "quizzes",
]


# ---------------------------------------------------------------------------- momentum step

def _momentum(theta, buffer, grad, lr, momentum, *, keep=True, average=False, step="new",
              sign=1.0, lr_in_buffer=False, mu_on="buffer", return_old=False):
    """The model answer (defaults), v ← μv + ∇J and θ ← θ − ηv, or one slip."""
    theta, buffer, grad = (np.asarray(a, dtype=np.float64) for a in (theta, buffer, grad))
    scale = lr if lr_in_buffer else 1.0
    if mu_on == "grad":
        v = buffer + momentum * grad
    else:
        weight = (1 - momentum) if average else 1.0
        v = (momentum * buffer if keep else 0.0) + weight * scale * grad
    direction = {"new": v, "old": buffer, "nesterov": grad + momentum * v}[step]
    theta_new = theta - sign * (1.0 if lr_in_buffer else lr) * direction
    return theta_new, (buffer if return_old else v)


def _momentum_reference(theta, buffer, grad, lr, momentum):
    return _momentum(theta, buffer, grad, lr, momentum)


@st.composite
def _momentum_cases(draw):
    shape = draw(st.sampled_from([(1,), (3,), (2, 2)]))
    gen = as_rng(draw(st.integers(0, 10_000)))
    lr = draw(st.sampled_from([0.01, 0.1, 0.5, 2.0]))
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]))
    return Case((gen.normal(size=shape), gen.normal(size=shape), gen.normal(size=shape), lr,
                 momentum))


def _slip(**kw):
    return lambda *args: _momentum(*args, **kw)


check_momentum_step = Exercise(
    "One heavy-ball step",
    _momentum_reference,
    args=("theta", "buffer", "grad", "lr", "momentum"),
    returns=("theta_new", "buffer_new"),
    cases=[
        Case((np.array([1.0]), np.array([0.0]), np.array([2.0]), 0.1, 0.9),
             note="the first step: the buffer is still 0"),
        Case((np.array([1, -2]), np.array([1, 1]), np.array([0, 3]), 0.5, 0.5),
             note="integer arrays"),
        Case((np.array([0.5, 0.5]), np.array([2.0, -1.0]), np.array([1.0, 1.0]), 0.1, 0.0),
             note="μ = 0: plain gradient descent"),
        Case((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.5, 0.0], [-0.5, 1.0]]),
              np.array([[0.1, -0.2], [0.3, 0.0]]), 0.05, 0.9)),
        Case((np.array([1e6, -1e-6]), np.array([1e3, 1e-3]), np.array([-1e3, 1e-3]), 2.0, 0.99),
             note="large and tiny values"),
    ],
    strategy=_momentum_cases(),
    rtol=1e-9,
    atol=1e-12,
    hints=[
        Hint("the step goes uphill: θ moves against the buffer, θ − η v.", like=_slip(sign=-1.0)),
        Hint("the buffer forgets everything: keep μ times the old buffer, v ← μ v + ∇J.",
             like=_slip(keep=False)),
        Hint("that is a moving average, μ v + (1 − μ) ∇J; the heavy ball adds the whole "
             "gradient, v ← μ v + ∇J.", like=_slip(average=True)),
        Hint("the step uses the old buffer: first v ← μ v + ∇J, then θ ← θ − η v with the new v.",
             like=_slip(step="old")),
        Hint("that is Nesterov's step, θ − η (∇J + μ v); the heavy ball steps by η v.",
             like=_slip(step="nesterov")),
        Hint("μ multiplies the old buffer, not the gradient: v ← μ v + ∇J.",
             like=_slip(mu_on="grad")),
        Hint("the buffer here holds gradients, not steps: η enters only in θ ← θ − η v.",
             like=_slip(lr_in_buffer=True)),
        Hint("the buffer you return is the old one: return the updated buffer.",
             like=_slip(return_old=True)),
    ],
)


# -------------------------------------------------------------------------------- Adam step

def _adam(theta, m, s, grad, t, lr, beta1, beta2, eps, *, correct_m=True, correct_s=True,
          shift=0, root=True, eps_inside=False, squared=True, weights="1-beta",
          return_hat=False):
    """The model answer (defaults), one Adam update with bias correction, or one slip."""
    theta, m, s, grad = (np.asarray(a, dtype=np.float64) for a in (theta, m, s, grad))
    if weights == "1-beta":
        m_new = beta1 * m + (1 - beta1) * grad
        s_new = beta2 * s + (1 - beta2) * (grad * grad if squared else np.abs(grad))
    elif weights == "none":
        m_new = beta1 * m + grad
        s_new = beta2 * s + grad * grad
    else:  # the two decay rates swapped
        m_new = beta2 * m + (1 - beta2) * grad
        s_new = beta1 * s + (1 - beta1) * grad * grad
    n = t + shift
    m_hat = m_new / (1 - beta1**n) if correct_m else m_new
    s_hat = s_new / (1 - beta2**n) if correct_s else s_new
    if eps_inside:
        denominator = np.sqrt(s_hat + eps)
    else:
        denominator = (np.sqrt(s_hat) if root else s_hat) + eps
    theta_new = theta - lr * m_hat / denominator
    if return_hat:
        return theta_new, m_hat, s_hat
    return theta_new, m_new, s_new


def _adam_reference(theta, m, s, grad, t, lr, beta1, beta2, eps):
    return _adam(theta, m, s, grad, t, lr, beta1, beta2, eps)


@st.composite
def _adam_cases(draw):
    shape = draw(st.sampled_from([(1,), (3,), (2, 2)]))
    gen = as_rng(draw(st.integers(0, 10_000)))
    t = draw(st.integers(1, 50))
    beta1 = draw(st.sampled_from([0.0, 0.5, 0.9]))
    beta2 = draw(st.sampled_from([0.9, 0.99, 0.999]))
    m = gen.normal(size=shape) * (1 - beta1 ** (t - 1))
    s = gen.uniform(0.1, 2.0, size=shape) * (1 - beta2 ** (t - 1))
    return Case((gen.normal(size=shape), m, s, gen.normal(size=shape), t,
                 draw(st.sampled_from([1e-3, 0.01, 0.1])), beta1, beta2, 1e-8))


def _adam_slip(**kw):
    return lambda *args: _adam(*args, **kw)


check_adam_step = Exercise(
    "One Adam step with bias correction",
    _adam_reference,
    args=("theta", "m", "s", "grad", "t", "lr", "beta1", "beta2", "eps"),
    returns=("theta_new", "m_new", "s_new"),
    cases=[
        Case((np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([0.5]), 1, 0.1, 0.9,
              0.999, 1e-8), note="the first update: the step is about lr · sign(grad)"),
        Case((np.array([0, 0]), np.array([0, 0]), np.array([0, 0]), np.array([3, -4]), 1, 0.01,
              0.9, 0.999, 1e-8), note="integer arrays"),
        Case((np.array([1.0, -1.0]), np.array([0.1, -0.2]), np.array([0.04, 0.01]),
              np.array([0.3, 0.1]), 2, 0.01, 0.9, 0.999, 1e-8), note="the second update"),
        Case((np.array([[0.5, 1.5], [-0.5, 2.0]]), np.array([[0.2, 0.1], [0.0, -0.3]]),
              np.array([[0.5, 0.2], [0.1, 0.9]]), np.array([[1.0, -1.0], [0.5, 0.0]]), 1000,
              0.001, 0.9, 0.999, 1e-8), note="late: the corrections are nearly 1"),
        Case((np.array([2.0]), np.array([0.0]), np.array([0.0]), np.array([1e-9]), 1, 0.1, 0.5,
              0.75, 1e-8), note="a gradient about the size of eps"),
    ],
    strategy=_adam_cases(),
    rtol=1e-9,
    atol=1e-12,
    hints=[
        Hint("there is no bias correction: divide m by 1 − beta1**t and s by 1 − beta2**t "
             "before the step.", like=_adam_slip(correct_m=False, correct_s=False)),
        Hint("only m is corrected; s needs its own correction, s / (1 − beta2**t).",
             like=_adam_slip(correct_s=False)),
        Hint("only s is corrected; m needs its own correction, m / (1 − beta1**t).",
             like=_adam_slip(correct_m=False)),
        Hint("the correction uses t − 1; t counts updates from 1, so the first update "
             "divides by 1 − beta1.", like=_adam_slip(shift=-1)),
        Hint("the correction uses t + 1; t is already 1 at the first update.",
             like=_adam_slip(shift=1)),
        Hint("the step divides by ŝ itself; Adam divides by its square root, √ŝ + eps.",
             like=_adam_slip(root=False)),
        Hint("eps is inside the square root; Adam adds it after: √ŝ + eps.",
             like=_adam_slip(eps_inside=True)),
        Hint("s averages |grad|; it averages the squared gradient, grad².",
             like=_adam_slip(squared=False)),
        Hint("the averages lack the factors (1 − beta): m ← beta1·m + (1 − beta1)·grad.",
             like=_adam_slip(weights="none")),
        Hint("beta1 and beta2 are swapped: beta1 belongs to m, beta2 to s.",
             like=_adam_slip(weights="swapped")),
        Hint("return the raw averages m and s (they are the state of the next update), "
             "not the corrected m̂ and ŝ.", like=_adam_slip(return_hat=True)),
    ],
)


# --------------------------------------------------------------------------- warm-up + cosine

def _schedule(t, warmup, total, *, ramp="t+1", half=True, end="total-1", shift=True,
              unit=math.pi, inclusive=False):
    """The model answer (defaults) or one slip: (t + 1)/warmup for t < warmup, then
    (1 + cos(π (t − warmup)/(total − 1 − warmup)))/2."""
    if t < warmup or (inclusive and t == warmup):
        return (t + 1) / warmup if ramp == "t+1" else t / warmup
    span = (total - 1 - warmup) if end == "total-1" else (total - warmup)
    x = (t - warmup) if shift else t
    wave = math.cos(unit * x / span)
    return (1 + wave) / 2 if half else wave


def _schedule_reference(t, warmup, total):
    return _schedule(t, warmup, total)


@st.composite
def _schedule_cases(draw):
    warmup = draw(st.integers(1, 20))
    total = warmup + draw(st.integers(2, 200))
    return Case((draw(st.integers(0, total - 1)), warmup, total))


def _sched_slip(**kw):
    return lambda *args: _schedule(*args, **kw)


check_warmup_cosine = Exercise(
    "Warm-up, then cosine decay",
    _schedule_reference,
    args=("t", "warmup", "total"),
    cases=[
        Case((0, 4, 10), note="the first update"),
        Case((3, 4, 10), note="the last warm-up update"),
        Case((4, 4, 10), note="the first cosine update"),
        Case((9, 4, 10), note="the last update"),
        Case((6, 4, 10)),
        Case((0, 1, 3), note="one warm-up update"),
        Case((1, 1, 3)),
        Case((2, 1, 3)),
        Case((500, 100, 1001), note="halfway through the cosine"),
    ],
    strategy=_schedule_cases(),
    rtol=1e-9,
    atol=1e-12,
    hints=[
        Hint("the warm-up starts at 0: update t uses (t + 1)/warmup, so even the first update "
             "moves.", like=_sched_slip(ramp="t")),
        Hint("the cosine swings from 1 to −1; the multiplier is (1 + cos(·))/2, from 1 to 0.",
             like=_sched_slip(half=False)),
        Hint("the cosine ends one update late: it reaches 0 at t = total − 1, the last update, "
             "so divide by total − 1 − warmup.", like=_sched_slip(end="total")),
        Hint("the cosine's clock starts at t = 0; it must start at the end of the warm-up, "
             "cos(π (t − warmup)/…).", like=_sched_slip(shift=False)),
        Hint("the angle is in degrees; math.cos takes radians: π (t − warmup)/(…).",
             like=_sched_slip(unit=180.0)),
        Hint("update t = warmup still ramps; the warm-up is t = 0 … warmup − 1 and the cosine "
             "starts at 1 at t = warmup.", like=_sched_slip(inclusive=True)),
    ],
)


# ----------------------------------------------------------------------------- thinking exercises

def quizzes() -> dict[str, Quiz]:
    """The chapter's "predict, then look" questions, each asked before the cell that answers it."""
    return {
        "edge": Quiz(
            "Heavy ball with μ = 0.9 on a direction of curvature λ. Plain gradient descent "
            "diverges once η > 2/λ. Up to which η does the heavy ball stay stable?",
            [
                Option("Up to 2/λ, as without momentum", False,
                       "Momentum changes the recursion: θ_{t+1} depends on θ_t and θ_{t−1}, "
                       "and its roots stay inside the unit circle for a wider range of η."),
                Option("Up to 2(1 + μ)/λ = 3.8/λ", True,
                       "The characteristic polynomial r² − (1 + μ − ηλ) r + μ has both roots "
                       "inside the unit circle exactly when 0 < ηλ < 2(1 + μ)."),
                Option("Up to 2/((1 − μ)λ) = 20/λ", False,
                       "1/(1 − μ) is the long-run factor on a constant gradient, but the "
                       "oscillation across a steep direction is not constant: it alternates "
                       "in sign, and the buffer then partly cancels instead of adding up."),
            ],
        ),
        "rotated": Quiz(
            "Adam, at a learning rate that works well on the valley whose axes lie along θ₁ "
            "and θ₂. Now the same valley is turned by 45°. What happens?",
            [
                Option("Nothing: a turned valley is the same problem", False,
                       "For gradient descent, yes. Adam divides each coordinate by its own "
                       "running gradient size, so it depends on which way the coordinates "
                       "point."),
                Option("Adam gets clearly slower", True,
                       "Along the axes, each coordinate's step is about η whatever its "
                       "curvature, so the flat direction no longer crawls. Turned, each "
                       "coordinate mixes the steep and the flat direction, and a diagonal "
                       "rescaling cannot separate them."),
                Option("Adam gets faster", False,
                       "Turning mixes the two directions into both coordinates, which takes "
                       "away what a per-coordinate step size can exploit."),
            ],
        ),
        "floor": Quiz(
            "SGD with a constant learning rate on a quadratic whose gradients carry noise "
            "settles at a loss above the minimum. What happens to that floor if η is halved?",
            [
                Option("It stays the same: the noise, not η, sets it", False,
                       "The noise enters each step multiplied by η; a smaller η averages more "
                       "noisy gradients before the weights move far."),
                Option("It roughly halves", True,
                       "With noise of standard deviation σ, the stationary spread of θ is about "
                       "ησ²/(2λ) when ηλ ≪ 1, so the loss above the minimum is about ησ²/4: "
                       "proportional to η."),
                Option("It falls to a quarter", False,
                       "Halving η halves each step's noise and quarters its variance, but the "
                       "weights also forget more slowly (over about 1/(ηλ) steps, twice as "
                       "many), so twice as many noisy steps add up: the floor scales with η, "
                       "not η²."),
            ],
        ),
    }
