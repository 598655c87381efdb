"""How much does nnkit's modularity cost?  Run: python benchmarks/bench_nnkit.py

1. A 64-128-64-10 ReLU MLP with softmax cross-entropy, trained by mini-batch SGD
   (batch 32, float64) on scikit-learn's digits: ``nk.fit`` against a plain NumPy
   loop written out below that does the same work (same shuffles, same per-update
   loss, same whole-training-set loss and accuracy after each epoch).  The two must
   produce the same losses; the target is nk.fit / plain <= 1.15.
2. Full-batch training of a 2-16-16-1 tanh/sigmoid network with BCE on 200 points
   for 200 epochs -- what a widget does between two slider moves; target < 30 ms.
3. PyTorch on the CPU for the same MLP, only if torch happens to be installed.

Times are CPU time of this process (``time.process_time``), which a busy shared
machine disturbs less than wall-clock time.  The main figure is the median over
many single epochs (epochs 2..E of each run, timed between consecutive epoch ends);
runs of the two sides alternate so that load from other processes hits both alike.
BLAS is limited to one thread (through threadpoolctl, which comes with
scikit-learn): these matrices are too small for threads to help, and on a shared
machine threads fighting over the cores multiply the CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import numpy as np

import nnkit as nk

LR = 0.1
BATCH = 32
SIZES = (64, 128, 64, 10)


def build_model(seed: int = 0) -> nk.Sequential:
    """The benchmark MLP, He-initialised."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(nk.Dense(n_in, n_out, init="he", rng=seed + i))
        if i < len(SIZES) - 2:
            layers.append(nk.ReLU())
    return nk.Sequential(*layers)


def plain_numpy_training(weights, X, y, epochs: int, seed: int):
    """Hand-written mini-batch SGD for the same MLP: no classes, no checks.

    ``weights`` is a list [(W, b), ...] (modified in place).  Returns the initial
    loss, the per-update losses and the per-epoch whole-training-set losses and
    accuracies -- everything ``nk.fit`` records by default -- and the CPU seconds
    of each epoch after the first.
    """
    rng = np.random.default_rng(seed)
    n = len(X)
    (W1, b1), (W2, b2), (W3, b3) = weights
    update_loss, epoch_loss, epoch_acc = [], [], []

    def forward(xb):
        a1 = np.maximum(xb @ W1.T + b1, 0.0)
        a2 = np.maximum(a1 @ W2.T + b2, 0.0)
        return a1, a2, a2 @ W3.T + b3

    def softmax_ce(z, labels):
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sums = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(labels))
        loss = float(np.mean(np.log(sums[:, 0]) - shifted[rows, labels]))
        return loss, exp / sums, rows

    initial_loss = softmax_ce(forward(X)[2], y)[0]
    stamps = [time.process_time()]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            xb, yb = X[idx], y[idx]
            a1, a2, z = forward(xb)
            loss, probs, rows = softmax_ce(z, yb)
            update_loss.append(loss)
            g3 = probs
            g3[rows, yb] -= 1.0
            g3 /= len(yb)
            g2 = (g3 @ W3) * (a2 > 0)
            g1 = (g2 @ W2) * (a1 > 0)
            W3 -= LR * (g3.T @ a2)
            b3 -= LR * g3.sum(axis=0)
            W2 -= LR * (g2.T @ a1)
            b2 -= LR * g2.sum(axis=0)
            W1 -= LR * (g1.T @ xb)
            b1 -= LR * g1.sum(axis=0)
        z = forward(X)[2]
        epoch_loss.append(softmax_ce(z, y)[0])
        epoch_acc.append(float(np.mean(z.argmax(axis=1) == y)))
        stamps.append(time.process_time())
    epoch_time = np.diff(stamps[1:]).tolist()
    return initial_loss, update_loss, epoch_loss, epoch_acc, epoch_time


def time_nnkit(X, y, epochs: int) -> tuple[float, list[float], nk.History]:
    """(CPU seconds per epoch of the whole fit call, CPU seconds of each epoch after
    the first, history)."""
    model = build_model()
    opt = nk.SGD(model.parameters(), lr=LR)
    stamps = []
    start = time.process_time()
    history = nk.fit(model, X, y, nk.CrossEntropyLoss(), opt, epochs=epochs,
                     batch_size=BATCH, rng=1,
                     callback=lambda epoch, model, history: stamps.append(time.process_time()))
    total = time.process_time() - start
    return total / epochs, np.diff(stamps).tolist(), history


