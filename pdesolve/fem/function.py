"""Finite-element functions: coefficient vectors on a space, interpolation and evaluation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from ..errors import FemError
from .space import FunctionSpace


class Function:
    """``u_h = Σ_i x_i φ_i`` on a :class:`FunctionSpace`.

    Parameters
    ----------
    V : FunctionSpace
    x : array_like, shape (V.num_dofs,), optional
        Coefficients (zeros by default), or a callable ``f(x)`` to interpolate.

    Examples
    --------
    >>> import numpy as np, pdesolve as ps
    >>> V = ps.fem.FunctionSpace(ps.mesh.rectangle(8, 8), "P", 2)
    >>> u = ps.fem.Function(V, lambda x: x[0] ** 2 + x[1])
    >>> float(np.round(u.eval([[0.3, 0.4]])[0], 12))
    0.49
    """

    def __init__(self, V: FunctionSpace, x: ArrayLike | Callable | None = None):
        self.space = V
        if x is None:
            self.x = np.zeros(V.num_dofs)
        elif callable(x):
            self.x = np.zeros(V.num_dofs)
            self.interpolate(x)
        else:
            arr = np.asarray(x, dtype=np.float64).ravel()
            if arr.shape != (V.num_dofs,):
                raise FemError(f"coefficient vector has {arr.size} entries, the space {V.num_dofs}")
            self.x = arr.copy()

    def __repr__(self) -> str:
        return f"Function({self.space!r})"

    def interpolate(self, f: Callable[[np.ndarray], ArrayLike]) -> Function:
        """Nodal interpolation: ``x_i = f(node_i)``; ``f`` maps (gdim, n) to (n,) or (bs, n)."""
        V = self.space
        vals = np.asarray(f(V.node_coordinates.T), dtype=np.float64)
        vals = np.broadcast_to(vals, V.value_shape + (V.num_nodes,))
        self.x[:] = vals.T.ravel() if V.bs > 1 else vals
        return self

    def values(self) -> np.ndarray:
        """Nodal values, shape (num_nodes,) or (num_nodes, bs)."""
        return self.x if self.space.bs == 1 else self.x.reshape(-1, self.space.bs)

    def at_reference(self, cells: np.ndarray, X: np.ndarray, grad: bool = False):
        """Values at reference points ``X`` (nq, dim) of ``cells``: (*value_shape, nc, nq);
        with ``grad`` also gradients (*value_shape, gdim, nc, nq)."""
        V = self.space
        phi, dphi = V.element.tabulate(X)
        coef = self.x[V.cell_dofs[cells]].reshape(len(cells), -1, V.bs)  # (nc, nn, bs)
        val = np.einsum("qn,cnb->bcq", phi, coef, optimize=True)
        val = val[0] if V.bs == 1 else val
        if not grad:
            return val
        inv = V.geometry.inverse_jacobians(cells, X)  # (nc, nq|1, d, g)
        gref = np.einsum("qnd,cnb->bcqd", dphi, coef, optimize=True)
        g = np.einsum(
            "bcqd,cqdg->bgcq",
            gref,
            np.broadcast_to(inv, gref.shape[1:3] + inv.shape[2:]),
            optimize=True,
        )
        return val, (g[0] if V.bs == 1 else g)

    def eval(self, points: ArrayLike) -> np.ndarray:
        """Point evaluation at physical points (n, gdim); raises if a point is outside the mesh.

        Returns shape (n,) or (n, bs).
        """
        pts = np.atleast_2d(np.asarray(points, dtype=float))
        V = self.space
        if pts.shape[1] != V.mesh.gdim:
            raise FemError(f"points must have shape (n, {V.mesh.gdim}), got {pts.shape}")
        cells, ref = V.geometry.locate(pts)
        if (cells < 0).any():
            bad = np.flatnonzero(cells < 0)
            raise FemError(f"{bad.size} points lie outside the mesh, first {pts[bad[0]].tolist()}")
        phi, _ = V.element.tabulate(ref)  # (n, nn): row p evaluated at point p
        coef = self.x[V.cell_dofs[cells]].reshape(len(cells), -1, V.bs)
        out = np.einsum("pn,pnb->pb", phi, coef)
        return out[:, 0] if V.bs == 1 else out
