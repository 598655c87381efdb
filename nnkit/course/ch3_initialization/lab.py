"""Look inside a deep network at initialisation: per-layer activations and gradient norms.

A network of ``depth`` hidden layers of ``width`` units each is built with a chosen weight
initialisation and activation, fed one batch of random inputs, and differentiated once with a
mean-squared-error loss against random targets. :func:`probe` records, for every hidden layer
:math:`l = 1, \\dots, L`,

* the activations :math:`A^{[l]} = g(A^{[l-1]} W^{[l]\\top} + b^{[l]})`, shape ``(n, width)``,
* the Frobenius norm of the gradient :math:`\\partial J / \\partial Z^{[l]}` that one backward
  pass delivers to the layer (:math:`Z^{[l]}` is its pre-activation), and of the gradient
  :math:`\\partial J / \\partial W^{[l]}` of its weights.

This is the experiment behind chapter 3: with a badly scaled initialisation the activations and the
gradients shrink (vanish) or grow (explode) geometrically with depth, and the Xavier/Glorot and He
scalings keep them roughly constant. Everything is vectorised: a 10 x 100 network on 500 samples
takes a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnkit.activations import Sigmoid
from nnkit.layers import Dense, Sequential
from nnkit.losses import MSELoss
from nnkit.networks import mlp
from nnkit.validation import as_rng, check_choice, check_int

#: The initialisation schemes compared in chapter 3: label -> keyword arguments of ``nk.mlp``
#: (and of ``nk.Dense``).
#: For ``"normal"``, ``scale`` is the standard deviation of the weights.
SCHEMES: dict[str, dict] = {
    "zeros": {"init": "zeros"},
    "small normal": {"init": "normal", "scale": 0.01},
    "large normal": {"init": "normal", "scale": 1.0},
    "xavier": {"init": "xavier"},
    "he": {"init": "he"},
}

#: The hidden-layer activations compared in chapter 3.
ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu")

#: The zero-centred sigmoid that :func:`probe_scheme` also accepts, to separate the sigmoid's
#: mean of 1/2 from its slope of at most 1/4.
CENTRED_SIGMOID = "sigmoid - 1/2"


class CentredSigmoid(Sigmoid):
    """a = σ(z) - 1/2, mean 0 for z symmetric about 0; da/dz = σ(z) (1 - σ(z)), at most 1/4.

    The same slope as the sigmoid, without its mean: ``forward`` returns the sigmoid's output
    minus 1/2 (a new array, so the stored σ(z) stays what ``backward`` needs).
    """

    def forward(self, X):
        return super().forward(X) - 0.5


def deep_network(depth: int = 10, width: int = 100, scheme: str = "xavier",
                 activation: str = "tanh", n_in: int | None = None, n_out: int = 1,
                 rng=0) -> Sequential:
    """``nk.mlp`` with ``depth`` hidden layers of ``width`` units (``n_in`` inputs, default
    ``width``; ``n_out`` linear outputs) and every layer drawn with the scheme ``scheme``."""
    depth = check_int(depth, "depth", low=1)
    width = check_int(width, "width", low=1)
    n_in = width if n_in is None else n_in
    scheme = check_choice(scheme, "scheme", tuple(SCHEMES))
    return mlp([n_in] + [width] * depth + [n_out], activation=activation, **SCHEMES[scheme],
               rng=rng)


@dataclass(frozen=True)
class Probe:
    r"""What one forward and one backward pass through a deep network showed.

    With :math:`Z^{[l]}` the output of Dense layer ``l`` (before its activation):

    * ``activations[l]``: hidden layer ``l + 1``'s output after its activation, shape (n, width);
    * ``delta_norms[l]``: :math:`\lVert \partial J / \partial Z^{[l+1]} \rVert_F`, the gradient
      that the backward pass delivers to Dense layer ``l + 1``; the last entry is the output layer;
    * ``grad_norms[l]``: :math:`\lVert \partial J / \partial W^{[l+1]} \rVert_F`, the weight
      gradient of Dense layer ``l + 1`` (last entry: output layer);
    * ``weight_norms[l]``: :math:`\lVert W^{[l+1]} \rVert_F`;
    * ``loss``: the MSE loss of the batch.

    ``delta_norms``, ``grad_norms`` and ``weight_norms`` have ``depth + 1`` entries.
    """

    activations: list[np.ndarray]
    delta_norms: np.ndarray
    grad_norms: np.ndarray
    weight_norms: np.ndarray
    loss: float

    @property
    def activation_std(self) -> np.ndarray:
        """Standard deviation of each hidden layer's activations (samples and units), (depth,)."""
        return np.array([a.std() for a in self.activations])

    @property
    def grad_ratio(self) -> float:
        """``delta_norms[0] / delta_norms[-1]``: gradient reaching layer 1 over the output's.

        Near 1 when the gradient keeps its size on the way back; << 1 when it vanishes, >> 1 when
        it explodes. ``nan`` when the output gradient is exactly zero.
        """
        last = self.delta_norms[-1]
        return float(self.delta_norms[0] / last) if last != 0.0 else float("nan")


