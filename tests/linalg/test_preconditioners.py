"""Preconditioners: each against its defining formula, SSOR's symmetry, SSOR-PCG and AMG-PCG
iteration counts (scipy's CG as the Krylov method), ILU-GMRES on convection–diffusion."""

import sys

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from reference_sweeps import reference_ssor_sweep

import pdesolve as ps
from pdesolve.fem import forms
from pdesolve.linalg import preconditioners as pcs
from pdesolve.linalg.preconditioner import Preconditioner, as_preconditioner
from pdesolve.linalg.validate import SolverInputError


def fem_poisson(n: int):
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
    A = ps.fem.assemble(forms.stiffness(), V)
    return ps.fem.DirichletBC(V, None, 0.0).apply(A, ps.fem.assemble(forms.source(1.0), V))


def convection_diffusion(n: int, eps: float = 0.01) -> sp.csr_matrix:
    """-eps Δu + (1, 1)·∇u on n x n interior points, central differences (nonsymmetric)."""
    h = 1.0 / (n + 1)
    I = sp.identity(n)
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n)) * (eps / h**2)
    C = sp.diags([-1.0, 1.0], [-1, 1], shape=(n, n)) / (2 * h)
    return (sp.kron(I, T + C) + sp.kron(T + C, I)).tocsr()


def cg_iterations(A, b, pc=None, rtol=1e-8):
    count = [0]

    def cb(_xk):
        count[0] += 1

    M = None if pc is None else pc.as_linear_operator()
    x, info = spla.cg(A, b, rtol=rtol, maxiter=2000, M=M, callback=cb)
    assert info == 0
    assert np.linalg.norm(b - A @ x) <= 1.01 * rtol * np.linalg.norm(b)
    return count[0]


@pytest.fixture(scope="module")
def poisson32():
    return fem_poisson(32)


# --- definitions -----------------------------------------------------------------------------


@pytest.mark.parametrize("omega", [1.0, 1.5])
def test_ssor_pc_is_its_formula_and_one_ssor_sweep(poisson32, omega):
    A, _ = poisson32
    r = np.random.default_rng(0).standard_normal(A.shape[0])
    pc = pcs.SSORPC(A, omega=omega)
    z = pc(r)
    D = sp.diags(A.diagonal())
    M = (
        omega
        / (2 - omega)
        * (D / omega + sp.tril(A, -1))
        @ sp.diags(1 / A.diagonal())
        @ (D / omega + sp.triu(A, 1))
    )
    np.testing.assert_allclose(M @ z, r, atol=1e-10 * np.abs(r).max())
    np.testing.assert_allclose(z, reference_ssor_sweep(A, r, np.zeros_like(r), omega), atol=1e-12)
    out = np.empty_like(r)
    assert pc(r, out=out) is out and np.array_equal(out, z)
    assert pc.symmetric and pc.name == "ssor" and pc.setup_time >= 0


def test_ssor_pc_is_symmetric_positive(poisson32):
    A, _ = poisson32
    rng = np.random.default_rng(1)
    pc = pcs.SSORPC(A, omega=1.3)
    for _ in range(3):
        x, y = rng.standard_normal((2, A.shape[0]))
        assert x @ pc(y) == pytest.approx(y @ pc(x), rel=1e-12)
        assert x @ pc(x) > 0


def permuted(A: sp.csr_matrix, seed: int = 4) -> sp.csr_matrix:
    """A random symmetric permutation: most rows then lack a_{i,i±1}, which the kernels keep
    apart from the other entries (see ``SweepLayout``)."""
    p = np.random.default_rng(seed).permutation(A.shape[0])
    return A[p][:, p].tocsr()


@pytest.mark.parametrize("omega", [1.0, 1.5])
def test_ssor_pc_on_a_permuted_matrix_and_in_place(poisson32, omega):
    A = permuted(poisson32[0])
    r = np.random.default_rng(5).standard_normal(A.shape[0])
    ref = reference_ssor_sweep(A, r, np.zeros_like(r), omega)
    z = r.copy()
    assert pcs.SSORPC(A, omega=omega)(z, out=z) is z  # z may be r
    np.testing.assert_allclose(z, ref, atol=1e-12)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_sor_and_gauss_seidel_pc(direction, shuffle):
    A = permuted(convection_diffusion(10)) if shuffle else convection_diffusion(10)
    r = np.random.default_rng(2).standard_normal(A.shape[0])
    lower = direction == "forward"
    for pc, omega in ((pcs.SORPC(A, 1.4, direction), 1.4), (pcs.GaussSeidelPC(A, direction), 1.0)):
        part = sp.tril(A, -1) if lower else sp.triu(A, 1)
        M = (sp.diags(A.diagonal() / omega) + part).tocsr()
        np.testing.assert_allclose(pc(r), spla.spsolve_triangular(M, r, lower=lower), atol=1e-12)
        assert not pc.symmetric


