"""The teaching computations of chapter 7, "Vectorisation and efficiency".

* the forward and backward pass of one two-layer network, ``d → h (ReLU) → C (softmax)``
  with the mean cross-entropy, written three ways: :func:`gradients_loops` (Python loops
  over samples and units), :func:`gradients_vectors` (one example at a time, as vectors)
  and :func:`gradients_matrices` (the whole batch as matrices: the course's reference,
  :func:`nnkit.course.two_layer.loss_and_gradients`);
* counting the work: :func:`dense_flops` and :func:`network_flops` (exact FLOP counts),
  :func:`intensity` and :func:`roofline` (the roofline model of Williams et al. 2009);
* measuring honestly: :class:`Timing` (median and spread of repeated runs),
  :func:`measure`, :func:`race` (several functions timed in interleaved rounds; both time
  with one BLAS thread),
  :func:`matmul_peak` and :func:`copy_bandwidth` (this machine's own limits),
  :func:`train_epoch` with its three stages (:func:`forward_pass`, :func:`backward_pass`,
  :func:`update_weights`), :func:`epoch_times` (time per epoch against batch size and
  width) and :func:`profile_parts` (cProfile, split between parts that do not nest);
* memory: :func:`forward_with_buffer` (a preallocated output, no temporaries);
* parallel work: :func:`sharded_gradients` (one batch split into shards, as several
  devices would compute it).

Parameters are a dict ``{"W1": (h, d), "b1": (h,), "W2": (C, h), "b2": (C,)}``, nnkit's
convention ``z = W a + b`` for one example and ``Z = A Wᵀ + b`` for a batch.
"""

from __future__ import annotations

import cProfile
import math
import pstats
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

import nnkit as nk
from nnkit.course.two_layer import PARAM_NAMES, check_problem, loss_and_gradients
from nnkit.validation import as_rng, check_int, check_positive

__all__ = [
    "PARAM_NAMES",
    "Profile",
    "Timing",
    "copy_bandwidth",
    "dense_flops",
    "backward_pass",
    "epoch_times",
    "forward_pass",
    "forward_with_buffer",
    "gradients_loops",
    "gradients_matrices",
    "gradients_vectors",
    "intensity",
    "largest_difference",
    "matmul_peak",
    "measure",
    "network_flops",
    "params_of",
    "profile_parts",
    "race",
    "roofline",
    "sharded_gradients",
    "train_epoch",
    "update_weights",
]

# The third way, the whole batch as matrix products, is the course's reference pass:
# chapter 6 checks its exercise against the same function.
gradients_matrices = loss_and_gradients


# --------------------------------------------------------------------------------------
# One network, three ways
# --------------------------------------------------------------------------------------


def params_of(model: nk.Sequential) -> dict[str, np.ndarray]:
    """The weights of a ``Dense, activation, Dense`` model as a parameter dict (no copies)."""
    dense = [layer for layer in model if isinstance(layer, nk.Dense)]
    if len(dense) != 2 or any(layer.b is None for layer in dense):
        raise ValueError(
            f"model: expected exactly two Dense layers with biases, got {len(dense)} Dense layers"
        )
    return {"W1": dense[0].W.value, "b1": dense[0].b.value,
            "W2": dense[1].W.value, "b2": dense[1].b.value}


def gradients_loops(X, y, params) -> tuple[float, dict[str, np.ndarray]]:
    """Loss and gradients with Python loops over samples, units and inputs (no NumPy maths).

    For each sample s: ``z1_j = Σ_i W1_ji x_i + b1_j``, ``a1_j = max(z1_j, 0)``,
    ``z2_k = Σ_j W2_kj a1_j + b2_k``, ``p = softmax(z2)``, ``ℓ = −log p_y``; backward
    ``δ2_k = (p_k − [k = y]) / n``, ``∂J/∂W2_kj += δ2_k a1_j``,
    ``δ1_j = [z1_j > 0] Σ_k δ2_k W2_kj``,
    ``∂J/∂W1_ji += δ1_j x_i``. Returns ``(mean loss, grads)`` with the shapes of ``params``.
    """
    X, y = check_problem(X, y, params)
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64).tolist() for k in PARAM_NAMES)
    h, d, c = len(W1), len(W1[0]), len(W2)
    n = len(X)
    gW1 = [[0.0] * d for _ in range(h)]
    gb1 = [0.0] * h
    gW2 = [[0.0] * h for _ in range(c)]
    gb2 = [0.0] * c
    total = 0.0
    for x, label in zip(X.tolist(), y.tolist(), strict=True):
        z1 = [sum(W1[j][i] * x[i] for i in range(d)) + b1[j] for j in range(h)]
        a1 = [max(v, 0.0) for v in z1]
        z2 = [sum(W2[k][j] * a1[j] for j in range(h)) + b2[k] for k in range(c)]
        top = max(z2)
        e = [math.exp(v - top) for v in z2]
        s = sum(e)
        total += -(z2[label] - top - math.log(s))
        d2 = [(e[k] / s - (1.0 if k == label else 0.0)) / n for k in range(c)]
        for k in range(c):
            gb2[k] += d2[k]
            for j in range(h):
                gW2[k][j] += d2[k] * a1[j]
        for j in range(h):
            d1 = sum(d2[k] * W2[k][j] for k in range(c)) if z1[j] > 0 else 0.0
            gb1[j] += d1
            for i in range(d):
                gW1[j][i] += d1 * x[i]
    grads = {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2}
    return float(total / n), {k: np.array(v) for k, v in grads.items()}


