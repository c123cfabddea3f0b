"""Dirichlet boundary conditions, applied by symmetric elimination.

For Dirichlet dofs ``D`` with values ``g`` and the remaining dofs ``I``, the system
``A u = b`` becomes

.. math::
    \\begin{pmatrix} A_{II} & 0 \\\\ 0 & \\operatorname{diag}(A_{DD}) \\end{pmatrix}
    \\begin{pmatrix} u_I \\\\ u_D \\end{pmatrix} =
    \\begin{pmatrix} b_I - A_{ID}\\, g \\\\ \\operatorname{diag}(A_{DD})\\, g \\end{pmatrix},

so a symmetric positive definite ``A`` stays symmetric positive definite (its diagonal is kept
on the eliminated rows, so the spectrum's scale is preserved) and the sparsity pattern is
unchanged (eliminated entries are stored zeros, so re-assembly keeps working).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numba as nb
import numpy as np
import scipy.sparse as sp

from ..errors import FemError
from ..mesh.mesh import Where
from .function import Function
from .space import FunctionSpace


class DirichletBC:
    """``u = g`` on the facets selected by ``where``.

    Parameters
    ----------
    V : FunctionSpace
    where : tag name, predicate, or None
        Boundary facets (see :meth:`Mesh.facet_indices`; ``None``/"boundary" is all of it).
    value : number, array (bs,), callable ``g(x)`` or Function
        Boundary values; callables map (gdim, n) points to (n,) or (bs, n).
    component : int, optional
        For vector spaces, constrain only this component.
    dofs : array of int, optional
        Explicit dofs instead of ``where`` (e.g. from :meth:`FunctionSpace.locate_dofs`).
    """

    def __init__(
        self,
        V: FunctionSpace,
        where: Where = None,
        value: Any = 0.0,
        component: int | None = None,
        dofs: np.ndarray | None = None,
    ):
        self.space = V
        self.dofs = V.boundary_dofs(where, component) if dofs is None else np.unique(dofs)
        if self.dofs.size and (self.dofs[0] < 0 or self.dofs[-1] >= V.num_dofs):
            raise FemError("Dirichlet dofs out of range")
        self.values = self._values(value)

    def _values(self, value: Any) -> np.ndarray:
        V = self.space
        if isinstance(value, Function):
            return value.x[self.dofs].copy()
        nodes, comps = np.divmod(self.dofs, V.bs)
        if callable(value):
            v = np.asarray(value(V.node_coordinates[nodes].T), dtype=np.float64)
            v = np.broadcast_to(v, V.value_shape + (len(nodes),))
            out = v[comps, np.arange(len(nodes))] if V.bs > 1 else v
        else:
            v = np.asarray(value, dtype=np.float64)
            out = (
                np.broadcast_to(v, V.value_shape)[comps]
                if v.ndim
                else np.full(len(nodes), float(v))
            )
        out = np.array(out, dtype=np.float64)
        if not np.isfinite(out).all():
            raise FemError("Dirichlet values contain NaN or Inf")
        return out

    def apply(self, A: sp.csr_matrix, b: np.ndarray, inplace: bool = False):
        """Return ``(A, b)`` with this condition imposed (see :func:`apply_dirichlet`)."""
        return apply_dirichlet(A, b, [self], inplace=inplace)

    def set(self, x: np.ndarray) -> np.ndarray:
        """Write the boundary values into a vector (in place) and return it."""
        x[self.dofs] = self.values
        return x


@nb.njit(cache=True)
def _eliminate(indptr, indices, data, b, is_bc, g):
    n = len(indptr) - 1
    for r in range(n):
        if is_bc[r]:
            diag = 0.0
            for k in range(indptr[r], indptr[r + 1]):
                if indices[k] == r:
                    diag = data[k]
                else:
                    data[k] = 0.0
            if diag == 0.0:
                diag = 1.0
                for k in range(indptr[r], indptr[r + 1]):
                    if indices[k] == r:
                        data[k] = 1.0
            b[r] = diag * g[r]
        else:
            for k in range(indptr[r], indptr[r + 1]):
                c = indices[k]
                if is_bc[c]:
                    b[r] -= data[k] * g[c]
                    data[k] = 0.0


def apply_dirichlet(
    A: sp.csr_matrix,
    b: np.ndarray | None,
    bcs: Sequence[DirichletBC] | DirichletBC,
    inplace: bool = False,
):
    """Impose Dirichlet conditions by symmetric elimination (keeps A SPD and its pattern).

    Returns ``(A, b)``; copies unless ``inplace``. ``b=None`` builds a zero right-hand side.
    """
    if isinstance(bcs, DirichletBC):
        bcs = [bcs]
    if not sp.issparse(A) or A.format != "csr":
        raise FemError("apply_dirichlet needs a scipy CSR matrix")
    n = A.shape[0]
    b = np.zeros(n) if b is None else np.asarray(b, dtype=np.float64)
    if b.shape != (n,):
        raise FemError(f"right-hand side has shape {b.shape}, expected ({n},)")
    if not inplace:
        A = A.copy()
        b = b.copy()
    is_bc = np.zeros(n, np.bool_)
    g = np.zeros(n)
    for bc in bcs:
        is_bc[bc.dofs] = True
        g[bc.dofs] = bc.values
    if not any(np.diff(A.indptr) > 0) and n:
        raise FemError("matrix has no stored entries")
    _eliminate(A.indptr, A.indices, A.data, b, is_bc, g)
    return A, b


def boundary_values(
    V: FunctionSpace,
    bcs: Sequence[DirichletBC],
    x: np.ndarray | None = None,
) -> np.ndarray:
    """A vector with the Dirichlet values set (zeros, or ``x``, elsewhere)."""
    x = np.zeros(V.num_dofs) if x is None else x
    for bc in bcs:
        bc.set(x)
    return x


__all__ = ["DirichletBC", "apply_dirichlet", "boundary_values"]
