"""Parameters and layers: the building blocks of a network.

A layer maps a batch of inputs ``X`` of shape (n_samples, n_in) to outputs of
shape (n_samples, n_out).  As in PyTorch, calling a layer, ``layer(X)``, is the door:
it checks ``X`` once (``check_input``) and hands it to ``forward``.  Inside, every
layer has the same two methods, written next to each other so the chain rule can be
read off the code, and they are the formulas and nothing else:

* ``forward(X)`` computes the output and remembers in ``self.cache`` what
  ``backward`` will need (for every layer and loss the same attribute);
* ``backward(grad_out)`` receives G = dJ/d(output), stores dJ/d(parameter) in each
  parameter's ``.grad`` and returns dJ/d(input) for the layer below.

``backward_params(grad_out)`` stores the parameter gradients only, without dJ/d(input):
the first layer of a network needs nothing more, because its input is the data
(``Sequential.backward(grad_out, input_grad=False)`` uses it).

``backward`` *overwrites* the gradients (it never adds to them), so calling it
twice after one forward pass gives the same numbers.
"""

from __future__ import annotations

import numpy as np

from . import init as initializers
from .validation import as_rng, check_array, check_int, check_positive

__all__ = ["Parameter", "Layer", "Dense", "Sequential", "Dropout", "Residual"]


class Parameter:
    """A trainable array together with its gradient.

    Attributes
    ----------
    value : ndarray
        The current value; optimisers update it in place.
    grad : ndarray
        dJ/d(value), same shape as ``value``; zeros until the first ``backward``.
    name : str
        A short label such as ``"W"`` or ``"b"`` for printing and plots.
    """

    def __init__(self, value: np.ndarray, name: str = ""):
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def __repr__(self) -> str:
        return f"Parameter(name={self.name!r}, shape={self.value.shape})"