def gradients_vectors(X, y, params) -> tuple[float, dict[str, np.ndarray]]:
    """The same loss and gradients, one example at a time with vector operations.

    Per sample: ``z1 = W1 x + b1``, ``a1 = max(z1, 0)``, ``z2 = W2 a1 + b2``,
    ``δ2 = (softmax(z2) − e_y)/n``, ``∂J/∂W2 += δ2 a1ᵀ``, ``δ1 = (W2ᵀ δ2) ⊙ [z1 > 0]``,
    ``∂J/∂W1 += δ1 xᵀ``.
    """
    X, y = check_problem(X, y, params)
    W1, b1, W2, b2 = (params[k] for k in PARAM_NAMES)
    n = len(X)
    grads = {k: np.zeros_like(params[k], dtype=np.result_type(params[k], X)) for k in PARAM_NAMES}
    total = 0.0
    for x, label in zip(X, y, strict=True):
        z1 = W1 @ x + b1
        a1 = np.maximum(z1, 0.0)
        z2 = W2 @ a1 + b2
        shifted = z2 - z2.max()
        log_p = shifted - np.log(np.exp(shifted).sum())
        total -= log_p[label]
        d2 = np.exp(log_p)
        d2[label] -= 1.0
        d2 /= n
        d1 = (W2.T @ d2) * (z1 > 0)
        grads["W2"] += np.outer(d2, a1)
        grads["b2"] += d2
        grads["W1"] += np.outer(d1, x)
        grads["b1"] += d1
    return float(total / n), grads


def largest_difference(a: tuple[float, Mapping], b: tuple[float, Mapping]) -> float:
    """Largest relative difference between two ``(loss, grads)`` results, over every entry.

    Each entry's difference is divided by the largest magnitude in that gradient (or the
    loss), so tiny entries are not judged on their own scale.
    """
    worst = abs(a[0] - b[0]) / max(abs(a[0]), 1e-300)
    for k in PARAM_NAMES:
        ga, gb = np.asarray(a[1][k], dtype=np.float64), np.asarray(b[1][k], dtype=np.float64)
        scale = max(float(np.max(np.abs(ga))), 1e-300)
        worst = max(worst, float(np.max(np.abs(ga - gb))) / scale)
    return worst


def sharded_gradients(X, y, params, shards: int) -> tuple[float, dict[str, np.ndarray]]:
    """The batch's loss and gradients computed on ``shards`` parts and combined.

    Each shard of ``n_s`` examples gives its own mean loss and gradients (as one device of
    several would); weighting them by ``n_s / n`` and adding gives the whole batch's.
    """
    X, y = check_problem(X, y, params)
    shards = check_int(shards, "shards", low=1, high=len(X))
    n = len(X)
    loss = 0.0
    total = {k: 0.0 for k in PARAM_NAMES}
    for part in np.array_split(np.arange(n), shards):
        part_loss, grads = gradients_matrices(X[part], y[part], params)
        weight = len(part) / n
        loss += weight * part_loss
        for k in PARAM_NAMES:
            total[k] = total[k] + weight * grads[k]
    return loss, total


# --------------------------------------------------------------------------------------
# Counting the work
# --------------------------------------------------------------------------------------


