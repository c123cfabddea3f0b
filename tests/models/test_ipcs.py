"""IPCS (Goda's incremental pressure correction) on the Taylor–Green vortex, an exact
Navier–Stokes solution: second order in time for the velocity, first for the pressure
(Guermond, Minev & Shen 2006), and the spatial error at the Taylor–Hood level."""

from __future__ import annotations

import numpy as np
import pytest

import pdesolve as ps
from pdesolve.models.ipcs import IPCS, FlowBlowUpError
from pdesolve.models.stokes import VelocityBC

NU = 0.05


def velocity(x, t):
    e = np.exp(-2 * np.pi**2 * NU * t)
    return np.stack([-np.cos(np.pi * x[0]) * np.sin(np.pi * x[1]) * e,
                     np.sin(np.pi * x[0]) * np.cos(np.pi * x[1]) * e])  # fmt: skip


def pressure(x, t):
    return -0.25 * (np.cos(2 * np.pi * x[0]) + np.cos(2 * np.pi * x[1])) * np.exp(
        -4 * np.pi**2 * NU * t)  # fmt: skip


def run(W, steps: int, T: float = 0.5, **kw) -> IPCS:
    V, Q = W.spaces
    s = IPCS(W, NU, T / steps, [VelocityBC(None, velocity)], **kw)
    s.set_state(velocity(V.node_coordinates.T, 0.0).T.ravel(),
                pressure(Q.node_coordinates.T, 0.0))  # fmt: skip
    s.run(T)
    assert s.steps == steps and s.t == pytest.approx(T)
    return s


def rms(a):
    return float(np.sqrt(np.mean(a**2)))


@pytest.mark.parametrize(
    "rotational, convection",
    [(False, "semi-implicit"), (True, "semi-implicit"), (False, "explicit")],
)
def test_taylor_green_time_orders(rotational, convection):
    W = ps.fem.taylor_hood(ps.mesh.rectangle(8, 8))
    kw = {"rotational": rotational, "convection": convection}
    ref = run(W, 640, **kw)  # the time-converged solution on this mesh
    eu, ep = [], []
    for k in (20, 40, 80):
        s = run(W, k, **kw)
        eu.append(rms(s.u - ref.u))
        ep.append(rms((s.p - s.p.mean()) - (ref.p - ref.p.mean())))
    ru, rp = np.log2(eu[1] / eu[2]), np.log2(ep[1] / ep[2])
    assert 1.8 < ru < 2.3, eu  # CN viscous + AB2/extrapolated convection + incremental step
    assert 0.85 < rp < 1.4, ep  # the pressure boundary layer of the incremental scheme


@pytest.mark.parametrize("convection", ["semi-implicit", "explicit"])
def test_taylor_green_against_the_exact_solution(convection):
    errs = []
    for n in (6, 12):
        W = ps.fem.taylor_hood(ps.mesh.rectangle(n, n))
        s = run(W, 100, convection=convection)
        x = W.spaces[0].node_coordinates.T
        errs.append(rms(s.u - velocity(x, s.t).T.ravel()))
    assert errs[1] < 2e-3 and errs[0] / errs[1] > 4.0, errs  # P2 velocity, nodal values


def test_explicit_convection_beyond_its_cfl_limit_is_a_named_error():
    W = ps.fem.taylor_hood(ps.mesh.rectangle(8, 8))
    V, Q = W.spaces
    fast = lambda x, t: 50.0 * velocity(x, 0.0)  # noqa: E731
    s = IPCS(W, 1e-4, 0.05, [VelocityBC(None, fast)], blowup=1e3, convection="explicit")
    s.set_state(fast(V.node_coordinates.T, 0.0).T.ravel())
    with pytest.raises(FlowBlowUpError, match="reduce dt.*semi-implicit"):
        s.run(20.0)


@pytest.mark.parametrize("convection", ["explicit", "semi-implicit"])
def test_semi_implicit_skew_convection_has_no_cfl_limit(convection):
    """A cavity at Re = 10⁴ on an 8 x 8 mesh with dt = 0.2 (CFL ≈ 3): the explicit convection
    blows up (a named error that says what to do), the semi-implicit skew-symmetric one stays
    bounded by the lid speed's order (energy-stable: no growth without a source)."""
    W = ps.fem.taylor_hood(ps.mesh.rectangle(8, 8))
    lid = lambda x: np.isclose(x[1], 1.0)  # noqa: E731
    bcs = [VelocityBC(lid, (1.0, 0.0)), VelocityBC(None, 0.0)]
    s = IPCS(W, 1e-4, 0.2, bcs, blowup=1e2, convection=convection)
    if convection == "explicit":
        with pytest.raises(FlowBlowUpError, match="semi-implicit"):
            s.run(40.0)
    else:
        s.run(40.0)
        assert np.abs(s.u).max() < 2.0
    with pytest.raises(ValueError, match="convection"):
        IPCS(W, 1e-4, 0.05, bcs, convection="implicit")


def test_an_open_boundary_must_be_named():
    from pdesolve.mesh.channel import dfg_channel
    from pdesolve.models.dfg import dfg_bcs

    W = ps.fem.taylor_hood(dfg_channel(4))
    with pytest.raises(ValueError, match="outlet"):
        IPCS(W, 1e-3, 1e-3, dfg_bcs(0.3))


def test_componentwise_conditions_reach_the_steady_newton_solution():
    """A slip top wall (only u_y = 0 there) gives the components different Dirichlet nodes,
    so the momentum solves run per component. IPCS's fixed point is the discrete steady
    problem: after the transient it equals the Newton solution of the same conditions."""
    from pdesolve.models.navier_stokes import NavierStokes

    mesh = ps.mesh.rectangle(8, 4, x1=(2.0, 1.0))
    mesh.tag_facets("inlet", lambda x: x[0] < 1e-12)
    mesh.tag_facets("outlet", lambda x: x[0] > 2 - 1e-12)
    mesh.tag_facets("bottom", lambda x: x[1] < 1e-12)
    mesh.tag_facets("top", lambda x: x[1] > 1 - 1e-12)
    W = ps.fem.taylor_hood(mesh)
    bcs = [VelocityBC("inlet", lambda x, *t: np.stack([x[1] * (2 - x[1]), 0 * x[1]])),
           VelocityBC("bottom", 0.0), VelocityBC("top", 0.0, component=1)]  # fmt: skip
    flow = IPCS(W, 1.0, 0.05, bcs, outlet="outlet")
    assert flow.rows[0] is not flow.rows[1]  # the per-component path
    flow.run(12.0)
    steady = NavierStokes(W, 1.0, bcs=[VelocityBC(b.where, (lambda x, v=b.value: v(x))
                                                  if callable(b.value) else b.value,
                                                  b.component) for b in bcs]).solve()  # fmt: skip
    u = steady.x[W.dofs(0)]
    assert np.abs(flow.u - u).max() < 1e-5 * np.abs(u).max()  # 3.5e-3 at t = 3, 1.3e-6 at 12
