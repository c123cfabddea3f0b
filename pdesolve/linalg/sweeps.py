"""Sweeps of the stationary methods: numba kernels over CSR, the splitting ``A = D + L + U``.

Write ``A = D + L + U`` (diagonal, strictly lower and strictly upper parts). One *sweep*
updates ``x`` in place:

===========================  ===================================================
Jacobi(ω)                    ``x ← x + ω D⁻¹ (b − A x)``
SOR(ω), forward              ``x ← x + (D/ω + L)⁻¹ (b − A x)``  (rows 0, 1, …, n−1)
SOR(ω), backward             ``x ← x + (D/ω + U)⁻¹ (b − A x)``  (rows n−1, …, 0)
SSOR(ω)                      a forward SOR sweep, then a backward one
Gauss–Seidel                 SOR with ω = 1 (forward, backward or symmetric)
===========================  ===================================================

The Jacobi kernel runs over the CSR arrays ``(indptr, indices, data)``; the diagonal is taken
once (:func:`splitting`), checked for zeros, and inverted, so a sweep does no division.  The SOR
kernels run over a second copy of ``L + U`` laid out for sweeping (:class:`SweepLayout`, built
on first use): the first sub- and superdiagonals ``a_{i,i−1}``, ``a_{i,i+1}`` as two vectors,
and every other off-diagonal entry in CSR with each row's upper entries before its lower ones
(both by increasing column).  A forward row update
``x_i ← (1 − ω) x_i + ω (b_i − Σ_{j≠i} a_ij x_j) / a_ii`` sums ``a_{i,i+1} x_{i+1}``, then the
far entries, then ``a_{i,i−1} x_{i−1}`` with ``x_{i−1}`` still in a register from the row before;
the backward sweep mirrors it, and so do the triangular solves of the SOR and SSOR
preconditioners.  So the row-to-row dependency chain is two multiply-adds in registers
— not a store, a store-to-load forward and the whole row — and the sweep is limited by memory
traffic, not latency.  (A row without an ``a_{i,i−1}`` entry multiplies the carried value by an
explicit zero; that differs from skipping it only once ``x`` has overflowed, which the solvers
report as divergence.)  Each kernel has a pure numpy/scipy reference
(``tests/linalg/reference_sweeps.py``: triangular solves with ``D/ω + L`` …) used by the tests.
Sweeps are sequential (Gauss–Seidel ordering); one sweep is one pass over the matrix, about 12
bytes per nonzero (8-byte value + 4-byte column index), so it is bounded by memory bandwidth:
``time_sor_sweep`` in ``benchmarks/_timing.py`` measures it.

The solvers built on these sweeps are in :mod:`pdesolve.linalg.stationary`, the
preconditioners in :mod:`pdesolve.linalg.preconditioners`.

References
----------
Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM 2003 (ch. 4: Jacobi,
Gauss–Seidel, SOR, SSOR).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numba as nb
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .validate import SolverInputError

__all__ = [
    "Splitting",
    "SweepLayout",
    "splitting",
    "jacobi_sweep",
    "sor_sweep",
    "gauss_seidel_sweep",
    "ssor_sweep",
    "sor_forward_kernel",
    "sor_backward_kernel",
    "jacobi_kernel",
    "residual_norm2_kernel",
    "lower_solve_kernel",
    "upper_solve_kernel",
    "ssor_apply_kernel",
]

_JIT = dict(cache=True, error_model="numpy", nogil=True)
_DIRECTIONS = ("forward", "backward", "symmetric")


# --------------------------------------------------------------------------------------------
# numba kernels (CSR; in place; no allocation)
# --------------------------------------------------------------------------------------------


@nb.njit(**_JIT)
def sor_forward_kernel(indptr, indices, data, sub, sup, inv_diag, b, x, omega):  # pragma: no cover
    """One forward SOR sweep in place over a :class:`SweepLayout` (``indptr, indices, data``:
    the far entries; ``sub``, ``sup``: the first sub- and superdiagonal), rows ``0..n-1``:
    ``x_i ← (1 − ω) x_i + ω (b_i − Σ_{j≠i} a_ij x_j) / a_ii``.

    With ``omega = 1`` this is a Gauss–Seidel sweep. The sum takes ``a_{i,i+1} x_{i+1}`` and
    the far upper entries (old values) first, then the far lower entries, and last
    ``a_{i,i−1} x_{i−1}`` with ``x_{i−1}`` carried in a register from the previous row.
    """
    n = x.shape[0]
    keep = 1.0 - omega
    last = n - 1
    xprev = 0.0
    for i in range(n):
        s = b[i] - sup[i] * x[min(i + 1, last)]
        for k in range(indptr[i], indptr[i + 1]):
            s -= data[k] * x[indices[k]]
        s -= sub[i] * xprev
        xprev = keep * x[i] + (omega * inv_diag[i]) * s
        x[i] = xprev


@nb.njit(**_JIT)
def sor_backward_kernel(indptr, indices, data, sub, sup, inv_diag, b, x, omega):  # pragma: no cover
    """One backward SOR sweep in place (rows ``n-1..0``); the mirror of
    :func:`sor_forward_kernel`: ``a_{i,i−1} x_{i−1}`` first, the far entries in reverse storage
    order (lower, then upper), and last ``a_{i,i+1} x_{i+1}`` from a register."""
    n = x.shape[0]
    keep = 1.0 - omega
    xnext = 0.0
    for i in range(n - 1, -1, -1):
        s = b[i] - sub[i] * x[max(i - 1, 0)]
        for k in range(indptr[i + 1] - 1, indptr[i] - 1, -1):
            s -= data[k] * x[indices[k]]
        s -= sup[i] * xnext
        xnext = keep * x[i] + (omega * inv_diag[i]) * s
        x[i] = xnext


@nb.njit(**_JIT)
def _sweep_layout(indptr, indices, data, dptr):  # pragma: no cover
    """Split the off-diagonal part of a canonical CSR matrix into its first sub- and
    superdiagonal (dense vectors) and the far entries, each row upper then lower, with the
    start of each row's lower part."""
    n = indptr.shape[0] - 1
    sub = np.zeros(n, dtype=data.dtype)
    sup = np.zeros(n, dtype=data.dtype)
    far_ptr = np.empty(n + 1, dtype=indptr.dtype)
    far_lower = np.empty(n, dtype=indptr.dtype)
    far_idx = np.empty(indptr[n] - n, dtype=indices.dtype)
    far_val = np.empty(indptr[n] - n, dtype=data.dtype)
    p = 0
    far_ptr[0] = 0
    for i in range(n):
        d = dptr[i]
        for k in range(d + 1, indptr[i + 1]):
            if indices[k] == i + 1:
                sup[i] = data[k]
            else:
                far_idx[p] = indices[k]
                far_val[p] = data[k]
                p += 1
        far_lower[i] = p
        for k in range(indptr[i], d):
            if indices[k] == i - 1:
                sub[i] = data[k]
            else:
                far_idx[p] = indices[k]
                far_val[p] = data[k]
                p += 1
        far_ptr[i + 1] = p
    return far_ptr, far_idx[:p].copy(), far_val[:p].copy(), sub, sup, far_lower


