"""Steady Navier–Stokes (Taylor–Hood, Newton): Kovasznay's exact solution with its orders,
Newton's quadratic convergence, and the lid-driven cavity against Ghia, Ghia & Shin (1982)."""

import numpy as np
import pytest

import pdesolve as ps
from pdesolve.errors import NewtonDivergenceError
from pdesolve.models.cavity import lid_driven_cavity
from pdesolve.models.navier_stokes import NavierStokes
from pdesolve.models.stokes import VelocityBC

RE = 40.0
LAM = RE / 2 - np.sqrt(RE**2 / 4 + 4 * np.pi**2)
P_MEAN = -0.5 * (np.exp(2 * LAM) - np.exp(-LAM)) / (2 * LAM) / 1.5  # over [-0.5, 1] x [-0.5, 1.5]


def kovasznay_u(x):
    e = np.exp(LAM * x[0])
    return np.array(
        [1 - e * np.cos(2 * np.pi * x[1]), LAM / (2 * np.pi) * e * np.sin(2 * np.pi * x[1])]
    )


def kovasznay_grad(x):
    e, c, s = np.exp(LAM * x[0]), np.cos(2 * np.pi * x[1]), np.sin(2 * np.pi * x[1])
    return np.array(
        [[-LAM * e * c, 2 * np.pi * e * s], [LAM**2 / (2 * np.pi) * e * s, LAM * e * c]]
    )


def kovasznay_p(x):
    return -0.5 * np.exp(2 * LAM * x[0]) - P_MEAN


def _kovasznay(n):
    mesh = ps.mesh.rectangle(3 * n // 2, 2 * n, x0=(-0.5, -0.5), x1=(1.0, 1.5))
    ns = NavierStokes(ps.fem.taylor_hood(mesh), 1 / RE, bcs=[VelocityBC(None, kovasznay_u)],
                      pressure="mean")
    w = ns.solve()
    errors = np.array([
        ps.fem.errornorm(w[0], kovasznay_u),
        ps.fem.errornorm(w[0], kovasznay_u, "H10", kovasznay_grad),
        ps.fem.errornorm(w[1], kovasznay_p),
    ])
    return errors, ns.history[-1]


def test_kovasznay_orders_and_quadratic_newton():
    (e1, _), (e2, hist) = _kovasznay(8), _kovasznay(16)
    np.testing.assert_allclose(np.log2(e1 / e2), [3, 2, 2], atol=0.2)
    r = np.array(hist)
    assert r[-1] <= 1e-10 * r[0] + 1e-10 and len(r) <= 7
    # quadratic convergence: in the last steps r_{k+1} / r_k^2 stays bounded while r_k -> 0,
    # i.e. the order estimate log r_{k+1} / log r_k (residuals scaled by r_0) approaches 2
    s = r / r[0]
    assert np.log(s[-2]) / np.log(s[-3]) > 1.8


def test_cavity_re100_and_re1000_against_ghia():
    r100 = lid_driven_cavity(100, n=32)
    assert r100.max_deviation <= 0.01
    r1000 = lid_driven_cavity(1000, n=32)
    assert r1000.max_deviation <= 0.02
    assert len(r1000.newton_iterations) == 3  # continuation 100 -> 400 -> 1000


def test_newton_without_continuation_fails_with_a_named_error():
    W = ps.fem.taylor_hood(ps.mesh.rectangle(6, 6))
    bcs = [VelocityBC(lambda x: (x[0] < 1e-12) | (x[0] > 1 - 1e-12) | (x[1] < 1e-12), 0.0),
           VelocityBC(lambda x: x[1] > 1 - 1e-12, (1.0, 0.0))]
    ns = NavierStokes(W, 1e-5, bcs=bcs, pressure="mean")
    with pytest.raises(NewtonDivergenceError, match="continuation"):
        ns.solve(maxiter=4)


@pytest.mark.parametrize("cells", ["triangle", "tetra"])
def test_numba_residual_and_jacobian_equal_the_decorated_forms(cells):
    """The kernels' residual and exact Jacobian against the forms of the current iterate
    (two code paths: equal to rounding, not bitwise)."""
    from pdesolve.fem.mixed import MixedFunction

    mesh = ps.mesh.rectangle(5, 4) if cells == "triangle" else ps.mesh.box(2, 2, 2)
    W = ps.fem.taylor_hood(mesh)
    ns = NavierStokes(W, 0.1)
    wh = MixedFunction(W, np.random.default_rng(0).standard_normal(W.num_dofs))
    r, r_ref = ns.residual(wh), ns.residual_form(wh)
    np.testing.assert_allclose(r, r_ref, atol=1e-12 * np.abs(r_ref).max())
    J, J_ref = ns.jacobian(wh), ns.jacobian_form(wh)
    assert abs(J - J_ref).max() < 1e-12 * abs(J_ref).max()
