"""Every nnkit optimiser against torch.optim's optimiser of the same name: 100 updates on a
random problem give the same weights to 1e-12, with a constant learning rate and under
schedules that change it at every update (torch's own schedulers on torch's side). Skipped
where torch is not installed."""

import numpy as np
import pytest

import nnkit as nk
from nnkit.schedules import CosineDecay, StepDecay, Warmup

torch = pytest.importorskip("torch")

STEPS = 100
TOLERANCE = 1e-12
# The largest difference seen by any test, printed at the end of the run with -s.
WORST = {}

CASES = {
    "SGD": (nk.SGD, "SGD", dict(lr=0.05)),
    "SGD momentum": (nk.SGD, "SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    "SGD nesterov": (nk.SGD, "SGD", dict(lr=0.05, momentum=0.8, nesterov=True,
                                          weight_decay=0.01)),
    "AdaGrad": (nk.AdaGrad, "Adagrad", dict(lr=0.1, weight_decay=0.01)),
    "RMSProp": (nk.RMSProp, "RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.01)),
    "Adam": (nk.Adam, "Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.01)),
    "AdamW": (nk.AdamW, "AdamW", dict(lr=0.01, weight_decay=0.1)),
}


def problem(seed):
    """A small tanh network, data and targets, drawn from ``seed``."""
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(32, 4))
    y = np.sin(X @ gen.normal(size=(4, 2)))
    model = nk.Sequential(nk.Dense(4, 6, init="xavier", rng=seed), nk.Tanh(),
                          nk.Dense(6, 2, init="xavier", rng=seed + 1))
    return X, y, model


def run_both(name, seed, schedule=None, torch_scheduler=None):
    """Train a network with nnkit's optimiser and, beside it, torch tensors holding the same
    weights with torch's optimiser, both fed the gradients nnkit's backward computes at
    nnkit's weights (so the comparison is of the optimisers alone, not of two backward
    passes whose last-bit differences RMSProp's division by √v can amplify where v is tiny).
    Return the largest weight difference after STEPS updates."""
    ours_cls, theirs_name, kwargs = CASES[name]
    X, y, model = problem(seed)
    start = [p.value.copy() for p in model.parameters()]
    tensors = [torch.tensor(p.value, requires_grad=True) for p in model.parameters()]
    theirs = getattr(torch.optim, theirs_name)(tensors, **kwargs)
    scheduler = torch_scheduler(theirs) if torch_scheduler else None
    ours = ours_cls(model.parameters(), schedule=schedule, **kwargs)
    loss = nk.MSELoss()
    for _ in range(STEPS):
        loss(model(X), y)
        model.backward(loss.backward())
        for p, tensor in zip(model.parameters(), tensors, strict=True):
            tensor.grad = torch.from_numpy(p.grad.copy())
        ours.step()
        theirs.step()
        if scheduler:
            scheduler.step()
    worst = max(float(np.max(np.abs(p.value - tensor.detach().numpy())))
                for p, tensor in zip(model.parameters(), tensors, strict=True))
    moved = max(float(np.max(np.abs(p.value - s)))
                for p, s in zip(model.parameters(), start, strict=True))
    assert moved > 1e-3, "the weights barely moved: the comparison would prove nothing"
    return worst


def record(key, worst):
    WORST[key] = worst
    assert worst < TOLERANCE, f"{key}: nnkit and torch differ by {worst:.2e}"


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(CASES))
def test_constant_rate_agrees_with_torch(name, seed):
    record(f"{name}, seed {seed}", run_both(name, seed))


SCHEDULES = {
    "step": (StepDecay(7, 0.7),
             lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.7)),
    "cosine": (CosineDecay(STEPS, floor=0.1),
               lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(
                   opt, T_max=STEPS - 1, eta_min=0.1 * opt.defaults["lr"])),
    "warm-up": (Warmup(10),
                lambda opt: torch.optim.lr_scheduler.LinearLR(
                    opt, start_factor=0.1, end_factor=1.0, total_iters=9)),
    # LambdaLR also asks for t = STEPS after the last step: the cosine covers one update more
    "warm-up + cosine": (Warmup(10, then=CosineDecay(STEPS - 9)),
                         lambda opt: torch.optim.lr_scheduler.LambdaLR(
                             opt, Warmup(10, then=CosineDecay(STEPS - 9)))),
    "every step different": (lambda t: 1.0 + 0.5 * np.sin(t),
                             lambda opt: torch.optim.lr_scheduler.LambdaLR(
                                 opt, lambda t: 1.0 + 0.5 * np.sin(t))),
}


@pytest.mark.parametrize("schedule", list(SCHEDULES))
@pytest.mark.parametrize("name", list(CASES))
def test_scheduled_rate_agrees_with_torch(name, schedule):
    ours, theirs = SCHEDULES[schedule]
    record(f"{name}, {schedule}", run_both(name, 3, ours, theirs))


def test_report_worst_difference():
    # Runs last in this file: says how close the closest agreement came to the tolerance.
    if WORST:
        key = max(WORST, key=WORST.get)
        print(f"\nlargest |nnkit - torch| over {len(WORST)} runs of {STEPS} updates: "
              f"{WORST[key]:.1e} ({key})")
