r"""Shared base of the pseudo-spectral models on periodic boxes.

A model is a semilinear evolution equation written on the Fourier coefficients
:math:`\hat u` of the state (:class:`~pdesolve.spectral.fourier.FourierGrid`, ``rfftn`` layout):

.. math::

    \frac{d\hat u}{dt} = \mathcal L \hat u + \mathcal N(t, \hat u),

with :math:`\mathcal L` a **diagonal symbol** (an array of the spectral shape, e.g.
:math:`-\nu|k|^2`) and :math:`\mathcal N` evaluated pseudo-spectrally (derivatives as symbols,
products on the grid, dealiased by the grid's rule). The pair is handed to the time layer:
``pdesolve.time.stepper(name, linear=L, nonlinear=N)``, so every exponential (``"etdrk4"``,
``"etdrk2"``, ``"exp-euler"``) and IMEX (``"sbdf2"``, ``"cnab2"``, ``"ars443"``...) stepper
works on every model, with batch axes in front of the grid axes.

Subclasses set ``self.grid`` and implement :meth:`PseudoSpectralModel.linear_symbol` and, when
the equation is nonlinear, :meth:`PseudoSpectralModel.nonlinear` (return a new array; the
steppers keep several stage values alive).
"""

from __future__ import annotations

import time as _time
from typing import Any

import numpy as np

from ..spectral import _kernels
from ..spectral.fourier import FourierGrid, SpectralError
from ..time.base import Stepper
from ..time.integrate import Trajectory
from ..time.registry import stepper as make_stepper

__all__ = ["PseudoSpectralModel", "random_field"]


def random_field(
    grid: FourierGrid,
    seed: int | np.random.Generator | None = None,
    *,
    batch: tuple[int, ...] = (),
    kmax: int = 8,
    amplitude: float = 1.0,
    zero_mean: bool = True,
) -> np.ndarray:
    """A smooth random periodic field: Gaussian coefficients on the modes ``|m_j| <= kmax``.

    Returned on the grid, shape ``(*batch, *grid.shape)``, scaled so that ``max|u|`` equals
    ``amplitude`` per batch entry. Deterministic for an int ``seed``.
    """
    if kmax < 1:
        raise SpectralError(f"kmax must be >= 1, got {kmax}")
    rng = np.random.default_rng(seed)
    shape = tuple(batch) + grid.spectral_shape
    mask = np.ones(grid.spectral_shape, dtype=bool)
    for m in grid.modes:
        mask &= np.abs(m) <= kmax
    c = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) * mask
    if zero_mean:
        c[(Ellipsis,) + (0,) * grid.dim] = 0.0
    u = grid.inverse(c)
    peak = np.abs(u).max(axis=grid.axes, keepdims=True)
    return amplitude * u / np.where(peak > 0, peak, 1.0)


