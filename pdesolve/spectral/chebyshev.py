r"""Chebyshev spectral methods on ``[-1, 1]``: collocation and Shen–Galerkin bases.

**Collocation.** The ``n`` Chebyshev–Gauss–Lobatto points ``x_j = cos(πj/(n − 1))``
(*descending* from ``1`` to ``−1``, as in Trefethen's ``cheb``), the differentiation matrix
``D`` with ``(D f)_i = p'(x_i)`` for the interpolant ``p`` of the values ``f``,

.. math::

    D_{ij} = \frac{c_i}{c_j} \frac{(-1)^{i+j}}{x_i - x_j} \ (i \ne j), \qquad
    D_{ii} = -\sum_{j \ne i} D_{ij}, \qquad c_0 = c_{n-1} = 2,\ c_j = 1 \text{ otherwise},

(Trefethen 2000, ch. 6; the negative-sum diagonal is the accurate one), and Clenshaw–Curtis
quadrature ``∫_{-1}^{1} f dx ≈ Σ_j w_j f(x_j)``, exact for degree ``≤ n − 1`` (Clenshaw &
Curtis 1960; Waldvogel 2006).

**Transforms.** Values at the points and the coefficients ``a_m`` of
``p = Σ_{m<n} a_m T_m`` are related by a DCT-I, ``O(n log n)`` (``scipy.fft.dct``).

**Galerkin.** Shen's bases with the boundary condition built in (Shen 1995):
:class:`ChebyshevDirichlet` ``φ_k = T_k − T_{k+2}`` and :class:`ChebyshevNeumann`
``φ_k = T_k − (k/(k+2))² T_{k+2}``, with the weight ``ω = (1 − x²)^{−1/2}``, exact mass
and stiffness matrices, ``O(n)`` solves of ``α u − u'' = f`` and, with
:func:`~pdesolve.spectral._galerkin.helmholtz_2d`, the tensor-product problem on ``[-1, 1]²``
(see :mod:`pdesolve.spectral._galerkin`). The stiffness entries ``K_kj = −(φ_j'', φ_k)_ω`` are
(Shen 1995, Lemmas 2.1 and 2.3)

- Dirichlet: ``K_kk = 2π(k+1)(k+2)``, ``K_kj = 4π(k+1)`` for ``j = k+2, k+4, ...``;
- Neumann: ``K_kk = 2π(k+1)k²/(k+2)``, ``K_kj = 4π(k+1) j²/(k+2)²`` for ``j = k+2, k+4, ...``.

References
----------
L. N. Trefethen, *Spectral Methods in MATLAB*, SIAM 2000.
C. W. Clenshaw and A. R. Curtis, A method for numerical integration on an automatic computer,
Numer. Math. 2 (1960) 197–205. J. Waldvogel, Fast construction of the Fejér and
Clenshaw–Curtis quadrature rules, BIT 46 (2006) 195–202.
J. Shen, Efficient spectral-Galerkin method II. Direct solvers of second- and fourth-order
equations using Chebyshev polynomials, SIAM J. Sci. Comput. 16 (1995) 74–87.

Examples
--------
>>> import numpy as np
>>> V = ChebyshevDirichlet(24)
>>> u = V.solve(lambda x: np.pi**2 * np.sin(np.pi * x))     # −u'' = π² sin(πx), u(±1) = 0
>>> bool(np.abs(u - np.sin(np.pi * V.x)).max() < 1e-12)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft as sfft

from ._collocation import diff_matrix_from_weights
from ._galerkin import OrthogonalFamily, ShenBasis, helmholtz_2d
from .fourier import SpectralError

__all__ = [
    "ChebyshevDirichlet",
    "ChebyshevFamily",
    "ChebyshevNeumann",
    "chebyshev_diff_matrix",
    "chebyshev_points",
    "chebyshev_transform",
    "chebyshev_inverse_transform",
    "clenshaw_curtis_weights",
    "helmholtz_2d",
]


def _check_n(n: Any, minimum: int = 2) -> int:
    if isinstance(n, bool) or int(n) != n or n < minimum:
        raise SpectralError(f"the number of points must be an integer >= {minimum}, got {n!r}")
    return int(n)


def chebyshev_points(n: int) -> np.ndarray:
    """The ``n`` Chebyshev–Gauss–Lobatto points ``cos(πj/(n−1))``, ``j = 0..n−1`` (descending,
    computed as ``sin`` of symmetric angles so that they are exactly antisymmetric)."""
    n = _check_n(n)
    m = n - 1
    return np.sin(np.pi * np.arange(m, -m - 1, -2) / (2 * m))


def _c(n: int) -> np.ndarray:
    c = np.ones(n)
    c[0] = c[-1] = 2.0
    return c


def chebyshev_diff_matrix(n: int, order: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Trefethen's ``cheb``: the ``n × n`` differentiation matrix on :func:`chebyshev_points`.

    Parameters
    ----------
    n : int
        Number of points (Trefethen's ``N + 1``).
    order : int
        Derivative order ``p``; returns ``D^p``.

    Returns
    -------
    D : (n, n) array
    x : (n,) array
        The points.
    """
    x = chebyshev_points(n)
    lam = (-1.0) ** np.arange(n) / _c(n)
    return diff_matrix_from_weights(x, lam, order), x


