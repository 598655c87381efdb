"""A regular grid over a rectangle of the plane: where maps and landscapes are evaluated.

A classifier's probability over its two inputs, a loss over two weights: every picture
of a function on the plane evaluates it on a :class:`Grid` and hands the values, shaped
``(ny, nx)``, to matplotlib's ``contour``, ``contourf`` or ``imshow(origin="lower")``::

    grid = Grid.around(X, size=60, margin=0.15)
    prob = grid.evaluate(lambda points: model(points)[:, 0])     # (60, 60)
    ax.contour(*grid.mesh, prob, levels=[0.5])

No matplotlib here: the labs record values on grids too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnkit.validation import check_array, check_int

__all__ = ["Grid"]


@dataclass(frozen=True, eq=False)
class Grid:
    """``xs`` (nx,) and ``ys`` (ny,), increasing: grid point ``(i, j)`` is ``(xs[j], ys[i])``.

    Values on the grid are arrays of shape :attr:`shape` = ``(ny, nx)``: row ``i`` holds
    the points at height ``ys[i]``, as image rows do with ``origin="lower"``.
    """

    xs: np.ndarray
    ys: np.ndarray

    @classmethod
    def over(cls, xlim: tuple[float, float], ylim: tuple[float, float], size: int) -> Grid:
        """``size`` × ``size`` evenly spaced points over ``xlim`` × ``ylim``, edges included."""
        size = check_int(size, "size", low=2)
        (x0, x1), (y0, y1) = (tuple(map(float, lim)) for lim in (xlim, ylim))
        if not (x0 < x1 and y0 < y1):
            raise ValueError(f"xlim, ylim: expected (low, high) with low < high, got "
                             f"{(x0, x1)} and {(y0, y1)}")
        return cls(np.linspace(x0, x1, size), np.linspace(y0, y1, size))

    @classmethod
    def around(cls, X, size: int, margin: float = 0.25) -> Grid:
        """A ``size`` × ``size`` grid over the box of the points ``X`` (n, 2), widened on
        every side by ``margin`` times the box's extent along that axis."""
        X = check_array(X, "X", ndim=2)
        if X.shape[1] != 2 or len(X) == 0:
            raise ValueError(f"X: expected points of shape (n, 2), got shape {X.shape}")
        low, high = X.min(axis=0), X.max(axis=0)
        # A box of zero extent (one point, a vertical line) still gets a visible width.
        pad = float(margin) * np.maximum(high - low, 1e-9)
        return cls.over((low[0] - pad[0], high[0] + pad[0]),
                        (low[1] - pad[1], high[1] + pad[1]), size)

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``: the shape of values on the grid."""
        return len(self.ys), len(self.xs)

    @property
    def xlim(self) -> tuple[float, float]:
        return float(self.xs[0]), float(self.xs[-1])

    @property
    def ylim(self) -> tuple[float, float]:
        return float(self.ys[0]), float(self.ys[-1])

    @property
    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """``(gx, gy)``, both of :attr:`shape`: the x and y of every grid point."""
        return np.meshgrid(self.xs, self.ys)

    @property
    def points(self) -> np.ndarray:
        """Every grid point as a row, ``(ny·nx, 2)``, row by row of the grid (x varies fastest)."""
        gx, gy = self.mesh
        return np.column_stack([gx.ravel(), gy.ravel()])

    def evaluate(self, f: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``f`` of all grid points at once, ``f(points) -> (ny·nx,)`` or ``(ny·nx, 1)``,
        as values of :attr:`shape`."""
        return np.asarray(f(self.points), dtype=np.float64).reshape(self.shape)
