"""Learning-rate schedules: the multiplier of the base learning rate at each update.

A schedule is a function f of the update number t = 0, 1, 2, ...; an optimiser given
``schedule=f`` uses the rate η_t = η · f(t) at update t:

    opt = nk.Adam(model.parameters(), lr=1e-3,
                  schedule=nk.schedules.Warmup(100, then=nk.schedules.CosineDecay(900)))

is a run of T = 1000 updates: 100 of warm-up, then 900 along the cosine.

* :class:`StepDecay` -- f(t) = q^⌊t / k⌋: the rate is multiplied by the factor q every k
  updates;
* :class:`CosineDecay` -- f(t) = f_min + (1 - f_min)(1 + cos(π t / (T - 1))) / 2 for
  t = 0, ..., T - 1, a run of T updates: from 1 at the first down to f_min at the last,
  along half a cosine (Loshchilov & Hutter 2017);
* :class:`Warmup` -- f(t) = (t + 1) / u for t < u (a linear ramp to 1 over u updates), then
  another schedule shifted by u (or 1).

Any function of t returning a number >= 0 works too (``lambda t: 0.5 ** (t // 10)``).
A schedule asked for an update it does not define (t < 0, or past the end of a cosine)
raises ``ValueError``.
"""

from __future__ import annotations

import math
import numbers

from .validation import check_int, check_positive

__all__ = ["CosineDecay", "StepDecay", "Warmup"]


def _check_t(t) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"a schedule is a function of the update number t, an int; "
                        f"got {type(t).__name__} {t!r}")
    if t < 0:
        raise ValueError(f"update numbers start at t = 0, got t = {t}")
    return int(t)


class StepDecay:
    """f(t) = q^⌊t / k⌋ with k = ``every`` and q = ``factor``: multiply the rate by q every
    k updates (PyTorch's ``StepLR``). Defined for every t >= 0."""

    def __init__(self, every: int, factor: float = 0.1):
        self.every = check_int(every, "every", low=1)
        self.factor = check_positive(factor, "factor")

    def __call__(self, t: int) -> float:
        return self.factor ** (_check_t(t) // self.every)

    def __repr__(self) -> str:
        return f"StepDecay(every={self.every}, factor={self.factor:g})"


class CosineDecay:
    """A cosine over a run of T = ``n_updates`` updates t = 0, ..., T - 1:

        f(t) = floor + (1 - floor) (1 + cos(π t / (T - 1))) / 2,

    1 at the first update and ``floor`` at the last (PyTorch's ``CosineAnnealingLR`` with
    ``T_max=T - 1, eta_min=floor * lr``). Past the last update it is undefined: train for at
    most T updates, or put it after a :class:`Warmup` of u updates with T the remaining
    updates."""

    def __init__(self, n_updates: int, floor: float = 0.0):
        self.n_updates = check_int(n_updates, "n_updates", low=2)
        self.floor = check_positive(floor, "floor", allow_zero=True)
        if self.floor > 1.0:
            raise ValueError(f"floor is the final multiplier, at most 1, got {self.floor}")

    def __call__(self, t: int) -> float:
        t = _check_t(t)
        last = self.n_updates - 1
        if t > last:
            raise ValueError(f"CosineDecay(n_updates={self.n_updates}) is defined for updates "
                             f"t = 0..{last}, asked for t = {t}")
        return self.floor + (1.0 - self.floor) * (1.0 + math.cos(math.pi * t / last)) / 2

    def __repr__(self) -> str:
        return f"CosineDecay(n_updates={self.n_updates}, floor={self.floor:g})"


class Warmup:
    """Linear warm-up over u = ``steps`` updates, then ``then``:

        f(t) = (t + 1) / u          for t < u
        f(t) = then(t - u)          afterwards (1 if ``then`` is None).

    The first update uses η / u and update u - 1 the full η."""

    def __init__(self, steps: int, then=None):
        self.steps = check_int(steps, "steps", low=1)
        if then is not None and not callable(then):
            raise TypeError(f"then must be None or a schedule (a function of t), got {then!r}")
        self.then = then

    def __call__(self, t: int) -> float:
        t = _check_t(t)
        if t < self.steps:
            return (t + 1) / self.steps
        return 1.0 if self.then is None else self.then(t - self.steps)

    def __repr__(self) -> str:
        return f"Warmup(steps={self.steps}, then={self.then!r})"
