"""Coefficients of forms, evaluated at the quadrature points of a chunk of cells.

A coefficient may be

- a number or small array (constant scalar, vector ``(d,)`` or tensor ``(d, d)``);
- a callable ``f(x)`` with ``x`` of shape (gdim, nc, nq), returning (nc, nq) or
  (*value_shape, nc, nq) (the scikit-fem convention: ``x[0]``, ``x[1]`` are coordinates);
- a :class:`~pdesolve.fem.Function`;
- a per-cell array of shape (num_cells,) or (num_cells, *value_shape).

Evaluated values have the value axes first and the batch axes (nc or 1, nq or 1) last, so that a
constant costs nothing and lets the assembler take its single-pass path.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from ..errors import FemError
from .function import Function
from .space import FunctionSpace


def is_constant(coef: Any, num_cells: int) -> bool:
    """Whether a coefficient is the same at every point (numbers and small arrays)."""
    if callable(coef) or isinstance(coef, Function):
        return False
    arr = np.asarray(coef)
    return not (arr.ndim >= 1 and arr.shape[0] == num_cells and num_cells > 3)


class QuadratureContext:
    """Geometry of one chunk of cells at the quadrature points.

    Attributes
    ----------
    x : ndarray, shape (gdim, nc, nq)
        Physical quadrature points (computed on first use).
    cells : ndarray
        The cells of the chunk.
    X : ndarray, shape (nq, dim)
        Reference quadrature points.
    """

    def __init__(self, V: FunctionSpace, cells: np.ndarray, X: np.ndarray):
        self.space = V
        self.cells = cells
        self.X = X

    @cached_property
    def x(self) -> np.ndarray:
        return np.moveaxis(self.space.geometry.points(self.cells, self.X), -1, 0)  # a view

    def bind(self, coefficients: dict[str, Any], extra_axes: int = 0) -> Coefficients:
        """The ``w`` a form sees: ``w.x`` and its named coefficients, evaluated lazily, with
        ``extra_axes`` trailing singleton axes (where user forms keep their probe axes)."""
        return Coefficients(self, coefficients, extra_axes)

    def evaluate(self, coef: Any) -> np.ndarray:
        """Values of a coefficient at the quadrature points, (*value_shape, nc|1, nq|1)."""
        if isinstance(coef, Function):
            return coef.at_reference(self.cells, self.X)
        if callable(coef):
            val = np.asarray(coef(self.x), dtype=np.float64)
            if val.ndim < 2:
                val = np.broadcast_to(val, self.x.shape[1:])
        elif is_constant(coef, self.space.mesh.num_cells):
            val = np.asarray(coef, dtype=np.float64)[..., None, None]
        else:
            val = np.moveaxis(np.asarray(coef, dtype=np.float64)[self.cells], 0, -1)[..., None]
        if not np.isfinite(val).all():
            raise FemError("coefficient has NaN or Inf values at quadrature points")
        return val


class Coefficients:
    """Named coefficients of a form evaluated on a chunk (``w.kappa``), plus ``w.x``.

    Values have shape (*value_shape, nc|1, nq|1) followed by ``extra_axes`` singleton axes.
    """

    def __init__(self, ctx: QuadratureContext, named: dict[str, Any], extra_axes: int = 0):
        self._ctx = ctx
        self._named = named
        self._tail = (...,) + (None,) * extra_axes

    @property
    def x(self) -> np.ndarray:
        return self._ctx.x[self._tail]

    @property
    def dim(self) -> int:
        return self._ctx.space.mesh.dim

    def __getattr__(self, name: str) -> np.ndarray:
        named = self.__dict__["_named"]
        if name not in named:
            raise AttributeError(f"form has no coefficient {name!r}; it has {sorted(named)}")
        val = self._ctx.evaluate(named[name])[self._tail]
        self.__dict__[name] = val
        return val
