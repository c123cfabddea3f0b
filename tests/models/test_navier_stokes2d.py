"""2-D Navier–Stokes (vorticity): Taylor–Green decay against the exact solution, the FNO step
against the time layer's CNAB1, fused against numpy paths, batches, energy decay."""

import numpy as np
import pytest

from pdesolve.models.navier_stokes2d import NavierStokes2D, fno_forcing
from pdesolve.spectral.fourier import SpectralError
from pdesolve.time.imex import IMEXMultistep

NU, K = 0.05, 2


def taylor_green(ns):
    X, Y = ns.grid.mesh()
    return 2 * K * np.cos(K * X) * np.cos(K * Y)


def test_taylor_green_is_steady_euler_and_decays_exactly():
    """ω = 2k cos kx cos ky: u·∇ω ≡ 0, so ω(t) = e^{−2νk²t} ω(0)."""
    ns = NavierStokes2D(32, 2 * np.pi, nu=NU)
    w0 = taylor_green(ns)
    assert np.abs(ns.nonlinear(0.0, ns.to_spectral(w0))).max() < 1e-10
    T = 1.0
    exact = np.exp(-2 * NU * K**2 * T) * w0
    traj = ns.rollout(w0, 10, T / 10, stepper="etdrk4")
    assert np.abs(traj.u[-1] - exact).max() < 1e-12
    assert np.allclose(traj.t, np.linspace(0, T, 11))
    # the FNO scheme (CN on the viscous term) converges at order 2 on this linear decay
    errs = [np.abs(ns.rollout(w0, m, T / m, stepper="fno").u[-1] - exact).max()
            for m in (5, 10, 20)]
    rates = np.log2(np.array(errs[:-1]) / errs[1:])
    assert np.all(np.abs(rates - 2) < 0.1), rates


def test_fno_step_equals_time_layer_cnab1():
    ns = NavierStokes2D(48, nu=1e-3, forcing="fno")
    wh = ns.to_spectral(ns.random_initial(seed=3))
    dt = 1e-2
    ours = ns.stepper("fno")
    ref = IMEXMultistep("cnab1", linear=ns.linear_symbol(), nonlinear=ns.nonlinear)
    a = b = wh
    for i in range(3):
        a = ours.step(i * dt, a, dt)
        b = ref.step(i * dt, b, dt)
    assert np.abs(a - b).max() < 1e-12 * np.abs(b).max()
    assert np.abs(a - wh).max() > 1e-3 * np.abs(wh).max()  # it did move


@pytest.mark.parametrize("dealias", ["2/3", "none"])
def test_fused_matches_numpy_reference(dealias):
    kw = dict(nu=1e-3, forcing=lambda x, y: np.sin(2 * np.pi * y), dealias=dealias)
    fast, slow = NavierStokes2D(32, **kw), NavierStokes2D(32, fused=False, **kw)
    w0 = fast.random_initial(seed=1, batch=(2,))
    uf = fast.rollout(w0, 4, 1e-2, stepper="fno").u
    us = slow.rollout(w0, 4, 1e-2, stepper="fno").u
    assert np.abs(uf - us).max() < 1e-12 * np.abs(us).max()
    # batch entries evolve independently
    single = fast.rollout(w0[1], 4, 1e-2, stepper="fno").u
    assert np.abs(uf[:, 1] - single).max() < 1e-12 * np.abs(single).max()


def test_unforced_energy_decays_and_padding_agrees():
    ns = NavierStokes2D(32, 2 * np.pi, nu=1e-2)
    w0 = ns.random_initial(seed=0, kind="smooth", kmax=4)
    traj = ns.rollout(w0, 40, 0.02, stepper="etdrk4", save_every=10)
    e = [float(ns.energy(ns.to_spectral(w))) for w in traj.u]
    assert all(b < a for a, b in zip(e, e[1:], strict=False)), e
    padded = NavierStokes2D(32, 2 * np.pi, nu=1e-2, dealias="3/2")
    tp = padded.rollout(w0, 40, 0.02, stepper="etdrk4", save_every=10)
    # a nearly resolved flow: the two rules differ only by the modes the 2/3 mask drops
    assert np.abs(tp.u[-1] - traj.u[-1]).max() < 2e-3 * np.abs(w0).max()


def test_forcing_grf_and_errors():
    ns = NavierStokes2D(16, nu=1e-3, forcing="fno")
    X, Y = ns.grid.mesh()
    assert np.allclose(ns.forcing, fno_forcing(X, Y))
    w = ns.random_initial(seed=0, batch=(3,))
    assert w.shape == (3, 16, 16) and np.allclose(w.mean(axis=(-2, -1)), 0.0)
    assert np.array_equal(w, ns.random_initial(seed=0, batch=(3,)))
    with pytest.raises(SpectralError):
        NavierStokes2D((16, 16, 16))
    with pytest.raises(SpectralError):
        NavierStokes2D(16, nu=-1.0)
    with pytest.raises(SpectralError):
        NavierStokes2D(16, forcing="kolmogorov")
    with pytest.raises(SpectralError):
        ns.stepper("fno").step(0.0, np.zeros((16, 8), complex), 1e-3)
