"""Fused elementwise kernels of the diagonal ETDRK4 step (numba), used by
:class:`pdesolve.time.exponential.ETDRK4` for complex states with real coefficients.

Each kernel does in one pass what the numpy expression in ``ETDRK4._step`` does with several
temporaries; states are viewed as ``(batch, S)`` and coefficients as ``(S,)``. The numpy path in
``exponential.py`` is the reference implementation (the tests compare the two).
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["stage_a", "stage_b", "stage_c", "combine"]


@nb.njit(cache=True, nogil=True)
def stage_a(E2: np.ndarray, Q: np.ndarray, u: np.ndarray, Nu: np.ndarray,
            E2u: np.ndarray, a: np.ndarray) -> None:  # pragma: no cover - compiled
    """``E2u = E2 u``; ``a = E2u + Q N_u``."""
    for i in range(u.shape[0]):
        for j in range(u.shape[1]):
            e = E2[j] * u[i, j]
            E2u[i, j] = e
            a[i, j] = e + Q[j] * Nu[i, j]


@nb.njit(cache=True, nogil=True)
def stage_b(Q: np.ndarray, E2u: np.ndarray, Na: np.ndarray,
            b: np.ndarray) -> None:  # pragma: no cover - compiled
    """``b = E2u + Q N_a``."""
    for i in range(b.shape[0]):
        for j in range(b.shape[1]):
            b[i, j] = E2u[i, j] + Q[j] * Na[i, j]


@nb.njit(cache=True, nogil=True)
def stage_c(E2: np.ndarray, Q: np.ndarray, a: np.ndarray, Nb: np.ndarray, Nu: np.ndarray,
            c: np.ndarray) -> None:  # pragma: no cover - compiled
    """``c = E2 a + Q (2 N_b − N_u)``."""
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            c[i, j] = E2[j] * a[i, j] + Q[j] * (2.0 * Nb[i, j] - Nu[i, j])


@nb.njit(cache=True, nogil=True)
def combine(E: np.ndarray, f1: np.ndarray, f2x2: np.ndarray, f3: np.ndarray, u: np.ndarray,
            Nu: np.ndarray, Na: np.ndarray, Nb: np.ndarray, Nc: np.ndarray,
            out: np.ndarray) -> None:  # pragma: no cover - compiled
    """``out = E u + f1 N_u + f2x2 (N_a + N_b) + f3 N_c``."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (E[j] * u[i, j] + f1[j] * Nu[i, j] + f2x2[j] * (Na[i, j] + Nb[i, j])
                         + f3[j] * Nc[i, j])
