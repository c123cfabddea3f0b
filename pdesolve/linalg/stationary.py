"""Stationary iterative methods: weighted Jacobi, Gauss–Seidel, SOR(ω), SSOR(ω).

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
report as divergence.)  Each kernel has a pure numpy/scipy reference (``reference_*``:
triangular solves with ``D/ω + L`` …) used by the tests.  Sweeps are sequential
(Gauss–Seidel ordering); one sweep is one pass over the matrix, about 12 bytes per nonzero
(8-byte value + 4-byte column index), so it is bounded by memory bandwidth:
:func:`time_sor_sweep` measures it.

The solvers (:func:`jacobi`, :func:`gauss_seidel`, :func:`sor`, :func:`ssor`) take
``scipy.sparse.linalg``-style arguments and return a
:class:`~pdesolve.linalg.result.SolveResult`; the stopping test is on the true residual
``‖b − A x‖₂ ≤ max(rtol ‖b‖₂, atol)``, computed by a fused numba kernel (no allocation) every
``check_every`` iterations. That check costs one SpMV — as much as a sweep — so
``check_every=1`` (the default, exact iteration counts) doubles the work per iteration;
``check_every=k`` cuts the overhead to ``1/k`` at the price of at most ``k − 1`` extra sweeps.
Non-convergence comes back as ``converged=False`` (``solve()`` raises).

:func:`young_omega` gives Young's optimal relaxation factor ``ω_opt = 2 / (1 + √(1 − ρ_J²))``
from the spectral radius ``ρ_J`` of the Jacobi iteration matrix ``I − D⁻¹A``; it is exact for
consistently ordered matrices with real Jacobi eigenvalues (the 5-point Laplacian in natural or
red–black order, tridiagonal matrices), where SOR then converges at the rate ``ω_opt − 1``
against Gauss–Seidel's ``ρ_J²``.

References
----------
D. M. Young, "Iterative methods for solving partial difference equations of elliptic type",
Trans. Amer. Math. Soc. 76 (1954) 92–111.
R. S. Varga, *Matrix Iterative Analysis*, Prentice-Hall 1962 (ch. 3–4: SOR theory and
the optimal ω).
Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM 2003 (ch. 4: Jacobi,
Gauss–Seidel, SOR, SSOR).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numba as nb
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .result import SolveResult, stopping_target
from .validate import SolverInputError, check_system

__all__ = [
    "Splitting",
    "SweepLayout",
    "splitting",
    "jacobi_sweep",
    "sor_sweep",
    "gauss_seidel_sweep",
    "ssor_sweep",
    "jacobi",
    "gauss_seidel",
    "sor",
    "ssor",
    "jacobi_spectral_radius",
    "young_omega",
    "time_sor_sweep",
    "sor_forward_kernel",
    "reference_jacobi_sweep",
    "reference_sor_sweep",
    "reference_ssor_sweep",
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


# --------------------------------------------------------------------------------------------
# pure numpy/scipy references (for tests)
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------------------------


def _iterate(
    A: Any,
    b: Any,
    x0: Any,
    step: Callable[[Splitting, np.ndarray, np.ndarray], None],
    *,
    method: str,
    rtol: float,
    atol: float,
    maxiter: int | None,
    callback: Callable[[np.ndarray], Any] | None,
    check_every: int,
    info: dict[str, Any],
    S: Splitting | None = None,
) -> SolveResult:
    t0 = time.perf_counter()
    A, b, x0 = check_system(A, b, x0)
    S = splitting(A, dtype=b.dtype) if S is None else S
    b = np.ascontiguousarray(b, dtype=S.matrix.dtype)
    x = np.zeros_like(b) if x0 is None else np.array(x0, dtype=b.dtype, order="C", copy=True)
    maxiter = 10 * S.n if maxiter is None else int(maxiter)
    check_every = max(1, int(check_every))
    indptr, indices, data = S.csr
    target = stopping_target(float(np.linalg.norm(b)), rtol, atol)

    def residual() -> float:
        return float(np.sqrt(residual_norm2_kernel(indptr, indices, data, b, x)))

    res = residual()
    residuals = [res]
    converged, reason, it = res <= target, "initial guess meets the tolerance", 0
    while not converged and it < maxiter:
        step(S, b, x)
        it += 1
        if callback is not None:
            callback(x)
        if it % check_every == 0 or it == maxiter:
            res = residual()
            residuals.append(res)
            if not np.isfinite(res):
                reason = "diverged: the residual overflowed (relaxation factor too large?)"
                break
            converged = res <= target
    if converged and it:
        reason = "residual norm below max(rtol*||b||, atol)"
    elif not converged and np.isfinite(res):
        reason = "iteration limit (maxiter) reached"
    info.update(reason=reason, residual_kind="true", target=target, check_every=check_every)
    return SolveResult(
        x=x,
        converged=bool(converged),
        iterations=it,
        residuals=residuals,
        wall_time=time.perf_counter() - t0,
        method=method,
        info=info,
    )


_DOC_COMMON = """
    rtol, atol : float
        Stop when ``‖b − A x‖₂ ≤ max(rtol ‖b‖₂, atol)`` (true residual).
    maxiter : int, optional
        Iteration limit (default ``10 n``).
    callback : callable, optional
        ``callback(xk)`` after every iteration (``xk`` is the live iterate: copy to keep it).
    check_every : int
        Residual test every this many iterations (each test costs one SpMV, about a sweep).
