r"""Legendre spectral-Galerkin on ``[-1, 1]``: quadrature and Shen's bases.

With the unit weight the Galerkin stiffness of Shen's Legendre bases is **diagonal** and the
mass matrix pentadiagonal (tridiagonal per parity), which makes Legendre the natural choice for
Galerkin methods (Shen 1994):

- :class:`LegendreDirichlet`: ``φ_k = L_k − L_{k+2}``, ``(φ_j', φ_k') = (4k + 6) δ_jk``;
- :class:`LegendreNeumann`: ``φ_k = L_k − k(k+1)/((k+2)(k+3)) L_{k+2}``,
  ``(φ_j', φ_k') = k(k+1)(4k+6)/((k+2)(k+3)) δ_jk``;
- mass ``(φ_j, φ_k)``: ``2/(2k+1) + β_k² 2/(2k+5)`` on the diagonal, ``−β_k 2/(2k+5)`` at
  ``j = k + 2``.

The solvers (1D ``α u − u'' = f`` in ``O(n)``, 2D by matrix diagonalisation, liftings for
non-homogeneous data, the bridge to the time layer) are shared with the Chebyshev bases: see
:mod:`pdesolve.spectral._galerkin`. Values live at the Legendre–Gauss–Lobatto nodes
(ascending), the transforms are ``O(n²)`` Vandermonde products (discrete orthogonality at the
nodes; no fast transform is needed at the sizes where Legendre is used).

References
----------
J. Shen, Efficient spectral-Galerkin method I. Direct solvers of second- and fourth-order
equations using Legendre polynomials, SIAM J. Sci. Comput. 15 (1994) 1489–1505.
C. Canuto, M. Y. Hussaini, A. Quarteroni and T. A. Zang, *Spectral Methods: Fundamentals in
Single Domains*, Springer 2006, §2.3 (Gauss–Lobatto quadrature, discrete norms).

Examples
--------
>>> import numpy as np
>>> V = LegendreDirichlet(24)
>>> u = V.solve(lambda x: (1 + np.pi**2) * np.sin(np.pi * x), alpha=1.0)
>>> bool(np.abs(u - np.sin(np.pi * V.x)).max() < 1e-12)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.polynomial import legendre as npleg

from ._collocation import barycentric_weights
from ._galerkin import OrthogonalFamily, ShenBasis, helmholtz_2d
from .chebyshev import _check_n

__all__ = [
    "LegendreDirichlet",
    "LegendreFamily",
    "LegendreNeumann",
    "helmholtz_2d",
    "legendre_gauss",
    "legendre_gauss_lobatto",
]


def legendre_gauss(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Legendre–Gauss nodes (ascending) and weights: exact for degree ``≤ 2n − 1``."""
    return npleg.leggauss(_check_n(n, 1))


def legendre_gauss_lobatto(n: int, tol: float = 1e-15) -> tuple[np.ndarray, np.ndarray]:
    """Legendre–Gauss–Lobatto nodes (ascending, ``±1`` included) and weights, exact for degree
    ``≤ 2n − 3``.

    The interior nodes are the roots of ``L_{n−1}'``, found by Newton's method on
    ``(1 − x²) L_{n−1}'`` from the Chebyshev points, with the three-term recurrence; the weights
    are ``2 / (n(n − 1) L_{n−1}(x_j)²)``.
    """
    n = _check_n(n, 2)
    N = n - 1
    x = -np.cos(np.pi * np.arange(n) / N)
    for _ in range(100):
        p_prev, p = np.ones_like(x), x.copy()
        for k in range(2, n):
            p_prev, p = p, ((2 * k - 1) * x * p - (k - 1) * p_prev) / k
        # Newton on (1 - x²) L_N'(x) via  L_N' (1 - x²) = N (L_{N-1} - x L_N)
        step = (x * p - p_prev) / (n * p)
        x = x - step
        if np.abs(step).max() < tol:
            break
    x[0], x[-1] = -1.0, 1.0
    p_prev, p = np.ones_like(x), x.copy()
    for k in range(2, n):
        p_prev, p = p, ((2 * k - 1) * x * p - (k - 1) * p_prev) / k
    return x, 2.0 / (N * n * p**2)


class LegendreFamily(OrthogonalFamily):
    """``L_0..L_{n−1}`` at the Legendre–Gauss–Lobatto nodes, unit weight."""

    name = "legendre"

    def __init__(self, n: int) -> None:
        self.n = _check_n(n, 4)
        self.x, self.w = legendre_gauss_lobatto(self.n)
        m = np.arange(self.n)
        self.norms = 2.0 / (2 * m + 1)
        self._discrete = self.norms.copy()
        self._discrete[-1] = 2.0 / (self.n - 1)
        self._V = npleg.legvander(self.x, self.n - 1)  # V[j, m] = L_m(x_j)
        self.lam = barycentric_weights(self.x)

    @property
    def discrete_norms(self) -> np.ndarray:
        return self._discrete

    def interpolate(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        f = np.moveaxis(np.asarray(values), axis, -1)
        p = ((f * self.w) @ self._V) / self._discrete
        return np.moveaxis(p, -1, axis)

    def synthesis(self, coeffs: np.ndarray, axis: int = -1) -> np.ndarray:
        p = np.moveaxis(np.asarray(coeffs), axis, -1)
        return np.moveaxis(p @ self._V.T, -1, axis)

    def evaluate(self, coeffs: np.ndarray, points: Any) -> np.ndarray:
        return npleg.legval(np.asarray(points, dtype=float), coeffs)

    def integrate(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.tensordot(np.moveaxis(np.asarray(values), axis, -1), self.w, axes=1)


class LegendreDirichlet(ShenBasis):
    """``φ_k = L_k − L_{k+2}``, ``k = 0..n−3``: ``φ_k(±1) = 0``, diagonal stiffness ``4k + 6``
    (Shen 1994).

    Parameters
    ----------
    n : int
        Number of Legendre–Gauss–Lobatto nodes (``>= 4``); the basis has ``n − 2`` functions.
    """

    def __init__(self, n: int) -> None:
        fam = LegendreFamily(n)
        k = np.arange(fam.n - 2, dtype=np.float64)
        super().__init__(fam, "dirichlet", beta=np.ones_like(k), diag=4 * k + 6)


class LegendreNeumann(ShenBasis):
    """``φ_k = L_k − k(k+1)/((k+2)(k+3)) L_{k+2}``: ``φ_k'(±1) = 0`` (Shen 1994).

    ``φ_0 = 1``: kept for ``α ≠ 0``, dropped for the pure Neumann Poisson problem (zero-mean
    solution).
    """

    def __init__(self, n: int) -> None:
        fam = LegendreFamily(n)
        k = np.arange(fam.n - 2, dtype=np.float64)
        beta = k * (k + 1) / ((k + 2) * (k + 3))
        super().__init__(fam, "neumann", beta=beta, diag=beta * (4 * k + 6))
