"""Legendre quadrature and Shen's Legendre–Galerkin bases (diagonal stiffness)."""

import numpy as np
import pytest
from spectral_testutils import (
    RHO,
    allen_cahn_imex_errors,
    dirichlet_1d_errors,
    dirichlet_2d_errors,
    exponential_rate,
    galerkin_matrices_by_quadrature,
    helmholtz_2d_case,
    neumann_1d_errors,
)

from pdesolve.spectral import SpectralError
from pdesolve.spectral.chebyshev import ChebyshevNeumann
from pdesolve.spectral.legendre import (
    LegendreDirichlet,
    LegendreNeumann,
    helmholtz_2d,
    legendre_gauss,
    legendre_gauss_lobatto,
)

BASES = (LegendreDirichlet, LegendreNeumann)


def test_gauss_lobatto_exactness_and_nodes():
    n = 12
    x, w = legendre_gauss_lobatto(n)
    assert x[0] == -1.0 and x[-1] == 1.0 and np.all(np.diff(x) > 0)
    interior = np.polynomial.legendre.Legendre.basis(n - 1).deriv().roots()
    np.testing.assert_allclose(x[1:-1], np.sort(interior), atol=1e-14)
    for k in range(2 * n - 2):  # exact for degree ≤ 2n − 3
        assert w @ x**k == pytest.approx(0.0 if k % 2 else 2.0 / (k + 1), abs=1e-14)
    assert abs(w @ x ** (2 * n - 2) - 2.0 / (2 * n - 1)) > 1e-7  # and not beyond
    xg, wg = legendre_gauss(6)
    assert wg @ xg**10 == pytest.approx(2 / 11, abs=1e-15)


@pytest.mark.parametrize("cls", BASES)
def test_shen_matrices_match_quadrature(cls):
    V = cls(14)
    M, K = galerkin_matrices_by_quadrature(V, "legendre")
    np.testing.assert_allclose(V.mass_matrix().toarray(), M, atol=1e-13)
    np.testing.assert_allclose(V.stiffness_matrix().toarray(), K, atol=1e-10 * np.abs(K).max())
    assert V.symmetric and V.stiffness_matrix().nnz <= V.size  # diagonal (Shen 1994)


@pytest.mark.parametrize("cls", BASES)
@pytest.mark.parametrize("alpha", [0.0, 2.5])
def test_banded_solve_equals_dense_solve(cls, alpha):
    V = cls(31)
    A = (V.stiffness_matrix() + alpha * V.mass_matrix()).toarray()
    b = np.random.default_rng(2).standard_normal(V.size)
    c = V._solve(b, 1.0, alpha)
    if alpha == 0 and V.kind == "neumann":
        ref = np.r_[0.0, np.linalg.solve(A[1:, 1:], b[1:])]
    else:
        ref = np.linalg.solve(A, b)
    np.testing.assert_allclose(c, ref, rtol=1e-11, atol=1e-13 * np.abs(ref).max())


def test_1d_exponential_convergence():
    ns = np.arange(6, 24, 2)
    cases = (dirichlet_1d_errors(LegendreDirichlet, ns), neumann_1d_errors(LegendreNeumann, ns))
    for errs in cases:
        assert -1.2 * np.log(RHO) < exponential_rate(ns, errs) < -0.85 * np.log(RHO)
        assert errs[-1] < 5e-12


def test_entire_solution_and_neumann_poisson():
    V = LegendreDirichlet(40)
    exact = np.sin(np.pi * V.x) * np.exp(V.x)
    f = -np.exp(V.x) * ((1 - np.pi**2) * np.sin(np.pi * V.x) + 2 * np.pi * np.cos(np.pi * V.x))
    assert np.abs(V.solve(f) - exact).max() < 1e-12
    N = LegendreNeumann(30)
    u = N.solve(lambda x: np.pi**2 * np.cos(np.pi * x))
    assert np.abs(u - np.cos(np.pi * N.x)).max() < 1e-12  # zero mean already
    with pytest.raises(SpectralError, match="incompatible"):
        N.solve(np.ones(30))


def test_2d_convergence_and_mixed_bases():
    ns = np.arange(6, 22, 3)
    errs = dirichlet_2d_errors(LegendreDirichlet, ns)
    assert -1.3 * np.log(RHO) < exponential_rate(ns, errs) < -0.85 * np.log(RHO)
    assert errs[-1] < 1e-11
    assert helmholtz_2d_case(LegendreDirichlet(34), LegendreNeumann(30), alpha=1.0) < 1e-11
    assert helmholtz_2d_case(LegendreDirichlet(34), ChebyshevNeumann(30), alpha=0.0) < 1e-11


def test_imex_bridge_allen_cahn_second_order():
    errs = allen_cahn_imex_errors(LegendreDirichlet, [0.02, 0.01, 0.005])
    orders = np.log2(np.array(errs[:-1]) / errs[1:])
    assert np.all(np.abs(orders - 2.0) < 0.15), orders
    # the Legendre system is banded: M and K have only the five central diagonals
    V = LegendreDirichlet(20)
    p = V.imex_problem()
    for A in (p["linear"], p["mass"]):
        rows, cols = A.nonzero()
        assert np.abs(rows - cols).max() <= 2


def test_bad_input():
    with pytest.raises(SpectralError):
        LegendreNeumann(2)
    V = LegendreDirichlet(8)
    with pytest.raises(SpectralError, match="numeric"):
        V.solve(np.array(["a"] * 8))
    with pytest.raises(SpectralError, match="ShenBasis"):
        helmholtz_2d(V, object(), np.ones((8, 8)))
    with pytest.raises(SpectralError, match="reaction"):
        V.imex_problem(reaction=3.0)
