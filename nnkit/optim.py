"""Optimisers: how parameters move once their gradients are known.

Every optimiser here holds a list of parameters θ and, at each call of ``step()``, reads
their gradients ∇J (``p.grad``, left there by ``backward``) and changes ``p.value`` in
place. The update number t = 0, 1, 2, ... counts the calls of ``step()``.

* :class:`SGD` -- gradient descent θ ← θ - η ∇J, optionally with momentum μ (Polyak's
  heavy ball, or Nesterov's look-ahead);
* :class:`AdaGrad`, :class:`RMSProp`, :class:`Adam` -- a step size per coordinate,
  divided by a running measure of that coordinate's squared gradients;
* :class:`AdamW` -- Adam with decoupled weight decay.

Weight decay α (L2 regularisation, Krogh & Hertz 1992) adds the gradient of the penalty
(α/2)‖θ‖² to every gradient before the update, which then uses ∇J + αθ (biases too, as in
PyTorch); AdamW instead shrinks the weights directly, θ ← (1 - η_t α) θ, outside the
adaptive step (Loshchilov & Hutter 2019 decouple the decay; multiplying it by the learning
rate η_t is PyTorch's convention, see :class:`AdamW`).

A *schedule* changes the learning rate from update to update: pass ``schedule=f``, a
function of the update number t returning a multiplier, and update t uses the rate
η_t = η · f(t) (``nnkit.schedules`` has step decay, cosine decay and linear warm-up).
Without a schedule every update uses η.

The formulas are those of ``torch.optim`` (same names, same defaults, same order of
operations up to rounding), so the same gradients give the same weights.
"""

from __future__ import annotations

import math

import numpy as np

from .layers import Parameter
from .validation import check_positive

__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW"]


def check_decay_rate(value, name: str) -> float:
    """Return ``value`` as a float after checking it lies in [0, 1) (a momentum or the
    decay rate of a running average: 1 would never forget, more would grow without bound)."""
    value = check_positive(value, name, allow_zero=True)
    if value >= 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


