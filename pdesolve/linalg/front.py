"""``solve()``: one front door to direct, Krylov and stationary solvers on every backend.

``method="auto"`` chooses (and says in ``result.info["auto"]`` why):

- a sparse direct solve (SuperLU) when ``n <= 50_000`` and the matrix is 2D-like sparse
  (at most 12 nonzeros per row) — LU fill stays small for such systems;
- AMG-preconditioned CG for larger symmetric matrices with a positive diagonal (pyamg's
  classical Ruge–Stüben AMG, :class:`~pdesolve.linalg.preconditioners.AMGPC`: iteration counts
  bounded under refinement);
- GMRES(40) with ILU otherwise.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from .direct import direct_solve
from .preconditioner import as_preconditioner
from .result import SolveResult
from .validate import SolverInputError, check_system

#: method name -> (module, core function) of the scipy/numpy backend, imported lazily
_METHODS = {
    "cg": ("krylov", "cg_solve"),
    "minres": ("krylov", "minres_solve"),
    "gmres": ("krylov", "gmres_solve"),
    "fgmres": ("krylov", "fgmres_solve"),
    "bicgstab": ("krylov", "bicgstab_solve"),
    "jacobi": ("stationary", "jacobi"),
    "gauss-seidel": ("stationary", "gauss_seidel"),
    "sor": ("stationary", "sor"),
    "ssor": ("stationary", "ssor"),
}
_DIRECT = {"direct", "lu", "superlu", "spsolve"}


def choose_method(A: Any) -> tuple[str, str | None, str]:
    """The (method, preconditioner, reason) that ``method="auto"`` picks for ``A``."""
    n = A.shape[0]
    if not sp.issparse(A):
        if isinstance(A, np.ndarray):
            return "direct", None, f"dense {n}x{n} matrix"
        return "gmres", None, "matrix-free operator: GMRES without preconditioner"
    A = A.tocsr()
    per_row = A.nnz / max(n, 1)
    if n <= 50_000 and per_row <= 12:
        return "direct", None, f"n={n} <= 50000 with {per_row:.1f} nonzeros/row: sparse LU"
    if _looks_spd(A):
        return "cg", "amg", f"n={n}, symmetric with positive diagonal: AMG-preconditioned CG"
    return "gmres", "ilu", f"n={n}, not symmetric positive: GMRES(40) with ILU"


def _looks_spd(A: sp.csr_matrix) -> bool:
    if (A.diagonal() <= 0).any():
        return False
    diff = abs(A - A.T)
    return diff.nnz == 0 or diff.max() <= 1e-12 * abs(A).max()


def solve(
    A: Any,
    b: Any,
    method: str = "auto",
    pc: Any = None,
    *,
    rtol: float = 1e-8,
    atol: float = 0.0,
    maxiter: int | None = None,
    x0: Any = None,
    backend: str = "scipy",
    options: dict[str, Any] | str | None = None,
    raise_on_failure: bool = True,
    callback: Any = None,
    **method_options: Any,
) -> SolveResult:
    """Solve ``A x = b``.

    Parameters
    ----------
    A : sparse matrix, ndarray or LinearOperator
    b : ndarray (n,)
    method : str
        ``"auto"``, ``"direct"``, ``"cg"``, ``"minres"``, ``"gmres"``, ``"fgmres"``,
        ``"bicgstab"``, ``"jacobi"``, ``"gauss-seidel"``, ``"sor"``, ``"ssor"``.
    pc : str, Preconditioner, LinearOperator, matrix or callable, optional
        ``"jacobi"``, ``"ssor"``, ``"sor"``, ``"gs"``, ``"ilu"``, ``"amg"`` or anything
        :func:`as_preconditioner` accepts. CG and MINRES refuse a preconditioner known to be
        nonsymmetric (``"sor"``, ``"gs"``, ``"ilu"``).
    rtol, atol : float
        Stop when the residual norm is at most ``max(rtol * ||b||, atol)`` (which residual is
        each method's: see ``result.info["residual_kind"]``).
    maxiter : int, optional
    x0 : ndarray, optional
        Initial guess (warm start).
    backend : {"scipy", "petsc"}
        ``"petsc"`` runs PETSc's KSP through petsc4py (see :mod:`pdesolve.backends.petsc`).
    options : dict or str, optional
        PETSc options exactly as PETSc users write them (``{"ksp_type": "cg", "pc_type":
        "gamg"}`` or ``"-ksp_type cg -pc_type gamg"``); PETSc backend only.
    raise_on_failure : bool
        Raise :class:`~pdesolve.errors.ConvergenceError` when the method does not converge
        (default); with ``False`` the result comes back with ``converged=False``.
    **method_options
        Passed to the method (``restart=`` for GMRES, ``omega=`` for SOR...).

    Returns
    -------
    SolveResult
    """
    t0 = time.perf_counter()
    if backend == "petsc":
        from ..backends.petsc import petsc_solve

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
        )
        return result.check() if raise_on_failure else result
    if backend not in ("scipy", "numpy", "default"):
        raise SolverInputError(f"unknown backend {backend!r}; use 'scipy' or 'petsc'")
    if options:
        raise SolverInputError("options= are PETSc options; use backend='petsc'")
    A, b, x0 = check_system(A, b, x0)
    A = drop_stored_zeros(A)
    method = method.lower()
    auto = None
    if method == "auto":
        method, auto_pc, auto = choose_method(A)
        pc = pc if pc is not None else auto_pc
        if method == "cg" and pc == "amg" and not _has_pyamg():
            pc, auto = "ssor", auto + " (pyamg missing: SSOR instead)"
        if method == "gmres":
            method_options.setdefault("restart", 40)
    if method in _DIRECT:
        result = direct_solve(A, b, x0)
    else:
        if method not in _METHODS:
            raise SolverInputError(
                f"unknown method {method!r}; choose from auto, direct, {', '.join(_METHODS)}"
            )
        module, name = _METHODS[method]
        if module != "krylov" and pc is not None:
            raise SolverInputError(f"{method} is a stationary method and takes no preconditioner")
        t_pc = time.perf_counter()
        M = as_preconditioner(pc, A)
        # a preconditioner built by the caller carries its own setup time
        pc_time = getattr(pc, "setup_time", time.perf_counter() - t_pc)
        fn = getattr(__import__(f"pdesolve.linalg.{module}", fromlist=[name]), name)
        kwargs = dict(rtol=rtol, atol=atol, maxiter=maxiter, callback=callback, **method_options)
        if module == "krylov":
            kwargs["M"] = M
        result = fn(A, b, x0, **kwargs)
        if M is not None:  # the Krylov methods name their preconditioner in result.method
            result.info["pc_setup_time"] = pc_time
    result.wall_time = time.perf_counter() - t0
    if auto is not None:
        result.info["auto"] = auto
    return result.check() if raise_on_failure else result


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


def _has_pyamg() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyamg") is not None
