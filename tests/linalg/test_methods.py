"""The method table is the one list of methods; ``pc=``, ``auto`` and ``rtol`` mean one thing."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import pdesolve as ps
from pdesolve.cli import _info_lines
from pdesolve.datagen.solvers import SOLVERS, choose_solver
from pdesolve.linalg.methods import METHODS, choose_method, lookup, method_names
from pdesolve.linalg.petsc import petsc_names
from pdesolve.linalg.sequence import solve_sequence
from pdesolve.linalg.validate import SolverInputError
from pdesolve.models.darcy_fd import darcy_symmetric, laplacian_5pt


def spd(n: int = 12) -> tuple[sp.csr_matrix, np.ndarray]:
    A = laplacian_5pt(n).tocsr()
    return A, np.random.default_rng(0).standard_normal(A.shape[0])


@pytest.mark.parametrize("row", METHODS, ids=lambda m: m.name)
def test_every_method_solve_accepts_is_known_everywhere_from_the_table(row):
    A, b = spd()
    res = ps.solve(A, b, method=row.name, rtol=1e-8, maxiter=20_000)
    assert np.linalg.norm(b - A @ res.x) <= 1e-8 * np.linalg.norm(b)
    for alias in row.names:
        assert lookup(alias) is row and lookup(alias.upper()) is row
    # the sequence solver takes it by name ...
    seq = solve_sequence([(A, b), (A, 2 * b)], method=row.name, rtol=1e-8, maxiter=20_000)
    assert seq.all_converged
    np.testing.assert_allclose(seq[1], 2 * seq[0], rtol=1e-6, atol=1e-8)
    # ... the PETSc name map knows it (a KSP, or a refusal that names the scipy backend) ...
    if row.petsc is None:
        with pytest.raises(SolverInputError, match="backend='scipy'"):
            petsc_names(row.name)
    else:
        assert petsc_names(row.name)[:2] == (row.name, row.petsc)
    # ... `pdesolve info` lists it, and datagen's --solver accepts it
    assert any(line.split()[0] == row.name for line in _info_lines() if line.startswith("  "))
    assert row.name in SOLVERS and choose_solver(row.name, 100, True) == row.name


def test_unknown_method_is_refused_everywhere_with_the_table():
    A, b = spd(4)
    for call in (lambda: ps.solve(A, b, method="qmr"),
                 lambda: solve_sequence([(A, b)], method="qmr"),
                 lambda: petsc_names("qmr")):  # fmt: skip
        with pytest.raises(SolverInputError, match="gcrodr"):  # the message lists the table
            call()
    assert method_names("recycling") == ["gcrodr", "rcg"]


def test_a_callable_pc_is_an_apply_function_in_solve_and_in_solve_sequence():
    """The issue's case: ``lambda r: d * r`` raised "cannot reshape" in solve_sequence."""
    A, b = spd()
    d = 1.0 / A.diagonal()
    jacobi = lambda r: d * r  # noqa: E731
    one = ps.solve(A, b, method="cg", pc=jacobi)
    seq = solve_sequence([(A, b), (A.copy(), b)], method="cg", pc=jacobi)
    assert seq.iterations.tolist() == [one.iterations] * 2  # same path, same pc: same count
    built = []

    def build(M):
        built.append(M)
        return ps.linalg.make_preconditioner("jacobi", M)

    per_matrix = solve_sequence([(A, b), (2.0 * A, b)], method="cg",
                                pc=ps.linalg.PreconditionerFactory(build))  # fmt: skip
    assert len(built) == 2 and per_matrix.all_converged
    with pytest.raises(ValueError, match="needs the matrix"):
        ps.linalg.as_preconditioner(ps.linalg.PreconditionerFactory(build))


