"""Pure numpy/scipy references of the numba sweeps of :mod:`pdesolve.linalg.sweeps`, for the
tests (triangular solves with ``D/ω + L`` and ``D/ω + U``; Saad 2003, §4.1)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def _triangle(A: sp.csr_matrix, omega: float, lower: bool) -> sp.csr_matrix:
    part = sp.tril(A, k=-1) if lower else sp.triu(A, k=1)
    return (part + sp.diags(A.diagonal() / omega)).tocsr()


def reference_jacobi_sweep(A: Any, b: np.ndarray, x: np.ndarray, omega: float = 1.0):
    """Reference for :func:`jacobi_sweep`: returns ``x + ω D⁻¹ (b − A x)`` (a new array)."""
    A = sp.csr_matrix(A)
    return x + omega * (b - A @ x) / A.diagonal()


def reference_sor_sweep(
    A: Any, b: np.ndarray, x: np.ndarray, omega: float = 1.0, direction: str = "forward"
) -> np.ndarray:
    """Reference for :func:`sor_sweep` by triangular solves (Saad 2003, §4.1):
    forward ``x + (D/ω + L)⁻¹ (b − A x)``, backward ``x + (D/ω + U)⁻¹ (b − A x)``."""
    A = sp.csr_matrix(A)
    if direction == "symmetric":
        return reference_ssor_sweep(A, b, x, omega)
    lower = direction == "forward"
    T = _triangle(A, omega, lower)
    return x + spla.spsolve_triangular(T, b - A @ x, lower=lower)


def reference_ssor_sweep(A: Any, b: np.ndarray, x: np.ndarray, omega: float = 1.0):
    """Reference for :func:`ssor_sweep`: forward then backward :func:`reference_sor_sweep`."""
    y = reference_sor_sweep(A, b, x, omega, "forward")
    return reference_sor_sweep(A, b, y, omega, "backward")
