"""Chapter 5's computations: the tiny network as a computational graph, and what a full
gradient costs.

The tiny network as a computational graph, node by node
-------------------------------------------------------

The network has two inputs, one hidden layer of two sigmoid units and one sigmoid output,
in the course's notation, the input counting as layer 0 (biases left out; the node and
attribute names ``theta1``, ``z2``, ``a3``, … keep the numbering of Ng's notes, which the
chapter maps once)::

    a[0] = x                    shape (2,)
    z[1] = W[1] a[0]            W[1] shape (2, 2), z[1] shape (2,)
    a[1] = σ(z[1])              shape (2,)
    z[2] = W[2] a[1]            W[2] shape (1, 2), z[2] shape (1,)
    a[2] = σ(z[2])              shape (1,)
    J    = cost(a[2], y)        a number

with ``cost`` either the squared error ``J = (a[2] - y)²`` (what ``nk.MSELoss`` computes
for one example with one output) or the cross-entropy
``J = -y log a[2] - (1 - y) log(1 - a[2])`` (``nk.BCELoss`` for one example).

The backward pass multiplies local derivatives along each path from a parameter to J::

    ∂J/∂W[2] = ∂J/∂a[2] · ∂a[2]/∂z[2] · ∂z[2]/∂W[2]                  = δ[2] a[1]ᵀ
    ∂J/∂W[1] = ∂J/∂a[2] · ∂a[2]/∂z[2] · ∂z[2]/∂a[1] · ∂a[1]/∂z[1] · ∂z[1]/∂W[1]
             = δ[1] xᵀ,  with δ[2] = ∂J/∂z[2] and δ[1] = ∂J/∂z[1] = (W[2]ᵀ δ[2]) ⊙ σ'(z[1]).

:func:`tiny_trace` computes every value and local derivative; :func:`graph_steps` turns
them into the sequence of steps (forward node by node, then backward node by node) that
:func:`figures.graph_frame` draws.

What a full gradient costs: backpropagation against finite differences
----------------------------------------------------------------------

For a network with P parameters, centred finite differences need two forward passes per
parameter, 2P in all, while backpropagation needs one forward and one backward pass. In
matrix-product arithmetic a Dense layer's backward pass (two products: ∂J/∂W = Gᵀ X and
∂J/∂X = G W) costs twice its forward pass (one product: X Wᵀ), so the whole gradient by
backpropagation costs about three forward passes *whatever P is* -- the "cheap gradient
principle" of reverse-mode automatic differentiation (Griewank & Walther, 2008).

:func:`count_gradient_work` counts the passes that really run; :func:`matmul_flops`
counts floating-point operations; :func:`time_gradient_work` measures seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from nnkit.activations import sigmoid
from nnkit.course.text import format_number
from nnkit.gradcheck import numerical_gradient
from nnkit.layers import Layer
from nnkit.losses import Loss
from nnkit.validation import check_int

__all__ = [
    "COSTS", "NODES", "EDGES", "LOCAL_LABELS", "FORWARD_ORDER", "BACKWARD_ORDER", "CHAINS",
    "EXAMPLE", "TinyTrace", "GraphStep", "tiny_trace", "example_trace", "graph_steps",
    "CallCounter", "GradientWork", "count_parameters", "matmul_flops",
    "count_gradient_work", "time_gradient_work",
]

COSTS = ("squared error", "cross-entropy")

# Node id -> its name in the course's notation (plain Unicode, so figures need no mathtext).
NODES = {
    "x": "x", "theta1": "W[1]", "z2": "z[1]", "a2": "a[1]", "theta2": "W[2]", "z3": "z[2]",
    "a3": "a[2]", "y": "y", "J": "J",
}

# Edges (u, v): u is an input of the operation that computes v.
EDGES = (
    ("x", "z2"), ("theta1", "z2"), ("z2", "a2"), ("a2", "z3"), ("theta2", "z3"),
    ("z3", "a3"), ("a3", "J"), ("y", "J"),
)

# The local derivative ∂v/∂u on each edge (u, v), written as the factor the chain uses.
# The edges from x and y carry none: J is never differentiated with respect to the data.
LOCAL_LABELS = {
    ("a3", "J"): "∂J/∂a[2]",
    ("z3", "a3"): "σ′(z[2])",
    ("theta2", "z3"): "a[1]ᵀ",
    ("a2", "z3"): "W[2]ᵀ",
    ("z2", "a2"): "σ′(z[1])",
    ("theta1", "z2"): "xᵀ",
}

INPUTS = ("x", "y", "theta1", "theta2")
FORWARD_ORDER = ("z2", "a2", "z3", "a3", "J")
BACKWARD_ORDER = ("a3", "z3", "theta2", "a2", "z2", "theta1")

# The paths whose local derivatives multiply to each parameter's gradient, as edges.
CHAINS = {
    "theta2": (("a3", "J"), ("z3", "a3"), ("theta2", "z3")),
    "theta1": (("a3", "J"), ("z3", "a3"), ("a2", "z3"), ("z2", "a2"), ("theta1", "z2")),
}

# The chapter's running example: small round numbers whose gradients are far from zero.
EXAMPLE = {
    "x": np.array([1.0, 0.5]),
    "y": 1.0,
    "theta1": np.array([[0.5, -0.4], [0.3, 0.8]]),
    "theta2": np.array([[0.7, -1.2]]),
}


@dataclass(frozen=True)
class TinyTrace:
    """Every forward value and backward quantity of one pass through the tiny network.

    Forward: ``x`` (2,), ``y`` float, ``theta1`` (2, 2), ``theta2`` (1, 2), ``z2``, ``a2``
    (2,), ``z3``, ``a3`` (1,), ``J`` float. Local derivatives: ``dJ_da3`` (1,),
    ``da3_dz3`` (1,) = σ'(z[2]), ``da2_dz2`` (2,) = σ'(z[1]). Gradients of J:
    ``dJ_dz3`` (1,) = δ[2], ``dJ_dtheta2`` (1, 2), ``dJ_da2`` (2,), ``dJ_dz2`` (2,) = δ[1],
    ``dJ_dtheta1`` (2, 2).
    """

    cost: str
    x: np.ndarray
    y: float
    theta1: np.ndarray
    theta2: np.ndarray
    z2: np.ndarray
    a2: np.ndarray
    z3: np.ndarray
    a3: np.ndarray
    J: float
    dJ_da3: np.ndarray
    da3_dz3: np.ndarray
    dJ_dz3: np.ndarray
    dJ_dtheta2: np.ndarray
    dJ_da2: np.ndarray
    da2_dz2: np.ndarray
    dJ_dz2: np.ndarray
    dJ_dtheta1: np.ndarray

    def value(self, node: str):
        """Forward value of ``node`` (one of :data:`NODES`)."""
        _check_node(node)
        return getattr(self, node)

    def grad(self, node: str):
        """∂J/∂``node`` for the nodes the backward pass visits (``J`` itself gives 1)."""
        _check_node(node)
        if node == "J":
            return 1.0
        if node in ("x", "y"):
            raise ValueError(f"node: the backward pass does not compute ∂J/∂{node} (it is data)")
        return getattr(self, f"dJ_d{node}")

    def local(self, edge: tuple[str, str]):
        """Local derivative ∂v/∂u on edge ``(u, v)`` (written as the factor the chain uses)."""
        factors = {
            ("a3", "J"): self.dJ_da3,
            ("z3", "a3"): self.da3_dz3,
            ("theta2", "z3"): self.a2,
            ("a2", "z3"): self.theta2[0],
            ("z2", "a2"): self.da2_dz2,
            ("theta1", "z2"): self.x,
        }
        if edge not in factors:
            raise ValueError(
                f"edge: {edge!r} carries no local derivative; choose one of {sorted(factors)}"
            )
        return factors[edge]


def _check_node(node: str) -> None:
    if node not in NODES:
        raise ValueError(f"node: unknown node {node!r}; choose one of {list(NODES)}")


def _as_array(value, shape: tuple[int, ...], name: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name}: expected numbers of shape {shape}, got {value!r}") from error
    if arr.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains nan or inf")
    return arr


def tiny_trace(x, y, theta1, theta2, cost: str = "squared error") -> TinyTrace:
    """Run the forward and backward pass of the 2-2-1 network by hand, keeping everything.

    ``x`` (2,), ``y`` a number (in [0, 1] for the cross-entropy), ``theta1`` (2, 2),
    ``theta2`` (1, 2); ``cost`` is one of :data:`COSTS`. Forward as in the module
    docstring; backward:

    * ∂J/∂a[2] = 2 (a[2] - y) for the squared error, (a[2] - y) / (a[2](1 - a[2])) for
      the cross-entropy;
    * δ[2] = ∂J/∂a[2] · σ'(z[2]) with σ'(z) = σ(z)(1 - σ(z)) = a(1 - a);
    * ∂J/∂W[2] = δ[2] a[1]ᵀ, shape (1, 2);
    * ∂J/∂a[1] = W[2]ᵀ δ[2], shape (2,); δ[1] = ∂J/∂a[1] ⊙ σ'(z[1]);
    * ∂J/∂W[1] = δ[1] xᵀ, shape (2, 2).
    """
    if cost not in COSTS:
        raise ValueError(f"cost: unknown cost {cost!r}; choose one of {list(COSTS)}")
    x = _as_array(x, (2,), "x")
    y_arr = _as_array(y, (), "y")
    theta1 = _as_array(theta1, (2, 2), "theta1")
    theta2 = _as_array(theta2, (1, 2), "theta2")
    y = float(y_arr)
    if cost == "cross-entropy" and not 0.0 <= y <= 1.0:
        raise ValueError(f"y: the cross-entropy needs a target in [0, 1], got {y}")

    z2 = theta1 @ x
    a2 = sigmoid(z2)
    z3 = theta2 @ a2
    a3 = sigmoid(z3)
    if cost == "squared error":
        J = float(((a3 - y) ** 2)[0])
        dJ_da3 = 2.0 * (a3 - y)
    else:
        # Clip only so that a saturated output gives a large finite cost instead of inf.
        p = np.clip(a3, 1e-12, 1.0 - 1e-12)
        J = float((-y * np.log(p) - (1.0 - y) * np.log(1.0 - p))[0])
        dJ_da3 = (p - y) / (p * (1.0 - p))

    da3_dz3 = a3 * (1.0 - a3)
    dJ_dz3 = dJ_da3 * da3_dz3
    dJ_dtheta2 = np.outer(dJ_dz3, a2)
    dJ_da2 = theta2.T @ dJ_dz3
    da2_dz2 = a2 * (1.0 - a2)
    dJ_dz2 = dJ_da2 * da2_dz2
    dJ_dtheta1 = np.outer(dJ_dz2, x)
    return TinyTrace(
        cost=cost, x=x, y=y, theta1=theta1, theta2=theta2, z2=z2, a2=a2, z3=z3, a3=a3, J=J,
        dJ_da3=dJ_da3, da3_dz3=da3_dz3, dJ_dz3=dJ_dz3, dJ_dtheta2=dJ_dtheta2, dJ_da2=dJ_da2,
        da2_dz2=da2_dz2, dJ_dz2=dJ_dz2, dJ_dtheta1=dJ_dtheta1,
    )


def example_trace(cost: str = "squared error") -> TinyTrace:
    """:func:`tiny_trace` on the chapter's running example :data:`EXAMPLE`."""
    return tiny_trace(**EXAMPLE, cost=cost)


