"""The (preconditioned) conjugate gradient method for symmetric positive definite systems."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..methods import DEFAULT_RTOL
from ..result import SolveResult
from ..validate import NotSPDError
from ._common import (
    axpy,
    check_symmetric,
    default_maxiter,
    finish,
    method_name,
    no_tol,
    setup_system,
    wrapper_info,
)
from ._common import zero_rhs_result as _zero

__all__ = ["cg", "cg_solve"]


@no_tol
def cg_solve(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable[[Any], Any] | None = None,
    check_curvature: bool = True,
    check_symmetry: bool = True,
) -> SolveResult:
    r"""Solve ``A x = b`` for symmetric (Hermitian) positive definite ``A`` by preconditioned CG.

    Parameters
    ----------
    A : sparse matrix, ndarray, np.matrix or LinearOperator
        The SPD matrix (only ``A @ v`` is used). An ``A`` with a ``psolve`` method and
        ``M=None`` is preconditioned by ``A.psolve`` (scipy's convention).
    b : ndarray
        Right-hand side, shape ``(n,)`` or ``(n, 1)``; the solution has shape ``(n,)``.
        The iteration runs in the precision of ``A`` and ``b`` (scipy's rule: float32 ``A``
        and ``b`` give float32 vectors and a float32 ``x``, complex64 stays complex64, a mix
        takes the wider type, integers count as float64); the scalar recurrences (``alpha``,
        ``beta``, ``rho``) are in double precision.
    x0 : ndarray, optional
        Initial guess (not modified); zero by default; ``"Mb"`` starts from ``M b``.
    rtol, atol : float
        Stop when ``||r_k||_2 <= max(rtol * ||b||_2, atol)`` where ``r_k`` is the *recursively
        updated* residual (``info["residual_kind"] == "recursive"``). It equals ``b - A x_k`` in
        exact arithmetic; the true residual norm at exit is stored in ``info["true_residual"]``.
        ``inf`` is allowed (the target is then infinite: ``x0`` comes back at once, converged);
        NaN is refused.
    maxiter : int, optional
        Iteration limit, ``10 n`` by default (scipy's).
    M : preconditioner, optional
        Approximates ``A⁻¹``; must be SPD. A matrix, ``LinearOperator``, callable ``r -> M r``,
        a :class:`~pdesolve.linalg.preconditioner.Preconditioner` or a preconditioner name.
    callback : callable, optional
        ``callback(xk)`` after every iteration (scipy's semantics; ``xk`` is the live iterate).
    check_curvature : bool
        Raise :class:`~pdesolve.linalg.validate.NotSPDError` on ``p·Ap <= 0`` (default True;
        when False the iteration stops with ``converged=False`` and the reason instead).
    check_symmetry : bool
        Test first that ``A`` is symmetric (Hermitian) on a fixed-seed random probe, two
        matvecs (:func:`~pdesolve.linalg.krylov._common.check_symmetric`:
        ``|x·Ay - y·Ax| <= tol (|x||Ay| + |y||Ax|)``, ``tol = max(1e-10, 1000 eps)``);
        default True.
        On a nonsymmetric ``A`` CG neither converges nor shows negative curvature reliably: it
        would run to ``maxiter``.

    Returns
    -------
    SolveResult
        ``residuals`` holds ``||r_k||`` for ``k = 0..iterations``.

    Raises
    ------
    SolverInputError
        Malformed system (shapes, non-square, NaN/Inf) or tolerances.
    NotSPDError
        (a ``SolverInputError``) ``A`` is not symmetric (the probe of ``check_symmetry``),
        ``A`` showed negative or zero curvature ``p_k·A p_k <= 0`` (it is not SPD), or the
        preconditioner gave ``r·M r <= 0`` (it is not SPD).
    TypeError
        ``tol=`` (scipy's old name of ``rtol``) was given.

    Notes
    -----
    The algorithm (Hestenes & Stiefel 1952; Saad 2003, Algorithm 9.1), one matvec, one
    preconditioner application and two inner products per iteration (three with ``M``)::

        r = b - A x;  z = M r;  p = z;  rho = r·z
        repeat:
            q = A p;  alpha = rho / (p·q)          # p·q <= 0  =>  A is not SPD
            x += alpha p;  r -= alpha q
            stop if ||r|| <= max(rtol ||b||, atol)
            z = M r;  rho_new = r·z;  p = z + (rho_new / rho) p;  rho = rho_new

    Without a preconditioner ``rho = r·r`` gives the residual norm for free. Vector updates
    are in place on preallocated work vectors, written against the array namespace of ``b``.

    References
    ----------
    M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear systems",
    J. Res. Nat. Bur. Standards 49 (1952) 409-436.
    Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003, §6.7 and §9.2.
    """
    s = setup_system(A, b, x0, M, rtol, atol, name="cg", symmetric_pc=True, keep_precision=True)
    if check_symmetry:
        check_symmetric(s, "cg", "CG needs a symmetric positive definite A: use gmres or "
                        "bicgstab for a nonsymmetric one", error=NotSPDError)  # fmt: skip
    name = method_name("cg", s)
    if s.bnorm == 0.0:
        return _zero(s, name, "recursive")
    xp, x = s.xp, s.x
    maxiter = default_maxiter(maxiter, 10 * s.n, "cg")
    target = s.target()
    dot = xp.vdot
    real = not s.is_complex

    r = s.residual()
    rnorm = s.norm(r)
    residuals = [rnorm]
    if rnorm <= target:
        return finish(s, converged=True, iterations=0, residuals=residuals, method=name,
                      reason="initial residual below target", residual_kind="recursive",
                      target=target)  # fmt: skip
    precond = s.pc is not None
    z = s.psolve(r) if precond else r
    rho = dot(r, z)
    rho = float(rho.real) if not real else float(rho)
    if precond and not rho > 0:
        raise NotSPDError(
            f"cg: the preconditioner M is not symmetric positive definite: r·M r = {rho:.3e} "
            "at iteration 0; use an SPD preconditioner (jacobi, ssor, amg) or gmres/minres"
        )
    p = xp.array(z, copy=True)
    tmp = xp.empty_like(r)
    converged, reason, it = False, "iteration limit reached", 0
    for it in range(1, maxiter + 1):
        q = s.matvec(p)
        pq = dot(p, q)
        pq = float(pq.real) if not real else float(pq)
        if not pq > 0:
            if math.isnan(pq):
                reason = f"non-finite curvature p·Ap at iteration {it}"
                it -= 1
                break
            msg = (f"A is not symmetric positive definite: negative curvature p·Ap = {pq:.3e} "
                   f"at iteration {it}; use minres (symmetric indefinite) or gmres/bicgstab")
            if check_curvature:
                raise NotSPDError(msg)
            reason, it = msg, it - 1
            break
        alpha = rho / pq
        axpy(alpha, p, x, tmp, xp)
        axpy(-alpha, q, r, tmp, xp)
        if precond:
            rnorm = s.norm(r)
        else:
            rho_new = dot(r, r)
            rho_new = float(rho_new.real) if not real else float(rho_new)
            rnorm = math.sqrt(max(rho_new, 0.0))
        residuals.append(rnorm)
        if callback is not None:
            callback(x)
        if rnorm <= target:
            converged, reason = True, "residual below target"
            break
        if not math.isfinite(rnorm):
            reason = f"non-finite residual at iteration {it}"
            break
        if precond:  # only once the residual test has failed: no preconditioner apply is wasted
            z = s.psolve(r)
            rho_new = dot(r, z)
            rho_new = float(rho_new.real) if not real else float(rho_new)
        if precond and not rho_new > 0:
            raise NotSPDError(
                f"cg: the preconditioner M is not symmetric positive definite: r·M r = "
                f"{rho_new:.3e} at iteration {it}; use an SPD preconditioner or gmres/minres"
            )
        beta = rho_new / rho
        rho = rho_new
        xp.multiply(p, beta, out=p)
        xp.add(p, z, out=p)
    return finish(s, converged=converged, iterations=it, residuals=residuals, method=name,
                  reason=reason, residual_kind="recursive", target=target)  # fmt: skip


@no_tol
def cg(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = 1e-05,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable[[Any], Any] | None = None,
    check_symmetry: bool = True,
) -> tuple[Any, int]:
    """Drop-in replacement of :func:`scipy.sparse.linalg.cg` (same signature and return).

    Accepts what scipy accepts: sparse/dense/``np.matrix``/``LinearOperator`` ``A`` (with
    ``M=None``, ``A.psolve`` is the preconditioner), ``b`` of shape ``(n,)`` or ``(n, 1)``,
    ``rtol``/``atol`` up to ``inf``; ``x`` has shape ``(n,)`` and the precision of ``A`` and
    ``b`` (float32 in, float32 out). ``check_symmetry`` (not in scipy) is :func:`cg_solve`'s.

    Returns
    -------
    x : ndarray
        The approximate solution.
    info : int
        0 converged (``||r|| <= max(rtol ||b||, atol)`` on the recursive residual); ``> 0`` the
        iterations done when the tolerance was not reached.

    Raises
    ------
    NotSPDError
        (a ``ValueError``) when ``A`` is not symmetric or shows negative curvature: scipy would
        go on silently.
    TypeError
        For ``tol=``, with a message naming its new name ``rtol=``.

    See :func:`cg_solve` for the algorithm and the result object with history and diagnostics.
    """
    res = cg_solve(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback,
                   check_symmetry=check_symmetry)  # fmt: skip
    return res.x, wrapper_info(res)