class Optimizer:
    """What every optimiser shares: the parameter list, the learning rate η (settable,
    checked), the weight-decay strength α, an optional schedule, the update count t and
    ``zero_grad``. Subclasses write ``step()``: read ``self.rate()``, update, then call
    ``self.tick()``.

    Parameters
    ----------
    params : iterable of Parameter
        Usually ``model.parameters()``.
    lr : float
        The base learning rate η > 0 (settable later: ``opt.lr = 0.01``).
    weight_decay : float
        α >= 0; 0 switches weight decay off.
    schedule : callable or None
        ``schedule(t)`` -> the multiplier of η at update t (a finite number >= 0).
    """

    def __init__(self, params, lr: float, weight_decay: float = 0.0, schedule=None):
        params = list(params)
        if not params:
            raise ValueError("params is empty: pass model.parameters() of a model with weights")
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"params[{i}] must be an nnkit Parameter, got {type(p).__name__}"
                )
        if schedule is not None and not callable(schedule):
            raise TypeError(
                "schedule must be None or a function of the update number t returning the "
                f"learning-rate multiplier (e.g. nk.schedules.CosineDecay(100)), got {schedule!r}"
            )
        self.params = params
        self.lr = lr
        self.weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
        self.schedule = schedule
        self.t = 0  # updates taken so far: the next update is update t

    @property
    def lr(self) -> float:
        """The base learning rate η (a positive, finite number)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_positive(value, "lr")

    def rate(self) -> float:
        """The learning rate of the next update, η_t = η · schedule(t) (η without a schedule)."""
        if self.schedule is None:
            return self._lr
        factor = self.schedule(self.t)
        if isinstance(factor, bool) or not isinstance(factor, (int, float, np.number)) or not (
                math.isfinite(factor) and factor >= 0):
            raise ValueError(
                f"schedule({self.t}) must be a finite number >= 0 (a multiplier of lr), "
                f"got {factor!r}"
            )
        return self._lr * float(factor)

    def tick(self) -> None:
        """Count one update (called at the end of every ``step``)."""
        self.t += 1

    def zero_grad(self) -> None:
        """Set every gradient to zero.  nnkit's ``backward`` overwrites gradients
        rather than adding to them, so this is only needed to clear stale values."""
        for p in self.params:
            p.grad = np.zeros_like(p.value)

    def __repr__(self) -> str:
        extra = "" if self.schedule is None else f", schedule={self.schedule!r}"
        return (f"{type(self).__name__}(lr={self._lr:g}, weight_decay={self.weight_decay:g}"
                f"{extra}, n_params={len(self.params)})")


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum.

    With momentum μ each parameter keeps a buffer v, an exponentially weighted sum of its
    past gradients (v = ∇J₀ after the first update). Writing d_t = ∇J_t + α θ_t for the
    gradient with weight decay folded in (d_t = ∇J_t without it):

        v ← μ v + d_t,      θ ← θ - η_t v                  (heavy ball, Polyak 1964)
        v ← μ v + d_t,      θ ← θ - η_t (d_t + μ v)        (nesterov=True)

    This is PyTorch's form. The other common form, v ← μ v - η_t d_t, θ ← θ + v, moves
    the same at a constant η but not under a schedule (its v keeps the old rates). The
    Nesterov line is the reparametrisation of Bengio, Boulanger-Lewandowski & Pascanu
    (2013) of Sutskever et al.'s (2013) look-ahead. With μ = 0 this is θ ← θ - η_t d_t.

    Parameters
    ----------
    params, lr, weight_decay, schedule : see :class:`Optimizer`.
    momentum : float
        μ in [0, 1); 0 gives plain gradient descent.
    nesterov : bool
        Nesterov's look-ahead form (needs momentum > 0).
    """

    def __init__(self, params, lr: float = 0.1, momentum: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, schedule=None):
        super().__init__(params, lr, weight_decay, schedule)
        self.momentum = check_decay_rate(momentum, "momentum")
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and not self.momentum:
            raise ValueError("nesterov=True needs a momentum > 0")
        self.nesterov = nesterov
        self.buffers = [np.zeros_like(p.value) for p in self.params] if self.momentum else None

    def step(self) -> None:
        """Move every parameter one step against its (momentum-averaged) gradient, in place."""
        lr, mu, decay = self.rate(), self.momentum, self.weight_decay
        if self.buffers is None:
            for p in self.params:
                d = p.grad + decay * p.value if decay else p.grad
                p.value -= lr * d
        else:
            for p, v in zip(self.params, self.buffers, strict=True):
                d = p.grad + decay * p.value if decay else p.grad
                v *= mu
                v += d
                p.value -= lr * (d + mu * v if self.nesterov else v)
        self.tick()

    def __repr__(self) -> str:
        return (f"SGD(lr={self._lr:g}, momentum={self.momentum:g}, "
                f"weight_decay={self.weight_decay:g}"
                + (", nesterov=True" if self.nesterov else "")
                + ("" if self.schedule is None else f", schedule={self.schedule!r}")
                + f", n_params={len(self.params)})")


