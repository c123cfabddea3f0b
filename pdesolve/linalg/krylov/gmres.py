"""Restarted GMRES(m) with left or right preconditioning, and flexible GMRES (FGMRES)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ...backends import to_numpy
from ..methods import DEFAULT_RTOL
from ..result import SolveResult
from ..validate import SolverInputError
from ._common import (
    default_maxiter,
    finish,
    method_name,
    no_tol,
    setup_system,
    wrapper_info,
)
from ._common import zero_rhs_result as _zero

__all__ = ["fgmres", "fgmres_solve", "gmres", "gmres_solve"]

_SIDES = ("right", "left")
_ORTHOG = ("cgs2", "mgs")
_CALLBACK_TYPES = ("pr_norm", "x")


def _rotation(a: complex, b: complex) -> tuple[float, complex, complex]:
    """Givens rotation ``G = [[c, s], [-conj(s), c]]`` with ``G [a, b]ᵀ = [r, 0]ᵀ``, ``c`` real.

    Works for real and complex entries (``s`` and ``r`` then have the type of ``a``).
    """
    if b == 0:
        return 1.0, 0.0 * a, a
    if a == 0:
        return 0.0, 1.0 + 0.0 * b, b
    absa = abs(a)
    nrm = math.hypot(absa, abs(b))
    alpha = a / absa
    return absa / nrm, alpha * np.conj(b) / nrm, alpha * nrm


def _triangular_solve(R: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``y = R⁻¹ g`` for the small upper-triangular ``R``, on the host (lstsq if singular)."""
    d = np.abs(np.diagonal(R))
    if d.size and d.min() > np.finfo(float).eps * d.max():
        y = np.empty_like(g)
        for i in range(len(g) - 1, -1, -1):  # back substitution, k <= restart
            y[i] = (g[i] - R[i, i + 1 :] @ y[i + 1 :]) / R[i, i]
        return y
    return np.linalg.lstsq(R, g, rcond=None)[0]


