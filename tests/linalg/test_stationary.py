"""Stationary methods: numba sweeps against numpy references, convergence to a direct solve,
Young's optimal ω and the SOR/Gauss–Seidel rate ratio it predicts on the 5-point Laplacian."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from reference_sweeps import reference_jacobi_sweep, reference_sor_sweep, reference_ssor_sweep

import pdesolve as ps
from pdesolve.fem import forms
from pdesolve.linalg import stationary as st
from pdesolve.linalg.validate import SolverInputError


def laplacian_5pt(n: int) -> sp.csr_matrix:
    """The 5-point Laplacian (times h²) on n x n interior points, natural ordering."""
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n))
    I = sp.identity(n)
    return (sp.kron(I, T) + sp.kron(T, I)).tocsr()


def fem_poisson(n: int):
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
    A = ps.fem.assemble(forms.stiffness(), V)
    return ps.fem.DirichletBC(V, None, 0.0).apply(A, ps.fem.assemble(forms.source(1.0), V))


def convection_diffusion(n: int, eps: float = 0.05) -> sp.csr_matrix:
    """-eps Δu + (1, 1)·∇u, first-order upwind, n x n interior points: nonsymmetric M-matrix."""
    h = 1.0 / (n + 1)
    I = sp.identity(n)
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n)) * (eps / h**2)
    D = sp.diags([-1.0, 1.0], [-1, 0], shape=(n, n)) / h
    return (sp.kron(I, T + D) + sp.kron(T + D, I)).tocsr()


@pytest.fixture(scope="module")
def poisson16():
    A, b = fem_poisson(16)
    return A, b, spla.spsolve(A.tocsc(), b)


@pytest.fixture(scope="module")
def random_system():
    """A nonsymmetric, diagonally dominant CSR matrix with unsorted column indices."""
    rng = np.random.default_rng(7)
    n = 60
    R = sp.random(n, n, density=0.1, random_state=rng, format="csr")
    A = (R - R.T * 0.5 + sp.diags(4.0 + rng.random(n))).tocsr()
    A.sort_indices()
    for i in range(n):  # reverse each row: a valid CSR matrix that is not canonical
        sl = slice(A.indptr[i], A.indptr[i + 1])
        A.indices[sl], A.data[sl] = A.indices[sl][::-1].copy(), A.data[sl][::-1].copy()
    A.has_sorted_indices = False
    return A, rng.standard_normal(n), rng.standard_normal(n)


# --- kernels against references --------------------------------------------------------------


@pytest.mark.parametrize("direction", ["forward", "backward", "symmetric"])
@pytest.mark.parametrize("omega", [1.0, 0.7, 1.6])
def test_sor_sweep_matches_reference(random_system, direction, omega):
    A, b, x0 = random_system
    ref = reference_sor_sweep(A, b, x0, omega, direction)
    x = x0.copy()
    assert st.sor_sweep(A, b, x, omega, direction) is x
    np.testing.assert_allclose(x, ref, rtol=1e-12, atol=1e-12)


def test_gs_ssor_jacobi_sweeps_match_reference(poisson16):
    A, b, _ = poisson16
    x0 = np.random.default_rng(1).standard_normal(A.shape[0])
    S = st.splitting(A)  # prepared once, reused by every sweep
    for direction in ("forward", "backward"):
        x = x0.copy()
        st.gauss_seidel_sweep(S, b, x, direction)
        np.testing.assert_allclose(x, reference_sor_sweep(A, b, x0, 1.0, direction), atol=1e-12)
    x = x0.copy()
    st.ssor_sweep(S, b, x, 1.3)
    np.testing.assert_allclose(x, reference_ssor_sweep(A, b, x0, 1.3), atol=1e-12)
    x = x0.copy()
    st.jacobi_sweep(S, b, x, 2 / 3, work=np.empty_like(x))
    np.testing.assert_allclose(x, reference_jacobi_sweep(A, b, x0, 2 / 3), atol=1e-12)


@pytest.mark.parametrize("fixture", ["random_system", "poisson16"])
def test_sweep_layout_splits_off_the_neighbour_diagonals(fixture, request):
    """The SOR kernels' copy of L + U: a_{i,i-1} and a_{i,i+1} as vectors, the far entries in
    CSR with each row's upper entries before its lower ones, so the freshest neighbours are
    met last in either sweep; together they rebuild L + U exactly."""
    A = request.getfixturevalue(fixture)[0]
    S = st.splitting(A)
    lay = S.sweep_layout
    assert S.sweep_layout is lay  # built once
    np.testing.assert_array_equal(lay.sub[1:], A.diagonal(-1))
    np.testing.assert_array_equal(lay.sup[:-1], A.diagonal(1))
    assert lay.sub[0] == 0.0 and lay.sup[-1] == 0.0
    for i in range(S.n):
        cols = lay.indices[lay.indptr[i] : lay.indptr[i + 1]]
        upper, lower = cols[cols > i], cols[cols < i]
        assert np.all(np.abs(cols - i) > 1)  # neither the diagonal nor a neighbour
        np.testing.assert_array_equal(cols, np.concatenate([np.sort(upper), np.sort(lower)]))
    far = sp.csr_matrix((lay.data, lay.indices, lay.indptr), shape=A.shape)
    rebuilt = far + sp.diags([lay.sub[1:], lay.sup[:-1]], [-1, 1])
    np.testing.assert_array_equal((rebuilt - (A - sp.diags(A.diagonal()))).toarray(), 0.0)


def test_sweep_without_neighbour_entries_matches_reference():
    """Rows with no a_{i,i±1} (a randomly permuted 5-point Laplacian) still get the textbook
    update: the register-carried neighbour is multiplied by an explicit zero."""
    A = laplacian_5pt(6)
    perm = np.random.default_rng(3).permutation(36)
    A = A[perm][:, perm].tocsr()
    lay = st.splitting(A).sweep_layout
    assert (lay.sub == 0).sum() > 10 and (lay.sup == 0).sum() > 10 and lay.data.size > 60
    b, x0 = np.arange(36.0), np.linspace(-1.0, 1.0, 36)
    for direction in ("forward", "backward", "symmetric"):
        x = x0.copy()
        st.sor_sweep(A, b, x, 1.3, direction)
        np.testing.assert_allclose(x, reference_sor_sweep(A, b, x0, 1.3, direction), atol=1e-12)


def test_sweeps_reject_bad_vectors(poisson16):
    A, b, _ = poisson16
    x = np.zeros(A.shape[0])
    with pytest.raises(SolverInputError, match="b has shape"):
        st.sor_sweep(A, b[:-1], x, 1.2)
    with pytest.raises(SolverInputError, match="b has shape"):
        st.jacobi_sweep(A, b[:-1], x)
    with pytest.raises(SolverInputError, match="x has shape"):
        st.sor_sweep(A, b, x[:-1], 1.2)


def test_reference_sor_is_the_textbook_update():
    """The reference itself: forward GS row by row, x_i = (b_i − Σ_{j≠i} a_ij x_j) / a_ii."""
    A = laplacian_5pt(4).toarray() + np.triu(np.full((16, 16), 0.01), 1)
    b, x = np.arange(16.0), np.ones(16)
    y = x.copy()
    for i in range(16):
        y[i] = 0.2 * y[i] + 0.8 * (b[i] - A[i] @ y + A[i, i] * y[i]) / A[i, i]
    np.testing.assert_allclose(reference_sor_sweep(A, b, x, 0.8), y, atol=1e-13)


# --- solvers against a direct solve ----------------------------------------------------------


@pytest.mark.parametrize(
    "solver, kwargs",
    [
        (st.jacobi, {}),
        (st.jacobi, {"omega": 0.8}),
        (st.gauss_seidel, {}),
        (st.gauss_seidel, {"direction": "backward"}),
        (st.gauss_seidel, {"direction": "symmetric"}),
        (st.sor, {}),
        (st.sor, {"omega": 1.5, "direction": "symmetric"}),
        (st.ssor, {"omega": 1.5}),
    ],
)
def test_solvers_reach_direct_solution_fem_poisson(poisson16, solver, kwargs):
    A, b, x_direct = poisson16
    res = solver(A, b, rtol=1e-10, maxiter=5000, **kwargs)
    assert res.converged and res.info["residual_kind"] == "true"
    assert res.residual <= 1e-10 * np.linalg.norm(b)
    assert len(res.residuals) == res.iterations + 1
    np.testing.assert_allclose(res.x, x_direct, atol=1e-8 * np.abs(x_direct).max())


def test_solvers_on_5pt_laplacian_and_iteration_order():
    A = laplacian_5pt(16)
    b = np.random.default_rng(3).standard_normal(A.shape[0])
    x_direct = spla.spsolve(A.tocsc(), b)
    its = {}
    for name, fn, kw in [
        ("jacobi", st.jacobi, {}),
        ("gs", st.gauss_seidel, {}),
        ("sgs", st.gauss_seidel, {"direction": "symmetric"}),
        ("sor", st.sor, {}),
    ]:
        res = fn(A, b, rtol=1e-8, **kw)
        assert res.converged
        np.testing.assert_allclose(res.x, x_direct, atol=1e-6 * np.abs(x_direct).max())
        its[name] = res.iterations
    # Jacobi ~ 2x Gauss–Seidel (ρ_GS = ρ_J²); SOR(ω_opt) an order of magnitude fewer
    assert 1.7 < its["jacobi"] / its["gs"] < 2.3
    assert its["sgs"] < its["gs"]
    assert its["sor"] * 5 < its["gs"]


def test_warm_start_callback_and_check_every(poisson16):
    A, b, x_direct = poisson16
    seen = []
    x0 = x_direct + 1e-3
    res = st.sor(A, b, x0, omega=1.6, rtol=1e-10, callback=lambda xk: seen.append(xk.sum()))
    assert len(seen) == res.iterations and res.info["omega_source"] == "given"
    assert np.all(x0 == x_direct + 1e-3)  # the initial guess is not modified
    cold = st.sor(A, b, omega=1.6, rtol=1e-10)
    assert res.iterations < cold.iterations
    sparse_checks = st.sor(A, b, omega=1.6, rtol=1e-10, check_every=5)
    assert sparse_checks.iterations % 5 == 0 and sparse_checks.converged
    assert cold.iterations <= sparse_checks.iterations < cold.iterations + 5
    assert len(sparse_checks.residuals) == sparse_checks.iterations // 5 + 1
    done = st.gauss_seidel(A, b, x_direct, rtol=1e-6)
    assert done.converged and done.iterations == 0


def test_non_convergence_and_divergence_are_reported(poisson16):
    A, b, _ = poisson16
    res = st.gauss_seidel(A, b, rtol=1e-12, maxiter=10)
    assert not res.converged and res.iterations == 10 and "maxiter" in res.info["reason"]
    with pytest.raises(ps.errors.ConvergenceError):
        res.check()
    A5 = laplacian_5pt(8)
    with np.errstate(all="ignore"):
        bad = st.jacobi(A5, np.ones(64), omega=1.95, rtol=1e-8, maxiter=5000)
    assert not bad.converged and "diverged" in bad.info["reason"]


# --- input errors ----------------------------------------------------------------------------


def test_zero_diagonal_raises():
    A = laplacian_5pt(3).tolil()
    A[4, 4] = 0.0
    A = A.tocsr()
    A.eliminate_zeros()  # the diagonal entry is now structurally missing
    for call in (
        lambda: st.jacobi(A, np.ones(9)),
        lambda: st.sor(A, np.ones(9), omega=1.2),
        lambda: st.splitting(A),
    ):
        with pytest.raises(SolverInputError, match="zero .*diagonal"):
            call()
    B = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 2.0]]))  # explicit zero on the diagonal
    with pytest.raises(SolverInputError, match="rows 0"):
        st.gauss_seidel(B, np.ones(2))


def test_bad_inputs_raise():
    A = laplacian_5pt(3)
    with pytest.raises(SolverInputError, match="omega"):
        st.sor(A, np.ones(9), omega=2.0)
    with pytest.raises(SolverInputError, match="direction"):
        st.gauss_seidel(A, np.ones(9), direction="sideways")
    with pytest.raises(SolverInputError, match="matrix entries"):
        st.jacobi(spla.aslinearoperator(A), np.ones(9))
    with pytest.raises(SolverInputError, match="shape"):
        st.ssor(A, np.ones(8))
    with pytest.raises(SolverInputError, match="NaN"):
        st.sor(A, np.full(9, np.nan), omega=1.0)


# --- Young's optimal omega -------------------------------------------------------------------


@pytest.mark.parametrize("n", [6, 32])
def test_young_omega_matches_model_problem(n):
    """ρ_J = cos(πh) on the 5-point Laplacian, so ω_opt = 2 / (1 + sin(πh)) (Young 1954).
    n = 6 takes the dense path, n = 32 the Lanczos one."""
    h = 1.0 / (n + 1)
    A = laplacian_5pt(n)
    assert st.jacobi_spectral_radius(A) == pytest.approx(np.cos(np.pi * h), abs=1e-8)
    assert abs(st.young_omega(A) - 2.0 / (1.0 + np.sin(np.pi * h))) < 1e-3
    assert st.young_omega(None, rho_jacobi=0.0) == 1.0


def test_lanczos_step_limit_warns():
    A = laplacian_5pt(32)
    with pytest.warns(RuntimeWarning, match="not settled"):
        rho = st.jacobi_spectral_radius(A, maxiter=15)
    assert rho <= np.cos(np.pi / 33) + 1e-12  # Ritz values lie inside the spectrum


def test_jacobi_spectral_radius_nonsymmetric():
    """Upwind convection–diffusion: per direction the stencil is (−a, d/2, −c) with
    a = ε/h² + 1/h, c = ε/h², d = 2(2ε/h² + 1/h); J = −(N⊗I + I⊗N)/d with N tridiagonal
    Toeplitz (a below, c above), whose eigenvalues are 2√(ac) cos(kπh): ρ_J = 4√(ac) cos(πh)/d.
    n = 256 unknowns: the Arnoldi path."""
    n, eps = 16, 0.05
    h = 1.0 / (n + 1)
    a, c, d = eps / h**2 + 1 / h, eps / h**2, 2 * (2 * eps / h**2 + 1 / h)
    exact = 4 * np.sqrt(a * c) * np.cos(np.pi * h) / d
    rho = st.jacobi_spectral_radius(convection_diffusion(n, eps), tol=1e-12)
    assert rho == pytest.approx(exact, rel=1e-8)  # ARPACK to tol 1e-12 (default 1e-5)
    dense = convection_diffusion(4, eps)  # 16 unknowns: the dense path
    h = 1.0 / 5
    a, c, d = eps / h**2 + 1 / h, eps / h**2, 2 * (2 * eps / h**2 + 1 / h)
    exact = 4 * np.sqrt(a * c) * np.cos(np.pi * h) / d
    assert st.jacobi_spectral_radius(dense.toarray()) == pytest.approx(exact, rel=1e-10)


def test_young_omega_requires_convergent_jacobi():
    with pytest.raises(SolverInputError, match="rho_J"):
        st.young_omega(None, rho_jacobi=1.0)
    A = sp.csr_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))  # ρ_J = 2
    res = st.sor(A, np.ones(2), maxiter=3)  # falls back to ω = 1 and says so
    assert res.info["omega"] == 1.0 and "does not apply" in res.info["omega_source"]


def test_sor_young_beats_gauss_seidel_by_theoretical_factor():
    """On the 5-point Laplacian (consistently ordered) the asymptotic rates are ρ_GS = cos²(πh)
    and ρ_SOR = ω_opt − 1, so iterations per fixed error reduction scale like 1/(−log ρ) and
    GS/SOR ≈ log ρ_SOR / log ρ_GS (≈ 21 for n = 32). Measured on the error of A e = 0 from a
    random start, over the error reduction 1e-3 → 1e-13 (the first sweeps are excluded: an
    initial transient, and at ω_opt the SOR matrix has 2x2 Jordan blocks, so the error decays
    like k ρ^k, which distorts counts from k = 0 but barely a window far from it)."""
    n = 32
    h = 1.0 / (n + 1)
    A = laplacian_5pt(n)
    S = st.splitting(A)
    omega = st.young_omega(S)
    rho_gs, rho_sor = np.cos(np.pi * h) ** 2, omega - 1.0
    predicted = np.log(rho_sor) / np.log(rho_gs)

    def iterations_for_window(w: float) -> int:
        x = np.random.default_rng(11).standard_normal(n * n)
        b = np.zeros(n * n)
        e0, k, k_start = np.linalg.norm(x), 0, None
        while True:
            S.sor_sweeps(b, x, w, "forward")
            k += 1
            e = np.linalg.norm(x) / e0
            if k_start is None and e <= 1e-3:
                k_start = k
            if e <= 1e-13:
                return k - k_start
            assert k < 20_000

    ratio = iterations_for_window(1.0) / iterations_for_window(omega)
    assert abs(ratio / predicted - 1.0) < 0.2, (ratio, predicted)
    # and through the solver interface, on a right-hand side
    b = np.ones(n * n)
    its_gs = st.gauss_seidel(A, b, rtol=1e-8).iterations
    its_sor = st.sor(A, b, rtol=1e-8).iterations
    assert its_gs / its_sor > 0.6 * predicted


def test_time_sor_sweep_reports_bandwidth():
    # the helper of benchmarks/solvers.py, in benchmarks/_timing.py (not a package)
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "_timing.py"
    spec = importlib.util.spec_from_file_location("_benchmarks_timing", path)
    timing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(timing)
    out = timing.time_sor_sweep(laplacian_5pt(20), repeat=2)
    assert out["nnz"] == 5 * 400 - 4 * 20 and out["seconds"] > 0
    assert out["effective_bandwidth"] == pytest.approx(12 * out["nnz"] / out["seconds"])
    # far values and int32 indices (the rows ±20 away), indptr, a_{i,i±1}, 1/a_ii, b, x twice
    n, far = 400, 2 * 400 - 2 * 20
    assert out["bytes_streamed"] == 12 * far + 4 * (n + 1) + 16 * n + 8 * n + 8 * n + 16 * n
