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


class PreconditionerFactory:
    """A per-matrix preconditioner: ``PreconditionerFactory(build)`` with ``build(A) -> M``.

    A plain callable passed as ``pc=`` is always an *apply* function ``r -> M⁻¹ r``; wrap a
    function that *builds* a preconditioner from each matrix in this class (for
    :func:`~pdesolve.linalg.solve_sequence`, where every new matrix gets its own). ``build``
    may return anything :func:`as_preconditioner` accepts.

    >>> import pdesolve as ps
    >>> ilu_per_matrix = ps.linalg.PreconditionerFactory(
    ...     lambda A: ps.linalg.make_preconditioner("ilu", A), name="ilu")
    """

    def __init__(self, build: Callable[[Any], Any], name: str | None = None):
        if not callable(build):
            raise TypeError(f"PreconditionerFactory needs a callable, got {type(build).__name__}")
        self.build = build
        self.name = name or getattr(build, "__name__", "factory")

    def __call__(self, A: Any) -> Preconditioner | None:
        return as_preconditioner(self.build(A), A)

    def __repr__(self) -> str:
        return f"PreconditionerFactory({self.name})"


def as_preconditioner(M: Any, A: Any = None, **options: Any) -> Preconditioner | None:
    """Normalise ``M``: None, a :class:`Preconditioner`, a name (built from ``A`` with
    ``options``), a :class:`PreconditionerFactory` (built from ``A``), an apply function
    ``r -> M⁻¹ r``, a ``LinearOperator`` or a (sparse) matrix applied by multiplication."""
    if M is None or (isinstance(M, str) and M.lower() in ("none", "identity", "")):
        return None
    if isinstance(M, Preconditioner):
        return M
    if isinstance(M, str | PreconditionerFactory) and A is None:
        raise ValueError(f"preconditioner {M!r} is built per matrix and needs the matrix A")
    if isinstance(M, str):
        from .preconditioners import make_preconditioner

        return make_preconditioner(M, A, **options)
    if isinstance(M, PreconditionerFactory):
        return M(A)
    if isinstance(M, spla.LinearOperator):
        return _Wrapped(M.matvec, "operator")
    if sp.issparse(M) or isinstance(M, np.ndarray) or hasattr(M, "__matmul__"):
        return _Wrapped(lambda r: M @ r, "matrix")
    if callable(M):
        return _Wrapped(M, getattr(M, "__name__", "callable"))
    raise TypeError(f"cannot use {type(M).__name__} as a preconditioner")