def random_batch(n: int = 500, n_features: int = 100, n_out: int = 1, rng=0):
    """Standard-normal inputs ``X`` (n, n_features) and targets ``Y`` (n, n_out).

    ``rng`` is a seed or a ``numpy.random.Generator`` (which is advanced).
    """
    n = check_int(n, "n", low=1)
    n_features = check_int(n_features, "n_features", low=1)
    n_out = check_int(n_out, "n_out", low=1)
    generator = as_rng(rng)
    return generator.standard_normal((n, n_features)), generator.standard_normal((n, n_out))


def probe(model: Sequential, X, Y) -> Probe:
    """Run ``model`` forward on ``X`` and backward from ``MSELoss(model(X), Y)``; collect stats.

    ``X``: (n, n_in); ``Y``: (n, n_out). Hidden activations are the outputs of the layers that
    have no parameters (the activation layers); ``Sequential.backward`` keeps the gradient that
    arrives at every Dense layer (``model.output_grads``). Values can be astronomically large
    (that is the point of the exploding case), so NumPy's overflow warnings are silenced; the
    results stay finite in float64 for the networks of chapter 3.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be an nnkit Sequential, got {type(model).__name__}")
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must be 2-D with the same number of rows, got shapes {X.shape} and {Y.shape}"
        )
    loss_fn = MSELoss()
    with np.errstate(over="ignore", under="ignore"):
        loss = loss_fn(model(X), Y)
        model.backward(loss_fn.backward())
    dense = [k for k, layer in enumerate(model.layers) if isinstance(layer, Dense)]
    hidden = [
        a.copy()
        for layer, a in zip(model.layers, model.activations, strict=True)
        if not isinstance(layer, Dense)
    ]
    return Probe(
        activations=hidden,
        delta_norms=np.array([np.linalg.norm(model.output_grads[k]) for k in dense]),
        grad_norms=np.array([np.linalg.norm(model.layers[k].W.grad) for k in dense]),
        weight_norms=np.array([np.linalg.norm(model.layers[k].W.value) for k in dense]),
        loss=float(loss),
    )


def probe_scheme(
    scheme: str,
    activation: str,
    depth: int = 10,
    width: int = 100,
    n: int = 500,
    rng=0,
) -> Probe:
    """Build :func:`deep_network` with ``scheme`` and ``activation`` and :func:`probe` it.

    The random batch (``n`` samples, ``width`` features) and then the weights are drawn from one
    generator seeded with ``rng`` (one stream, so inputs and weights are independent draws), and
    every call with the same arguments gives the same numbers. ``activation`` may also be
    :data:`CENTRED_SIGMOID`: the sigmoid network with the same weights, its units shifted to
    σ(z) - 1/2.
    """
    generator = as_rng(rng)
    X, Y = random_batch(n, width, 1, rng=generator)
    if activation == CENTRED_SIGMOID:
        # The sigmoid network with the same weights, each Sigmoid shifted down by 1/2.
        model = deep_network(depth, width, scheme, "sigmoid", rng=generator)
        model.layers = [CentredSigmoid() if isinstance(layer, Sigmoid) else layer
                        for layer in model.layers]
    else:
        model = deep_network(depth, width, scheme, activation, rng=generator)
    return probe(model, X, Y)


def best_line_accuracy(X, y, n_directions: int = 3600) -> float:
    """The highest training accuracy of one straight line on 2-D points ``X`` (n, 2) with 0/1
    labels ``y`` (n,): class 1 on one side of the line, class 0 on the other.

    The search tries ``n_directions`` directions of the line's normal, evenly spaced over a
    half turn (every 0.05° for 3600), and for each every threshold: below the smallest
    projection, between any two consecutive projections and above the largest, with class 1
    on either side. A line whose normal lies between two of the directions tried can do
    better only if some point lies within that angle of the line.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or len(y) != len(X) or len(X) == 0:
        raise ValueError(f"X must be (n, 2) and y (n,), n > 0; got {X.shape} and {y.shape}")
    n_directions = check_int(n_directions, "n_directions", low=1)
    angles = np.pi * np.arange(n_directions) / n_directions
    projections = X @ np.stack([np.cos(angles), np.sin(angles)])  # (n, n_directions)
    order = np.argsort(projections, axis=0, kind="stable")
    ones_sorted = (y[order] == 1).astype(np.int64)
    # ones_below[k]: class-1 points among the k smallest projections (k = 0..n)
    ones_below = np.vstack([np.zeros((1, n_directions), dtype=np.int64),
                            np.cumsum(ones_sorted, axis=0)])
    k = np.arange(len(X) + 1)[:, None]
    total_ones = int(np.sum(y == 1))
    # class 0 below the threshold, class 1 above: (k - ones_below) + (total_ones - ones_below)
    correct = k - 2 * ones_below + total_ones
    best = np.maximum(correct, len(X) - correct).max()
    return float(best / len(X))
