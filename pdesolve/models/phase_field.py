r"""Phase-field models on periodic boxes (1–3D), pseudo-spectral in space: Allen–Cahn and
Cahn–Hilliard.

Both are gradient flows of the Ginzburg–Landau free energy

.. math::

    E(u) = \int \frac{\varepsilon^2}{2} |\nabla u|^2 + F(u)\, dx, \qquad
    F(u) = \tfrac14 (u^2 - 1)^2, \quad f(u) = F'(u) = u^3 - u,

- :class:`AllenCahn` (``L²`` gradient flow, Allen & Cahn 1979):
  :math:`u_t = \varepsilon^2 \Delta u - f(u)`, so :math:`dE/dt = -\|u_t\|^2 \le 0`;
- :class:`CahnHilliard` (``H^{-1}`` gradient flow, Cahn & Hilliard 1958):
  :math:`u_t = \Delta(f(u) - \varepsilon^2 \Delta u)`, which also conserves the mass
  :math:`\int u`.

In Fourier space the stiff linear part is a diagonal symbol and the cubic term is evaluated
pseudo-spectrally (dealiased by the grid's rule; the 2/3 mask removes the quadratic part of the
aliasing). A **stabilisation** ``S`` moves ``S Δu`` (Cahn–Hilliard) or ``S u`` (Allen–Cahn)
from the explicit to the implicit side (Zhu, Chen, Shen & Tikare 1999; Shen & Yang 2010):

.. math::

    \text{AC: } \hat{\mathcal L} = -\varepsilon^2 |k|^2 - S,\ \
    \mathcal N = -\widehat{f(u)} + S\hat u; \qquad
    \text{CH: } \hat{\mathcal L} = -\varepsilon^2 |k|^4 - S|k|^2,\ \
    \mathcal N = -|k|^2 (\widehat{f(u)} - S \hat u),

which damps the explicit part's stiff modes (``S ≈ max f' = 2`` on ``|u| ≤ 1``) and leaves the
equation unchanged. Both default to ETDRK4; any IMEX stepper (``"sbdf1"`` is the classical
stabilised semi-implicit scheme, unconditionally energy stable for ``S`` large enough) works.
The Cahn–Hilliard mean mode has ``L = N = 0``: the mass is conserved to round-off by every
stepper.

Good values
-----------
``L = 2π``, ``ε = 0.1`` (interface width ``≈ 2√2 ε``), ``n ≥ 2L/ε``: 128² for the box;
ETDRK4 ``dt = 0.01``–``0.05`` (AC), ``dt ≈ 1e-3`` (CH, coarsening over ``t ~ 10``); initial
data small random noise about a mean ``m`` (CH: ``m = 0`` gives a bicontinuous spinodal
pattern, ``|m| ≈ 0.4`` droplets).

References
----------
S. M. Allen and J. W. Cahn, Acta Metall. 27 (1979) 1085–1095. J. W. Cahn and J. E. Hilliard,
J. Chem. Phys. 28 (1958) 258–267. J. Zhu, L.-Q. Chen, J. Shen and V. Tikare, Phys. Rev. E 60
(1999) 3564–3572. J. Shen and X. Yang, Discrete Contin. Dyn. Syst. 28 (2010) 1669–1691.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..spectral.fourier import FourierGrid, SpectralError
from ._spectral import PseudoSpectralModel

__all__ = ["AllenCahn", "CahnHilliard"]


class _PhaseField(PseudoSpectralModel):
    """Shared set-up, the double-well ``f`` and the free energy."""

    def __init__(
        self,
        shape: int | Sequence[int],
        length: float | Sequence[float],
        epsilon: float,
        stabilization: float,
        dealias: str,
        workers: int,
    ) -> None:
        if not (np.isfinite(epsilon) and epsilon > 0):
            raise SpectralError(f"epsilon must be positive, got {epsilon!r}")
        if not (np.isfinite(stabilization) and stabilization >= 0):
            raise SpectralError(f"stabilization must be >= 0, got {stabilization!r}")
        self.grid = FourierGrid(shape, length, dealias=dealias, workers=workers)
        self.epsilon = float(epsilon)
        self.stabilization = float(stabilization)
        self._k2 = self.grid.k2()

    def _reaction_hat(self, uh: np.ndarray) -> np.ndarray:
        """``F[f(u)] − S û`` with ``f(u) = u³ − u``, dealiased."""
        g = self.grid
        u = g.dealias_inverse(uh)
        return g.dealias_forward(u**3 - u) - self.stabilization * uh

    def free_energy(self, u: np.ndarray) -> np.ndarray:
        """``E(u) = ∫ ε²/2 |∇u|² + (u² − 1)²/4`` of grid values (batch axes in front)."""
        g = self.grid
        u = np.asarray(u, dtype=np.float64)
        grad2 = (g.gradient(u) ** 2).sum(axis=0)
        dens = 0.5 * self.epsilon**2 * grad2 + 0.25 * (u**2 - 1.0) ** 2
        return dens.sum(axis=g.axes) * float(np.prod(g.spacing))

    def mass(self, u: np.ndarray) -> np.ndarray:
        """``∫ u dx``."""
        g = self.grid
        return np.asarray(u).sum(axis=g.axes) * float(np.prod(g.spacing))

    def noisy_initial(
        self, seed: int | np.random.Generator | None = None, mean: float = 0.0,
        amplitude: float = 0.05, *, batch: tuple[int, ...] = (),
    ) -> np.ndarray:  # fmt: skip
        """``mean`` plus uniform noise in ``[−amplitude, amplitude]`` at each grid point (the
        spinodal-decomposition start)."""
        rng = np.random.default_rng(seed)
        return mean + amplitude * rng.uniform(-1.0, 1.0, tuple(batch) + self.grid.shape)


class AllenCahn(_PhaseField):
    """``u_t = ε² Δu + u − u³`` on a periodic box (1–3D); the state is the ``rfftn`` of ``u``.

    Parameters
    ----------
    shape : int or sequence of int
    length : float or sequence of float
        Box side(s), default ``2π``.
    epsilon : float
        Interface width parameter ``ε``.
    stabilization : float
        ``S`` (module docstring), default 1.
    dealias, workers
        As :class:`~pdesolve.spectral.fourier.FourierGrid`.

    Examples
    --------
    >>> ac = AllenCahn((32, 32), epsilon=0.2)
    >>> traj = ac.rollout(ac.noisy_initial(seed=0), steps=20, dt=0.05)
    >>> bool(ac.free_energy(traj.u[-1]) < ac.free_energy(traj.u[0]))
    True
    """

    def __init__(
        self,
        shape: int | Sequence[int] = 128,
        length: float | Sequence[float] = 2 * np.pi,
        *,
        epsilon: float = 0.1,
        stabilization: float = 1.0,
        dealias: str = "2/3",
        workers: int = 1,
    ) -> None:
        super().__init__(shape, length, epsilon, stabilization, dealias, workers)
        self._linear = -(self.epsilon**2) * self._k2 - self.stabilization

    def linear_symbol(self) -> np.ndarray:
        """``−ε²|k|² − S``."""
        return self._linear

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """``−F[u³ − u] + S û``."""
        return -self._reaction_hat(uh)


class CahnHilliard(_PhaseField):
    """``u_t = Δ(u³ − u − ε² Δu)`` on a periodic box (1–3D); the state is the ``rfftn`` of
    ``u``. Parameters as :class:`AllenCahn` (default ``S = 2``).

    Examples
    --------
    >>> ch = CahnHilliard((32, 32), epsilon=0.2)
    >>> u0 = ch.noisy_initial(seed=0, mean=0.1)
    >>> traj = ch.rollout(u0, steps=20, dt=1e-3)
    >>> bool(abs(ch.mass(traj.u[-1]) - ch.mass(u0)) < 1e-10)
    True
    """

    def __init__(
        self,
        shape: int | Sequence[int] = 128,
        length: float | Sequence[float] = 2 * np.pi,
        *,
        epsilon: float = 0.1,
        stabilization: float = 2.0,
        dealias: str = "2/3",
        workers: int = 1,
    ) -> None:
        super().__init__(shape, length, epsilon, stabilization, dealias, workers)
        self._linear = -(self.epsilon**2) * self._k2**2 - self.stabilization * self._k2

    def linear_symbol(self) -> np.ndarray:
        """``−ε²|k|⁴ − S|k|²``."""
        return self._linear

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """``−|k|² (F[u³ − u] − S û)``."""
        return -self._k2 * self._reaction_hat(uh)
