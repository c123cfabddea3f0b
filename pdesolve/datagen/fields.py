r"""Gaussian random fields, their thresholded and log-normal variants, and Sobol parameters.

Covariance and normalisation
----------------------------
A field :math:`u` on the unit cube :math:`[0,1]^d` is a centred Gaussian with covariance operator

.. math::
    C = \sigma^2 (-\Delta + \tau^2 I)^{-\alpha}, \qquad \sigma = \tau^{\alpha - d/2}
    \text{ by default},

so in the eigenbasis :math:`\phi_k` of :math:`-\Delta` (eigenvalues :math:`\lambda_k`)

.. math::
    u(x) = \sum_{k \ne 0} \sqrt{\mu_k}\, \xi_k\, \phi_k(x), \qquad
    \mu_k = \sigma^2 (\lambda_k + \tau^2)^{-\alpha}, \qquad \xi_k \sim N(0, 1) \text{ i.i.d.},

truncated to the modes the grid resolves; the mean mode :math:`k = 0` is removed, as in FNO.

- ``boundary="periodic"`` (the torus; FNO's ``GaussianRF`` in ``random_fields.py`` used for
  Navier–Stokes and Burgers): :math:`\phi_k = e^{2\pi i k\cdot x}`,
  :math:`\lambda_k = 4\pi^2|k|^2`, :math:`k` the FFT wavenumbers of an ``s``-point grid
  :math:`x_j = j/s`. Synthesised as :math:`u = \mathrm{IFFT}(s^{d/2}\sqrt{\mu_k}\,
  \mathrm{FFT}(w))` with real white noise :math:`w`, so
  :math:`\mathbb E|\hat u_k|^2 = \mu_k` for :math:`\hat u = \mathrm{FFT}(u)/s^d` and the
  point variance is :math:`\sum_k \mu_k`. This is the distribution FNO's current
  ``GaussianRF.sample`` draws (``sqrt_eig = s^d \sqrt 2\, \sigma (4\pi^2|k|^2+\tau^2)^{-\alpha/2}``
  times unit-variance complex noise, real part): the factor :math:`\sqrt 2` compensates the real
  part halving the variance.
- ``boundary="neumann"`` (FNO's Darcy generator ``GRF.m``): :math:`\phi_k(x) = \prod_i
  \sqrt{c_{k_i}} \cos(\pi k_i x_i)` (:math:`c_0 = 1`, else 2; orthonormal in
  :math:`L^2(0,1)^d`), :math:`\lambda_k = \pi^2|k|^2`, :math:`0 \le k_i < s`. ``GRF.m`` computes
  ``U = idct2(s * tau^(alpha-1) * (pi^2|k|^2 + tau^2)^(-alpha/2) .* xi)`` at the cell centres
  :math:`x_j = (j + 1/2)/s` — exactly this expansion with :math:`\sigma = \tau^{\alpha-1}`
  (:math:`d = 2`), which ``grid="cell"`` reproduces. ``grid="node"`` evaluates the same
  expansion at the nodes :math:`x_j = j/(s-1)`, boundary included (a DCT-I), the points a
  nodal Darcy solver needs.
- ``boundary="dirichlet"`` (zero boundary values, for initial data of problems with
  homogeneous Dirichlet conditions): :math:`\phi_k(x) = \prod_i \sqrt 2 \sin(\pi k_i x_i)`,
  :math:`\lambda_k = \pi^2|k|^2`, :math:`1 \le k_i \le s`, at the ``s`` interior nodes
  :math:`x_j = (j + 1)/(s + 1)` of a grid whose boundary nodes are 0 (a DST-I).

FNO's published choices: Darcy :math:`\alpha = 2, \tau = 3` Neumann, thresholded 12/3 (the
paper; the repository's ``demo.m`` uses 12/4); Navier–Stokes initial vorticity
:math:`\alpha = 2.5, \tau = 7` periodic; SKR's log-normal Darcy/Helmholtz coefficient
:math:`\exp(u)` with :math:`\alpha = 2.5, \tau = 7`.

References
----------
Z. Li et al., "Fourier neural operator for parametric partial differential equations", ICLR 2021.
H. Wang et al., "Accelerating data generation for neural operators via Krylov subspace
recycling" (SKR), ICLR 2024.
G. J. Lord, C. E. Powell, T. Shardlow, "An introduction to computational stochastic PDEs",
CUP 2014, ch. 7 (spectral synthesis of random fields).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.fft as sfft

from .errors import DatagenError
from .seeding import Seed, as_generator

__all__ = [
    "GaussianRandomField",
    "gaussian_random_field",
    "lognormal",
    "piecewise_constant",
    "sobol_parameters",
]

Boundary = Literal["periodic", "neumann", "dirichlet"]
Grid = Literal["cell", "node"]


def _shape(resolution: int | Sequence[int], dim: int | None) -> tuple[int, ...]:
    if isinstance(resolution, (int, np.integer)):
        shape = (int(resolution),) * (2 if dim is None else int(dim))
    else:
        shape = tuple(int(s) for s in resolution)
        if dim is not None and len(shape) != dim:
            raise DatagenError(f"resolution {shape} does not have dim={dim} entries")
    if not 1 <= len(shape) <= 3 or min(shape) < 2:
        raise DatagenError(f"a field needs 1 to 3 axes of at least 2 points, not {shape}")
    return shape


@dataclass(frozen=True)
class GaussianRandomField:
    r"""The Gaussian random field :math:`N(0, \sigma^2(-\Delta + \tau^2)^{-\alpha})` on a grid.

    See the module docstring for the exact expansion and normalisation.

    Parameters
    ----------
    shape : tuple of int
        Grid points per axis (1 to 3 axes).
    alpha, tau : float
        Smoothness and inverse length scale (FNO Darcy: 2, 3; FNO NS, SKR: 2.5, 7).
    sigma : float, optional
        Amplitude; default :math:`\tau^{\alpha - d/2}` (FNO's convention).
    boundary : {"periodic", "neumann", "dirichlet"}
        Fourier modes on the torus, cosine modes (zero-flux Laplacian) or sine modes (zero
        boundary values; the field lives on the interior nodes) on the unit cube.
    grid : {"cell", "node"}
        Neumann only: cell centres ``(j+1/2)/s`` (FNO ``GRF.m``) or nodes ``j/(s-1)``.
        Periodic fields live on ``j/s``.

    Examples
    --------
    >>> grf = GaussianRandomField((64, 64), alpha=2.0, tau=3.0, boundary="neumann")
    >>> grf.sample(5, seed=0).shape
    (5, 64, 64)
    """

    shape: tuple[int, ...]
    alpha: float = 2.0
    tau: float = 3.0
    sigma: float | None = None
    boundary: Boundary = "periodic"
    grid: Grid = "cell"

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _shape(self.shape, None))
        if self.boundary not in ("periodic", "neumann", "dirichlet"):
            raise DatagenError(
                f"boundary must be 'periodic', 'neumann' or 'dirichlet', not {self.boundary!r}"
            )
        if self.grid not in ("cell", "node"):
            raise DatagenError(f"grid must be 'cell' or 'node', not {self.grid!r}")
        if not (self.alpha > 0 and self.tau > 0) or (self.sigma is not None and self.sigma <= 0):
            raise DatagenError(
                f"alpha, tau and sigma must be positive (alpha={self.alpha}, tau={self.tau}, "
                f"sigma={self.sigma})"
            )

    @property
    def dim(self) -> int:
        return len(self.shape)

    @property
    def amplitude(self) -> float:
        """σ, the given one or FNO's default :math:`\\tau^{\\alpha - d/2}`."""
        if self.sigma is not None:
            return float(self.sigma)
        return float(self.tau ** (self.alpha - self.dim / 2))

    def wavenumbers(self) -> list[np.ndarray]:
        """Integer wavenumbers per axis in the layout of :meth:`spectrum` (rfft layout on the
        last axis for periodic fields)."""
        if self.boundary == "neumann":
            return [np.arange(s, dtype=float) for s in self.shape]
        if self.boundary == "dirichlet":
            return [np.arange(1, s + 1, dtype=float) for s in self.shape]
        ks = [np.fft.fftfreq(s, 1.0 / s) for s in self.shape[:-1]]
        return ks + [np.fft.rfftfreq(self.shape[-1], 1.0 / self.shape[-1])]

    def spectrum(self) -> np.ndarray:
        r"""Covariance eigenvalues :math:`\mu_k = \sigma^2(\lambda_k + \tau^2)^{-\alpha}` of the
        grid's modes, 0 for the mean mode; rfft layout (periodic), DCT (Neumann) or DST
        (Dirichlet) layout."""
        scale = (2 * np.pi) ** 2 if self.boundary == "periodic" else np.pi**2
        grids = np.meshgrid(*self.wavenumbers(), indexing="ij", sparse=True)
        lam = scale * sum(k**2 for k in grids)
        mu = self.amplitude**2 * (lam + self.tau**2) ** (-self.alpha)
        if self.boundary != "dirichlet":
            mu[(0,) * self.dim] = 0.0
        return mu

    def sample(self, n: int | None = None, seed: Seed = None) -> np.ndarray:
        """Draw ``n`` independent fields, shape ``(n, *shape)`` (or one, ``shape``, if n is None).

        The same ``seed`` always gives the same fields; ``seed`` may be an int, a numpy
        Generator (advanced in place) or None (fresh entropy).
        """
        rng = as_generator(seed)
        m = 1 if n is None else int(n)
        if m < 0:
            raise DatagenError(f"number of samples must be >= 0, not {n}")
        axes = tuple(range(1, self.dim + 1))
        root = np.sqrt(self.spectrum())
        if self.boundary == "periodic":
            white = rng.standard_normal((m, *self.shape))
            scale = np.sqrt(np.prod(self.shape))
            u = sfft.irfftn(
                scale * root * sfft.rfftn(white, axes=axes), s=self.shape, axes=axes
            )
        elif self.boundary == "dirichlet":
            # unnormalised DST-I: y_j = 2 sum_k x_k sin(pi (k+1)(j+1)/(s+1)); x = b sqrt(2) / 2
            coeff = root * rng.standard_normal((m, *self.shape))
            u = sfft.dstn(coeff * (np.sqrt(2.0) / 2.0) ** self.dim, type=1, axes=axes)
        else:
            coeff = root * rng.standard_normal((m, *self.shape))
            u = self._cosine_synthesis(coeff, axes)
        return u if n is not None else u[0]

    def _cosine_synthesis(self, coeff: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        """``sum_k coeff_k phi_k(x_j)`` at the cell centres (DCT-III) or nodes (DCT-I)."""
        if self.grid == "cell":
            # orthonormal DCT-III: basis sqrt(c_k / s) cos(pi k (j + 1/2) / s)
            scale = np.sqrt(np.prod(self.shape))
            return sfft.idctn(scale * coeff, type=2, norm="ortho", axes=axes)
        # unnormalised DCT-I: y_j = x_0 + (-1)^j x_{s-1} + 2 sum_{0<k<s-1} x_k cos(pi k j/(s-1)),
        # so x_0 = b_0, x_k = b_k sqrt(2) / 2 inside and x_{s-1} = b_{s-1} sqrt(2)
        for axis, s in zip(axes, self.shape, strict=True):
            coeff = coeff * _node_weights(s).reshape((-1,) + (1,) * (self.dim - axis))
        return sfft.dctn(coeff, type=1, axes=axes)


def _node_weights(s: int) -> np.ndarray:
    """Per-axis factors turning KL coefficients into DCT-I inputs (see ``_cosine_synthesis``)."""
    w = np.full(s, np.sqrt(2.0) / 2.0)  # sqrt(c_k) / 2 with c_k = 2
    w[0] = 1.0  # c_0 = 1, counted once
    w[-1] = np.sqrt(2.0)  # highest mode: c = 2, counted once by the DCT-I
    return w


def gaussian_random_field(
    resolution: int | Sequence[int],
    n: int | None = None,
    *,
    alpha: float = 2.0,
    tau: float = 3.0,
    sigma: float | None = None,
    boundary: Boundary = "periodic",
    grid: Grid = "cell",
    dim: int | None = None,
    seed: Seed = None,
) -> np.ndarray:
    """Sample ``n`` Gaussian random fields (see :class:`GaussianRandomField`).

    Parameters
    ----------
    resolution : int or sequence of int
        Points per axis; an int means a square grid of ``dim`` axes (default 2).
    n : int, optional
        Number of fields (a leading batch axis); one field without batch axis if None.

    Examples
    --------
    >>> u = gaussian_random_field(32, 4, alpha=2.5, tau=7.0, seed=1)
    >>> u.shape
    (4, 32, 32)
    """
    grf = GaussianRandomField(_shape(resolution, dim), alpha, tau, sigma, boundary, grid)
    return grf.sample(n, seed)


def piecewise_constant(
    u: np.ndarray, high: float = 12.0, low: float = 3.0, level: float = 0.0
) -> np.ndarray:
    """The two-valued coefficient ``high`` where ``u >= level``, ``low`` elsewhere.

    FNO's Darcy coefficient is ``piecewise_constant(GRF(alpha=2, tau=3, Neumann))`` with 12/3
    (Li et al. 2021, App. A.3).
    """
    u = np.asarray(u)
    if np.isnan(u).any():
        raise DatagenError("field contains NaN")
    return np.where(u >= level, float(high), float(low))


def lognormal(u: np.ndarray) -> np.ndarray:
    """The log-normal coefficient ``exp(u)`` (SKR's Darcy/Helmholtz: α = 2.5, τ = 7)."""
    return np.exp(np.asarray(u, dtype=float))


def sobol_parameters(
    n: int,
    bounds: Sequence[tuple[float, float]],
    *,
    seed: int = 0,
    start: int = 0,
    scramble: bool = True,
) -> np.ndarray:
    """Points ``start, ..., start + n - 1`` of a (scrambled) Sobol sequence in a box.

    Point ``i`` depends on ``(seed, i)`` only, so a dataset may draw its parameters chunk by
    chunk. Balance properties hold for prefixes of length a power of two (Owen 1998; scipy's
    :class:`scipy.stats.qmc.Sobol`).

    Parameters
    ----------
    n : int
    bounds : sequence of (low, high)
        One interval per parameter.
    seed : int
        Scrambling seed.
    start : int
        Index of the first point.

    Returns
    -------
    ndarray, shape (n, len(bounds))

    Examples
    --------
    >>> p = sobol_parameters(8, [(0.0, 1.0), (1e-3, 1e-2)], seed=3)
    >>> p.shape, bool(((p[:, 1] >= 1e-3) & (p[:, 1] <= 1e-2)).all())
    ((8, 2), True)
    """
    from scipy.stats import qmc  # scipy.stats takes a second to import: only when needed

    bounds = np.asarray(bounds, dtype=float).reshape(-1, 2)
    if (bounds[:, 1] <= bounds[:, 0]).any():
        raise DatagenError(f"every bound must have low < high, got {bounds.tolist()}")
    if n < 0 or start < 0:
        raise DatagenError(f"n and start must be >= 0 (n={n}, start={start})")
    engine = qmc.Sobol(len(bounds), scramble=scramble, seed=seed)
    if start:
        engine.fast_forward(start)
    with warnings.catch_warnings():  # balance warning for n not a power of two
        warnings.simplefilter("ignore", UserWarning)
        points = engine.random(n)
    return qmc.scale(points, bounds[:, 0], bounds[:, 1])
