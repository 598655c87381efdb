"""Learning-rate schedules: the multiplier of the base learning rate at each update.

A schedule is a function f of the update number t = 0, 1, 2, ...; an optimiser given
``schedule=f`` uses the rate η_t = η · f(t) at update t:

    opt = nk.Adam(model.parameters(), lr=1e-3,
                  schedule=nk.schedules.Warmup(100, then=nk.schedules.CosineDecay(900)))

* :class:`StepDecay` -- f(t) = γ^⌊t / k⌋: the rate drops by the factor γ every k updates;
* :class:`CosineDecay` -- f(t) = f_min + (1 - f_min)(1 + cos(π t / T)) / 2 for 0 <= t <= T:
  from 1 down to f_min along half a cosine (Loshchilov & Hutter 2017);
* :class:`Warmup` -- f(t) = (t + 1) / W for t < W (a linear ramp to 1), then another
  schedule shifted by W (or 1).

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
    """f(t) = factor ** (t // every): multiply the rate by ``factor`` every ``every`` updates
    (PyTorch's ``StepLR``). Defined for every t >= 0."""

    def __init__(self, every: int, factor: float = 0.1):
        self.every = check_int(every, "every", low=1)
        self.factor = check_positive(factor, "factor")

    def __call__(self, t: int) -> float:
        return self.factor ** (_check_t(t) // self.every)

    def __repr__(self) -> str:
        return f"StepDecay(every={self.every}, factor={self.factor:g})"


class CosineDecay:
    """f(t) = floor + (1 - floor) (1 + cos(π t / total)) / 2 for 0 <= t <= total: 1 at the
    start, ``floor`` at t = total (PyTorch's ``CosineAnnealingLR`` with
    ``T_max=total, eta_min=floor * lr``). Past ``total`` it is undefined: train for at most
    total + 1 updates, or put it after a :class:`Warmup`."""

    def __init__(self, total: int, floor: float = 0.0):
        self.total = check_int(total, "total", low=1)
        self.floor = check_positive(floor, "floor", allow_zero=True)
        if self.floor > 1.0:
            raise ValueError(f"floor is the final multiplier, at most 1, got {self.floor}")

    def __call__(self, t: int) -> float:
        t = _check_t(t)
        if t > self.total:
            raise ValueError(f"CosineDecay(total={self.total}) is defined for updates "
                             f"t = 0..{self.total}, asked for t = {t}")
        return self.floor + (1.0 - self.floor) * (1.0 + math.cos(math.pi * t / self.total)) / 2

    def __repr__(self) -> str:
        return f"CosineDecay(total={self.total}, floor={self.floor:g})"


class Warmup:
    """Linear warm-up over ``steps`` updates, then ``then``:

        f(t) = (t + 1) / steps          for t < steps
        f(t) = then(t - steps)          afterwards (1 if ``then`` is None).

    The first update uses η / steps and update steps - 1 the full η."""

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