def _gmres(
    A: Any,
    b: Any,
    x0: Any,
    *,
    rtol: float,
    atol: float,
    maxiter: int | None,
    M: Any,
    callback: Callable | None,
    restart: int | None,
    side: str,
    flexible: bool,
    orthog: str,
    callback_type: str | None,
    base: str,
) -> SolveResult:
    s = setup_system(A, b, x0, M, rtol, atol, name=base, keep_precision=True)
    if side not in _SIDES:
        raise SolverInputError(f"{base}: side must be one of {_SIDES}, got {side!r}")
    if orthog not in _ORTHOG:
        raise SolverInputError(f"{base}: orthog must be one of {_ORTHOG}, got {orthog!r}")
    if callback_type is None:
        callback_type = "pr_norm"
    if callback_type not in _CALLBACK_TYPES:
        raise SolverInputError(f"{base}: callback_type must be 'x' or 'pr_norm', got "
                               f"{callback_type!r}")  # fmt: skip
    xp, x, n = s.xp, s.x, s.n
    m = min(20, n) if restart is None else default_maxiter(restart, 20, base)
    if m < 1:
        raise SolverInputError(f"{base}: restart must be >= 1, got {restart!r}")
    m = min(m, n)
    maxiter = default_maxiter(maxiter, 10 * n, base)
    left = side == "left" and s.pc is not None
    right = not left and s.pc is not None
    flexible = flexible and right  # without M, FGMRES is GMRES
    kind = "preconditioned" if left else "true"
    name = method_name(f"{base}({m})", s)
    extra = {"restart": m, "side": side if s.pc is not None else "none", "orthog": orthog}
    if s.bnorm == 0.0:
        return _zero(s, name, kind)
    ref = s.norm(s.psolve(s.b)) if left else s.bnorm
    target = s.target(ref)
    true_target = s.target()  # max(rtol ||b||, atol): what the true residual is judged by
    extra["true_target"] = true_target
    ref_cb = ref if ref > 0 else 1.0

    work_dtype = np.dtype(str(s.dtype))
    host_dtype = np.result_type(work_dtype, np.float64)
    eps = s.eps  # breakdown test in the precision the Arnoldi vectors are computed in
    V = xp.empty((m + 1, n), dtype=s.dtype)
    Z = xp.empty((m, n), dtype=s.dtype) if flexible else None
    tmp = xp.empty(n, dtype=s.dtype)
    H = np.zeros((m + 1, m), dtype=host_dtype)
    cs = np.zeros(m)
    sn = np.zeros(m, dtype=host_dtype)
    g = np.zeros(m + 1, dtype=host_dtype)
    cplx = s.is_complex

    r = s.residual()
    residuals: list[float] = []
    total, cycles = 0, 0
    converged, reason = False, "iteration limit reached"
    while True:
        if left:
            rtrue = s.norm(r)  # r = b - A x here: its norm comes free, for an honest report
            r = s.psolve(r)
        beta = s.norm(r)
        if not residuals:
            residuals.append(beta)
        if beta <= target:
            converged = True
            reason = "initial residual below target" if total == 0 else "residual below target"
            if left:
                reason = (f"preconditioned {reason}: ||M⁻¹(b - A x)|| = {beta:.3e} <= "
                          f"{target:.3e} (rtol ||M⁻¹b||, atol); the true residual ||b - A x|| ="
                          f" {rtrue:.3e} was not tested")  # fmt: skip
                if rtrue > true_target:
                    reason += (f" and exceeds max(rtol ||b||, atol) = {true_target:.3e} "
                               "(M ill-conditioned or singular?)")  # fmt: skip
            break
        if not math.isfinite(beta):
            reason = "non-finite residual"
            break
        if total >= maxiter:
            break
        cycles += 1
        xp.multiply(r, 1.0 / beta, out=V[0])
        H[:] = 0
        g[:] = 0
        g[0] = beta
        lucky, k = False, 0
        for j in range(m):
            # --- Arnoldi: w = op(v_j), op = A M⁻¹ (right), M⁻¹ A (left) or A ---
            vj = V[j]
            if right:
                zj = s.psolve(vj)
                if flexible:
                    Z[j][...] = zj
                w = s.matvec(zj)
            elif left:
                w = s.psolve(s.matvec(vj))
            else:
                w = s.matvec(vj)
            wv = V[j + 1]
            wv[...] = w  # orthogonalise in place in V's storage (the operator may alias w)
            h0 = s.norm(wv)
            Vj = V[: j + 1]
            if orthog == "cgs2":  # classical Gram-Schmidt, twice (Giraud et al. 2005)
                h = np.zeros(j + 1, dtype=host_dtype)
                for _ in range(2):
                    hd = (xp.conj(Vj) if cplx else Vj) @ wv
                    xp.matmul(hd, Vj, out=tmp)
                    xp.subtract(wv, tmp, out=wv)
                    h += to_numpy(hd)
            else:  # modified Gram-Schmidt
                h = np.empty(j + 1, dtype=host_dtype)
                for i in range(j + 1):
                    hi = xp.vdot(V[i], wv)
                    xp.multiply(V[i], hi, out=tmp)
                    xp.subtract(wv, tmp, out=wv)
                    h[i] = to_numpy(hi)[()]
            hnext = s.norm(wv)
            H[: j + 1, j] = h
            H[j + 1, j] = hnext
            if not (math.isfinite(hnext) and np.isfinite(h).all()):
                reason = f"non-finite values in the Arnoldi process at iteration {total + 1}"
                k = j
                break
            if hnext <= 4 * eps * h0:  # lucky breakdown: the Krylov space is invariant
                lucky = True
                H[j + 1, j] = 0.0
            else:
                xp.multiply(wv, 1.0 / hnext, out=wv)
            # --- previous rotations on column j, then a new one to annihilate H[j+1, j] ---
            col = H[:, j]
            for i in range(j):
                t = cs[i] * col[i] + sn[i] * col[i + 1]
                col[i + 1] = -np.conj(sn[i]) * col[i] + cs[i] * col[i + 1]
                col[i] = t
            c, sv, rr = _rotation(col[j], col[j + 1])
            cs[j], sn[j] = c, sv
            col[j], col[j + 1] = rr, 0.0
            g[j + 1] = -np.conj(sv) * g[j]
            g[j] = c * g[j]
            resid = float(abs(g[j + 1]))
            total += 1
            k = j + 1
            residuals.append(resid)
            if callback is not None and callback_type == "pr_norm":
                callback(np.float64(resid / ref_cb))  # np.float64 in any precision, as scipy
            if resid <= target or lucky or total >= maxiter:
                break
        else:
            k = m
        if k == 0:  # non-finite before any column was completed
            break
        # --- x += M⁻¹ V_k y (right), Z_k y (flexible) or V_k y, y = argmin ||g - H y|| ---
        y = xp.asarray(_triangular_solve(H[:k, :k], g[:k]).astype(work_dtype, copy=False))
        if not bool(xp.isfinite(y).all()):
            reason = "non-finite Hessenberg least-squares solution"
            break
        if flexible:
            xp.matmul(y, Z[:k], out=tmp)
            xp.add(x, tmp, out=x)
        else:
            xp.matmul(y, V[:k], out=tmp)
            xp.add(x, s.psolve(tmp) if right else tmp, out=x)
        s.x0_zero = False
        r = s.b - s.matvec(x)
        if callback is not None and callback_type == "x":
            callback(x)
        if reason.startswith("non-finite"):
            break
        if lucky:
            # success needs the tested residual below target and, with left preconditioning,
            # the true one too: a singular M makes M⁻¹A's Krylov space invariant (and
            # M⁻¹(b - A x) ~ 0) while b - A x is O(1)
            rn_true = s.norm(r)
            rn = s.norm(s.psolve(r)) if left else rn_true
            converged = rn <= target and rn_true <= true_target
            if converged:
                reason = "lucky breakdown: the Krylov space is invariant, exact solution found"
            elif rn <= target:
                reason = (f"breakdown: the Krylov space of M⁻¹A is invariant and the "
                          f"preconditioned residual {rn:.3e} meets its target {target:.3e}, but "
                          f"the true residual ||b - A x|| = {rn_true:.3e} > max(rtol ||b||, "
                          f"atol) = {true_target:.3e}: M is singular or defective (M⁻¹r ~ 0 "
                          "with r != 0); use another preconditioner or side='right'")  # fmt: skip
            else:
                reason = (f"breakdown: the Krylov space is invariant but the residual {rn:.3e} "
                          f"> target {target:.3e} (A or M singular?)")  # fmt: skip
            break
    return finish(s, converged=converged, iterations=total, residuals=residuals, method=name,
                  reason=reason, residual_kind=kind, target=target, cycles=cycles,
                  **extra)  # fmt: skip


