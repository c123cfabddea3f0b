"""Chebyshev collocation, Clenshaw–Curtis, DCT transforms and Shen's Chebyshev–Galerkin bases."""

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
from pdesolve.spectral.chebyshev import (
    ChebyshevDirichlet,
    ChebyshevNeumann,
    chebyshev_diff_matrix,
    chebyshev_inverse_transform,
    chebyshev_points,
    chebyshev_transform,
    clenshaw_curtis_weights,
    helmholtz_2d,
)
from pdesolve.spectral.legendre import LegendreDirichlet

BASES = (ChebyshevDirichlet, ChebyshevNeumann)


# -- collocation ----------------------------------------------------------------------------------
def test_points_are_lobatto_and_antisymmetric():
    x = chebyshev_points(9)
    assert x[0] == 1.0 and x[-1] == -1.0 and np.all(np.diff(x) < 0)
    np.testing.assert_array_equal(x, -x[::-1])
    np.testing.assert_allclose(x, np.cos(np.pi * np.arange(9) / 8), atol=1e-15)


def test_diff_matrix_exact_on_polynomials_and_constants():
    D, x = chebyshev_diff_matrix(8)
    assert np.abs(D @ np.ones(8)).max() < 1e-13  # negative-sum diagonal: D·1 = 0
    assert D[0, 0] == pytest.approx((2 * 7**2 + 1) / 6, rel=1e-14)  # Trefethen's corner entry
    for k in range(1, 8):  # degree ≤ n − 1 is differentiated exactly
        np.testing.assert_allclose(D @ x**k, k * x ** (k - 1), atol=1e-12)
    D2, _ = chebyshev_diff_matrix(8, order=2)
    np.testing.assert_allclose(D2, D @ D, atol=1e-12)


def test_diff_matrix_spectral_accuracy():
    # Trefethen (2000), program 11: u = e^x sin 5x
    errs, ns = [], [10, 14, 18, 22]
    for n in ns:
        D, x = chebyshev_diff_matrix(n)
        du = np.exp(x) * (np.sin(5 * x) + 5 * np.cos(5 * x))
        errs.append(np.abs(D @ (np.exp(x) * np.sin(5 * x)) - du).max())
    assert all(b < a / 10 for a, b in zip(errs, errs[1:], strict=False))  # super-geometric
    D, x = chebyshev_diff_matrix(40)
    u = np.exp(x) * np.sin(5 * x)
    assert np.abs(D @ u - np.exp(x) * (np.sin(5 * x) + 5 * np.cos(5 * x))).max() < 1e-11


# -- quadrature and transforms --------------------------------------------------------------
def test_clenshaw_curtis_exact_for_degree_n_minus_1():
    n = 11
    w, x = clenshaw_curtis_weights(n), chebyshev_points(n)
    for k in range(n):
        exact = 0.0 if k % 2 else 2.0 / (k + 1)
        assert w @ x**k == pytest.approx(exact, abs=1e-14)
    assert np.all(w > 0)


def test_clenshaw_curtis_converges_exponentially():
    # ∫ 1/(2 − x) dx = log 3: error ~ ρ^{−n}
    ns = np.arange(6, 22, 2)
    errs = [abs(clenshaw_curtis_weights(n) @ (1 / (2 - chebyshev_points(n))) - np.log(3))
            for n in ns]  # fmt: skip
    assert exponential_rate(ns, errs) < -0.8 * np.log(RHO)
    n = 40
    assert abs(clenshaw_curtis_weights(n) @ np.exp(chebyshev_points(n)) - 2 * np.sinh(1)) < 1e-14


