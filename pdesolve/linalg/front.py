"""``solve()``: one front door to direct, Krylov, recycling and stationary solvers on every
backend. Methods are rows of the method table (:mod:`pdesolve.linalg.methods`);
``method="auto"`` is :func:`~pdesolve.linalg.methods.choose_method`'s decision, and its reason
lands in ``result.info["auto"]``.

``rtol`` has one meaning: success is ``‖b − A x‖₂ ≤ max(rtol ‖b‖₂, atol)`` on the *true*
residual. A method whose own test reads another residual (CG's and BiCGStab's recurrences,
MINRES' estimate, left-preconditioned GMRES) and stops above the true target is restarted
from its iterate (at most :data:`TRUE_RESIDUAL_RESTARTS` times); if the true residual still
misses the target the result says ``converged=False`` (``residual="method"`` keeps the
method's own test instead).
"""

from __future__ import annotations

import time
from typing import Any

import scipy.sparse as sp

from .direct import direct_solve
from .methods import DEFAULT_RTOL, Method, choose_method, lookup
from .preconditioner import PreconditionerFactory, as_preconditioner
from .result import SolveResult
from .validate import SolverInputError, check_system

__all__ = ["solve", "choose_method", "drop_stored_zeros", "TRUE_RESIDUAL_RESTARTS"]

#: restarts from the iterate when a method's own residual met the target but the true one not
TRUE_RESIDUAL_RESTARTS = 2


def solve(
    A: Any,
    b: Any,
    method: str = "auto",
    pc: Any = None,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = 0.0,
    maxiter: int | None = None,
    x0: Any = None,
    residual: str = "true",
    backend: str = "scipy",
    options: dict[str, Any] | str | None = None,
    raise_on_failure: bool = True,
    callback: Any = None,
    fields: dict[str, Any] | None = None,
    **method_options: Any,
) -> SolveResult:
    """Solve ``A x = b``.

    Parameters
    ----------
    A : sparse matrix, ndarray or LinearOperator
    b : ndarray (n,)
    method : str
        ``"auto"`` or a name of the method table (``pdesolve info`` lists it):
        ``"direct"``, ``"cg"``, ``"minres"``, ``"gmres"``, ``"fgmres"``, ``"bicgstab"``,
        ``"gcrodr"``, ``"rcg"``, ``"jacobi"``, ``"gauss-seidel"``, ``"sor"``, ``"ssor"``.
    pc : str, Preconditioner, LinearOperator, matrix, callable or PreconditionerFactory
        A name (``"jacobi"``, ``"ssor"``, ``"sor"``, ``"gs"``, ``"ilu"``, ``"amg"``,
        ``"fast-poisson"``) built for ``A``; a ready preconditioner, operator or matrix
        approximating ``A⁻¹``; a callable ``r -> M⁻¹ r`` (always an *apply* function); or a
        :class:`~pdesolve.linalg.PreconditionerFactory` built for ``A``. CG and MINRES refuse
        a preconditioner known to be nonsymmetric (``"sor"``, ``"gs"``, ``"ilu"``).
    rtol, atol : float
        Success means the true residual ``||b - A x|| <= max(rtol ||b||, atol)``.
    residual : {"true", "method"}
        ``"true"`` (default) confirms the true residual after the method's own test (see the
        module docstring); ``"method"`` accepts the method's own test (which residual: see
        ``result.info["residual_kind"]``).
    maxiter : int, optional
    x0 : ndarray, optional
        Initial guess (warm start).
    backend : {"scipy", "petsc"}
        ``"petsc"`` runs PETSc's KSP through petsc4py (see :mod:`pdesolve.linalg.petsc`).
    options : dict or str, optional
        PETSc options exactly as PETSc users write them (``{"ksp_type": "cg", "pc_type":
        "gamg"}`` or ``"-ksp_type cg -pc_type gamg"``); PETSc backend only.
    raise_on_failure : bool
        Raise :class:`~pdesolve.errors.ConvergenceError` when the method does not converge
        (default); with ``False`` the result comes back with ``converged=False``.
    fields : dict of str to index arrays, optional
        PETSc backend: named index sets for ``PCFIELDSPLIT`` (``W.index_sets()`` of a
        mixed space), configured through ``options`` (``fieldsplit_u_pc_type``...).
    **method_options
        Passed to the method (``restart=`` for GMRES, ``omega=`` for SOR...).

    Returns
    -------
    SolveResult
    """
    t0 = time.perf_counter()
    if backend == "petsc":
        from .petsc import petsc_solve

        result = petsc_solve(
            A,
            b,
            method=method,
            pc=pc,
            rtol=rtol,
            atol=atol,
            maxiter=maxiter,
            x0=x0,
            options=options,
            callback=callback,
            method_options=method_options,
            fields=fields,
        )
        return result.check() if raise_on_failure else result
    if backend not in ("scipy", "numpy", "default"):
        raise SolverInputError(f"unknown backend {backend!r}; use 'scipy' or 'petsc'")
    if options or fields:
        raise SolverInputError("options= and fields= are PETSc options; use backend='petsc'")
    if residual not in ("true", "method"):
        raise SolverInputError(f"residual must be 'true' or 'method', got {residual!r}")
    A, b, x0 = check_system(A, b, x0)
    A = drop_stored_zeros(A)
    auto = None
    if isinstance(method, str) and method.lower() == "auto":
        choice = choose_method(A)
        method, auto = choice.method, choice.reason
        pc = pc if pc is not None else choice.pc
        if method == "gmres":
            method_options.setdefault("restart", 40)
    row = lookup(method)
    if row.kind == "direct":
        result = direct_solve(A, b, x0)
    else:
        if not row.takes_pc and pc is not None:
            raise SolverInputError(f"{row.name} is a stationary method and takes no preconditioner")
        t_pc = time.perf_counter()
        M = as_preconditioner(pc, A)
        # a preconditioner built by the caller carries its own setup time
        pc_time = getattr(pc, "setup_time", time.perf_counter() - t_pc)
        if isinstance(pc, str | PreconditionerFactory):
            pc_time = time.perf_counter() - t_pc
        kwargs = dict(rtol=rtol, atol=atol, maxiter=maxiter, callback=callback)
        if row.takes_pc:
            kwargs["M"] = M
        result = _run(row, A, b, x0, kwargs, method_options)
        if residual == "true" and result.info.get("residual_kind", "true") != "true":
            result = _confirm_true_residual(row, A, b, result, kwargs, method_options)
        if M is not None:  # the Krylov methods name their preconditioner in result.method
            result.info["pc_setup_time"] = pc_time
    result.wall_time = time.perf_counter() - t0
    if auto is not None:
        result.info["auto"] = auto
    return result.check() if raise_on_failure else result


