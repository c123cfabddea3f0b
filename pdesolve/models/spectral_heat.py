r"""The heat equation on a periodic box in 1–3D, Fourier in space.

.. math::

    u_t = \kappa \Delta u + f(x), \qquad x \in [0, L_1) \times \dots \times [0, L_d),

diagonal in Fourier space: ``dû_k/dt = −κ|k|² û_k + f̂_k``, solved exactly by
``û_k(t) = e^{−κ|k|²t} û_k(0) + (1 − e^{−κ|k|²t}) f̂_k / (κ|k|²)`` (mean mode:
``û_0 + t f̂_0``; :meth:`PeriodicHeat.exact`). Time stepping goes through the time layer with the
linear symbol ``−κ|k|²`` and the constant source as the "nonlinear" part; exponential
steppers (``"etdrk4"``, default) are exact up to rounding for it, IMEX ones show their order.
(The finite-element heat equation on meshes is :class:`pdesolve.models.HeatEquation`.)

Good values: ``L = 2π``, ``κ = 1``, ``n = 32–64`` per axis; mode ``k`` decays on the time scale
``1/(κk²)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..spectral.fourier import FourierGrid, SpectralError
from ._spectral import PseudoSpectralModel

__all__ = ["PeriodicHeat"]


class PeriodicHeat(PseudoSpectralModel):
    """``u_t = κΔu + f(x)`` on a periodic box; the state is ``rfftn(u)``.

    Parameters
    ----------
    shape : int or sequence of int
        Grid points per axis (1 to 3 axes).
    length : float or sequence of float
        Box sides (default ``2π``).
    kappa : float
        Diffusivity ``κ > 0``.
    source : None, callable ``f(*coords)`` or array
        A time-independent source on the grid.

    Examples
    --------
    >>> import numpy as np
    >>> heat = PeriodicHeat((32, 32), kappa=1.0)
    >>> X, Y = heat.grid.mesh()
    >>> u0 = np.sin(X) * np.cos(2 * Y)
    >>> traj = heat.rollout(u0, steps=10, dt=0.01)
    >>> bool(np.allclose(traj.u[-1], u0 * np.exp(-5 * 0.1)))
    True
    """

    def __init__(self, shape: int | Sequence[int] = 64,
                 length: float | Sequence[float] = 2 * np.pi, *, kappa: float = 1.0,
                 source: None | Callable[..., Any] | np.ndarray = None) -> None:
        if not (np.isfinite(kappa) and kappa > 0):
            raise SpectralError(f"kappa must be > 0, got {kappa}")
        self.kappa = float(kappa)
        self.grid = g = FourierGrid(shape, length, dealias="none")
        self._k2 = g.k2()
        self._linear = -self.kappa * self._k2
        if source is None:
            self._fh = None
            self.has_nonlinear = False
        else:
            f = source(*g.mesh()) if callable(source) else source
            f = np.broadcast_to(np.asarray(f, dtype=float), g.shape)
            if not np.isfinite(f).all():
                raise SpectralError("the source contains NaN or Inf")
            self._fh = g.forward(np.ascontiguousarray(f))

    def linear_symbol(self) -> np.ndarray:
        """``−κ|k|²``."""
        return self._linear

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """The source ``f̂`` (broadcast over batch axes)."""
        if self._fh is None:
            return np.zeros_like(uh)
        return np.broadcast_to(self._fh, uh.shape).copy()

    def exact(self, u0: np.ndarray, t: float) -> np.ndarray:
        """The exact solution at time ``t`` from grid values ``u0``."""
        g = self.grid
        decay = np.exp(-self.kappa * self._k2 * t)
        uh = g.forward(np.asarray(u0, dtype=float)) * decay
        if self._fh is not None:
            k2 = np.where(self._k2 == 0, 1.0, self._k2)
            gain = np.where(self._k2 == 0, t, (1.0 - decay) / (self.kappa * k2))
            uh = uh + gain * self._fh
        return g.inverse(uh)