@nb.njit(**_JIT)
def jacobi_kernel(indptr, indices, data, inv_diag, b, x, omega, work):  # pragma: no cover
    """One weighted Jacobi sweep: ``x ← x + ω D⁻¹ (b − A x)``; ``work`` (length n) is scratch."""
    n = x.shape[0]
    for i in range(n):
        s = b[i]
        for k in range(indptr[i], indptr[i + 1]):
            s -= data[k] * x[indices[k]]
        work[i] = x[i] + omega * inv_diag[i] * s
    for i in range(n):
        x[i] = work[i]


@nb.njit(**_JIT)
def residual_norm2_kernel(indptr, indices, data, b, x):  # pragma: no cover
    """``‖b − A x‖₂²`` in one pass, without forming the residual vector."""
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        s = b[i]
        for k in range(indptr[i], indptr[i + 1]):
            s -= data[k] * x[indices[k]]
        total += abs(s) ** 2
    return total


@nb.njit(**_JIT)
def lower_solve_kernel(
    indptr, indices, data, lower, sub, inv_diag, r, y, omega
):  # pragma: no cover
    """Solve ``(D/ω + L) y = r`` by forward substitution over a :class:`SweepLayout` (``y``
    may be ``r``): the far lower entries ``lower[i]..indptr[i+1]`` of each row, then
    ``a_{i,i−1} y_{i−1}`` from a register."""
    n = y.shape[0]
    yprev = 0.0
    for i in range(n):
        s = r[i]
        for k in range(lower[i], indptr[i + 1]):
            s -= data[k] * y[indices[k]]
        s -= sub[i] * yprev
        yprev = omega * inv_diag[i] * s
        y[i] = yprev


@nb.njit(**_JIT)
def upper_solve_kernel(
    indptr, indices, data, lower, sup, inv_diag, r, y, omega
):  # pragma: no cover
    """Solve ``(D/ω + U) y = r`` by backward substitution (``y`` may be ``r``): the far upper
    entries ``indptr[i]..lower[i]``, then ``a_{i,i+1} y_{i+1}`` from a register."""
    n = y.shape[0]
    ynext = 0.0
    for i in range(n - 1, -1, -1):
        s = r[i]
        for k in range(indptr[i], lower[i]):
            s -= data[k] * y[indices[k]]
        s -= sup[i] * ynext
        ynext = omega * inv_diag[i] * s
        y[i] = ynext