"""


def jacobi(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    omega: float = 1.0,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    callback: Callable[[np.ndarray], Any] | None = None,
    check_every: int = 1,
) -> SolveResult:
    """Weighted Jacobi iteration ``x ← x + ω D⁻¹ (b − A x)`` (Saad 2003, §4.1).

    Parameters
    ----------
    A : sparse or dense matrix
    b : ndarray (n,)
    x0 : ndarray, optional
        Initial guess (zeros by default; not modified).
    omega : float
        Damping. ``1`` is classical Jacobi (the best solver choice for the Laplacian); ``2/3``
        is the usual *smoother* for multigrid — it converges whenever ``ρ(D⁻¹A) < 3`` for SPD
        ``A``, but slower.
    """
    work: list[np.ndarray] = []

    def step(S: Splitting, b: np.ndarray, x: np.ndarray) -> None:
        if not work:
            work.append(np.empty_like(x))
        indptr, indices, data = S.csr
        jacobi_kernel(indptr, indices, data, S.inv_diag, b, x, omega, work[0])

    return _iterate(
        A,
        b,
        x0,
        step,
        method="jacobi",
        rtol=rtol,
        atol=atol,
        maxiter=maxiter,
        callback=callback,
        check_every=check_every,
        info={"omega": omega},
    )


jacobi.__doc__ = (jacobi.__doc__ or "").rstrip() + _DOC_COMMON


def _sor_step(omega: float, direction: str):
    if direction not in _DIRECTIONS:
        raise SolverInputError(f"direction must be one of {_DIRECTIONS}, got {direction!r}")

    def step(S: Splitting, b: np.ndarray, x: np.ndarray) -> None:
        S.sor_sweeps(b, x, omega, direction)

    return step


def gauss_seidel(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    direction: str = "forward",
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    callback: Callable[[np.ndarray], Any] | None = None,
    check_every: int = 1,
) -> SolveResult:
    """Gauss–Seidel iteration (SOR with ω = 1; Saad 2003, §4.1).

    Parameters
    ----------
    A, b, x0
        As for :func:`jacobi`.
    direction : {"forward", "backward", "symmetric"}
        Row order of a sweep; ``"symmetric"`` is a forward then a backward sweep per iteration
        (symmetric Gauss–Seidel = SSOR(1)).
    """
    return _iterate(
        A,
        b,
        x0,
        _sor_step(1.0, direction),
        method="gauss-seidel",
        rtol=rtol,
        atol=atol,
        maxiter=maxiter,
        callback=callback,
        check_every=check_every,
        info={"omega": 1.0, "direction": direction},
    )


gauss_seidel.__doc__ = (gauss_seidel.__doc__ or "").rstrip() + _DOC_COMMON


def sor(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    omega: float | None = None,
    direction: str = "forward",
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    callback: Callable[[np.ndarray], Any] | None = None,
    check_every: int = 1,
) -> SolveResult:
    """Successive over-relaxation SOR(ω) (Young 1954; Varga 1962, ch. 3–4; Saad 2003, §4.1).

    Parameters
    ----------
    A, b, x0
        As for :func:`jacobi`.
    omega : float, optional
        Relaxation factor in ``(0, 2)``. ``None`` estimates Young's optimum with
        :func:`young_omega` (one Lanczos run, ``O(1/h)`` SpMVs); when the Jacobi iteration does not
        converge (``ρ_J ≥ 1``) Young's formula does not apply and ``ω = 1`` is used.
        ``result.info["omega"]`` holds the value used, ``info["omega_source"]`` how it was
        chosen.
    direction : {"forward", "backward", "symmetric"}
        ``"symmetric"`` runs SSOR sweeps (see :func:`ssor`).
    """
    A_, b_, x0_ = check_system(A, b, x0)
    S = splitting(A_, dtype=b_.dtype)
    if omega is None:
        try:
            rho = jacobi_spectral_radius(S)
            omega, source = young_omega(S, rho), f"young (rho_jacobi={rho:.6g})"
        except SolverInputError as exc:
            omega, source = 1.0, f"1.0: Young's formula does not apply ({exc})"
    else:
        source = "given"
    _check_omega(omega)
    return _iterate(
        A_,
        b_,
        x0_,
        _sor_step(float(omega), direction),
        method="sor",
        rtol=rtol,
        atol=atol,
        maxiter=maxiter,
        callback=callback,
        check_every=check_every,
        S=S,
        info={"omega": float(omega), "omega_source": source, "direction": direction},
    )


sor.__doc__ = (sor.__doc__ or "").rstrip() + _DOC_COMMON


def ssor(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    omega: float = 1.0,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    callback: Callable[[np.ndarray], Any] | None = None,
    check_every: int = 1,
) -> SolveResult:
    """Symmetric SOR: per iteration a forward then a backward SOR(ω) sweep (Saad 2003, §4.1).

    As a solver SSOR is rarely faster than SOR; its strength is as a symmetric preconditioner
    for CG (:class:`~pdesolve.linalg.preconditioners.SSORPC`).

    Parameters
    ----------
    A, b, x0
        As for :func:`jacobi`.
    omega : float
        Relaxation factor in ``(0, 2)`` (``1``: symmetric Gauss–Seidel).
    """
    _check_omega(omega)
    return _iterate(
        A,
        b,
        x0,
        _sor_step(float(omega), "symmetric"),
        method="ssor",
        rtol=rtol,
        atol=atol,
        maxiter=maxiter,
        callback=callback,
        check_every=check_every,
        info={"omega": float(omega)},
    )


ssor.__doc__ = (ssor.__doc__ or "").rstrip() + _DOC_COMMON


def _check_omega(omega: float) -> None:
    if not 0.0 < omega < 2.0:
        raise SolverInputError(
            f"relaxation factor omega={omega} outside (0, 2): SOR/SSOR diverge there "
            "(Kahan's theorem)"
        )


# --------------------------------------------------------------------------------------------
# Young's optimal omega
# --------------------------------------------------------------------------------------------


def _is_symmetric(A: sp.csr_matrix) -> bool:
    diff = abs(A - A.T)
    scale = abs(A).max() if A.nnz else 0.0
    return diff.nnz == 0 or diff.max() <= 1e-12 * scale


def _lanczos_jacobi_radius(B: sp.csr_matrix, tol: float, maxiter: int) -> tuple[float, int, bool]:
    """``max |1 − λ|`` over the spectrum of the symmetric ``B`` by plain Lanczos.

    No reorthogonalisation: loss of orthogonality only duplicates converged Ritz values, and
    the extreme Ritz values (eigenvalues of the tridiagonal ``T_k``, by bisection) converge
    monotonically outwards. What SOR needs is ``q = 1 − ρ_J`` to relative accuracy (``ω_opt``
    depends on ``√(1 − ρ_J²)``), so the test is ``|q_k − q_{k'}| ≤ tol · |q_k|`` with
    ``k' ≈ 7k/8``: Lanczos converges at least linearly here, so once the error halves between
    ``k'`` and ``k`` the change bounds the remaining error.
    """
    from scipy.linalg import eigvalsh_tridiagonal

    n = B.shape[0]
    v = np.random.default_rng(0).standard_normal(n)
    v /= np.linalg.norm(v)
    v_prev = np.zeros(n)
    w = np.empty(n)
    alphas: list[float] = []
    betas: list[float] = []
    beta = 0.0
    history: dict[int, float] = {}
    rho = 0.0
    for k in range(1, maxiter + 1):
        w[:] = B @ v
        alpha = float(w @ v)
        w -= alpha * v
        w -= beta * v_prev
        alphas.append(alpha)
        beta = float(np.linalg.norm(w))
        breakdown = beta <= 1e-13 * max(abs(alpha), 1.0)
        if k % 10 == 0 or breakdown or k == maxiter:
            d, e = np.array(alphas), np.array(betas)
            lo = eigvalsh_tridiagonal(d, e, select="i", select_range=(0, 0))[0]
            hi = eigvalsh_tridiagonal(d, e, select="i", select_range=(k - 1, k - 1))[0]
            rho = max(abs(1.0 - lo), abs(1.0 - hi))
            history[k] = rho
            back = k - 10 * max(1, k // 80)  # compare with about k·7/8
            if breakdown or (
                back in history and k >= 20 and abs(rho - history[back]) <= tol * abs(1.0 - rho)
            ):
                return rho, k, True
        betas.append(beta)
        v_prev, v = v, v_prev
        np.divide(w, beta, out=v)
    return rho, maxiter, False


def jacobi_spectral_radius(
    A: Any, *, symmetric: bool | None = None, tol: float = 1e-5, maxiter: int | None = None
) -> float:
    """Spectral radius ``ρ_J`` of the Jacobi iteration matrix ``J = I − D⁻¹A``.

    For symmetric ``A`` with a positive diagonal, ``J`` is similar to ``I − D^{-1/2} A
    D^{-1/2}``; one Lanczos run on the scaled matrix gives both extreme eigenvalues ``λ`` and
    ``ρ_J = max |1 − λ|``. On the 5-point Laplacian this takes ``O(1/h)`` matrix-vector
    products (about 80 for h = 1/33, 2,400 for h = 1/1001): less than the SOR solve it tunes.
    Otherwise ARPACK's Arnoldi (``eigs``) finds the eigenvalue of ``J`` of largest modulus.
    Small matrices (n ≤ 100) are done densely.

    Parameters
    ----------
    A : sparse or dense matrix, or :class:`Splitting`
    symmetric : bool, optional
        Whether ``A`` is symmetric (checked when ``None``).
    tol : float
        Relative accuracy asked of ``1 − ρ_J`` (which is what Young's ω depends on).
    maxiter : int, optional
        Lanczos/Arnoldi step limit (default ``min(n, 20000)``); a Lanczos estimate that has not
        settled by then is returned with a ``RuntimeWarning`` (it underestimates ``ρ_J``).
    """
    S = splitting(A)
    M, n = S.matrix, S.n
    if n <= 100:
        J = np.eye(n) - M.toarray() * S.inv_diag[:, None]
        return float(np.max(np.abs(np.linalg.eigvals(J))))
    if symmetric is None:
        symmetric = _is_symmetric(M)
    maxiter = min(n, 20_000) if maxiter is None else int(maxiter)
    if symmetric and (S.diag > 0).all() and not np.iscomplexobj(M.data):
        scale = sp.diags(np.sqrt(S.inv_diag))
        rho, steps, ok = _lanczos_jacobi_radius((scale @ M @ scale).tocsr(), tol, maxiter)
        if not ok:
            warnings.warn(
                f"Lanczos estimate of the Jacobi spectral radius not settled after {steps} "
                f"steps (rho_J >= {rho:.8g}); pass rho_jacobi= or omega= explicitly",
                RuntimeWarning,
                stacklevel=2,
            )
        return rho
    matvec = lambda v: v - S.inv_diag * (M @ v)  # noqa: E731
    J = spla.LinearOperator(M.shape, matvec=matvec, dtype=M.dtype)
    try:
        lam = spla.eigs(
            J,
            k=1,
            which="LM",
            tol=tol,
            ncv=min(n, 40),
            maxiter=maxiter,
            return_eigenvectors=False,
        )
    except spla.ArpackNoConvergence as exc:
        raise SolverInputError(
            "ARPACK did not converge estimating the Jacobi spectral radius; pass rho_jacobi= "
            "(or omega=) explicitly"
        ) from exc
    return float(np.max(np.abs(lam)))


def young_omega(A: Any, rho_jacobi: float | None = None) -> float:
    """Young's optimal SOR relaxation factor ``ω_opt = 2 / (1 + √(1 − ρ_J²))``.

    Exact for consistently ordered matrices whose Jacobi matrix has real eigenvalues with
    ``ρ_J < 1`` (e.g. the 5-point Laplacian, where ``ρ_J = cos(πh)`` and ``ω_opt = 2 / (1 +
    sin(πh))``); SOR then converges at the rate ``ω_opt − 1`` (Young 1954; Varga
    1962, ch. 4). For other SPD matrices it is a good heuristic.

    Parameters
    ----------
    A : sparse or dense matrix, or :class:`Splitting`
        Only used when ``rho_jacobi`` is not given.
    rho_jacobi : float, optional
        The spectral radius of ``I − D⁻¹A`` (estimated by :func:`jacobi_spectral_radius`
        when omitted).

    Raises
    ------
    SolverInputError
        When ``ρ_J ≥ 1`` (Jacobi diverges; Young's theory does not apply).
    """
    rho = jacobi_spectral_radius(A) if rho_jacobi is None else float(rho_jacobi)
    if not 0.0 <= rho < 1.0:
        raise SolverInputError(
            f"Jacobi spectral radius rho_J={rho:.6g} is not below 1: Young's optimal omega needs "
            "a convergent Jacobi iteration; pass omega explicitly"
        )
    return 2.0 / (1.0 + np.sqrt(1.0 - rho * rho))


# --------------------------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------------------------


def time_sor_sweep(
    A: Any, *, omega: float = 1.5, repeat: int = 5, b: np.ndarray | None = None
) -> dict[str, float]:
    """Time one forward SOR sweep (:func:`sor_forward_kernel`) on ``A``.

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