def _fixed(value, decimals: int = 3) -> str:
    """The chapter's numbers: 3 decimals unless a place needs another precision."""
    return format_number(value, decimals)


@dataclass(frozen=True)
class GraphStep:
    """One frame of the step-through: what is known and what was just computed.

    ``phase`` is "start", "forward" or "backward"; ``node`` the node computed in this step
    (None at the start); ``known`` the nodes whose forward value is shown; ``grads`` the
    nodes whose ∂J/∂node is shown; ``edges`` the edges whose local derivative is used in
    this step; ``used_edges`` all edges whose local derivative has been used so far;
    ``equation`` the step's computation in plain text with numbers (the frame's title);
    ``readout`` one short line with the value just computed.
    """

    index: int
    phase: str
    node: str | None
    known: tuple[str, ...]
    grads: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    used_edges: tuple[tuple[str, str], ...]
    equation: str
    readout: str


def _forward_equation(tr: TinyTrace, node: str) -> str:
    f = _fixed
    if node == "z2":
        return f"z[1] = W[1] x = {f(tr.theta1, 1)} · {f(tr.x, 1)} = {f(tr.z2)}"
    if node == "a2":
        return f"a[1] = σ(z[1]) = σ({f(tr.z2)}) = {f(tr.a2)}"
    if node == "z3":
        return f"z[2] = W[2] a[1] = {f(tr.theta2, 1)} · {f(tr.a2)} = {f(tr.z3)}"
    if node == "a3":
        return f"a[2] = σ(z[2]) = σ({f(tr.z3)}) = {f(tr.a3)}"
    if tr.cost == "squared error":
        return f"J = (a[2] − y)² = ({f(tr.a3)} − {f(tr.y, 0)})² = {f(tr.J, 4)}"
    return f"J = −y log a[2] − (1 − y) log(1 − a[2]) = {f(tr.J, 4)}"


