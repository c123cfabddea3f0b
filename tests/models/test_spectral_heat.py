"""Periodic heat in 1–3D: exponential steppers exact, IMEX at their order, sources."""

import numpy as np
import pytest

from pdesolve.models.spectral_heat import PeriodicHeat
from pdesolve.spectral.fourier import SpectralError


@pytest.mark.parametrize("shape", [(32,), (16, 12), (8, 8, 8)])
def test_exact_decay_with_etdrk4(shape):
    heat = PeriodicHeat(shape, kappa=0.7, source=lambda *x: np.cos(x[0]) + 0.5)
    u0 = heat.random_initial(seed=0, batch=(2,))
    traj = heat.rollout(u0, 8, 0.05)
    assert np.abs(traj.u[-1] - heat.exact(u0, 0.4)).max() < 1e-12


def test_closed_form_on_a_box_of_length_four():
    """u_t = κ u_xx + cos kx + ½, u0 = sin kx, k = 2π·2/4: u = e^{−κk²t} sin kx
    + (1 − e^{−κk²t})/(κk²) cos kx + t/2 — independent of the model's own symbols."""
    kappa, k, t = 0.3, 2 * np.pi * 2 / 4.0, 0.6
    heat = PeriodicHeat(32, 4.0, kappa=kappa, source=lambda x: np.cos(k * x) + 0.5)
    (x,) = heat.grid.mesh()
    u = heat.rollout(np.sin(k * x), 12, t / 12).u[-1]
    decay = np.exp(-kappa * k * k * t)
    exact = decay * np.sin(k * x) + (1 - decay) / (kappa * k * k) * np.cos(k * x) + 0.5 * t
    assert np.abs(u - exact).max() < 1e-12


def test_sbdf2_order_two():
    heat = PeriodicHeat(32, kappa=1.0)
    (x,) = heat.grid.mesh()
    u0 = np.exp(np.sin(x))
    exact = heat.exact(u0, 0.5)
    errs = [np.abs(heat.rollout(u0, m, 0.5 / m, stepper="sbdf2").u[-1] - exact).max()
            for m in (20, 40, 80)]
    rates = np.log2(np.array(errs[:-1]) / errs[1:])
    assert np.all(np.abs(rates - 2) < 0.2), rates


def test_errors():
    with pytest.raises(SpectralError):
        PeriodicHeat(16, kappa=0.0)
    with pytest.raises(SpectralError):
        PeriodicHeat(16, source=np.full(16, np.nan))
    with pytest.raises(SpectralError):
        PeriodicHeat(16).rollout(np.zeros(16), -1, 0.1)
