r"""Solving a chunk of related systems: a direct path and the sequence path, chosen by size.

``solver="direct"``
    SuperLU per distinct matrix (a chunk sharing one matrix — multiple right-hand sides — is
    factorised once).
``solver="sequence"``
    :func:`pdesolve.linalg.solve_sequence`: the chunk is ordered greedily by its features
    (SKR, Alg. 1), each solve warm-starts from the previous one, preconditioned by a fast
    Poisson solver when the recipe's operator is a five-point stencil on a square
    (:class:`~pdesolve.linalg.fast_poisson.FastPoissonPC`), else by a recycling Krylov method
    with AMG or ILU (as :func:`pdesolve.linalg.choose_method` says for a sequence).
``solver=<method>``
    Any method of the method table (:mod:`pdesolve.linalg.methods`: ``"cg"``, ``"gcrodr"``,
    ``"rcg"``…): the sequence path with that method.
``solver="auto"``
    :func:`pdesolve.linalg.choose_method` on the recipe's five-point systems: ``direct`` up to
    1024 unknowns when the fast preconditioner is mesh-independent for the operator, up to
    50 000 when it is not (Helmholtz) or there is none, ``sequence`` above.

Whichever path, the true relative residual ``‖b − A x‖₂ / ‖b‖₂`` of every solution is computed
and returned. Every iterative method of :func:`pdesolve.linalg.solve` /
:func:`~pdesolve.linalg.solve_sequence` stops on that residual (``rtol`` means the same
everywhere), so nothing is re-solved here.

The fast Poisson preconditioner is :class:`pdesolve.linalg.fast_poisson.FastPoissonPC`; the
choice of ``auto`` is :func:`pdesolve.linalg.choose_method`'s.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..linalg.methods import DEFAULT_RTOL, METHODS, method_names
from .errors import DatagenError

__all__ = ["choose_solver", "solve_chunk", "relative_residual", "SOLVERS"]

#: datagen's solver choices: the two paths and every method of the method table (a method
#: name other than ``direct`` runs the sequence path with that method)
SOLVERS = ("auto", "sequence", *method_names())
_ALIASES = {alias for m in METHODS for alias in m.aliases}


def choose_solver(solver: str, n: int, has_fast_pc: bool, spd: bool = True) -> str:
    """Resolve ``"auto"`` to ``"direct"`` or ``"sequence"`` for five-point systems of size
    ``n``, by :func:`pdesolve.linalg.choose_method` (the one ``auto`` policy)."""
    if solver not in SOLVERS and solver not in _ALIASES:
        raise DatagenError(f"unknown solver {solver!r}; choose from {', '.join(SOLVERS)}")
    from ..linalg.methods import choose_method, lookup

    if solver == "sequence":
        return solver
    if solver != "auto":
        return lookup(solver).name

    choice = choose_method(n=n, nnz_per_row=5.0, spd=spd,
                           fast_pc="fast-poisson" if has_fast_pc else None, sequence=True)
    return "direct" if choice.method == "direct" else "sequence"


def relative_residual(A: Any, b: np.ndarray, x: np.ndarray) -> float:
    """``‖b − A x‖₂ / ‖b‖₂`` (the absolute residual if ``b = 0``)."""
    nb = float(np.linalg.norm(b))
    r = float(np.linalg.norm(b - A @ x))
    return r / nb if nb > 0 else r


def _direct(systems: Sequence[tuple[Any, np.ndarray]]) -> list[np.ndarray]:
    xs, lu, last = [], None, None
    for A, b in systems:
        if A is not last:
            lu, last = spla.splu(sp.csc_matrix(A)), A
        xs.append(lu.solve(np.asarray(b, dtype=float)))
    return xs


def solve_chunk(
    systems: Sequence[tuple[Any, np.ndarray]],
    *,
    solver: str = "auto",
    rtol: float = DEFAULT_RTOL,
    features: np.ndarray | None = None,
    pc: Any = None,
    symmetric: bool = True,
    method: str | None = None,
) -> tuple[list[np.ndarray], np.ndarray, dict[str, Any]]:
    """Solve the systems of one chunk.

    Parameters
    ----------
    systems : sequence of (A, b)
    solver : {"auto", "direct", "sequence"}
    rtol : float
        Relative tolerance of the iterative path on the true residual (direct solves reach
        rounding level).
    features : ndarray (N, ...), optional
        Ordering features of the sequence path (the coefficient fields).
    pc : PreconditionerFactory, optional
        Per-matrix preconditioner (e.g. :meth:`FastPoissonPC.factory
        <pdesolve.linalg.fast_poisson.FastPoissonPC.factory>`).
    symmetric : bool
        SPD systems (CG) or not (GMRES).
    method : str, optional
        Override the sequence path's method (``"cg"``, ``"gmres"``, ``"rcg"``, ``"gcrodr"``).

    Returns
    -------
    xs : list of ndarray
    residuals : ndarray
        True relative residuals.
    info : dict
        ``solver`` (resolved), ``method``, ``iterations`` (total), ``seconds``.
    """
    t0 = time.perf_counter()
    if not systems:
        return [], np.zeros(0), {"solver": solver, "iterations": 0, "seconds": 0.0}
    n = systems[0][0].shape[0]
    resolved = choose_solver(solver, n, pc is not None, symmetric)
    if resolved not in ("direct", "sequence"):
        method, resolved = resolved, "sequence"
    info: dict[str, Any] = {"solver": resolved, "iterations": 0}
    if resolved == "direct":
        xs = _direct(systems)
        info["method"] = "superlu"
    else:
        from ..linalg.methods import choose_method
        from ..linalg.sequence import solve_sequence

        if method is None:
            choice = choose_method(n=n, nnz_per_row=5.0, spd=symmetric, sequence=True,
                                   fast_pc=None if pc is None else "fast-poisson")  # fmt: skip
            method, pc = choice.method, pc if pc is not None else choice.pc
            info["auto"] = choice.reason
        res = solve_sequence(
            list(systems), features=features, method=method, pc=pc, rtol=rtol,
            warm_start="previous", order="greedy" if features is not None else "none",
        )  # fmt: skip
        xs = list(res.x)
        info["method"] = res.method
        info["iterations"] = res.total_iterations
    residuals = np.array([relative_residual(A, b, x)
                          for (A, b), x in zip(systems, xs, strict=True)])  # fmt: skip
    info["seconds"] = time.perf_counter() - t0
    return xs, residuals, info