class Layer:
    """Base class of every layer.  Subclasses implement ``forward`` and ``backward``
    (and ``check_input`` if they accept less than any array of numbers); layers with
    weights also override ``parameters`` and ``backward_params``."""

    #: Training mode (True) or evaluation mode (False); only layers such as Dropout
    #: compute something different in the two.
    training = True

    _cache = None

    @property
    def cache(self):
        """What ``forward`` remembered for ``backward``.  Reading it before any
        ``forward`` is the one mistake ``backward`` can meet, so it raises here."""
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward: call the "
                "layer on a batch first, layer(X), so that it knows its input"
            )
        return self._cache

    @cache.setter
    def cache(self, value) -> None:
        self._cache = value

    def __call__(self, X) -> np.ndarray:
        """The output for the batch ``X``: ``X`` is checked once, then ``forward`` runs."""
        return self.forward(self.check_input(X))

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a float array ready for ``forward``, or a clear error.

        By default any array of finite numbers is accepted; integers become float64.
        """
        X = check_array(X, name, dtype=None)
        return X if X.dtype.kind == "f" else X.astype(np.float64)

    def forward(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dJ/d(output) -> dJ/d(input), storing the parameters' gradients on the way."""
        raise NotImplementedError

    def backward_params(self, grad_out: np.ndarray) -> None:
        """Store the parameters' gradients without computing dJ/d(input).

        The default runs ``backward`` and drops its result; Dense skips the product.
        """
        self.backward(grad_out)

    def children(self) -> list[Layer]:
        """The layers this layer holds, in the order they were assigned: every attribute
        that is a Layer, or a list or tuple of Layers (as PyTorch finds submodules).

        None for a plain layer such as Dense; a Sequential's layers, a Residual's block,
        or the parts of a container a user writes, with nothing to register.
        """
        found = []
        for value in vars(self).values():
            if isinstance(value, Layer):
                found.append(value)
            elif isinstance(value, (list, tuple)):
                found.extend(v for v in value if isinstance(v, Layer))
        return found

    def parameters(self) -> list[Parameter]:
        """The layer's trainable parameters: those of the layers it holds, in order
        (none for a plain layer; layers with weights override this)."""
        return [p for child in self.children() for p in child.parameters()]

    def train(self, mode: bool = True) -> Layer:
        """Put the layer, and every layer it holds, in training mode (``mode=True``) or
        evaluation mode; return it.

        As in PyTorch: ``model.train()`` before updates, ``model.eval()`` before
        predicting.  ``fit`` does both itself.
        """
        if not isinstance(mode, bool):
            raise TypeError(f"mode must be True (training) or False (evaluation), got {mode!r}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Layer:
        """Put the layer in evaluation mode (same as ``train(False)``); return it."""
        return self.train(False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected (affine) layer: ``a = W x + b`` for every sample.

    For a batch ``X`` of shape (n, n_in), with ``W`` of shape (n_out, n_in) and
    ``b`` of shape (n_out,), the forward pass is

        Z = X Wᵀ + b                       shape (n, n_out)

    and, given G = dJ/dZ of shape (n, n_out), the backward pass is

        dJ/dW = Gᵀ X                       shape (n_out, n_in)
        dJ/db = Σ_samples G                shape (n_out,)
        dJ/dX = G W                        shape (n, n_in)

    Parameters
    ----------
    n_in, n_out : int
        Number of input features and of output units.
    init : {"zeros", "normal", "xavier", "he"} or callable
        How to draw ``W`` (see :mod:`nnkit.init`); a callable is called as
        ``init((n_out, n_in), rng)`` and must return an array of that shape.
    weights : array (n_out, n_in) or None
        Given weights instead of drawn ones (copied; ``init``, ``rng`` and ``scale``
        are then not used).
    rng : None, int or numpy.random.Generator
        Source of randomness for the initialiser.
    scale : float
        Standard deviation used by ``init="normal"``.
    bias : bool or array (n_out,)
        Whether the layer has a bias ``b`` (starting at zero), or its starting values.
    dtype : numpy dtype
        float64 (default) or float32.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        init="xavier",
        rng=None,
        scale: float = 0.01,
        bias=True,
        dtype=np.float64,
        weights=None,
    ):
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        if weights is None and not callable(init):
            # The initialiser checks the scheme, the shape, rng and scale (once).
            W = initializers.initialize(init, (n_out, n_in), rng, scale=scale)
            self.init = init.lower()
        else:
            shape = (check_int(n_out, "n_out", low=1), check_int(n_in, "n_in", low=1))
            if weights is not None:
                W, source, self.init = weights, "weights", "given"
            else:
                W, source = init(shape, as_rng(rng)), "init callable"
                self.init = getattr(init, "__name__", "custom")
            W = check_array(W, source)
            if W.shape != shape:
                verb = "has" if weights is not None else "returned"
                raise ValueError(
                    f"{source} {verb} shape {W.shape}, expected (n_out, n_in) = {shape}")
        self.n_out, self.n_in = W.shape
        self.W = Parameter(W.astype(dtype), "W")  # a copy: the layer owns its weights
        self.b = None
        if bias is True:
            self.b = Parameter(np.zeros(self.n_out, dtype=dtype), "b")
        elif bias is not False:
            b = check_array(bias, "bias", ndim=1, dtype=dtype)
            if b.shape != (self.n_out,):
                raise ValueError(f"bias has shape {b.shape}, expected (n_out,) = ({self.n_out},)")
            self.b = Parameter(b.copy(), "b")

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a 2-D array of shape (n, n_in) in the layer's dtype, or a clear error."""
        X = check_array(X, name, dtype=None)
        if X.ndim != 2:
            hint = " (for one sample use x.reshape(1, -1))" if X.ndim == 1 else ""
            raise ValueError(
                f"{name} must be a 2-D array of shape (n_samples, {self.n_in}), "
                f"got {X.ndim}-D with shape {X.shape}{hint}"
            )
        if X.shape[1] != self.n_in:
            raise ValueError(
                f"{name} has {X.shape[1]} features (columns) but {self!r} expects {self.n_in}"
            )
        return X.astype(self.W.value.dtype, copy=False)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Z = X Wᵀ + b, shape (n, n_in) -> (n, n_out)."""
        self.cache = X  # the input, needed for dJ/dW
        Z = X @ self.W.value.T
        if self.b is not None:
            Z += self.b.value
        return Z

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """Store dJ/dW and dJ/db (``backward_params``); return dJ/dX = G W."""
        self.backward_params(grad_out)
        return grad_out @ self.W.value

    def backward_params(self, grad_out: np.ndarray) -> None:
        """Store dJ/dW = Gᵀ X in ``W.grad`` and dJ/db = Σ_samples G in ``b.grad``.

        (A subclass that writes its own ``backward`` overrides this too, or, as the first
        layer of a network in ``fit``, its parameters get these formulas.)
        """
        self.W.grad = grad_out.T @ self.cache
        if self.b is not None:
            self.b.grad = grad_out.sum(axis=0)

    def parameters(self) -> list[Parameter]:
        return [self.W] if self.b is None else [self.W, self.b]

    def __repr__(self) -> str:
        extra = "" if self.b is not None else ", bias=False"
        return f"Dense({self.n_in} -> {self.n_out}, init={self.init!r}{extra})"


class Sequential(Layer):
    """A chain of layers applied one after the other.

    ``forward`` feeds each layer's output into the next and keeps every output in
    ``activations``; ``backward`` walks the layers in reverse, handing each one the
    gradient returned by the layer above it -- the chain rule, layer by layer -- and
    keeps the gradient that reached each layer in ``output_grads``.  Its input is
    checked by its first layer.
    """

    def __init__(self, *layers: Layer):
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layer {i} of Sequential must be an nnkit Layer (Dense, ReLU, ...), "
                    f"got {type(layer).__name__}"
                )
        self.layers = list(layers)
        self.activations: list[np.ndarray] = []
        self.output_grads: list[np.ndarray] = []

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """What the first layer accepts."""
        return self.layers[0].check_input(X, name)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Apply the layers in order; ``activations[i]`` is the output of layer i."""
        outputs = []
        for layer in self.layers:
            X = layer.forward(X)
            outputs.append(X)
        self.activations = outputs
        return X

    def backward(self, grad_out: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """Back-propagate dJ/d(output) through every layer; return dJ/dX (the input).

        ``output_grads[i]`` keeps the gradient that arrived at layer i, dJ/d(output of
        layer i). ``input_grad=False`` lets the first layer store its parameters'
        gradients without computing dJ/dX, and returns None: the training loop never
        needs the gradient with respect to the data.
        """
        grads = [grad_out]
        for layer in self.layers[:0:-1]:
            grad_out = layer.backward(grad_out)
            grads.append(grad_out)
        self.output_grads = grads[::-1]
        if input_grad:
            return self.layers[0].backward(grad_out)
        self.layers[0].backward_params(grad_out)
        return None

    def backward_params(self, grad_out: np.ndarray) -> None:
        """Every layer's parameter gradients, without dJ/dX at the first layer."""
        self.backward(grad_out, input_grad=False)

    def children(self) -> list[Layer]:
        """The layers in order (so ``parameters()`` is [W0, b0, W1, b1, ...])."""
        return list(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self) -> str:
        lines = [f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)"


class Dropout(Layer):
    """Inverted dropout (Srivastava et al. 2014): in training mode, zero each input
    with probability ``p`` and scale the survivors by 1/(1-p).

    Training mode, for a batch X of any shape, with a fresh mask for every forward pass
    (unless ``hold_mask`` is set, which reuses the last one -- for a gradient check):

        m_ij = ξ_ij / (1 - p),   ξ_ij ~ Bernoulli(1 - p)
        A = X ⊙ m                 (so E[A] = X: the expected activation is unchanged)
        dJ/dX = G ⊙ m             (the same mask: a dropped unit passes no gradient)

    Evaluation mode: A = X and dJ/dX = G, so predictions are deterministic and need no
    rescaling, because the scaling was done during training.

    Parameters
    ----------
    p : float
        Dropout rate in [0, 1): the probability of zeroing an input (0 keeps all).
    rng : None, int or numpy.random.Generator
        Source of the masks.
    """

    def __init__(self, p: float = 0.5, rng=None):
        p = check_positive(p, "dropout rate p", allow_zero=True)
        if p >= 1.0:
            raise ValueError(
                f"dropout rate p must be in [0, 1) (the probability of dropping a unit), got {p}"
            )
        self.p = p
        self.rng = as_rng(rng)
        self.mask = None        # m of the last training-mode forward pass
        self.hold_mask = False  # reuse ``mask`` instead of drawing a new one

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Training: X ⊙ m with a new mask m (unless ``hold_mask``); evaluation: X."""
        if not self.training:
            self.cache = 1.0
            return X
        if not (self.hold_mask and self.mask is not None and self.mask.shape == X.shape):
            keep = self.rng.random(X.shape) >= self.p
            self.mask = keep * X.dtype.type(1.0 / (1.0 - self.p))
        self.cache = self.mask
        return X * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dJ/dX = G ⊙ m after a training-mode forward pass, G after an evaluation one."""
        return grad_out * self.cache

    def __repr__(self) -> str:
        mode = "training" if self.training else "evaluation"
        return f"Dropout(p={self.p:g}, {mode} mode)"


class Residual(Layer):
    """A skip connection around ``block`` (He et al. 2016): the output is X + F(X).

    For X of shape (n, d), with F the block (a Layer whose output has the shape of its input):

        A = X + F(X)                   shape (n, d)
        dJ/dX = G + dJ/dX through F    (the Jacobian is I + ∂F/∂X)

    so the gradient G from above reaches X unchanged along the identity path, whatever
    the block does to its share. The block's parameters are the wrapper's.
    """

    def __init__(self, block: Layer):
        if not isinstance(block, Layer):
            raise TypeError(f"block must be an nnkit Layer (e.g. a Sequential), "
                            f"got {type(block).__name__}")
        self.block = block

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """What the block accepts."""
        return self.block.check_input(X, name)

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X + F(X), shape (n, d) -> (n, d)."""
        F = self.block.forward(X)
        # The block's output width is known only once it has run; checked here for that reason.
        if F.shape != X.shape:
            raise ValueError(f"Residual: the block maps shape {X.shape} to {F.shape}; "
                             "X + F(X) needs the same shape")
        return X + F

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dJ/dX = G + (the block's dJ/dX); the block stores its parameters' gradients."""
        return grad_out + self.block.backward(grad_out)

    def backward_params(self, grad_out: np.ndarray) -> None:
        """The block's parameter gradients only."""
        self.block.backward_params(grad_out)

    def __repr__(self) -> str:
        inner = repr(self.block).replace("\n", "\n  ")
        return f"Residual(\n  {inner}\n)"