@nb.njit(**_JIT)
def ssor_apply_kernel(
    indptr, indices, data, lower, sub, sup, inv_diag, r, z, omega
):  # pragma: no cover
    """``z = M⁻¹ r`` for the SSOR preconditioner over a :class:`SweepLayout` (``z`` may be
    ``r``).

    ``M = ω/(2−ω) (D/ω + L) D⁻¹ (D/ω + U)``, so ``M⁻¹ r = (2−ω)/ω (D/ω+U)⁻¹ D (D/ω+L)⁻¹ r``:
    a forward substitution over the strictly lower part, then a backward one over the strictly
    upper part — each nonzero is read once, the neighbour ``z_{i∓1}`` carried in a register.
    Equals one SSOR sweep started from ``x = 0``.
    """
    n = z.shape[0]
    zprev = 0.0
    for i in range(n):
        s = r[i]
        for k in range(lower[i], indptr[i + 1]):
            s -= data[k] * z[indices[k]]
        s -= sub[i] * zprev
        zprev = omega * inv_diag[i] * s
        z[i] = zprev
    c = 2.0 - omega
    znext = 0.0
    for i in range(n - 1, -1, -1):
        s = 0.0 * z[i]
        for k in range(indptr[i], lower[i]):
            s += data[k] * z[indices[k]]
        s += sup[i] * znext
        znext = c * z[i] - omega * inv_diag[i] * s
        z[i] = znext


@nb.njit(**_JIT)
def _diag_pointers(indptr, indices):  # pragma: no cover
    n = indptr.shape[0] - 1
    dptr = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            if indices[k] == i:
                dptr[i] = k
                break
    return dptr


# --------------------------------------------------------------------------------------------
# the splitting A = D + L + U, prepared once
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Splitting:
    """A square CSR matrix prepared for sweeps: canonical CSR arrays plus its diagonal.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        The matrix in canonical form (sorted indices, no duplicates).
    diag, inv_diag : ndarray
        ``diag(A)`` and ``1 / diag(A)`` (no zero entries: checked).
    dptr : ndarray of int64
        Position of ``a_ii`` in ``data``/``indices`` of row ``i`` (to build the sweep layout).
    """

    matrix: sp.csr_matrix
    diag: np.ndarray
    inv_diag: np.ndarray
    dptr: np.ndarray

    @property
    def n(self) -> int:
        """Number of rows."""
        return self.matrix.shape[0]

    @property
    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr, indices, data)``."""
        A = self.matrix
        return A.indptr, A.indices, A.data

    @cached_property
    def sweep_layout(self) -> SweepLayout:
        """``L + U`` laid out for the SOR kernels (:class:`SweepLayout`); built on first use."""
        indptr, indices, data = self.csr
        return SweepLayout(*_sweep_layout(indptr, indices, data, self.dptr))

    def sor_sweeps(self, b: np.ndarray, x: np.ndarray, omega: float, direction: str) -> None:
        """SOR(ω) sweeps in place: ``"forward"``, ``"backward"`` or ``"symmetric"`` (both).
        ``b`` and ``x`` must be C-contiguous of length n (not checked here)."""
        args = (*self.sweep_layout.arrays, self.inv_diag, b, x, omega)
        if direction != "backward":
            sor_forward_kernel(*args)
        if direction != "forward":
            sor_backward_kernel(*args)


@dataclass(frozen=True, eq=False)
class SweepLayout:
    """``L + U`` of a :class:`Splitting` as the SOR kernels stream it.

    Attributes
    ----------
    indptr, indices, data : ndarray
        CSR of the *far* off-diagonal entries (``|j − i| > 1``), each row's upper entries
        before its lower ones, both by increasing column.
    sub, sup : ndarray
        ``sub[i] = a_{i,i−1}`` and ``sup[i] = a_{i,i+1}`` (zero where not stored): the
        entries that couple consecutive rows, kept apart so the kernels can carry ``x_{i∓1}``
        in a register.
    lower : ndarray
        ``lower[i]``: where row ``i``'s far lower entries start (the triangular solves of the
        SOR/SSOR preconditioners read one side only; the sweeps do not need it).
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    sub: np.ndarray
    sup: np.ndarray
    lower: np.ndarray

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """``(indptr, indices, data, sub, sup)``, the kernels' leading arguments."""
        return self.indptr, self.indices, self.data, self.sub, self.sup

    @property
    def nbytes(self) -> int:
        """Bytes one SOR sweep streams for ``L + U`` (``lower`` is not read)."""
        return sum(a.nbytes for a in self.arrays)