def chebyshev_transform(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Chebyshev coefficients ``a`` of the interpolant of values at :func:`chebyshev_points`:
    ``a = DCT-I(f) / ((n − 1) c)`` along ``axis``."""
    f = np.asarray(values)
    n = _check_n(f.shape[axis])
    a = sfft.dct(f, type=1, axis=axis) / (n - 1)
    shape = [1] * f.ndim
    shape[axis] = n
    return a / _c(n).reshape(shape)


def chebyshev_inverse_transform(coeffs: np.ndarray, axis: int = -1) -> np.ndarray:
    """Values at :func:`chebyshev_points` of ``Σ_m a_m T_m``: ``f = DCT-I(c a) / 2``."""
    a = np.asarray(coeffs)
    n = _check_n(a.shape[axis])
    shape = [1] * a.ndim
    shape[axis] = n
    return sfft.dct(a * _c(n).reshape(shape), type=1, axis=axis) / 2.0


def clenshaw_curtis_weights(n: int) -> np.ndarray:
    """Clenshaw–Curtis weights on :func:`chebyshev_points`: ``∫_{-1}^{1} f ≈ w · f``.

    ``w = DCT-Iᵀ(I / ((n − 1) c))`` with ``I_m = ∫ T_m = 2/(1 − m²)`` (``m`` even, else 0):
    the integral of the interpolant, ``O(n log n)``.
    """
    n = _check_n(n)
    m = np.arange(n, dtype=np.float64)
    integrals = np.zeros(n)
    integrals[::2] = 2.0 / (1.0 - m[::2] ** 2)
    g = integrals / ((n - 1) * _c(n))
    # the DCT-I matrix is C diag(2/c) with C symmetric, so its transpose acts as (2/c) C
    return (2 / _c(n)) * sfft.dct(g * _c(n) / 2, type=1)


class ChebyshevFamily(OrthogonalFamily):
    """``T_0..T_{n−1}`` with the Chebyshev–Gauss–Lobatto points, weight ``(1 − x²)^{−1/2}``."""

    name = "chebyshev"

    def __init__(self, n: int) -> None:
        self.n = _check_n(n, 4)
        self.x = chebyshev_points(self.n)
        self.w = np.full(self.n, np.pi / (self.n - 1))
        self.w[[0, -1]] /= 2
        self.norms = np.full(self.n, np.pi / 2)
        self.norms[0] = np.pi
        self.lam = (-1.0) ** np.arange(self.n) / _c(self.n)
        self._cc = clenshaw_curtis_weights(self.n)

    @property
    def discrete_norms(self) -> np.ndarray:
        return np.pi / 2 * _c(self.n)

    def interpolate(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        return chebyshev_transform(values, axis)

    def synthesis(self, coeffs: np.ndarray, axis: int = -1) -> np.ndarray:
        return chebyshev_inverse_transform(coeffs, axis)

    def evaluate(self, coeffs: np.ndarray, points: Any) -> np.ndarray:
        return np.polynomial.chebyshev.chebval(np.asarray(points, dtype=float), coeffs)

    def integrate(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.tensordot(np.moveaxis(np.asarray(values), axis, -1), self._cc, axes=1)


class ChebyshevDirichlet(ShenBasis):
    """``φ_k = T_k − T_{k+2}``, ``k = 0..n−3``: ``φ_k(±1) = 0`` (Shen 1995).

    Parameters
    ----------
    n : int
        Number of Chebyshev–Gauss–Lobatto points (``>= 4``); the basis has ``n − 2`` functions.
    """

    def __init__(self, n: int) -> None:
        fam = ChebyshevFamily(n)
        k = np.arange(fam.n - 2, dtype=np.float64)
        super().__init__(
            fam, "dirichlet", beta=np.ones_like(k), diag=2 * np.pi * (k + 1) * (k + 2),
            upper=(4 * np.pi * (k + 1), np.ones_like(k)),
        )  # fmt: skip


class ChebyshevNeumann(ShenBasis):
    """``φ_k = T_k − (k/(k+2))² T_{k+2}``, ``k = 0..n−3``: ``φ_k'(±1) = 0`` (Shen 1995).

    ``φ_0 = T_0`` is the constant: it is kept for ``α ≠ 0`` and dropped (with its equation) for
    the pure Neumann Poisson problem, whose solution is returned with zero mean.
    """

    def __init__(self, n: int) -> None:
        fam = ChebyshevFamily(n)
        k = np.arange(fam.n - 2, dtype=np.float64)
        super().__init__(
            fam, "neumann", beta=(k / (k + 2)) ** 2, diag=2 * np.pi * (k + 1) * k**2 / (k + 2),
            upper=(4 * np.pi * (k + 1) / (k + 2) ** 2, k**2),
        )  # fmt: skip