class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan & Singer 2011): every coordinate's step is divided by the
    root of the sum of all its squared gradients so far,

        s ← s + d²,       θ ← θ - η_t d / (√s + ε),        d = ∇J (+ αθ with weight decay),

    so coordinates with large or frequent gradients slow down for good.

    Parameters
    ----------
    params, lr, weight_decay, schedule : see :class:`Optimizer`.
    eps : float
        ε > 0, keeps the division finite while s is still 0.
    """

    def __init__(self, params, lr: float = 0.01, eps: float = 1e-10,
                 weight_decay: float = 0.0, schedule=None):
        super().__init__(params, lr, weight_decay, schedule)
        self.eps = check_positive(eps, "eps")
        self.sums = [np.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        """One AdaGrad update of every parameter, in place."""
        lr, decay = self.rate(), self.weight_decay
        for p, s in zip(self.params, self.sums, strict=True):
            d = p.grad + decay * p.value if decay else p.grad
            s += d * d
            p.value -= lr * d / (np.sqrt(s) + self.eps)
        self.tick()


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton 2012): AdaGrad with a forgetting sum. Each coordinate
    keeps an exponential moving average s of its squared gradient, decay rate ρ
    (``alpha``, PyTorch's name),

        s ← ρ s + (1 - ρ) d²,       θ ← θ - η_t d / (√s + ε),     d = ∇J (+ αθ),

    Parameters
    ----------
    params, lr, weight_decay, schedule : see :class:`Optimizer`.
    alpha : float
        ρ in [0, 1): how much of s is kept at every update.
    eps : float
        ε > 0.
    """

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, schedule=None):
        super().__init__(params, lr, weight_decay, schedule)
        self.alpha = check_decay_rate(alpha, "alpha")
        self.eps = check_positive(eps, "eps")
        self.squares = [np.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        """One RMSProp update of every parameter, in place."""
        lr, rho, decay = self.rate(), self.alpha, self.weight_decay
        for p, s in zip(self.params, self.squares, strict=True):
            d = p.grad + decay * p.value if decay else p.grad
            s *= rho
            s += (1.0 - rho) * d * d
            p.value -= lr * d / (np.sqrt(s) + self.eps)
        self.tick()


def _check_betas(betas) -> tuple[float, float]:
    """(ρ₁, ρ₂), each in [0, 1)."""
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError):
        raise TypeError(
            f"betas must be a pair (ρ₁, ρ₂), e.g. (0.9, 0.999), got {betas!r}"
        ) from None
    return check_decay_rate(beta1, "betas[0]"), check_decay_rate(beta2, "betas[1]")


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): momentum and RMSProp together, with bias correction.

    At update t (counting from 1 here: t' = t + 1), with decay rates ρ₁, ρ₂
    (``betas``; β₁, β₂ in the paper):

        m ← ρ₁ m + (1 - ρ₁) d            moving average of the gradient d
        s ← ρ₂ s + (1 - ρ₂) d²           moving average of d²
        m̂ = m / (1 - ρ₁^t'),  ŝ = s / (1 - ρ₂^t')     undo the pull towards the zeros m, s start at
        θ ← θ - η_t m̂ / (√ŝ + ε)

    Weight decay α is L2: d = ∇J + αθ enters both averages (as in ``torch.optim.Adam``);
    without it d = ∇J. On the first update m̂ = d and ŝ = d², so every coordinate moves by
    about η·sign(d).

    Parameters
    ----------
    params, lr, weight_decay, schedule : see :class:`Optimizer`.
    betas : (float, float)
        (ρ₁, ρ₂), each in [0, 1).
    eps : float
        ε > 0.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, schedule=None):
        super().__init__(params, lr, weight_decay, schedule)
        self.betas = _check_betas(betas)
        self.eps = check_positive(eps, "eps")
        self.means = [np.zeros_like(p.value) for p in self.params]
        self.squares = [np.zeros_like(p.value) for p in self.params]

    def step(self) -> None:
        """One Adam update of every parameter, in place."""
        self.adam_update(self.rate(), l2=self.weight_decay)
        self.tick()

    def adam_update(self, lr: float, l2: float) -> None:
        """The update above with rate ``lr`` and L2 strength ``l2`` (AdamW passes 0)."""
        beta1, beta2 = self.betas
        n = self.t + 1
        correction1 = 1.0 - beta1**n
        root_correction2 = math.sqrt(1.0 - beta2**n)
        for p, m, s in zip(self.params, self.means, self.squares, strict=True):
            d = p.grad + l2 * p.value if l2 else p.grad
            m *= beta1
            m += (1.0 - beta1) * d
            s *= beta2
            s += (1.0 - beta2) * d * d
            p.value -= (lr / correction1) * m / (np.sqrt(s) / root_correction2 + self.eps)


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019). Before the
    Adam step (which sees the loss gradient ∇J alone) the weights shrink,

        θ ← (1 - η_t α) θ,

    so the decay is the same for every coordinate instead of being divided by √ŝ as an
    L2 gradient would be. The factor η_t α is PyTorch's convention (``torch.optim.AdamW``):
    the paper's Algorithm 2 shrinks by the schedule multiplier times its decay rate, without
    the learning rate, so PyTorch's α = 1e-2 at η = 1e-3 is a decay of 1e-5 per update.
    Parameters as :class:`Adam`; ``weight_decay`` defaults to 1e-2.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, schedule=None):
        super().__init__(params, lr, betas, eps, weight_decay, schedule)

    def step(self) -> None:
        """Shrink every parameter, then one Adam update without L2, in place."""
        lr = self.rate()
        if self.weight_decay:
            for p in self.params:
                p.value *= 1.0 - lr * self.weight_decay
        self.adam_update(lr, l2=0.0)
        self.tick()
