"""The preconditioner interface: ``z = M⁻¹ r`` as a callable, and normalisation of what users
pass as ``M`` (scipy conventions: a matrix or ``LinearOperator`` approximating ``A⁻¹``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

ApplyFn = Callable[[np.ndarray], np.ndarray]


class Preconditioner:
    """Base class: ``pc(r)`` returns ``M⁻¹ r``.

    Attributes
    ----------
    name : str
        Short name used in result descriptions (``"jacobi"``, ``"ssor"``, ``"ilu"``, ``"amg"``).
    symmetric : bool
        Whether ``M⁻¹`` is symmetric positive definite for SPD ``A`` (usable with CG/MINRES).
    setup_time : float
        Seconds spent building it.
    """

    name = "identity"
    symmetric = True
    setup_time = 0.0

    def __call__(self, r: np.ndarray) -> np.ndarray:
        return r

    def as_linear_operator(self, shape: tuple[int, int], dtype=np.float64) -> spla.LinearOperator:
        """The preconditioner as a scipy ``LinearOperator`` (for scipy's Krylov methods)."""
        return spla.LinearOperator(shape, matvec=self, dtype=dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"


class _Wrapped(Preconditioner):
    def __init__(self, fn: ApplyFn, name: str, symmetric: bool = True):
        self._fn = fn
        self.name = name
        self.symmetric = symmetric

    def __call__(self, r):
        return self._fn(r)


def as_preconditioner(M: Any, A: Any = None) -> Preconditioner | None:
    """Normalise ``M``: None, a :class:`Preconditioner`, a name (built from ``A``), a callable,
    a ``LinearOperator`` or a (sparse) matrix applied by multiplication."""
    if M is None or (isinstance(M, str) and M.lower() in ("none", "identity", "")):
        return None
    if isinstance(M, Preconditioner):
        return M
    if isinstance(M, str):
        from .preconditioners import make_preconditioner

        if A is None:
            raise ValueError(f"preconditioner {M!r} given by name needs the matrix A")
        return make_preconditioner(M, A)
    if isinstance(M, spla.LinearOperator):
        return _Wrapped(M.matvec, "operator")
    if sp.issparse(M) or isinstance(M, np.ndarray) or hasattr(M, "__matmul__"):
        return _Wrapped(lambda r: M @ r, "matrix")
    if callable(M):
        return _Wrapped(M, getattr(M, "__name__", "callable"))
    raise TypeError(f"cannot use {type(M).__name__} as a preconditioner")
