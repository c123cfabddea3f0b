"""BiCGStab: the stabilised bi-conjugate gradient method for nonsymmetric systems."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..methods import DEFAULT_RTOL
from ..result import SolveResult
from ._common import (
    axpy,
    default_maxiter,
    finish,
    method_name,
    no_tol,
    setup_system,
    wrapper_info,
)
from ._common import zero_rhs_result as _zero

__all__ = ["bicgstab", "bicgstab_solve"]


@no_tol
def bicgstab_solve(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable[[Any], Any] | None = None,
) -> SolveResult:
    r"""Solve ``A x = b`` (``A`` nonsymmetric) by right-preconditioned BiCGStab.

    Parameters
    ----------
    A : sparse matrix, ndarray, np.matrix or LinearOperator
        Square nonsingular matrix (only ``A @ v`` is used). An ``A`` with a ``psolve`` method
        and ``M=None`` is preconditioned by ``A.psolve`` (scipy's convention).
    b : ndarray
        Right-hand side, shape ``(n,)`` or ``(n, 1)``; the solution has shape ``(n,)``. The
        iteration runs in the precision of ``A`` and ``b`` (scipy's rule: float32 ``A`` and
        ``b`` give float32 vectors and ``x``, complex64 stays complex64, a mix takes the wider
        type, integers count as float64); the scalars ``rho``, ``alpha``, ``omega`` are in
        double precision and the breakdown tests use the working precision's ``eps``.
    x0 : ndarray, optional
        Initial guess (not modified); zero by default.
    rtol, atol : float
        Stop when the **recursive** residual ``||r_k|| <= max(rtol ||b||, atol)``
        (``info["residual_kind"] == "recursive"``; it is also tested after the half step,
        ``s = r - alpha A p̂``). The true residual at exit is ``info["true_residual"]``.
        ``inf`` is allowed (``x0`` comes back at once, converged); NaN is refused.
    maxiter : int, optional
        Iteration limit (``10 n`` by default, scipy's); one iteration = two matvecs and two
        preconditioner applications.
    M : preconditioner, optional
        Approximates ``A⁻¹``; applied on the right (``A M⁻¹ u = b``, ``x = M⁻¹ u``), so the
        residuals are those of the original system.
    callback : callable, optional
        ``callback(xk)`` after every iteration.

    Returns
    -------
    SolveResult
        On breakdown ``converged=False`` with ``info["reason"]`` saying which, and
        ``info["info_code"]`` ``-10`` (``rho = r̂·r = 0``) or ``-11`` (``omega = 0`` or
        ``r̂·A p̂ = 0``), scipy's codes.

    Notes
    -----
    The algorithm (van der Vorst 1992; Saad 2003, Algorithm 7.7 with right preconditioning)::

        r = b - A x;  r̂ = r
        repeat:
            rho = r̂·r                                  # |rho| ~ 0: breakdown (-10)
            p = r + (rho / rho_old)(alpha / omega)(p - omega v)   (p = r the first time)
            p̂ = M p;  v = A p̂;  alpha = rho / (r̂·v)    # r̂·v = 0: breakdown (-11)
            s = r - alpha v;  stop if ||s|| <= target (x += alpha p̂)
            ŝ = M s;  t = A ŝ;  omega = (t·s) / (t·t)   # omega = 0: breakdown (-11)
            x += alpha p̂ + omega ŝ;  r = s - omega t;  stop if ||r|| <= target

    ``rho`` counts as zero when ``|r̂·r| <= eps ||r̂|| ||r||`` (the vectors are numerically
    orthogonal) and ``omega`` when ``|t·s| <= eps ||t|| ||s||`` (stagnation).

    References
    ----------
    H. A. van der Vorst, "Bi-CGSTAB: a fast and smoothly converging variant of Bi-CG for the
    solution of nonsymmetric linear systems", SIAM J. Sci. Stat. Comput. 13 (1992) 631-644.
    Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003, §7.4.2.
    """
    s_ = setup_system(A, b, x0, M, rtol, atol, name="bicgstab", keep_precision=True)
    name = method_name("bicgstab", s_)
    if s_.bnorm == 0.0:
        return _zero(s_, name, "recursive")
    xp, x = s_.xp, s_.x
    maxiter = default_maxiter(maxiter, 10 * s_.n, "bicgstab")
    target = s_.target()
    eps = float(np.finfo(np.dtype(str(s_.dtype))).eps)
    sc = complex if s_.is_complex else float  # host scalars (syncs once per product on GPUs)

    def dot(u, w):
        return sc(xp.vdot(u, w))


    r = s_.residual()
    rnorm = s_.norm(r)
    residuals = [rnorm]
    kw = {"method": name, "residual_kind": "recursive", "target": target}
    if rnorm <= target:
        return finish(s_, converged=True, iterations=0, residuals=residuals,
                      reason="initial residual below target", **kw)  # fmt: skip
    rhat = xp.array(r, copy=True)
    rhat_norm = rnorm
    p = xp.array(r, copy=True)
    tmp = xp.empty_like(r)
    v = None
    rho_old = alpha = omega = 1.0
    converged, reason, code, it = False, "iteration limit reached", None, 0
    for it in range(1, maxiter + 1):
        rho = dot(rhat, r)
        if abs(rho) <= eps * rhat_norm * rnorm:
            reason = (f"breakdown: |rho| = |r̂·r| = {abs(rho):.3e} ~ 0 at iteration {it} "
                      "(r̂ and r orthogonal); restart from x or use gmres")  # fmt: skip
            code, it = -10, it - 1
            break
        if it > 1:
            beta = (rho / rho_old) * (alpha / omega)
            axpy(-omega, v, p, tmp, xp)  # p = r + beta (p - omega v)
            xp.multiply(p, beta, out=p)
            xp.add(p, r, out=p)
        phat = s_.psolve(p)
        v = s_.matvec(phat)
        rv = dot(rhat, v)
        if rv == 0 or not math.isfinite(abs(rv)):
            reason = f"breakdown: |r̂·A M⁻¹p| = {abs(rv):.3e} at iteration {it}"
            code, it = -11, it - 1
            break
        alpha = rho / rv
        axpy(-alpha, v, r, tmp, xp)  # r now holds s = r - alpha v
        snorm = s_.norm(r)
        if snorm <= target:
            axpy(alpha, phat, x, tmp, xp)
            residuals.append(snorm)
            if callback is not None:
                callback(x)
            converged, reason = True, "residual below target (half step)"
            break
        shat = s_.psolve(r)
        t = s_.matvec(shat)
        tt = float(xp.vdot(t, t).real)
        ts = dot(t, r)
        axpy(alpha, phat, x, tmp, xp)
        if tt == 0.0 or abs(ts) <= eps * math.sqrt(tt) * snorm:
            residuals.append(snorm)
            if callback is not None:
                callback(x)
            reason = (f"breakdown: omega = t·s / t·t = 0 at iteration {it} (stagnation: "
                      "A M⁻¹s orthogonal to s); try gmres")  # fmt: skip
            code = -11
            break
        omega = ts / tt
        axpy(omega, shat, x, tmp, xp)
        axpy(-omega, t, r, tmp, xp)
        rnorm = s_.norm(r)
        residuals.append(rnorm)
        if callback is not None:
            callback(x)
        if rnorm <= target:
            converged, reason = True, "residual below target"
            break
        if not math.isfinite(rnorm):
            reason = f"non-finite residual at iteration {it}"
            break
        rho_old = rho
    return finish(s_, converged=converged, iterations=it, residuals=residuals, reason=reason,
                  info_code=code, **kw)  # fmt: skip


@no_tol
def bicgstab(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = 1e-05,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable[[Any], Any] | None = None,
) -> tuple[Any, int]:
    """Drop-in replacement of :func:`scipy.sparse.linalg.bicgstab` (same signature and return).

    Accepts what scipy accepts (``np.matrix`` ``A``, ``A.psolve`` as the preconditioner when
    ``M=None``, ``b`` of shape ``(n, 1)``, ``rtol``/``atol`` up to ``inf``); ``x`` has shape
    ``(n,)`` and the precision of ``A`` and ``b``. ``tol=`` raises a ``TypeError`` naming
    ``rtol=``.

    Returns
    -------
    x : ndarray
    info : int
        0 converged (recursive residual ``<= max(rtol ||b||, atol)``), ``> 0`` iterations done
        without convergence, ``-10`` rho breakdown, ``-11`` omega breakdown (scipy's codes).

    See :func:`bicgstab_solve` for the algorithm and the result object.
    """
    res = bicgstab_solve(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M,
                         callback=callback)  # fmt: skip
    return res.x, wrapper_info(res)