def _backward_equation(tr: TinyTrace, node: str) -> str:
    f = _fixed
    if node == "a3":
        if tr.cost == "squared error":
            return f"∂J/∂a[2] = 2(a[2] − y) = 2({f(tr.a3)} − {f(tr.y, 0)}) = {f(tr.dJ_da3, 4)}"
        return f"∂J/∂a[2] = (a[2] − y) / (a[2](1 − a[2])) = {f(tr.dJ_da3, 4)}"
    if node == "z3":
        return (f"∂J/∂z[2] = ∂J/∂a[2] · σ′(z[2]) = {f(tr.dJ_da3, 4)} × {f(tr.da3_dz3, 4)}"
                f" = {f(tr.dJ_dz3, 4)}")
    if node == "theta2":
        return (f"∂J/∂W[2] = ∂J/∂z[2] · a[1]ᵀ = {f(tr.dJ_dz3, 4)} × {f(tr.a2)}"
                f" = {f(tr.dJ_dtheta2, 4)}")
    if node == "a2":
        return (f"∂J/∂a[1] = W[2]ᵀ ∂J/∂z[2] = {f(tr.theta2, 1)} × {f(tr.dJ_dz3, 4)}"
                f" = {f(tr.dJ_da2, 4)}")
    if node == "z2":
        return (f"∂J/∂z[1] = ∂J/∂a[1] ⊙ σ′(z[1]) = {f(tr.dJ_da2, 4)} ⊙ {f(tr.da2_dz2, 4)}"
                f" = {f(tr.dJ_dz2, 4)}")
    return f"∂J/∂W[1] = ∂J/∂z[1] xᵀ = {f(tr.dJ_dz2, 4)} ⊗ {f(tr.x, 1)} = {f(tr.dJ_dtheta1, 4)}"


