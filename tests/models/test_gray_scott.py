"""Gray–Scott: Pearson's square seed grows into a bounded pattern."""

import numpy as np
import pytest

from pdesolve.models import PATTERNS, GrayScott
from pdesolve.spectral import SpectralError


def test_pattern_forms_and_stays_bounded():
    gs = GrayScott((32, 32), length=0.3, pattern="stripes")
    u0 = gs.pearson_initial(seed=0, square=0.15)
    traj = gs.rollout(u0, steps=500, dt=4.0, save_every=50)
    u, v = traj.u[:, 0], traj.u[:, 1]
    assert u.min() > 0.0 and u.max() < 1.02 and v.min() > -1e-6 and v.max() < 0.6
    covered = (v > 0.1).mean(axis=(1, 2))  # the fraction of the box the pattern covers
    assert covered[0] < 0.05 and covered[-1] > 0.3
    assert v[-1].var() > 3 * v[0].var()
    # a pattern, not a uniform state: the final v has structure at a finite wavelength
    spec = np.abs(np.fft.rfft2(v[-1] - v[-1].mean()))
    assert spec.max() > 10 * np.median(spec)


def test_trivial_state_is_steady_and_bad_input():
    gs = GrayScott((16, 16), length=0.3, pattern="spots")
    u0 = np.stack([np.ones((16, 16)), np.zeros((16, 16))])
    traj = gs.rollout(u0, steps=10, dt=2.0)
    np.testing.assert_allclose(traj.u[-1], u0, atol=1e-12)
    assert set(PATTERNS) >= {"stripes", "spots"}
    with pytest.raises(SpectralError):
        GrayScott((16, 16), pattern="nope")
    with pytest.raises(SpectralError):
        gs.rollout(np.ones((16, 16)), steps=1, dt=1.0)
    with pytest.raises(SpectralError):
        GrayScott((16, 16), feed=-0.1)