def dense_flops(batch: int, n_in: int, n_out: int, input_grad: bool = True) -> tuple[int, int]:
    """Floating-point operations of a Dense layer's forward and backward pass on a batch.

    A product of an (m, k) and a (k, p) matrix counts ``2mkp`` (a multiply and an add for
    each of its ``mkp`` multiply-adds); adding or summing the bias counts one per element.

    With X the layer's input (the batch of its ``A^[l−1]``), Δ the batch of its δ rows
    (``Δ^[l]``) and ∂W short for ∂J/∂W (likewise ∂b, ∂X):

    forward  ``Z = X Wᵀ + b``:           ``2·batch·n_in·n_out + batch·n_out``
    backward ``∂W = Δᵀ X``, ``∂b = Σ Δ``, ``∂X = Δ W``:
             ``2·batch·n_in·n_out + batch·n_out (+ 2·batch·n_in·n_out if input_grad)``

    So the forward pass costs 2 FLOPs per parameter per sample and the backward pass 4
    (2 when the layer's input is the data and ``∂X`` is skipped).
    """
    batch = check_int(batch, "batch", low=1)
    n_in = check_int(n_in, "n_in", low=1)
    n_out = check_int(n_out, "n_out", low=1)
    if not isinstance(input_grad, bool):
        raise TypeError(f"input_grad: expected True or False, got {input_grad!r}")
    product = 2 * batch * n_in * n_out
    forward = product + batch * n_out
    backward = product + batch * n_out + (product if input_grad else 0)
    return forward, backward


