"""Viscous Burgers against the exact Cole–Hopf solution: spectral convergence in n, time order."""

import numpy as np
import pytest

from pdesolve.models.burgers import Burgers, cole_hopf_sine
from pdesolve.spectral.fourier import SpectralError

NU, T = 0.1, 1.0


def test_spectral_convergence_against_cole_hopf():
    ns, errs = (32, 48, 64, 96), []
    for n in ns:
        b = Burgers(n, nu=NU)
        (x,) = b.grid.mesh()
        traj = b.rollout(np.sin(x), 100, T / 100)
        errs.append(np.abs(traj.u[-1] - cole_hopf_sine(x, T, NU)).max())
    assert all(e1 < e0 / 8 for e0, e1 in zip(errs, errs[1:], strict=False)), errs
    assert errs[-1] < 1e-6


def test_etdrk4_order_and_grid_cole_hopf():
    b = Burgers(128, nu=NU)
    (x,) = b.grid.mesh()
    # the grid Cole–Hopf transform agrees with the Bessel series
    assert np.abs(b.cole_hopf(np.sin(x), T) - cole_hopf_sine(x, T, NU)).max() < 1e-10
    ref = b.rollout(np.sin(x), 160, T / 160).u[-1]
    errs = [np.abs(b.rollout(np.sin(x), m, T / m).u[-1] - ref).max() for m in (5, 10, 20)]
    rates = np.log2(np.array(errs[:-1]) / errs[1:])
    assert np.all(rates > 3.5), rates


def test_errors():
    with pytest.raises(SpectralError):
        Burgers(32, nu=0.0)
    with pytest.raises(SpectralError):
        cole_hopf_sine(np.zeros(3), 1.0, 0.01)
    b = Burgers(32, nu=0.1)
    (x,) = b.grid.mesh()
    with pytest.raises(SpectralError, match="zero-mean"):
        b.cole_hopf(1.0 + np.sin(x), 0.5)
