"""Recycled (deflated) PCG for SPD sequences: answers against a direct solve, fewer iterations
than PCG on a sequence of symmetric Darcy-like systems (plain, Jacobi, SSOR), the deflation
space ``W^T A W = I`` after a matrix change, the Lanczos formulas of the Ritz update against
explicit products, the learning schedule, failures and input errors."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from pdesolve.errors import ConvergenceError
from pdesolve.linalg.krylov import cg_solve
from pdesolve.linalg.preconditioners import SSORPC, JacobiPC
from pdesolve.linalg.recycling import RecycledCG, recycled_cg
from pdesolve.linalg.recycling.recycled_cg import lanczos_projection
from pdesolve.linalg.validate import NotSPDError, SolverInputError


def darcy(nx: int, t: float) -> sp.csr_matrix:
    """``-div(a grad u)`` on the unit square, 5-point, harmonic-mean face coefficients (SPD),
    with a coefficient that varies slowly with ``t``."""
    x = np.linspace(0.0, 1.0, nx + 2)[1:-1]
    X, Y = np.meshgrid(x, x, indexing="ij")
    a = np.exp(np.sin(2 * np.pi * X) * np.cos(np.pi * Y) * (1 + 0.3 * t)
               + 0.5 * np.cos(3 * np.pi * (X + 0.2 * t)))
    h = 1.0 / (nx + 1)
    idx = np.arange(nx * nx).reshape(nx, nx)
    fx = 2 * a[1:, :] * a[:-1, :] / (a[1:, :] + a[:-1, :])  # faces between (i, j), (i+1, j)
    fy = 2 * a[:, 1:] * a[:, :-1] / (a[:, 1:] + a[:, :-1])
    diag = 2 * a.copy() * 2  # boundary faces use a itself (4 faces)
    diag[1:, :] += fx - a[1:, :]
    diag[:-1, :] += fx - a[:-1, :]
    diag[:, 1:] += fy - a[:, 1:]
    diag[:, :-1] += fy - a[:, :-1]
    rows = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    cols = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    vals = -np.concatenate([fx.ravel(), fy.ravel()])
    L = sp.csr_matrix((vals, (rows, cols)), shape=(nx * nx,) * 2)
    return ((L + L.T + sp.diags(diag.ravel())) / h**2).tocsr()


def sequence(nx, count, seed=0):
    rng = np.random.default_rng(seed)
    return [(darcy(nx, 0.02 * i), np.ones(nx * nx) + 0.1 * rng.standard_normal(nx * nx))
            for i in range(count)]


def rel_err(x, A, b):
    xd = spla.spsolve(A.tocsc(), b)
    return np.linalg.norm(x - xd) / np.linalg.norm(xd)


def test_darcy_matrix_is_spd():
    A = darcy(6, 0.3)
    assert abs(A - A.T).max() == 0
    assert np.linalg.eigvalsh(A.toarray()).min() > 0


@pytest.mark.parametrize("pc, window", [(None, 80), ("jacobi", None), ("ssor", None)])
def test_sequence_fewer_iterations_than_pcg_same_answers(pc, window):
    make = {None: lambda A: None, "jacobi": JacobiPC, "ssor": SSORPC}[pc]
    rcg = RecycledCG(20, window=window)
    it_rec = it_pcg = 0
    for i, (A, b) in enumerate(sequence(30, 8)):
        M = make(A)
        res = rcg.solve(A, b, rtol=1e-9, M=M)
        ref = cg_solve(A, b, rtol=1e-9, M=M)
        assert res.converged and res.info["recycled"] == (i > 0)
        assert np.linalg.norm(b - A @ res.x) <= 1e-9 * np.linalg.norm(b) * (1 + 1e-6)
        assert rel_err(res.x, A, b) < 1e-6
        # recycling never changes the answer, only the cost
        np.testing.assert_allclose(res.x, ref.x, atol=1e-6 * np.abs(ref.x).max(), rtol=0)
        it_rec += res.iterations
        it_pcg += ref.iterations
    assert it_rec <= 0.65 * it_pcg
    assert rcg.k_current == 20


def test_space_is_a_orthonormal_after_a_matrix_change():
    (A1, b1), (A2, b2) = sequence(16, 2)
    g = RecycledCG(8)
    g.solve(A1, b1)
    W, AW = g.U, g.C
    np.testing.assert_allclose(W.T @ (A1 @ W), np.eye(8), atol=1e-10)
    np.testing.assert_allclose(A1 @ W, AW, atol=1e-8 * np.abs(AW).max())
    # maxiter=0: no iteration, but the space is rebuilt for A2 (and kept by the failed solve)
    res = g.solve(A2, b2, maxiter=0, raise_on_failure=False)
    assert not res.converged and res.info["reorth_time"] > 0
    np.testing.assert_allclose(g.U.T @ (A2 @ g.U), np.eye(8), atol=1e-10)
    np.testing.assert_allclose(A2 @ g.U, g.C, atol=1e-8 * np.abs(g.C).max())
    # span unchanged by the rebuild
    Qo, Qn = np.linalg.qr(W)[0], np.linalg.qr(g.U)[0]
    assert np.linalg.svd(Qo.T @ Qn, compute_uv=False).min() > 1 - 1e-8
    # a matrix modified in place needs same_matrix=False
    A = A2.copy()
    g.solve(A, b2)
    A.data *= 2.0
    g.solve(A, b2, same_matrix=False)
    np.testing.assert_allclose(g.U.T @ (A @ g.U), np.eye(8), atol=1e-8)


def test_first_solve_without_space_is_pcg_and_learns():
    (A, b), = sequence(20, 1)
    g = RecycledCG(10)
    res = g.solve(A, b, rtol=1e-10, M=SSORPC(A))
    ref = cg_solve(A, b, rtol=1e-10, M=SSORPC(A))
    assert abs(res.iterations - ref.iterations) <= 1 and not res.info["recycled"]
    assert g.k_current == 10 and res.info["ritz_time"] > 0
    # the same system again: the Galerkin start x0 = W W^T b is much closer; fewer iterations
    res2 = g.solve(A, b, rtol=1e-10, M=SSORPC(A))
    assert res2.iterations <= 0.75 * res.iterations


def test_learning_schedule_never_changes_the_current_solve():
    (A1, b1), (A2, b2) = sequence(20, 2)
    frozen = RecycledCG(6, learn_every=0)
    res = frozen.solve(A1, b1)
    assert res.info["k"] == 0 and res.info["ritz_updates"] == 0  # nothing learnt: plain PCG
    # recycled CG with nothing learnt is PCG, but a different implementation (BLAS-2 block
    # products against cg_solve's vector updates): the same iteration count only to within
    # rounding, which differs between BLAS kernels; both must reach the tolerance
    plain = cg_solve(A1, b1, rtol=1e-8)
    assert abs(res.iterations - plain.iterations) <= 2
    assert rel_err(res.x, A1, b1) < 1e-8 and rel_err(plain.x, A1, b1) < 1e-8
    learner = RecycledCG(6, learn_every=2)
    assert learner.solve(A1, b1).info["ritz_updates"] == 1  # a space with < k vectors: learn
    W = learner.U.copy()
    r2 = learner.solve(A1, b2)  # 2nd solve: learns
    r3 = learner.solve(A1, b1)  # 3rd: keeps W
    assert r2.info["ritz_updates"] == 1 and r3.info["ritz_updates"] == 0
    assert np.linalg.svd(np.linalg.qr(W)[0].T @ np.linalg.qr(learner.U)[0],
                         compute_uv=False).min() < 1 - 1e-6  # updated by the 2nd solve
    # the same space, learning on or off: identical iterates (learning only affects later solves)
    a, b = RecycledCG(6), RecycledCG(6, learn_every=0)
    a.solve(A1, b1)
    b._state.U, b._state.C = a._state.U.copy(), None
    ra, rb = a.solve(A2, b2, rtol=1e-10), b.solve(A2, b2, rtol=1e-10)
    assert ra.iterations == rb.iterations and ra.info["ritz_updates"] == 1
    np.testing.assert_array_equal(ra.x, rb.x)
    assert rel_err(ra.x, A2, b2) < 1e-8


def _deflated_pcg_steps(A, b, M, W, steps):
    """A textbook deflated PCG (Saad et al. 2000) recording p_j, A p_j and the scalars."""
    AW = A @ W
    G = W.T @ AW
    r = b - AW @ np.linalg.solve(G, W.T @ b)
    z = M(r)
    p = z - W @ np.linalg.solve(G, AW.T @ z)
    rho = r @ z
    P, Q, mu, d, al, be = [], [], [AW.T @ z], [], [], []
    for _ in range(steps):
        q = A @ p
        P.append(p.copy())
        Q.append(q)
        d.append(p @ q)
        al.append(rho / d[-1])
        r = r - al[-1] * q
        z = M(r)
        be.append((r @ z) / rho)
        rho = r @ z
        mu.append(AW.T @ z)
        p = z + be[-1] * p - W @ np.linalg.solve(G, mu[-1])
    return np.array(P).T, np.array(Q).T, np.array(mu), np.array(d), np.array(al), np.array(be)


def test_lanczos_projection_matches_explicit_products():
    (A, b), = sequence(12, 1)
    Ssor = SSORPC(A)
    Md = np.column_stack([Ssor(e) for e in np.eye(A.shape[0])])  # dense M (symmetric)
    W = np.random.default_rng(1).standard_normal((A.shape[0], 4))
    P, Q, mu, d, al, be = _deflated_pcg_steps(A, b, Ssor, W, 10)
    H_wp, H_pp = lanczos_projection(mu, d, al, be)
    AW = A @ W
    scale = np.abs(P.T @ A @ Md @ A @ P).max()
    np.testing.assert_allclose(H_pp, P.T @ A @ Md @ A @ P, atol=1e-9 * scale)
    np.testing.assert_allclose(H_wp, AW.T @ Md @ A @ P, atol=1e-9 * np.abs(H_wp).max())
    np.testing.assert_allclose(W.T @ Q, 0, atol=1e-9 * np.abs(Q).max())  # W^T A P = 0
    assert lanczos_projection(None, d, al, be)[0] is None


def test_estimated_ritz_block_recycles_as_well_as_the_exact_one():
    systems = sequence(24, 6)
    its = {}
    for exact in (False, True):
        g = RecycledCG(12, exact_ritz=exact)
        its[exact] = [g.solve(A, b, rtol=1e-9, M=SSORPC(A)).iterations for A, b in systems]
    assert its[False][0] == its[True][0]
    assert sum(its[False][1:]) <= 1.1 * sum(its[True][1:])
    assert sum(its[True][1:]) <= 0.7 * 5 * its[True][0]


def test_complex_hermitian():
    (A, b), = sequence(12, 1)
    rng = np.random.default_rng(5)
    D = sp.diags(np.exp(1j * rng.uniform(0, 2 * np.pi, A.shape[0])))
    Ah = (D @ A @ D.conj()).tocsr()  # Hermitian positive definite, complex
    bh = b * (1 + 0.5j)
    g = RecycledCG(6)
    for _ in range(2):
        res = g.solve(Ah, bh, rtol=1e-10)
        assert np.iscomplexobj(res.x) and rel_err(res.x, Ah, bh) < 1e-7
    np.testing.assert_allclose(g.U.conj().T @ (Ah @ g.U), np.eye(6), atol=1e-9)


def test_not_spd_and_failures():
    (A, b), = sequence(10, 1)
    g = RecycledCG(4)
    with pytest.raises(NotSPDError):
        g.solve(-A, b)
    res = RecycledCG(4, check_curvature=False).solve(-A, b, raise_on_failure=False)
    assert not res.converged and "not symmetric positive definite" in res.info["reason"]
    g.solve(A, b)
    U = g.U.copy()
    with pytest.raises(ConvergenceError):
        g.solve(A, b + 1.0, rtol=1e-14, maxiter=3)
    np.testing.assert_array_equal(g.U, U)  # a failed solve does not touch the space
    x, info = recycled_cg(A, b, rtol=1e-14, maxiter=3)
    assert info == 3


def test_wrapper_inputs_and_reset():
    (A, b), = sequence(10, 1)
    g = RecycledCG(4)
    x, info = recycled_cg(A, b, rtol=1e-9, recycle=g)
    assert info == 0 and rel_err(x, A, b) < 1e-7 and g.k_current == 4
    bad = b.copy()
    bad[0] = np.inf
    with pytest.raises(SolverInputError):
        g.solve(A, bad)
    with pytest.raises(SolverInputError):
        g.solve(A, b[:-1])
    with pytest.raises(SolverInputError):
        g.solve(darcy(9, 0.0), np.ones(81))  # stored space has another size
    with pytest.raises(SolverInputError):
        RecycledCG(-1)
    with pytest.raises(SolverInputError):
        recycled_cg(A, b, recycle=object())
    g.reset()
    assert g.U is None and g.k_current == 0
    res = g.solve(A, np.zeros_like(b))
    assert res.converged and not res.x.any()
