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
from numpy.typing import ArrayLike

from ..errors import FemError
from ..mesh.mesh import Where, index_array
from .function import Function
from .space import FunctionSpace


class DirichletBC:
    """``u = g`` on the facets selected by ``where``.

    Parameters
    ----------
    V : FunctionSpace
    where : tag name, predicate, facet indices or mask, or None
        Boundary facets (see :meth:`Mesh.facet_indices`; ``None``/"boundary" is all of it).
    value : number, array (bs,), callable ``g(x)`` or Function
        Boundary values; callables map (gdim, n) points to (n,) or (bs, n). A Function must
        live on ``V`` itself (or on a space with the same mesh, element and block size).
    component : int, optional
        For vector spaces, constrain only this component.
    dofs : array of int or bool, optional
        Explicit dofs instead of ``where`` (e.g. from :meth:`FunctionSpace.locate_dofs`), or a
        boolean mask over the ``V.num_dofs`` dofs.
    allow_empty : bool, optional
        Accept a selection without any dof (by default an error: it leaves the system
        unconstrained, typically singular, and usually comes from a mistyped predicate or tag).

    Raises
    ------
    FemError
        Empty selection (unless ``allow_empty``), dofs out of range or not integers, a mask of
        the wrong length, values of the wrong shape or not finite, a Function on another space.
    MeshError
        Unknown tag or bad facet selection (see :meth:`Mesh.facet_indices`).
    """

    def __init__(
        self,
        V: FunctionSpace,
        where: Where = None,
        value: Any = 0.0,
        component: int | None = None,
        dofs: ArrayLike | None = None,
        *,
        allow_empty: bool = False,
    ):
        self.space = V
        self.dofs = V.boundary_dofs(where, component) if dofs is None else _dof_array(dofs, V)
        if self.dofs.size == 0 and not allow_empty:
            raise FemError(
                f"DirichletBC selects no dofs ({_describe(where, dofs)}): the system would not "
                "be constrained there; check the predicate or tag (mesh.facet_tags lists the "
                "tags), or pass allow_empty=True if an empty condition is intended"
            )
        self.values = self._values(value)

    def _values(self, value: Any) -> np.ndarray:
        V = self.space
        if isinstance(value, Function):
            if not _same_dofs(value.space, V):
                where = "on another mesh" if value.space.mesh is not V.mesh else "of another kind"
                raise FemError(
                    f"the boundary value is a Function on a space {where} ({value.space!r}) "
                    f"than the condition's ({V!r}), so their dofs do not match; pass a callable "
                    "instead, e.g. lambda x: f.eval(x.T).T to evaluate f at this space's nodes"
                )
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
        if np.shape(x) != (self.space.num_dofs,):
            raise FemError(
                f"vector has shape {np.shape(x)}, the condition's space ({self.space!r}) needs "
                f"({self.space.num_dofs},)"
            )
        x[self.dofs] = self.values
        return x


def _describe(where: Where, dofs: ArrayLike | None) -> str:
    if dofs is not None:
        return "empty dofs"
    if isinstance(where, str):
        return f"facet tag {where!r}"
    if where is None:
        return "the mesh has no boundary facets"
    return "facet predicate" if callable(where) else "explicit facets"


def _dof_array(dofs: ArrayLike, V: FunctionSpace) -> np.ndarray:
    """Sorted unique dofs from explicit indices or a boolean mask over ``V``'s dofs."""
    return np.unique(index_array(dofs, V.num_dofs, "Dirichlet dof", FemError))


def _same_dofs(W: FunctionSpace, V: FunctionSpace) -> bool:
    """Whether vectors on ``W`` and ``V`` number the same dofs the same way."""
    return W is V or (
        W.mesh is V.mesh
        and W.element.family == V.element.family
        and W.degree == V.degree
        and W.bs == V.bs
    )


def _check_system(bcs: Sequence[DirichletBC], n: int) -> None:
    for bc in bcs:
        if not isinstance(bc, DirichletBC):
            raise FemError(f"expected DirichletBC conditions, got {type(bc).__name__}")
        if bc.space.num_dofs != n:
            raise FemError(
                f"a Dirichlet condition built on {bc.space!r} ({bc.space.num_dofs} dofs) cannot "
                f"constrain a system of {n} unknowns; build it on the space the matrix was "
                "assembled on"
            )


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

    Raises
    ------
    FemError
        ``A`` not CSR, ``b`` of the wrong shape, or a condition built on a space whose number
        of dofs is not the size of the system (e.g. a P1 condition on a P2 matrix).
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
    _check_system(bcs, n)
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
    if isinstance(bcs, DirichletBC):
        bcs = [bcs]
    _check_system(bcs, V.num_dofs)
    for bc in bcs:
        bc.set(x)
    return x


__all__ = ["DirichletBC", "apply_dirichlet", "boundary_values"]
