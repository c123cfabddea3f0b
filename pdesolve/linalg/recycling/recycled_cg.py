"""Recycled (deflated) preconditioned CG for sequences of SPD systems (Saad, Yeung, Erhel &
Guyomarc'h 2000; Parks, de Sturler, Mackey, Johnson & Maiti 2006), with the recycle space
updated by one Lanczos-based Rayleigh–Ritz step per solve (Saad et al. 2000, §5; Stathopoulos &
Orginos 2010)."""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.linalg.blas import get_blas_funcs

from ..krylov._common import (
    KrylovSetup,
    check_symmetric,
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


def _combine(Yt: Any, X: Any, B: Any, xp: Any) -> Any:
    """``Yt [X; B]`` for row blocks (``X`` may be None), without stacking ``X`` and ``B``."""
    kx = 0 if X is None else X.shape[0]
    out = xp.ascontiguousarray(Yt[:, kx:]) @ B
    if kx:
        out += xp.ascontiguousarray(Yt[:, :kx]) @ X
    return out


def _blas(xp: Any, *vectors: Any) -> tuple[Any, Any] | None:
    """BLAS ``axpy`` and ``gemv`` for in-place single-pass updates of contiguous numpy
    vectors (None for other array namespaces: the ufunc path is used)."""
    if xp is not np or not all(isinstance(v, np.ndarray) and v.flags.c_contiguous
                               for v in vectors):  # fmt: skip
        return None
    try:
        return tuple(get_blas_funcs(("axpy", "gemv"), vectors[:1]))  # type: ignore[return-value]
    except ValueError:  # a dtype without BLAS routines
        return None


def _takes_out(pc: Any) -> bool:
    """Whether ``pc(r, out=z)`` writes ``M r`` into ``z`` (the pdesolve preconditioners)."""
    try:
        return "out" in inspect.signature(pc.__call__).parameters
    except (TypeError, ValueError):
        return False


def lanczos_projection(
    mu: np.ndarray | None, d: np.ndarray, alpha: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray]:
    r"""The blocks ``H_WP = (A W)^H M A P`` and ``H_PP = P^H A M A P`` of ``M A`` projected on
    ``[W, P]``, from the scalars of ``m`` consecutive (deflated) PCG steps — no vector work.

    With ``M A p_j = (z_j - z_{j+1}) / α_j`` (the residual recurrence), ``W^H A p_i = 0`` and
    ``z_j = p_j - β_{j-1} p_{j-1} + W μ'_j`` (the direction recurrence), where ``μ_j = (A W)^H
    z_j``, ``d_j = p_j^H A p_j`` and the ``p_j`` are ``A``-conjugate (Saad et al. 2000, §5;
    the preconditioned Lanczos tridiagonal of Saad 2003, §6.7.3)::

        H_WP[:, j] = (μ_j - μ_{j+1}) / α_j
        H_PP[j, j] = d_j (1 + β_j) / α_j,   H_PP[j+1, j] = H_PP[j, j+1] = -d_{j+1} / α_j

    Parameters
    ----------
    mu : ndarray of shape (m + 1, k) or None
        ``μ_0 … μ_m`` (None without a deflation space).
    d, alpha, beta : ndarray of shape (m,)
        ``p_j^H A p_j``, the step lengths and ``β_j = ρ_{j+1} / ρ_j``.
    """
    m = d.size
    H = np.diag(d * (1.0 + beta) / alpha)
    off = -d[1:] / alpha[:-1]
    H[np.arange(1, m), np.arange(m - 1)] = off
    H[np.arange(m - 1), np.arange(1, m)] = off
    if mu is None:
        return None, H
    return ((mu[:-1] - mu[1:]) / alpha[:, None]).T, H


class RecycledCG:
    r"""Deflated preconditioned CG with a recycled space for sequences of SPD systems.

    Keeps ``W`` (``k`` vectors) and ``A W`` between systems. Each solve starts from the
    Galerkin projection ``x_0 = x + W G⁻¹ W^H r`` (``G = W^H A W``) and runs PCG with directions
    made ``A``-orthogonal to ``W`` (Saad et al. 2000), so the slow modes spanned by ``W`` never
    enter the iteration; an iteration costs PCG's plus two ``n x k`` matrix–vector products.
    After a converged solve, ``W`` is replaced by the ``k`` Ritz vectors of ``M A`` of smallest
    Ritz value on ``span[W, p_0 … p_{m-1}]`` (the first ``m = window`` directions of the solve),
    with the projected matrices built from the CG scalars (:func:`lanczos_projection`): one
    small eigenproblem and one ``k x (k + m) x n`` product per update, no product with ``A``
    or ``M``.

    Parameters
    ----------
    k : int
        Dimension of the deflation space (``k = 0``: plain PCG). Default 12: each iteration
        reads ``W`` and ``A W`` once (``2 k n`` numbers), so its cost grows with ``k`` — and
        jumps once they no longer stay in cache — while the iteration count falls ever more
        slowly. On the 100 symmetric Darcy systems of ``benchmarks/recycling.py`` (n = 10⁴,
        SSOR, rtol 1e-8) k = 8, 10, 12, 16 take 72, 68, 64, 58 iterations per system against
        PCG's 127; k = 12 was the fastest in total time.
    window : int, optional
        Directions of each solve kept for the Ritz update (``2·window`` stored vectors: ``p``
        and ``A p``); ``3 k`` by default.
    learn_every : int
        Update the space after every ``learn_every``-th converged solve (always while it has
        fewer than ``k`` vectors); 0 never learns (``W`` stays as given; the first solve is
        then plain PCG). 1 (the default) tracks a changing sequence best.
    exact_ritz : bool
        Compute the block ``H_WW = (A W)^H M (A W)`` of the Ritz problem exactly (``k``
        preconditioner applications per update) instead of estimating it from the Ritz values
        of the previous update (default False; see Notes).
    check_curvature : bool
        Raise :class:`~pdesolve.linalg.validate.NotSPDError` on ``p·Ap <= 0`` (default).

    Attributes
    ----------
    U : ndarray of shape (n, k_current) or None
        The deflation space ``W``, ``A``-orthonormalised for the matrix of the last solve.
    C : ndarray of shape (n, k_current) or None
        ``A W`` (for that ``U``).
    k_current : int

    Notes
    -----
    *Tolerance and counting.* The recursive residual stops the loop; convergence is declared
    only on the recomputed true residual ``||b - A x||_2 <= max(rtol ||b||_2, atol)``
    (a mismatch restarts the deflated iteration from it). ``maxiter`` counts iterations (one
    product with ``A``, one preconditioner application each); ``info["matvecs"]`` adds the
    residual checks and the ``k`` products ``A W`` for a new matrix.

    *Algorithm* (Saad et al. 2000, Algorithm 3.6 "Deflated-CG" with a preconditioner
    ``M ≈ A⁻¹`` SPD; ``G = W^H A W``)::

        on a new matrix: A W (k products);  every solve: G⁻¹ (k x k)
        r = b - A x;  x += W G⁻¹ W^H r;  r -= A W G⁻¹ W^H r         (W^H r = 0)
        z = M r;  μ = (A W)^H z;  p = z - W G⁻¹ μ
        repeat:  q = A p;  alpha = r·z / p·q;  x += alpha p;  r -= alpha q
                 z = M r;  beta = r·z_new / r·z_old;  μ = (A W)^H z
                 p = z + beta p - W G⁻¹ μ                          (W^H A p = 0)

    *Recycle update* (Rayleigh–Ritz for ``M A``, self-adjoint in the ``A``-inner product, on
    ``S = [W, P]``): ``(S^H A M A S) y = θ (S^H A S) y``, keeping the ``k`` smallest ``θ``
    (approximations of the smallest eigenvalues of ``M A``, the modes that slow PCG).
    ``S^H A S = diag(G, d_j)`` by conjugacy; ``H_WP``, ``H_PP`` come free from the iteration
    (:func:`lanczos_projection`). ``H_WW = (A W)^H M (A W)`` would cost ``k`` preconditioner
    applications (as many as ``k`` iterations); it is estimated instead from the Ritz pairs
    ``(θ_j, w_j)`` of the previous update, ``M A w_j ≈ θ_j w_j``, as ``H_WW ≈ (G Θ + Θ G)/2``
    with the current ``G`` (``exact_ritz=True`` computes it). The estimate only steers which
    ``k`` vectors of ``span[W, P]`` are kept — the solves stay exact — and on the benchmark
    sequences it gives the same iteration counts as the exact block. The new ``W = S Y``
    needs no product with ``A``; ``A W = [A W, A P] Y`` is formed only when the next solve
    has the same matrix (a new matrix recomputes ``A W`` anyway). The *first* directions of a
    solve are used: the smallest eigenvalues converge first in Lanczos, and late CG directions
    have lost them (Saad et al. 2000, §5; Stathopoulos & Orginos 2010 build their eigCG space
    the same way from the Lanczos tridiagonal). Parks et al. (2006) update every cycle of
    ``s`` steps with explicit Gram products; that cost more than the deflated iteration itself
    here. Deflating only the initial guess and running plain PCG ("Init-CG", Erhel &
    Guyomarc'h 2000) was tried and gained almost nothing on changing matrices (3496 against
    3827 PCG iterations on 30 Darcy systems; the full deflation: 1728).

    *Changed matrix.* With ``same_matrix=None`` the matrix counts as new unless ``A`` is the
    same object as for the stored space; then ``A W`` is recomputed (``k`` products). The
    preconditioner may change freely between solves.

    References
    ----------
    Y. Saad, M. Yeung, J. Erhel and F. Guyomarc'h, "A deflated version of the conjugate gradient
    algorithm", SIAM J. Sci. Comput. 21(5) (2000) 1909-1926.
    M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson and S. Maiti, "Recycling Krylov
    subspaces for sequences of linear systems", SIAM J. Sci. Comput. 28(5) (2006) 1651-1674.
    A. Stathopoulos and K. Orginos, "Computing and deflating eigenvalues while solving multiple
    right-hand side linear systems with an application to quantum chromodynamics", SIAM J. Sci.
    Comput. 32(1) (2010) 439-462.
    J. Erhel and F. Guyomarc'h, "An augmented conjugate gradient method for solving consecutive
    symmetric positive definite linear systems", SIAM J. Matrix Anal. Appl. 21(4) (2000)
    1279-1299.
    Y. Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., SIAM 2003, §6.7.3.
    """

    def __init__(self, k: int = 12, *, window: int | None = None, learn_every: int = 1,
                 exact_ritz: bool = False, check_curvature: bool = True) -> None:  # fmt: skip
        self.k = check_positive_int(k, "k", "RecycledCG", 0)
        self.window = max(3 * self.k, 2) if window is None else check_positive_int(
            window, "window", "RecycledCG", 2)  # fmt: skip
        self.learn_every = check_positive_int(learn_every, "learn_every", "RecycledCG", 0)
        self.exact_ritz = bool(exact_ritz)
        self.check_curvature = bool(check_curvature)
        self._state = RecycleState()
        self._ginv: Any = None  # (W^H A W)^{-1} for the stored pair
        self._gw: np.ndarray | None = None  # W^H A W
        self._theta: np.ndarray | None = None  # Ritz values of the columns of W
        self._pending_c: tuple[Any, ...] | None = None  # A W after a Ritz update
        self._buf: tuple[Any, Any] | None = None  # work blocks P, A P
        self._solves = 0

    def _complete_c(self) -> None:
        """Form ``A W = [A W_old, A P] Y`` after a Ritz update, if still pending."""
        if self._pending_c is not None:
            Yt, AW, Q, xp = self._pending_c
            self._state.C = _combine(Yt, AW, Q, xp)
            self._pending_c = None

    def _orthonormal_pair(self) -> tuple[Any, Any] | tuple[None, None]:
        self._complete_c()
        st = self._state
        if st.U is None:
            return None, None
        T = _a_orthonormal_coefficients(_gram(st.U, st.C, np), None, 0)
        Tt = np.ascontiguousarray(T.T.astype(st.U.dtype, copy=False))
        return Tt @ st.U, Tt @ st.C

    @property
    def U(self) -> Any:
        W = self._orthonormal_pair()[0]
        return None if W is None else W.T

    @property
    def C(self) -> Any:
        AW = self._orthonormal_pair()[1]
        return None if AW is None else AW.T

    @property
    def k_current(self) -> int:
        return self._state.k

    def reset(self) -> None:
        """Forget the deflation space (the next solve is plain PCG)."""
        self._state.clear()
        self._ginv = self._pending_c = self._gw = self._theta = self._buf = None
        self._solves = 0

    def __repr__(self) -> str:
        return (f"RecycledCG(k={self.k}, window={self.window}, learn_every={self.learn_every}, "
                f"k_current={self.k_current})")  # fmt: skip

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
            ``restarts``, ``matvecs``, ``ritz_time``, ``ritz_updates`` (0 or 1: whether the
            space was updated), ``reorth_time``.

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
        """``A W`` for a new matrix and ``G⁻¹ = (W^H A W)⁻¹`` (pseudo-inverse on a numerically
        dependent ``W``); returns seconds."""
        st = self._state
        if changed:
            self._pending_c = None  # A W is recomputed below
        else:
            self._complete_c()
        if not st.compatible(s, "recycled_cg"):
            self._ginv = None
            return 0.0
        if not changed and self._ginv is not None:
            return 0.0
        t0 = time.perf_counter()
        if changed:
            st.C = apply_rows(s, st.U, precondition=False)
            st.A_ref, st.M_ref = A, M
        self._gw = _gram(st.U, st.C, s.xp)
        T = _a_orthonormal_coefficients(self._gw, None, 0)
        self._ginv = s.xp.asarray((T @ T.conj().T).astype(s.dtype, copy=False))
        return time.perf_counter() - t0

    def _ritz_update(self, s: KrylovSetup, W: Any, AW: Any, P: Any, Q: Any, mu: Any,
                     d: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> None:  # fmt: skip
        """Replace ``W`` by the ``k`` smallest Ritz vectors of ``M A`` on ``[W, P]``."""
        xp = s.xp
        m = d.size
        H_wp, H_pp = lanczos_projection(None if W is None else host(mu), d, alpha, beta)
        dt = np.result_type(host(P[:1]).dtype, np.float64)
        if W is None:
            K1, K2 = np.diag(d).astype(dt), H_pp.astype(dt)
        else:
            kw = W.shape[0]
            K1 = np.zeros((kw + m, kw + m), dtype=dt)
            K2 = np.zeros_like(K1)
            K1[:kw, :kw] = Gw = self._gw
            K1[kw:, kw:] = np.diag(d)
            th = self._theta
            if self.exact_ritz or th is None or th.size != kw:
                MAW = xp.stack([xp.array(s.psolve(AW[i]), copy=True) for i in range(kw)]) \
                    if s.pc is not None else AW  # fmt: skip
                K2[:kw, :kw] = _gram(AW, MAW, xp)
            else:  # M A w_j ≈ θ_j w_j (the Ritz pairs of the previous update)
                K2[:kw, :kw] = 0.5 * (Gw * th[None, :] + th[:, None] * Gw)
            K2[:kw, kw:] = H_wp
            K2[kw:, :kw] = H_wp.conj().T
            K2[kw:, kw:] = H_pp
        Y = _a_orthonormal_coefficients(K1, K2, self.k)
        if Y.shape[1] == 0:
            return
        self._theta = np.real(np.einsum("ij,ik,kj->j", Y.conj(), K2, Y))  # Y^H K2 Y = Θ
        Yt = xp.asarray(np.ascontiguousarray(Y.T.astype(s.dtype, copy=False)))
        Wn = _combine(Yt, W, P[:m], xp)
        st = self._state
        st.U, st.C = Wn, None
        # A W_new = [A W, A P] Y is formed only if the next solve has the same matrix (a new
        # matrix recomputes it): keep the pieces meanwhile
        self._pending_c = (Yt, AW, Q[:m], xp)
        self._ginv = None  # recomputed (exactly) at the next solve

    def _solve(self, A, b, x0, *, rtol, atol, maxiter, M, callback, same_matrix) -> SolveResult:
        owner = "recycled_cg"
        s = setup_system(A, b, x0, M, rtol, atol, name=owner, symmetric_pc=True)
        st = self._state
        changed = operator_changed(st, A, M, same_matrix, uses_m=False)
        if changed:  # a new matrix: the two-matvec symmetry probe cg_solve makes
            check_symmetric(s, owner, "recycled CG needs a symmetric positive definite A: use "
                            "gcrodr for a nonsymmetric one", error=NotSPDError)  # fmt: skip
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
        if reorth_time and changed:
            matvecs += st.k
        W, AW, Ginv = (st.U, st.C, self._ginv) if self._ginv is not None else (None, None, None)
        k = 0 if W is None else W.shape[0]
        k_start, recycled = k, k > 0
        self._solves += 1
        learn = self.k > 0 and self.learn_every > 0 and (
            k < self.k or self._solves % self.learn_every == 0)  # fmt: skip

        def dot(u: Any, v: Any) -> float:
            d = xp.vdot(u, v)
            return float(d.real) if not real else float(d)

        # the first `window` directions (and A p) of the first pass, with their CG scalars
        nw = self.window if learn else 0
        P, Q = self._buffers(s, nw)
        mus = xp.empty((nw + 1, k), dtype=s.dtype) if k else None
        dd, al, be = np.empty(nw), np.empty(nw), np.empty(nw)
        stored = 0
        zbuf = xp.empty((2, n), dtype=s.dtype) if precond else None
        p = xp.empty(n, dtype=s.dtype)
        tmp = xp.empty(n, dtype=s.dtype)
        cwork = None if real else xp.empty(n, dtype=s.dtype)
        blas = _blas(xp, x, p)
        pc_out = precond and blas is not None and _takes_out(s.pc)
        WT = None if W is None else W.T  # (n, k) Fortran-ordered view for gemv
        mu = xp.empty(k, dtype=s.dtype)

        r = s.residual()
        residuals = [s.norm(r)]
        it = restarts = 0
        converged, reason = False, "iteration limit reached"
        while True:  # one pass per (re)start of the deflated iteration
            collect = nw > 0 and restarts == 0
            if k:  # Galerkin start: x += W G⁻¹ W^H r, r -= A W G⁻¹ W^H r  (W^H r = 0)
                a = Ginv @ hdot_rows(W, r, xp, work=cwork)
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
            z = self._psolve(s, r, zbuf, it % 2, pc_out)
            rho = dot(r, z)
            if precond and not rho > 0:
                raise NotSPDError(f"{owner}: the preconditioner is not SPD: r·M r = {rho:.3e}")
            p[...] = z
            if k:
                hdot_rows(AW, z, xp, out=mu, work=cwork)
                if collect:
                    mus[0] = mu
                xp.subtract(p, xp.matmul(Ginv @ mu, W, out=tmp), out=p)
            stop_pass = False
            j = 0  # iteration within the pass
            while it < maxiter:
                q = s.matvec(p)
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
                keep = collect and j < nw
                if keep:
                    P[j] = p
                    Q[j] = q
                if blas is not None:  # one pass each, in place
                    blas[0](p, x, a=alpha)
                    blas[0](q, r, a=-alpha)
                else:
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
                z = self._psolve(s, r, zbuf, it % 2, pc_out)
                rho_new = dot(r, z)
                if keep:
                    dd[j], al[j], be[j] = pq, alpha, rho_new / rho
                    stored = j + 1
                done = rnorm <= target
                if k and (not done or keep):
                    hdot_rows(AW, z, xp, out=mu, work=cwork)
                    if keep:
                        mus[j + 1] = mu
                if done:
                    break
                if precond and not rho_new > 0:
                    raise NotSPDError(f"{owner}: the preconditioner is not SPD: r·M r = "
                                      f"{rho_new:.3e} at iteration {it}")  # fmt: skip
                beta = rho_new / rho
                rho = rho_new
                if blas is not None and k:  # p = beta p - W G⁻¹ μ in one gemv, then + z
                    blas[1](-1.0, WT, Ginv @ mu, beta=beta, y=p, overwrite_y=1)
                    blas[0](z, p, a=1.0)
                else:
                    xp.multiply(p, beta, out=p)
                    xp.add(p, z, out=p)
                    if k:
                        xp.subtract(p, xp.matmul(Ginv @ mu, W, out=tmp), out=p)
                j += 1
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
        ritz_time, updates = 0.0, 0
        if converged and learn and stored:
            t0 = time.perf_counter()
            self._ritz_update(s, W, AW, P, Q, mus[: stored + 1] if k else None,
                              dd[:stored], al[:stored], be[:stored])  # fmt: skip
            st.A_ref, st.M_ref = A, M
            ritz_time, updates = time.perf_counter() - t0, 1
        return finish(s, converged=converged, iterations=it, residuals=residuals, method=name,
                      reason=reason, residual_kind="true", target=target,
                      true_residual=true_res, k=st.k if converged else k, k_start=k_start,
                      recycled=recycled, restarts=restarts, matvecs=matvecs + it,
                      ritz_time=ritz_time, ritz_updates=updates, reorth_time=reorth_time,
                      **extra)  # fmt: skip

    def _buffers(self, s: KrylovSetup, nw: int) -> tuple[Any, Any]:
        """The ``(window, n)`` blocks for ``P`` and ``A P``, kept between solves (fresh large
        arrays cost page faults on every solve)."""
        buf = self._buf
        if nw == 0:
            return s.xp.empty((0, s.n), dtype=s.dtype), None
        if buf is None or buf[0].shape != (nw, s.n) or buf[0].dtype != s.dtype:
            buf = self._buf = (s.xp.empty((nw, s.n), dtype=s.dtype),
                               s.xp.empty((nw, s.n), dtype=s.dtype))  # fmt: skip
        return buf

    @staticmethod
    def _psolve(s: KrylovSetup, r: Any, zbuf: Any, i: int, pc_out: bool) -> Any:
        """``M r`` in the buffer ``zbuf[i]`` (never aliasing ``r``), or ``r`` without ``M``;
        written there directly by a preconditioner that takes ``out=`` (``pc_out``)."""
        if zbuf is None:
            return r
        if pc_out:
            s.pc(r, out=zbuf[i])
        else:
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
    k: int = 12,
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
