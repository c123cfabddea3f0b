"""Gaussian random fields: spectra against theory, FNO's conventions, thresholds, seeds, Sobol."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft as sfft
from scipy import stats
from scipy.stats import qmc

from pdesolve.datagen import (
    DatagenError,
    GaussianRandomField,
    gaussian_random_field,
    lognormal,
    piecewise_constant,
    sample_rng,
    sobol_parameters,
)

M = 200  # samples averaged per spectrum


def _check_chi2(power: np.ndarray, mu: np.ndarray, dof: int) -> None:
    """``dof * power / mu`` is chi-square(dof) for every mode; test modes and their sum.

    ``power`` is the average over the samples of the squared mode amplitude (``dof`` = number of
    real Gaussians averaged); with the right spectrum each ratio is chi2(dof)/dof and the sum of
    the K statistics is chi2(K dof), whose z-score must be small.
    """
    stat = dof * power / mu
    lo, hi = stats.chi2.ppf([5e-4, 1 - 5e-4], dof)
    outside = np.mean((stat < lo) | (stat > hi))
    assert outside < 0.01, f"{outside:.2%} of modes outside the 99.9% chi-square interval"
    k = stat.size
    z = (stat.sum() - k * dof) / np.sqrt(2 * k * dof)
    assert abs(z) < 5, f"summed chi-square statistic has z-score {z:.1f}"


@pytest.mark.parametrize("alpha,tau", [(2.5, 7.0), (2.0, 3.0)])
def test_periodic_spectrum_matches_theory(alpha, tau):
    grf = GaussianRandomField((32, 32), alpha, tau, boundary="periodic")
    u = grf.sample(M, seed=1)
    uh = sfft.rfftn(u, axes=(1, 2)) / u[0].size
    power = np.mean(np.abs(uh) ** 2, axis=0)
    mu = grf.spectrum()
    # modes with last-axis index 0 or s/2 are paired with one of their own column (or real):
    # keep the others, which are independent complex Gaussians (2 real dof per sample)
    inner = (slice(None), slice(1, 16))
    _check_chi2(power[inner], mu[inner], 2 * M)
    assert power[0, 0] < 1e-20 * mu[inner].max()  # the mean mode is removed


def test_periodic_spectrum_is_fnos_gaussianrf():
    """FNO's ``GaussianRF``: sqrt_eig = s^d sqrt(2) sigma (4 pi^2 |k|^2 + tau^2)^(-alpha/2)
    times unit complex noise, real part, so E|FFT(u)_k / s^d|^2 = sqrt_eig^2 / (2 s^(2d))."""
    s, alpha, tau = 16, 2.5, 7.0
    sigma = tau ** (0.5 * (2 * alpha - 2))
    k = np.fft.fftfreq(s, 1 / s)
    kx, ky = np.meshgrid(k, k, indexing="ij")
    sqrt_eig = s**2 * np.sqrt(2) * sigma * (4 * np.pi**2 * (kx**2 + ky**2) + tau**2) ** (-alpha / 2)
    sqrt_eig[0, 0] = 0
    expected = sqrt_eig[:, : s // 2 + 1] ** 2 / (2 * s**4)
    np.testing.assert_allclose(GaussianRandomField((s, s), alpha, tau).spectrum(), expected)


@pytest.mark.parametrize("grid", ["cell", "node"])
def test_neumann_spectrum_matches_theory(grid):
    s = 24 if grid == "cell" else 25
    grf = GaussianRandomField((s, s), 2.0, 3.0, boundary="neumann", grid=grid)
    u = grf.sample(M, seed=2)
    if grid == "cell":
        coeff = sfft.dctn(u, type=2, norm="ortho", axes=(1, 2)) / s
    else:  # invert the DCT-I and its weights: x = DCT-I(y) / (2 (s - 1)) per axis
        w = np.full(s, np.sqrt(2) / 2)
        w[0], w[-1] = 1.0, np.sqrt(2)
        coeff = sfft.dctn(u, type=1, axes=(1, 2)) / (2 * (s - 1)) ** 2 / np.outer(w, w)
    power = np.mean(coeff**2, axis=0)
    mu = grf.spectrum()
    _check_chi2(power.ravel()[1:], mu.ravel()[1:], M)


def test_neumann_cell_field_is_fnos_grf_m():
    """FNO ``darcy/GRF.m``: U = idct2(s * tau^(alpha-1) (pi^2|k|^2 + tau^2)^(-alpha/2) .* xi)."""
    s, alpha, tau = 20, 2.0, 3.0
    xi = np.random.default_rng(5).standard_normal((1, s, s))
    k1, k2 = np.meshgrid(np.arange(s), np.arange(s), indexing="ij")
    coef = tau ** (alpha - 1) * (np.pi**2 * (k1**2 + k2**2) + tau**2) ** (-alpha / 2)
    L = s * coef * xi[0]
    L[0, 0] = 0
    expected = sfft.idctn(L, norm="ortho")  # MATLAB's idct2 is the orthonormal inverse DCT-II
    u = GaussianRandomField((s, s), alpha, tau, boundary="neumann").sample(
        None, np.random.default_rng(5)
    )
    np.testing.assert_allclose(u, expected, atol=1e-13)


def test_node_grid_matches_explicit_cosine_sum():
    s = 9
    grf = GaussianRandomField((s,), 2.0, 3.0, boundary="neumann", grid="node")
    xi = np.random.default_rng(0).standard_normal(s)
    x = np.arange(s) / (s - 1)
    c = np.where(np.arange(s) == 0, 1.0, 2.0)
    phi = np.sqrt(c)[:, None] * np.cos(np.pi * np.arange(s)[:, None] * x)  # (k, j)
    expected = (np.sqrt(grf.spectrum()) * xi) @ phi
    np.testing.assert_allclose(grf.sample(None, np.random.default_rng(0)), expected, atol=1e-13)


def test_thresholded_field_takes_two_values_half_each():
    u = gaussian_random_field(33, 64, alpha=2.0, tau=3.0, boundary="neumann", seed=3)
    a = piecewise_constant(u, 12.0, 3.0)
    assert set(np.unique(a).tolist()) == {3.0, 12.0}
    assert np.array_equal(a == 12.0, u >= 0)
    # the field is symmetric: P(u >= 0) = 1/2; per-sample fractions vary (long correlations),
    # their mean over 64 samples does not
    frac = (a == 12.0).mean(axis=(1, 2))
    assert abs(frac.mean() - 0.5) < 4 * frac.std() / np.sqrt(64)
    with pytest.raises(DatagenError):
        piecewise_constant(np.array([0.0, np.nan]))


def test_lognormal_is_positive_with_lognormal_mean():
    grf = GaussianRandomField((16, 16), 2.5, 7.0)
    a = lognormal(grf.sample(400, seed=4))
    assert (a > 0).all()
    var = grf.spectrum()[:, 1:8].sum() * 2 + grf.spectrum()[:, [0, 8]].sum()  # full-grid sum
    # E exp(u) = exp(var / 2) for u ~ N(0, var)
    assert a.mean() == pytest.approx(np.exp(var / 2), rel=0.02)


def test_determinism_by_seed():
    a = gaussian_random_field(16, 3, seed=7)
    np.testing.assert_array_equal(a, gaussian_random_field(16, 3, seed=7))
    assert not np.allclose(a, gaussian_random_field(16, 3, seed=8))
    rng = np.random.default_rng(7)
    first = gaussian_random_field(16, 1, seed=rng)
    second = gaussian_random_field(16, 1, seed=rng)  # a Generator is advanced
    assert not np.allclose(first, second)
    # per-sample streams depend on (seed, index) only
    x = sample_rng(11, 5).standard_normal(4)
    np.testing.assert_array_equal(x, sample_rng(11, 5).standard_normal(4))
    assert not np.allclose(x, sample_rng(11, 6).standard_normal(4))
    with pytest.raises(DatagenError):
        gaussian_random_field(16, seed=-1)


def test_bad_requests_raise():
    with pytest.raises(DatagenError):
        GaussianRandomField((16, 16), boundary="robin")
    with pytest.raises(DatagenError):
        GaussianRandomField((16, 16), alpha=-1.0)
    with pytest.raises(DatagenError):
        gaussian_random_field((1, 16))


def test_sobol_parameters_chunked_and_low_discrepancy():
    bounds = [(0.0, 1.0), (2.0, 5.0)]
    full = sobol_parameters(64, bounds, seed=3)
    np.testing.assert_array_equal(full[16:], sobol_parameters(48, bounds, seed=3, start=16))
    assert (full[:, 1] >= 2).all() and (full[:, 1] <= 5).all()
    unit = (full - [0, 2]) / [1, 3]
    random = np.random.default_rng(0).random((64, 2))
    assert qmc.discrepancy(unit) < 0.3 * qmc.discrepancy(random)
    with pytest.raises(DatagenError):
        sobol_parameters(4, [(1.0, 0.0)])


def test_dirichlet_spectrum_matches_theory_and_sine_sum():
    s = 20
    grf = GaussianRandomField((s, s), 2.0, 3.0, boundary="dirichlet")
    u = grf.sample(M, seed=6)
    # orthonormal DST-I: u = sum_k b_k 2 sin(pi k1 x) sin(pi k2 y) = (s + 1) * IDST_ortho(b)
    coeff = sfft.dstn(u, type=1, norm="ortho", axes=(1, 2)) / (s + 1)
    _check_chi2(np.mean(coeff**2, axis=0).ravel(), grf.spectrum().ravel(), M)
    one = GaussianRandomField((7,), 2.0, 3.0, boundary="dirichlet")
    xi = np.random.default_rng(0).standard_normal(7)
    x = np.arange(1, 8) / 8
    phi = np.sqrt(2) * np.sin(np.pi * np.arange(1, 8)[:, None] * x)
    np.testing.assert_allclose(
        one.sample(None, np.random.default_rng(0)), (np.sqrt(one.spectrum()) * xi) @ phi,
        atol=1e-13,
    )