def network_flops(sizes: Sequence[int], batch: int) -> tuple[int, int]:
    """Forward and backward FLOPs of the Dense layers of an MLP with layer ``sizes``.

    The first layer skips ``∂X`` (its input is the data); activations and the loss are
    not counted (a few operations per unit, against hundreds per weight).
    """
    sizes = [check_int(s, "sizes[i]", low=1) for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least an input and an output size, got {sizes}")
    forward = backward = 0
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        f, b = dense_flops(batch, n_in, n_out, input_grad=index > 0)
        forward += f
        backward += b
    return forward, backward


def intensity(batch: int, n_in: int, n_out: int, itemsize: int = 8) -> float:
    """Arithmetic intensity (FLOPs per byte) of the product ``X Wᵀ`` for one batch.

    FLOPs ``2·batch·n_in·n_out``; bytes moved at least once: ``itemsize`` times the
    entries of X, W and the result, ``batch·n_in + n_in·n_out + batch·n_out``.
    """
    batch, n_in, n_out = (check_int(v, "size", low=1) for v in (batch, n_in, n_out))
    moved = itemsize * (batch * n_in + n_in * n_out + batch * n_out)
    return 2 * batch * n_in * n_out / moved


def roofline(intensities, peak_gflops: float, bandwidth_gbs: float) -> np.ndarray:
    """Attainable GFLOP/s ``min(peak, bandwidth · intensity)`` (Williams et al. 2009)."""
    peak_gflops = check_positive(peak_gflops, "peak_gflops")
    bandwidth_gbs = check_positive(bandwidth_gbs, "bandwidth_gbs")
    return np.minimum(peak_gflops, bandwidth_gbs * np.asarray(intensities, dtype=np.float64))


# --------------------------------------------------------------------------------------
# Measuring honestly
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Seconds per call from repeated runs: ``median``, ``best``, quartiles and the ``times``."""

    times: tuple[float, ...]

    def __post_init__(self):
        if not self.times or any(not (t >= 0 and np.isfinite(t)) for t in self.times):
            raise ValueError(f"times: expected non-negative finite seconds, got {self.times}")

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        """The fastest run: disturbances only ever add time, so it is the least disturbed."""
        return min(self.times)

    @property
    def quartiles(self) -> tuple[float, float]:
        """Lower and upper quartile (the middle half of the runs lies between them)."""
        q1, q2, q3 = np.percentile(self.times, [25, 50, 75])
        return float(q1), float(q3)

    def __repr__(self) -> str:
        return f"Timing(median={self.median:.3g} s, runs={len(self.times)})"


def measure(fn: Callable[[], object], repeats: int = 5, number: int = 1, warmup: int = 1,
            clock: Callable[[], float] = time.perf_counter) -> Timing:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeats`` runs of ``number`` calls.

    Each run's time is divided by ``number`` (use several calls when one is shorter than
    the clock's resolution). The warm-up pays one-off costs (caches, lazily loaded code,
    memory first touched) that a loop of many steps pays only once.

    BLAS runs on one thread while timing: with several threads on a machine whose cores
    are busy with other programs, a product waits for its other threads to be scheduled,
    and the times would measure the scheduler rather than the computation.
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a function of no arguments, got {type(fn).__name__}")
    repeats = check_int(repeats, "repeats", low=1)
    number = check_int(number, "number", low=1)
    warmup = check_int(warmup, "warmup", low=0)
    times = []
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(warmup):
            fn()
        for _ in range(repeats):
            start = clock()
            for _ in range(number):
                fn()
            times.append((clock() - start) / number)
    return Timing(tuple(times))


def race(fns: Mapping[str, Callable[[], object]], rounds: int = 5,
         number: Mapping[str, int] | None = None,
         clock: Callable[[], float] = time.perf_counter) -> dict[str, Timing]:
    """Time several functions in interleaved rounds: each round calls every one once.

    Whatever else the machine does slows all contenders of a round alike, so the ratio of
    two contenders' times (the chapter compares their fastest runs, ``Timing.best``) is
    far steadier than the times themselves. ``number`` gives calls per round
    for fast functions. One untimed warm-up call each comes first. BLAS runs on one thread,
    as in :func:`measure`.
    """
    number = dict(number or {})
    unknown = set(number) - set(fns)
    if unknown:
        raise ValueError(f"number: unknown names {sorted(unknown)}; the functions are {list(fns)}")
    rounds = check_int(rounds, "rounds", low=1)
    times: dict[str, list[float]] = {name: [] for name in fns}
    with threadpool_limits(limits=1, user_api="blas"):
        for fn in fns.values():
            fn()
        for _ in range(rounds):
            for name, fn in fns.items():
                calls = number.get(name, 1)
                start = clock()
                for _ in range(calls):
                    fn()
                times[name].append((clock() - start) / calls)
    return {name: Timing(tuple(t)) for name, t in times.items()}


def matmul_peak(size: int = 256, dtype=np.float64, repeats: int = 25) -> float:
    """This machine's one-thread matrix-product speed in GFLOP/s: ``2·size³`` FLOPs over
    the fastest repeat's time.

    A square product of this size keeps BLAS in its fastest kernel, and is short enough
    (about a millisecond) that some of the repeats run without being interrupted by other
    programs; the fastest repeat gives a practical peak for the current thread count.
    """
    size = check_int(size, "size", low=16)
    rng = as_rng(0)
    A = rng.standard_normal((size, size)).astype(dtype)
    B = rng.standard_normal((size, size)).astype(dtype)
    out = np.empty((size, size), dtype=dtype)
    timing = measure(lambda: np.matmul(A, B, out=out), repeats=repeats, warmup=2)
    return 2 * size**3 / timing.best / 1e9


def copy_bandwidth(kilobytes: int = 65536, repeats: int = 5) -> float:
    """Memory bandwidth in GB/s: bytes read plus bytes written by copying an array of
    ``kilobytes`` (its fastest repeat).

    A large array (the default, 64 MiB) must come from main memory every time; a small one
    (a few hundred KiB) stays in the processor's cache after the first copy, so it measures
    the cache's bandwidth instead.
    """
    kilobytes = check_int(kilobytes, "kilobytes", low=16)
    src = np.ones(kilobytes * 1024 // 8)
    dst = np.empty_like(src)
    number = max(1, 4096 // kilobytes)   # small copies are repeated to outlast the clock's tick
    timing = measure(lambda: np.copyto(dst, src), repeats=repeats, number=number, warmup=1)
    return 2 * src.nbytes / timing.best / 1e9


def forward_pass(model, loss_fn, xb, yb) -> float:
    """The first stage of a training step: the forward pass of one batch and its loss."""
    return loss_fn.forward(model.forward(xb), yb)


def backward_pass(model, loss_fn) -> None:
    """The second stage: the backward pass, which fills every parameter's gradient (the
    first layer skips ``∂J/∂X``, which nothing needs)."""
    model.backward(loss_fn.backward(), input_grad=False)


def update_weights(optimizer) -> None:
    """The third stage: one step of the optimiser."""
    optimizer.step()


def train_epoch(model, X, y, loss_fn, optimizer, batch_size: int) -> float:
    """One epoch of mini-batch SGD in data order; returns the mean of the batch losses.

    Written out rather than ``nk.fit(..., epochs=1)``: the chapter times and profiles the
    update itself, without what ``fit`` adds around it (shuffling, the history, checks of
    the data). Each step calls its three stages, :func:`forward_pass`,
    :func:`backward_pass` and :func:`update_weights`, once; none calls another, so a
    profile of the epoch splits its time between them and the rest of the loop.
    """
    batch_size = check_int(batch_size, "batch_size", low=1)
    total = 0.0
    for start in range(0, len(X), batch_size):
        xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        loss = forward_pass(model, loss_fn, xb, yb)
        backward_pass(model, loss_fn)
        update_weights(optimizer)
        total += loss * len(xb)
    return total / len(X)


def epoch_times(widths: Sequence[int], batch_sizes: Sequence[int], n: int = 512,
                d: int = 64, classes: int = 10, repeats: int = 3) -> dict[tuple[int, int], Timing]:
    """Seconds per training epoch of a ``d → w → w → classes`` ReLU network, per (w, batch).

    ``n`` random examples (a fixed seed); a learning rate small enough that nothing
    diverges. Every configuration is warmed up once; then ``repeats`` rounds time each
    configuration once, interleaved, so a busy moment of the machine slows all alike.
    """
    rng = as_rng(0)
    X = rng.standard_normal((check_int(n, "n", low=1), d))
    y = rng.integers(0, classes, size=n)
    runs = {}
    for width in widths:
        model = nk.mlp([d, width, width, classes], activation="relu", rng=1)
        loss_fn = nk.CrossEntropyLoss()
        optimizer = nk.SGD(model.parameters(), lr=1e-3)
        for batch in batch_sizes:
            runs[(width, batch)] = (
                lambda m=model, f=loss_fn, o=optimizer, b=batch: train_epoch(m, X, y, f, o, b))
    return race(runs, rounds=check_int(repeats, "repeats", low=1))


@dataclass(frozen=True)
class Profile:
    """What :func:`profile_parts` found in one profiled run.

    ``parts[name] = (calls, cumulative seconds)`` of the named parts, which do not call
    one another; ``total`` is the seconds of the whole run, so ``total`` minus the parts'
    seconds is the time spent outside them; ``calls[name]`` counts the calls of every
    function of that name in the run (methods of different classes that share a name
    count together).
    """

    parts: dict[str, tuple[int, float]]
    total: float
    calls: dict[str, int]

    @property
    def rest(self) -> float:
        """Seconds of the run spent outside the named parts."""
        return max(self.total - sum(seconds for _, seconds in self.parts.values()), 0.0)


def profile_parts(fn: Callable[[], object], names: Sequence[str]) -> Profile:
    """Run ``fn()`` under cProfile and split its time between the functions ``names``.

    A part's time is the cumulative time (``cumtime``) of the functions of that name,
    which includes everything they call. That counts time once only if no part calls
    another: cProfile's cumulative time of a name such as ``forward``, which
    ``Sequential.forward`` and each layer's ``forward`` share, counts a layer's time in
    both. So a part that another part calls directly is refused (with a ValueError; cProfile
    records only direct callers, so nesting through a third function goes unnoticed).
    BLAS runs on one thread, as in :func:`measure`.
    """
    names = list(names)
    profiler = cProfile.Profile()
    with threadpool_limits(limits=1, user_api="blas"):
        profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    found: dict[str, tuple[int, float]] = {}
    calls: dict[str, int] = {}
    for (_, _, function), (_, count, _, cumulative, callers) in stats.stats.items():
        calls[function] = calls.get(function, 0) + count
        if function in names:
            nested = sorted({caller[2] for caller in callers} & set(names))
            if nested:
                raise ValueError(f"names: the part {function!r} is called by the part "
                                 f"{nested[0]!r}, so its time would be counted twice; "
                                 "choose parts that do not call one another")
            old_calls, old_time = found.get(function, (0, 0.0))
            found[function] = (old_calls + count, old_time + cumulative)
    parts = {name: found.get(name, (0, 0.0)) for name in names}
    return Profile(parts, float(stats.total_tt), calls)


# --------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------


def forward_with_buffer(X: np.ndarray, W: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``Z = X Wᵀ + b`` written into the preallocated ``out`` (n, n_out): no new arrays.

    ``np.matmul(..., out=out)`` writes the product into ``out`` and ``out += b`` adds the bias
    in place, where ``X @ W.T + b`` allocates the product and then a second array for the sum.
    """
    if out.shape != (X.shape[0], W.shape[0]) or out.dtype != np.result_type(X, W):
        raise ValueError(
            f"out: expected shape {(X.shape[0], W.shape[0])} and dtype {np.result_type(X, W)}, "
            f"got {out.shape} {out.dtype}"
        )
    np.matmul(X, W.T, out=out)
    out += b
    return out

