r"""Quadrature rules on the reference cells of :mod:`pdesolve.mesh.cells`.

A rule of degree :math:`q` is a set of points :math:`x_k` and weights :math:`w_k` with

.. math:: \int_{\hat K} p(x)\,dx = \sum_k w_k\, p(x_k)

for every polynomial :math:`p` of total degree :math:`\le q` on simplices, and of degree
:math:`\le q` in each variable separately on intervals, quadrilaterals and hexahedra.

- Interval, quadrilateral, hexahedron: tensor products of the :math:`n`-point Gauss--Legendre
  rule on :math:`[0, 1]`, :math:`n = \lceil (q + 1) / 2 \rceil`.
- Triangle: symmetric rules with positive weights for :math:`q \le 5` (centroid, the 3-point
  interior rule, Dunavant's 6-point degree-4 rule and Radon's 7-point degree-5 rule, see
  Dunavant 1985); the 6-point rule also serves :math:`q = 3`.
- Tetrahedron: centroid, Keast's 4-point degree-2 rule (Keast 1986), and for :math:`q = 3` an
  8-point rule with equal weights on two :math:`S_{31}` orbits (points
  :math:`(a, a, a, 1-3a)` in barycentric coordinates), solved from the symmetric moment
  equations; Keast's 5-point degree-3 rule is avoided because its centroid weight is negative.
- Any higher degree on a simplex: the collapsed (Duffy) Gauss--Jacobi conical product of
  Stroud 1971, with :math:`n^d` points and positive weights.

References
----------
.. [1] D. A. Dunavant, "High degree efficient symmetrical Gaussian quadrature rules for the
   triangle", Int. J. Numer. Methods Eng. 21 (1985) 1129--1148.
.. [2] P. Keast, "Moderate-degree tetrahedral quadrature formulas", Comput. Methods Appl.
   Mech. Eng. 55 (1986) 339--348.
.. [3] A. H. Stroud, *Approximate Calculation of Multiple Integrals*, Prentice-Hall, 1971.
"""

from __future__ import annotations

import operator
from functools import cache
from itertools import permutations, product

import numpy as np
from scipy.special import roots_jacobi

from ..errors import FemError, MeshError
from ..mesh.cells import reference_cell

__all__ = ["quadrature"]