def _edges_from(node: str) -> tuple[tuple[str, str], ...]:
    """The edges leaving ``node`` towards J, i.e. those the backward step at ``node`` uses."""
    return tuple(e for e in EDGES if e[0] == node and e in LOCAL_LABELS)


def graph_steps(tr: TinyTrace) -> list[GraphStep]:
    """The step-through of ``tr``: the start, 5 forward steps, then 6 backward steps (12 in all).

    Forward steps compute z[1], a[1], z[2], a[2], J in that order; backward steps compute
    ∂J/∂a[2], ∂J/∂z[2], ∂J/∂W[2], ∂J/∂a[1], ∂J/∂z[1], ∂J/∂W[1], each from the gradient one node
    closer to J times the local derivative on the edge between them.
    """
    if not isinstance(tr, TinyTrace):
        raise TypeError(f"tr: expected a TinyTrace (from tiny_trace), got {type(tr).__name__}")
    n_steps = 1 + len(FORWARD_ORDER) + len(BACKWARD_ORDER)
    last = n_steps - 1
    steps = [GraphStep(
        index=0, phase="start", node=None, known=INPUTS, grads=(), edges=(), used_edges=(),
        equation="Given: the input x, the target y and the parameters W[1], W[2].",
        readout=(f"step 0/{last} (start): x = {format_number(tr.x, 1)}, "
                 f"y = {format_number(tr.y, 0)}"),
    )]
    known = list(INPUTS)
    for node in FORWARD_ORDER:
        known.append(node)
        value = format_number(tr.J, 4) if node == "J" else _fixed(tr.value(node))
        steps.append(GraphStep(
            index=len(steps), phase="forward", node=node, known=tuple(known), grads=(),
            edges=tuple(e for e in EDGES if e[1] == node), used_edges=(),
            equation=_forward_equation(tr, node),
            readout=f"step {len(steps)}/{last} (forward): {NODES[node]} = {value}",
        ))
    grads = ["J"]
    used: list[tuple[str, str]] = []
    for node in BACKWARD_ORDER:
        grads.append(node)
        edges = _edges_from(node)
        used.extend(edges)
        steps.append(GraphStep(
            index=len(steps), phase="backward", node=node, known=tuple(known),
            grads=tuple(grads), edges=edges, used_edges=tuple(used),
            equation=_backward_equation(tr, node),
            readout=(f"step {len(steps)}/{last} (backward): ∂J/∂{NODES[node]} = "
                     f"{format_number(tr.grad(node), 4)}"),
        ))
    return steps


class CallCounter(Layer):
    """Wrap a model and count how often its ``forward`` and ``backward`` run.

    Behaves like the wrapped model (same outputs, gradients and parameters); the counts
    are in ``n_forward`` and ``n_backward`` and start at zero.
    """

    def __init__(self, model: Layer):
        if not isinstance(model, Layer):
            raise TypeError(f"model: expected an nnkit Layer, got {type(model).__name__}")
        self.model = model
        self.n_forward = 0
        self.n_backward = 0

    def check_input(self, X, name="X"):
        return self.model.check_input(X, name)

    def forward(self, X):
        self.n_forward += 1
        return self.model.forward(X)

    def backward(self, grad_out):
        self.n_backward += 1
        return self.model.backward(grad_out)


