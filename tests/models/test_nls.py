"""Focusing NLS by Strang split-step: soliton, mass and energy conservation, order 2."""

import numpy as np
import pytest

from pdesolve.models import NonlinearSchrodinger, nls_soliton
from pdesolve.spectral import SpectralError

L = 40.0
V = 2 * np.pi * 2 / L  # a velocity compatible with the periodic box


@pytest.fixture(scope="module")
def nls():
    return NonlinearSchrodinger(256, L)


def test_soliton_second_order_and_exact_mass(nls):
    x = nls.grid.points()[0]
    psi0 = nls_soliton(x, 0.0, 1.0, V, 20.0)
    assert nls.mass(psi0) == pytest.approx(2.0, rel=1e-12)
    assert nls.energy(psi0) == pytest.approx(V**2 - 1 / 3, rel=1e-10)  # a v² − a³/3
    errs = []
    for dt in (0.04, 0.02):
        traj = nls.rollout(psi0, steps=int(round(4 / dt)), dt=dt)
        errs.append(np.abs(traj.u[-1] - nls_soliton(x, traj.t[-1], 1.0, V, 20.0)).max())
        mass = nls.mass(traj.u)
        assert np.abs(mass - mass[0]).max() < 1e-13  # both sub-flows are unitary
    assert errs[-1] < 3e-4
    assert 1.9 < np.log2(errs[0] / errs[1]) < 2.1


def test_energy_error_is_second_order(nls):
    x = nls.grid.points()[0]
    psi0 = 1.8 / np.cosh(x - 20.0) * np.exp(1j * V * x)  # not a soliton: a breathing state
    drift = []
    for dt in (0.04, 0.02):
        traj = nls.rollout(psi0, steps=int(round(3 / dt)), dt=dt)
        energy, mass = nls.energy(traj.u), nls.mass(traj.u)
        drift.append(np.abs(energy - energy[0]).max())
        assert np.abs(mass - mass[0]).max() < 1e-12 * mass[0]
    assert 1.6 < np.log2(drift[0] / drift[1]) < 2.4
    assert drift[-1] < 0.1


def test_lie_is_first_order_and_bad_input(nls):
    x = nls.grid.points()[0]
    psi0 = nls_soliton(x, 0.0, 1.0, 0.0, 20.0)
    errs = [np.abs(nls.rollout(psi0, int(2 / dt), dt, scheme="lie").u[-1]
                   - nls_soliton(x, 2.0, 1.0, 0.0, 20.0)).max() for dt in (0.02, 0.01)]  # fmt: skip
    assert 0.8 < np.log2(errs[0] / errs[1]) < 1.2
    with pytest.raises(SpectralError):
        nls.mass(np.ones(10))
    with pytest.raises(SpectralError):
        nls.rollout(np.full(256, np.nan), 1, 0.1)
    with pytest.raises(SpectralError):
        nls_soliton(x, 0.0, amplitude=0.0)