@no_tol
def gmres_solve(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable | None = None,
    restart: int | None = None,
    side: str = "right",
    orthog: str = "cgs2",
    callback_type: str | None = None,
) -> SolveResult:
    r"""Solve ``A x = b`` by restarted GMRES(m) (Saad & Schultz 1986), left or right preconditioned.

    Parameters
    ----------
    A : sparse matrix, ndarray, np.matrix or LinearOperator
        Any square nonsingular matrix (only ``A @ v`` is used). An ``A`` with a ``psolve``
        method and ``M=None`` is preconditioned by ``A.psolve`` (scipy's convention).
    b : ndarray
        Right-hand side, shape ``(n,)`` or ``(n, 1)``; the solution has shape ``(n,)``. The
        Krylov basis and ``x`` are in the precision of ``A`` and ``b`` (scipy's rule: float32
        ``A`` and ``b`` give float32, complex64 stays complex64, a mix takes the wider type,
        integers count as float64); the Hessenberg matrix, the Givens rotations and the small
        triangular solve are in double precision; the lucky-breakdown test uses the working
        precision's ``eps``.
    x0 : ndarray, optional
        Initial guess (not modified); zero by default.
    rtol, atol : float
        Stopping test ``||res|| <= max(rtol * ||ref||, atol)``, on a residual that depends on
        ``side`` (recorded in ``info["residual_kind"]``):

        - ``side="right"`` (default) or no preconditioner: the **true** residual
          ``||b - A x||``, ``ref = b``. The least-squares residual ``|g_{j+1}|`` of the
          Hessenberg problem equals it (in exact arithmetic) at no cost; each restart recomputes
          ``b - A x`` and convergence is confirmed on that.
        - ``side="left"``: the **preconditioned** residual ``||M⁻¹(b - A x)||`` against
          ``rtol * ||M⁻¹ b||`` (and ``atol``); ``info["reason"]`` then says so and gives
          ``||b - A x||``, flagging it when it misses ``max(rtol ||b||, atol)``
          (``info["true_target"]``), which an ill-conditioned or singular ``M`` allows. A
          breakdown (invariant Krylov space) counts as convergence only if the true residual
          meets ``max(rtol ||b||, atol)`` as well.

        The true residual norm at exit is always in ``info["true_residual"]``. ``inf`` is
        allowed (``x0`` comes back at once, converged); NaN is refused.
    maxiter : int, optional
        Limit on the **total number of inner (Arnoldi) iterations**, ``10 n`` by default
        (the scipy-compatible :func:`gmres` counts restart cycles instead).
    M : preconditioner, optional
        Approximates ``A⁻¹`` (matrix, ``LinearOperator``, callable, ``Preconditioner`` or name).
    callback : callable, optional
        ``callback_type="pr_norm"`` (default): ``callback(res / ||ref||)`` once per inner
        iteration with the relative residual of the stopping test, an ``np.float64`` scalar
        (as scipy, also in single precision); ``"x"``: ``callback(x)`` once per restart cycle.
    restart : int, optional
        Krylov dimension ``m`` between restarts, ``min(20, n)`` by default; ``restart >= n``
        is full GMRES, which converges in at most ``n`` iterations in exact arithmetic.
    side : {"right", "left"}
        Preconditioning side (ignored without ``M``).
    orthog : {"cgs2", "mgs"}
        Arnoldi orthogonalisation: classical Gram-Schmidt applied twice (default: two block
        inner products per step, BLAS-2 and one reduction each, as stable as MGS) or
        modified Gram-Schmidt (``j`` sequential inner products at step ``j``).
    callback_type : {"pr_norm", "x"}, optional
        See ``callback``.

    Returns
    -------
    SolveResult
        ``residuals``: the initial residual, then the least-squares residual estimate after
        each inner iteration; ``info`` adds ``restart``, ``side``, ``orthog``, ``cycles`` and
        ``true_target = max(rtol ||b||, atol)``.

    Notes
    -----
    One cycle (Saad 2003, Algorithms 6.9, 9.4 (left), 9.5 (right)), ``op = A M⁻¹`` (right),
    ``M⁻¹ A`` (left) or ``A``::

        r = b - A x  (left: r = M⁻¹(b - A x));  beta = ||r||;  v_1 = r / beta;  g = beta e_1
        for j = 1..m:
            w = op v_j;  h_ij = v_i·w, w -= sum h_ij v_i  (i <= j; CGS2 or MGS)
            h_{j+1,j} = ||w||;  v_{j+1} = w / h_{j+1,j}      (h_{j+1,j} ~ 0: lucky breakdown)
            apply the Givens rotations G_1..G_{j-1} to column j of H, make G_j zero h_{j+1,j},
            apply G_j to g;  |g_{j+1}| = min ||beta e_1 - H_j y|| = the residual norm
            stop if |g_{j+1}| <= target
        y = R_j⁻¹ g_{1:j} (upper triangular, host);  x += M⁻¹ V_j y  (right) or V_j y

    The ``(m+1) x m`` Hessenberg matrix, the rotations and the triangular solve live on the
    host in numpy; the Krylov basis and all length-``n`` vectors stay in the namespace of ``b``.
    A lucky breakdown (``h_{j+1,j} = 0``) means the solution lies in the Krylov space: the
    method reports convergence if the recomputed residual meets the target (with left
    preconditioning: the preconditioned residual its target and the true residual
    ``max(rtol ||b||, atol)``), and stops unconverged otherwise.

    References
    ----------
    Y. Saad and M. H. Schultz, "GMRES: a generalized minimal residual algorithm for solving
    nonsymmetric linear systems", SIAM J. Sci. Stat. Comput. 7 (1986) 856-869.
    Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003, §6.5 and §9.3.
    L. Giraud, J. Langou, M. Rozložník, "The loss of orthogonality in the Gram-Schmidt
    orthogonalization process", Comput. Math. Appl. 50 (2005) 1069-1075.
    """
    return _gmres(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback,
                  restart=restart, side=side, flexible=False, orthog=orthog,
                  callback_type=callback_type, base="gmres")  # fmt: skip


