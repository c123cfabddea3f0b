"""Plumbing shared by the recycling Krylov methods: the persistent recycle pair, detection of a
changed operator, block operator applications and Hermitian row-block inner products.

Vectors of length ``n`` are stored as the *rows* of C-contiguous ``(k, n)`` arrays, so that the
inner products ``X^H v`` and the combinations ``X^T c`` are single BLAS-2 calls on contiguous
memory; the public attributes expose them as ``(n, k)`` views.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from ...backends import to_numpy
from ..krylov._common import KrylovSetup
from ..validate import SolverInputError

__all__ = [
    "RecycleState",
    "apply_rows",
    "check_positive_int",
    "hdot_rows",
    "operator_changed",
]


def check_positive_int(value: Any, name: str, owner: str, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum`` or :class:`SolverInputError`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise SolverInputError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def hdot_rows(X: Any, v: Any, xp: ModuleType, out: Any = None, work: Any = None) -> Any:
    """``X^H v`` for the row block ``X`` (shape ``(p, n)``): the ``p`` inner products
    ``x_i^H v`` as one BLAS-2 product, without conjugating the block (only ``v``).

    ``out`` (shape ``(p,)``) and ``work`` (shape ``(n,)``, complex case) avoid allocations.
    """
    if not xp.iscomplexobj(X):
        return xp.matmul(X, v, out=out)
    vc = xp.conjugate(v, out=work) if work is not None else xp.conjugate(v)
    h = xp.matmul(X, vc, out=out)
    return xp.conjugate(h, out=h)


def apply_rows(s: KrylovSetup, X: Any, *, precondition: bool) -> Any:
    """``A X`` (or ``A M⁻¹ X``) for the row block ``X`` (``(k, n)``), returned as ``(k, n)``.

    A dense array is applied to the whole block at once (BLAS-3); sparse matrices and other
    operators one row at a time through ``s.matvec`` (scipy's sparse times ``k``-column dense
    product is about three times slower than ``k`` sparse matrix-vector products at
    ``n = 10⁴``, ``k = 20``).
    """
    xp = s.xp
    if precondition and s.pc is not None:
        X = xp.stack([s.psolve(X[i]) for i in range(X.shape[0])]) if X.shape[0] else X
    if X.shape[0] == 0:
        return xp.empty_like(X)
    A = s.A
    if isinstance(A, np.ndarray):
        return xp.ascontiguousarray(xp.asarray(A @ X.T).T)
    return xp.stack([xp.asarray(s.matvec(X[i])).reshape(s.n) for i in range(X.shape[0])])


def operator_changed(
    state: RecycleState, A: Any, M: Any, same_matrix: bool | None, *, uses_m: bool
) -> bool:
    """Whether the recycle pair must be rebuilt for ``(A, M)``.

    ``same_matrix=None`` compares the objects by identity with those the pair was built for
    (``M`` only when the pair depends on it, ``uses_m``); ``True``/``False`` is the caller's word.
    """
    if same_matrix is not None:
        if not isinstance(same_matrix, (bool, np.bool_)):
            raise SolverInputError(f"same_matrix must be None, True or False, got {same_matrix!r}")
        return not bool(same_matrix)
    return state.A_ref is not A or (uses_m and state.M_ref is not M)


class RecycleState:
    """The recycle pair kept between solves: row blocks ``U`` and ``C`` (``(k, n)`` each) and
    the operator objects they were built for (to detect a change by identity)."""

    def __init__(self) -> None:
        self.U: Any = None
        self.C: Any = None
        self.A_ref: Any = None
        self.M_ref: Any = None

    @property
    def k(self) -> int:
        return 0 if self.U is None else int(self.U.shape[0])

    def clear(self) -> None:
        self.U = self.C = self.A_ref = self.M_ref = None

    def store(self, U: Any, C: Any, A: Any, M: Any) -> None:
        """Keep copies of the first rows of ``U`` and ``C`` (an empty pair clears the state)."""
        if U is None or U.shape[0] == 0:
            self.clear()
            return
        self.U, self.C = U.copy(), C.copy()
        self.A_ref, self.M_ref = A, M

    def compatible(self, s: KrylovSetup, owner: str) -> bool:
        """Check the stored pair against the system: the sizes must agree (else
        :class:`SolverInputError`); a real pair is promoted for a complex system, a complex
        pair is dropped for a real system (returns False then)."""
        if self.U is None:
            return False
        if self.U.shape[1] != s.n:
            raise SolverInputError(
                f"{owner}: the recycle space has vectors of length {self.U.shape[1]} but the "
                f"system has n = {s.n}; call reset() before solving a system of another size"
            )
        if s.xp.iscomplexobj(self.U) and not s.is_complex:
            self.clear()
            return False
        if self.U.dtype != s.dtype:
            self.U = self.U.astype(s.dtype)
            self.C = None if self.C is None else self.C.astype(s.dtype)
        return True

    def columns(self, which: str) -> Any:
        """``U`` or ``C`` as an ``(n, k)`` array (a view), or None without a recycle space."""
        X = getattr(self, which)
        return None if X is None else X.T


def host(a: Any) -> np.ndarray:
    """A numpy copy/view of ``a`` for the small dense work on the host."""
    return to_numpy(a)
