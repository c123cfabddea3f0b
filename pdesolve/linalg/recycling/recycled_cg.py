"""Recycled (deflated) preconditioned CG for sequences of SPD systems (Saad, Yeung, Erhel &
Guyomarc'h 2000; Parks, de Sturler, Mackey, Johnson & Maiti 2006, §3)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..krylov._common import (
    KrylovSetup,
    default_maxiter,
    finish,
    method_name,
    setup_system,
    wrapper_info,
    zero_rhs_result,
)
from ..result import SolveResult
from ..validate import NotSPDError, SolverInputError
from ._common import (
    RecycleState,
    apply_rows,
    check_positive_int,
    hdot_rows,
    host,
    operator_changed,
)

__all__ = ["RecycledCG", "recycled_cg"]


def _gram(X: Any, Y: Any, xp: Any) -> np.ndarray:
    """``X^H Y`` for row blocks (``X_rows^* Y_rows^T``) as a host array."""
    G = (xp.conjugate(X) if xp.iscomplexobj(X) else X) @ Y.T
    return host(G)


def _a_orthonormal_coefficients(K1: np.ndarray, K2: np.ndarray | None, k: int) -> np.ndarray:
    """Coefficients ``Y`` (columns) with ``Y^H K1 Y = I``: all of a well-conditioned basis of
    ``K1`` when ``K2`` is None, else the ``k`` Ritz vectors of ``K2 y = θ K1 y`` with the
    smallest ``θ``. Directions with ``K1``-eigenvalues below ``1e-12`` of the largest (a
    numerically dependent basis) are dropped."""
    K1 = 0.5 * (K1 + K1.conj().T)
    lam, V = np.linalg.eigh(K1)
    if lam.size == 0 or not lam[-1] > 0:
        return np.zeros((K1.shape[0], 0), dtype=K1.dtype)
    keep = lam > 1e-12 * lam[-1]
    T = V[:, keep] / np.sqrt(lam[keep])
    if K2 is None:
        return T
    K2r = T.conj().T @ (0.5 * (K2 + K2.conj().T)) @ T
    theta, V2 = np.linalg.eigh(0.5 * (K2r + K2r.conj().T))
    return T @ V2[:, np.argsort(theta, kind="stable")[:k]]


class RecycledCG:
    r"""Deflated preconditioned CG with a recycled space for sequences of SPD systems.

    Keeps ``W`` (``k`` vectors, ``W^H A W = I``) and ``A W`` between systems. Each solve starts
    from the Galerkin projection ``x_0 = x + W W^H r`` (Saad et al. 2000) and runs PCG with
    directions made ``A``-orthogonal to ``W``, so the slow modes spanned by ``W`` never enter the
    iteration. Meanwhile, every ``window`` iterations (a "cycle", Parks et al. 2006, §3), a
    candidate space is refined by Rayleigh–Ritz on ``span[candidate, last window of
    directions]``; after a *converged* solve the candidate becomes the new ``W``.

    Parameters
    ----------
    k : int
        Dimension of the deflation space (``k = 0``: plain PCG). Default 20.
    window : int, optional
        Directions per cycle between Ritz updates (``3·window`` stored vectors: ``p``, ``A p``,
        ``M A p``), ``k`` by default.
    max_updates : int, optional
        At most this many cycle updates per solve (None: every cycle; 0: never learn, keep
        ``W`` as it is). Learning costs about as much as the deflated iteration itself at
        ``k = 20``; a small budget keeps most of the gain on slowly varying sequences.
    check_curvature : bool
        Raise :class:`~pdesolve.linalg.validate.NotSPDError` on ``p·Ap <= 0`` (default).

    Attributes
    ----------
    U : ndarray of shape (n, k_current) or None
        The deflation space ``W`` (``A``-orthonormal for the matrix of the last solve).
    C : ndarray of shape (n, k_current) or None
        ``A W``.
    k_current : int

    Notes
    -----
    *Tolerance and counting.* The recursive residual stops the loop; convergence is declared
    only on the recomputed true residual ``||b - A x||_2 <= max(rtol ||b||_2, atol)``
    (a mismatch restarts the deflated iteration from it). ``maxiter`` counts iterations (one
    product with ``A``, one preconditioner application each); ``info["matvecs"]`` adds the
    residual checks and the ``k`` products ``A W`` for a new matrix.

    *Algorithm* (Saad et al. 2000, Algorithm "Deflated-CG" with a preconditioner; ``M ≈ A⁻¹``
    SPD, ``W^H A W = I``)::

        on a new matrix: A W, then W <- W Y, A W <- A W Y with Y^H (W^H A W) Y = I
        r = b - A x;  x += W (W^H r);  r -= A W (W^H r)         (r ⊥ W)
        z = M r;  p = z - W (A W)^H z
        repeat:  q = A p;  alpha = r·z / p·q;  x += alpha p;  r -= alpha q
                 z = M r;  beta = r·z_new / r·z_old
                 p = z + beta p - W (A W)^H z                     (p A-orthogonal to W)

    *Recycle update* (every ``window`` iterations, kept only from a converged solve): plain
    Rayleigh–Ritz for ``M A`` — self-adjoint in the ``A``-inner product — on ``S = [Y, P]``
    (``Y`` the candidate, initially ``W``; ``P`` the directions of the cycle):
    ``(AS)^H (M A S) y = θ (S^H A S) y``, keeping the ``k`` smallest ``θ`` (approximations of the
    smallest eigenvalues of ``M A``, the modes that slow PCG). ``S^H A S = diag(I, p_j·A p_j)``
    by conjugacy (computed exactly for the last, partial cycle), ``A p_j`` is stored during the
    iteration and ``M A p_j = (z_j - z_{j+1}) / alpha_j`` comes free from the recurrence, so a
    cycle costs one Gram matrix and three ``n x (k + window) x k`` products; ``M A W`` costs
    ``k`` preconditioner applications per solve (cached while ``A`` and ``M`` stay the same
    objects). Parks et al. (2006) use harmonic Ritz values instead; for an SPD operator and the
    lower end of its spectrum plain Ritz values are the natural choice (they converge
    monotonically from above). Using only the *last* directions of a solve, without cycles,
    recycled poorly (the smallest modes have left the late Krylov directions).

    *Changed matrix.* With ``same_matrix=None`` the matrix counts as new unless ``A`` is the
    same object as for the stored space; then ``A W`` is recomputed (``k`` products) and ``W``
    re-``A``-orthonormalised. The preconditioner may change freely between solves.

    References
    ----------
    Y. Saad, M. Yeung, J. Erhel and F. Guyomarc'h, "A deflated version of the conjugate gradient
    algorithm", SIAM J. Sci. Comput. 21(5) (2000) 1909-1926.
    M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson and S. Maiti, "Recycling Krylov
    subspaces for sequences of linear systems", SIAM J. Sci. Comput. 28(5) (2006) 1651-1674.
    S. Wang, E. de Sturler and G. H. Paulino, "Large-scale topology optimization using
    preconditioned Krylov subspace methods with recycling", Int. J. Numer. Meth. Engng. 69
    (2007) 2441-2468.
    """

    def __init__(self, k: int = 20, *, window: int | None = None,
                 max_updates: int | None = None, check_curvature: bool = True) -> None:  # fmt: skip
        self.k = check_positive_int(k, "k", "RecycledCG", 0)
        self.window = max(self.k, 2) if window is None else check_positive_int(
            window, "window", "RecycledCG", 2)  # fmt: skip
        self.max_updates = None if max_updates is None else check_positive_int(
            max_updates, "max_updates", "RecycledCG", 0)  # fmt: skip
        self.check_curvature = bool(check_curvature)
        self._state = RecycleState()
        self._maw: Any = None  # M A W for (state.A_ref, _maw_m)
        self._maw_m: Any = None

    @property
    def U(self) -> Any:
        return self._state.columns("U")

    @property
    def C(self) -> Any:
        return self._state.columns("C")

    @property
    def k_current(self) -> int:
        return self._state.k

    def reset(self) -> None:
        """Forget the deflation space (the next solve is plain PCG)."""
        self._state.clear()
        self._maw = self._maw_m = None

    def __repr__(self) -> str:
        return f"RecycledCG(k={self.k}, window={self.window}, k_current={self.k_current})"

    def solve(
        self,
        A: Any,
        b: Any,
        x0: Any = None,
        *,
        rtol: float = 1e-8,
        atol: float = 0.0,
        maxiter: int | None = None,
        M: Any = None,
        callback: Callable[[Any], Any] | None = None,
        raise_on_failure: bool = True,
        same_matrix: bool | None = None,
    ) -> SolveResult:
        """Solve the SPD system ``A x = b``, using and then updating the deflation space.

        Parameters as :meth:`GCRODR.solve <pdesolve.linalg.recycling.GCRODR.solve>`; ``M``
        must be SPD (Jacobi, SSOR, AMG...) and ``callback(x)`` is called after every
        iteration (scipy's ``cg`` convention).

        Returns
        -------
        SolveResult
            ``residuals``: recursive residual norms; ``info``: ``reason``,
            ``residual_kind="true"``, ``true_residual``, ``k``, ``k_start``, ``recycled``,
            ``restarts``, ``matvecs``, ``ritz_time``, ``ritz_updates`` (Ritz steps done),
            ``reorth_time``.

        Raises
        ------
        NotSPDError
            Non-positive curvature ``p·Ap`` or ``r·M r`` (``A`` or ``M`` not SPD).
        ConvergenceError
            Tolerance not met and ``raise_on_failure``.
        """
        res = self._solve(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M,
                          callback=callback, same_matrix=same_matrix)  # fmt: skip
        return res.check() if raise_on_failure else res

    # ------------------------------------------------------------------ internals
    def _prepare(self, s: KrylovSetup, A: Any, M: Any, changed: bool) -> float:
        """Rebuild ``A W`` and re-``A``-orthonormalise ``W`` for a new matrix; returns seconds."""
        st = self._state
        if not st.compatible(s, "recycled_cg") or not changed:
            return 0.0
        t0 = time.perf_counter()
        xp = s.xp
        W = st.U
        AW = apply_rows(s, W, precondition=False)
        Y = _a_orthonormal_coefficients(_gram(W, AW, xp), None, 0)
        Yt = xp.asarray(np.ascontiguousarray(Y.T.astype(W.dtype, copy=False)))
        st.store(Yt @ W, Yt @ AW, A, M)
        self._maw = None
        return time.perf_counter() - t0

    def _maw_of(self, s: KrylovSetup, W: Any, AW: Any, M: Any) -> Any:
        """``M A W`` (cached while ``A`` and ``M`` are the same objects), ``A W`` without ``M``."""
        if s.pc is None or W is None:
            return AW
        if self._maw is None or self._maw_m is not M or self._maw.shape != W.shape:
            self._maw = s.xp.stack([s.psolve(AW[i]) for i in range(W.shape[0])])
            self._maw_m = M
        return self._maw

    def _ritz_step(self, s, Y, AY, MAY, P, Q, MQ, pq, exact: bool):
        """Ritz vectors of ``M A`` on ``S = [Y, P]``: ``(AS)^H (M A S) y = θ (S^H A S) y``,
        the ``k`` smallest ``θ``; returns the new ``(Y, A Y, M A Y)`` row blocks (or the old
        ones if the basis is degenerate). ``S^H A S = diag(I, p_j·A p_j)`` by conjugacy, or
        computed when ``exact``."""
        xp = s.xp
        precond = s.pc is not None
        if Y is not None and Y.shape[0]:
            S, AS = xp.concatenate([Y, P]), xp.concatenate([AY, Q])
            MAS = xp.concatenate([MAY, MQ]) if precond else AS
        else:
            S, AS, MAS = P, Q, (MQ if precond else Q)
        if exact:
            K1 = _gram(S, AS, xp)
        else:
            ky = S.shape[0] - P.shape[0]
            K1 = np.diag(np.concatenate([np.ones(ky), pq])).astype(host(P[:1]).dtype)
        Yc = _a_orthonormal_coefficients(K1, _gram(AS, MAS, xp), self.k)
        if Yc.shape[1] == 0:
            return Y, AY, MAY
        Yt = xp.asarray(np.ascontiguousarray(Yc.T.astype(S.dtype, copy=False)))
        return Yt @ S, Yt @ AS, (Yt @ MAS if precond else None)

    def _solve(self, A, b, x0, *, rtol, atol, maxiter, M, callback, same_matrix) -> SolveResult:
        owner = "recycled_cg"
        s = setup_system(A, b, x0, M, rtol, atol, name=owner)
        st = self._state
        changed = operator_changed(st, A, M, same_matrix, uses_m=False)
        name = method_name(f"recycled_cg({self.k})", s)
        extra: dict[str, Any] = {"k_target": self.k, "window": self.window}
        if s.bnorm == 0.0:
            res = zero_rhs_result(s, name, "true")
            res.info.update(k=st.k, k_start=st.k, recycled=False, **extra)
            return res
        xp, x, n = s.xp, s.x, s.n
        maxiter = default_maxiter(maxiter, 10 * n, owner)
        target = s.target()
        real = not s.is_complex
        precond = s.pc is not None
        matvecs = 0 if s.x0_zero else 1
        reorth_time = self._prepare(s, A, M, changed)
        if reorth_time:
            matvecs += st.k
        W, AW = (st.U, st.C) if st.compatible(s, owner) else (None, None)
        k = 0 if W is None else W.shape[0]
        k_start, recycled = k, k > 0

        def dot(u: Any, v: Any) -> float:
            d = xp.vdot(u, v)
            return float(d.real) if not real else float(d)

        nw = self.window
        learn = self.k > 0 and self.max_updates != 0
        budget = self.max_updates
        updates = 0
        cand = (W, AW, self._maw_of(s, W, AW, M) if learn else None)
        pqs = np.zeros(nw)
        exact_next = False
        P = xp.empty((nw, n), dtype=s.dtype)
        Q = xp.empty((nw, n), dtype=s.dtype)
        MQ = xp.empty((nw, n), dtype=s.dtype) if precond else None
        zbuf = xp.empty((2, n), dtype=s.dtype) if precond else None
        tmp = xp.empty(n, dtype=s.dtype)
        cwork = None if real else xp.empty(n, dtype=s.dtype)

        r = s.residual()
        residuals = [s.norm(r)]
        it = restarts = filled = 0
        slot = -1
        converged, reason = False, "iteration limit reached"
        ritz_time = 0.0
        while True:  # one pass per (re)start of the deflated iteration
            if k:  # Galerkin start: x += W W^H r, r -= A W W^H r  (r ⊥ W)
                a = hdot_rows(W, r, xp)
                xp.add(x, xp.matmul(a, W, out=tmp), out=x)
                xp.subtract(r, xp.matmul(a, AW, out=tmp), out=r)
                s.x0_zero = False
            rnorm = s.norm(r)
            if rnorm <= target:
                rt = s.b - s.matvec(x)
                matvecs += 1
                rnorm = s.norm(rt)
                if rnorm <= target:
                    converged = True
                    reason = "initial residual below target" if it == 0 else "residual below target"
                    break
                r = rt
            if it >= maxiter:
                break
            if not math.isfinite(rnorm):
                reason = "non-finite residual"
                break
            if it:  # a restart: the new directions are not conjugate to the earlier ones
                exact_next = True
            filled = 0
            cur = 0
            z = self._psolve(s, r, zbuf, it % 2)
            rho = dot(r, z)
            if precond and not rho > 0:
                raise NotSPDError(f"{owner}: the preconditioner is not SPD: r·M r = {rho:.3e}")
            P[cur][...] = z
            if k:
                xp.subtract(P[cur], xp.matmul(hdot_rows(AW, z, xp, work=cwork), W, out=tmp),
                            out=P[cur])  # fmt: skip
            stop_pass = False
            while it < maxiter:
                p = P[cur]
                q = Q[cur]
                q[...] = s.matvec(p)
                pq = dot(p, q)
                if not pq > 0:
                    if math.isnan(pq):
                        reason = f"non-finite curvature p·Ap at iteration {it + 1}"
                        stop_pass = True
                        break
                    msg = (f"{owner}: A is not symmetric positive definite: curvature p·Ap = "
                           f"{pq:.3e} at iteration {it + 1}; use GCRODR or minres")  # fmt: skip
                    if self.check_curvature:
                        raise NotSPDError(msg)
                    reason, stop_pass = msg, True
                    break
                alpha = rho / pq
                it += 1
                filled += 1
                slot = cur
                pqs[cur] = pq
                xp.add(x, xp.multiply(p, alpha, out=tmp), out=x)
                xp.subtract(r, xp.multiply(q, alpha, out=tmp), out=r)
                s.x0_zero = False
                rnorm = s.norm(r)
                residuals.append(rnorm)
                if callback is not None:
                    callback(x)
                if not math.isfinite(rnorm):
                    reason = f"non-finite residual at iteration {it}"
                    stop_pass = True
                    break
                zn = self._psolve(s, r, zbuf, it % 2)
                if precond and learn:  # M A p = (z_old - z_new) / alpha, free from the recurrence
                    xp.subtract(z, zn, out=MQ[cur])
                    xp.multiply(MQ[cur], 1.0 / alpha, out=MQ[cur])
                if learn and filled == nw:  # a full block: update the candidate space
                    t0 = time.perf_counter()
                    cand = self._ritz_step(s, *cand, P, Q, MQ, pqs, exact_next)
                    ritz_time += time.perf_counter() - t0
                    filled, exact_next = 0, False
                    updates += 1
                    learn = budget is None or updates < budget
                if rnorm <= target:
                    break
                rho_new = dot(r, zn)
                if precond and not rho_new > 0:
                    raise NotSPDError(f"{owner}: the preconditioner is not SPD: r·M r = "
                                      f"{rho_new:.3e} at iteration {it}")  # fmt: skip
                beta = rho_new / rho
                rho, z = rho_new, zn
                nxt = (cur + 1) % nw
                xp.multiply(P[cur], beta, out=P[nxt])
                xp.add(P[nxt], z, out=P[nxt])
                if k:
                    xp.subtract(P[nxt], xp.matmul(hdot_rows(AW, z, xp, work=cwork), W, out=tmp),
                                out=P[nxt])  # fmt: skip
                cur = nxt
            if stop_pass or it >= maxiter and rnorm > target:
                break
            # recursive residual below target: confirm on the true residual
            r = s.b - s.matvec(x)
            matvecs += 1
            if s.norm(r) <= target:
                rnorm = s.norm(r)
                converged, reason = True, "residual below target"
                break
            restarts += 1
        true_res = s.norm(s.b - s.matvec(x)) if not converged else rnorm
        if converged and self.k > 0 and (learn or updates):
            t0 = time.perf_counter()
            if filled and learn:
                updates += 1
                idx = [(slot - i) % nw for i in range(filled)]
                cand = self._ritz_step(s, *cand, P[idx], Q[idx], MQ[idx] if precond else None,
                                       pqs[idx], True)  # fmt: skip
            Y, AY, MAY = cand
            if Y is not None and Y.shape[0]:
                # restore W^H A W = I exactly (conjugacy is only approximate in floating point)
                Yc = _a_orthonormal_coefficients(_gram(Y, AY, xp), None, 0)
                Yt = xp.asarray(np.ascontiguousarray(Yc.T.astype(Y.dtype, copy=False)))
                st.store(Yt @ Y, Yt @ AY, A, M)
                self._maw, self._maw_m = (Yt @ MAY, M) if precond else (None, None)
            ritz_time += time.perf_counter() - t0
        return finish(s, converged=converged, iterations=it, residuals=residuals, method=name,
                      reason=reason, residual_kind="true", target=target,
                      true_residual=true_res, k=st.k if converged else k, k_start=k_start,
                      recycled=recycled, restarts=restarts, matvecs=matvecs + it,
                      ritz_time=ritz_time, ritz_updates=updates, reorth_time=reorth_time,
                      **extra)  # fmt: skip

    @staticmethod
    def _psolve(s: KrylovSetup, r: Any, zbuf: Any, i: int) -> Any:
        """``M r`` in the buffer ``zbuf[i]`` (never aliasing ``r``), or ``r`` without ``M``."""
        if zbuf is None:
            return r
        zbuf[i][...] = s.psolve(r)
        return zbuf[i]


def recycled_cg(
    A: Any,
    b: Any,
    x0: Any = None,
    *,
    rtol: float = 1e-5,
    atol: float = 0.0,
    maxiter: int | None = None,
    M: Any = None,
    callback: Callable[[Any], Any] | None = None,
    k: int = 20,
    recycle: RecycledCG | None = None,
) -> tuple[Any, int]:
    """Recycled CG with scipy's ``cg`` signature and ``(x, info)`` return; pass the same
    ``recycle`` object (a :class:`RecycledCG`) to carry the deflation space across calls."""
    solver = RecycledCG(k) if recycle is None else recycle
    if not isinstance(solver, RecycledCG):
        raise SolverInputError(f"recycle must be a RecycledCG object, got {type(recycle).__name__}")
    res = solver.solve(A, b, x0, rtol=rtol, atol=atol, maxiter=maxiter, M=M, callback=callback,
                       raise_on_failure=False)  # fmt: skip
    return res.x, wrapper_info(res)
