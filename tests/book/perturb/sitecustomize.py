"""Perturb nnkit's arithmetic by a relative 1e-12 in every Python process that starts
with this folder on ``PYTHONPATH`` (the test harness puts it there for one nbval run).

Why: a printed digit is portable only if it survives a last-bit difference, such as
another BLAS kernel, thread count or CPU would make. Running strict nbval with this
folder on the path checks that every stored output survives a difference of that kind
(10 000 times larger than one rounding, so that chaotic runs show it at once).

How: Python imports ``sitecustomize`` at start-up. This one installs an import hook that,
right after ``nnkit`` itself has been imported, wraps public methods of its classes so
that each result x becomes x * (1 + 1e-12 s), with s a fixed pseudo-random pattern of
signs (+1 or -1) per array shape and per method:

* the forward pass of Dense, Sigmoid, Tanh, ReLU and Softmax (in place, so a layer's
  cached output is the one the next layer saw);
* Dense.backward (the returned dL/dX and the stored dL/dW, dL/db);
* compute and backward of MSELoss, BCELoss and CrossEntropyLoss;
* SGD.step (every parameter after the update).

The patterns are fixed rather than redrawn per call, so the perturbation is a smooth
change of the arithmetic: finite differences (gradcheck) see it as 1e-12, not as noise
divided by the step size. nnkit itself has no switch for this; nothing in the library
knows about it. If a wrapped name no longer exists, importing nnkit fails loudly,
so a renamed API cannot silently switch the perturbation off.
"""

from __future__ import annotations

import importlib.abc
import sys
import zlib

RELATIVE = 1e-12

# (public class name in the nnkit namespace, methods whose results are perturbed)
TARGETS = {
    "Dense": ("forward", "backward"),
    "Sigmoid": ("forward",),
    "Tanh": ("forward",),
    "ReLU": ("forward",),
    "Softmax": ("forward",),
    "MSELoss": ("compute", "backward"),
    "BCELoss": ("compute", "backward"),
    "CrossEntropyLoss": ("compute", "backward"),
    "SGD": ("step",),
}


class _Factors:
    """1 + RELATIVE * s for a given (salt, shape), computed once and then reused."""

    def __init__(self):
        self._cache = {}

    def __call__(self, salt: str, shape: tuple[int, ...]):
        import numpy as np

        key = (salt, shape)
        if key not in self._cache:
            rng = np.random.default_rng([zlib.crc32(salt.encode()), *shape])
            signs = rng.choice(np.array([-1.0, 1.0]), size=shape)
            self._cache[key] = 1.0 + RELATIVE * signs
        return self._cache[key]


_factors = _Factors()


def _perturbed(value, salt: str):
    """value * (1 + 1e-12 s): float arrays in place, float scalars as a new value."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        if value.flags.writeable:
            value *= _factors(salt, value.shape)
            return value
        return value * _factors(salt, value.shape)
    if isinstance(value, (float, np.floating)):
        return type(value)(value * _factors(salt, ())[()])
    return value


def _wrap(cls, method: str):
    exact = getattr(cls, method)
    salt = f"{cls.__name__}.{method}"

    if method == "step":

        def wrapper(self, *args, **kwargs):
            result = exact(self, *args, **kwargs)
            for k, param in enumerate(self.params):
                _perturbed(param.value, f"{salt}[{k}]")
            return result

    elif cls.__name__ == "Dense" and method == "backward":

        def wrapper(self, *args, **kwargs):
            result = exact(self, *args, **kwargs)
            for param in self.parameters():
                _perturbed(param.grad, f"{salt}.{param.name}")
            return None if result is None else _perturbed(result.copy(), salt)

    else:

        def wrapper(self, *args, **kwargs):
            return _perturbed(exact(self, *args, **kwargs), salt)

    wrapper.__name__ = method
    wrapper.__doc__ = exact.__doc__
    wrapper.__wrapped__ = exact
    setattr(cls, method, wrapper)


def perturb(nnkit_module) -> None:
    """Wrap every method in TARGETS; raise AttributeError if one is missing."""
    for class_name, methods in TARGETS.items():
        cls = getattr(nnkit_module, class_name)
        for method in methods:
            if not callable(getattr(cls, method, None)):
                raise AttributeError(f"nnkit.{class_name}.{method} is gone: update {__file__}")
            _wrap(cls, method)
    nnkit_module.__perturbed__ = RELATIVE


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