def quadrature(cell_type: str, degree: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Quadrature points and weights on a reference cell.

    Parameters
    ----------
    cell_type : str
        ``"vertex"``, ``"interval"``, ``"triangle"``, ``"quadrilateral"``, ``"tetrahedron"`` or
        ``"hexahedron"`` (meshio spellings such as ``"line"``, ``"quad"``, ``"tetra"`` accepted).
    degree : int
        Polynomial degree :math:`q \ge 0` to integrate exactly (total degree on simplices,
        degree in each variable on tensor cells).

    Returns
    -------
    points : ndarray, shape (nq, dim)
        Points in reference coordinates (shape ``(1, 0)`` for a vertex).
    weights : ndarray, shape (nq,)
        Positive weights, summing to the reference volume (1/d! on simplices, 1 otherwise).
        Both arrays are cached and read-only.

    Raises
    ------
    FemError
        Negative or non-integer degree, or unknown cell type.
    """
    try:
        degree = operator.index(degree)
    except TypeError:
        raise FemError(f"quadrature degree must be an integer, got {degree!r}") from None
    if degree < 0:
        raise FemError(f"quadrature degree must be >= 0, got {degree}")
    if cell_type == "vertex":
        return _vertex_rule()
    try:
        name = reference_cell(cell_type).name
    except MeshError as exc:
        raise FemError(f"no quadrature for cell type {cell_type!r}: {exc}") from None
    return _cached_rule(name, degree)


def _frozen(points: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = np.ascontiguousarray(points, dtype=float)
    weights = np.ascontiguousarray(weights, dtype=float)
    points.flags.writeable = False
    weights.flags.writeable = False
    return points, weights


@cache
def _vertex_rule() -> tuple[np.ndarray, np.ndarray]:
    return _frozen(np.zeros((1, 0)), np.ones(1))


@cache
def _cached_rule(name: str, degree: int) -> tuple[np.ndarray, np.ndarray]:
    dim = reference_cell(name).dim
    if name in ("interval", "quadrilateral", "hexahedron"):
        return _frozen(*_gauss_tensor(dim, degree))
    table = _TRIANGLE if name == "triangle" else _TETRAHEDRON
    for tabulated_degree, rule in sorted(table.items()):
        if degree <= tabulated_degree:
            return _frozen(*_symmetric_rule(dim, rule))
    return _frozen(*_collapsed_gauss_jacobi(dim, degree))


def _gauss_legendre01(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-point Gauss--Legendre rule on [0, 1] (exact to degree 2n - 1)."""
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (t + 1.0), 0.5 * w


def _gauss_tensor(dim: int, degree: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = _gauss_legendre01(max(1, (degree + 2) // 2))
    points = np.array(list(product(x, repeat=dim)))
    weights = np.array([np.prod(c) for c in product(w, repeat=dim)])
    return points, weights


def _collapsed_gauss_jacobi(dim: int, degree: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Stroud's conical product rule on the reference simplex.

    The Duffy map :math:`x_1 = u_1`, :math:`x_k = u_k \prod_{j<k} (1 - u_j)` sends
    :math:`[0,1]^d` onto the simplex with Jacobian :math:`\prod_k (1 - u_k)^{d-k}`; each
    factor weight :math:`(1-u_k)^{d-k}` is absorbed in an :math:`n`-point Gauss--Jacobi rule,
    so that :math:`n = \lceil (q+1)/2 \rceil` points per direction integrate degree :math:`q`.
    """
    n = max(1, (degree + 2) // 2)
    rules = []
    for k in range(dim):
        alpha = dim - 1 - k
        t, w = roots_jacobi(n, alpha, 0.0)
        rules.append((0.5 * (t + 1.0), w / 2.0 ** (alpha + 1)))
    points, weights = [], []
    for idx in product(range(n), repeat=dim):
        u = [rules[k][0][i] for k, i in enumerate(idx)]
        x, scale = [], 1.0
        for uk in u:
            x.append(uk * scale)
            scale *= 1.0 - uk
        points.append(x)
        weights.append(np.prod([rules[k][1][i] for k, i in enumerate(idx)]))
    return np.array(points), np.array(weights)


def _symmetric_rule(dim: int, orbits) -> tuple[np.ndarray, np.ndarray]:
    """Expand symmetric orbits ``(barycentric generator, weight per point)`` into a rule."""
    points, weights = [], []
    for generator, weight in orbits:
        for bary in sorted(set(permutations(generator))):
            points.append(bary[1:])  # x_i = lambda_i for i >= 1 (lambda_0 at the origin)
            weights.append(weight)
    return np.array(points), np.array(weights)


_R15 = np.sqrt(15.0)
_A5, _B5 = (6.0 + _R15) / 21.0, (6.0 - _R15) / 21.0
_A4, _B4 = 0.44594849091596489, 0.091576213509770604  # Dunavant 1985, degree 4
_W4A, _W4B = 0.11169079483900581, 0.054975871827660873  # (area 1/2 included)
_S5 = np.sqrt(5.0)
_K2 = (5.0 - _S5) / 20.0  # Keast 1986, degree 2
_T3A, _T3B = 0.11295679451251108, 0.32886164993020289  # degree 3, two S31 orbits

#: tabulated symmetric rules: degree -> [(barycentric generator, weight per point)]
_TRIANGLE = {
    1: [((1 / 3, 1 / 3, 1 / 3), 1 / 2)],
    2: [((2 / 3, 1 / 6, 1 / 6), 1 / 6)],
    4: [((_A4, _A4, 1 - 2 * _A4), _W4A), ((_B4, _B4, 1 - 2 * _B4), _W4B)],
    5: [
        ((1 / 3, 1 / 3, 1 / 3), 9 / 80),
        ((_A5, _A5, 1 - 2 * _A5), (155.0 + _R15) / 2400.0),
        ((_B5, _B5, 1 - 2 * _B5), (155.0 - _R15) / 2400.0),
    ],
}
_TETRAHEDRON = {
    1: [((0.25, 0.25, 0.25, 0.25), 1 / 6)],
    2: [((_K2, _K2, _K2, 1 - 3 * _K2), 1 / 24)],
    3: [((_T3A, _T3A, _T3A, 1 - 3 * _T3A), 1 / 48), ((_T3B, _T3B, _T3B, 1 - 3 * _T3B), 1 / 48)],
}
