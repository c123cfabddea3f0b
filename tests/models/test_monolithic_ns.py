"""The monolithic linearly implicit BDF2 / Crank–Nicolson Navier–Stokes schemes on the
Taylor–Green vortex (an exact solution): second order in time for the velocity and — unlike
the pressure-correction splitting — for the pressure too; bad input as named errors."""

from __future__ import annotations

import numpy as np
import pytest

import pdesolve as ps
from pdesolve.fem.mixed import NullSpaceError
from pdesolve.models.ipcs import IPCS
from pdesolve.models.monolithic_ns import MonolithicNS
from pdesolve.models.stokes import VelocityBC

NU = 0.05


def velocity(x, t):
    e = np.exp(-2 * np.pi**2 * NU * t)
    return np.stack([-np.cos(np.pi * x[0]) * np.sin(np.pi * x[1]) * e,
                     np.sin(np.pi * x[0]) * np.cos(np.pi * x[1]) * e])  # fmt: skip


def pressure(x, t):
    return -0.25 * (np.cos(2 * np.pi * x[0]) + np.cos(2 * np.pi * x[1])) * np.exp(
        -4 * np.pi**2 * NU * t)  # fmt: skip


def run(cls, W, steps, T=0.5, **kw):
    V, Q = W.spaces
    s = cls(W, NU, T / steps, [VelocityBC(None, velocity)], **kw)
    s.set_state(velocity(V.node_coordinates.T, 0.0).T.ravel(),
                pressure(Q.node_coordinates.T, 0.0))  # fmt: skip
    s.run(T)
    assert s.steps == steps and s.t == pytest.approx(T)
    return s


def rms(a):
    return float(np.sqrt(np.mean(a**2)))


@pytest.mark.parametrize("scheme", ["bdf2", "cn"])
def test_taylor_green_second_order_in_velocity_and_pressure(scheme):
    W = ps.fem.taylor_hood(ps.mesh.rectangle(6, 6))
    ref = run(MonolithicNS, W, 320, scheme=scheme, pressure="mean")
    eu, ep = [], []
    for k in (10, 20, 40):
        s = run(MonolithicNS, W, k, scheme=scheme, pressure="mean")
        eu.append(rms(s.u - ref.u))
        if scheme == "bdf2":  # CN's pressure sits at t - dt/2, a different time for each dt
            ep.append(rms((s.p - s.p.mean()) - (ref.p - ref.p.mean())))
    ru = np.log2(eu[1] / eu[2])
    assert 1.8 < ru < 2.3, eu
    if ep:
        rp = np.log2(ep[1] / ep[2])
        assert 1.7 < rp < 2.4, ep


def test_cn_pressure_is_the_half_step_pressure():
    W = ps.fem.taylor_hood(ps.mesh.rectangle(12, 12))
    s = run(MonolithicNS, W, 10, scheme="cn", pressure="mean")
    Q = W.spaces[1]
    assert s.p_time == pytest.approx(0.5 - 0.025)
    exact = pressure(Q.node_coordinates.T, s.p_time)
    at_t = pressure(Q.node_coordinates.T, s.t)
    err = rms((s.p - s.p.mean()) - (exact - exact.mean()))
    assert err < 0.5 * rms((s.p - s.p.mean()) - (at_t - at_t.mean())), err  # 0.32 measured


def test_monolithic_pressure_beats_the_splitting_at_the_same_step():
    """Same mesh, same dt: the coupled solve has no splitting error in the pressure."""
    W = ps.fem.taylor_hood(ps.mesh.rectangle(16, 16))
    Q = W.spaces[1]
    exact = pressure(Q.node_coordinates.T, 0.5)
    mono = run(MonolithicNS, W, 10, pressure="mean")
    split = run(IPCS, W, 10)
    e_mono = rms((mono.p - mono.p.mean()) - (exact - exact.mean()))
    e_split = rms((split.p - split.p.mean()) - (exact - exact.mean()))
    assert e_mono < 0.3 * e_split, (e_mono, e_split)  # 1.0e-3 against 7.6e-3 measured


def test_bad_input():
    W = ps.fem.taylor_hood(ps.mesh.rectangle(4, 4))
    bcs = [VelocityBC(None, velocity)]
    with pytest.raises(NullSpaceError, match="pressure='mean'"):
        MonolithicNS(W, NU, 0.1, bcs)
    with pytest.raises(ValueError, match="scheme"):
        MonolithicNS(W, NU, 0.1, bcs, scheme="bdf3", pressure="mean")
    with pytest.raises(ValueError, match="dt"):
        MonolithicNS(W, NU, 0.0, bcs, pressure="mean")
