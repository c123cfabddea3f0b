r"""Two-dimensional incompressible Navier–Stokes in vorticity form on a periodic box.

.. math::

    \omega_t + \mathbf u\cdot\nabla\omega = \nu\Delta\omega - \alpha\omega + f, \qquad
    \mathbf u = (\psi_y, -\psi_x), \qquad -\Delta\psi = \omega,

pseudo-spectral in space: ``ψ̂ = ω̂/|k|²`` (mean mode 0), the advection term formed on the grid
from ``u, v, ω_x, ω_y`` (four inverse and one forward real FFT) and dealiased by the 2/3 rule
(or 3/2 padding). Linear part ``L = −ν|k|² − α`` (diagonal), nonlinear part
``N(ω̂) = −D[F(u·∇ω)] + f̂``, so every stepper of :mod:`pdesolve.time` applies (``"etdrk4"``,
``"cnab2"``, ``"sbdf2"``...).

The FNO scheme
--------------
``stepper("fno")`` is the scheme of the Navier–Stokes data of the Fourier Neural Operator
(Li et al., ICLR 2021; ``data_generation/navier_stokes/ns_2d.py``): Crank–Nicolson on the viscous
term and forward Euler on the advection and forcing,

.. math::

    \hat\omega^{n+1} = \frac{(1 - \tfrac{h}{2}\nu|k|^2)\,\hat\omega^n
      + h\,(\hat f - D[\widehat{\mathbf u\cdot\nabla\omega}]^n)}{1 + \tfrac{h}{2}\nu|k|^2},

i.e. the IMEX multistep scheme CNAB1 (Ascher–Ruuth–Wetton 1995) of the time layer for this
``L`` and ``N``, order 1. Here it runs as one fused update (numba) after the five FFTs;
:class:`CrankNicolsonEuler` documents it and the tests check it against the time layer's CNAB1.
FNO settings: ``[0, 1]²``, ``ν = 10⁻³`` (also 10⁻⁴, 10⁻⁵), ``dt = 10⁻⁴``, forcing
``f = 0.1(sin 2π(x+y) + cos 2π(x+y))`` (``forcing="fno"``), a Gaussian random field initial
vorticity (``random_initial(kind="grf")``: α = 2.5, τ = 7), ``T = 50``, ``n = 256`` (data
subsampled to 64²). The 2/3 mask keeps ``|m| < n/3`` (FNO: ``|m| ≤ n/3``; identical unless
``3 | n``).

Good values
-----------
Decaying turbulence: ``L = 2π``, ``n = 128–256``, ``ν = 10⁻⁴–10⁻³``, ``dt ≈ 0.5 dx/max|u|``.
Kolmogorov flow: ``forcing=lambda x, y: 4 cos(4 y)`` with ``drag=0.1``, ``ν = 10⁻³``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..spectral import _kernels
from ..spectral.fourier import FourierGrid, SpectralError
from ..time._common import StepperBase
from ._spectral import PseudoSpectralModel

__all__ = ["NavierStokes2D", "CrankNicolsonEuler", "fno_forcing"]


def fno_forcing(x: np.ndarray, y: np.ndarray, length: float = 1.0) -> np.ndarray:
    """``0.1 (sin 2π(x+y)/L + cos 2π(x+y)/L)``, the FNO forcing (``L = 1``)."""
    s = 2 * np.pi * (x + y) / length
    return 0.1 * (np.sin(s) + np.cos(s))


class NavierStokes2D(PseudoSpectralModel):
    """2-D vorticity equation on ``[0, L)²``; the state is ``rfft2(ω)`` (batch axes in front).

    Parameters
    ----------
    shape : int or (int, int)
        Grid points per axis.
    length : float
        Box side ``L`` (default 1, the FNO box).
    nu : float
        Kinematic viscosity ``ν > 0``.
    forcing : None, "fno", callable ``f(x, y)`` or array
        Time-independent vorticity forcing on the grid.
    drag : float
        Linear (Ekman) drag ``α >= 0``.
    dealias : {"2/3", "3/2", "none"}
    workers : int
        :mod:`scipy.fft` threads.
    fused : bool
        Fused numba kernels for the elementwise work (else the numpy reference path).

    Examples
    --------
    >>> ns = NavierStokes2D(32, nu=1e-3, forcing="fno")
    >>> w0 = ns.random_initial(seed=0)
    >>> traj = ns.rollout(w0, steps=10, dt=1e-4, stepper="fno", save_every=5)
    >>> traj.u.shape
    (3, 32, 32)
    """

    default_stepper = "fno"

    def __init__(
        self,
        shape: int | tuple[int, int] = 256,
        length: float = 1.0,
        *,
        nu: float = 1e-3,
        forcing: None | str | Callable[[np.ndarray, np.ndarray], Any] | np.ndarray = None,
        drag: float = 0.0,
        dealias: str = "2/3",
        workers: int | None = 1,
        fused: bool = True,
    ) -> None:
        shape = (shape, shape) if np.ndim(shape) == 0 else tuple(shape)  # type: ignore
        if len(shape) != 2:
            raise SpectralError(f"NavierStokes2D needs a 2-D grid, got shape {shape}")
        self.grid = g = FourierGrid(shape, length, dealias=dealias, workers=workers)
        if not (np.isfinite(nu) and nu > 0) or not (np.isfinite(drag) and drag >= 0):
            raise SpectralError(f"need nu > 0 and drag >= 0, got nu={nu}, drag={drag}")
        self.nu, self.drag = float(nu), float(drag)
        self.fused = bool(fused) and dealias != "3/2"
        X, Y = g.mesh()
        if forcing is None:
            f = np.zeros(g.shape)
        elif isinstance(forcing, str):
            if forcing != "fno":
                raise SpectralError(f"unknown forcing {forcing!r}; use 'fno', a callable or array")
            f = fno_forcing(X, Y, g.lengths[0])
        elif callable(forcing):
            f = np.broadcast_to(np.asarray(forcing(X, Y), dtype=float), g.shape)
        else:
            f = np.asarray(forcing, dtype=float)
            if f.shape != g.shape:
                raise SpectralError(f"forcing has shape {f.shape}, the grid is {g.shape}")
        if not np.isfinite(f).all():
            raise SpectralError("the forcing contains NaN or Inf")
        self.forcing = f
        self._fh = np.ascontiguousarray(g.forward(f).reshape(-1))
        ikx, iky = g.gradient_symbols()
        self._ikx, self._iky = ikx, iky
        self._inv_k2 = -g.inverse_laplacian_symbol()  # 1/|k|², 0 on the mean
        self._linear = -self.nu * g.k2() - self.drag
        # D[F] = mask · F for the 2/3 rule; the 3/2 product comes back already truncated
        mask = g.dealias_mask() if dealias == "2/3" else np.ones(g.spectral_shape, dtype=bool)
        self._neg_mask = np.ascontiguousarray(-mask.reshape(-1).astype(float))
        self._bank = self._symbol_bank(
            [iky * self._inv_k2, -ikx * self._inv_k2, ikx, iky], imaginary=True
        )

    # -- the equation ------------------------------------------------------------------------
    def linear_symbol(self) -> np.ndarray:
        """``−ν|k|² − α``."""
        return self._linear

    def velocity(self, wh: np.ndarray) -> np.ndarray:
        """``(u, v) = (ψ_y, −ψ_x)`` on the grid from ``ω̂``: shape ``(2, *batch, n, n)``."""
        psi = wh * self._inv_k2
        g = self.grid
        return np.stack([g.inverse(self._iky * psi), g.inverse(-self._ikx * psi)])

    def advection(self, wh: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``F[u·∇ω]`` on the product grid, **not** dealiased (spectral; a new array unless
        ``out`` is given, fused path)."""
        g = self.grid
        if self.fused:
            fields = self._to_grid_many(wh, self._bank)  # u, v, ω_x, ω_y
            p = self._buffer("p", fields.shape[1:], np.float64)
            _kernels.dot_pairs(fields.reshape(4, -1), p.reshape(-1))
            return g.forward(p, out=out)
        psi = wh * self._inv_k2
        inv = g.dealias_inverse
        p = (inv(self._iky * psi) * inv(self._ikx * wh)
             - inv(self._ikx * psi) * inv(self._iky * wh))
        if g.dealias == "3/2":
            return g.dealias_forward(p)  # truncated: already dealiased
        return g.forward(p)

    def nonlinear(self, t: float, wh: np.ndarray) -> np.ndarray:
        """``−D[F(u·∇ω)] + f̂`` (D: the dealiasing rule)."""
        a = self.advection(wh)
        S = self._fh.size
        if self.fused:
            _kernels.scale_add_inplace(a.reshape(-1, S), self._neg_mask, self._fh)
            return a
        return (self._neg_mask * a.reshape(-1, S) + self._fh).reshape(a.shape)

    # -- diagnostics -------------------------------------------------------------------------
    def energy(self, wh: np.ndarray) -> np.ndarray:
        """Kinetic energy ``½⟨|u|²⟩`` (box average), per batch entry."""
        uv = self.velocity(wh)
        return 0.5 * (uv**2).sum(axis=0).mean(axis=(-2, -1))

    def enstrophy(self, wh: np.ndarray) -> np.ndarray:
        """``½⟨ω²⟩`` per batch entry."""
        return 0.5 * (self.grid.inverse(wh) ** 2).mean(axis=(-2, -1))

    def random_initial(self, seed: int | np.random.Generator | None = None, *,
                       batch: tuple[int, ...] = (), kind: str = "grf", alpha: float = 2.5,
                       tau: float = 7.0, **options: Any) -> np.ndarray:
        """A random initial vorticity.

        ``kind="grf"``: the FNO Gaussian random field, coefficients
        ``√2 σ n² (4π²|k|² + τ²)^{−α/2}`` times complex normals with ``σ = τ^{α−1}``, mean zero
        (``|k|`` in cycles per box). ``kind="smooth"``: :func:`~._spectral.random_field`.
        """
        if kind == "smooth":
            return super().random_initial(seed, batch=batch, **options)
        if kind != "grf":
            raise SpectralError(f"kind must be 'grf' or 'smooth', got {kind!r}")
        rng = np.random.default_rng(seed)
        n0, n1 = self.grid.shape
        m0 = np.fft.fftfreq(n0, 1.0 / n0)[:, None]
        m1 = np.fft.fftfreq(n1, 1.0 / n1)[None, :]
        sigma = tau ** (0.5 * (2 * alpha - 2.0))
        sqrt_eig = (n0 * n1) * np.sqrt(2.0) * sigma * (
            4 * np.pi**2 * (m0**2 + m1**2) + tau**2) ** (-alpha / 2.0)
        sqrt_eig[0, 0] = 0.0
        shape = tuple(batch) + (n0, n1)
        xi = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
        return np.fft.ifft2(sqrt_eig * xi).real

    def stepper(self, name: str | None = None, **options: Any) -> Any:
        """``"fno"`` (default): :class:`CrankNicolsonEuler`; any other name: the time layer's
        stepper on ``(L, N)`` (:meth:`PseudoSpectralModel.stepper`)."""
        name = self.default_stepper if name is None else name
        if str(name).lower() == "fno":
            return CrankNicolsonEuler(self, **options)
        return super().stepper(name, **options)


