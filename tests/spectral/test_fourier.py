"""FourierGrid: spectral accuracy of derivatives and elliptic solves, exact dealiased products,
batch axes, both FFT paths, and the errors."""

import itertools

import numpy as np
import pytest

from pdesolve.errors import PdesolveError
from pdesolve.spectral.fourier import FourierGrid, SpectralError


def exponential_rate(ns, errs):
    """Least-squares slope of log(error) against n."""
    return np.polyfit(np.asarray(ns, float), np.log(errs), 1)[0]


def test_derivative_converges_exponentially():
    """u = exp(sin x): analytic in a strip, so the error of u' decays like e^{-cn}."""
    ns, errs = (8, 12, 16, 20, 24), []
    for n in ns:
        g = FourierGrid(n)
        (x,) = g.mesh()
        errs.append(np.abs(g.derivative(np.exp(np.sin(x))) - np.cos(x) * np.exp(np.sin(x))).max())
    assert exponential_rate(ns, errs) < -1.0, errs
    assert errs[-1] < 1e-11
    assert all(b < a / 10 for a, b in zip(errs[:3], errs[1:4], strict=True)), errs


@pytest.mark.parametrize("dim", [2, 3])
def test_gradient_laplacian_nd(dim):
    lengths = [2 * np.pi * (1 + j) for j in range(dim)]
    g = FourierGrid((24,) * dim, lengths)
    X = g.mesh()
    phase = [X[j] * 2 * np.pi / lengths[j] for j in range(dim)]
    u = np.exp(sum(np.sin(p) for p in phase))
    grad = g.gradient(u)
    assert grad.shape == (dim, *g.shape)
    for j in range(dim):
        c = 2 * np.pi / lengths[j]
        assert np.abs(grad[j] - c * np.cos(phase[j]) * u).max() < 1e-9
    lap = sum((2 * np.pi / lengths[j]) ** 2 * (np.cos(phase[j]) ** 2 - np.sin(phase[j])) * u
              for j in range(dim))
    assert np.abs(g.laplacian(u) - lap).max() < 1e-8
    d2 = g.derivative(u, [2] + [0] * (dim - 1))
    assert np.abs(d2 - (2 * np.pi / lengths[0]) ** 2
                  * (np.cos(phase[0]) ** 2 - np.sin(phase[0])) * u).max() < 1e-8


def _poisson_case(n):
    g = FourierGrid((n, n), (2 * np.pi, 4 * np.pi))
    X, Y = g.mesh()
    a, b = np.exp(np.sin(X)), np.exp(np.cos(Y / 2))
    u = a + b
    f = -(a * (np.cos(X) ** 2 - np.sin(X)) + b * (np.sin(Y / 2) ** 2 - np.cos(Y / 2)) / 4)
    return g, u - u.mean(), f - f.mean(), f


def test_poisson_converges_exponentially():
    ns, errs = (8, 12, 16, 20, 24, 28), []
    for n in ns:
        g, u, f, _ = _poisson_case(n)
        errs.append(np.abs(g.solve_poisson(f) - u).max())
    assert exponential_rate(ns, errs) < -0.8, errs
    assert errs[-1] < 1e-10


def test_poisson_mean_mode_policy_and_helmholtz():
    g, u, f0, f = _poisson_case(32)
    with pytest.raises(SpectralError, match="zero-mean"):
        g.solve_poisson(f0 + 1.0)
    assert np.abs(g.solve_poisson(f0 + 1.0, mean="zero") - u).max() < 1e-10
    with pytest.raises(SpectralError):
        g.solve_poisson(f0, mean="ignore")
    # (α − Δ)u = f, α > 0: no compatibility condition; compare with the symbol applied back
    alpha = 2.5
    v = g.solve_helmholtz(f, alpha)
    assert np.abs(alpha * v - g.laplacian(v) - f).max() < 1e-10
    # batch axes
    both = g.solve_poisson(np.stack([f0, 2 * f0]))
    assert np.abs(both[1] - 2 * u).max() < 1e-10
    with pytest.raises(SpectralError):
        g.solve_helmholtz(f, -1.0)
    with pytest.raises(SpectralError, match="NaN"):
        g.solve_poisson(np.full(g.shape, np.nan))


def _band_limited(g, rng, limit, batch=()):
    c = rng.standard_normal(batch + g.spectral_shape) + 1j * rng.standard_normal(
        batch + g.spectral_shape)
    mask = np.ones(g.spectral_shape, dtype=bool)
    for m in g.modes:
        mask &= np.abs(m) < limit
    return g.inverse(c * mask)


def _exact_product_coefficients(g, a, b):
    """Coefficients of a·b on the resolved modes, by evaluating on a grid twice as fine
    (trigonometric interpolation is exact for band-limited a, b; no aliasing there)."""
    fine = FourierGrid(tuple(2 * n for n in g.shape), g.lengths, dealias="none")

    def interp(f):
        F = np.fft.fftn(f, axes=g.axes)
        out = np.zeros(f.shape[: f.ndim - g.dim] + fine.shape, complex)
        blocks = []
        for n, m in zip(g.shape, fine.shape, strict=True):
            h = (n - 1) // 2
            blocks.append([(slice(0, h + 1), slice(0, h + 1)), (slice(n - h, n), slice(m - h, m))])
        for combo in itertools.product(*blocks):
            out[(Ellipsis, *(c[1] for c in combo))] = F[(Ellipsis, *(c[0] for c in combo))]
        return np.fft.ifftn(out, axes=g.axes).real * 2**g.dim

    ab = fine.forward(interp(a) * interp(b))
    idx = [np.where(m.ravel() >= 0, m.ravel(), m.ravel() + 2 * n).astype(int)
           for m, n in zip(g.modes, g.shape, strict=True)]
    sub = ab[(Ellipsis, *np.ix_(*idx))]
    return sub / 2**g.dim


