r"""Newton's method for ``F(x) = 0``: line search, inexact (Eisenstat–Walker) and
Jacobian-free variants, natural-parameter continuation.

The layer sees callables and matrices only: ``F(x)`` returns the residual vector and ``J(x)``
the Jacobian (a sparse matrix or a ``LinearOperator``). One step solves

.. math:: J(x_k)\, s_k = -F(x_k) \quad\text{to}\quad
          \|F(x_k) + J(x_k) s_k\| \le \eta_k \|F(x_k)\|, \qquad x_{k+1} = x_k + \lambda_k s_k,

with ``η_k = 0`` (exact Newton: a direct solve) or the Eisenstat–Walker forcing term
(choice 2, :math:`\eta_k = \gamma (\|F_k\|/\|F_{k-1}\|)^\alpha`, γ = 0.9, α = 2, safeguarded)
when the linear solver is iterative, and ``λ_k`` from Armijo backtracking on ``‖F‖``
(:math:`\|F(x_k + \lambda s_k)\| \le (1 - 10^{-4}\lambda)\|F(x_k)\|`, λ halved, or a
safeguarded quadratic model). Near the root exact Newton converges quadratically,
``‖e_{k+1}‖ ≤ C ‖e_k‖²``. The Jacobian-free variant replaces ``J v`` by the difference
quotient ``(F(x + εv) − F(x))/ε`` with ``ε = √ε_mach (1 + ‖x‖)/‖v‖`` inside GMRES.

References: C. T. Kelley, *Solving Nonlinear Equations with Newton's Method*, SIAM 2003;
S. C. Eisenstat & H. F. Walker, SIAM J. Sci. Comput. 17 (1996) 16–32; D. A. Knoll &
D. E. Keyes, J. Comput. Phys. 193 (2004) 357–397; J. E. Dennis & R. B. Schnabel,
*Numerical Methods for Unconstrained Optimization and Nonlinear Equations*, SIAM 1996.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import NewtonDivergenceError
from .validate import SolverInputError


@dataclass
class NewtonResult:
    """Outcome of :func:`newton`: the iterate, whether ``‖F‖`` met the tolerance, the residual
    norms (initial one included), step lengths λ_k, linear iterations per step, wall time."""

    x: np.ndarray
    converged: bool
    iterations: int
    residual_norms: list[float]
    step_lengths: list[float] = field(default_factory=list)
    linear_iterations: list[int] = field(default_factory=list)
    seconds: float = 0.0
    reason: str = ""
    info: dict = field(default_factory=dict)


def _linear(linear_solver: Any) -> Callable[..., tuple[np.ndarray, int]]:
    """``solve(A, b, eta, pc=None) -> (x, iterations)`` from the caller's choice."""
    if linear_solver is None:

        def direct(A, b, eta, pc=None):
            if isinstance(A, spla.LinearOperator):
                raise SolverInputError("a LinearOperator Jacobian needs an iterative solver")
            if sp.issparse(A):
                return spla.spsolve(sp.csc_matrix(A), b, permc_spec="COLAMD"), 1
            return np.linalg.solve(np.asarray(A), b), 1

        return direct
    if callable(linear_solver):
        return lambda A, b, eta, pc=None: (np.asarray(linear_solver(A, b)), 1)
    if isinstance(linear_solver, dict):
        from .front import solve

        opts = dict(linear_solver)

        def iterative(A, b, eta, pc=None):
            kw = dict(opts)
            if eta > 0:
                kw["rtol"] = eta
            if pc is not None:
                kw["pc"] = pc
            res = solve(A, b, **kw)
            return res.x, int(getattr(res, "iterations", 1))

        return iterative
    raise SolverInputError(
        f"linear_solver must be None (direct), a callable solve(A, b) or a dict of "
        f"ps.solve options, got {type(linear_solver).__name__}"
    )


