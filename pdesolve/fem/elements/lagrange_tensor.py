r"""Lagrange elements :math:`Q_p` on quadrilaterals and hexahedra (reference cell [0, 1]^d)."""

from __future__ import annotations

from itertools import product

import numpy as np

from ...mesh.cells import ReferenceCell
from .base import Element, entity_ordered_nodes


def _lagrange_1d(degree: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""1D Lagrange polynomials on the nodes :math:`t_m = m/p` and their derivatives.

    :math:`\ell_m(x) = \prod_{n \ne m} (x - t_n) / (t_m - t_n)`; returns arrays of shape
    ``(len(x), p + 1)``.
    """
    t = np.arange(degree + 1) / degree
    val = np.ones((len(x), degree + 1))
    der = np.zeros((len(x), degree + 1))
    for m in range(degree + 1):
        for n in range(degree + 1):
            if n == m:
                continue
            factor = (x - t[n]) / (t[m] - t[n])
            der[:, m] = der[:, m] * factor + val[:, m] / (t[m] - t[n])
            val[:, m] *= factor
    return val, der


class LagrangeTensor(Element):
    r"""Continuous Lagrange element :math:`Q_p` on a quadrilateral or hexahedron.

    Basis functions are tensor products :math:`\phi_i(x) = \prod_k \ell_{m_k(i)}(x_k)` of the
    1D Lagrange polynomials on the equispaced nodes :math:`\{0, 1/p, \dots, 1\}`; the nodes
    :math:`(m_1, \dots, m_d)/p` are renumbered to the entity order of :class:`Element` (``Q2``
    quad: 4 vertices, 4 edge midpoints, centre; ``Q2`` hex: 8 + 12 + 6 + 1).

    Parameters
    ----------
    cell : ReferenceCell
        Quadrilateral or hexahedron.
    degree : int
        :math:`p \ge 1`.
    """

    family = "Q"

    def __init__(self, cell: ReferenceCell, degree: int):
        grid = np.array(list(product(range(degree + 1), repeat=cell.dim))) / degree
        points, entity_dofs = entity_ordered_nodes(cell, grid)
        super().__init__(cell, degree, points, entity_dofs)
        self._index = np.rint(points * degree).astype(int)  # (ndofs, dim) 1D node indices

    def tabulate(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = self._check_points(X)
        vals, ders = zip(
            *(_lagrange_1d(self.degree, X[:, k]) for k in range(self.dim)), strict=True
        )
        fac = np.stack([vals[k][:, self._index[:, k]] for k in range(self.dim)])  # (dim, nq, nd)
        phi = np.prod(fac, axis=0)
        dphi = np.empty((len(X), self.ndofs, self.dim))
        for k in range(self.dim):
            others = np.prod(np.delete(fac, k, axis=0), axis=0)
            dphi[:, :, k] = others * ders[k][:, self._index[:, k]]
        return phi, dphi
