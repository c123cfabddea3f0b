"""MINRES: minimum residual method for symmetric (possibly indefinite) systems."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..methods import DEFAULT_RTOL
from ..result import SolveResult
from ..validate import NotSPDError, SolverInputError
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

__all__ = ["minres", "minres_solve"]

# Paige–Saunders stopping codes besides the residual test (scipy's ``istop``): the wrapper
# reports them as success, like scipy.
_STOP_LSQ, _STOP_EPS, _STOP_COND = 2, 3, 4


def _check_symmetric(s, shift: float) -> None:
    """scipy's ``check=True``: ``A`` and ``M`` look symmetric on a random-ish vector pair
    (``|w·w - y·A w| <= (w·w + eps) eps^(1/3)``, ``eps`` of the working precision)."""
    xp, eps = s.xp, s.eps
    r1 = s.b
    y = s.psolve(r1)
    w = s.matvec(y) - shift * y
    r2 = s.matvec(w) - shift * w
    sv, t = float(xp.vdot(w, w).real), float(xp.vdot(y, r2).real)
    if abs(sv - t) > (sv + eps) * eps ** (1.0 / 3.0):
        raise SolverInputError("minres: A does not define a symmetric matrix (check=True)")
    if s.pc is not None:
        r2 = s.psolve(y)
        sv, t = float(xp.vdot(y, y).real), float(xp.vdot(r1, r2).real)
        if abs(sv - t) > (sv + eps) * eps ** (1.0 / 3.0):
            raise SolverInputError("minres: M does not define a symmetric matrix (check=True)")


@no_tol
def minres_solve(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable[[Any], Any] | None = None,
    shift: float = 0.0,
    check: bool = False,
    show: bool = False,
    check_symmetry: bool = True,
) -> SolveResult:
    r"""Solve ``(A - shift I) x = b`` for symmetric (Hermitian), possibly indefinite ``A`` by
    preconditioned MINRES.

    Parameters
    ----------
    A : sparse matrix, ndarray, np.matrix or LinearOperator
        Symmetric matrix, definite or not (only ``A @ v`` is used). An ``A`` with a ``psolve``
        method and ``M=None`` is preconditioned by ``A.psolve`` (scipy's convention).
    b : ndarray
        Right-hand side, shape ``(n,)`` or ``(n, 1)``; the solution has shape ``(n,)``. The
        Lanczos vectors and ``x`` are in the precision of ``A`` and ``b`` (float32 ``A`` and
        ``b`` give a float32 ``x``, complex64 stays complex64, a mix takes the wider type;
        scipy's minres returns float64 for float32 input); the rotations and the norm and
        condition estimates are in double precision, and the stopping tests on ``cond(A)`` and
        rounding use the working precision's ``eps``.
    x0 : ndarray, optional
        Initial guess (not modified); zero by default.
    rtol, atol : float
        Stop when MINRES's recurrence **estimate** ``phibar_k`` of the residual norm satisfies
        ``phibar_k <= max(rtol ||b||_M, atol)``. Without a preconditioner ``phibar_k`` estimates
        ``||b - A x_k||_2`` (``info["residual_kind"] == "recursive"``); with one it estimates
        the preconditioned norm ``||r_k||_M = sqrt(r_k·M r_k)`` and ``||b||_M`` likewise
        (``"preconditioned"``). The true 2-norm residual at exit is ``info["true_residual"]``.
        ``inf`` is allowed (``x0`` comes back at once, converged); NaN is refused.
    maxiter : int, optional
        Iteration limit, ``5 n`` by default (scipy's).
    M : preconditioner, optional
        Approximates ``A⁻¹``; must be symmetric **positive definite** even when ``A`` is
        indefinite.
    callback : callable, optional
        ``callback(xk)`` after every iteration.
    shift : float
        Solve with ``A - shift I`` instead of ``A``.
    check : bool
        Check first that ``A`` and ``M`` are symmetric (scipy's ``check``); raises
        :class:`SolverInputError` if not.
    show : bool
        Print a short log (scipy's ``show``).
    check_symmetry : bool
        Test first, on a fixed-seed random probe with two matvecs, that ``A`` is symmetric
        (Hermitian): ``|x·Ay - y·Ax| <= tol (|x||Ay| + |y||Ax|)``, ``tol = max(1e-10,
        1000 eps)`` (default True; cheaper and less strict than ``check``, which also tests
        ``M``). On a nonsymmetric ``A`` the Lanczos recurrence is meaningless and MINRES
        would stop on a wrong answer or run to ``maxiter``.

    Returns
    -------
    SolveResult
        ``residuals`` holds ``phibar_k``. Besides the residual test the iteration stops, with
        ``converged=False`` and ``info["stop_code"]`` set, when the estimate of ``cond(A)``
        exceeds ``0.1/eps`` (4), when ``||A|| ||x|| eps`` exceeds the initial residual (3: the
        accuracy is limited by rounding) or when ``||A r|| <= eps ||A|| ||r||`` (2: ``x`` is a
        least-squares solution of a singular system) (Paige & Saunders' tests).

    Raises
    ------
    NotSPDError
        The preconditioner gave ``r·M r < 0``: it is not positive definite.
    SolverInputError
        Malformed input, ``A`` not symmetric (``check_symmetry``), or ``check=True`` found
        ``A`` or ``M`` nonsymmetric.
    TypeError
        ``tol=`` (scipy's old name of ``rtol``) was given.

    Notes
    -----
    The Lanczos process on ``M``-preconditioned ``A`` builds ``T_k``; a QR factorisation of
    ``T_k`` updated by one Givens rotation per step gives ``x_k`` minimising the residual over
    the Krylov space via three-term recurrences for the directions ``w_k`` (Paige & Saunders
    1975; Saad 2003, §6.7 for the Lanczos relation)::

        r1 = b - A x;  y = M r1;  beta_1 = sqrt(r1·y);  phibar = beta_1;  c, s = -1, 0
        repeat:
            v = y / beta;  y = A v - (beta / beta_old) r1;  alpha = v·y
            y -= (alpha / beta) r2;  r1, r2 = r2, y;  y = M r2;  beta = sqrt(r2·y)
            (delta, gbar, eps_k, dbar) from the previous rotation (c, s)
            gamma = ||(gbar, beta)||;  c, s = gbar / gamma, beta / gamma
            phi = c phibar;  phibar = s phibar
            w = (v - eps_old w_{k-2} - delta w_{k-1}) / gamma;  x += phi w
            stop if phibar <= target

    One matvec, one preconditioner application and three reductions per iteration; vectors
    are updated in place. This follows the SOL reference implementation (as scipy does).

    References
    ----------
    C. C. Paige and M. A. Saunders, "Solution of sparse indefinite systems of linear
    equations", SIAM J. Numer. Anal. 12 (1975) 617-629.
    Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003.
    """
    s_ = setup_system(A, b, x0, M, rtol, atol, name="minres", symmetric_pc=True,
                      keep_precision=True)  # fmt: skip
    if check_symmetry:
        check_symmetric(s_, "minres", "MINRES needs a symmetric (possibly indefinite) A: use "
                        "gmres or bicgstab for a nonsymmetric one")  # fmt: skip
    name = method_name("minres", s_)
    kind = "recursive" if s_.pc is None else "preconditioned"
    if s_.bnorm == 0.0:
        return _zero(s_, name, kind)
    xp, x, n = s_.xp, s_.x, s_.n
    maxiter = default_maxiter(maxiter, 5 * n, "minres")
    shift = float(shift)
    eps = float(np.finfo(np.dtype(str(s_.dtype))).eps)
    if check:
        _check_symmetric(s_, shift)

    def op(v):
        y = s_.matvec(v)
        if y is v:
            y = xp.array(y, copy=True)
        if shift != 0.0:
            axpy(-shift, v, y, tmp, xp)
        return y

    def mdot(u, w) -> float:
        return float(xp.vdot(u, w).real)

    tmp = xp.empty_like(s_.b)
    if s_.pc is None:
        bnorm_m = s_.bnorm
    else:
        bnorm_m = mdot(s_.b, s_.psolve(s_.b))
        if bnorm_m < 0:
            raise NotSPDError(
                f"minres: the preconditioner M is not positive definite: b·M b = {bnorm_m:.3e}"
            )
        bnorm_m = math.sqrt(bnorm_m)
    target = s_.target(bnorm_m)
    kw = {"method": name, "residual_kind": kind, "target": target, "shift": shift}

    if s_.x0_zero:
        r1 = xp.array(s_.b, copy=True)
    else:
        r1 = s_.b - op(x)
    y = s_.psolve(r1)
    beta1 = mdot(r1, y)
    if beta1 < 0:
        raise NotSPDError(
            f"minres: the preconditioner M is not positive definite: r·M r = {beta1:.3e}"
        )
    beta1 = math.sqrt(beta1)
    residuals = [beta1]
    if show:
        print(f"minres: n = {n}, shift = {shift:.3e}, maxiter = {maxiter}, rtol = {rtol:.2e}")
    if beta1 <= target:
        true = s_.norm(r1) if shift != 0.0 else None
        return finish(s_, converged=True, iterations=0, residuals=residuals,
                      reason="initial residual below target", true_residual=true,
                      **kw)  # fmt: skip

    oldb, beta, dbar, epsln, phibar = 0.0, beta1, 0.0, 0.0, beta1
    tnorm2, gmax, gmin = 0.0, 0.0, np.finfo(np.float64).max
    cs, sn = -1.0, 0.0
    v = xp.empty_like(r1)
    w = xp.zeros_like(r1)
    w1 = xp.zeros_like(r1)
    w2 = xp.zeros_like(r1)
    r2 = r1
    converged, reason, stop_code, itn = False, "iteration limit reached", None, 0
    anorm = acond = 0.0
    for itn in range(1, maxiter + 1):
        xp.multiply(y, 1.0 / beta, out=v)
        y = op(v)
        if itn >= 2:
            axpy(-(beta / oldb), r1, y, tmp, xp)
        alfa = mdot(v, y)
        axpy(-(alfa / beta), r2, y, tmp, xp)
        r1, r2 = r2, y
        y = s_.psolve(r2)
        oldb = beta
        beta = mdot(r2, y)
        if beta < 0:
            raise NotSPDError(
                f"minres: the preconditioner M is not positive definite (r·M r = {beta:.3e} at "
                f"iteration {itn}), or A is not symmetric"
            )
        beta = math.sqrt(beta)
        tnorm2 += alfa**2 + oldb**2 + beta**2
        # previous rotation on the new column of T_k, then a new rotation
        oldeps = epsln
        delta = cs * dbar + sn * alfa
        gbar = sn * dbar - cs * alfa
        epsln = sn * beta
        dbar = -cs * beta
        root = math.hypot(gbar, dbar)
        gamma = max(math.hypot(gbar, beta), eps)
        cs, sn = gbar / gamma, beta / gamma
        phi = cs * phibar
        phibar = sn * phibar
        # w_k = (v - oldeps w_{k-2} - delta w_{k-1}) / gamma, in the storage of w_{k-2}
        w1, w2, w = w2, w, w1
        xp.multiply(w1, -oldeps, out=w)
        xp.add(w, v, out=w)
        axpy(-delta, w2, w, tmp, xp)
        xp.multiply(w, 1.0 / gamma, out=w)
        axpy(phi, w, x, tmp, xp)
        gmax, gmin = max(gmax, gamma), min(gmin, gamma)
        anorm = math.sqrt(tnorm2)
        acond = gmax / gmin
        ynorm = s_.norm(x)
        rnorm = phibar
        residuals.append(rnorm)
        if show and (itn <= 10 or itn % 10 == 0):
            print(f"minres: {itn:6d}  residual {rnorm:.3e}  |A| {anorm:.1e}  cond {acond:.1e}")
        if callback is not None:
            callback(x)
        test2 = root / anorm if anorm > 0 else math.inf  # ||A r|| / (||A|| ||r||)
        if rnorm <= target:
            converged, reason = True, "residual estimate below target"
        elif not math.isfinite(rnorm) or not math.isfinite(ynorm):
            reason = f"non-finite values at iteration {itn}"
        elif acond >= 0.1 / eps:
            reason, stop_code = "cond(A) estimate exceeded 0.1/eps", _STOP_COND
        elif anorm * ynorm * eps >= beta1:
            reason = "accuracy limited by rounding (||A|| ||x|| eps >= ||r0||)"
            stop_code = _STOP_EPS
        elif test2 <= eps:
            reason = "least-squares solution found (A singular?): ||A r|| <= eps ||A|| ||r||"
            stop_code = _STOP_LSQ
        else:
            continue
        break
    if show:
        print(f"minres: stop after {itn} iterations: {reason}; |A| {anorm:.2e}, "
              f"cond(A) {acond:.2e}, residual {residuals[-1]:.3e}")  # fmt: skip
    true = s_.norm(s_.b - op(x)) if shift != 0.0 else None
    return finish(s_, converged=converged, iterations=itn, residuals=residuals, reason=reason,
                  stop_code=stop_code, anorm=anorm, acond=acond, true_residual=true,
                  **kw)  # fmt: skip


@no_tol
def minres(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = 1e-05,
    shift: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable[[Any], Any] | None = None,
    show: bool = False,
    check: bool = False,
    check_symmetry: bool = True,
) -> tuple[Any, int]:
    """Drop-in replacement of :func:`scipy.sparse.linalg.minres` (same signature and return).

    Accepts what scipy accepts (``np.matrix`` ``A``, ``A.psolve`` as the preconditioner when
    ``M=None``, ``b`` of shape ``(n, 1)``, ``rtol`` up to ``inf``); ``x`` has shape ``(n,)``
    and the precision of ``A`` and ``b`` (scipy returns float64 for float32 input). Unlike
    scipy, a nonsymmetric ``A`` is refused up front (``check_symmetry``, see
    :func:`minres_solve`); ``tol=`` raises a ``TypeError`` naming ``rtol=``.

    The tolerance is on MINRES's residual estimate relative to ``||b||`` (``M``-norms with a
    preconditioner), stricter than scipy's ``||r|| <= rtol ||A|| ||x||``.

    Returns
    -------
    x : ndarray
    info : int
        0 converged (or stopped by a Paige–Saunders test at machine precision, as scipy),
        ``maxiter`` when the iteration limit was reached.

    See :func:`minres_solve` for the algorithm and the result object.
    """
    res = minres_solve(A, b, x0, rtol=rtol, maxiter=maxiter, M=M, callback=callback,
                       shift=shift, check=check, show=show,
                       check_symmetry=check_symmetry)  # fmt: skip
    if res.info.get("stop_code") in (_STOP_LSQ, _STOP_EPS, _STOP_COND):
        return res.x, 0
    return res.x, wrapper_info(res)