def _widths(widths) -> list[int]:
    try:
        out = [int(w) for w in widths]
    except (TypeError, ValueError) as error:
        raise TypeError(f"widths: expected a sequence of layer sizes, got {widths!r}") from error
    not_integers = any(w != v for w, v in zip(out, widths, strict=True))
    if len(out) < 2 or any(w < 1 for w in out) or not_integers:
        raise ValueError(f"widths: expected at least two positive integers, got {widths!r}")
    return out


def count_parameters(model: Layer) -> int:
    """P = total number of scalar parameters of ``model``."""
    return int(sum(p.value.size for p in model.parameters()))


def matmul_flops(widths, n_samples: int = 1) -> tuple[int, int]:
    """Floating-point operations in the matrix products of one forward and one backward pass.

    A product of (n, k) by (k, m) takes n·m·k multiplications and n·m·(k - 1) additions,
    about 2·n·k·m. Per Dense layer (n_in → n_out, batch n): forward X Wᵀ is 2·n·n_in·n_out;
    backward Gᵀ X and G W are 2·n·n_in·n_out each. Returns ``(forward, backward)``;
    element-wise work (biases, activations) is left out because it is linear in the
    layer widths while the products are quadratic.
    """
    w = _widths(widths)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples: expected a positive integer, got {n_samples!r}")
    forward = sum(2 * n_samples * a * b for a, b in zip(w[:-1], w[1:], strict=True))
    return forward, 2 * forward


@dataclass(frozen=True)
class GradientWork:
    """Passes needed for one full gradient: ``n_params`` P; backprop's forward and backward
    passes; finite differences' forward passes (2P for centred differences)."""

    n_params: int
    backprop_forward: int
    backprop_backward: int
    finite_diff_forward: int


def _check_model_loss(model, loss) -> None:
    if not isinstance(model, Layer):
        raise TypeError(f"model: expected an nnkit Layer, got {type(model).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"loss: expected an nnkit Loss, got {type(loss).__name__}")


def count_gradient_work(model: Layer, loss: Loss, X, y, eps: float = 1e-6) -> GradientWork:
    """Compute the gradient of ``loss(model(X), y)`` both ways and count the passes that ran."""
    _check_model_loss(model, loss)
    counted = CallCounter(model)
    loss(counted(X), y)
    counted.backward(loss.backward())
    bp_forward, bp_backward = counted.n_forward, counted.n_backward

    counted.n_forward = 0
    for p in counted.parameters():
        numerical_gradient(lambda: loss(counted(X), y), p.value, eps)
    return GradientWork(count_parameters(model), bp_forward, bp_backward, counted.n_forward)


def time_gradient_work(model: Layer, loss: Loss, X, y, repeats: int = 3, calls: int | None = None,
                       eps: float = 1e-6) -> dict[str, float]:
    """Seconds for one forward pass, one backward pass and one finite-difference gradient.

    A forward pass is ``loss(model(X), y)`` and a backward pass ``model.backward(loss.backward())``,
    each timed as the average of ``calls`` back-to-back calls (a single call of a small
    network is too short to time on its own); the finite-difference gradient is one sweep
    of :func:`nnkit.numerical_gradient` over every parameter (2P forward passes). By
    default ``calls = min(2P, 2000)``, so all three are timed over similarly long stretches
    and are slowed alike when the machine is shared with other programs. Each figure is
    the minimum over ``repeats`` runs, the run least disturbed by them. Returns
    ``{"forward": s, "backward": s, "finite_diff": s}``.
    """
    _check_model_loss(model, loss)
    if calls is None:
        calls = min(2 * count_parameters(model), 2000)
    repeats = check_int(repeats, "repeats", low=1)
    calls = check_int(calls, "calls", low=1)
    # Checked once at the doors; the timed passes are the formulas alone.
    X = model.check_input(X)
    y = loss.check(model.forward(X), y)[1]

    def objective() -> float:
        return loss.forward(model.forward(X), y)

    best = {"forward": np.inf, "backward": np.inf, "finite_diff": np.inf}
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            objective()
        middle = time.perf_counter()
        # The caches of the last forward pass stay valid, so backward can run repeatedly.
        for _ in range(calls):
            model.backward(loss.backward())
        end = time.perf_counter()
        for p in model.parameters():
            numerical_gradient(objective, p.value, eps)
        done = time.perf_counter()
        best["forward"] = min(best["forward"], (middle - start) / calls)
        best["backward"] = min(best["backward"], (end - middle) / calls)
        best["finite_diff"] = min(best["finite_diff"], done - end)
    return best
