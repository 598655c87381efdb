"""Perturb nnkit's arithmetic by a relative 1e-12 in every Python process that starts
with this folder on ``PYTHONPATH`` (the test harness puts it there for one nbval run).

Why: a printed digit is portable only if it survives a last-bit difference, such as
another BLAS kernel, thread count or CPU would make. Running strict nbval with this
folder on the path checks that every stored output survives a difference of that kind
(10 000 times larger than one rounding, so that chaotic runs show it at once).

How: Python imports ``sitecustomize`` at start-up. This one installs an import hook that,
right after ``nnkit`` itself has been imported, wraps public methods of its classes so
that each floating-point result x becomes x * (1 + 1e-12 s(x)). In the default form
(``NNKIT_PERTURB_FORM=sign``) s(x) = +1 or -1 is taken from a hash of the bits of x and of
the wrapped method's name; in the form ``NNKIT_PERTURB_FORM=sine`` it is
s(x) = sin(10⁴ x + 1), a smooth function of the value alone, so that a printed number that
survives only one pattern of signs is caught by the other. scripts/test.sh runs both: its
portability run A in the sine form (seed 0, with two BLAS threads), run B in the sign
form with ``NNKIT_PERTURB_SEED=1`` (one BLAS thread). Wrapped:

* the forward pass of Dense, Sigmoid, Tanh, ReLU and Softmax (in place, so a layer's
  cached output is the one the next layer saw);
* the forward and backward passes of BatchNorm and LayerNorm;
* the backward pass of Dense: the stored dJ/dW, dJ/db in ``backward_params`` (which
  ``backward`` calls, and which the first layer of a network runs alone) and the returned
  dJ/dX in ``backward``;
* forward (the formula) and backward of MSELoss, BCELoss, BCEWithLogitsLoss and
  CrossEntropyLoss;
* the step of SGD, AdaGrad, RMSProp, Adam and AdamW (every parameter after the update).

Finite differences are the exception. ``gradcheck`` and ``numerical_gradient`` divide
every change by their step (1e-6), so inside them the change is a realistic 4e-16 (about
two roundings) instead: a relative 1e-12 would turn into errors of 1e-6 that no real
machine makes, and fail gradient checks whose thresholds are set for float64 rounding.

Like a rounding difference, the change is a fixed function of the value: equal numbers
stay equal (so the units of a symmetric network stay exact copies, as they do under
every real BLAS), a rerun gives the same digits, and finite differences see a change of
1e-12, not noise divided by the step size. ``NNKIT_PERTURB_SEED`` (an integer) picks
another sign pattern (or, for the sine, adds the seed to its phase), to see how far a
printed number moves. nnkit itself has no switch for any of this; nothing in the library
knows about it. If a wrapped name no longer exists, importing nnkit fails loudly, so a
renamed API cannot silently switch the perturbation off.

Cost: the chapters that train many small networks call the wrapped methods hundreds of
thousands of times, so each factor is a handful of whole-array NumPy operations on the
array at once (``_factors``): the sign is set into the sign bit of 1e-12 from the hash of
the float's bits seen as uint64, and the sine is taken in float32 after reducing the
phase in float64. Both give the same factors as the plain formulas (bit for bit for the
sign, and for the sine wherever |x| < 1e6), in a fraction of the time.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import zlib

RELATIVE = 1e-12
FINITE_DIFFERENCE_RELATIVE = 4e-16

# public class name in the nnkit namespace -> methods whose results are perturbed. The sign
# pattern of each is keyed to "Class.method" (and NNKIT_PERTURB_SEED).
TARGETS = {
    "Dense": ("forward", "backward", "backward_params"),
    "Sigmoid": ("forward",),
    "Tanh": ("forward",),
    "ReLU": ("forward",),
    "Softmax": ("forward",),
    "BatchNorm": ("forward", "backward"),
    "LayerNorm": ("forward", "backward"),
    "MSELoss": ("forward", "backward"),
    "BCELoss": ("forward", "backward"),
    "BCEWithLogitsLoss": ("forward", "backward"),
    "CrossEntropyLoss": ("forward", "backward"),
    "SGD": ("step",),
    "AdaGrad": ("step",),
    "RMSProp": ("step",),
    "Adam": ("step",),
    "AdamW": ("step",),
}

# The forms of the perturbation, chosen by NNKIT_PERTURB_FORM:
# "sign"  x (1 + ε s(x)), s(x) = ±1 from a hash of the bits of x (the default);
# "sine"  x (1 + ε sin(10⁴ x + 1 + seed)), a smooth function of the value.
FORMS = ("sign", "sine")
_FORM = os.environ.get("NNKIT_PERTURB_FORM", "sign")  # checked by perturb(): an error
# raised here, at start-up, would only be printed, and nnkit would run unperturbed


_SEED = int(os.environ.get("NNKIT_PERTURB_SEED", "0"))
_GOLDEN = 0x9E3779B97F4A7C15  # odd 64-bit multiplier: a cheap, well-mixing hash
_TOP_BIT = 1 << 63  # where a float64 keeps its sign
_TWO_PI = 6.283185307179586

np = None  # numpy, bound by perturb(): nnkit has imported it by then, and a Python
# that never imports nnkit should not pay for numpy at start-up


def _salt(name: str) -> int:
    return (zlib.crc32(f"{name}:{_SEED}".encode()) * _GOLDEN) % 2**64


_size = [RELATIVE]  # the current relative size; smaller inside finite differences


def _factors(x, salt: int):
    """1 + size * s(x) for a float64 array x of at least one dimension, in a new array.

    A handful of whole-array NumPy operations per call, none per element in Python:
    "sign"  s = +1 or -1 from the top bit of (bits of x XOR salt) * _GOLDEN, which is
            set into the sign bit of size;
    "sine"  s = sin(10⁴ x + 1 + seed), the phase reduced to [-π, π] in float64 and the
            sine then taken in float32 (ten times faster than in float64, and within 1e-6
            of s, so within 1e-18 of the factor: below its last bit, 1.1e-16).
    Where x is ±inf the sine is taken as -1, so that inf stays inf (and nan stays nan).
    A factor, not an added change, so that -0.0 keeps its sign as on any real machine.
    """
    if _FORM == "sine":
        with np.errstate(over="ignore", invalid="ignore"):  # from ±inf and huge x only
            turns = np.multiply(x, 1e4 / _TWO_PI)  # the phase 10⁴ x + 1 + seed in turns
            turns += (1.0 + _SEED) / _TWO_PI
            turns -= np.rint(turns)
            wave = np.multiply(turns, _TWO_PI, dtype=np.float32)  # the phase, in [-π, π]
        np.sin(wave, out=wave)
        np.fmax(wave, -1.0, out=wave)  # nan (from ±inf) -> -1
        factors = np.multiply(wave, _size[0], dtype=np.float64)
        factors += 1.0
        return factors
    hashed = np.bitwise_xor(x.view(np.uint64), np.uint64(salt))
    np.multiply(hashed, np.uint64(_GOLDEN), out=hashed)  # modulo 2⁶⁴, as unsigned arrays do
    np.bitwise_and(hashed, np.uint64(_TOP_BIT), out=hashed)
    np.bitwise_or(hashed, np.float64(_size[0]).view(np.uint64), out=hashed)  # ±size
    factors = hashed.view(np.float64)
    factors += 1.0
    return factors


def _perturbed(value, salt: int, copy: bool = False):
    """value * (1 + 1e-12 s(value)): float64 arrays in place (in a new array if ``copy``
    or not writeable), float scalars as a new value; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        x = value.reshape(1) if value.ndim == 0 else value  # a view: in place still works
        if copy or not value.flags.writeable:
            return value * _factors(x, salt).reshape(value.shape)
        x *= _factors(x, salt)
        return value
    if isinstance(value, (float, np.float64)):
        x = np.array([value], dtype=np.float64)
        return type(value)((x * _factors(x, salt))[0])
    return value