def time_plain(X, y, epochs: int):
    """(CPU seconds per epoch of the whole run, CPU seconds of each epoch after the
    first, results)."""
    model = build_model()
    weights = [(layer.W.value.copy(), layer.b.value.copy())
               for layer in model.layers if isinstance(layer, nk.Dense)]
    start = time.process_time()
    result = plain_numpy_training(weights, X, y, epochs, seed=1)
    return (time.process_time() - start) / epochs, result[-1], result[:-1]


def time_torch(X, y, epochs: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    torch.set_num_threads(1)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(torch.nn.Linear(n_in, n_out).double())
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.default_rng(1)
    start = time.process_time()
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(X)))
        for s in range(0, len(X), BATCH):
            idx = order[s:s + BATCH]
            opt.zero_grad()
            loss = loss_fn(net(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            loss_fn(net(Xt), yt).item()
    return (time.process_time() - start) / epochs


def time_small_full_batch() -> float:
    """Seconds to train 2-16-16-1 full batch on 200 points for 200 epochs."""
    X, y = nk.datasets.moons(200, noise=0.1, rng=0)
    model = nk.Sequential(nk.Dense(2, 16, rng=0), nk.Tanh(), nk.Dense(16, 16, rng=1),
                          nk.Tanh(), nk.Dense(16, 1, rng=2), nk.Sigmoid())
    opt = nk.SGD(model.parameters(), lr=0.5)
    start = time.process_time()
    nk.fit(model, X, y, nk.BCELoss(), opt, epochs=200)
    return time.process_time() - start


def one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def main() -> None:
    with one_blas_thread():
        run_benchmarks()


def run_benchmarks() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    X, _, y, _ = nk.datasets.digits(rng=0)
    # Same work on both sides: check the two loops compute the same numbers.
    history = time_nnkit(X, y, 2)[2]
    initial_loss, update_loss, epoch_loss, epoch_acc = time_plain(X, y, 2)[2]
    assert np.isclose(history.initial_loss, initial_loss, rtol=1e-12)
    assert np.allclose(history.update_loss, update_loss, rtol=1e-10)
    assert np.allclose(history.epoch_loss, epoch_loss, rtol=1e-10)
    assert history.train_accuracy == epoch_acc

    runs = {"plain": [], "nnkit": []}
    epochs = {"plain": [], "nnkit": []}
    small_times = []
    for repeat in range(args.repeats):
        # Alternate which side goes first, so neither always runs on a warmer cache.
        order = ["plain", "nnkit"] if repeat % 2 == 0 else ["nnkit", "plain"]
        for side in order:
            timer = time_plain if side == "plain" else time_nnkit
            per_epoch_cpu, epoch_times, _ = timer(X, y, args.epochs)
            runs[side].append(per_epoch_cpu)
            epochs[side].extend(epoch_times)
        small_times.append(time_small_full_batch())
    plain_epoch = statistics.median(epochs["plain"])
    nnkit_epoch = statistics.median(epochs["nnkit"])
    plain_run = statistics.median(runs["plain"])
    nnkit_run = statistics.median(runs["nnkit"])
    small = statistics.median(small_times)
    print(f"digits MLP 64-128-64-10, ReLU, softmax CE, batch {BATCH}, float64, "
          f"{len(X)} training samples")
    print(f"  per epoch (median of {len(epochs['plain'])} epochs, CPU time):")
    print(f"    plain NumPy loop : {plain_epoch * 1e3:6.2f} ms")
    print(f"    nk.fit           : {nnkit_epoch * 1e3:6.2f} ms")
    print(f"    ratio nk.fit / plain = {nnkit_epoch / plain_epoch:.3f}  (target <= 1.15)")
    print(f"  whole {args.epochs}-epoch runs incl. set-up and checks (median of "
          f"{args.repeats}, CPU time):")
    print(f"    plain {plain_run * 1e3:.2f} ms/epoch, nk.fit {nnkit_run * 1e3:.2f} ms/epoch, "
          f"ratio {nnkit_run / plain_run:.3f}")
    torch_time = time_torch(X, y, args.epochs)
    if torch_time is not None:
        print(f"  PyTorch (CPU)      : {torch_time * 1e3:6.2f} ms/epoch")
    else:
        print("  PyTorch            : not installed, skipped")
    print(f"2-16-16-1 tanh/sigmoid, BCE, full batch, 200 points, 200 epochs: "
          f"{small * 1e3:.1f} ms CPU (target < 30 ms)")


if __name__ == "__main__":
    main()