@no_tol
def fgmres_solve(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable | None = None,
    restart: int | None = None,
    orthog: str = "cgs2",
    callback_type: str | None = None,
) -> SolveResult:
    r"""Solve ``A x = b`` by flexible GMRES (Saad 1993): right preconditioning that may change
    from one iteration to the next.

    ``M`` may be any callable ``r -> z ≈ A⁻¹ r``, including a *variable* or nonlinear one (an
    inner Krylov solve, a multigrid cycle with a varying number of sweeps...). FGMRES keeps the
    preconditioned vectors ``z_j = M_j⁻¹ v_j`` and updates ``x += Z_m y``, so it stores two
    bases (``2m+1`` vectors of length ``n``) instead of one.

    Parameters and stopping test as :func:`gmres_solve` with ``side="right"``: the tolerance is
    on the **true** residual ``||b - A x||`` (the Hessenberg least-squares residual, since
    ``A Z_m = V_{m+1} H_m`` holds exactly), confirmed on the recomputed ``b - A x`` at each restart.
    ``maxiter`` counts total inner iterations (``10 n`` by default).

    Notes
    -----
    The cycle is GMRES's with ``z_j = M_j⁻¹ v_j`` stored and ``w = A z_j`` (Saad 2003,
    Algorithm 9.6); with a constant ``M`` it produces the same iterates as right-preconditioned
    GMRES.

    References
    ----------
    Y. Saad, "A flexible inner-outer preconditioned GMRES algorithm", SIAM J. Sci. Comput. 14
    (1993) 461-469.
    Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003, §9.4.1.
    """
    return _gmres(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback,
                  restart=restart, side="right", flexible=True, orthog=orthog,
                  callback_type=callback_type, base="fgmres")  # fmt: skip


