"""Fused elementwise kernels (numba) for the pseudo-spectral hot loops.

Spectral arrays are viewed as ``(batch, S)`` (``S`` = size of the spectral shape) and per-mode
coefficients as ``(S,)``; grid arrays are flattened. Each kernel replaces a chain of numpy
temporaries by one pass; the models keep the plain numpy expressions as their reference path
(``fused=False``), and the tests compare the two.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["scale_into", "imag_scale_into", "imag_gradient2_into", "sum_squares", "dot_pairs",
           "scale_add_inplace", "cn_combine"]


@nb.njit(cache=True, nogil=True, fastmath=True)
def scale_into(syms: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[j, i, s] = syms[j, s] * v[i, s]`` (several symbols applied to a batch)."""
    for j in range(syms.shape[0]):
        for i in range(v.shape[0]):
            for s in range(v.shape[1]):
                out[j, i, s] = syms[j, s] * v[i, s]


@nb.njit(cache=True, nogil=True, fastmath=True)
def imag_scale_into(syms: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[j, i, s] = i syms[j, s] v[i, s]`` for real ``syms``: purely imaginary symbols such
    as ``i k_j``, stored by their imaginary part (half the memory traffic of a complex bank)."""
    for j in range(syms.shape[0]):
        for i in range(v.shape[0]):
            for s in range(v.shape[1]):
                k = syms[j, s]
                x = v[i, s]
                out[j, i, s] = complex(-k * x.imag, k * x.real)


@nb.njit(cache=True, nogil=True, fastmath=True)
def imag_gradient2_into(kx: np.ndarray, ky: np.ndarray, v: np.ndarray,
                        out: np.ndarray) -> None:  # pragma: no cover
    """The 2-D gradient symbols from their wavenumber vectors: ``out[0, i, r, c] = i kx[r]
    v[i, r, c]`` and ``out[1, i, r, c] = i ky[c] v[i, r, c]`` (``v`` read once, no stacked
    symbol arrays)."""
    for i in range(v.shape[0]):
        for r in range(v.shape[1]):
            a = kx[r]
            for c in range(v.shape[2]):
                x = v[i, r, c]
                b = ky[c]
                out[0, i, r, c] = complex(-a * x.imag, a * x.real)
                out[1, i, r, c] = complex(-b * x.imag, b * x.real)


@nb.njit(cache=True, nogil=True, fastmath=True)
def sum_squares(g: np.ndarray, out: np.ndarray, scale: float = 1.0) -> None:  # pragma: no cover
    """``out[p] = scale · Σ_j g[j, p]²``.

    One unit-stride loop per field count (1 to 3 written out): the generic form, with the short
    sum over ``j`` innermost, does not vectorise and ran 5x slower at 256².
    """
    d = g.shape[0]
    if d == 1:
        for p in range(out.shape[0]):
            out[p] = scale * (g[0, p] * g[0, p])
    elif d == 2:
        for p in range(out.shape[0]):
            out[p] = scale * (g[0, p] * g[0, p] + g[1, p] * g[1, p])
    elif d == 3:
        for p in range(out.shape[0]):
            out[p] = scale * (g[0, p] * g[0, p] + g[1, p] * g[1, p] + g[2, p] * g[2, p])
    else:
        for p in range(out.shape[0]):
            acc = 0.0
            for j in range(d):
                acc += g[j, p] * g[j, p]
            out[p] = scale * acc


@nb.njit(cache=True, nogil=True, fastmath=True)
def dot_pairs(g: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[p] = Σ_{j<d} g[j, p] g[d + j, p]`` with ``2d = g.shape[0]`` (``u·∇w``); the
    2-D case is written out as one unit-stride (vectorised) loop."""
    d = g.shape[0] // 2
    if d == 2:
        for p in range(out.shape[0]):
            out[p] = g[0, p] * g[2, p] + g[1, p] * g[3, p]
    else:
        for p in range(out.shape[0]):
            acc = 0.0
            for j in range(d):
                acc += g[j, p] * g[d + j, p]
            out[p] = acc


@nb.njit(cache=True, nogil=True, fastmath=True)
def scale_add_inplace(x: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:  # pragma: no cover
    """``x[i, s] = c[s] x[i, s] + d[s]``."""
    for i in range(x.shape[0]):
        for s in range(x.shape[1]):
            x[i, s] = c[s] * x[i, s] + d[s]


@nb.njit(cache=True, nogil=True, fastmath=True)
def cn_combine(A: np.ndarray, B: np.ndarray, F: np.ndarray, w: np.ndarray, N: np.ndarray,
               out: np.ndarray) -> None:  # pragma: no cover
    """``out[i, s] = A[s] w[i, s] + B[s] N[i, s] + F[s]`` (a diagonal CN/explicit update)."""
    for i in range(w.shape[0]):
        for s in range(w.shape[1]):
            out[i, s] = A[s] * w[i, s] + B[s] * N[i, s] + F[s]
