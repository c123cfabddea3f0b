r"""Viscous Burgers equation on a periodic interval, pseudo-spectral in space.

.. math::

    u_t + u u_x = \nu u_{xx} \quad\Longleftrightarrow\quad
    u_t = \nu u_{xx} - \tfrac12 (u^2)_x, \qquad x \in [0, L),

with ``L = ν ∂²`` (symbol ``−νk²``) and ``N = −½ ik F[u²]`` dealiased (2/3 rule by default). The
Cole–Hopf transformation ``u = −2ν φ_x/φ`` (Hopf 1950; Cole 1951) turns it into the heat
equation ``φ_t = ν φ_xx``, which gives exact solutions: :func:`cole_hopf_sine` (the classical
``u_0 = A sin x`` on ``[0, 2π)``, by the Bessel series of ``φ``) and :meth:`Burgers.cole_hopf`
(any zero-mean ``u_0`` on the grid, spectrally accurate while ``φ`` is resolved).

Good values
-----------
``L = 2π``, ``u_0 = sin x``: ``ν = 0.1`` with ``n = 128``; ``ν = 0.02`` (a steep front at
``x = π`` near ``t ≈ 1``) with ``n = 256``; ETDRK4 with ``dt = 10⁻²``. Smaller ``ν`` needs
``n ≳ 4/ν`` to resolve the front. (The exact solutions here are usable for ``A/(2ν) ≲ 15``.)

References
----------
E. Hopf, Comm. Pure Appl. Math. 3 (1950) 201–230. J. D. Cole, Quart. Appl. Math. 9 (1951)
225–236.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ive

from ..spectral.fourier import FourierGrid, SpectralError
from ._spectral import PseudoSpectralModel

__all__ = ["Burgers", "cole_hopf_sine"]


def cole_hopf_sine(x: np.ndarray, t: float, nu: float, amplitude: float = 1.0,
                   terms: int | None = None) -> np.ndarray:
    """Exact solution of Burgers on ``[0, 2π)`` for ``u_0 = A sin x``.

    With ``a = A/(2ν)``, ``φ(x, t) = I_0(a) + 2 Σ_{n≥1} I_n(a) e^{−νn²t} cos nx`` and
    ``u = −2ν φ_x/φ = 4ν Σ n I_n(a) e^{−νn²t} sin nx / φ`` (``I_n`` modified Bessel functions,
    evaluated scaled by ``e^{−a}``, which cancels). ``φ`` spans ``e^{−2|a|}`` over the period,
    and the series loses that much relative accuracy: ``|a| > 15`` is refused.
    """
    if nu <= 0:
        raise SpectralError(f"nu must be > 0, got {nu}")
    a = amplitude / (2 * nu)
    if abs(a) > 15:
        raise SpectralError(f"A/(2ν) = {a:.3g} > 15: the Bessel series cancels to round-off")
    terms = terms or int(40 + 4 * abs(a))
    n = np.arange(1, terms + 1)
    x = np.asarray(x, dtype=float)
    In = ive(n, a) * np.exp(-nu * n**2 * t)
    phi = ive(0, a) + 2 * np.tensordot(np.cos(np.multiply.outer(x, n)), In, axes=([-1], [0]))
    dphi = 4 * nu * np.tensordot(np.sin(np.multiply.outer(x, n)), n * In, axes=([-1], [0]))
    return dphi / phi


class Burgers(PseudoSpectralModel):
    """Viscous Burgers ``u_t + u u_x = ν u_xx`` on ``[0, L)``; the state is ``rfft(u)``.

    Parameters
    ----------
    n : int
        Grid points.
    length : float
        Period ``L`` (default ``2π``).
    nu : float
        Viscosity ``ν > 0``.
    dealias : {"2/3", "3/2", "none"}

    Examples
    --------
    >>> import numpy as np
    >>> b = Burgers(64, nu=0.1)
    >>> (x,) = b.grid.mesh()
    >>> traj = b.rollout(np.sin(x), steps=10, dt=0.01)
    >>> bool(np.abs(traj.u[-1] - cole_hopf_sine(x, 0.1, 0.1)).max() < 1e-6)
    True
    """

    def __init__(self, n: int = 128, length: float = 2 * np.pi, *, nu: float = 0.1,
                 dealias: str = "2/3") -> None:
        if not (np.isfinite(nu) and nu > 0):
            raise SpectralError(f"nu must be > 0, got {nu}")
        self.nu = float(nu)
        self.grid = FourierGrid(int(n), length, dealias=dealias)
        (self._ik,) = self.grid.gradient_symbols()
        self._linear = -self.nu * self.grid.k2()

    def linear_symbol(self) -> np.ndarray:
        """``−νk²``."""
        return self._linear

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """``−½ ik F[u²]`` (dealiased)."""
        g = self.grid
        return (-0.5 * self._ik) * g.dealias_forward(g.dealias_inverse(uh) ** 2)

    def cole_hopf(self, u0: np.ndarray, t: float) -> np.ndarray:
        """The exact solution at time ``t`` from zero-mean grid values ``u0`` (Cole–Hopf).

        ``φ_0 = exp(−(1/2ν) ∫_0^x u_0)`` (spectral antiderivative), ``φ̂(t) = e^{−νk²t} φ̂_0``,
        ``u = −2ν φ_x/φ``; spectrally accurate while ``φ`` is resolved on the grid.
        """
        g = self.grid
        u0 = np.asarray(u0, dtype=float)
        uh = g.forward(u0)
        if np.any(np.abs(uh[..., 0]) > 1e-10 * max(np.abs(uh).max(), 1e-300)):
            raise SpectralError("Cole–Hopf on the torus needs a zero-mean u0")
        (k,) = g.wavenumbers
        anti = np.where(k == 0, 0.0, uh / np.where(k == 0, 1.0, 1j * k))
        if g.shape[0] % 2 == 0:
            anti[..., -1] = 0.0
        U = g.inverse(anti)
        U = U - U[..., :1]  # ∫_0^x u0
        e = -U / (2 * self.nu)
        spread = float(np.max(e.max(axis=-1) - e.min(axis=-1)))
        if spread > 30:
            raise SpectralError(
                f"Cole–Hopf: φ spans e^{spread:.0f}, beyond double precision; use a larger ν "
                "or a smaller u0"
            )
        phi0 = np.exp(e - e.max(axis=-1, keepdims=True))
        phih = g.forward(phi0) * np.exp(-self.nu * k**2 * t)
        phi = g.inverse(phih)
        dphi = g.inverse(phih * self._ik)
        return -2 * self.nu * dphi / phi
