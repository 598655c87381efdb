"""What does ``nk.fit`` cost over the loop a user writes without nnkit?  And PyTorch?

    .venv/bin/python benchmarks/bench_nnkit.py [--repeats 9]

Two workloads, each trained three ways in this one process:

* **digits**: a 64-128-64-10 ReLU MLP with softmax cross-entropy, mini-batch SGD (batch 32,
  η = 0.1, float64) on scikit-learn's digits (1348 training images), 10 epochs;
* **widget**: a 2-16-16-1 tanh network with a sigmoid output and BCE, full-batch gradient
  descent (η = 0.5) on 200 two-moons points for 200 epochs -- what a live experiment
  retrains between two slider positions.

The four ways:

* ``nk.fit`` with default arguments;
* the **bare loop**: the same network written with NumPy arrays and matrix products
  only, no nnkit objects -- what a user writes without nnkit: forward, the loss and its
  gradient, backward (no dL/dX at the first layer, whose input is the data) and the
  update, with nnkit's formulas (the stable sigmoid, the clipped BCE, the log-softmax),
  so that its losses agree with nnkit's to rounding;
* the **hand loop**: the same nnkit model and optimiser driven by the four lines a user
  writes with nnkit -- ``loss(model(X), y)``, ``model.backward(loss.backward())``,
  ``optimizer.step()`` -- which checks every batch at the doors and computes dL/dX at the
  first layer;
* **PyTorch** on the CPU (``torch.nn.Sequential`` of ``Linear`` layers, float64,
  ``torch.optim.SGD``), only when torch is installed.

All four start from the same weights (copied into torch) and see the same mini-batches
(the same permutation per epoch, drawn from the same seed). The script first checks that
they compute the same losses, update for update (``nk.fit``, the bare and the hand loop
to rounding, PyTorch to 1e-6), so that the timings compare the same work. Each repeat
times the four in turn (their order rotates from repeat to repeat, so load from other
processes hits all alike); a repeat's ratio, e.g. time(fit) / time(bare loop), is taken
within that repeat. The script prints the median and the range over the repeats. Times
are CPU seconds of this process (``time.process_time``); BLAS and torch use one thread:
these matrices are too small for threads to help, and on a shared machine threads
fighting over the cores only add noise.

That nnkit and PyTorch give the same weights (also with momentum and weight decay) is
tested in ``tests/network/test_optim_torch.py`` (where torch is installed).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

import nnkit as nk

try:
    import torch
except ImportError:
    torch = None


@dataclass(frozen=True)
class Workload:
    name: str
    sizes: tuple[int, ...]
    activation: str
    output_activation: str | None
    loss: type
    lr: float
    epochs: int
    batch_size: int | None


DIGITS = Workload("digits 64-128-64-10, batch 32, 10 epochs", (64, 128, 64, 10), "relu", None,
                  nk.CrossEntropyLoss, 0.1, 10, 32)
WIDGET = Workload("widget 2-16-16-1, full batch, 200 epochs", (2, 16, 16, 1), "tanh", "sigmoid",
                  nk.BCELoss, 0.5, 200, None)
SEED = 0


def data(work: Workload):
    if work is DIGITS:
        X, _, y, _ = nk.datasets.digits(test_fraction=0.25, rng=0)
        return X, y
    X, y = nk.datasets.moons(200, noise=0.1, rng=0)
    return X, y.reshape(-1, 1).astype(np.float64)


def model(work: Workload) -> nk.Sequential:
    return nk.mlp(work.sizes, activation=work.activation,
                  output_activation=work.output_activation, rng=SEED)


def batches(n: int, batch_size: int | None, rng: np.random.Generator):
    """The mini-batches of one epoch, as nk.fit draws them (full batch: no draw)."""
    if batch_size is None:
        return [slice(None)]
    order = rng.permutation(n)
    return [order[s:s + batch_size] for s in range(0, n, batch_size)]


def with_fit(work: Workload, X, y) -> list[float]:
    net = model(work)
    history = nk.fit(net, X, y, work.loss(), nk.SGD(net.parameters(), lr=work.lr),
                     epochs=work.epochs, batch_size=work.batch_size, rng=SEED)
    return history.update_loss


def by_hand(work: Workload, X, y) -> list[float]:
    net = model(work)
    loss = work.loss()
    optimizer = nk.SGD(net.parameters(), lr=work.lr)
    rng = np.random.default_rng(SEED)
    losses = []
    for _ in range(work.epochs):
        for idx in batches(len(X), work.batch_size, rng):
            value = loss(net(X[idx]), y[idx])
            net.backward(loss.backward())
            optimizer.step()
            losses.append(value)
    return losses


def start_weights(work: Workload) -> list[np.ndarray]:
    """W1, b1, W2, b2, W3, b3: copies of the nnkit model's starting weights."""
    return [p.value.copy() for p in model(work).parameters()]


