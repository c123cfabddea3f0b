"""Coefficients of forms, evaluated at the quadrature points of a chunk of cells.

A coefficient may be

- a number or small array: a constant of the coefficient's value shape (scalar ``()``, vector
  ``(d,)``, tensor ``(d, d)`` or ``(bs,)``, as the form documents);
- a callable ``f(x)`` with ``x`` of shape (gdim, nc, nq), returning (nc, nq) or
  (*value_shape, nc, nq) (the scikit-fem convention: ``x[0]``, ``x[1]`` are coordinates); the
  trailing axes may also have length 1 (broadcast), and a plain number is a constant;
- a :class:`~pdesolve.fem.Function` on the mesh of the space being assembled;
- a per-cell array of shape (num_cells,) or (num_cells, *value_shape).

The catalogue forms declare the value shapes each coefficient may take, so an array is per cell
exactly when its shape is (num_cells, *value_shape), on any mesh (even one with a single cell),
and a coefficient of any other shape is refused. User forms declare no value shapes: there an
array whose first axis has num_cells entries is per cell, unless it also has the shape of a
constant vector or tensor, ``(d,)`` or ``(d, d)`` (possible only when num_cells == d), in which
case it is that constant.

Evaluated values have the value axes first and the batch axes (nc or 1, nq or 1) last, so that a
constant costs nothing and lets the assembler take its single-pass path. Every evaluated value
is checked against these shapes: the assembly kernels index them without bounds checks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import FemError
from .function import Function
from .space import FunctionSpace

#: the value shapes a coefficient may take, given the mesh dimension and the number of
#: components of the space (``None`` where a form does not say, as for user forms)
ValueShapes = Callable[[int, int], tuple[tuple[int, ...], ...]]


def as_float_array(coef: Any, name: str = "coefficient") -> np.ndarray:
    """``coef`` as a float64 array.

    Raises
    ------
    FemError
        If ``coef`` is not numeric (a string, a ragged list...); ``name`` says what it is.
    """
    try:
        return np.asarray(coef, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise FemError(f"{name} must be numeric, got {type(coef).__name__}: {exc}") from None


def array_kind(
    shape: tuple[int, ...], num_cells: int, dim: int, shapes: tuple[tuple[int, ...], ...] | None
) -> str | None:
    """How an array coefficient is read (the rule of the module docstring).

    Parameters
    ----------
    shape : tuple of int
        Shape of the array.
    num_cells, dim : int
        Number of cells and dimension of the mesh.
    shapes : tuple of shapes or None
        The value shapes allowed; ``None`` for any (user forms).

    Returns
    -------
    ``"constant"``, ``"cell"`` (per-cell values along the first axis) or ``None`` when the
    array fits none of the allowed ``shapes``.
    """
    per_cell = shape[:1] == (num_cells,)
    if shapes is None:
        return "cell" if per_cell and shape not in ((dim,), (dim, dim)) else "constant"
    if shape in shapes:
        return "constant"
    return "cell" if per_cell and shape[1:] in shapes else None


def check_values(
    val: np.ndarray,
    shapes: tuple[tuple[int, ...], ...] | None,
    batch: tuple[int, int],
    name: str = "coefficient",
) -> None:
    """Check evaluated values: (*value_shape, nc|1, nq|1) with value_shape in ``shapes``.

    Parameters
    ----------
    val : ndarray
        Values at the quadrature points.
    shapes : tuple of shapes or None
        The value shapes allowed; ``None`` for any.
    batch : (int, int)
        (nc, nq) of the chunk.
    name : str
        What ``val`` is, for the error message.

    Raises
    ------
    FemError
        Naming the expected and the received shapes.
    """
    tail = val.shape[-2:]
    if (
        val.ndim >= 2
        and (shapes is None or val.shape[:-2] in shapes)
        and all(s in (1, n) for s, n in zip(tail, batch, strict=True))
    ):
        return
    values = "any" if shapes is None else " or ".join(map(str, shapes))
    raise FemError(
        f"{name} has shape {val.shape} at the quadrature points; expected (*value_shape, "
        f"cells, points) with value_shape {values} and (cells, points) = {tuple(batch)} "
        "(either may also be 1)"
    )


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
    batch_shape : tuple of int
        (nc, nq): the batch axes every evaluated coefficient must broadcast to.
    """

    def __init__(self, V: FunctionSpace, cells: np.ndarray, X: np.ndarray):
        self.space = V
        self.cells = cells
        self.X = X
        self.batch_shape = (len(cells), len(X))

    @cached_property
    def x(self) -> np.ndarray:
        return np.moveaxis(self.space.geometry.points(self.cells, self.X), -1, 0)  # a view

    def bind(
        self,
        coefficients: dict[str, Any],
        extra_axes: int = 0,
        shapes: dict[str, ValueShapes] | None = None,
    ) -> Coefficients:
        """The ``w`` a form sees: ``w.x`` and its named coefficients, evaluated lazily, with
        ``extra_axes`` trailing singleton axes (where user forms keep their probe axes);
        ``shapes`` gives the allowed value shapes of some of them."""
        return Coefficients(self, coefficients, extra_axes, shapes)

    def evaluate(
        self,
        coef: Any,
        shapes: tuple[tuple[int, ...], ...] | None = None,
        name: str = "coefficient",
    ) -> np.ndarray:
        """Values of a coefficient at the quadrature points, (*value_shape, nc|1, nq|1).

        Parameters
        ----------
        coef : number, array, callable or Function
            See the module docstring.
        shapes : tuple of shapes, optional
            The value shapes allowed (default: any).
        name : str
            Used in error messages.

        Raises
        ------
        FemError
            If the values do not have an allowed value shape followed by batch axes that
            broadcast to (nc, nq), a Function lives on another mesh, or a value is not finite.
        """
        mesh = self.space.mesh
        if isinstance(coef, Function):
            self._need_cells(name, "a Function")
            if coef.space.mesh is not mesh:
                raise FemError(
                    f"{name} is a Function on another mesh ({coef.space!r}); interpolate it "
                    "onto a space of the mesh being assembled first"
                )
            val = coef.at_reference(self.cells, self.X)
        elif callable(coef):
            val = as_float_array(coef(self.x), f"the value of {name}")
            if val.ndim == 0:  # a plain number: a constant
                val = val[None, None]
        else:
            arr = as_float_array(coef, name)
            kind = array_kind(arr.shape, mesh.num_cells, mesh.dim, shapes)
            if kind is None:
                values = " or ".join(map(str, shapes))
                raise FemError(
                    f"{name} has shape {arr.shape}; expected a constant of shape {values} or "
                    f"per-cell values of shape ({mesh.num_cells}, *value_shape)"
                )
            if kind == "cell":
                self._need_cells(name, "per-cell values")
                val = np.moveaxis(arr[self.cells], 0, -1)[..., None]
            else:
                val = arr[..., None, None]
        check_values(val, shapes, self.batch_shape, name)
        if not np.isfinite(val).all():
            raise FemError(f"{name} has NaN or Inf values at quadrature points")
        return val

    def _need_cells(self, name: str, what: str) -> None:
        if self.cells is None:
            raise FemError(
                f"{name}: boundary forms take constant or callable coefficients, not {what}"
            )


class Coefficients:
    """Named coefficients of a form evaluated on a chunk (``w.kappa``), plus ``w.x``.

    Values have shape (*value_shape, nc|1, nq|1) followed by ``extra_axes`` singleton axes.
    """

    def __init__(
        self,
        ctx: QuadratureContext,
        named: dict[str, Any],
        extra_axes: int = 0,
        shapes: dict[str, ValueShapes] | None = None,
    ):
        self._ctx = ctx
        self._named = named
        self._shapes = shapes or {}
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
        spec = self.__dict__["_shapes"].get(name)
        V = self._ctx.space
        allowed = None if spec is None else spec(V.mesh.dim, V.bs)
        val = self._ctx.evaluate(named[name], allowed, f"coefficient {name!r}")[self._tail]
        self.__dict__[name] = val
        return val
