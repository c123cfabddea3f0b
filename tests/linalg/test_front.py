"""The solve() front door: dispatch, auto choice, errors, and agreement with a direct solve."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.errors import ConvergenceError
from pdesolve.fem import forms
from pdesolve.linalg.validate import NotSPDError, SolverInputError


def poisson(n):
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
    A = ps.fem.assemble(forms.stiffness(), V)
    b = ps.fem.assemble(forms.source(lambda x: 1 + x[0]), V)
    return ps.fem.DirichletBC(V, None, 0.0).apply(A, b)


def convection_diffusion(n):
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
    A = ps.fem.assemble(forms.stiffness(0.05) + forms.advection([1.0, 0.5]), V)
    b = ps.fem.assemble(forms.source(1.0), V)
    return ps.fem.DirichletBC(V, None, 0.0).apply(A, b)


@pytest.mark.parametrize(
    "method,pc",
    [
        ("cg", None),
        ("cg", "jacobi"),
        ("cg", "ssor"),
        ("cg", "amg"),
        ("minres", "jacobi"),
        ("minres", "ssor"),
        ("gmres", "ilu"),
        ("fgmres", "amg"),
        ("bicgstab", "ilu"),
        ("direct", None),
        ("ssor", None),
        ("sor", None),
        ("gauss-seidel", None),
    ],
)
def test_every_method_matches_direct_on_poisson(method, pc):
    A, b = poisson(12)
    ref = spla.spsolve(A.tocsc(), b)
    res = ps.solve(A, b, method=method, pc=pc, rtol=1e-10, maxiter=20_000)
    assert res.converged
    assert np.abs(res.x - ref).max() < 1e-7 * np.abs(ref).max()
    assert res.wall_time > 0


@pytest.mark.parametrize(
    "method,pc",
    [
        ("gmres", None),
        ("gmres", "ilu"),
        ("bicgstab", "jacobi"),
        ("fgmres", "ilu"),
        ("direct", None),
    ],
)
def test_nonsymmetric_methods_match_direct(method, pc):
    A, b = convection_diffusion(16)
    ref = spla.spsolve(A.tocsc(), b)
    res = ps.solve(A, b, method=method, pc=pc, rtol=1e-10, maxiter=5000)
    assert np.abs(res.x - ref).max() < 1e-7 * np.abs(ref).max()


@pytest.mark.parametrize("method", ["cg", "minres"])
@pytest.mark.parametrize("pc", ["ilu", "sor", "gs"])
def test_symmetric_methods_refuse_a_nonsymmetric_preconditioner(method, pc):
    """CG/MINRES with ILU or SOR is not a valid method (it wanders for 25 000 iterations on
    the 50x50 Laplacian): a clear error instead, naming the symmetric alternatives."""
    A, b = poisson(8)
    with pytest.raises(SolverInputError, match="symmetric positive definite preconditioner"):
        ps.solve(A, b, method=method, pc=pc)
    M = ps.linalg.make_preconditioner(pc, A)
    with pytest.raises(SolverInputError, match="'ssor' or 'amg'"):
        getattr(ps.linalg, method)(A, b, M=M)


def test_complex_systems_through_the_direct_path():
    """A complex system (and a real matrix with a complex right-hand side) through auto and
    direct: solved in complex arithmetic, not silently cast to real."""
    n = 40
    A = sp.diags([-1.0, 2.0 + 0.3j, -1.0], [-1, 0, 1], shape=(n, n), dtype=complex).tocsr()
    Ar = sp.diags([-1.0, 2.5, -1.0], [-1, 0, 1], shape=(n, n)).tocsr()
    b = np.linspace(0.0, 1.0, n) * (1.0 + 2.0j)
    for M, method in ((A, "auto"), (A, "direct"), (Ar, "direct")):
        res = ps.solve(M, b, method=method)
        assert np.iscomplexobj(res.x) and res.method == "superlu"
        np.testing.assert_allclose(M @ res.x, b, atol=1e-13)
    lu = ps.linalg.DirectSolver(Ar)
    np.testing.assert_allclose(Ar @ lu.solve(b), b, atol=1e-13)
    np.testing.assert_allclose(Ar @ lu.solve(b.real), b.real, atol=1e-13)


def test_pc_setup_time_and_stationary_refusal(monkeypatch):
    A, b = poisson(8)
    pc = ps.linalg.SSORPC(A, omega=1.2)
    res = ps.solve(A, b, method="cg", pc=pc)
    assert res.info["pc_setup_time"] == pc.setup_time
    # refused before the preconditioner is built (an AMG hierarchy would be wasted work)
    import pdesolve.linalg.front as front

    def never(*_args, **_kwargs):
        raise AssertionError("the preconditioner was built for a stationary method")

    monkeypatch.setattr(front, "as_preconditioner", never)
    with pytest.raises(SolverInputError, match="stationary method"):
        ps.solve(A, b, method="sor", pc="amg")


def test_auto_picks_and_says_why():
    A, b = poisson(10)
    res = ps.solve(A, b)
    assert res.method == "superlu" and "sparse LU" in res.info["auto"]
    A5 = sp.kron(sp.eye(300), sp.diags([-1.0, 4.0, -1.0], [-1, 0, 1], shape=(300, 300)))
    A5 = (
        A5
        + sp.diags(-np.ones(89_700), 300, shape=A5.shape)
        + sp.diags(-np.ones(89_700), -300, shape=A5.shape)
    ).tocsr()
    assert ps.linalg.choose_method(A5)[:2] == ("cg", "amg")
    C, _ = convection_diffusion(10)
    Cbig = sp.block_diag([C] * 500, format="csr")  # 60,500 unknowns
    assert ps.linalg.choose_method(Cbig)[:2] == ("gmres", "ilu")


def test_nonconvergence_raises_or_reports():
    A, b = poisson(20)
    with pytest.raises(ConvergenceError) as err:
        ps.solve(A, b, method="cg", maxiter=3)
    assert err.value.iterations == 3 and err.value.residual > 0
    res = ps.solve(A, b, method="cg", maxiter=3, raise_on_failure=False)
    assert not res.converged and res.iterations == 3


def test_bad_inputs_give_clear_errors():
    A, b = poisson(6)
    with pytest.raises(SolverInputError, match="shape"):
        ps.solve(A, b[:-1])
    with pytest.raises(SolverInputError, match="square"):
        ps.solve(A[:-1], b[:-1])
    bad = b.copy()
    bad[3] = np.nan
    with pytest.raises(SolverInputError, match="NaN"):
        ps.solve(A, bad, method="cg")
    An = A.copy()
    An.data[0] = np.inf
    with pytest.raises(SolverInputError, match="NaN or Inf"):
        ps.solve(An, b, method="cg")
    with pytest.raises(SolverInputError, match="unknown method"):
        ps.solve(A, b, method="magic")
    with pytest.raises(SolverInputError, match="PETSc options"):
        ps.solve(A, b, options={"ksp_type": "cg"})
    with pytest.raises(NotSPDError, match="negative curvature"):
        ps.solve(-A, b, method="cg")
    with pytest.raises(SolverInputError, match="singular"):
        ps.solve(sp.csr_matrix((4, 4)), np.ones(4), method="direct")


def test_direct_solver_reuses_factorisation():
    A, b = poisson(10)
    lu = ps.linalg.DirectSolver(A)
    B = np.stack([b, 2 * b], axis=1)
    X = lu.solve(B)
    assert np.allclose(X[:, 1], 2 * X[:, 0]) and np.allclose(A @ X[:, 0], b)


def test_warm_start_saves_iterations():
    A, b = poisson(24)
    cold = ps.solve(A, b, method="cg", pc="jacobi", rtol=1e-8)
    warm = ps.solve(A, b, method="cg", pc="jacobi", rtol=1e-8, x0=cold.x + 1e-6)
    assert warm.iterations < cold.iterations
