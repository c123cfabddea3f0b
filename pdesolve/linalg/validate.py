"""Input checks shared by every solver: shapes, squareness, NaN/Inf, operator wrapping."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..backends import get_namespace
from ..errors import PdesolveError


class SolverInputError(PdesolveError, ValueError):
    """A linear system is malformed: shapes, non-square, NaN/Inf entries, wrong types."""


class NotSPDError(SolverInputError):
    """A method that needs a symmetric positive definite matrix (or preconditioner) met evidence
    that it is not: CG's negative or zero curvature ``p·Ap <= 0``, a preconditioner with
    ``r·M r <= 0``. Use MINRES (symmetric indefinite) or GMRES/BiCGStab (nonsymmetric)."""


def check_system(A: Any, b: Any, x0: Any = None) -> tuple[Any, Any, Any]:
    """Validate ``A x = b`` and return ``(A, b, x0)`` with ``b``/``x0`` as 1-D float arrays.

    ``A`` may be a dense array, a scipy sparse matrix, a ``LinearOperator`` or anything with
    ``shape`` and ``@``/``matvec``. Sparse/dense matrices are checked for NaN/Inf entries.
    """
    xp = get_namespace(b)
    shape = getattr(A, "shape", None)
    if shape is None or len(shape) != 2:
        raise SolverInputError(f"A must be a 2-D matrix or LinearOperator, got {type(A).__name__}")
    n, m = shape
    if n != m:
        raise SolverInputError(f"A must be square, got shape {shape}")
    b = xp.asarray(b)
    if b.ndim == 2 and b.shape[1] == 1:
        b = b[:, 0]
    if b.shape != (n,):
        raise SolverInputError(f"b has shape {b.shape}, A has shape {shape}: expected ({n},)")
    if not bool(xp.isfinite(b).all()):
        raise SolverInputError("b contains NaN or Inf")
    data = A.data if sp.issparse(A) or hasattr(A, "data") and hasattr(A, "indptr") else None
    if data is None and isinstance(A, np.ndarray):
        data = A
    if data is not None and not bool(get_namespace(data).isfinite(data).all()):
        raise SolverInputError("A contains NaN or Inf entries")
    if x0 is not None:
        x0 = xp.asarray(x0)
        if x0.ndim == 2 and x0.shape[1] == 1:
            x0 = x0[:, 0]
        if x0.shape != (n,):
            raise SolverInputError(f"x0 has shape {x0.shape}, expected ({n},)")
        if not bool(xp.isfinite(x0).all()):
            raise SolverInputError("x0 contains NaN or Inf")
    dtype = xp.result_type(b.dtype, getattr(A, "dtype", np.float64), np.float64)
    return A, b.astype(dtype, copy=False), None if x0 is None else x0.astype(dtype, copy=False)


def matvec_of(A: Any):
    """A function ``v -> A v`` for matrices, sparse matrices and LinearOperators."""
    if isinstance(A, spla.LinearOperator):
        return A.matvec
    if callable(getattr(A, "matvec", None)) and not sp.issparse(A):
        return A.matvec
    return lambda v: A @ v
