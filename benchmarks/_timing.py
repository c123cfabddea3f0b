"""Timing helper of the benchmarks: one numba SOR sweep against its memory-traffic bound."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from pdesolve.linalg.sweeps import sor_forward_kernel, splitting

__all__ = ["time_sor_sweep"]


def time_sor_sweep(
    A: Any, *, omega: float = 1.5, repeat: int = 5, b: np.ndarray | None = None
) -> dict[str, float]:
    """Time one forward SOR sweep (:func:`~pdesolve.linalg.sweeps.sor_forward_kernel`) on ``A``.

    Returns
    -------
    dict
        ``seconds`` (best of ``repeat``), ``nnz`` (of ``A``, diagonal included),
        ``bytes_per_nnz_bound`` (12: an 8-byte value and a 4-byte column index per nonzero),
        ``bytes_streamed`` (what the kernel actually moves: 12 bytes per far off-diagonal
        nonzero, plus per row ``indptr`` 4, ``a_{i,i±1}`` 16, ``1/a_ii`` 8, ``b`` 8 and ``x``
        read and written 16 — 76 bytes per row on the 5-point Laplacian, against the bound's
        60) and
        ``effective_bandwidth`` (``12 nnz / seconds``, bytes per second).
    """
    S = splitting(A)
    b = np.ones(S.n) if b is None else np.ascontiguousarray(b, dtype=np.float64)
    x = np.zeros(S.n)
    args = (*S.sweep_layout.arrays, S.inv_diag, b, x, omega)
    sor_forward_kernel(*args)  # compile / warm up
    best = np.inf
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        sor_forward_kernel(*args)
        best = min(best, time.perf_counter() - t)
    nnz = int(S.matrix.nnz)
    return {
        "seconds": best,
        "nnz": nnz,
        "bytes_per_nnz_bound": 12.0,
        "bytes_streamed": float(
            S.sweep_layout.nbytes + S.inv_diag.nbytes + b.nbytes + 2 * x.nbytes
        ),
        "effective_bandwidth": 12.0 * nnz / best,
    }
