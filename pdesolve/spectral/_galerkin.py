r"""Shen's spectral-Galerkin method on ``[-1, 1]``: the machinery shared by the Chebyshev and
Legendre bases.

A basis with the boundary condition built in is a two-term combination of orthogonal
polynomials :math:`P_k` (Chebyshev :math:`T_k` or Legendre :math:`L_k`),

.. math::

    \phi_k = P_k - \beta_k P_{k+2}, \qquad k = 0, \dots, n - 3,

(Dirichlet: :math:`\phi_k(\pm 1) = 0`; Neumann: :math:`\phi_k'(\pm 1) = 0`), so a function of
the space has the coefficients :math:`p = S c` in the :math:`P` basis, ``S`` the sparse
*stencil* (``1`` on the diagonal, ``−β_k`` two rows below). With the weight ``ω`` of the family
(``(1 − x²)^{−1/2}`` for Chebyshev, ``1`` for Legendre) the Galerkin matrices are

.. math::

    M_{kj} = (\phi_j, \phi_k)_\omega, \qquad K_{kj} = -(\phi_j'', \phi_k)_\omega,

``M`` pentadiagonal (only ``|k − j| ∈ {0, 2}``), ``K`` diagonal for Legendre (Shen 1994) and,
for Chebyshev, upper triangular with the *rank-one* structure
``K_{kj} = u_k v_j`` for ``j > k``, ``j − k`` even (Shen 1995). The Helmholtz problem
``α u − u'' = f`` is ``(K + α M) c = b``, ``b_k = (f, φ_k)_ω`` (Gauss–Lobatto quadrature).
Even and odd modes decouple. Legendre: each parity block is tridiagonal. Chebyshev: dividing
row ``k`` by ``u_k`` and subtracting the next row of the same parity cancels the rank-one tail
(``Σ_{j>k} v_j c_j − Σ_{j>k+2} v_j c_j = v_{k+2} c_{k+2}``), which leaves a matrix with one
sub- and two super-diagonals. Either way a 1D solve is a banded LU in ``O(n)``.

In 2D (``[-1, 1]²``, tensor-product basis ``φ_k(x) ψ_l(y)``, coefficients ``U``) the system is
``α M_x U M_yᵀ + K_x U M_yᵀ + M_x U K_yᵀ = F``. The *matrix diagonalisation* method (Shen 1994
§4; Haidvogel & Zang 1979) solves the generalised eigenproblem ``K_y E = M_y E Λ`` once,
sets ``U = W Eᵀ``, and is left with one 1D Helmholtz problem per column,
``(K_x + (α + λ_j) M_x) w_j = g_j``, ``G = F (M_y E)^{−ᵀ}``: ``O(n³)`` for the dense
eigenvector products plus ``n`` banded ``O(n)`` solves.

Non-homogeneous Dirichlet data enter by a lifting: ``u = u_b + w`` with ``u_b`` linear in 1D and
the transfinite (Coons) interpolant of the boundary data in 2D, whose Laplacian is computed by
collocation differentiation; non-homogeneous Neumann data by the quadratic with the given end
slopes.

References
----------
J. Shen, Efficient spectral-Galerkin method I. Direct solvers of second- and fourth-order
equations using Legendre polynomials, SIAM J. Sci. Comput. 15 (1994) 1489–1505.
J. Shen, Efficient spectral-Galerkin method II. Direct solvers of second- and fourth-order
equations using Chebyshev polynomials, SIAM J. Sci. Comput. 16 (1995) 74–87.
D. B. Haidvogel and T. Zang, The accurate solution of Poisson's equation by expansion in
Chebyshev polynomials, J. Comput. Phys. 30 (1979) 167–180.
W. J. Gordon and C. A. Hall, Construction of curvilinear co-ordinate systems and applications
to mesh generation, Int. J. Numer. Meth. Eng. 7 (1973) 461–477 (transfinite interpolation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from .fourier import SpectralError

__all__ = ["OrthogonalFamily", "ShenBasis", "helmholtz_2d"]

BoundaryData = tuple[float, float]


def _along(fn: Callable[[np.ndarray], np.ndarray], a: np.ndarray, axis: int) -> np.ndarray:
    """Apply ``fn`` (acting on the last axis) along ``axis``."""
    a = np.moveaxis(np.asarray(a), axis, -1)
    return np.moveaxis(fn(a), -1, axis)


class OrthogonalFamily:
    """Nodes, quadrature and transforms of ``P_0, ..., P_{n−1}`` on ``[-1, 1]``.

    Subclasses set ``name``, ``x`` (the ``n`` Gauss–Lobatto nodes), ``w`` (quadrature weights
    for the family's weight ``ω``), ``norms`` (``(P_m, P_m)_ω``, exact), ``lam`` (barycentric
    weights of the nodes), and implement :meth:`interpolate`, :meth:`synthesis`,
    :meth:`evaluate` and :meth:`integrate`.
    """

    name: str = ""
    n: int
    x: np.ndarray
    w: np.ndarray
    norms: np.ndarray
    lam: np.ndarray

    def analysis(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        """The discrete inner products ``(f, P_m)_N = Σ_j w_j f(x_j) P_m(x_j)``, ``m < n``.

        Equal to ``γ_m p_m`` with ``p`` the interpolation coefficients and ``γ_m`` the discrete
        norms (the exact norms except for ``m = n − 1`` at Gauss–Lobatto nodes).
        """
        p = self.interpolate(values, axis)
        return _along(lambda a: a * self.discrete_norms, p, axis)

    @property
    def discrete_norms(self) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover

    def interpolate(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        """Coefficients ``p`` of the polynomial of degree ``< n`` through the nodal values."""
        raise NotImplementedError  # pragma: no cover

    def synthesis(self, coeffs: np.ndarray, axis: int = -1) -> np.ndarray:
        """Nodal values of ``Σ_m p_m P_m``."""
        raise NotImplementedError  # pragma: no cover

    def evaluate(self, coeffs: np.ndarray, points: Any) -> np.ndarray:
        """``Σ_m p_m P_m(points)`` (1-D ``coeffs``) at any points of ``[-1, 1]``."""
        raise NotImplementedError  # pragma: no cover

    def integrate(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        """``∫_{-1}^{1} f dx`` (unweighted) of the interpolant of the nodal values."""
        raise NotImplementedError  # pragma: no cover

    def diff_matrix(self, order: int = 1) -> np.ndarray:
        """The collocation differentiation matrix on the nodes (negative-sum diagonal)."""
        from ._collocation import diff_matrix_from_weights

        return diff_matrix_from_weights(self.x, self.lam, order)


class ShenBasis:
    r"""A spectral-Galerkin basis ``φ_k = P_k − β_k P_{k+2}`` with its boundary condition built
    in, and fast solvers for ``α u − u'' = f`` on ``[-1, 1]``.

    Subclasses (:class:`~pdesolve.spectral.chebyshev.ChebyshevDirichlet`,
    :class:`~pdesolve.spectral.chebyshev.ChebyshevNeumann`,
    :class:`~pdesolve.spectral.legendre.LegendreDirichlet`,
    :class:`~pdesolve.spectral.legendre.LegendreNeumann`) give the family and the coefficients.

    Parameters
    ----------
    family : OrthogonalFamily
        ``n`` nodes and polynomials; the basis has ``n − 2`` functions.
    kind : {"dirichlet", "neumann"}
    beta : (n − 2,) array
        ``β_k`` of the stencil.
    diag : (n − 2,) array
        ``K_kk``.
    upper : pair of (n − 2,) arrays, optional
        ``(u, v)`` with ``K_kj = u_k v_j`` for ``j > k``, ``j − k`` even (Chebyshev); ``None``
        when ``K`` is diagonal (Legendre).

    Attributes
    ----------
    x : (n,) array
        The Gauss–Lobatto nodes, where values live.
    size : int
        Number of basis functions, ``n − 2``.
    """

    kind: str = ""

    def __init__(
        self,
        family: OrthogonalFamily,
        kind: str,
        beta: np.ndarray,
        diag: np.ndarray,
        upper: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.family = family
        self.kind = kind
        self.n = family.n
        self.size = self.n - 2
        self.x = family.x
        self.beta = np.asarray(beta, dtype=np.float64)
        self._d = np.asarray(diag, dtype=np.float64)
        self._upper = upper
        W = family.norms
        k = np.arange(self.size)
        self._mdiag = W[k] + self.beta**2 * W[k + 2]
        self._moff = -self.beta * W[k + 2]  # (φ_k, φ_{k+2})_ω

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n})"

    @property
    def symmetric(self) -> bool:
        """Whether the stiffness matrix is symmetric (Legendre: diagonal)."""
        return self._upper is None

    # -- matrices -----------------------------------------------------------------------------
    @property
    def stencil(self) -> sp.csr_matrix:
        """``S`` (``n × (n − 2)``): basis coefficients to ``P`` coefficients."""
        k = np.arange(self.size)
        return sp.csr_matrix(
            (np.r_[np.ones(self.size), -self.beta], (np.r_[k, k + 2], np.r_[k, k])),
            shape=(self.n, self.size),
        )

    def mass_matrix(self) -> sp.csr_matrix:
        """``M_kj = (φ_j, φ_k)_ω`` (exact; pentadiagonal, symmetric)."""
        off = self._moff[:-2]
        return sp.diags([off, self._mdiag, off], [-2, 0, 2], format="csr")

    def stiffness_matrix(self) -> sp.csr_matrix:
        """``K_kj = −(φ_j'', φ_k)_ω`` (exact; row ``k`` = test function ``φ_k``)."""
        K = sp.diags(self._d, 0, format="lil")
        if self._upper is not None:
            u, v = self._upper
            for k in range(self.size):
                j = np.arange(k + 2, self.size, 2)
                K[k, j] = u[k] * v[j]
        return K.tocsr()

    # -- values and coefficients ----------------------------------------------------------------
    def _expand(self, c: np.ndarray) -> np.ndarray:
        """``S c`` along the last axis."""
        p = np.zeros(c.shape[:-1] + (self.n,), dtype=np.result_type(c, np.float64))
        p[..., : self.size] += c
        p[..., 2:] -= self.beta * c
        return p

    def _contract(self, p: np.ndarray) -> np.ndarray:
        """``Sᵀ p`` along the last axis."""
        return p[..., : self.size] - self.beta * p[..., 2:]

    def to_values(self, c: np.ndarray, axis: int = -1) -> np.ndarray:
        """Nodal values of ``Σ_k c_k φ_k``."""
        return self.family.synthesis(_along(self._expand, c, axis), axis)

    def from_values(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        """Basis coefficients of the interpolant of nodal values that satisfy the boundary
        condition (exact for such values; otherwise the last two ``P`` modes are dropped).
        Solves ``S c = p`` by the recursion ``c_k = p_k + β_{k−2} c_{k−2}``."""
        p = self.family.interpolate(self._values(values, axis, "values"), axis)

        def back(a: np.ndarray) -> np.ndarray:
            c = np.array(a[..., : self.size], copy=True)
            for k in range(2, self.size):
                c[..., k] += self.beta[k - 2] * c[..., k - 2]
            return c

        return _along(back, p, axis)

    def load(self, values: np.ndarray, axis: int = -1) -> np.ndarray:
        """``b_k = (f, φ_k)_ω`` by Gauss–Lobatto quadrature from nodal values of ``f``."""
        return _along(self._contract, self.family.analysis(values, axis), axis)

    def project(self, values: np.ndarray) -> np.ndarray:
        """The ``ω``-orthogonal projection onto the space: ``M c = b`` (banded, ``O(n)``)."""
        return self._solve(self.load(self._values(values, -1, "values")), sigma=0.0, alpha=1.0)

    def evaluate(self, values: np.ndarray, points: Any) -> np.ndarray:
        """The interpolant of nodal ``values`` at ``points`` in ``[-1, 1]``."""
        return self.family.evaluate(self.family.interpolate(np.asarray(values)), points)

    def _values(self, f: Any, axis: int, what: str) -> np.ndarray:
        if callable(f):  # a constant-returning callable is broadcast to the nodes
            arr = np.asarray(f(self.x))
            if arr.ndim == 0 and arr.dtype.kind in "biufc":
                arr = np.full(self.n, arr, dtype=np.result_type(arr, np.float64))
        else:
            arr = np.asarray(f)
        if arr.dtype.kind not in "biufc":
            raise SpectralError(f"{what} must be numeric, got dtype {arr.dtype}")
        if arr.ndim == 0 or arr.shape[axis] != self.n:
            raise SpectralError(
                f"{what} must hold the values at the {self.n} nodes (length {self.n} along axis "
                f"{axis}), got shape {arr.shape}"
            )
        if not np.isfinite(arr).all():
            raise SpectralError(f"{what} contains NaN or Inf")
        return arr.astype(np.result_type(arr, np.float64))

    # -- the banded solve ---------------------------------------------------------------------
    def _solve(self, b: np.ndarray, sigma: float = 1.0, alpha: float = 0.0) -> np.ndarray:
        """``c`` with ``(σ K + α M) c = b`` (1-D ``b``), one banded solve per parity.

        With ``σ K`` singular (Neumann, ``α = 0``) the constant mode ``φ_0`` and its equation
        are dropped, and ``c_0 = 0``.
        """
        c = np.zeros(self.size, dtype=np.result_type(b, np.float64))
        drop0 = alpha == 0 and self._d[0] == 0
        for parity in (0, 1):
            idx = np.arange(parity, self.size, 2)
            if drop0 and parity == 0:
                idx = idx[1:]
            if idx.size:
                c[idx] = self._block_solve(idx, b[idx], sigma, alpha)
        return c

    def _block_solve(self, idx: np.ndarray, b: np.ndarray, sigma: float, alpha: float):
        m = idx.size
        d = sigma * self._d[idx]
        b0 = alpha * self._mdiag[idx]
        b1 = alpha * self._moff[idx[:-1]]  # couples positions i and i + 1
        ab = np.zeros((4, m), dtype=np.float64)  # (1 lower, 2 upper) band storage
        if self._upper is None or sigma == 0:
            ab[2] = d + b0
            ab[1, 1:] = b1
            ab[3, :-1] = b1
            rhs = b
        else:
            # divide row i by u_i and subtract row i+1 (Shen 1995, §2): the rank-one tail
            # u_i Σ_{j>i} v_j c_j cancels, leaving bands -1..+2
            u = sigma * self._upper[0][idx]
            v = self._upper[1][idx]
            ab[2] = (d + b0) / u
            ab[1, 1:] = b1 / u[:-1]
            ab[3, :-1] = b1 / u[1:]
            ab[2, :-1] -= b1 / u[1:]
            ab[1, 1:] += v[1:] - (d[1:] + b0[1:]) / u[1:]
            ab[0, 2:] = -b1[1:] / u[1:-1]
            rhs = b / u
            rhs[:-1] -= rhs[1:].copy()
        try:
            return sla.solve_banded((1, 2), ab, rhs, check_finite=False)
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise SpectralError(
                f"the Galerkin system σK + αM is singular (σ={sigma}, α={alpha}): {exc}"
            ) from None

    # -- Helmholtz / Poisson ------------------------------------------------------------------
    def _lifting(self, bc: BoundaryData | None, x: np.ndarray):
        """Nodal values of ``u_b`` and of ``u_b''`` for the boundary data ``bc``."""
        if bc is None:
            return 0.0, 0.0
        try:
            lo, hi = (float(v) for v in bc)
        except (TypeError, ValueError):
            raise SpectralError(
                f"bc must be a pair (value at -1, value at +1), got {bc!r}"
            ) from None
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise SpectralError(f"bc must be finite, got {bc!r}")
        if self.kind == "dirichlet":
            return 0.5 * (hi + lo) + 0.5 * (hi - lo) * x, 0.0
        a, q = 0.5 * (hi + lo), 0.25 * (hi - lo)  # u_b = a x + q x², u_b' = a + 2 q x
        return a * x + q * x**2, 2.0 * q

    def solve(
        self,
        f: Any,
        alpha: float = 0.0,
        bc: BoundaryData | None = None,
        compatibility_tol: float = 1e-8,
    ) -> np.ndarray:
        r"""Solve ``α u − u'' = f`` on ``[-1, 1]`` and return ``u`` at the nodes :attr:`x`.

        Parameters
        ----------
        f : callable or (n,) array
            ``f(x)`` or its values at the nodes.
        alpha : float
            ``α`` (``0``: Poisson ``−u'' = f``; ``α < 0`` is the indefinite Helmholtz problem,
            singular at the eigenvalues).
        bc : (float, float), optional
            Boundary data at ``x = −1`` and ``x = +1``: values (Dirichlet basis) or slopes
            ``u'`` (Neumann basis); ``None`` means homogeneous.
        compatibility_tol : float
            Neumann with ``α = 0``: the data must satisfy ``∫f dx = u'(−1) − u'(1)`` to this
            relative tolerance; the solution returned has zero mean.

        Raises
        ------
        SpectralError
            Wrong shape, NaN/Inf, incompatible Neumann data, a singular system.
        """
        alpha = self._alpha(alpha)
        fx = self._values(f, -1, "f")
        if fx.ndim != 1:
            raise SpectralError(f"f must be 1-D with {self.n} nodal values, got {fx.shape}")
        ub, ub_xx = self._lifting(bc, self.x)
        g = fx - alpha * ub + ub_xx
        singular = self.kind == "neumann" and alpha == 0
        if singular:
            _check_compatible(self.family.integrate(g), self.family.integrate(np.abs(g)),
                              compatibility_tol)  # fmt: skip
        u = self.to_values(self._solve(self.load(g), 1.0, alpha)) + ub
        if singular:
            u = u - self.family.integrate(u) / 2.0
        return u

    @staticmethod
    def _alpha(alpha: Any) -> float:
        try:
            a = float(alpha)
        except (TypeError, ValueError):
            raise SpectralError(f"alpha must be a real number, got {alpha!r}") from None
        if not np.isfinite(a):
            raise SpectralError(f"alpha must be finite, got {alpha!r}")
        return a

    # -- the bridge to the time layer --------------------------------------------------------
    def imex_problem(
        self,
        reaction: Callable[[float, np.ndarray, np.ndarray], np.ndarray] | None = None,
        diffusion: float = 1.0,
    ) -> dict[str, Any]:
        r"""``M ċ = −ν K c + N(t, c)`` for ``u_t = ν u_xx + R(t, x, u)`` with the boundary
        condition of the basis (homogeneous), as keywords for
        :func:`pdesolve.time.stepper`.

        The state is the coefficient vector ``c`` (length :attr:`size`; start from
        :meth:`from_values` or :meth:`project`, read with :meth:`to_values`). ``linear`` and
        ``mass`` are ``scipy.sparse`` matrices (banded for Legendre), ``N(t, c) = (R(t, x,
        u), φ_k)_ω`` is evaluated pseudo-spectrally (``u`` at the nodes, ``R`` pointwise,
        then quadrature).

        >>> import numpy as np, pdesolve as ps
        >>> V = ps.spectral.LegendreDirichlet(24)
        >>> step = ps.time.stepper("sbdf2", **V.imex_problem(lambda t, x, u: u - u**3, 0.01))
        >>> c = V.from_values(np.cos(np.pi * V.x / 2))
        >>> for _ in range(5):
        ...     c = step.step(0.0, c, 0.01)
        >>> c.shape
        (22,)
        """
        nu = float(diffusion)
        if not np.isfinite(nu) or nu < 0:
            raise SpectralError(f"diffusion must be finite and >= 0, got {diffusion!r}")
        problem: dict[str, Any] = {
            "linear": (-nu * self.stiffness_matrix()).tocsr(),
            "mass": self.mass_matrix(),
        }
        if reaction is not None:
            if not callable(reaction):
                raise SpectralError("reaction must be a callable R(t, x, u)")
            x = self.x

            def nonlinear(t: float, c: np.ndarray) -> np.ndarray:
                return self.load(np.asarray(reaction(t, x, self.to_values(c)), dtype=c.dtype))

            problem["nonlinear"] = nonlinear
        return problem


def _check_compatible(total: float, scale: float, tol: float) -> None:
    if abs(total) > tol * max(scale, 1e-300):
        raise SpectralError(
            f"pure Neumann problem with incompatible data: ∫f dx + (boundary fluxes) = {total:.3e} "
            f"(relative {abs(total) / max(scale, 1e-300):.1e} > {tol:g}); the solution exists only "
            "when the sources balance the boundary fluxes"
        )


def _coons(g: Callable[[np.ndarray, np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray):
    """The transfinite (Coons) interpolant on the tensor nodes of boundary data ``g(x, y)``."""
    X, Y = np.meshgrid(x, y, indexing="ij")
    one_x, one_y = np.ones_like(x), np.ones_like(y)
    gl, gr = g(-one_y, y), g(one_y, y)  # x = ∓1, as functions of y
    gb, gt = g(x, -one_x), g(x, one_x)  # y = ∓1, as functions of x
    c = {(sx, sy): float(g(np.array(sx), np.array(sy))) for sx in (-1.0, 1.0) for sy in (-1.0, 1.0)}
    ax0, ax1 = (1 - X) / 2, (1 + X) / 2
    ay0, ay1 = (1 - Y) / 2, (1 + Y) / 2
    G = ax0 * gl[None, :] + ax1 * gr[None, :] + ay0 * gb[:, None] + ay1 * gt[:, None]
    G -= ax0 * ay0 * c[-1, -1] + ax0 * ay1 * c[-1, 1] + ax1 * ay0 * c[1, -1] + ax1 * ay1 * c[1, 1]
    return G


def _eig(Vy: ShenBasis) -> tuple[np.ndarray, np.ndarray]:
    """``K_y E = M_y E Λ`` (real: Legendre symmetric, Chebyshev with real positive spectrum)."""
    K, M = Vy.stiffness_matrix().toarray(), Vy.mass_matrix().toarray()
    if Vy.symmetric:
        return sla.eigh(K, M)
    lam, E = sla.eig(K, M)
    if np.abs(lam.imag).max() > 1e-8 * np.abs(lam).max():  # pragma: no cover - theory says real
        raise SpectralError("the Galerkin eigenproblem has complex eigenvalues")
    return lam.real, E.real


def helmholtz_2d(
    Vx: ShenBasis,
    Vy: ShenBasis,
    f: Any,
    alpha: float = 0.0,
    bc: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    compatibility_tol: float = 1e-8,
) -> np.ndarray:
    r"""Solve ``α u − Δu = f`` on ``[-1, 1]²`` by Shen–Galerkin and matrix diagonalisation.

    Parameters
    ----------
    Vx, Vy : ShenBasis
        The bases in ``x`` and ``y`` (boundary conditions per direction; any mix of the
        Chebyshev and Legendre Dirichlet/Neumann bases).
    f : callable ``f(X, Y)`` or array (nx, ny)
        The source, or its values on the tensor nodes ``(Vx.x[i], Vy.x[j])``.
    alpha : float
    bc : callable ``g(x, y)``, optional
        Dirichlet data (both bases Dirichlet), lifted by transfinite interpolation; ``None``
        means homogeneous data.
    compatibility_tol : float
        Pure Neumann with ``α = 0``: relative tolerance on ``∫∫ f = 0``; the solution returned
        then has zero mean.

    Returns
    -------
    (nx, ny) array
        ``u`` on the tensor nodes (``indexing="ij"``).
    """
    if not (isinstance(Vx, ShenBasis) and isinstance(Vy, ShenBasis)):
        raise SpectralError("Vx and Vy must be spectral-Galerkin bases (ShenBasis)")
    alpha = ShenBasis._alpha(alpha)
    X, Y = np.meshgrid(Vx.x, Vy.x, indexing="ij")
    F = np.asarray(f(X, Y) if callable(f) else f)
    if callable(f) and F.ndim == 0 and F.dtype.kind in "biuf":
        F = np.full(X.shape, F, dtype=np.float64)
    if F.shape != X.shape:
        raise SpectralError(f"f must have the tensor-node shape {X.shape}, got {F.shape}")
    if F.dtype.kind not in "biuf" or not np.isfinite(F).all():
        raise SpectralError("f must be real and finite")
    F = F.astype(np.float64)
    G = 0.0
    if bc is not None:
        if not (Vx.kind == Vy.kind == "dirichlet"):
            raise SpectralError("bc= (Dirichlet data) needs Dirichlet bases in both directions")
        G = _coons(bc, Vx.x, Vy.x)
        lap = Vx.family.diff_matrix(2) @ G + G @ Vy.family.diff_matrix(2).T
        F = F - alpha * G + lap
    singular = alpha == 0 and Vx.kind == Vy.kind == "neumann"
    if singular:
        wx, wy = _quadrature_weights(Vx), _quadrature_weights(Vy)
        _check_compatible(wx @ F @ wy, wx @ np.abs(F) @ wy, compatibility_tol)
    B = Vy.load(Vx.load(F, axis=0), axis=1)  # (f, φ_i ψ_j)
    lam, E = _eig(Vy)
    if singular:
        lam = np.where(np.abs(lam) <= 1e-10 * np.abs(lam).max(), 0.0, lam)
    H = Vy.mass_matrix() @ E  # G = B H^{-T}
    Gt = np.linalg.solve(H, B.T)  # (ny', nx')
    W = np.empty_like(B)
    for j in range(Vy.size):
        W[:, j] = Vx._solve(Gt[j], 1.0, alpha + lam[j])
    U = W @ E.T
    u = Vy.to_values(Vx.to_values(U, axis=0), axis=1) + G
    if singular:
        u = u - (wx @ u @ wy) / 4.0
    return u


def _quadrature_weights(V: ShenBasis) -> np.ndarray:
    """Unweighted quadrature weights on the nodes: ``∫ f dx = w · f``."""
    return V.family.integrate(np.eye(V.n), axis=0)
