"""Stationary iterative methods: weighted Jacobi, Gauss–Seidel, SOR(ω), SSOR(ω).

Write ``A = D + L + U`` (diagonal, strictly lower and strictly upper parts); one iteration is one
sweep (or, for SSOR and symmetric Gauss–Seidel, a forward and a backward one) of
:mod:`pdesolve.linalg.sweeps`, which holds the numba kernels, the :class:`Splitting` and the
in-place ``*_sweep`` functions. Young's optimal ω (:func:`young_omega`, used by ``sor(omega=None)``)
is in :mod:`pdesolve.linalg.omega`. Both modules' public names are re-exported here.

The solvers (:func:`jacobi`, :func:`gauss_seidel`, :func:`sor`, :func:`ssor`) take
``scipy.sparse.linalg``-style arguments and return a
:class:`~pdesolve.linalg.result.SolveResult`; the stopping test is on the true residual
``‖b − A x‖₂ ≤ max(rtol ‖b‖₂, atol)``, computed by a fused numba kernel (no allocation) every
``check_every`` iterations. That check costs one SpMV — as much as a sweep — so
``check_every=1`` (the default, exact iteration counts) doubles the work per iteration;
``check_every=k`` cuts the overhead to ``1/k`` at the price of at most ``k − 1`` extra sweeps.
Non-convergence comes back as ``converged=False`` (``solve()`` raises).

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
from collections.abc import Callable
from typing import Any

import numpy as np

from .methods import DEFAULT_RTOL
from .omega import jacobi_spectral_radius, young_omega
from .result import SolveResult, stopping_target
from .sweeps import (
    _DIRECTIONS,
    Splitting,
    SweepLayout,
    gauss_seidel_sweep,
    jacobi_kernel,
    jacobi_sweep,
    residual_norm2_kernel,
    sor_forward_kernel,
    sor_sweep,
    splitting,
    ssor_sweep,
)
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
    "sor_forward_kernel",
]


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
    rtol: float = DEFAULT_RTOL,
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
    rtol: float = DEFAULT_RTOL,
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
    rtol: float = DEFAULT_RTOL,
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
    rtol: float = DEFAULT_RTOL,
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
