"""Kuramoto–Sivashinsky: ETDRK4 order 4 on the Kassam–Trefethen problem, bounded chaos, the fused
ETDRK4 / nonlinear paths against the numpy reference, the 2-D combustion form."""

import numpy as np
import pytest

from pdesolve.models.kuramoto_sivashinsky import KuramotoSivashinsky
from pdesolve.spectral.fourier import SpectralError
from pdesolve.time.exponential import ETDRK4


def kt_initial(ks):
    (x,) = ks.grid.mesh()
    return np.cos(x / 16) * (1 + np.sin(x / 16))


def test_etdrk4_order_four_kassam_trefethen():
    """u0 = cos(x/16)(1 + sin(x/16)) on [0, 32π): errors against a fine-step reference."""
    ks = KuramotoSivashinsky(64)
    u0 = kt_initial(ks)
    T = 8.0
    ref = ks.rollout(u0, 128, T / 128).u[-1]
    errs = [np.abs(ks.rollout(u0, m, T / m).u[-1] - ref).max() for m in (8, 16, 32)]
    rates = np.log2(np.array(errs[:-1]) / errs[1:])
    assert np.all(np.abs(rates - 4) < 0.5), rates


def test_chaotic_but_bounded():
    ks = KuramotoSivashinsky(128)
    traj = ks.rollout(kt_initial(ks), 600, 0.25, save_every=100)
    late = traj.u[-3:]
    assert np.abs(late).max() < 4.0  # the attractor of L = 32π stays within |u| < ~3.5
    assert late.std() > 0.5  # and is not a decayed or flat state
    assert abs(traj.u[-1].mean() - traj.u[0].mean()) < 1e-10  # conservative form: mean kept


def test_fused_paths_match_numpy_reference():
    fast = KuramotoSivashinsky((32, 32), 60.0)
    slow = KuramotoSivashinsky((32, 32), 60.0, fused=False)
    u0 = fast.random_initial(seed=2, batch=(2,))
    uh = fast.to_spectral(u0)
    assert np.abs(fast.nonlinear(0.0, uh) - slow.nonlinear(0.0, uh)).max() < 1e-12 * np.abs(
        slow.nonlinear(0.0, uh)).max()
    st_fast = fast.stepper("etdrk4")
    st_slow = slow.stepper("etdrk4")
    st_slow.fuse_min_size = None  # the numpy expression path of ETDRK4
    st_fast.fuse_min_size = 1  # small test grid: force the fused path
    assert isinstance(st_fast, ETDRK4) and st_fast._fusable(uh, st_fast.coefficients(0.05))
    a = b = uh
    for _ in range(5):
        a = st_fast.step(0.0, a, 0.05)
        b = st_slow.step(0.0, b, 0.05)
    assert np.abs(a - b).max() < 1e-12 * np.abs(b).max()
    # the stage buffers are reused, the returned states are not
    c = st_fast.step(0.0, a, 0.05)
    assert c is not a and not np.shares_memory(c, a)


def test_combustion_2d_mean_and_rules():
    ks = KuramotoSivashinsky((32, 32), 60.0)
    u0 = ks.random_initial(seed=0)
    traj = ks.rollout(u0, 40, 0.05, save_every=40)
    assert np.isfinite(traj.u).all()
    assert abs(traj.u[-1].mean()) < 1e-12  # mean forcing dropped (keep_mean=False)
    kept = KuramotoSivashinsky((32, 32), 60.0, keep_mean=True).rollout(u0, 40, 0.05)
    assert kept.u[-1].mean() < -1e-3  # −½|∇u|² pulls the mean down
    # the padded (numpy) path agrees with the 2/3 path to the truncation difference
    short = ks.rollout(u0, 4, 0.05).u[-1]
    padded = KuramotoSivashinsky((32, 32), 60.0, dealias="3/2").rollout(u0, 4, 0.05).u[-1]
    assert np.abs(padded - short).max() < 0.02 * np.abs(u0).max()
    with pytest.raises(SpectralError):
        KuramotoSivashinsky((16, 16), form="conservative")
    with pytest.raises(SpectralError):
        KuramotoSivashinsky(16, form="flame")


@pytest.mark.parametrize("rule", ["2/3", "3/2"])
def test_nonlinear_terms_against_closed_forms(rule):
    """1-D conservative form: u = cos(x/16) gives −½(u²)_x = sin(x/8)/32. 2-D combustion form:
    u = cos kx gives −½|∇u|² = −k²/4 + (k²/4) cos 2kx (the mean only with keep_mean=True)."""
    ks = KuramotoSivashinsky(64, dealias=rule)
    (x,) = ks.grid.mesh()
    N = ks.to_physical(ks.nonlinear(0.0, ks.to_spectral(np.cos(x / 16))))
    assert np.abs(N - np.sin(x / 8) / 32).max() < 1e-13
    k = 2 * np.pi / 60 * 3
    for keep_mean in (True, False):
        ks2 = KuramotoSivashinsky((32, 32), 60.0, dealias=rule, keep_mean=keep_mean)
        X, _ = ks2.grid.mesh()
        N = ks2.to_physical(ks2.nonlinear(0.0, ks2.to_spectral(np.cos(k * X))))
        exact = k * k * np.cos(2 * k * X) / 4 - (k * k / 4 if keep_mean else 0.0)
        assert np.abs(N - exact).max() < 1e-13
