"""What does ``nk.fit`` cost over the loop a user writes by hand?  And over PyTorch?

    .venv/bin/python benchmarks/bench_nnkit.py [--repeats 9]

Two workloads, each trained three ways in this one process:

* **digits**: a 64-128-64-10 ReLU MLP with softmax cross-entropy, mini-batch SGD (batch 32,
  η = 0.1, float64) on scikit-learn's digits (1348 training images), 10 epochs;
* **widget**: a 2-16-16-1 tanh network with a sigmoid output and BCE, full-batch gradient
  descent (η = 0.5) on 200 two-moons points for 200 epochs -- what a live experiment
  retrains between two slider positions.

The three ways:

* ``nk.fit`` with default arguments;
* the **hand loop**: the same nnkit model and optimiser driven by the four lines a user
  writes -- forward, loss, backward, update -- and nothing else (no history, no checks
  beyond what the layers do themselves);
* **PyTorch** on the CPU (``torch.nn.Sequential`` of ``Linear`` layers, float64,
  ``torch.optim.SGD``), only when torch is installed.

All three start from the same weights (copied into torch) and see the same mini-batches
(the same permutation per epoch, drawn from the same seed). The script first checks that
``nk.fit`` and the hand loop compute the same losses, update for update, so that the
timings compare the same work. Each repeat times the three in turn (their order rotates
from repeat to repeat, so load from other processes hits all alike); a repeat's ratio is
time(fit) / time(hand loop) within that repeat. The script prints the median and the
range over the repeats. Times are CPU seconds of this process (``time.process_time``);
BLAS and torch use one thread: these matrices are too small for threads to help, and on
a shared machine threads fighting over the cores only add noise.
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
            value = loss.forward(net.forward(X[idx]), y[idx])
            net.backward(loss.backward())
            optimizer.step()
            losses.append(value)
    return losses


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
    fit_losses, hand_losses = with_fit(work, X, y), by_hand(work, X, y)
    assert np.allclose(fit_losses, hand_losses, rtol=1e-10), "fit and hand loop differ"
    sides = {"nk.fit": with_fit, "hand loop": by_hand}
    if torch is not None:
        assert np.allclose(with_torch(work, X, y), hand_losses, rtol=1e-6), "torch differs"
        sides["PyTorch"] = with_torch
    seconds = {name: [] for name in sides}
    names = list(sides)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            seconds[name].append(cpu_seconds(sides[name], work, X, y))
    hand = seconds["hand loop"]
    print(f"\n{work.name} ({len(fit_losses)} updates; {repeats} repeats)")
    for name, times in seconds.items():
        per = " ".join(f"{1e3 * t:.1f}" for t in times)
        print(f"  {name:9s}  ms per run: {summary([1e3 * t for t in times])}   [{per}]")
    for name in names:
        if name != "hand loop":
            ratios = [t / h for t, h in zip(seconds[name], hand, strict=True)]
            print(f"  {name} / hand loop: {summary(ratios)}")


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
