"""Newton's method: quadratic convergence, line search, inexact and Jacobian-free variants,
continuation and the named divergence error."""

import numpy as np
import pytest
import scipy.sparse as sp

from pdesolve.errors import NewtonDivergenceError
from pdesolve.linalg import continuation, newton


def bratu(n, lam):
    """-u'' = λ e^u on (0, 1), u(0) = u(1) = 0, second-order finite differences."""
    h = 1.0 / (n + 1)
    L = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n)) / h**2

    def F(u):
        return L @ u - lam * np.exp(u)

    def J(u):
        return (L - sp.diags(lam * np.exp(u))).tocsr()

    return F, J


def test_exact_newton_converges_quadratically():
    F, J = bratu(200, 1.0)
    res = newton(F, J, np.zeros(200), rtol=1e-12, atol=1e-10)
    assert res.converged and res.iterations <= 6
    r = np.array(res.residual_norms)
    # quadratic: r_{k+1} <= C r_k^2 in the final steps (C bounded, not growing)
    ratios = r[2:] / r[1:-1] ** 2
    assert ratios[-1] < 10 * max(ratios[0], 1.0) and r[-1] < 1e-10
    assert np.log(r[-1]) / np.log(r[-2]) > 1.7  # order of convergence ≈ 2
    # the residual of the returned iterate is what the history says
    assert np.linalg.norm(F(res.x)) == pytest.approx(r[-1])


def test_line_search_rescues_a_diverging_full_step():
    F = lambda x: np.arctan(x)  # noqa: E731
    J = lambda x: np.array([[1.0 / (1.0 + x[0] ** 2)]])  # noqa: E731
    with pytest.raises(NewtonDivergenceError, match="continuation"):
        newton(F, J, np.array([10.0]), line_search="none", maxiter=10)
    res = newton(F, J, np.array([10.0]))
    assert res.converged and abs(res.x[0]) < 1e-10 and min(res.step_lengths) < 1


def test_eisenstat_walker_saves_linear_iterations():
    F, J = bratu(100, 2.0)
    lin = {"method": "cg", "pc": "jacobi"}
    kw = {"rtol": 1e-10, "atol": 1e-8}
    tight = newton(F, J, np.zeros(100), linear_solver=lin, forcing=1e-9, **kw)
    ew = newton(F, J, np.zeros(100), linear_solver=lin, forcing="eisenstat-walker", **kw)
    assert tight.converged and ew.converged
    assert np.abs(ew.x - tight.x).max() < 1e-8
    assert sum(ew.linear_iterations) < sum(tight.linear_iterations)


def test_jacobian_free_agrees_with_matrix_newton():
    F, J = bratu(100, 1.0)
    a = newton(F, J, np.zeros(100))
    Jlap = bratu(100, 0.0)[1]  # the Laplacian alone: an approximate Jacobian for the pc
    b = newton(F, Jlap, np.zeros(100), jacobian="jfnk", linear_solver={"method": "gmres"},
               rtol=1e-9)
    assert b.converged and np.abs(a.x - b.x).max() < 1e-6
    assert max(b.linear_iterations) > 1  # the Laplacian is not the Jacobian: Krylov did work


def test_continuation_follows_the_bratu_branch():
    n = 100
    last, path = continuation(lambda lam: bratu(n, lam), [1.0, 2.0, 3.0, 3.4], np.zeros(n))
    assert last.converged and path[-1][0] == 3.4
    # the lower branch: u(1/2) grows with λ
    mids = [r.x[n // 2] for _, r in path]
    assert np.all(np.diff(mids) > 0)


def test_past_the_fold_newton_raises_the_named_error():
    F, J = bratu(50, 4.0)  # no solution beyond λ* ≈ 3.51
    with pytest.raises(NewtonDivergenceError, match="initial guess"):
        newton(F, J, np.zeros(50), maxiter=30)
    res = newton(F, J, np.zeros(50), maxiter=30, raise_on_failure=False)
    assert not res.converged and len(res.residual_norms) >= 2


def test_nan_residual_is_a_named_error():
    with pytest.raises(NewtonDivergenceError, match="NaN"):
        newton(lambda x: np.log(x - 1), lambda x: np.eye(1), np.array([0.0]))


def test_snes_backend_matches_our_newton():
    pytest.importorskip("petsc4py")
    F, J = bratu(60, 1.0)
    ours = newton(F, J, np.zeros(60))
    theirs = newton(F, J, np.zeros(60), backend="petsc",
                    options={"snes_type": "newtonls", "snes_linesearch_type": "bt"})
    assert theirs.converged and np.abs(ours.x - theirs.x).max() < 1e-8