def _jfnk_operator(F: Callable, x: np.ndarray, Fx: np.ndarray) -> spla.LinearOperator:
    """``v ↦ (F(x + εv) − F(x))/ε`` (Knoll & Keyes 2004, eq. 12)."""
    nx = np.linalg.norm(x)

    def mv(v):
        nv = np.linalg.norm(v)
        if nv == 0:
            return np.zeros_like(Fx)
        eps = np.sqrt(np.finfo(float).eps) * (1 + nx) / nv
        return (F(x + eps * v) - Fx) / eps

    return spla.LinearOperator((len(Fx), len(x)), matvec=mv, dtype=float)


def newton(
    F: Callable[[np.ndarray], np.ndarray],
    J: Callable[[np.ndarray], Any] | None,
    x0: Any,
    *,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    maxiter: int = 50,
    line_search: str = "backtrack",
    linear_solver: Any = None,
    forcing: str | float | None = None,
    jacobian: str = "matrix",
    callback: Callable[[int, np.ndarray, float], None] | None = None,
    raise_on_failure: bool = True,
    norm: Callable[[np.ndarray], float] = np.linalg.norm,
    backend: str = "numpy",
    options: dict | None = None,
) -> NewtonResult:
    """Solve ``F(x) = 0`` by Newton's method (see the module docstring).

    Parameters
    ----------
    F, J : callables
        Residual ``F(x)`` and Jacobian ``J(x)`` (sparse matrix, array or LinearOperator).
        With ``jacobian="jfnk"`` the products are difference quotients of ``F``; ``J``, if
        given, is then only used to build a preconditioner (``pc`` of the linear solve).
    x0 : array_like
    rtol, atol : float
        Converged when ``‖F(x)‖ ≤ max(rtol ‖F(x0)‖, atol)``.
    line_search : {"backtrack", "none"}
    linear_solver : None, callable or dict
        ``None``: sparse LU; ``solve(A, b) -> x``; or keyword arguments of
        :func:`pdesolve.solve` (e.g. ``{"method": "gmres", "pc": "ilu"}``).
    forcing : None, "eisenstat-walker" or float
        Linear tolerance η_k of inexact Newton (iterative linear solvers only).
    backend : {"numpy", "petsc"}
        ``"petsc"``: PETSc's SNES (``options`` passed as SNES/KSP option names).

    Raises
    ------
    NewtonDivergenceError
        NaN/Inf residual, failed line search or ``maxiter`` reached (if ``raise_on_failure``).
    """
    if backend == "petsc":
        from .nonlinear_petsc import snes_solve

        return snes_solve(F, J, x0, rtol=rtol, atol=atol, maxiter=maxiter, options=options)
    if backend != "numpy":
        raise SolverInputError(f"backend must be 'numpy' or 'petsc', got {backend!r}")
    if line_search not in ("backtrack", "none"):
        raise SolverInputError(f"line_search must be 'backtrack' or 'none', got {line_search!r}")
    if jacobian not in ("matrix", "jfnk"):
        raise SolverInputError(f"jacobian must be 'matrix' or 'jfnk', got {jacobian!r}")
    if jacobian == "matrix" and J is None:
        raise SolverInputError("J is required unless jacobian='jfnk'")
    if jacobian == "jfnk" and linear_solver is None:
        linear_solver = {"method": "gmres"}
    if jacobian == "jfnk" and forcing is None:
        forcing = "eisenstat-walker"  # a difference-quotient operator is accurate to ~√ε
    lin = _linear(linear_solver)
    t0 = time.perf_counter()
    x = np.array(x0, dtype=float)
    Fx = np.asarray(F(x), dtype=float)
    r = [float(norm(Fx))]
    lam_hist: list[float] = []
    lin_its: list[int] = []
    target = max(rtol * r[0], atol)
    eta = 0.9 if forcing == "eisenstat-walker" else (float(forcing) if forcing else 0.0)
    reason = ""

    def fail(msg: str) -> NewtonResult:
        res = NewtonResult(x, False, len(r) - 1, r, lam_hist, lin_its,
                           time.perf_counter() - t0, msg)
        if raise_on_failure:
            raise NewtonDivergenceError(
                f"Newton failed after {len(r) - 1} iterations (‖F‖ {r[0]:.3e} -> {r[-1]:.3e}): "
                f"{msg}. Try a better initial guess, continuation in the problem's parameter "
                "(ps.linalg.continuation), line_search='backtrack', or more iterations."
            )
        return res

    if not np.isfinite(r[0]):
        return fail("the initial residual is NaN or Inf")
    for k in range(maxiter + 1):
        if r[-1] <= target:
            reason = f"‖F‖ = {r[-1]:.3e} ≤ {target:.3e}"
            break
        if k == maxiter:
            return fail(f"maxiter = {maxiter} reached")
        pc = None
        if jacobian == "jfnk":
            A = _jfnk_operator(F, x, Fx)
            if J is not None:  # the approximate Jacobian preconditions the matrix-free one
                pc = spla.splu(sp.csc_matrix(J(x)), permc_spec="COLAMD").solve
        else:
            A = J(x)
        try:
            s, its = lin(A, -Fx, eta, pc)
        except (np.linalg.LinAlgError, RuntimeError, ZeroDivisionError) as e:
            return fail(f"the linear solve failed ({e}): singular Jacobian?")
        lin_its.append(its)
        if not np.all(np.isfinite(s)):
            return fail("the linear solve gave NaN or Inf (singular Jacobian?)")
        lam, fnew = 1.0, None
        while True:
            xt = x + lam * s
            Ft = np.asarray(F(xt), dtype=float)
            nt = float(norm(Ft))
            if line_search == "none" or (np.isfinite(nt) and nt <= (1 - 1e-4 * lam) * r[-1]):
                fnew = (xt, Ft, nt)
                break
            if lam < 1e-6:
                return fail("the line search found no decrease (step length below 1e-6)")
            # quadratic model of φ(λ) = ‖F(x + λ s)‖² / 2, safeguarded to [0.1, 0.5] λ
            phi0, phil = r[-1] ** 2, nt**2 if np.isfinite(nt) else np.inf
            dphi0 = -2 * phi0
            lq = -dphi0 * lam**2 / (2 * (phil - phi0 - dphi0 * lam)) if np.isfinite(phil) else 0
            lam = float(np.clip(lq, 0.1 * lam, 0.5 * lam))
        x, Fx, nt = fnew
        if not np.isfinite(nt):
            return fail("the residual became NaN or Inf")
        lam_hist.append(lam)
        if forcing == "eisenstat-walker":  # choice 2 with the safeguard of §3 of the paper
            new = 0.9 * (nt / r[-1]) ** 2
            prev = 0.9 * eta**2
            eta = min(0.9, max(new, prev) if prev > 0.1 else new)
            eta = max(eta, 0.5 * target / max(nt, 1e-300))
        r.append(nt)
        if callback is not None:
            callback(k + 1, x, nt)
    return NewtonResult(x, True, len(r) - 1, r, lam_hist, lin_its, time.perf_counter() - t0,
                        reason)


def continuation(
    make_problem: Callable[[float], tuple[Callable, Callable | None]],
    params: Sequence[float],
    x0: Any,
    *,
    max_halvings: int = 4,
    **newton_kwargs: Any,
) -> tuple[NewtonResult, list[tuple[float, NewtonResult]]]:
    """Natural-parameter continuation: solve ``F(x; μ) = 0`` for each ``μ`` in ``params``,
    each from the previous solution; a failed step is retried at midpoints between the last
    converged parameter and the failed one (up to ``max_halvings`` times).

    Returns the last result and the path ``[(μ, result), ...]``."""
    newton_kwargs["raise_on_failure"] = True
    x = np.array(x0, dtype=float)
    path: list[tuple[float, NewtonResult]] = []
    last = None
    for mu in params:
        target, tries = float(mu), 0
        while True:
            F, J = make_problem(target)
            try:
                res = newton(F, J, x, **newton_kwargs)
            except NewtonDivergenceError:
                if last is None or tries >= max_halvings:
                    raise
                target, tries = 0.5 * (last + target), tries + 1
                continue
            x, last = res.x, target
            path.append((target, res))
            if target == float(mu):
                break
            target, tries = float(mu), 0
    return path[-1][1], path