@pytest.mark.parametrize("dim,n", [(1, 24), (1, 25), (2, 18), (3, 12)])
@pytest.mark.parametrize("rule", ["2/3", "3/2"])
def test_dealiased_products_are_exact(dim, n, rule):
    """The dealiased product equals the truncated series of the exact product: for "3/2" of
    the band-limited factors themselves; for "2/3" of the factors with their modes |m| ≥ n/3
    removed (the inputs here fill the whole band, so forgetting to mask them shows)."""
    g = FourierGrid((n,) * dim, dealias=rule)
    rng = np.random.default_rng(dim * 100 + n)
    a, b = (_band_limited(g, rng, (n - 1) // 2 + 0.5, (2,)) for _ in range(2))
    keep = np.ones(g.spectral_shape, dtype=bool)
    for m, nn in zip(g.modes, g.shape, strict=True):
        keep &= (np.abs(m) < nn / 3) if rule == "2/3" else (np.abs(m) <= (nn - 1) // 2)
    if rule == "2/3":
        a_ref, b_ref = (g.inverse(g.forward(f) * keep) for f in (a, b))
    else:
        a_ref, b_ref = a, b
    ph = g.product(g.forward(a), g.forward(b))
    ref = _exact_product_coefficients(g, a_ref, b_ref)
    scale = np.abs(ref).max()
    assert np.abs((ph - ref) * keep).max() < 1e-12 * scale
    assert np.abs(ph * ~keep).max() < 1e-12 * scale  # nothing outside the kept modes
    # negative control: the plain collocation product of the same inputs aliases
    raw = FourierGrid((n,) * dim, dealias="none")
    bad = raw.product(raw.forward(a), raw.forward(b))
    assert np.abs((bad - ref) * keep).max() > 1e-3 * scale


def test_dealias_mask_matches_fno_rule_at_256():
    g = FourierGrid((256, 256), 1.0)
    m0, m1 = g.modes
    fno = (np.abs(m0) <= 2 / 3 * 128) & (np.abs(m1) <= 2 / 3 * 128)
    assert np.array_equal(g.dealias_mask(), np.broadcast_to(fno, g.spectral_shape))


@pytest.mark.parametrize("fft", ["numpy", "scipy"])
def test_transforms_batch_axes_and_out(fft):
    rng = np.random.default_rng(0)
    g = FourierGrid((8, 12, 10), fft=fft)
    u = rng.standard_normal((3, 2, *g.shape))
    uh = g.forward(u)
    assert uh.shape == (3, 2, *g.spectral_shape)
    assert np.allclose(uh, np.fft.rfftn(u, axes=(-3, -2, -1)))
    assert np.allclose(uh[1, 0], g.forward(u[1, 0]))
    out = np.empty_like(u)
    back = g.inverse(uh, out=out)
    assert back is out and np.allclose(out, u)
    o2 = np.empty_like(uh)
    assert g.forward(u, out=o2) is o2 and np.allclose(o2, uh)
    keep = uh.copy()
    g.inverse(uh)
    assert np.array_equal(uh, keep)  # the input is untouched by default


def test_symbols():
    g = FourierGrid((8, 6), (2 * np.pi, np.pi))
    ikx, iky = g.gradient_symbols()
    assert ikx[4, 0] == 0  # Nyquist of an even axis
    assert np.allclose(g.derivative_symbol((0, 1)), np.broadcast_to(iky, g.spectral_shape))
    assert np.allclose(g.derivative_symbol((2, 0)), -np.broadcast_to(g.wavenumbers[0] ** 2,
                                                                     g.spectral_shape))
    assert np.isrealobj(g.derivative_symbol((2, 2)))
    inv = g.inverse_laplacian_symbol()
    assert inv[0, 0] == 0 and np.allclose((inv * g.laplacian_symbol())[g.k2() > 0], 1.0)


def test_errors():
    with pytest.raises(SpectralError):
        FourierGrid((8, 8, 8, 8))
    with pytest.raises(SpectralError):
        FourierGrid(2)
    with pytest.raises(SpectralError):
        FourierGrid(8, dealias="1/2")
    with pytest.raises(SpectralError):
        FourierGrid((8, 8), length=(1.0, -1.0))
    with pytest.raises(SpectralError):
        FourierGrid(8, fft="fftw")
    g = FourierGrid((8, 8))
    with pytest.raises(SpectralError, match="trailing shape"):
        g.forward(np.zeros((8, 7)))
    with pytest.raises(SpectralError, match="trailing shape"):
        g.inverse(np.zeros((8, 8), complex))
    with pytest.raises(SpectralError, match="real"):
        g.forward(np.zeros((8, 8), complex))
    with pytest.raises(SpectralError):
        g.derivative_symbol((1, -1))
    assert issubclass(SpectralError, PdesolveError)


def test_out_must_fit():
    g = FourierGrid((8, 8))
    with pytest.raises(SpectralError, match="out must be"):
        g.forward(np.zeros((8, 8)), out=np.empty((8, 5), np.complex64))
    with pytest.raises(SpectralError, match="out must be"):
        g.inverse(np.zeros((8, 5), complex), out=np.empty((16, 8))[::2])
