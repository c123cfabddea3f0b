r"""Fourier pseudo-spectral discretisation of periodic boxes in 1–3D.

A field on the box :math:`[0, L_1) \times \dots \times [0, L_d)` sampled at
:math:`x_j = j L / n` is represented by its real-to-complex discrete Fourier coefficients
(``rfftn`` layout: full spectrum on the first ``d − 1`` axes, half spectrum on the last)

.. math::

    u(x) = \frac{1}{n_1\cdots n_d} \sum_{k} \hat u_k\, e^{i \mathbf k\cdot x},
    \qquad \mathbf k = 2\pi (m_1/L_1, \dots, m_d/L_d),

so derivatives, the Laplacian and its inverse are diagonal *symbols*: :math:`\partial_j
\leftrightarrow i k_j`, :math:`\Delta \leftrightarrow -|\mathbf k|^2`. For smooth periodic
functions the truncation error decays faster than any power of ``n`` (exponentially for analytic
functions; Trefethen, *Spectral Methods in MATLAB*, SIAM 2000, ch. 3–4).

Transforms act on the **last** ``dim`` axes; leading axes are batch axes (many fields at once:
``u.shape == (*batch, *grid.shape)``). They use :mod:`scipy.fft` (``workers`` threads) or
:mod:`numpy.fft` axis by axis into preallocated arrays (one thread; the default for
``workers=1``), with the default ``"backward"`` normalisation, i.e. the same coefficients as
``numpy.fft.rfftn``.

Dealiasing of quadratic products (Orszag 1971; Canuto, Hussaini, Quarteroni, Zang, *Spectral
Methods: Fundamentals in Single Domains*, Springer 2006, §3.4):

- ``"2/3"`` — the product is formed on the grid and its coefficients with
  :math:`|m_j| \ge n_j/3` on any axis are zeroed. Exact (alias-free) for factors band-limited to
  :math:`|m_j| < n_j/3`. This is the rule of the FNO Navier–Stokes generator.
- ``"3/2"`` — the factors are zero-padded to :math:`\lceil 3n/2 \rceil` points per axis, multiplied
  there and truncated back: alias-free for all resolved modes, at 2.25× (2D) the points.
- ``"none"`` — plain collocation product.

:meth:`FourierGrid.dealias_inverse` / :meth:`FourierGrid.dealias_forward` bracket any polynomial
nonlinearity (go to the product grid, do the arithmetic there, come back);
:meth:`FourierGrid.product` is the two-factor case. Nyquist modes (even ``n``) are treated as
unresolved: odd derivative symbols vanish there and padding drops them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import scipy.fft as sfft

from ..errors import PdesolveError

__all__ = ["FourierGrid", "SpectralError", "DEALIAS_RULES"]

#: the dealiasing rules understood by :class:`FourierGrid`
DEALIAS_RULES = ("2/3", "3/2", "none")


class SpectralError(PdesolveError, ValueError):
    """A spectral request cannot be honoured: wrong shapes, bad sizes, unknown rule, a Poisson
    problem whose data violates the compatibility condition, NaN/Inf input."""


def _as_tuple(value: Any, dim: int, what: str) -> tuple:
    if np.ndim(value) == 0:
        return (value,) * dim
    out = tuple(value)
    if len(out) != dim:
        raise SpectralError(f"{what} has {len(out)} entries, the box has dim={dim}")
    return out


class FourierGrid:
    """A periodic box with ``n`` points per axis and its real Fourier transforms.

    Parameters
    ----------
    shape : int or sequence of int
        Points per axis; an int gives a 1-D grid. 1 to 3 axes, each ``n >= 4``.
    length : float or sequence of float
        Box side lengths ``L`` (default ``2π``).
    dealias : {"2/3", "3/2", "none"}
        The rule of :meth:`product`, :meth:`dealias_inverse` and :meth:`dealias_forward`.
    workers : int, optional
        Threads of :mod:`scipy.fft` (default 1; ``-1`` = all cores).
    fft : {"auto", "scipy", "numpy"}
        FFT library. ``"auto"``: :mod:`numpy.fft` axis by axis with ``out=`` buffers for one
        thread (``workers`` 1 or None), :mod:`scipy.fft` with ``workers`` threads otherwise.
        Both are pocketfft; on one thread the buffered numpy path avoids the temporaries of a
        multi-axis transform, which at 256² made it 1.5–4x faster here (fresh multi-MB arrays
        page-fault on every call).

    Examples
    --------
    >>> import numpy as np
    >>> g = FourierGrid(32, length=2 * np.pi)
    >>> (x,) = g.mesh()
    >>> bool(np.allclose(g.derivative(np.sin(x)), np.cos(x)))
    True
    """

    def __init__(
        self,
        shape: int | Sequence[int],
        length: float | Sequence[float] = 2 * np.pi,
        *,
        dealias: str = "2/3",
        workers: int | None = 1,
        fft: str = "auto",
    ) -> None:
        shape_t = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
        if not 1 <= len(shape_t) <= 3:
            raise SpectralError(f"FourierGrid supports 1 to 3 axes, got shape {shape_t}")
        if min(shape_t) < 4:
            raise SpectralError(f"need at least 4 points per axis, got shape {shape_t}")
        self.shape: tuple[int, ...] = shape_t
        self.dim = len(shape_t)
        lengths = tuple(float(v) for v in _as_tuple(length, self.dim, "length"))
        if not all(np.isfinite(v) and v > 0 for v in lengths):
            raise SpectralError(f"box lengths must be positive and finite, got {lengths}")
        self.lengths: tuple[float, ...] = lengths
        if dealias not in DEALIAS_RULES:
            raise SpectralError(f"unknown dealias rule {dealias!r}; choose from {DEALIAS_RULES}")
        self.dealias = dealias
        if fft not in ("auto", "scipy", "numpy"):
            raise SpectralError(f"fft must be 'auto', 'scipy' or 'numpy', got {fft!r}")
        if fft == "auto":
            fft = "numpy" if workers in (None, 1) else "scipy"
        self.fft = fft
        self.workers = workers
        self._scratch_bufs: dict[tuple[int, ...], np.ndarray] = {}
        self.axes = tuple(range(-self.dim, 0))
        self.spectral_shape: tuple[int, ...] = shape_t[:-1] + (shape_t[-1] // 2 + 1,)
        #: integer wavenumbers ``m_j`` per axis, shaped to broadcast against ``spectral_shape``
        self.modes: tuple[np.ndarray, ...] = tuple(
            self._axis_modes(j) for j in range(self.dim)
        )
        #: angular wavenumbers ``k_j = 2π m_j / L_j`` (broadcastable)
        self.wavenumbers: tuple[np.ndarray, ...] = tuple(
            (2 * np.pi / L) * m for L, m in zip(self.lengths, self.modes, strict=True)
        )
        self._pad_shape = tuple(math.ceil(3 * n / 2) for n in shape_t)
        self._mask23: np.ndarray | None = None

    # -- geometry ---------------------------------------------------------------------------
    def _axis_modes(self, j: int) -> np.ndarray:
        n = self.shape[j]
        m = np.fft.rfftfreq(n, 1.0 / n) if j == self.dim - 1 else np.fft.fftfreq(n, 1.0 / n)
        shape = [1] * self.dim
        shape[j] = m.size
        return m.reshape(shape)

    @property
    def spacing(self) -> tuple[float, ...]:
        """Grid spacings ``L_j / n_j``."""
        return tuple(L / n for L, n in zip(self.lengths, self.shape, strict=True))

    def points(self) -> tuple[np.ndarray, ...]:
        """The 1-D coordinates ``x_j = j L / n`` of each axis."""
        return tuple(np.arange(n) * (L / n) for L, n in zip(self.lengths, self.shape, strict=True))

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Full coordinate arrays (``indexing="ij"``), each of shape :attr:`shape`."""
        return tuple(np.meshgrid(*self.points(), indexing="ij"))

    def __repr__(self) -> str:
        return (f"FourierGrid(shape={self.shape}, length={self.lengths}, "
                f"dealias={self.dealias!r}, fft={self.fft!r}, workers={self.workers})")

    # -- transforms -------------------------------------------------------------------------
    def _check(self, u: np.ndarray, spectral: bool, what: str = "field") -> np.ndarray:
        u = np.asarray(u)
        want = self.spectral_shape if spectral else self.shape
        if u.shape[u.ndim - self.dim:] != want or u.ndim < self.dim:
            kind = "spectral coefficients" if spectral else "grid values"
            raise SpectralError(
                f"{what}: expected {kind} with trailing shape {want} (batch axes in front), "
                f"got shape {u.shape}"
            )
        return u

    @staticmethod
    def _check_out(out: np.ndarray | None, shape: tuple[int, ...], dtype: Any) -> None:
        if out is not None and (out.shape != shape or out.dtype != dtype
                                or not out.flags.c_contiguous or not out.flags.writeable):
            raise SpectralError(
                f"out must be a writeable C-contiguous {np.dtype(dtype)} array of shape {shape}, "
                f"got {out.dtype} {out.shape}"
            )

    def forward(self, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``rfftn`` over the last ``dim`` axes: grid values -> coefficients.

        ``out`` (complex128, shape ``(*batch, *spectral_shape)``) receives the result; with the
        numpy library the transforms write into it directly (no temporaries).
        """
        u = self._check(u, False, "forward")
        if u.dtype.kind == "c":
            raise SpectralError("forward takes real grid values (the transform is real-to-complex)")
        if u.dtype != np.float64:
            u = u.astype(np.float64)
        self._check_out(out, u.shape[: u.ndim - self.dim] + self.spectral_shape, np.complex128)
        if self.fft == "scipy":
            r = sfft.rfftn(u, axes=self.axes, workers=self.workers)
            if out is None:
                return r
            out[...] = r
            return out
        if out is None:
            out = np.empty(u.shape[: u.ndim - self.dim] + self.spectral_shape, np.complex128)
        np.fft.rfft(u, axis=-1, out=out)
        for ax in self.axes[:-1]:
            np.fft.fft(out, axis=ax, out=out)
        return out

    def _forward_pruned(self, u: np.ndarray, columns: int | None) -> np.ndarray:
        """:meth:`forward` (a new array) for a caller that keeps only the first ``columns``
        columns of the half axis (a 2/3 mask zeroes the rest): the transforms along the full
        axes skip the other columns, which hold partial transforms on return. Pruning is done
        by the numpy path only; the scipy path and ``columns=None`` return the full
        :meth:`forward`."""
        m = self.spectral_shape[-1]
        if self.fft != "numpy" or columns is None or columns >= m or self.dim == 1:
            return self.forward(u)
        u = self._check(u, False, "forward")
        if u.dtype != np.float64:
            u = u.astype(np.float64)
        out = np.empty(u.shape[: u.ndim - self.dim] + self.spectral_shape, np.complex128)
        np.fft.rfft(u, axis=-1, out=out)
        part = out[..., : max(int(columns), 1)]
        for ax in self.axes[:-1]:
            np.fft.fft(part, axis=ax, out=part)
        return out

    def inverse(self, uh: np.ndarray, out: np.ndarray | None = None,
                overwrite: bool = False) -> np.ndarray:
        """``irfftn`` over the last ``dim`` axes: coefficients -> grid values (real).

        ``out`` (float64, shape ``(*batch, *shape)``) receives the result. ``uh`` is not
        modified unless ``overwrite=True`` (numpy path: the first stages then run in place in
        ``uh``, a work array of the caller); otherwise the numpy path works in a scratch array
        kept by the grid (so a grid is not meant to be shared between threads).
        """
        uh = self._check(uh, True, "inverse")
        if uh.dtype != np.complex128:
            uh = uh.astype(np.complex128)
        batch = uh.shape[: uh.ndim - self.dim]
        self._check_out(out, batch + self.shape, np.float64)
        if self.fft == "scipy":
            if uh.ndim == self.dim:
                r = sfft.irfftn(uh, s=self.shape, axes=self.axes, workers=self.workers)
                if out is None:
                    return r
                out[...] = r
                return out
            # one transform per batch entry: a multi-field scipy irfftn is 2-3x slower than
            # a loop (measured at 256², scipy 1.17, one thread)
            res = np.empty(batch + self.shape) if out is None else out
            flat_in = uh.reshape((-1,) + self.spectral_shape)
            flat_out = res.reshape((-1,) + self.shape)
            for i in range(flat_in.shape[0]):
                flat_out[i] = sfft.irfftn(flat_in[i], s=self.shape, axes=self.axes,
                                          workers=self.workers)
            return res
        if out is None:
            out = np.empty(batch + self.shape)
        src = uh
        if self.dim > 1:
            writable = overwrite and uh.flags.writeable and uh.flags.c_contiguous
            tmp = uh if writable else self._scratch(uh.shape)
            np.fft.ifft(uh, axis=self.axes[0], out=tmp)
            for ax in self.axes[1:-1]:
                np.fft.ifft(tmp, axis=ax, out=tmp)
            src = tmp
        np.fft.irfft(src, n=self.shape[-1], axis=-1, out=out)
        return out

    def _scratch(self, shape: tuple[int, ...]) -> np.ndarray:
        buf = self._scratch_bufs.get(shape)
        if buf is None:
            if len(self._scratch_bufs) > 8:
                self._scratch_bufs.clear()
            buf = self._scratch_bufs[shape] = np.empty(shape, dtype=np.complex128)
        return buf

    # -- symbols ----------------------------------------------------------------------------
    def derivative_symbol(self, orders: int | Sequence[int]) -> np.ndarray:
        """The symbol ``Π_j (i k_j)^{m_j}`` of ``∂^{m_1}_1 ⋯ ∂^{m_d}_d``.

        ``orders`` is one int per axis (an int in 1-D). Odd orders vanish on the Nyquist mode
        of an even axis (its ``i k`` has no real-valued counterpart).
        """
        orders = tuple(int(o) for o in _as_tuple(orders, self.dim, "orders"))
        if any(o < 0 for o in orders):
            raise SpectralError(f"derivative orders must be >= 0, got {orders}")
        sym = np.ones(self.spectral_shape, dtype=complex)
        for j, o in enumerate(orders):
            if o == 0:
                continue
            f = (1j * self.wavenumbers[j]) ** o
            if o % 2 == 1 and self.shape[j] % 2 == 0:
                f = np.where(np.abs(self.modes[j]) == self.shape[j] // 2, 0.0, f)
            sym = sym * f
        if all(o % 2 == 0 for o in orders):
            return np.ascontiguousarray(sym.real)
        return sym

    def gradient_symbols(self) -> tuple[np.ndarray, ...]:
        """``(i k_1, ..., i k_d)`` (Nyquist zeroed), each broadcastable to the spectrum."""
        out = []
        for j in range(self.dim):
            ik = 1j * self.wavenumbers[j]
            if self.shape[j] % 2 == 0:
                ik = np.where(np.abs(self.modes[j]) == self.shape[j] // 2, 0.0, ik)
            out.append(ik)
        return tuple(out)

    def k2(self) -> np.ndarray:
        """``|k|²`` on the spectral shape (real)."""
        k2 = np.zeros(self.spectral_shape)
        for k in self.wavenumbers:
            k2 = k2 + k**2
        return k2

    def laplacian_symbol(self) -> np.ndarray:
        """``−|k|²``, the symbol of ``Δ``."""
        return -self.k2()

    def inverse_laplacian_symbol(self) -> np.ndarray:
        """``−1/|k|²`` with 0 on the mean mode ``k = 0`` (the zero-mean inverse of ``Δ``)."""
        k2 = self.k2()
        k2.flat[0] = 1.0
        inv = -1.0 / k2
        inv.flat[0] = 0.0
        return inv

    def dealias_mask(self) -> np.ndarray:
        """The 2/3-rule mask: True where ``|m_j| < n_j/3`` on every axis (cached)."""
        if self._mask23 is None:
            mask = np.ones(self.spectral_shape, dtype=bool)
            for m, n in zip(self.modes, self.shape, strict=True):
                mask = mask & (np.abs(m) < n / 3)
            self._mask23 = mask
        return self._mask23

    # -- calculus on grid values -----------------------------------------------------------
    def derivative(self, u: np.ndarray, orders: int | Sequence[int] = 1) -> np.ndarray:
        """``∂^{orders} u`` of grid values ``u`` (batch axes in front), spectrally."""
        return self.inverse(self.forward(u) * self.derivative_symbol(orders))

    def gradient(self, u: np.ndarray) -> np.ndarray:
        """``∇u`` as an array of shape ``(dim, *u.shape)``."""
        uh = self.forward(u)
        return np.stack([self.inverse(uh * ik) for ik in self.gradient_symbols()])

    def laplacian(self, u: np.ndarray) -> np.ndarray:
        """``Δu`` of grid values."""
        return self.inverse(self.forward(u) * self.laplacian_symbol())

    def mean(self, u: np.ndarray) -> np.ndarray:
        """Box average over the last ``dim`` axes (one value per batch entry)."""
        u = self._check(u, False, "mean")
        return u.mean(axis=self.axes)

    # -- elliptic solves on the torus -------------------------------------------------------
    def solve_poisson(self, f: np.ndarray, *, mean: str = "raise", rtol: float = 1e-10
                      ) -> np.ndarray:
        """Solve ``−Δu = f`` on the torus for the zero-mean ``u``.

        The torus requires ``∫ f = 0``. ``mean="raise"`` raises :class:`SpectralError` when
        ``|mean(f)| > rtol · max|f|``; ``mean="zero"`` removes the mean of ``f`` first (solves
        ``−Δu = f − mean f``). Batch axes are allowed.
        """
        return self.solve_helmholtz(f, 0.0, mean=mean, rtol=rtol)

    def solve_helmholtz(self, f: np.ndarray, alpha: float, *, mean: str = "raise",
                        rtol: float = 1e-10) -> np.ndarray:
        """Solve ``(α − Δ)u = f`` on the torus, ``α >= 0`` (``α = 0``: :meth:`solve_poisson`).

        The symbol ``α + |k|²`` is inverted mode by mode; exact for band-limited ``f``.
        """
        if mean not in ("raise", "zero"):
            raise SpectralError(f"mean must be 'raise' or 'zero', got {mean!r}")
        alpha = float(alpha)
        if not np.isfinite(alpha) or alpha < 0:
            raise SpectralError(f"alpha must be finite and >= 0, got {alpha}")
        f = self._check(f, False, "solve_helmholtz")
        if not np.isfinite(f).all():
            raise SpectralError("the right-hand side contains NaN or Inf")
        fh = self.forward(f)
        if alpha == 0.0:
            m = np.abs(self.mean(f))
            scale = np.max(np.abs(f)) if f.size else 0.0
            if mean == "raise" and np.any(m > rtol * max(scale, 1e-300)):
                raise SpectralError(
                    f"−Δu = f on the torus needs a zero-mean f (compatibility), but mean(f) = "
                    f"{np.max(m):.3e}; pass mean='zero' to project the mean out"
                )
            return self.inverse(fh * -self.inverse_laplacian_symbol())
        return self.inverse(fh / (alpha + self.k2()))

    # -- dealiased products -----------------------------------------------------------------
    @property
    def product_shape(self) -> tuple[int, ...]:
        """Grid shape on which products are formed (``⌈3n/2⌉`` per axis for ``"3/2"``)."""
        return self._pad_shape if self.dealias == "3/2" else self.shape

    def _blocks(self) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """Index pairs ``(on this grid, on the 3/2 grid)`` of the resolved coefficient blocks:
        one per combination of non-negative / negative wavenumbers on the full (complex) axes,
        and the non-negative half on the last (real-transform) axis."""
        M = self._pad_shape
        for signs in np.ndindex(*(2,) * (self.dim - 1)):
            small: list[Any] = [Ellipsis]
            big: list[Any] = [Ellipsis]
            for j, negative in enumerate(signs):
                n, m = self.shape[j], M[j]
                h = (n - 1) // 2
                small.append(slice(n - h, n) if negative else slice(0, h + 1))
                big.append(slice(m - h, m) if negative else slice(0, h + 1))
            last = slice(0, (self.shape[-1] - 1) // 2 + 1)
            yield tuple(small) + (last,), tuple(big) + (last,)

    def _pad(self, uh: np.ndarray) -> np.ndarray:
        """Zero-pad coefficients to the 3/2 grid, rescaled so ``irfftn`` gives the same field."""
        batch = uh.shape[: uh.ndim - self.dim]
        M = self._pad_shape
        out = np.zeros(batch + M[:-1] + (M[-1] // 2 + 1,), dtype=np.result_type(uh, complex))
        for small, big in self._blocks():
            out[big] = uh[small]
        out *= math.prod(M) / math.prod(self.shape)
        return out

    def _truncate(self, ph: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`_pad`: keep the resolved modes of 3/2-grid coefficients."""
        batch = ph.shape[: ph.ndim - self.dim]
        out = np.zeros(batch + self.spectral_shape, dtype=ph.dtype)
        for small, big in self._blocks():
            out[small] = ph[big]
        out *= math.prod(self.shape) / math.prod(self._pad_shape)
        return out

    def dealias_inverse(self, uh: np.ndarray) -> np.ndarray:
        """Coefficients -> grid values on the product grid (:attr:`product_shape`)."""
        uh = self._check(uh, True, "dealias_inverse")
        if self.dealias != "3/2":
            return self.inverse(uh)
        ph = self._pad(uh)
        if self.fft == "numpy":
            return np.fft.irfftn(ph, s=self._pad_shape, axes=self.axes)
        return sfft.irfftn(ph, s=self._pad_shape, axes=self.axes, workers=self.workers)

    def dealias_forward(self, p: np.ndarray) -> np.ndarray:
        """Grid values on the product grid -> dealiased coefficients on this grid."""
        p = np.asarray(p)
        want = self.product_shape
        if p.shape[p.ndim - self.dim:] != want:
            raise SpectralError(f"dealias_forward: expected trailing shape {want}, got {p.shape}")
        if self.dealias == "3/2":
            if self.fft == "numpy":
                ph = np.fft.rfftn(p, axes=self.axes)
            else:
                ph = sfft.rfftn(p, axes=self.axes, workers=self.workers)
            return self._truncate(ph)
        ph = self.forward(p)
        if self.dealias == "2/3":
            ph *= self.dealias_mask()
        return ph

    def product(self, ah: np.ndarray, bh: np.ndarray) -> np.ndarray:
        """Dealiased pseudo-spectral product: coefficients of ``a·b`` from those of ``a``, ``b``.

        ``"3/2"``: the truncated Fourier series of the true product of the (non-Nyquist) factors.
        ``"2/3"`` (Orszag 1971): both factors are first truncated to ``|m| < n/3``; the result is
        the truncated series of the product of the truncated factors (no aliasing reaches the
        kept modes). The models' fused right-hand sides mask only the output
        (:meth:`dealias_forward`), as FNO's Navier–Stokes solver does.
        """
        if self.dealias == "2/3":
            mask = self.dealias_mask()
            ah, bh = np.asarray(ah) * mask, np.asarray(bh) * mask
        return self.dealias_forward(self.dealias_inverse(ah) * self.dealias_inverse(bh))