def test_transform_round_trip_and_basis_functions():
    n = 12
    x = chebyshev_points(n)
    a = chebyshev_transform(np.cos(5 * np.arccos(x)))  # T_5
    np.testing.assert_allclose(a, np.eye(n)[5], atol=1e-14)
    rng = np.random.default_rng(0)
    batch = rng.standard_normal((3, n, 4))
    back = chebyshev_inverse_transform(chebyshev_transform(batch, axis=1), axis=1)
    np.testing.assert_allclose(back, batch, atol=1e-13)
    coeffs = rng.standard_normal(n)
    np.testing.assert_allclose(
        chebyshev_inverse_transform(coeffs), np.polynomial.chebyshev.chebval(x, coeffs), atol=1e-13
    )


# -- Galerkin matrices and the banded solver -------------------------------------------------
@pytest.mark.parametrize("cls", BASES)
def test_shen_matrices_match_quadrature(cls):
    V = cls(14)
    M, K = galerkin_matrices_by_quadrature(V, "chebyshev")
    np.testing.assert_allclose(V.mass_matrix().toarray(), M, atol=1e-12)
    np.testing.assert_allclose(V.stiffness_matrix().toarray(), K, atol=1e-10 * np.abs(K).max())
    assert not V.symmetric  # Chebyshev–Galerkin stiffness is upper triangular, not symmetric


@pytest.mark.parametrize("cls", BASES)
@pytest.mark.parametrize("alpha", [0.0, 0.7, 50.0])
def test_banded_solve_equals_dense_solve(cls, alpha):
    V = cls(33)
    A = (V.stiffness_matrix() + alpha * V.mass_matrix()).toarray()
    b = np.random.default_rng(1).standard_normal(V.size)
    c = V._solve(b, 1.0, alpha)
    if alpha == 0 and V.kind == "neumann":  # constant mode and its equation dropped
        ref = np.r_[0.0, np.linalg.solve(A[1:, 1:], b[1:])]
    else:
        ref = np.linalg.solve(A, b)
    np.testing.assert_allclose(c, ref, rtol=1e-11, atol=1e-13 * np.abs(ref).max())


# -- 1D solves -------------------------------------------------------------------------------
def test_dirichlet_poisson_converges_exponentially():
    ns = np.arange(6, 24, 2)
    errs = dirichlet_1d_errors(ChebyshevDirichlet, ns)
    rate = exponential_rate(ns, errs)
    assert -1.2 * np.log(RHO) < rate < -0.85 * np.log(RHO)  # error ~ ρ^{−n}, ρ = 2 + √3
    assert errs[-1] < 5e-12


def test_neumann_helmholtz_converges_exponentially():
    ns = np.arange(6, 24, 2)
    errs = neumann_1d_errors(ChebyshevNeumann, ns)
    assert -1.2 * np.log(RHO) < exponential_rate(ns, errs) < -0.85 * np.log(RHO)


def test_entire_solution_to_round_off_by_n_40():
    V = ChebyshevDirichlet(40)
    exact = np.sin(np.pi * V.x) * np.exp(V.x)
    f = -np.exp(V.x) * ((1 - np.pi**2) * np.sin(np.pi * V.x) + 2 * np.pi * np.cos(np.pi * V.x))
    assert np.abs(V.solve(f + 3.0 * exact, alpha=3.0) - exact).max() < 1e-12


def test_neumann_poisson_compatible_data_and_zero_mean():
    V = ChebyshevNeumann(30)
    u = V.solve(lambda x: np.pi**2 * np.cos(np.pi * x) + 1.0, bc=(1.0, -1.0))  # u = cos πx − x²/2
    exact = np.cos(np.pi * V.x) - V.x**2 / 2
    exact -= clenshaw_curtis_weights(30) @ exact / 2
    assert np.abs(u - exact).max() < 1e-12
    with pytest.raises(SpectralError, match="incompatible"):
        V.solve(lambda x: np.cos(np.pi * x) + 1.0)


