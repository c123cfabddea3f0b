"""Allen–Cahn energy decay, Cahn–Hilliard mass conservation and energy decay."""

import numpy as np
import pytest

from pdesolve.models import AllenCahn, CahnHilliard
from pdesolve.spectral import SpectralError


def test_allen_cahn_energy_decays_monotonically():
    ac = AllenCahn((48, 48), epsilon=0.15)
    traj = ac.rollout(ac.noisy_initial(seed=1, amplitude=0.1), steps=60, dt=0.1)
    energy = ac.free_energy(traj.u)
    assert np.all(np.diff(energy) < 0)
    assert energy[-1] < 0.6 * energy[0]
    assert np.abs(traj.u[-1]).max() < 1.05  # phases settle at ±1 (maximum principle)


def test_allen_cahn_kink_is_steady():
    # the 1-D kink tanh(x/(√2 ε)) is an exact steady state on the line; two kinks 20 apart
    # (28 interface widths) on the periodic box interact only through e^{-28} tails
    ac = AllenCahn(256, 40.0, epsilon=0.5)
    x = ac.grid.points()[0]
    u0 = np.tanh((x - 10) / (np.sqrt(2) * 0.5)) * np.tanh((30 - x) / (np.sqrt(2) * 0.5))
    traj = ac.rollout(u0, steps=20, dt=0.1, save_every=20)
    assert np.abs(traj.u[-1] - u0).max() < 1e-6


@pytest.mark.parametrize("method", ["etdrk4", "sbdf2"])
def test_cahn_hilliard_conserves_mass_and_dissipates_energy(method):
    ch = CahnHilliard((48, 48), epsilon=0.15)
    u0 = ch.noisy_initial(seed=2, mean=0.1, amplitude=0.1)
    traj = ch.rollout(u0, steps=100, dt=1e-2, stepper=method)
    mass = ch.mass(traj.u)
    assert np.abs(mass - mass[0]).max() < 1e-12 * np.abs(traj.u).sum(axis=(1, 2)).max()
    energy = ch.free_energy(traj.u)
    assert np.all(np.diff(energy) < 0)
    assert energy[-1] < 0.8 * energy[0]
    assert traj.u[-1].std() > 5 * u0.std()  # spinodal decomposition: the phases separate


def test_bad_parameters():
    with pytest.raises(SpectralError):
        AllenCahn(32, epsilon=0.0)
    with pytest.raises(SpectralError):
        CahnHilliard(32, stabilization=-1.0)
