"""Building a network: ``mlp`` stacks Dense layers and activations into a Sequential.

    model = nk.mlp([2, 16, 16, 3], activation="relu", rng=0)

gives Dense(2→16), ReLU, Dense(16→16), ReLU, Dense(16→3): ``sizes`` lists the width of
every layer of units, inputs first; every hidden layer computes
a^[l] = g(W^[l] a^[l-1] + b^[l]) and the last one is linear unless ``output_activation``
says otherwise (logits for :class:`~nnkit.CrossEntropyLoss`, values for
:class:`~nnkit.MSELoss`).

Two options build the deep networks of chapter 10 without hand assembly:

* ``norm="batch"`` or ``"layer"`` puts a BatchNorm or LayerNorm between each hidden
  Dense layer and its activation (where Ioffe & Szegedy put it):
  a^[l] = g(N(W^[l] a^[l-1] + b^[l])), where N has its own γ and β. Before a BatchNorm
  the Dense layer has no bias: the batch mean would subtract it again, so β replaces it;
* ``residual=True`` turns every hidden layer whose input and output widths are equal into a
  residual block, a^[l] = a^[l-1] + g(N(W^[l] a^[l-1] + b^[l])) (a :class:`~nnkit.Residual`
  around that Dense, norm and activation); a layer that changes the width stays plain.
  ``residual_scale`` multiplies the last scale of each block at the start -- the norm's γ
  when there is one (Goyal et al. 2017 start it at zero), else the block's drawn weights
  -- so that a small value starts a deep network close to the identity. (Fixup, Zhang et
  al. 2019, is related but not the same: it sets the last layer of each residual branch to
  zero and rescales the branch's other layers.)

    nk.mlp([2] + [16] * 30 + [3], norm="batch")                  # 30 normalised layers
    nk.mlp([2] + [16] * 30 + [3], residual=True, residual_scale=0.2)
"""

from __future__ import annotations

import numpy as np

from .activations import ReLU, get_activation
from .layers import Dense, Residual, Sequential
from .normalization import BatchNorm, LayerNorm
from .validation import as_rng, check_positive

#: The normalisation layers ``mlp(norm=...)`` can put after each hidden Dense layer.
NORMS = {"batch": BatchNorm, "layer": LayerNorm}

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
    norm: str | None = None,
    residual: bool = False,
    residual_scale: float = 1.0,
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

    ``norm`` (None, ``"batch"``, ``"layer"``), ``residual`` and ``residual_scale`` build
    normalised and residual networks (see the module docstring); residual blocks need at
    least one hidden layer with as many inputs as outputs.

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
    if norm is not None and norm not in NORMS:
        raise ValueError(f"norm must be None, 'batch' or 'layer', got {norm!r}")
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be True or False, got {residual!r}")
    if norm == "batch" and not isinstance(bias, bool):
        raise ValueError("with norm='batch' the hidden layers have no bias (β replaces it): "
                         "give bias=True or False, not a list")
    residual_scale = check_positive(residual_scale, "residual_scale", allow_zero=True)
    if residual and not any(sizes[k] == sizes[k + 1] for k in range(n_layers - 1)):
        raise ValueError(f"residual=True needs a hidden layer with as many inputs as "
                         f"outputs (x + F(x)), but sizes {list(sizes)} has none")
    generator = as_rng(rng)
    layers = []
    for k in range(n_layers):
        hidden = k < n_layers - 1
        after = activation if hidden else output_activation
        try:
            act = None if after is None else get_activation(after)
            dense = Dense(
                sizes[k], sizes[k + 1],
                init=init or ("he" if isinstance(act, ReLU) else "xavier"),
                rng=generator, scale=scale,
                # Before a BatchNorm a bias is subtracted again with the batch mean (its
                # gradient is exactly 0); β takes its place.
                bias=False if hidden and norm == "batch" else (
                    bias if isinstance(bias, bool) else bias[k]),
                dtype=dtype,
                weights=None if weights is None else weights[k],
            )
        except (TypeError, ValueError) as error:
            raise type(error)(
                f"layer {k + 1} of the network (sizes[{k}] -> sizes[{k + 1}]): {error}"
            ) from None
        unit = [dense]
        if hidden and norm is not None:
            unit.append(NORMS[norm](dense.n_out))
        if act is not None:
            unit.append(act)
        if hidden and residual and dense.n_in == dense.n_out:
            last_scale = unit[1].gamma if norm is not None else dense.W
            last_scale.value *= residual_scale
            unit = [Residual(Sequential(*unit))]
        layers.extend(unit)
    return Sequential(*layers)