def bare_digits(work: Workload, X, y) -> list[float]:
    """ReLU, ReLU, softmax cross-entropy; mini-batches in a new random order each epoch."""
    W1, b1, W2, b2, W3, b3 = start_weights(work)
    rng = np.random.default_rng(SEED)
    lr, losses = work.lr, []
    for _ in range(work.epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), work.batch_size):
            idx = order[start:start + work.batch_size]
            x, labels = X[idx], y[idx]
            rows = np.arange(len(x))
            a1 = np.maximum(x @ W1.T + b1, 0.0)
            a2 = np.maximum(a1 @ W2.T + b2, 0.0)
            z = a2 @ W3.T + b3
            shifted = z - z.max(axis=1, keepdims=True)          # log-softmax, stably
            exp = np.exp(shifted)
            sums = exp.sum(axis=1, keepdims=True)
            losses.append(float(np.mean(np.log(sums[:, 0]) - shifted[rows, labels])))
            g3 = exp / sums                                     # dL/dz = (softmax - Y) / n
            g3[rows, labels] -= 1.0
            g3 /= len(x)
            g2 = (g3 @ W3) * (a2 > 0)
            g1 = (g2 @ W2) * (a1 > 0)
            W3 -= lr * (g3.T @ a2)
            b3 -= lr * g3.sum(axis=0)
            W2 -= lr * (g2.T @ a1)
            b2 -= lr * g2.sum(axis=0)
            W1 -= lr * (g1.T @ x)
            b1 -= lr * g1.sum(axis=0)
    return losses


def bare_widget(work: Workload, X, y) -> list[float]:
    """tanh, tanh, sigmoid and binary cross-entropy; full batch."""
    W1, b1, W2, b2, W3, b3 = start_weights(work)
    eps = np.finfo(np.float64).eps
    lr, losses = work.lr, []
    for _ in range(work.epochs):
        a1 = np.tanh(X @ W1.T + b1)
        a2 = np.tanh(a1 @ W2.T + b2)
        z = a2 @ W3.T + b3
        e = np.exp(-np.abs(z))                                  # sigmoid, stably
        p = np.clip(np.where(z >= 0, 1.0, e) / (1.0 + e), eps, 1.0 - eps)
        losses.append(float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p))))
        g3 = (p - y) / (p * (1.0 - p) * p.size) * p * (1.0 - p)  # dL/dp, then σ'
        g2 = (g3 @ W3) * (1.0 - a2 * a2)
        g1 = (g2 @ W2) * (1.0 - a1 * a1)
        W3 -= lr * (g3.T @ a2)
        b3 -= lr * g3.sum(axis=0)
        W2 -= lr * (g2.T @ a1)
        b2 -= lr * g2.sum(axis=0)
        W1 -= lr * (g1.T @ X)
        b1 -= lr * g1.sum(axis=0)
    return losses


def bare(work: Workload, X, y) -> list[float]:
    return (bare_digits if work is DIGITS else bare_widget)(work, X, y)


def with_torch(work: Workload, X, y) -> list[float]:
    torch_layers = []
    for layer in model(work):
        if isinstance(layer, nk.Dense):
            linear = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.W.value))
                linear.bias.copy_(torch.from_numpy(layer.b.value))
            torch_layers.append(linear)
        else:
            torch_layers.append({"ReLU": torch.nn.ReLU, "Tanh": torch.nn.Tanh,
                                 "Sigmoid": torch.nn.Sigmoid}[type(layer).__name__]())
    net = torch.nn.Sequential(*torch_layers)
    loss_fn = torch.nn.CrossEntropyLoss() if work is DIGITS else torch.nn.BCELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=work.lr)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.default_rng(SEED)
    losses = []
    for _ in range(work.epochs):
        for idx in batches(len(X), work.batch_size, rng):
            if not isinstance(idx, slice):
                idx = torch.from_numpy(idx)
            optimizer.zero_grad()
            value = loss_fn(net(Xt[idx]), yt[idx])
            value.backward()
            optimizer.step()
            losses.append(value.item())
    return losses


def cpu_seconds(train, work: Workload, X, y) -> float:
    start = time.process_time()
    train(work, X, y)
    return time.process_time() - start


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.3g} (range {min(values):.3g}-{max(values):.3g})"


def bench(work: Workload, repeats: int) -> None:
    X, y = data(work)
    fit_losses = with_fit(work, X, y)
    sides = {"nk.fit": with_fit, "bare loop": bare, "hand loop": by_hand}
    for name in ("bare loop", "hand loop"):
        assert np.allclose(sides[name](work, X, y), fit_losses, rtol=1e-10), f"{name} differs"
    if torch is not None:
        assert np.allclose(with_torch(work, X, y), fit_losses, rtol=1e-6), "torch differs"
        sides["PyTorch"] = with_torch
    seconds = {name: [] for name in sides}
    names = list(sides)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            seconds[name].append(cpu_seconds(sides[name], work, X, y))
    print(f"\n{work.name} ({len(fit_losses)} updates; {repeats} repeats)")
    for name, times in seconds.items():
        per = " ".join(f"{1e3 * t:.1f}" for t in times)
        print(f"  {name:9s}  ms per run: {summary([1e3 * t for t in times])}   [{per}]")
    for name, reference in [("nk.fit", "bare loop"), ("nk.fit", "hand loop"),
                            ("PyTorch", "bare loop"), ("PyTorch", "nk.fit")]:
        if name in seconds:
            ratios = [t / u for t, u in zip(seconds[name], seconds[reference], strict=True)]
            print(f"  {name} / {reference}: {summary(ratios)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    print(f"nnkit {nk.__version__}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch is not None else 'not installed'}; "
          "one BLAS/torch thread; CPU time")
    if torch is not None:
        torch.set_num_threads(1)
    with threadpool_limits(1):
        for work in (DIGITS, WIDGET):
            bench(work, args.repeats)


if __name__ == "__main__":
    main()