class PseudoSpectralModel:
    """``dû/dt = L û + N(t, û)`` on a :class:`FourierGrid`; the state is ``û``.

    Attributes
    ----------
    grid : FourierGrid
    default_stepper : str
        The stepper :meth:`rollout` uses by default.
    """

    grid: FourierGrid
    default_stepper: str = "etdrk4"
    #: whether :meth:`nonlinear` is non-zero (linear models pass no ``nonlinear=``)
    has_nonlinear: bool = True

    # -- the equation ------------------------------------------------------------------------
    def linear_symbol(self) -> np.ndarray:
        """The diagonal symbol ``L`` (spectral shape, real or complex)."""
        raise NotImplementedError

    def nonlinear(self, t: float, uh: np.ndarray) -> np.ndarray:
        """``N(t, û)`` (spectral, dealiased); a new array."""
        return np.zeros_like(uh)

    # -- conversions -------------------------------------------------------------------------
    def to_spectral(self, u: np.ndarray) -> np.ndarray:
        """Grid values (batch axes in front) -> coefficients."""
        u = np.asarray(u)
        if not np.isfinite(u).all():
            raise SpectralError("the state contains NaN or Inf")
        return self.grid.forward(u)

    def to_physical(self, uh: np.ndarray) -> np.ndarray:
        """Coefficients -> grid values."""
        return self.grid.inverse(uh)

    def random_initial(self, seed: int | np.random.Generator | None = None, *,
                       batch: tuple[int, ...] = (), **options: Any) -> np.ndarray:
        """A smooth random initial state on the grid (:func:`random_field`); ``options`` pass
        ``kmax`` and ``amplitude``."""
        return random_field(self.grid, seed, batch=batch, **options)

    # -- fused pseudo-spectral building blocks (shared by the models' hot paths) -------------
    def _symbol_bank(self, symbols: list[np.ndarray], imaginary: bool = False) -> np.ndarray:
        """Symbols broadcast to the spectral shape and stacked as ``(d, S)``: complex, or with
        ``imaginary=True`` (purely imaginary symbols such as ``i k_j``) their real imaginary
        parts, which halves the memory traffic of :meth:`_to_grid_many`."""
        shape = self.grid.spectral_shape
        rows = [np.broadcast_to(s, shape).reshape(-1) for s in symbols]
        if imaginary:
            if any(np.any(np.real(r) != 0) for r in rows):
                raise SpectralError("imaginary=True needs purely imaginary symbols")
            return np.ascontiguousarray(np.stack([np.imag(r) for r in rows]), dtype=np.float64)
        return np.ascontiguousarray(np.stack(rows), dtype=np.complex128)

    def _to_grid_many(self, uh: np.ndarray, bank: np.ndarray) -> np.ndarray:
        """Grid values of ``symbol_j · û`` for each row of ``bank``: ``(d, *batch, *shape)``.

        One fused numba pass builds the ``d`` spectral fields (a real ``bank`` holds the
        imaginary parts of purely imaginary symbols, :meth:`_symbol_bank`), one batched inverse
        transform brings them to the grid (``2/3`` or no dealiasing: the product grid is the
        grid).
        """
        d = bank.shape[0]
        v = np.ascontiguousarray(uh, dtype=np.complex128).reshape(-1, bank.shape[1])
        spec = self._buffer("spec", (d,) + v.shape, np.complex128)
        if bank.dtype == np.float64:
            _kernels.imag_scale_into(bank, v, spec)
        else:
            _kernels.scale_into(bank, v, spec)
        return self._inverse_many(spec, uh.shape[: uh.ndim - self.grid.dim])

    def _gradient_to_grid(self, uh: np.ndarray) -> np.ndarray:
        """Grid values of ``∇u`` from ``û``: ``(d, *batch, *shape)`` (the grid's gradient
        symbols, Nyquist zeroed; ``2/3`` or no dealiasing).

        In 2-D the symbols ``i k_x`` (per row) and ``i k_y`` (per column) are applied from two
        wavenumber vectors in one fused pass that reads only ``û``; other dimensions go through
        :meth:`_to_grid_many` with the stacked symbols.
        """
        g = self.grid
        cache = self.__dict__.setdefault("_gradient_cache", {})
        if g.dim != 2:
            if "bank" not in cache:
                cache["bank"] = self._symbol_bank(list(g.gradient_symbols()), imaginary=True)
            return self._to_grid_many(uh, cache["bank"])
        if "k" not in cache:
            cache["k"] = tuple(np.ascontiguousarray(np.imag(s).reshape(-1), dtype=np.float64)
                               for s in g.gradient_symbols())
        kx, ky = cache["k"]
        v = np.ascontiguousarray(uh, dtype=np.complex128).reshape((-1,) + g.spectral_shape)
        spec = self._buffer("spec", (2,) + v.shape, np.complex128)
        _kernels.imag_gradient2_into(kx, ky, v, spec)
        return self._inverse_many(spec, uh.shape[: uh.ndim - g.dim])

    def _inverse_many(self, spec: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
        """One batched inverse transform of the work array ``spec`` (``d`` fields, overwritten)
        into a reused grid buffer ``(d, *batch, *shape)``."""
        g = self.grid
        d = spec.shape[0]
        grids = self._buffer("grid", (d,) + batch + g.shape, np.float64)
        return g.inverse(spec.reshape((d,) + batch + g.spectral_shape), out=grids,
                         overwrite=True)

    def _buffer(self, tag: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A work array kept between calls (fresh multi-MB allocations page-fault on every
        call; reusing them is most of the gain of the fused paths)."""
        bufs = self.__dict__.setdefault("_buffers", {})
        key = (tag, shape, np.dtype(dtype))
        if key not in bufs:
            if len(bufs) > 16:
                bufs.clear()
            bufs[key] = np.empty(shape, dtype=dtype)
        return bufs[key]

    def _dealias_box(self) -> tuple[list[tuple[Any, ...]], int]:
        """The modes the grid's rule drops, as index tuples (batch axes in front) whose union is
        the complement of the 2/3 mask (one contiguous run per axis: the mask is a box), and
        the number of half-axis columns kept; ``([], m)`` for the other rules."""
        g = self.grid
        m = g.spectral_shape[-1]
        if g.dealias != "2/3":
            return [], m
        keep = g.dealias_mask()
        drops: list[tuple[Any, ...]] = []
        columns = m
        for j in range(g.dim):
            kept = keep.any(axis=tuple(i for i in range(g.dim) if i != j))
            gone = np.flatnonzero(~kept)
            if gone.size == 0:
                continue
            if gone[-1] - gone[0] + 1 != gone.size:  # pragma: no cover - 2/3 masks are boxes
                raise SpectralError("the dealiasing mask is not a box")
            index: list[Any] = [slice(None)] * g.dim
            index[j] = slice(int(gone[0]), int(gone[-1]) + 1)
            drops.append((Ellipsis, *index))
            if j == g.dim - 1:
                columns = int(gone[0])
        return drops, columns

    def _to_spectral_box(self, p: np.ndarray, drops: list[tuple[Any, ...]], columns: int
                         ) -> np.ndarray:
        """``F[p]`` with the modes ``drops`` (:meth:`_dealias_box`) set to zero; a new array.

        The transforms along the full axes skip the half-axis columns ``>= columns``
        (:meth:`FourierGrid._forward_pruned`), which are among the dropped ones; zeroing
        writes only the dropped modes instead of multiplying every mode by a mask.
        """
        ph = self.grid._forward_pruned(p, columns)
        for index in drops:
            ph[index] = 0.0
        return ph

    # -- time stepping -----------------------------------------------------------------------
    def stepper(self, name: str | None = None, **options: Any) -> Stepper:
        """The time layer's stepper ``name`` for this model (``options`` go to
        :func:`pdesolve.time.stepper`, e.g. ``contour_points``)."""
        name = self.default_stepper if name is None else name
        problem: dict[str, Any] = {"linear": self.linear_symbol()}
        if self.has_nonlinear:
            problem["nonlinear"] = self.nonlinear
        return make_stepper(name, **problem, **options)

    def rollout(
        self,
        u0: np.ndarray,
        steps: int,
        dt: float,
        stepper: str | Stepper | None = None,
        *,
        save_every: int = 1,
        t0: float = 0.0,
    ) -> Trajectory:
        """Advance ``u0`` (grid values, batch axes in front) by ``steps`` steps of size ``dt``.

        Parameters
        ----------
        u0 : ndarray ``(*batch, *grid.shape)``
        steps : int
        dt : float
        stepper : str or Stepper, optional
            A name of :func:`pdesolve.time.stepper` (built by :meth:`stepper`) or a stepper
            object; default :attr:`default_stepper`.
        save_every : int
            Store every ``save_every``-th state (the initial state is always stored).
        t0 : float

        Returns
        -------
        Trajectory
            ``t`` of shape ``(k,)``, ``u`` of shape ``(k, *u0.shape)`` on the grid.
        """
        steps = int(steps)
        save_every = int(save_every)
        if steps < 0 or save_every < 1:
            raise SpectralError(f"need steps >= 0 and save_every >= 1, got {steps}, {save_every}")
        st = self.stepper(stepper) if stepper is None or isinstance(stepper, str) else stepper
        uh = self.to_spectral(u0)
        n_saved = steps // save_every + 1
        us = np.empty((n_saved,) + np.shape(u0))
        ts = np.empty(n_saved)
        us[0], ts[0] = self.to_physical(uh), t0
        k = 1
        start = _time.perf_counter()
        for i in range(1, steps + 1):
            uh = st.step(t0 + (i - 1) * dt, uh, dt)
            if i % save_every == 0:
                us[k], ts[k] = self.to_physical(uh), t0 + i * dt
                k += 1
        stats = {"stepper": getattr(st, "name", type(st).__name__),
                 "wall_s": _time.perf_counter() - start, "save_stride": save_every}
        return Trajectory(t=ts, u=us, steps=steps, stats=stats)

    def step_many(self, uh: np.ndarray, steps: int, dt: float,
                  stepper: str | Stepper | None = None, t0: float = 0.0) -> np.ndarray:
        """Advance coefficients ``uh`` by ``steps`` steps without storing (hot loops)."""
        st = self.stepper(stepper) if stepper is None or isinstance(stepper, str) else stepper
        for i in range(int(steps)):
            uh = st.step(t0 + i * dt, uh, dt)
        return uh