def test_auto_is_one_policy_and_says_why():
    A, b = spd(10)
    res = ps.solve(A, b)
    assert res.info["auto"] == choose_method(A).reason and "sparse LU" in res.info["auto"]
    # a sequence: the same policy with sequence=True, the reason in the result
    Abig = sp.block_diag([laplacian_5pt(120)] * 4, format="csr")  # 57 600 unknowns, SPD
    choice = choose_method(Abig, sequence=True)
    assert choice.method == "rcg" and choice.pc in ("amg", "ssor")
    seq = solve_sequence([(A, b), (A, -b)])
    assert seq.info["auto"] == choose_method(A, sequence=True).reason
    # datagen decides through it: a fast preconditioner moves the direct limit down
    assert choose_solver("auto", 4096, True) == "sequence"
    assert choose_solver("auto", 4096, False) == "direct"
    assert choose_method(n=4096, spd=True, fast_pc="fast-poisson").method == "cg"
    assert choose_method(n=4096, spd=False, fast_pc="fast-poisson").method == "gmres"


def test_generate_and_the_cli_pick_the_same_solver_for_helmholtz():
    """Helmholtz' fast preconditioner is poor: auto is LU up to 50 000 unknowns, both in the
    recipe's recorded solver and in what generate() runs."""
    from pdesolve.datagen.recipes import get_recipe

    rec = get_recipe("helmholtz", resolution=40)
    assert rec.resolved_solver("auto") == "direct"
    out = rec.generate([0], seed=0, solver="auto")
    assert out["residual"][0] < 1e-12  # LU, not a stalled GMRES
    darcy = get_recipe("lognormal-darcy", resolution=40)
    assert darcy.resolved_solver("auto") == "sequence"  # 1521 > 1024 with an exact pc


def test_success_means_the_true_residual_meets_rtol():
    """CG stops on its recursive residual; solve() confirms the true one."""
    rng = np.random.default_rng(3)
    fields = np.exp(2.0 * rng.standard_normal((24, 24)))
    A, b = darcy_symmetric(fields)
    for method in ("cg", "bicgstab", "minres"):
        res = ps.solve(A, b, method=method, pc="jacobi", rtol=1e-10, maxiter=5000)
        assert np.linalg.norm(b - A @ res.x) <= 1e-10 * np.linalg.norm(b)
        assert res.info["true_residual_restarts"] >= 0
    # an unattainable rtol: reported as not converged, never a false success
    res = ps.solve(A, b, method="cg", rtol=1e-19, maxiter=3000, raise_on_failure=False)
    assert not res.converged
    assert np.linalg.norm(b - A @ res.x) > 1e-19 * np.linalg.norm(b)


def test_left_preconditioned_gmres_is_held_to_the_true_residual():
    """A diagonal preconditioner with entries over four decades makes left GMRES's own test
    (on ``M⁻¹ r``) pass while the true residual is 800x the target; solve() restarts it
    with a tightened tolerance until the true residual meets rtol."""
    A, b = spd(10)
    d = 10.0 ** np.random.default_rng(1).uniform(-2.0, 2.0, b.size)
    kw = dict(method="gmres", pc=lambda r: d * r, side="left", rtol=1e-8, restart=100)
    own = ps.solve(A, b, residual="method", **kw)
    assert own.converged and np.linalg.norm(b - A @ own.x) > 1e-7 * np.linalg.norm(b)
    res = ps.solve(A, b, **kw)
    assert res.converged and res.info["true_residual_restarts"] >= 1
    assert np.linalg.norm(b - A @ res.x) <= 1e-8 * np.linalg.norm(b)
    assert res.iterations > own.iterations
    with pytest.raises(SolverInputError, match="residual"):
        ps.solve(A, b, method="cg", residual="preconditioned")


def test_recycled_cg_refuses_a_nonsymmetric_matrix_like_cg():
    from pdesolve.linalg.validate import NotSPDError

    A, b = spd(8)
    N = (A + sp.diags(0.3 * np.ones(A.shape[0] - 1), 1)).tocsr()
    for method in ("cg", "rcg"):
        with pytest.raises(NotSPDError, match="symmetric"):
            ps.solve(N, b, method=method)