class CrankNicolsonEuler(StepperBase):
    """The FNO step for :class:`NavierStokes2D`: Crank–Nicolson viscosity, forward Euler
    advection and forcing (= CNAB1 of :mod:`pdesolve.time.imex` for this ``L``, ``N``), order 1.

    ``ω̂⁺ = A ω̂ + B (−D[F(u·∇ω)] + f̂)`` with ``A = (1 + hL/2)/(1 − hL/2)``,
    ``B = h/(1 − hL/2)``; the update after the FFTs is one fused pass. Coefficients are cached
    per step size.
    """

    name = "fno"
    order = 1

    def __init__(self, model: NavierStokes2D) -> None:
        super().__init__()
        self.model = model
        self._dt: float | None = None

    def _check_state(self, u: np.ndarray) -> None:
        g = self.model.grid
        if u.shape[u.ndim - 2:] != g.spectral_shape:
            raise SpectralError(f"state shape {u.shape} does not end in {g.spectral_shape}")

    def _coefficients(self, dt: float) -> None:
        m = self.model
        L = np.broadcast_to(m._linear, m.grid.spectral_shape).reshape(-1)
        den = 1.0 - 0.5 * dt * L
        self._A = np.ascontiguousarray((1.0 + 0.5 * dt * L) / den)
        B = dt / den
        self._Bmask = np.ascontiguousarray(B * m._neg_mask)
        self._Bf = np.ascontiguousarray(B * m._fh)
        self._dt = dt
        self.stats["factorizations"] += 1

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        if isinstance(dt, complex):
            raise SpectralError("the FNO step needs a real dt")
        if self._dt != dt:
            self._coefficients(dt)
        m = self.model
        self.stats["rhs_evals"] += 1
        F = m.advection(u, out=m._buffer("F", u.shape, np.complex128) if m.fused else None)
        S = self._A.size
        if not m.fused:  # numpy reference path
            return (self._A * u.reshape(-1, S) + self._Bmask * F.reshape(-1, S)
                    + self._Bf).reshape(u.shape)
        out = np.empty(u.shape, dtype=np.complex128)
        _kernels.cn_combine(self._A, self._Bmask, self._Bf,
                            np.ascontiguousarray(u, dtype=np.complex128).reshape(-1, S),
                            F.reshape(-1, S), out.reshape(-1, S))
        return out