def _scipy_style(
    fn: Callable[..., SolveResult],
    A: Any,
    b: Any,
    x0: Any,
    rtol: float,
    atol: float,
    restart: int | None,
    maxiter: int | None,
    M: Any,
    callback: Callable | None,
    callback_type: str | None,
    warn: bool = True,
) -> tuple[Any, int]:
    if callback is not None and callback_type is None and warn:
        # scipy's warning (scipy >= 1.12), word for word but for the function's name
        warnings.warn(
            "pdesolve.linalg.krylov.gmres called without specifying `callback_type`. The "
            "default value will be changed in a future "
            "release. For compatibility, specify a value for `callback_type` explicitly, e.g., "
            "``gmres(..., callback_type='pr_norm')``, or to retain the old behavior "
            "``gmres(..., callback_type='legacy')``",
            category=DeprecationWarning,
            stacklevel=4,  # _scipy_style <- gmres <- no_tol's wrapper <- the caller
        )
    if callback_type is None:
        callback_type = "legacy"
    if callback_type not in ("x", "pr_norm", "legacy"):
        raise ValueError(f"Unknown callback_type: {callback_type!r}")
    if callback is None:
        callback_type = None
    n = getattr(A, "shape", (1, 1))[0]
    m = min(20 if restart is None else int(restart), max(int(n), 1))
    cycles = 10 * n if maxiter is None else int(maxiter)
    # scipy: maxiter counts restart cycles, except with a 'legacy' callback (inner iterations)
    inner = cycles if callback_type == "legacy" else cycles * m
    res = fn(A, b, x0, rtol=rtol, atol=atol, maxiter=inner, M=M, callback=callback,
             restart=m, callback_type="x" if callback_type == "x" else "pr_norm")  # fmt: skip
    return res.x, wrapper_info(res, maxiter_reported=cycles)


@no_tol
def gmres(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = 1e-05,
    atol: float = 0.0,
    restart: int | None = None,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable | None = None,
    callback_type: str | None = None,
) -> tuple[Any, int]:
    """Drop-in replacement of :func:`scipy.sparse.linalg.gmres` (same signature and return).

    As scipy: ``restart`` defaults to ``min(20, n)``; ``maxiter`` counts restart cycles
    (``10 n`` by default) except with ``callback_type="legacy"`` (the default when a callback is
    given), where it counts inner iterations; ``callback_type`` ``"x"`` calls ``callback(x)``
    once per restart, ``"pr_norm"``/``"legacy"`` ``callback(residual / ||b||)`` once per inner
    iteration, with an ``np.float64`` scalar (whatever the precision) as scipy does. A
    callback without ``callback_type`` gets scipy's ``DeprecationWarning`` (the default,
    ``'legacy'``, may change). Unlike scipy (left
    preconditioning), ``M`` is applied on the **right**, so the stopping test is on the true
    residual ``||b - A x|| <= max(rtol ||b||, atol)`` throughout (scipy also tests that
    residual before returning ``info = 0``).

    Accepts what scipy accepts (``np.matrix`` ``A``, ``A.psolve`` as the preconditioner when
    ``M=None``, ``b`` of shape ``(n, 1)``, ``rtol``/``atol`` up to ``inf``); ``x`` has shape
    ``(n,)`` and the precision of ``A`` and ``b`` (float32 in, float32 out: the Arnoldi
    vectors are float32, the small Hessenberg problem is solved in double precision).
    ``tol=`` raises a ``TypeError`` naming ``rtol=``.

    Returns
    -------
    x : ndarray
    info : int
        0 converged, ``maxiter`` when not converged, ``< 0`` for a breakdown.
    """
    return _scipy_style(gmres_solve, A, b, x0, rtol, atol, restart, maxiter, M, callback,
                        callback_type)  # fmt: skip


@no_tol
def fgmres(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = 1e-05,
    atol: float = 0.0,
    restart: int | None = None,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable | None = None,
    callback_type: str | None = None,
) -> tuple[Any, int]:
    """Flexible GMRES with :func:`gmres`'s scipy-style signature and ``(x, info)`` return.

    ``M`` may vary from one application to the next (see :func:`fgmres_solve`). Not a scipy
    function: a callback without ``callback_type`` means ``'legacy'`` as in :func:`gmres`, but
    without scipy's ``DeprecationWarning``.
    """
    return _scipy_style(fgmres_solve, A, b, x0, rtol, atol, restart, maxiter, M, callback,
                        callback_type, warn=False)  # fmt: skip
