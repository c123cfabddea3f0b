r"""The Gray–Scott reaction–diffusion system on a periodic box, pseudo-spectral in space.

.. math::

    u_t = D_u \Delta u - u v^2 + F (1 - u), \qquad
    v_t = D_v \Delta v + u v^2 - (F + k) v,

(Gray & Scott 1984): ``u`` is fed at rate ``F``, ``v`` is autocatalytic (``u + 2v → 3v``) and
removed at rate ``F + k``. The state holds both fields on a leading axis of length 2,
``(*batch, 2, *grid.shape)`` on the grid. The linear part is the diagonal symbol
:math:`\operatorname{diag}(-D_u |k|^2 - F,\ -D_v |k|^2 - F - k)`, the reaction
:math:`(-uv^2 + F,\ uv^2)` is evaluated pseudo-spectrally (grid's dealiasing rule); the
default stepper is ETDRK4.

Pearson's set-up (Pearson 1993) is :meth:`GrayScott.pearson_initial`: ``u = 1, v = 0`` (the
stable trivial state) except a central square with ``u = 1/2, v = 1/4``, plus 1% noise. The
square's perturbation spreads into a pattern whose type depends on ``(F, k)``; :data:`PATTERNS`
lists a few named parameter pairs from the pattern-forming region of Pearson's phase diagram.

Good values
-----------
Pearson: ``D_u = 2·10⁻⁵``, ``D_v = 10⁻⁵``, box ``2.5 × 2.5``, ``256²`` points, ``t`` up to
``10⁴``–``2·10⁵``. The patterns have a length scale ``~ 0.05``, so a unit box with ``128²``
points and ``t ≈ 6000`` already shows them (a ``0.3``–``0.4`` box with ``32``–``48²`` points
and ``t ≈ 1500``–``2000`` for quick runs). ETDRK4 is stable and accurate with ``dt = 2``–``4``
(the reaction rates are ``O(F + k) ≈ 0.1``).

References
----------
P. Gray and S. K. Scott, Autocatalytic reactions in the isothermal, continuous stirred tank
reactor, Chem. Eng. Sci. 39 (1984) 1087–1097. J. E. Pearson, Complex patterns in a simple
system, Science 261 (1993) 189–192.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..spectral.fourier import FourierGrid, SpectralError
from ._spectral import PseudoSpectralModel

__all__ = ["PATTERNS", "GrayScott"]

#: named ``(F, k)`` pairs from Pearson's (1993) phase diagram; the names describe what this
#: model forms from :meth:`GrayScott.pearson_initial` (``square=0.2``) in a unit box with
#: ``128²`` points by ``t = 6000`` (``demos/gray_scott.py``)
PATTERNS: dict[str, tuple[float, float]] = {
    "stripes": (0.030, 0.057),  # labyrinthine stripes that fill the box
    "loops": (0.050, 0.063),  # closed loops and crosses
    "spots": (0.039, 0.065),  # self-replicating spots
    "worms": (0.050, 0.065),  # a few slowly growing worms
    "scattered_spots": (0.020, 0.059),  # spots scattered through the box
}


class GrayScott(PseudoSpectralModel):
    """Gray–Scott on a periodic box (1–3D); the state is the ``rfftn`` of ``(u, v)``.

    Parameters
    ----------
    shape : int or sequence of int
    length : float or sequence of float
        Box side(s); default ``2.5`` (Pearson).
    feed, kill : float, optional
        ``F`` and ``k``; default the ``pattern``'s values.
    pattern : str
        A key of :data:`PATTERNS` (used when ``feed``/``kill`` are not given).
    diffusion : (float, float)
        ``(D_u, D_v)``, default Pearson's ``(2e-5, 1e-5)``.
    dealias, workers
        As :class:`~pdesolve.spectral.fourier.FourierGrid`.

    Examples
    --------
    >>> gs = GrayScott((32, 32), length=0.5, pattern="spots")
    >>> traj = gs.rollout(gs.pearson_initial(seed=0), steps=5, dt=1.0)
    >>> traj.u.shape
    (6, 2, 32, 32)
    """

    def __init__(
        self,
        shape: int | Sequence[int] = (256, 256),
        length: float | Sequence[float] = 2.5,
        *,
        feed: float | None = None,
        kill: float | None = None,
        pattern: str = "stripes",
        diffusion: tuple[float, float] = (2e-5, 1e-5),
        dealias: str = "2/3",
        workers: int = 1,
    ) -> None:
        if pattern not in PATTERNS:
            raise SpectralError(f"unknown pattern {pattern!r}; choose from {sorted(PATTERNS)}")
        f0, k0 = PATTERNS[pattern]
        self.feed = float(f0 if feed is None else feed)
        self.kill = float(k0 if kill is None else kill)
        du, dv = (float(d) for d in diffusion)
        for name, val in (("feed", self.feed), ("kill", self.kill), ("D_u", du), ("D_v", dv)):
            if not (np.isfinite(val) and val >= 0):
                raise SpectralError(f"{name} must be finite and >= 0, got {val!r}")
        self.diffusion = (du, dv)
        self.grid = g = FourierGrid(shape, length, dealias=dealias, workers=workers)
        k2 = g.k2()
        self._linear = np.stack([-du * k2 - self.feed, -dv * k2 - (self.feed + self.kill)])
        self._feed_hat = np.zeros(g.spectral_shape, dtype=np.complex128)
        self._feed_hat[(0,) * g.dim] = self.feed * float(np.prod(g.shape))  # F[F·1]
        #: index of the u and v fields in a state (*batch, 2, *shape)
        self._u, self._v = ((Ellipsis, i) + (slice(None),) * g.dim for i in (0, 1))

    def linear_symbol(self) -> np.ndarray:
        """``(−D_u|k|² − F, −D_v|k|² − F − k)``, shape ``(2, *spectral_shape)``."""
        return self._linear

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """``(F[−uv²] + F[F], F[uv²])``, dealiased."""
        g = self.grid
        uv = g.dealias_inverse(uh)
        r = g.dealias_forward(uv[self._u] * uv[self._v] ** 2)
        return np.stack([self._feed_hat - r, r], axis=-1 - g.dim)

    def _check_state(self, u: np.ndarray) -> None:
        if u.ndim < self.grid.dim + 1 or u.shape[-1 - self.grid.dim] != 2:
            raise SpectralError(
                f"the Gray–Scott state is (*batch, 2, *{self.grid.shape}), got {u.shape}"
            )

    def to_spectral(self, u: np.ndarray) -> np.ndarray:
        self._check_state(np.asarray(u))
        return super().to_spectral(u)

    def random_initial(
        self, seed: int | np.random.Generator | None = None, *, batch: tuple[int, ...] = (),
        **options: float,
    ) -> np.ndarray:  # fmt: skip
        """A random initial state of the right shape: :meth:`pearson_initial` (``options``:
        ``square``, ``noise``)."""
        return self.pearson_initial(seed, batch=batch, **options)

    def pearson_initial(
        self, seed: int | np.random.Generator | None = None, *, square: float = 0.08,
        noise: float = 0.01, batch: tuple[int, ...] = (),
    ) -> np.ndarray:  # fmt: skip
        """Pearson's start: ``(u, v) = (1, 0)`` with a centred square of side ``square·L``
        where ``(u, v) = (1/2, 1/4)``, times ``1 + noise·U(−1, 1)`` pointwise."""
        g = self.grid
        rng = np.random.default_rng(seed)
        u = np.ones(tuple(batch) + (2,) + g.shape)
        u[self._v] = 0.0
        inside = np.ones(g.shape, dtype=bool)
        for x, length in zip(g.mesh(), g.lengths, strict=True):
            inside &= np.abs(x - length / 2) <= square * length / 2
        u[self._u][..., inside] = 0.5
        u[self._v][..., inside] = 0.25
        return u * (1.0 + noise * rng.uniform(-1.0, 1.0, u.shape))
