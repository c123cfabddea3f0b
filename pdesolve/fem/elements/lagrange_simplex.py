r"""Lagrange elements :math:`P_p` on intervals, triangles and tetrahedra."""

from __future__ import annotations

from itertools import product

import numpy as np

from ...mesh.cells import ReferenceCell
from .base import Element, entity_ordered_nodes


class LagrangeSimplex(Element):
    r"""Continuous Lagrange element :math:`P_p` on a reference simplex, equispaced nodes.

    The nodes are the lattice points :math:`\alpha / p`, :math:`|\alpha| \le p`. The nodal
    basis is expanded in the monomials :math:`x^\alpha`, :math:`|\alpha| \le p`:
    :math:`\phi_i = \sum_j C_{ji} x^{\alpha_j}` with :math:`C = V^{-1}` and
    :math:`V_{kj} = x_k^{\alpha_j}` the Vandermonde matrix at the nodes, computed once.
    ``P3`` on a tetrahedron has one dof per face (its centroid) and none inside.

    Parameters
    ----------
    cell : ReferenceCell
        Interval, triangle or tetrahedron.
    degree : int
        :math:`p \ge 1`.
    """

    family = "P"

    def __init__(self, cell: ReferenceCell, degree: int):
        exps = np.array(
            [a for a in product(range(degree + 1), repeat=cell.dim) if sum(a) <= degree]
        )
        points, entity_dofs = entity_ordered_nodes(cell, exps / degree)
        super().__init__(cell, degree, points, entity_dofs)
        self._exps = exps
        self._coeffs = np.linalg.inv(self._monomials(points))

    def _monomials(self, X: np.ndarray) -> np.ndarray:
        return np.prod(X[:, None, :] ** self._exps[None, :, :], axis=2)

    def tabulate(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_points(X)
        phi = self._monomials(X) @ self._coeffs
        dphi = np.empty((len(X), self.ndofs, self.dim))
        for k in range(self.dim):
            e = self._exps.copy()
            scale = e[:, k].astype(float)
            e[:, k] = np.maximum(e[:, k] - 1, 0)
            dm = scale * np.prod(X[:, None, :] ** e[None, :, :], axis=2)
            dphi[:, :, k] = dm @ self._coeffs
        return phi, dphi