def _wrap(cls, method: str):
    exact = getattr(cls, method)
    salt = _salt(f"{cls.__name__}.{method}")

    if method == "step":

        def wrapper(self, *args, **kwargs):
            result = exact(self, *args, **kwargs)
            for param in self.params:
                _perturbed(param.value, salt)
            return result

    elif method == "backward_params":

        def wrapper(self, *args, **kwargs):
            result = exact(self, *args, **kwargs)
            for param in self.parameters():
                _perturbed(param.grad, salt)
            return result

    elif cls.__name__ == "Dense" and method == "backward":

        def wrapper(self, *args, **kwargs):
            # The parameter gradients were perturbed by backward_params, which it calls.
            return _perturbed(exact(self, *args, **kwargs), salt, copy=True)

    else:

        def wrapper(self, *args, **kwargs):
            return _perturbed(exact(self, *args, **kwargs), salt)

    wrapper.__name__ = method
    wrapper.__doc__ = exact.__doc__
    wrapper.__wrapped__ = exact
    setattr(cls, method, wrapper)


def _realistic_inside(function):
    """``function`` run with the perturbation shrunk to FINITE_DIFFERENCE_RELATIVE."""

    def wrapper(*args, **kwargs):
        previous = _size[0]
        _size[0] = FINITE_DIFFERENCE_RELATIVE
        try:
            return function(*args, **kwargs)
        finally:
            _size[0] = previous

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    wrapper.__wrapped__ = function
    return wrapper


FINITE_DIFFERENCES = ("gradcheck", "numerical_gradient")


def perturb(nnkit_module) -> None:
    """Wrap every method in TARGETS and the finite differences; fail if a name is gone
    or NNKIT_PERTURB_FORM names no form (so ``import nnkit`` fails loudly)."""
    global np
    if _FORM not in FORMS:
        raise ValueError(f"NNKIT_PERTURB_FORM must be one of {FORMS}, got {_FORM!r}")
    import numpy

    np = numpy
    for class_name, methods in TARGETS.items():
        cls = getattr(nnkit_module, class_name)
        for method in methods:
            if not callable(getattr(cls, method, None)):
                raise AttributeError(f"nnkit.{class_name}.{method} is gone: update {__file__}")
            _wrap(cls, method)
    module = sys.modules["nnkit.gradcheck"]
    for name in FINITE_DIFFERENCES:
        wrapped = _realistic_inside(getattr(module, name))
        setattr(module, name, wrapped)
        setattr(nnkit_module, name, wrapped)
    nnkit_module.__perturbed__ = RELATIVE
    nnkit_module.__perturbed_form__ = _FORM


class _PerturbingLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        perturb(module)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds ``nnkit`` with the other finders, then perturbs it once it has run."""

    def find_spec(self, name, path=None, target=None):
        if name != "nnkit":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                spec.loader = _PerturbingLoader(spec.loader)
                return spec
        return None


sys.meta_path.insert(0, _Finder())
