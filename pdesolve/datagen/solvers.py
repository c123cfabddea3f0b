r"""Solving a chunk of related systems: a direct path and the sequence path, chosen by size.

``solver="direct"``
    SuperLU per distinct matrix (a chunk sharing one matrix — multiple right-hand sides — is
    factorised once).
``solver="sequence"``
    :func:`pdesolve.linalg.solve_sequence`: the chunk is ordered greedily by its features
    (SKR, Alg. 1), each solve warm-starts from the previous one, preconditioned by a fast
    Poisson solver when the recipe's operator is a five-point stencil on a square
    (:class:`FastPoissonPC`), else by the recycling Krylov method alone.
``solver="auto"``
    ``direct`` below :data:`DIRECT_MAX_N` unknowns (or when no fast preconditioner applies and
    n ≤ 50 000, where sparse LU of a 2D stencil is hard to beat), ``sequence`` above.

Whichever path, the true relative residual ``‖b − A x‖₂ / ‖b‖₂`` of every solution is computed
and returned, and an iterative solution above the tolerance is polished by a second solve (its
own stopping test may be on a preconditioned residual).

Fast Poisson preconditioner. The five-point matrix ``L`` (diagonal 4, neighbours −1) on ``s x s``
interior nodes is diagonalised by the type-I sine transform, ``L = S Λ S`` with
``Λ_ij = 4 − 2 cos(π i/(s+1)) − 2 cos(π j/(s+1))``, so ``L⁻¹ r`` costs two FFTs (Buzbee, Golub
& Nielson 1970) — or, when ``2(s+1)`` has a prime factor above 7 (``s = 100``: 202 = 2·101,
where the FFT is several times slower), four dense ``s x s`` products with the orthonormal sine
matrix. For ``−∇·(a∇u)`` with ``a ∈ [a₋, a₊]``, ``a₋ L ≤ A ≤ a₊ L`` and CG preconditioned by
``L⁻¹`` needs ``O(√(a₊/a₋) log(1/tol))`` iterations independent of the mesh (Concus & Golub
1973). For SKR's ``A = L D_a`` (``−Δ(a u)``), ``D_a⁻¹ L⁻¹`` is the exact inverse, and for
their Helmholtz matrix ``L D_a − h²k² I`` it leaves ``I − h²k² D_a⁻¹L⁻¹``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import scipy.fft as sfft
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .errors import DatagenError

__all__ = [
    "DIRECT_MAX_N", "DIRECT_MAX_N_NO_PC", "FastPoissonPC", "choose_solver", "solve_chunk",
    "SOLVERS",
]  # fmt: skip

SOLVERS = ("auto", "direct", "sequence")
#: ``auto`` solves systems up to this size directly when a fast preconditioner is available
DIRECT_MAX_N = 1024
#: ... and up to this size when none is (or when it is a poor one: Helmholtz)
DIRECT_MAX_N_NO_PC = 50_000
Scaling = Literal["none", "symmetric", "left"]


class FastPoissonPC:
    """``r -> D_l L⁻¹ D_r r``: the fast sine-transform Poisson solve, optionally diagonally scaled.

    Parameters
    ----------
    s : int
        Interior nodes per side (``n = s²``, row-major numbering).
    A : sparse matrix, optional
        The system matrix; its diagonal ``d = diag(A) / 4`` scales the solve.
    scaling : {"none", "symmetric", "left"}
        ``"none"``: ``L⁻¹`` (symmetric Darcy with a rough coefficient); ``"symmetric"``:
        ``D^{-1/2} L⁻¹ D^{-1/2}`` (smooth coefficients, stays SPD); ``"left"``: ``D⁻¹ L⁻¹`` (SKR's
        ``A = L D_a``, exact for it).
    """

    def __init__(self, s: int, A: Any = None, scaling: Scaling = "none"):
        if scaling not in ("none", "symmetric", "left"):
            raise DatagenError(f"scaling must be 'none', 'symmetric' or 'left', not {scaling!r}")
        self.s = int(s)
        c = np.cos(np.pi * np.arange(1, s + 1) / (s + 1))
        self.eig = 4.0 - 2.0 * c[:, None] - 2.0 * c[None, :]
        self.sine = None  # dense orthonormal DST-I matrix when the FFT length is awkward
        if s <= 512 and sfft.next_fast_len(2 * (s + 1), real=True) != 2 * (s + 1):
            k = np.arange(1, s + 1)
            self.sine = np.sqrt(2.0 / (s + 1)) * np.sin(np.pi * np.outer(k, k) / (s + 1))
        self.scaling = scaling
        self.d = None
        if scaling != "none":
            if A is None:
                raise DatagenError(f"scaling={scaling!r} needs the matrix")
            self.d = np.asarray(A.diagonal(), dtype=float) / 4.0
            if (self.d <= 0).any():
                raise DatagenError("fast Poisson scaling needs a positive diagonal")
            self._root = 1.0 / np.sqrt(self.d)

    def poisson(self, r: np.ndarray) -> np.ndarray:
        """``L⁻¹ r`` by two orthonormal type-I sine transforms."""
        r2 = np.asarray(r, dtype=float).reshape(self.s, self.s)
        if self.sine is not None:
            S = self.sine  # symmetric and orthogonal: S⁻¹ = S
            return (S @ (((S @ r2 @ S) / self.eig) @ S)).ravel()
        y = sfft.dstn(r2, type=1, norm="ortho", workers=1)
        return sfft.idstn(y / self.eig, type=1, norm="ortho", workers=1).ravel()

    def __call__(self, r: np.ndarray) -> np.ndarray:
        if self.scaling == "none":
            return self.poisson(r)
        if self.scaling == "symmetric":
            return self._root * self.poisson(self._root * r)
        return self.poisson(r) / self.d

    @classmethod
    def factory(cls, s: int, scaling: Scaling) -> Callable[[Any], FastPoissonPC]:
        """``A -> FastPoissonPC(s, A, scaling)``: a per-matrix preconditioner for a sequence."""
        base = cls(s)

        def make(A: Any) -> FastPoissonPC:
            pc = cls.__new__(cls)
            pc.s, pc.eig, pc.sine, pc.scaling, pc.d = base.s, base.eig, base.sine, scaling, None
            if scaling != "none":
                pc.d = np.asarray(A.diagonal(), dtype=float) / 4.0
                pc._root = 1.0 / np.sqrt(pc.d)
            return pc

        return make


def choose_solver(solver: str, n: int, has_fast_pc: bool) -> str:
    """Resolve ``"auto"`` to ``"direct"`` or ``"sequence"`` for systems of size ``n``."""
    if solver not in SOLVERS:
        raise DatagenError(f"unknown solver {solver!r}; choose from {', '.join(SOLVERS)}")
    if solver != "auto":
        return solver
    if has_fast_pc:
        return "direct" if n <= DIRECT_MAX_N else "sequence"
    return "direct" if n <= DIRECT_MAX_N_NO_PC else "sequence"


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
    rtol: float = 1e-8,
    features: np.ndarray | None = None,
    pc: Callable[[Any], Any] | None = None,
    symmetric: bool = True,
    method: str | None = None,
) -> tuple[list[np.ndarray], np.ndarray, dict[str, Any]]:
    """Solve the systems of one chunk.

    Parameters
    ----------
    systems : sequence of (A, b)
    solver : {"auto", "direct", "sequence"}
    rtol : float
        Relative tolerance of the iterative path; every returned solution has a true relative
        residual at most ``rtol`` (direct solves reach rounding level).
    features : ndarray (N, ...), optional
        Ordering features of the sequence path (the coefficient fields).
    pc : callable ``A -> preconditioner``, optional
        Per-matrix preconditioner factory (e.g. :meth:`FastPoissonPC.factory`).
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
    resolved = choose_solver(solver, n, pc is not None)
    info: dict[str, Any] = {"solver": resolved, "iterations": 0}
    if resolved == "direct":
        xs = _direct(systems)
        info["method"] = "superlu"
    else:
        from ..linalg.sequence import solve_sequence

        if method is None:
            method = ("cg" if pc is not None else "rcg") if symmetric else (
                "gmres" if pc is not None else "gcrodr")
        res = solve_sequence(
            list(systems), features=features, method=method, pc=pc, rtol=rtol,
            warm_start="previous", order="greedy" if features is not None else "none",
        )  # fmt: skip
        xs = list(res.x)
        info["method"] = res.method
        info["iterations"] = res.total_iterations
    residuals = np.array([relative_residual(A, b, x) for (A, b), x in zip(systems, xs,
                                                                          strict=True)])
    for i in np.flatnonzero(residuals > rtol):
        if resolved == "direct":
            continue  # rounding-level already; reported as is
        # the method's own test may be on a preconditioned residual: polish to the true one
        A, b = systems[i]
        from ..linalg.front import solve

        target = rtol * rtol / residuals[i] / 10.0
        more = solve(A, b, method="cg" if symmetric else "gmres", pc=pc(A) if pc else None,
                     x0=xs[i], rtol=target)  # fmt: skip
        xs[i] = more.x
        info["iterations"] += more.iterations
        residuals[i] = relative_residual(A, b, xs[i])
    info["seconds"] = time.perf_counter() - t0
    return xs, residuals, info
