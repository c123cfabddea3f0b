"""The reference-to-physical map of a mesh, evaluated on chunks of cells.

Cells are mapped by their vertex (P1 / Q1) shape functions ``N_v``:
``x(ξ) = Σ_v N_v(ξ) x_v`` with Jacobian ``J = Σ_v x_v ⊗ ∇_ξ N_v``; simplices are affine
(J constant per cell), quadrilaterals and hexahedra multilinear.
"""

from __future__ import annotations

from functools import cached_property
from itertools import chain

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

    @cached_property
    def _size_classes(self) -> tuple[np.ndarray, list]:
        """Each cell's radius about its centroid (the cell lies in that ball: it is in the
        convex hull of its vertices), and the cells grouped by radius within factors of two,
        each group with the largest radius in it and a k-d tree of its centroids."""
        from scipy.spatial import cKDTree

        mesh = self.mesh
        centroids = mesh.centroids
        radius = np.sqrt(((mesh.points[mesh.cells] - centroids[:, None]) ** 2).sum(-1).max(1))
        level = np.floor(np.log2(radius / radius.max())).astype(np.int64)
        classes = []
        for lev in np.unique(level):
            cells = np.flatnonzero(level == lev)
            classes.append((cells, float(radius[cells].max()), cKDTree(centroids[cells])))
        return radius, classes

    def _reference_coordinates(self, cells: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Solve ``x(ξ) = x`` for ξ in each of ``cells`` (n,), points ``x`` (n, gdim), by
        Newton's method from the cell centre (one step for simplices); NaN where the map is
        singular at an iterate."""
        mesh = self.mesh
        xi = np.tile(mesh.reference.vertices.mean(axis=0), (len(cells), 1))
        verts = mesh.points[mesh.cells[cells]]
        for _ in range(1 if self.affine else 8):
            n, dn = self.tabulate(xi)
            r = np.einsum("pv,pvg->pg", n, verts) - x
            jac = np.einsum("pvd,pvg->pgd", dn, verts)
            singular = ~(np.abs(np.linalg.det(jac)) > 0)
            jac[singular] = np.eye(mesh.dim)
            xi = xi - np.linalg.solve(jac, r[..., None])[..., 0]
            xi[singular] = np.nan
        return xi

    def locate(
        self, x: np.ndarray, candidates: int = 12, tol: float = 1e-10
    ) -> tuple[np.ndarray, np.ndarray]:
        """Find a cell containing each physical point and the point's reference coordinates.

        Tries the ``candidates`` cells with the nearest centroids first, then, for the points
        not found in them (near small cells next to large ones, on graded meshes), every cell
        whose ball about its centroid holds the point; the reference point is found by
        Newton's method on ``x(ξ) = x`` (one step for simplices).

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
        for j in range(k):
            todo = np.flatnonzero(found < 0)
            if todo.size == 0:
                break
            cells = near[todo, j]
            xi = self._reference_coordinates(cells, x[todo])
            inside = self._inside(xi, tol)
            found[todo[inside]] = cells[inside]
            ref[todo[inside]] = xi[inside]
        todo = np.flatnonzero(found < 0)
        if todo.size:
            self._locate_wide(x, todo, found, ref, tol)
        return found, ref

    def _locate_wide(
        self, x: np.ndarray, todo: np.ndarray, found: np.ndarray, ref: np.ndarray, tol: float
    ) -> None:
        """Search the points ``todo`` in every cell whose centroid ball holds them (in place).

        Per size class the ball query returns a bounded number of cells of that size, so the
        cost stays proportional to the number of points, also for points outside the mesh."""
        radius, classes = self._size_classes
        slack = 1.0 + 1e-6
        pts, cells = [], []
        for members, rmax, tree in classes:
            lists = tree.query_ball_point(x[todo], r=rmax * slack)
            counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=counts.sum())
            pts.append(np.repeat(todo, counts))
            cells.append(members[flat])
        p, c = np.concatenate(pts), np.concatenate(cells)
        dist = np.sqrt(((x[p] - self.mesh.centroids[c]) ** 2).sum(axis=1))
        near = dist <= radius[c] * slack
        p, c = p[near], c[near]
        xi = self._reference_coordinates(c, x[p])
        inside = self._inside(xi, tol)
        p, c, xi = p[inside], c[inside], xi[inside]
        _, first = np.unique(p, return_index=True)
        found[p[first]] = c[first]
        ref[p[first]] = xi[first]

    def _inside(self, xi: np.ndarray, tol: float) -> np.ndarray:
        if self.affine:
            return (xi >= -tol).all(axis=1) & (xi.sum(axis=1) <= 1 + tol)
        return ((xi >= -tol) & (xi <= 1 + tol)).all(axis=1)
