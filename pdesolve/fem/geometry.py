"""The reference-to-physical map of a mesh, evaluated on chunks of cells.

Cells are mapped by their vertex (P1 / Q1) shape functions ``N_v``:
``x(ξ) = Σ_v N_v(ξ) x_v`` with Jacobian ``J = Σ_v x_v ⊗ ∇_ξ N_v``; simplices are affine
(J constant per cell), quadrilaterals and hexahedra multilinear.
"""

from __future__ import annotations

from functools import cached_property

import numba as nb
import numpy as np

from ..errors import FemError
from ..mesh import Mesh
from .elements import element


@nb.njit(cache=True, fastmath=True)
def _map_points(points, cells, which, shape):
    """x[g, c, q] = Σ_v N_v(ξ_q) x_{cell(c), v, g}, written straight into the (gdim, nc, nq)
    layout the coefficients use."""
    gdim = points.shape[1]
    nq, nv = shape.shape
    out = np.empty((gdim, which.shape[0], nq))
    for k in range(which.shape[0]):
        c = which[k]
        for q in range(nq):
            for g in range(gdim):
                acc = 0.0
                for v in range(nv):
                    acc += shape[q, v] * points[cells[c, v], g]
                out[g, k, q] = acc
    return out


class GeometryMap:
    """The vertex-interpolating geometry map of a mesh."""

    def __init__(self, mesh: Mesh):
        if mesh.gdim != mesh.dim:
            raise FemError(
                f"assembly needs gdim == dim; this {mesh.cell_type} mesh has gdim={mesh.gdim}. "
                "Drop the unused coordinates (e.g. points[:, :2] for a planar mesh)."
            )
        self.mesh = mesh
        self.affine = mesh.reference.simplex
        self.shape_element = element("P", mesh.cell_type, 1)

    def tabulate(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vertex shape functions (nq, nv) and their gradients (nq, nv, dim) at ``X``."""
        return self.shape_element.tabulate(X)

    def points(self, cells: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Physical points (nc, nq, gdim) of reference points ``X`` in ``cells``."""
        n, _ = self.tabulate(X)
        return np.moveaxis(
            _map_points(self.mesh.points, self.mesh.cells, np.asarray(cells), n), 0, -1
        )

    def jacobians(self, cells: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Jacobians (nc, nq, gdim, dim) at reference points ``X`` in ``cells``."""
        _, dn = self.tabulate(X)
        return np.einsum(
            "qvd,cvg->cqgd", dn, self.mesh.points[self.mesh.cells[cells]], optimize=True
        )

    def inverse_jacobians(self, cells: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Inverse Jacobians (nc, nq, dim, gdim); (nc, 1, dim, gdim) for affine cells."""
        jac = self.jacobians(cells, X[:1] if self.affine else X)
        return np.linalg.inv(jac)

    def abs_det(self, cells: np.ndarray, X: np.ndarray) -> np.ndarray:
        """|det J| (nc, nq); (nc, 1) for affine cells."""
        return np.abs(np.linalg.det(self.jacobians(cells, X[:1] if self.affine else X)))

    @cached_property
    def _centroid_tree(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.mesh.centroids)

    def locate(
        self, x: np.ndarray, candidates: int = 12, tol: float = 1e-10
    ) -> tuple[np.ndarray, np.ndarray]:
        """Find a cell containing each physical point and the point's reference coordinates.

        Searches the ``candidates`` cells with the nearest centroids; the reference point is
        found by Newton's method on ``x(ξ) = x`` (one step for simplices).

        Returns
        -------
        cells : ndarray (n,)
            Containing cell, ``-1`` where none was found (point outside the mesh).
        X : ndarray (n, dim)
            Reference coordinates in that cell.
        """
        x = np.atleast_2d(np.asarray(x, dtype=float))
        mesh = self.mesh
        k = min(candidates, mesh.num_cells)
        _, near = self._centroid_tree.query(x, k=k)
        near = near.reshape(len(x), k)
        found = np.full(len(x), -1)
        ref = np.zeros((len(x), mesh.dim))
        centre = mesh.reference.vertices.mean(axis=0)
        for j in range(k):
            todo = np.flatnonzero(found < 0)
            if todo.size == 0:
                break
            cells = near[todo, j]
            xi = np.tile(centre, (len(todo), 1))
            verts = mesh.points[mesh.cells[cells]]
            for _ in range(1 if self.affine else 8):
                n, dn = self.tabulate(xi)
                r = np.einsum("pv,pvg->pg", n, verts) - x[todo]
                jac = np.einsum("pvd,pvg->pgd", dn, verts)
                xi = xi - np.linalg.solve(jac, r[..., None])[..., 0]
            inside = self._inside(xi, tol)
            found[todo[inside]] = cells[inside]
            ref[todo[inside]] = xi[inside]
        return found, ref

    def _inside(self, xi: np.ndarray, tol: float) -> np.ndarray:
        if self.affine:
            return (xi >= -tol).all(axis=1) & (xi.sum(axis=1) <= 1 + tol)
        return ((xi >= -tol) & (xi <= 1 + tol)).all(axis=1)