def _run(row: Method, A: Any, b: Any, x0: Any, kwargs: dict[str, Any],
         method_options: dict[str, Any]) -> SolveResult:  # fmt: skip
    """One call of the table's function (a recycling method: a fresh solver object)."""
    if row.kind == "recycling":
        solver = row.load()(**method_options)
        callback = kwargs.pop("callback", None)
        res = solver.solve(A, b, x0, callback=callback, raise_on_failure=False, **kwargs)
        kwargs["callback"] = callback
        return res
    return row.load()(A, b, x0, **kwargs, **method_options)


def _confirm_true_residual(
    row: Method, A: Any, b: Any, result: SolveResult, kwargs: dict[str, Any],
    method_options: dict[str, Any],
) -> SolveResult:  # fmt: skip
    """Restart from the iterate while the method's residual met the target but the true
    residual (``info["true_residual"]``) does not, each time with the tolerance tightened by
    half the ratio target/true; report ``converged=False`` if it never meets it. Iterations
    and residual histories of the restarts are added up; ``info`` is the last run's, with
    the caller's ``rtol``/``atol``/``target``."""
    target = max(kwargs["rtol"] * float(result.info.get("bnorm", 0.0)), kwargs["atol"])
    true = result.info.get("true_residual")
    restarts = 0
    while result.converged and true is not None and true > target:
        if restarts == TRUE_RESIDUAL_RESTARTS:
            result.converged = False
            result.info["reason"] = (
                f"{row.residual} residual met the target but the true residual {true:.3e} > "
                f"{target:.3e} after {restarts} restart(s): rtol is below what the method "
                "attains in this precision")  # fmt: skip
            break
        # the method's own measure was off by true/target: ask it for that much more
        tighter = dict(kwargs)
        factor = 0.5 * target / true
        tighter["rtol"], tighter["atol"] = kwargs["rtol"] * factor, kwargs["atol"] * factor
        more = _run(row, A, b, result.x, tighter, method_options)
        restarts += 1
        more.iterations += result.iterations
        more.residuals = result.residuals + more.residuals
        result, true = more, more.info.get("true_residual")
    result.info.update(true_residual_restarts=restarts, rtol=kwargs["rtol"],
                       atol=kwargs["atol"], target=target)  # fmt: skip
    return result


def drop_stored_zeros(A: Any) -> Any:
    """A copy of a CSR matrix without explicitly stored zeros (or ``A`` itself if it has none).

    FEM matrices keep zeros in their cached pattern (Dirichlet elimination, right-angle
    couplings of P1 on right triangles: 29% of the entries on a structured mesh); every SpMV
    pays for them and pyamg's aggregation degrades on them (23 instead of 14 AMG-CG iterations
    on 0.5M-dof P1 Poisson), so iterative and direct solves work on the compacted copy.
    """
    if sp.issparse(A) and A.format == "csr" and A.nnz and not A.data.all():
        A = A.copy()
        A.eliminate_zeros()
    return A
