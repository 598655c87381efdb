"""Building a network: ``mlp`` stacks Dense layers and activations into a Sequential.

    model = nk.mlp([2, 16, 16, 3], activation="relu", rng=0)

gives Dense(2→16), ReLU, Dense(16→16), ReLU, Dense(16→3): ``sizes`` lists the width of
every layer of units, inputs first; every hidden layer computes
a^[l] = g(W^[l] a^[l-1] + b^[l]) and the last one is linear unless ``output_activation``
says otherwise (logits for :class:`~nnkit.CrossEntropyLoss`, values for
:class:`~nnkit.MSELoss`).
"""

from __future__ import annotations

import numpy as np

from .activations import ReLU, get_activation
from .layers import Dense, Sequential
from .validation import as_rng

__all__ = ["mlp"]


def mlp(
    sizes,
    activation: str = "relu",
    output_activation: str | None = None,
    init: str | None = None,
    scale: float = 0.01,
    bias=True,
    weights=None,
    rng=None,
    dtype=np.float64,
) -> Sequential:
    """A fully connected network with layer widths ``sizes = [n_0, n_1, ..., n_L]``.

    Layer l (1..L) is ``Dense(n_{l-1} → n_l)`` followed by ``activation`` (hidden layers)
    or by ``output_activation`` (the last layer; None = linear).

    ``init`` is the weight scheme of every Dense layer (see :mod:`nnkit.init`; ``scale``
    is the standard deviation of ``"normal"``). By default each layer gets the scheme that
    suits the activation after it: He for ReLU, Xavier/Glorot otherwise. One generator
    made from ``rng`` draws the layers in order, so the same seed gives the same network.
    ``weights`` gives the L weight matrices instead (W^[l] of shape (n_l, n_{l-1}));
    ``bias`` is True (biases start at zero), False (no biases) or a list of L bias vectors.

    Each value is checked once, by the layer that receives it (Dense, the initialiser,
    the activation); an error names the layer and its entries of ``sizes``.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least the inputs and the outputs, got {sizes}")
    n_layers = len(sizes) - 1
    for name, given in (("weights", weights), ("bias", bias)):
        if given is not None and not isinstance(given, bool) and len(given) != n_layers:
            raise ValueError(
                f"{name}: expected {n_layers} entries, one per layer, got {len(given)}")
    generator = as_rng(rng)
    layers = []
    for k in range(n_layers):
        after = activation if k < n_layers - 1 else output_activation
        try:
            act = None if after is None else get_activation(after)
            layers.append(Dense(
                sizes[k], sizes[k + 1],
                init=init or ("he" if isinstance(act, ReLU) else "xavier"),
                rng=generator, scale=scale,
                bias=bias if isinstance(bias, bool) else bias[k],
                dtype=dtype,
                weights=None if weights is None else weights[k],
            ))
        except (TypeError, ValueError) as error:
            raise type(error)(
                f"layer {k + 1} of the network (sizes[{k}] -> sizes[{k + 1}]): {error}"
            ) from None
        if act is not None:
            layers.append(act)
    return Sequential(*layers)