def test_projection_and_values_round_trip():
    V = ChebyshevDirichlet(16)
    u = (1 - V.x**2) * np.exp(V.x)  # vanishes at ±1
    c = V.from_values(u)
    np.testing.assert_allclose(V.to_values(c), u, atol=1e-14)
    p = V.project((1 - V.x**2) * V.x**3)  # a polynomial of the space: projection is exact
    np.testing.assert_allclose(V.to_values(p), (1 - V.x**2) * V.x**3, atol=1e-13)


# -- 2D --------------------------------------------------------------------------------------
def test_2d_dirichlet_poisson_converges_exponentially():
    ns = np.arange(6, 22, 3)
    errs = dirichlet_2d_errors(ChebyshevDirichlet, ns)
    assert -1.25 * np.log(RHO) < exponential_rate(ns, errs) < -0.85 * np.log(RHO)
    assert errs[-1] < 1e-11


@pytest.mark.parametrize("ybasis", [ChebyshevDirichlet, ChebyshevNeumann, LegendreDirichlet])
def test_2d_helmholtz_manufactured(ybasis):
    assert helmholtz_2d_case(ChebyshevDirichlet(34), ybasis(30), alpha=2.0) < 1e-11


def test_2d_harmonic_with_boundary_data_and_pure_neumann():
    Vx, Vy = ChebyshevDirichlet(30), ChebyshevDirichlet(26)
    X, Y = np.meshgrid(Vx.x, Vy.x, indexing="ij")
    u = helmholtz_2d(Vx, Vy, np.zeros_like(X), bc=lambda x, y: np.exp(x) * np.cos(y))
    assert np.abs(u - np.exp(X) * np.cos(Y)).max() < 1e-12
    Nx, Ny = ChebyshevNeumann(28), ChebyshevNeumann(24)
    X, Y = np.meshgrid(Nx.x, Ny.x, indexing="ij")
    exact = np.cos(np.pi * X) * np.cos(np.pi * Y) + np.cos(np.pi * X)  # zero mean
    f = 2 * np.pi**2 * np.cos(np.pi * X) * np.cos(np.pi * Y) + np.pi**2 * np.cos(np.pi * X)
    assert np.abs(helmholtz_2d(Nx, Ny, f) - exact).max() < 1e-11
    with pytest.raises(SpectralError, match="incompatible"):
        helmholtz_2d(Nx, Ny, f + 1.0)


# -- bridge to the time layer ----------------------------------------------------------------
def test_imex_bridge_allen_cahn_second_order():
    errs = allen_cahn_imex_errors(ChebyshevDirichlet, [0.02, 0.01, 0.005])
    orders = np.log2(np.array(errs[:-1]) / errs[1:])
    assert np.all(np.abs(orders - 2.0) < 0.15), orders
    assert errs[-1] < 2e-5


# -- bad input ------------------------------------------------------------------------------
def test_bad_input():
    V = ChebyshevDirichlet(10)
    with pytest.raises(SpectralError, match="nodes"):
        V.solve(np.ones(9))
    with pytest.raises(SpectralError, match="NaN"):
        V.solve(np.full(10, np.nan))
    with pytest.raises(SpectralError, match="alpha"):
        V.solve(np.ones(10), alpha=np.inf)
    with pytest.raises(SpectralError, match="bc"):
        V.solve(np.ones(10), bc=(1.0,))
    with pytest.raises(SpectralError, match="integer"):
        ChebyshevDirichlet(3)
    with pytest.raises(SpectralError, match="integer"):
        chebyshev_points(2.5)
    with pytest.raises(SpectralError, match="order"):
        chebyshev_diff_matrix(6, order=0)
    with pytest.raises(SpectralError, match="shape"):
        helmholtz_2d(V, V, np.ones((10, 9)))
    with pytest.raises(SpectralError, match="Dirichlet"):
        helmholtz_2d(V, ChebyshevNeumann(10), np.ones((10, 10)), bc=lambda x, y: x)
    with pytest.raises(SpectralError, match="diffusion"):
        V.imex_problem(diffusion=-1.0)
