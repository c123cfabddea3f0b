"""KdV: one- and two-soliton solutions against the exact ones, ETDRK4 order, invariants."""

import numpy as np
import pytest

from pdesolve.models import KdV, kdv_soliton, kdv_two_soliton
from pdesolve.spectral import SpectralError


def test_two_soliton_collision_matches_hirota():
    kdv = KdV(256, 60.0)
    x = kdv.grid.points()[0]
    kappa, x0 = (1.5, 1.0), (30.0, 30.0)  # they coincide at t = 0: run through the collision
    u0 = kdv_two_soliton(x, -5.0, kappa, x0)
    traj = kdv.rollout(u0, steps=1000, dt=0.01, t0=-5.0, save_every=500)
    assert traj.t[-1] == pytest.approx(5.0)
    for t, u in zip(traj.t, traj.u, strict=True):
        assert np.abs(u - kdv_two_soliton(x, t, kappa, x0)).max() < 2e-5
    # the collision is nonlinear: the exact solution at t = 0 is not the sum of two solitons
    linear_sum = sum(kdv_soliton(x, 0.0, k**2, 30.0) for k in kappa)
    assert np.abs(traj.u[1] - linear_sum).max() > 0.3
    inv0, inv1 = kdv.invariants(traj.u[0]), kdv.invariants(traj.u[-1])
    for key, rel in (("mass", 1e-12), ("momentum", 1e-6), ("energy", 1e-5)):
        assert inv1[key] == pytest.approx(inv0[key], rel=rel)
    assert inv0["mass"] == pytest.approx(2 * sum(kappa))  # ∫ 2(log τ)_xx = 2(κ1 + κ2)


def test_one_soliton_fourth_order_in_time():
    kdv = KdV(128, 40.0)
    x = kdv.grid.points()[0]
    u0 = kdv_soliton(x, 0.0, 1.0, 20.0)
    errs = []
    for dt in (0.1, 0.05):
        traj = kdv.rollout(u0, steps=int(round(4 / dt)), dt=dt, save_every=int(round(4 / dt)))
        errs.append(np.abs(traj.u[-1] - kdv_soliton(x, 4.0, 1.0, 20.0)).max())
    assert errs[-1] < 1e-5
    assert np.log2(errs[0] / errs[1]) > 3.5  # ETDRK4


def test_exact_solutions_and_bad_input():
    x = np.linspace(-10, 10, 2001)
    dx = x[1] - x[0]
    u = kdv_two_soliton(x, 0.3, (1.2, 0.7), (-1.0, 2.0))
    # residual of u_t + 6 u u_x + u_xxx by finite differences: the formula solves KdV
    ut = (kdv_two_soliton(x, 0.3 + 1e-4, (1.2, 0.7), (-1.0, 2.0))
          - kdv_two_soliton(x, 0.3 - 1e-4, (1.2, 0.7), (-1.0, 2.0))) / 2e-4  # fmt: skip
    ux = np.gradient(u, dx)
    uxxx = np.gradient(np.gradient(ux, dx), dx)
    assert np.abs((ut + 6 * u * ux + uxxx)[10:-10]).max() < 1e-3
    assert np.isfinite(kdv_two_soliton(np.linspace(-500, 500, 11), 0.0, (2.0, 1.0))).all()
    with pytest.raises(SpectralError):
        kdv_two_soliton(x, 0.0, (1.0, 1.0))
    with pytest.raises(SpectralError):
        kdv_soliton(x, 0.0, -1.0)
    with pytest.raises(SpectralError):
        KdV((16, 16))
