r"""The Korteweg–de Vries equation on a periodic interval, pseudo-spectral in space.

.. math::

    u_t + 6 u u_x + u_{xxx} = 0, \qquad x \in [0, L) \text{ periodic},

written on the Fourier coefficients as :math:`\hat u_t = i k^3 \hat u - 3 i k\, \widehat{u^2}`:
the dispersive part is the diagonal symbol :math:`\mathcal L = i k^3` (stiff, purely imaginary;
treated exactly by the exponential integrators), the nonlinear part
:math:`\mathcal N = -3 i k\, \widehat{u^2}` is evaluated pseudo-spectrally with the grid's
dealiasing rule. The default stepper is ETDRK4 (Cox & Matthews 2002, Kassam & Trefethen 2005
contour-integral coefficients); ``"exp-euler"``/``"etdrk2"`` and the IMEX steppers work too.

Exact solutions on the line (so on a periodic box to within the solitons' exponentially small
tails, ``~ e^{−κ d}`` at distance ``d`` from the box edge):

- :func:`soliton`: :math:`u = \tfrac{c}{2}\,\mathrm{sech}^2\big(\tfrac{\sqrt c}{2}(x - ct -
  x_0)\big)`, speed ``c`` = twice the amplitude;
- :func:`two_soliton` (Hirota 1971): :math:`u = 2 (\log\tau)_{xx}`,
  :math:`\tau = 1 + e^{\eta_1} + e^{\eta_2} + A e^{\eta_1 + \eta_2}`,
  :math:`\eta_i = \kappa_i (x - x_i) - \kappa_i^3 t`, :math:`A = ((\kappa_1 - \kappa_2)/(\kappa_1
  + \kappa_2))^2`: solitons of speeds :math:`\kappa_i^2` that pass through each other and come out
  with their shapes intact, shifted in phase.

Invariants (:meth:`KdV.invariants`): mass :math:`\int u`, momentum :math:`\int u^2`, energy
:math:`\int (\tfrac12 u_x^2 - u^3)`.

Good values
-----------
``L = 60``, ``n = 256``, ``dt = 0.01``; solitons with ``κ ≤ 1.5`` (amplitude ``κ²/2 ≤ 1.1``)
kept ``≥ 15`` away from the box edge; a collision of ``κ = (1.5, 1)`` takes ``t ≈ 10``.

References
----------
D. J. Korteweg and G. de Vries, Phil. Mag. 39 (1895) 422–443. N. J. Zabusky and M. D.
Kruskal, Phys. Rev. Lett. 15 (1965) 240–243. R. Hirota, Exact solution of the Korteweg–de
Vries equation for multiple collisions of solitons, Phys. Rev. Lett. 27 (1971) 1192–1194.
S. M. Cox and P. C. Matthews, J. Comput. Phys. 176 (2002) 430–455. A.-K. Kassam and
L. N. Trefethen, SIAM J. Sci. Comput. 26 (2005) 1214–1233.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..spectral.fourier import FourierGrid, SpectralError
from ._spectral import PseudoSpectralModel

__all__ = ["KdV", "kdv_soliton", "kdv_two_soliton"]


def _tau_solution(x: np.ndarray, thetas: Sequence[np.ndarray], slopes: Sequence[float]):
    """``2 (log τ)_xx`` for ``τ = Σ_j exp(θ_j)`` with ``θ_j`` linear in ``x`` of slope ``s_j``:
    ``2 (τ τ_xx − τ_x²)/τ²``, with the largest exponent factored out (no overflow)."""
    th = np.stack(np.broadcast_arrays(*thetas))
    s = np.asarray(slopes, dtype=np.float64).reshape((-1,) + (1,) * (th.ndim - 1))
    a = np.exp(th - th.max(axis=0))
    tau, tau_x, tau_xx = a.sum(axis=0), (a * s).sum(axis=0), (a * s**2).sum(axis=0)
    return 2.0 * (tau * tau_xx - tau_x**2) / tau**2


def kdv_soliton(x: np.ndarray, t: float, speed: float, x0: float = 0.0) -> np.ndarray:
    """The one-soliton ``(c/2) sech²(√c (x − ct − x0)/2)`` of ``u_t + 6uu_x + u_xxx = 0``."""
    if not speed > 0:
        raise SpectralError(f"the soliton speed must be positive, got {speed!r}")
    kappa = np.sqrt(speed)
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * speed / np.cosh(0.5 * kappa * (x - speed * t - x0)) ** 2


def kdv_two_soliton(
    x: np.ndarray, t: float, kappa: tuple[float, float], x0: tuple[float, float] = (0.0, 0.0)
) -> np.ndarray:
    """Hirota's two-soliton ``2 (log τ)_xx`` (module docstring).

    Parameters
    ----------
    x : array
    t : float
    kappa : (κ1, κ2)
        Wave numbers, distinct and positive: speeds ``κ_i²``, amplitudes ``κ_i²/2``.
    x0 : (x1, x2)
        Where each soliton would be at ``t = 0`` without the other (the interaction shifts
        the faster one forward and the slower one back).
    """
    k1, k2 = (float(k) for k in kappa)
    if not (k1 > 0 and k2 > 0 and k1 != k2):
        raise SpectralError(f"kappa must be two distinct positive numbers, got {kappa!r}")
    x = np.asarray(x, dtype=np.float64)
    eta1 = k1 * (x - x0[0]) - k1**3 * t
    eta2 = k2 * (x - x0[1]) - k2**3 * t
    log_a = 2.0 * np.log(abs(k1 - k2) / (k1 + k2))
    return _tau_solution(x, [np.zeros_like(x), eta1, eta2, eta1 + eta2 + log_a],
                         [0.0, k1, k2, k1 + k2])  # fmt: skip


class KdV(PseudoSpectralModel):
    """``u_t + 6 u u_x + u_xxx = 0`` on ``[0, L)``; the state is the ``rfft`` of ``u``.

    Parameters
    ----------
    n : int
        Grid points.
    length : float
        Box length ``L``.
    dealias : {"2/3", "3/2", "none"}
        Rule for the quadratic term (``u²``): both ``"2/3"`` and ``"3/2"`` are alias-free.
    workers : int
        :mod:`scipy.fft` threads.

    Examples
    --------
    >>> kdv = KdV(128, 40.0)
    >>> x = kdv.grid.points()[0]
    >>> traj = kdv.rollout(kdv_soliton(x, 0.0, 1.0, 20.0), steps=10, dt=0.01)
    >>> bool(np.abs(traj.u[-1] - kdv_soliton(x, 0.1, 1.0, 20.0)).max() < 1e-6)
    True
    """

    def __init__(
        self, n: int = 256, length: float = 60.0, *, dealias: str = "2/3", workers: int = 1
    ) -> None:
        if np.ndim(n) != 0:
            raise SpectralError(f"KdV is one-dimensional: n must be an int, got {n!r}")
        self.grid = FourierGrid(int(n), float(length), dealias=dealias, workers=workers)
        self._ik = self.grid.gradient_symbols()[0]
        self._linear = -self.grid.derivative_symbol(3)  # −(ik)³ = i k³

    def linear_symbol(self) -> np.ndarray:
        """``i k³`` (``−∂³``; zero at the Nyquist mode)."""
        return self._linear

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """``−3 i k F[u²]`` (``−6 u u_x = −3 (u²)_x``), dealiased."""
        g = self.grid
        return (-3.0 * self._ik) * g.dealias_forward(g.dealias_inverse(uh) ** 2)

    def invariants(self, u: np.ndarray) -> dict[str, np.ndarray]:
        """Mass ``∫u``, momentum ``∫u²`` and energy ``∫(u_x²/2 − u³)`` of grid values ``u``
        (batch axes in front; spectral derivative, trapezoidal = spectrally exact sums)."""
        g = self.grid
        dx = g.spacing[0]
        u = np.asarray(u, dtype=np.float64)
        if u.shape[-1:] != g.shape:
            raise SpectralError(f"u must have {g.shape[0]} points on its last axis, got {u.shape}")
        ux = g.derivative(u, 1)
        return {
            "mass": u.sum(axis=-1) * dx,
            "momentum": (u**2).sum(axis=-1) * dx,
            "energy": (0.5 * ux**2 - u**3).sum(axis=-1) * dx,
        }
