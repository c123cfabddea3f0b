r"""The Kuramoto–Sivashinsky equation on a periodic box, pseudo-spectral in space.

Two forms (Kuramoto 1978; Sivashinsky 1977), both with the linear symbol
:math:`\hat{\mathcal L} = |k|^2 - |k|^4` (long waves grow, short waves are damped):

- ``"combustion"`` (any dimension; the flame-front form, the default in 2D/3D):

  .. math:: u_t = -\Delta u - \Delta^2 u - \tfrac12 |\nabla u|^2,

- ``"conservative"`` (1D; the default there): :math:`u_t = -u_{xx} - u_{xxxx} - \tfrac12 (u^2)_x`.

In the combustion form the mean of ``u`` is slaved to the rest (it only drifts, fed by
:math:`-\tfrac12\overline{|\nabla u|^2}`); by default its forcing is dropped (``keep_mean=False``)
so the mean stays at its initial value, as in the benchmarks. Nonlinear terms are evaluated
pseudo-spectrally with the grid's dealiasing rule (2/3 mask by default). The default stepper
is ETDRK4 with Kassam–Trefethen coefficients (``pdesolve.time``), whose diagonal step runs fused
(numba); the nonlinear term's elementwise work is fused as well (``fused=True``).

Good values
-----------
- 1D (Kassam–Trefethen 2005, ``kursiv.m``): ``L = 32π``, ``n = 128``, ``dt = 1/4``, ``u0 =
  cos(x/16)(1 + sin(x/16))``; chaotic after ``t ≈ 60``. ``L = 22`` is the smallest chaotic box
  studied in the dynamical-systems literature.
- 2D combustion (this package's benchmark, exponax/APEBench): ``L = 60``, ``n = 256`` (``64``
  for quick runs), ``dt = 0.05``, smooth random ``u0`` of amplitude 1; 200–500 transient steps.

References
----------
Y. Kuramoto, Prog. Theor. Phys. Suppl. 64 (1978) 346–367. G. I. Sivashinsky, Acta Astronaut. 4
(1977) 1177–1206. A.-K. Kassam and L. N. Trefethen, SIAM J. Sci. Comput. 26 (2005) 1214–1233.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..spectral import _kernels
from ..spectral.fourier import FourierGrid, SpectralError
from ._spectral import PseudoSpectralModel

__all__ = ["KuramotoSivashinsky"]


class KuramotoSivashinsky(PseudoSpectralModel):
    """Kuramoto–Sivashinsky on ``[0, L)^d``, ``d = 1, 2, 3``; the state is the ``rfftn`` of u.

    Parameters
    ----------
    shape : int or sequence of int
        Grid points per axis.
    length : float or sequence of float, optional
        Box side; default ``32π`` in 1D, ``60`` otherwise.
    form : {"combustion", "conservative"}, optional
        Default ``"conservative"`` in 1D, ``"combustion"`` otherwise.
    keep_mean : bool
        Keep the mean-mode forcing of the combustion form (default False: drop it).
    dealias : {"2/3", "3/2", "none"}
    workers : int
        :mod:`scipy.fft` threads.
    fused : bool
        Evaluate the combustion nonlinearity with the fused numba kernels (same result as the
        numpy reference path to rounding; only for the ``"2/3"``/``"none"`` rules).

    Examples
    --------
    >>> ks = KuramotoSivashinsky((32, 32), length=60.0)
    >>> traj = ks.rollout(ks.random_initial(seed=0), steps=4, dt=0.05)
    >>> traj.u.shape
    (5, 32, 32)
    """

    def __init__(
        self,
        shape: int | Sequence[int] = 128,
        length: float | Sequence[float] | None = None,
        *,
        form: str | None = None,
        keep_mean: bool = False,
        dealias: str = "2/3",
        workers: int | None = 1,
        fused: bool = True,
    ) -> None:
        dim = 1 if np.ndim(shape) == 0 else len(shape)  # type: ignore[arg-type]
        if length is None:
            length = 32 * np.pi if dim == 1 else 60.0
        self.grid = FourierGrid(shape, length, dealias=dealias, workers=workers)
        form = ("conservative" if dim == 1 else "combustion") if form is None else form
        if form not in ("combustion", "conservative"):
            raise SpectralError(f"form must be 'combustion' or 'conservative', got {form!r}")
        if form == "conservative" and dim != 1:
            raise SpectralError("the conservative form is 1-D; use form='combustion' in 2D/3D")
        self.form = form
        self.keep_mean = bool(keep_mean)
        self.fused = bool(fused) and form == "combustion" and dealias != "3/2"
        g = self.grid
        self._ik = g.gradient_symbols()
        k2 = g.k2()
        self._linear = k2 - k2**2
        # fused path: −½ is applied on the grid (exact: a power of two commutes with the FFT's
        # rounding), the dealiased modes and the mean are then zeroed in place
        self._drops, self._columns = self._dealias_box()
        if form == "combustion" and not keep_mean:
            self._drops.append((Ellipsis,) + (0,) * g.dim)

    def linear_symbol(self) -> np.ndarray:
        """``|k|² − |k|⁴``."""
        return self._linear

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """``−½ F[|∇u|²]`` (combustion) or ``−½ i k F[u²]`` (conservative), dealiased."""
        g = self.grid
        if self.fused:
            grads = self._gradient_to_grid(uh)
            p = self._buffer("p", grads.shape[1:], np.float64)
            _kernels.sum_squares(grads.reshape(g.dim, -1), p.reshape(-1), -0.5)
            return self._to_spectral_box(p, self._drops, self._columns)
        if self.form == "combustion":
            p = sum(g.dealias_inverse(uh * ik) ** 2 for ik in self._ik)
            nh = g.dealias_forward(p) * -0.5
            if not self.keep_mean:
                nh[(Ellipsis,) + (0,) * g.dim] = 0.0
            return nh
        return -0.5 * self._ik[0] * g.dealias_forward(g.dealias_inverse(uh) ** 2)