def splitting(A: Any, dtype: Any = None) -> Splitting:
    """Prepare ``A`` (sparse, dense, or a :class:`Splitting`) for the stationary kernels.

    Converts to canonical CSR (a copy only when needed), extracts and inverts the diagonal.

    Raises
    ------
    SolverInputError
        If ``A`` is not a square matrix with finite entries (a ``LinearOperator`` has no
        entries to sweep over) or has a zero (or missing) diagonal entry.
    """
    if isinstance(A, Splitting):
        return A
    if isinstance(A, spla.LinearOperator) or not (sp.issparse(A) or hasattr(A, "__array__")):
        raise SolverInputError(
            f"stationary methods and SOR/SSOR/Jacobi preconditioners need the matrix entries "
            f"(a scipy.sparse or dense matrix), got {type(A).__name__}"
        )
    M = A.tocsr() if sp.issparse(A) else sp.csr_matrix(np.asarray(A))
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise SolverInputError(f"A must be square, got shape {M.shape}")
    dtype = np.result_type(M.dtype, np.float64) if dtype is None else np.dtype(dtype)
    if M.dtype != dtype:
        M = M.astype(dtype)
    if not M.has_canonical_format:
        M = M.copy() if M is A else M
        M.sum_duplicates()
    if not np.isfinite(M.data).all():
        raise SolverInputError("A contains NaN or Inf entries")
    diag = M.diagonal()
    zero = np.flatnonzero(diag == 0)
    if zero.size:
        rows = ", ".join(map(str, zero[:5])) + (", ..." if zero.size > 5 else "")
        raise SolverInputError(
            f"A has {zero.size} zero (or missing) diagonal entries (rows {rows}): Jacobi, "
            "Gauss-Seidel, SOR and SSOR divide by the diagonal; reorder/scale the system or use "
            "a Krylov method with ILU or AMG"
        )
    dptr = _diag_pointers(M.indptr, M.indices)
    return Splitting(M, diag, 1.0 / diag, dptr)


# --------------------------------------------------------------------------------------------
# sweeps (in place)
# --------------------------------------------------------------------------------------------


def _vec(S: Splitting, v: np.ndarray, name: str) -> np.ndarray:
    if v.shape != (S.n,):
        raise SolverInputError(f"{name} has shape {v.shape}, expected ({S.n},)")
    if not v.flags.c_contiguous:
        raise SolverInputError(f"{name} must be C-contiguous (sweeps run in place)")
    return v


def jacobi_sweep(
    A: Any, b: np.ndarray, x: np.ndarray, omega: float = 1.0, work: np.ndarray | None = None
) -> np.ndarray:
    """One weighted Jacobi sweep ``x ← x + ω D⁻¹ (b − A x)``, in place; returns ``x``.

    ``work`` is optional scratch of length n (allocated when omitted).
    """
    S = splitting(A)
    indptr, indices, data = S.csr
    _vec(S, x, "x")
    work = np.empty_like(x) if work is None else work
    b = _vec(S, np.ascontiguousarray(b, dtype=S.matrix.dtype), "b")
    jacobi_kernel(indptr, indices, data, S.inv_diag, b, x, omega, work)
    return x


def sor_sweep(
    A: Any, b: np.ndarray, x: np.ndarray, omega: float = 1.0, direction: str = "forward"
) -> np.ndarray:
    """One SOR(ω) sweep in place (``"forward"``, ``"backward"``, or ``"symmetric"`` = SSOR)."""
    S = splitting(A)
    _vec(S, x, "x")
    b = _vec(S, np.ascontiguousarray(b, dtype=S.matrix.dtype), "b")
    if direction not in _DIRECTIONS:
        raise SolverInputError(f"direction must be one of {_DIRECTIONS}, got {direction!r}")
    S.sor_sweeps(b, x, omega, direction)
    return x


def gauss_seidel_sweep(
    A: Any, b: np.ndarray, x: np.ndarray, direction: str = "forward"
) -> np.ndarray:
    """One Gauss–Seidel sweep in place (SOR with ω = 1)."""
    return sor_sweep(A, b, x, 1.0, direction)


def ssor_sweep(A: Any, b: np.ndarray, x: np.ndarray, omega: float = 1.0) -> np.ndarray:
    """One SSOR(ω) sweep in place: forward SOR then backward SOR."""
    return sor_sweep(A, b, x, omega, "symmetric")