def test_jacobi_pc(poisson32):
    A, b = poisson32
    pc = pcs.JacobiPC(A, omega=0.5)
    np.testing.assert_allclose(pc(b), 0.5 * b / A.diagonal())
    out = np.empty_like(b)
    assert pc(b[:, None], out=out) is out  # a column vector is accepted


def test_make_preconditioner_names(poisson32):
    A, b = poisson32
    expected = {
        "jacobi": pcs.JacobiPC,
        "ssor": pcs.SSORPC,
        "sor": pcs.SORPC,
        "gs": pcs.GaussSeidelPC,
        "Gauss-Seidel": pcs.GaussSeidelPC,
        "ilu": pcs.ILUPC,
        "amg": pcs.AMGPC,
        "pyamg": pcs.AMGPC,
        "none": pcs.IdentityPC,
    }
    for name, cls in expected.items():
        pc = pcs.make_preconditioner(name, A)
        assert type(pc) is cls and isinstance(pc, Preconditioner)
        assert pc(b).shape == b.shape
    assert pcs.make_preconditioner("ssor", A, omega=1.7).omega == 1.7
    assert isinstance(as_preconditioner("ssor", A), pcs.SSORPC)
    with pytest.raises(SolverInputError, match="unknown preconditioner"):
        pcs.make_preconditioner("multigrid-magic", A)


def test_zero_diagonal_raises():
    A = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 2.0]]))
    for cls in (pcs.JacobiPC, pcs.SSORPC, pcs.SORPC, pcs.GaussSeidelPC):
        with pytest.raises(SolverInputError, match="zero"):
            cls(A)
    with pytest.raises(SolverInputError, match="omega"):
        pcs.SSORPC(sp.identity(3, format="csr"), omega=2.5)


def test_missing_pyamg_is_explained(monkeypatch, poisson32):
    monkeypatch.setitem(sys.modules, "pyamg", None)  # makes `import pyamg` fail
    with pytest.raises(pcs.MissingDependencyError, match="pip install"):
        pcs.AMGPC(poisson32[0])


# --- as preconditioners for Krylov methods (scipy's, here) -----------------------------------


def test_ssor_pcg_needs_fewer_iterations(poisson32):
    A, b = poisson32
    plain = cg_iterations(A, b)
    sgs = cg_iterations(A, b, pcs.SSORPC(A, omega=1.0))
    ssor = cg_iterations(A, b, pcs.SSORPC(A, omega=1.6))
    assert sgs < 0.7 * plain
    assert ssor < 0.5 * plain  # O(h^-1/2) against O(h^-1) with a good omega (Axelsson)


def test_amg_cg_iterations_bounded_under_refinement(poisson32):
    its = []
    for n in (32, 64, 128):
        A, b = poisson32 if n == 32 else fem_poisson(n)
        pc = pcs.AMGPC(A)
        assert pc.symmetric and pc.hierarchy is not None
        its.append(cg_iterations(A, b, pc))
    assert max(its) <= 15, its


def test_ilu_gmres_converges_on_convection_diffusion():
    A = convection_diffusion(40)
    b = np.ones(A.shape[0])
    x_direct = spla.spsolve(A.tocsc(), b)
    pc = pcs.ILUPC(A)
    assert pc.fill >= 1.0 and not pc.symmetric
    r = np.random.default_rng(4).standard_normal(A.shape[0])
    op = pc.as_linear_operator(A.shape)
    assert r @ op.matvec(b) == pytest.approx(b @ op.rmatvec(r), rel=1e-10)  # transpose apply
    counts = {}
    for key, M in (("ilu", pc.as_linear_operator(A.shape)), ("none", None)):
        n = [0]
        x, info = spla.gmres(
            A,
            b,
            rtol=1e-10,
            restart=30,
            maxiter=50,
            M=M,
            callback=lambda _r, n=n: n.__setitem__(0, n[0] + 1),
            callback_type="pr_norm",
        )
        counts[key] = (n[0], info)
        if key == "ilu":
            assert info == 0
            np.testing.assert_allclose(x, x_direct, rtol=1e-7, atol=1e-9)
    assert counts["ilu"][0] < counts["none"][0] / 5, counts
