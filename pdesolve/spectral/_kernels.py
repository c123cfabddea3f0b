"""Fused elementwise kernels (numba) for the pseudo-spectral hot loops.

Spectral arrays are viewed as ``(batch, S)`` (``S`` = size of the spectral shape) and per-mode
coefficients as ``(S,)``; grid arrays are flattened. Each kernel replaces a chain of numpy
temporaries by one pass; the models keep the plain numpy expressions as their reference path
(``fused=False``), and the tests compare the two.
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["scale_into", "sum_squares", "dot_pairs", "scale_add_inplace", "cn_combine"]


@nb.njit(cache=True, nogil=True, fastmath=True)
def scale_into(syms: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[j, i, s] = syms[j, s] * v[i, s]`` (several symbols applied to a batch)."""
    for j in range(syms.shape[0]):
        for i in range(v.shape[0]):
            for s in range(v.shape[1]):
                out[j, i, s] = syms[j, s] * v[i, s]


@nb.njit(cache=True, nogil=True, fastmath=True)
def sum_squares(g: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[p] = Σ_j g[j, p]²``."""
    for p in range(out.shape[0]):
        acc = 0.0
        for j in range(g.shape[0]):
            acc += g[j, p] * g[j, p]
        out[p] = acc


@nb.njit(cache=True, nogil=True, fastmath=True)
def dot_pairs(g: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """``out[p] = Σ_{j<d} g[j, p] g[d + j, p]`` with ``2d = g.shape[0]`` (``u·∇w``)."""
    d = g.shape[0] // 2
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
