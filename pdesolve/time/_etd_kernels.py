"""Fused elementwise kernels of the diagonal ETDRK4 step (numba), used by
:class:`pdesolve.time.exponential.ETDRK4` for complex states with real coefficients.

Each kernel does in one pass what the numpy expression in ``ETDRK4._step`` does with several
temporaries; states are viewed as ``(batch, S)`` and coefficients as ``(S,)``. The numpy path in
``exponential.py`` is the reference implementation (the tests compare the two). The real
coefficients act on the real and imaginary parts separately (written out: numba would
otherwise promote them to complex and do full complex products); no ``fastmath``, so each
entry is rounded as in the numpy expression.
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
            e, q, x, n = E2[j], Q[j], u[i, j], Nu[i, j]
            re = e * x.real
            im = e * x.imag
            E2u[i, j] = complex(re, im)
            a[i, j] = complex(re + q * n.real, im + q * n.imag)


@nb.njit(cache=True, nogil=True)
def stage_b(Q: np.ndarray, E2u: np.ndarray, Na: np.ndarray,
            b: np.ndarray) -> None:  # pragma: no cover - compiled
    """``b = E2u + Q N_a``."""
    for i in range(b.shape[0]):
        for j in range(b.shape[1]):
            q, x, n = Q[j], E2u[i, j], Na[i, j]
            b[i, j] = complex(x.real + q * n.real, x.imag + q * n.imag)


@nb.njit(cache=True, nogil=True)
def stage_c(E2: np.ndarray, Q: np.ndarray, a: np.ndarray, Nb: np.ndarray, Nu: np.ndarray,
            c: np.ndarray) -> None:  # pragma: no cover - compiled
    """``c = E2 a + Q (2 N_b − N_u)``."""
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            e, q, x, nb_, nu = E2[j], Q[j], a[i, j], Nb[i, j], Nu[i, j]
            c[i, j] = complex(e * x.real + q * (2.0 * nb_.real - nu.real),
                              e * x.imag + q * (2.0 * nb_.imag - nu.imag))


@nb.njit(cache=True, nogil=True)
def combine(E: np.ndarray, f1: np.ndarray, f2x2: np.ndarray, f3: np.ndarray, u: np.ndarray,
            Nu: np.ndarray, Na: np.ndarray, Nb: np.ndarray, Nc: np.ndarray,
            out: np.ndarray) -> None:  # pragma: no cover - compiled
    """``out = E u + f1 N_u + f2x2 (N_a + N_b) + f3 N_c``."""
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            e, g1, g2, g3 = E[j], f1[j], f2x2[j], f3[j]
            x, nu, na, nb_, nc = u[i, j], Nu[i, j], Na[i, j], Nb[i, j], Nc[i, j]
            out[i, j] = complex(
                e * x.real + g1 * nu.real + g2 * (na.real + nb_.real) + g3 * nc.real,
                e * x.imag + g1 * nu.imag + g2 * (na.imag + nb_.imag) + g3 * nc.imag)
