"""GCRO-DR(m, k) and its flexible variant: answers against a direct solve, recycling across
sequences of slowly varying convection–diffusion and Darcy-like systems (fewer iterations than
GMRES(m) and than GCRO-DR reset per system), the recycle pair ``op U = C``, ``C^H C = I`` after a
matrix change, k shrinking, variable preconditioners, complex Helmholtz, failures and input
errors."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from pdesolve.errors import ConvergenceError
from pdesolve.linalg.krylov import gmres_solve
from pdesolve.linalg.preconditioners import SORPC, JacobiPC
from pdesolve.linalg.recycling import GCRODR, gcrodr
from pdesolve.linalg.recycling.gcrodr import givens_column, harmonic_ritz
from pdesolve.linalg.validate import SolverInputError


def coefficient(nx: int, t: float) -> np.ndarray:
    """A smooth positive coefficient a(x, y; t) on the interior nodes, varying slowly with t."""
    x = np.linspace(0.0, 1.0, nx + 2)[1:-1]
    X, Y = np.meshgrid(x, x, indexing="ij")
    return np.exp(np.sin(2 * np.pi * X) * np.cos(np.pi * Y) * (1 + 0.3 * t)
                  + 0.5 * np.cos(3 * np.pi * (X + 0.2 * t)))


def five_point(nx: int, t: float = 0.0, vel=(0.0, 0.0), shift: complex = 0.0) -> sp.csr_matrix:
    """``-div(a grad u) + v·grad u - shift u`` on the unit square, 5-point finite differences
    (arithmetic-mean face coefficients, central convection), homogeneous Dirichlet."""
    a = coefficient(nx, t)
    h = 1.0 / (nx + 1)
    idx = np.arange(nx * nx).reshape(nx, nx)
    ap = np.pad(a, 1, mode="edge")
    rows, cols, vals = [], [], []
    diag = np.zeros((nx, nx))
    for (di, dj), v in (((1, 0), vel[0]), ((-1, 0), -vel[0]), ((0, 1), vel[1]), ((0, -1), -vel[1])):
        face = 0.5 * (a + ap[1 + di:1 + di + nx, 1 + dj:1 + dj + nx])
        diag += face
        inside = np.ones((nx, nx), bool)
        inside[(-1 if di == 1 else 0) if di else slice(None),
               (-1 if dj == 1 else 0) if dj else slice(None)] = False
        rows.append(idx[inside])
        cols.append(idx[inside] + di * nx + dj)
        vals.append((-face / h**2 + v / (2 * h))[inside])
    rows.append(idx.ravel())
    cols.append(idx.ravel())
    vals.append(diag.ravel() / h**2 - shift)
    shape = (nx * nx, nx * nx)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=shape)


def sequence(nx, count, vel=(0.0, 0.0), seed=0):
    rng = np.random.default_rng(seed)
    n = nx * nx
    return [(five_point(nx, 0.02 * i, vel), np.ones(n) + 0.1 * rng.standard_normal(n))
            for i in range(count)]


def rel_err(x, A, b):
    xd = spla.spsolve(A.tocsc(), b)
    return np.linalg.norm(x - xd) / np.linalg.norm(xd)


@pytest.mark.parametrize("pc", [None, "jacobi", "sor"])
@pytest.mark.parametrize("flexible", [False, True])
def test_sequence_matches_direct_solves(pc, flexible):
    solver = GCRODR(30, 10, flexible=flexible)
    for A, b in sequence(20, 4, vel=(20.0, 10.0)):
        M = {None: None, "jacobi": JacobiPC, "sor": SORPC}[pc]
        M = M(A) if M else None
        res = solver.solve(A, b, rtol=1e-10, M=M)
        assert res.converged and res.info["residual_kind"] == "true"
        assert np.linalg.norm(b - A @ res.x) <= 1e-10 * np.linalg.norm(b) * (1 + 1e-6)
        assert res.info["true_residual"] <= 1e-10 * np.linalg.norm(b) * (1 + 1e-6)
        assert rel_err(res.x, A, b) < 1e-7
    assert solver.k_current in (9, 10, 11)


@pytest.mark.parametrize("options", [{"orthog": "cgs2"}, {"orthog": "cgs"},
                                     {"update_every": 3}])
def test_options_keep_the_answer(options):
    systems = sequence(16, 3, vel=(20.0, 10.0))
    g, ref = GCRODR(20, 8, **options), GCRODR(20, 8)
    long_solves = 0
    for A, b in systems:
        res, res_ref = g.solve(A, b, rtol=1e-10), ref.solve(A, b, rtol=1e-10)
        assert rel_err(res.x, A, b) < 1e-7
        if "update_every" not in options:
            assert abs(res.iterations - res_ref.iterations) <= 2
        elif res_ref.info["cycles"] > 3:  # enough cycles for the schedule to differ
            long_solves += 1
            assert res.info["ritz_updates"] < res_ref.info["ritz_updates"]
    if "update_every" in options:
        assert long_solves >= 1  # the schedule was actually exercised


def test_k0_is_gmres():
    A, b = sequence(20, 1, vel=(20.0, 10.0))[0]
    ours = GCRODR(30, 0).solve(A, b, rtol=1e-9)
    ref = gmres_solve(A, b, rtol=1e-9, restart=30)
    assert abs(ours.iterations - ref.iterations) <= 2
    assert ours.info["k"] == 0


def test_recycling_cuts_iterations_on_a_sequence():
    systems = sequence(30, 10)
    rec = GCRODR(40, 20)
    it_rec = it_reset = it_gmres = 0
    for i, (A, b) in enumerate(systems):
        r = rec.solve(A, b, rtol=1e-8)
        r_reset = GCRODR(40, 20).solve(A, b, rtol=1e-8)
        r_gm = gmres_solve(A, b, rtol=1e-8, restart=40, maxiter=100_000)
        assert r.info["recycled"] == (i > 0)
        # recycling never changes the answer, only the cost
        np.testing.assert_allclose(r.x, r_reset.x, rtol=0, atol=1e-6 * np.abs(r_reset.x).max())
        it_rec += r.iterations
        it_reset += r_reset.iterations
        it_gmres += r_gm.iterations
    assert it_rec <= 0.6 * it_reset
    assert it_rec <= 0.4 * it_gmres
    assert it_reset < it_gmres  # deflated restarting alone already helps


def test_pair_rebuilt_for_a_new_matrix():
    (A1, b1), (A2, b2) = sequence(16, 2)
    g = GCRODR(20, 8)
    # a matrix modified in place keeps its identity: same_matrix=False rebuilds C = orth(A U)
    A = A1.copy()
    g.solve(A, b1, rtol=1e-8)
    U_old = g.U.copy()
    A.data[:] = A2.data if A2.nnz == A.nnz else A.data * 1.1
    res = g.solve(A, b2, rtol=1e-8, maxiter=0, raise_on_failure=False, same_matrix=False)
    assert not res.converged and res.info["reorth_time"] > 0
    U, C = g.U, g.C
    assert np.linalg.norm(A @ U - C) <= 1e-10 * np.linalg.norm(A @ U)
    np.testing.assert_allclose(C.T @ C, np.eye(C.shape[1]), atol=1e-12)
    # the space itself is kept: U spans span(U_old) (principal angles ~ 0)
    Qo, Qn = np.linalg.qr(U_old)[0], np.linalg.qr(U)[0]
    assert np.linalg.svd(Qo.T @ Qn, compute_uv=False).min() > 1 - 1e-8
    # after any converged solve the pair matches the last operator
    res = g.solve(A2, b2, rtol=1e-8)
    assert np.linalg.norm(A2 @ g.U - g.C) <= 1e-8 * np.linalg.norm(g.C)
    np.testing.assert_allclose(g.C.T @ g.C, np.eye(g.k_current), atol=1e-10)


def test_pair_with_right_preconditioner_lives_in_preconditioned_space():
    (A, b), = sequence(16, 1, vel=(10.0, 0.0))
    M = JacobiPC(A)
    g = GCRODR(20, 6)
    g.solve(A, b, M=M, rtol=1e-8)
    AMU = A @ np.column_stack([M(u) for u in g.U.T])
    assert np.linalg.norm(AMU - g.C) <= 1e-8 * np.linalg.norm(g.C)
    gf = GCRODR(20, 6, flexible=True)
    gf.solve(A, b, M=M, rtol=1e-8)
    assert np.linalg.norm(A @ gf.U - gf.C) <= 1e-8 * np.linalg.norm(gf.C)


def test_k_shrinks_when_a_solve_is_short():
    n = 300
    rng = np.random.default_rng(1)
    A = sp.diags(np.repeat([1.0, 2.0, 3.0, 5.0, 8.0], n // 5)).tocsr()
    b = rng.standard_normal(n)
    g = GCRODR(40, 20)
    res = g.solve(A, b, rtol=1e-10)
    assert res.iterations <= 5
    assert g.k_current == res.iterations < 20
    # the next system starts from that space: converges at once (span U = the Krylov space)
    res2 = g.solve(A, 2 * b, rtol=1e-10)
    assert res2.iterations <= 1 and res2.info["recycled"]


def variable_jacobi(A):
    """A preconditioner that changes at every application: Jacobi with a varying weight."""
    d, count = 1.0 / A.diagonal(), [0]

    def apply(r):
        count[0] += 1
        return (0.6 + 0.8 * ((0.618 * count[0]) % 1.0)) * d * r

    return apply


def test_flexible_with_a_variable_preconditioner():
    systems = sequence(20, 5, vel=(20.0, 10.0))
    g = GCRODR(20, 8, flexible=True)
    its, fresh = [], []
    for A, b in systems:
        res = g.solve(A, b, rtol=1e-9, M=variable_jacobi(A))
        assert rel_err(res.x, A, b) < 1e-6
        its.append(res.iterations)
        fresh.append(GCRODR(20, 8, flexible=True).solve(A, b, rtol=1e-9,
                                                         M=variable_jacobi(A)).iterations)
    assert np.linalg.norm(systems[-1][0] @ g.U - g.C) <= 1e-8 * np.linalg.norm(g.C)
    assert sum(its[1:]) < 0.85 * sum(fresh[1:])  # recycling pays with a variable M too
    # the fixed-preconditioner algorithm is not made for this: much slower (or stuck)
    A, b = systems[0]
    fixed = GCRODR(20, 8).solve(A, b, rtol=1e-9, M=variable_jacobi(A), maxiter=4 * its[0],
                                raise_on_failure=False)
    assert not fixed.converged or fixed.iterations > 1.5 * its[0]


def test_flexible_with_an_inner_krylov_preconditioner():
    (A, b), = sequence(20, 1, vel=(20.0, 10.0))
    inner = lambda r: gmres_solve(A, r, restart=3, maxiter=3, rtol=1e-14).x  # noqa: E731
    res = GCRODR(20, 8, flexible=True).solve(A, b, rtol=1e-9, M=inner)
    assert res.iterations < 80 and rel_err(res.x, A, b) < 1e-6
    fixed = GCRODR(20, 8).solve(A, b, rtol=1e-9, M=inner, maxiter=300, raise_on_failure=False)
    assert not fixed.converged


def test_complex_helmholtz_sequence():
    nx = 20
    rng = np.random.default_rng(2)
    b = rng.standard_normal(nx * nx) + 1j * rng.standard_normal(nx * nx)
    g = GCRODR(30, 10)
    its, fresh = [], []
    for i in range(4):
        A = five_point(nx, 0.02 * i, shift=(60.0 + 6j) * (1 + 0.01 * i)).astype(complex)
        res = g.solve(A, b, rtol=1e-9)
        assert np.iscomplexobj(res.x) and np.iscomplexobj(g.C)
        assert rel_err(res.x, A, b) < 1e-6
        its.append(res.iterations)
        fresh.append(GCRODR(30, 10).solve(A, b, rtol=1e-9).iterations)
        np.testing.assert_allclose(g.C.conj().T @ g.C, np.eye(g.k_current), atol=1e-10)
    assert sum(its[1:]) < 0.6 * sum(fresh[1:])


def test_real_pair_promoted_for_a_complex_system_and_dropped_back():
    (A, b), = sequence(12, 1)
    g = GCRODR(20, 6)
    g.solve(A, b)
    res = g.solve(A.astype(complex), b * (1 + 1j))
    assert res.info["recycled"] and np.iscomplexobj(g.U)
    res = g.solve(A, b)
    assert not res.info["recycled"] and not np.iscomplexobj(g.U)


def test_failure_keeps_the_old_pair_and_raises():
    (A1, b1), (A2, b2) = sequence(16, 2)
    g = GCRODR(20, 8)
    g.solve(A1, b1, rtol=1e-8)
    k_before = g.k_current
    with pytest.raises(ConvergenceError):
        g.solve(A2, b2, rtol=1e-12, maxiter=5)
    res = g.solve(A2, b2, rtol=1e-12, maxiter=5, raise_on_failure=False)
    assert not res.converged and res.iterations == 5
    assert g.k_current == k_before
    assert np.linalg.norm(A2 @ g.U - g.C) <= 1e-8 * np.linalg.norm(g.C)  # rebuilt, not updated
    x, info = gcrodr(A2, b2, rtol=1e-12, maxiter=5)
    assert info == 5


def test_scipy_style_wrapper_and_reset():
    (A1, b1), (A2, b2) = sequence(16, 2)
    g = GCRODR(20, 8)
    x, info = gcrodr(A1, b1, rtol=1e-9, recycle=g)
    assert info == 0 and rel_err(x, A1, b1) < 1e-6 and g.k_current > 0
    x, info = gcrodr(A2, b2, rtol=1e-9, m=20, k=8)
    assert info == 0 and rel_err(x, A2, b2) < 1e-6
    g.reset()
    assert g.U is None and g.C is None and g.k_current == 0
    x, info = gcrodr(A1, np.zeros_like(b1), recycle=g)
    assert info == 0 and not x.any()


def test_input_errors():
    (A, b), = sequence(8, 1)
    g = GCRODR(10, 4)
    with pytest.raises(SolverInputError):
        g.solve(A, np.r_[b, 1.0])
    bad = b.copy()
    bad[3] = np.nan
    with pytest.raises(SolverInputError):
        g.solve(A, bad)
    with pytest.raises(SolverInputError):
        g.solve(A, b, same_matrix="yes")
    for m, k in [(10, 10), (0, 0), (10, -1), (10.5, 2)]:
        with pytest.raises(SolverInputError):
            GCRODR(m, k)
    with pytest.raises(SolverInputError):
        GCRODR(10, 4, orthog="mgs")
    g.solve(A, b)
    A2, b2 = sequence(9, 1)[0]
    with pytest.raises(SolverInputError, match="reset"):
        g.solve(A2, b2)
    with pytest.raises(SolverInputError):
        gcrodr(A, b, recycle="not a solver")


def test_nan_from_an_operator_stops_with_a_reason():
    (A, b), = sequence(8, 1)
    calls = []

    def mv(v):
        calls.append(1)
        return A @ v if len(calls) < 4 else np.full_like(v, np.nan)

    op = spla.LinearOperator(A.shape, matvec=mv, dtype=float)
    res = GCRODR(10, 4).solve(op, b, raise_on_failure=False)
    assert not res.converged and "non-finite" in res.info["reason"]


def test_givens_kernel_matches_python_reference():
    rng = np.random.default_rng(3)
    for dtype in (float, complex):
        H = rng.standard_normal((6, 5)).astype(dtype)
        if dtype is complex:
            H = H + 1j * rng.standard_normal((6, 5))
        H = np.triu(H, -1)
        out = []
        for fn in (givens_column, givens_column.py_func):
            Hc, cs, sn, g = H.copy(), np.zeros(5), np.zeros(5, dtype), np.zeros(6, dtype)
            g[0] = 2.0
            res = [fn(Hc, j, cs, sn, g) for j in range(5)]
            out.append((Hc, res))
        np.testing.assert_allclose(out[0][0], out[1][0], atol=1e-14)
        np.testing.assert_allclose(out[0][1], out[1][1], atol=1e-14)
        # the residual estimate is the least-squares residual of min ||2 e1 - H y||
        e1 = np.zeros(6)
        e1[0] = 2.0
        y = np.linalg.lstsq(H, e1, rcond=None)[0]
        assert abs(np.linalg.norm(e1 - H @ y) - out[0][1][-1]) < 1e-12


def test_harmonic_ritz_first_cycle_matches_gmres_dr_eigenproblem():
    rng = np.random.default_rng(4)
    m, k = 8, 3
    H = np.triu(rng.standard_normal((m + 1, m)), -1) + 3 * np.eye(m + 1, m)
    WV = np.eye(m + 1, m)
    Y, Cc, theta = harmonic_ritz(H, WV, k, m - 1, real=True)
    # Morgan (2002): (H_m + h^2 H_m^{-H} e_m e_m^H) z = θ z
    Hm, h = H[:m], H[m, m - 1]
    em = np.eye(m)[:, -1]
    ref = np.linalg.eigvals(Hm + h**2 * np.linalg.solve(Hm.T, np.outer(em, em)))
    ref = ref[np.argsort(np.abs(ref))][: len(theta)]
    np.testing.assert_allclose(np.sort_complex(theta), np.sort_complex(ref), rtol=1e-8)
    # the new pair satisfies op U = C with orthonormal C: H Y = Cc, Cc^T Cc = I
    np.testing.assert_allclose(H @ Y, Cc, atol=1e-10)
    np.testing.assert_allclose(Cc.T @ Cc, np.eye(Cc.shape[1]), atol=1e-12)
