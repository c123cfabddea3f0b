"""Preconditioners behind one interface: ``pc(r)`` returns ``z = M⁻¹ r``.

===================  ===========================================  =========  ======================
name                 ``M``                                        symmetric  for
===================  ===========================================  =========  ======================
``"jacobi"``         ``D / ω``                                    yes        CG, anything
``"ssor"``           ``ω/(2−ω) (D/ω + L) D⁻¹ (D/ω + U)``          yes        CG (SPD ``A``), MINRES
``"sor"``, ``"gs"``  ``D/ω + L`` (forward) or ``D/ω + U``         no         GMRES, BiCGStab
``"ilu"``            incomplete LU, ``spilu`` (threshold ILU)     no         GMRES, BiCGStab
``"amg"``            one V-cycle of pyamg's AMG (Ruge–Stüben)     yes        CG (SPD ``A``)
===================  ===========================================  =========  ======================

Every class derives from :class:`~pdesolve.linalg.preconditioner.Preconditioner` and sets
``name``, ``symmetric`` and ``setup_time``; :func:`make_preconditioner` builds one by name.
``pc(r, out=None)`` writes into ``out`` when given, so a Krylov loop can apply it without
allocating; the SOR-family kernels are the numba CSR kernels of
:mod:`pdesolve.linalg.sweeps` and read each nonzero of ``A`` once per application.

References
----------
Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM 2003: §10.2 (Jacobi,
SOR, SSOR preconditioners), §10.3–10.4 (ILU, ILUT).
J. W. Ruge and K. Stüben, "Algebraic multigrid", in *Multigrid Methods* (S. McCormick, ed.),
SIAM 1987, 73–130.
P. Vaněk, J. Mandel and M. Brezina, "Algebraic multigrid by smoothed aggregation for second and
fourth order elliptic problems", Computing 56 (1996) 179–196.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import PdesolveError
from .preconditioner import Preconditioner
from .sweeps import (
    Splitting,
    lower_solve_kernel,
    splitting,
    ssor_apply_kernel,
    upper_solve_kernel,
)
from .validate import SolverInputError

__all__ = [
    "MissingDependencyError",
    "IdentityPC",
    "JacobiPC",
    "SSORPC",
    "SORPC",
    "GaussSeidelPC",
    "ILUPC",
    "AMGPC",
    "make_preconditioner",
]


class MissingDependencyError(PdesolveError, ImportError):
    """An optional dependency (pyamg...) needed for the requested feature is not installed."""


def _flat(r: np.ndarray, n: int) -> np.ndarray:
    """``r`` as a 1-D contiguous array of length ``n`` (a view when it already is one)."""
    r = np.ascontiguousarray(r).reshape(-1)
    if r.shape[0] != n:
        raise SolverInputError(
            f"preconditioner of size {n} applied to a vector of size {r.shape[0]}"
        )
    return r


def _prepare(r: np.ndarray, out: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``r`` flattened and the output array (``out``, or a new one)."""
    r = _flat(r, n)
    if out is None:
        out = np.empty(n, dtype=np.result_type(r.dtype, np.float64))
    return r, out


def _deliver(z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    if out is None:
        return z
    out[...] = z
    return out


class _Sized(Preconditioner):
    """A preconditioner that knows its matrix's shape, so ``as_linear_operator()`` needs none."""

    shape: tuple[int, int]

    def as_linear_operator(
        self, shape: tuple[int, int] | None = None, dtype: Any = np.float64
    ) -> spla.LinearOperator:
        """The preconditioner as a scipy ``LinearOperator`` (``M=`` of scipy's Krylov methods)."""
        return spla.LinearOperator(
            self.shape if shape is None else shape,
            matvec=self,
            rmatvec=self._rmatvec,
            dtype=dtype,
        )

    def _rmatvec(self, r: np.ndarray) -> np.ndarray:
        if not self.symmetric:
            raise NotImplementedError(f"{self.name}: the transpose apply is not implemented")
        return self(r)


class IdentityPC(Preconditioner):
    """``M = I`` (no preconditioning): ``pc(r)`` returns ``r`` (or copies it into ``out``)."""

    name = "none"
    symmetric = True

    def __call__(self, r: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            return r
        out[...] = np.reshape(r, out.shape)
        return out


class JacobiPC(_Sized):
    """Jacobi (diagonal) preconditioner ``M⁻¹ = ω D⁻¹`` (Saad 2003, §10.2).

    Parameters
    ----------
    A : sparse or dense matrix
    omega : float
        Weight (``1``: plain diagonal scaling; the weight does not change CG's iterates).
    """

    name = "jacobi"
    symmetric = True

    def __init__(self, A: Any, omega: float = 1.0):
        t = time.perf_counter()
        S = splitting(A)
        self.omega = float(omega)
        self.shape = S.matrix.shape
        self._scale = self.omega * S.inv_diag
        self.setup_time = time.perf_counter() - t

    def __call__(self, r: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        r, out = _prepare(r, out, self.shape[0])
        return np.multiply(self._scale, r, out=out)


class _SplittingPC(_Sized):
    def __init__(self, A: Any, omega: float):
        t = time.perf_counter()
        if not 0.0 < omega < 2.0:
            raise SolverInputError(f"relaxation factor omega={omega} outside (0, 2)")
        self.omega = float(omega)
        self.splitting: Splitting = splitting(A)
        self.layout = self.splitting.sweep_layout  # what the kernels stream; built in setup
        self.shape = self.splitting.matrix.shape
        self.setup_time = time.perf_counter() - t


class SSORPC(_SplittingPC):
    """Symmetric SOR preconditioner (Saad 2003, §10.2)::

        M = ω/(2−ω) · (D/ω + L) D⁻¹ (D/ω + U) = 1/(ω(2−ω)) · (D + ωL) D⁻¹ (D + ωU).

    ``M⁻¹ r`` is one SSOR sweep from ``x = 0``: a forward substitution with ``D/ω + L``, a
    diagonal scaling and a backward substitution with ``D/ω + U`` — each nonzero read once. For
    symmetric ``A`` with a positive diagonal and ``0 < ω < 2``, ``M`` is SPD (``U = Lᵀ``), so
    SSOR preconditions CG and MINRES.

    Parameters
    ----------
    A : sparse or dense matrix
        Needs a nonzero diagonal.
    omega : float
        Relaxation factor in ``(0, 2)`` (``1``: symmetric Gauss–Seidel).
    """

    name = "ssor"
    symmetric = True

    def __init__(self, A: Any, omega: float = 1.0):
        super().__init__(A, omega)

    def __call__(self, r: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        S = self.splitting
        r, out = _prepare(r, out, S.n)
        L = self.layout
        ssor_apply_kernel(
            L.indptr, L.indices, L.data, L.lower, L.sub, L.sup, S.inv_diag, r, out, self.omega
        )
        return out


class SORPC(_SplittingPC):
    """SOR preconditioner ``M = D/ω + L`` (forward) or ``D/ω + U`` (backward) — Saad 2003,
    §10.2. Nonsymmetric: use it with GMRES/BiCGStab, not CG.

    Parameters
    ----------
    A : sparse or dense matrix
    omega : float
        Relaxation factor in ``(0, 2)``.
    direction : {"forward", "backward"}
    """

    name = "sor"
    symmetric = False

    def __init__(self, A: Any, omega: float = 1.0, direction: str = "forward"):
        if direction not in ("forward", "backward"):
            raise SolverInputError(f"direction must be 'forward' or 'backward', got {direction!r}")
        super().__init__(A, omega)
        self.direction = direction

    def __call__(self, r: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        S = self.splitting
        r, out = _prepare(r, out, S.n)
        L = self.layout
        if self.direction == "forward":
            lower_solve_kernel(
                L.indptr, L.indices, L.data, L.lower, L.sub, S.inv_diag, r, out, self.omega
            )
        else:
            upper_solve_kernel(
                L.indptr, L.indices, L.data, L.lower, L.sup, S.inv_diag, r, out, self.omega
            )
        return out


class GaussSeidelPC(SORPC):
    """Gauss–Seidel preconditioner ``M = D + L`` (or ``D + U``): :class:`SORPC` with ω = 1."""

    name = "gs"

    def __init__(self, A: Any, direction: str = "forward"):
        super().__init__(A, 1.0, direction)


class ILUPC(_Sized):
    """Incomplete LU with threshold dropping (SuperLU's ILUTP via ``scipy.sparse.linalg.spilu``;
    Saad 2003, §10.4).

    Parameters
    ----------
    A : sparse or dense matrix
    drop_tol : float
        Drop entries smaller than this (relative); smaller keeps more fill.
    fill_factor : float
        Upper bound on ``nnz(L+U) / nnz(A)``.
    **options
        Further ``spilu`` keywords (``drop_rule``, ``permc_spec``, ``diag_pivot_thresh``...).
    """

    name = "ilu"
    symmetric = False

    def __init__(self, A: Any, drop_tol: float = 1e-4, fill_factor: float = 10.0, **options: Any):
        t = time.perf_counter()
        if isinstance(A, spla.LinearOperator):
            raise SolverInputError("ILU needs the matrix entries, not a LinearOperator")
        M = sp.csc_matrix(A)
        if M.shape[0] != M.shape[1]:
            raise SolverInputError(f"A must be square, got shape {M.shape}")
        if M.dtype != np.result_type(M.dtype, np.float64):
            M = M.astype(np.result_type(M.dtype, np.float64))
        try:
            self.factor = spla.spilu(M, drop_tol=drop_tol, fill_factor=fill_factor, **options)
        except RuntimeError as exc:  # "Factor is exactly singular"
            raise SolverInputError(
                f"ILU factorisation failed ({exc}); lower drop_tol, raise fill_factor, or use "
                "another preconditioner"
            ) from exc
        self.shape = M.shape
        self.drop_tol, self.fill_factor = drop_tol, fill_factor
        self.fill = (self.factor.L.nnz + self.factor.U.nnz) / max(M.nnz, 1)
        self.setup_time = time.perf_counter() - t

    def __call__(self, r: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return _deliver(self.factor.solve(_flat(r, self.shape[0])), out)

    def _rmatvec(self, r: np.ndarray) -> np.ndarray:
        return self.factor.solve(_flat(r, self.shape[0]), trans="T")


class AMGPC(_Sized):
    """Algebraic multigrid preconditioner: one pyamg cycle, classical Ruge–Stüben AMG by default
    (Ruge–Stüben 1987) or smoothed aggregation (``kind="sa"``; Vaněk, Mandel and Brezina 1996).

    Ruge–Stüben is the default because on P1 Poisson it needs fewer CG iterations than pyamg's
    smoothed aggregation (6 against 14 at 0.5M dofs, rtol 1e-8) for a similar setup cost, and
    the whole solve is faster (``benchmarks/solvers.py`` times both).

    With pyamg's default symmetric Gauss–Seidel smoothing the V-cycle is a symmetric operator,
    SPD for SPD ``A`` — use it with CG. Iteration counts stay bounded under mesh refinement for
    elliptic problems.

    Parameters
    ----------
    A : sparse matrix
    kind : {"sa", "rs"}
        ``"sa"``: smoothed aggregation (``pyamg.smoothed_aggregation_solver``); ``"rs"``:
        classical Ruge–Stüben (``pyamg.ruge_stuben_solver``).
    cycle : {"V", "W", "F", "AMLI"}
    **options
        Passed to the pyamg solver constructor (``strength``, ``max_coarse``, ``B``,
        ``presmoother``...).

    Attributes
    ----------
    hierarchy : pyamg.multilevel.MultilevelSolver
        The multigrid hierarchy (levels, ``operator_complexity()``...).
    """

    name = "amg"
    symmetric = True

    def __init__(self, A: Any, kind: str = "rs", cycle: str = "V", **options: Any):
        t = time.perf_counter()
        try:
            import pyamg
        except ImportError as exc:
            raise MissingDependencyError(
                "the AMG preconditioner needs pyamg: pip install 'pdesolve[amg]' (or pyamg), "
                "or use pc='ssor' / pc='ilu'"
            ) from exc
        if isinstance(A, spla.LinearOperator):
            raise SolverInputError("AMG needs the matrix entries, not a LinearOperator")
        M = sp.csr_matrix(A)
        if M.dtype != np.result_type(M.dtype, np.float64):
            M = M.astype(np.result_type(M.dtype, np.float64))
        builders = {"sa": pyamg.smoothed_aggregation_solver, "rs": pyamg.ruge_stuben_solver}
        if kind not in builders:
            raise SolverInputError(f"unknown AMG kind {kind!r}; use 'sa' or 'rs'")
        if M.nnz and not M.data.all():  # stored zeros spoil aggregation (see front.py)
            M = M.copy()
            M.eliminate_zeros()
        self.kind, self.cycle = kind, cycle
        self.hierarchy = builders[kind](M, **options)
        self._op = self.hierarchy.aspreconditioner(cycle=cycle)
        self.shape = M.shape
        self.setup_time = time.perf_counter() - t

    def __call__(self, r: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return _deliver(self._op.matvec(_flat(r, self.shape[0])), out)


_NAMES: dict[str, Any] = {
    "none": IdentityPC,
    "identity": IdentityPC,
    "jacobi": JacobiPC,
    "ssor": SSORPC,
    "sor": SORPC,
    "gs": GaussSeidelPC,
    "gauss-seidel": GaussSeidelPC,
    "gauss_seidel": GaussSeidelPC,
    "ilu": ILUPC,
    "spilu": ILUPC,
    "amg": AMGPC,
    "pyamg": AMGPC,
    "fast-poisson": "fast_poisson",
}


def _fast_poisson(A: Any, scaling: str = "none") -> Preconditioner:
    """The sine-transform Poisson solve for a five-point matrix on an ``s x s`` grid."""
    from .fast_poisson import FastPoissonPC

    s = int(round(np.sqrt(A.shape[0])))
    if s * s != A.shape[0]:
        raise SolverInputError(f"'fast-poisson' needs an s x s grid; n={A.shape[0]} is no square")
    return FastPoissonPC(s, A, scaling)


def make_preconditioner(name: str, A: Any = None, **options: Any) -> Preconditioner:
    """Build a preconditioner for ``A`` by name.

    Parameters
    ----------
    name : str
        ``"jacobi"``, ``"ssor"``, ``"sor"``, ``"gs"``/``"gauss-seidel"``, ``"ilu"``,
        ``"amg"``/``"pyamg"``, ``"fast-poisson"`` (five-point matrices on a square, option
        ``scaling=``: :class:`~pdesolve.linalg.fast_poisson.FastPoissonPC`), or ``"none"``
        (identity). Case-insensitive.
    A : matrix
        The system matrix (not needed for ``"none"``).
    **options
        Passed to the class: ``omega=`` (Jacobi, SSOR, SOR), ``direction=`` (SOR, GS),
        ``drop_tol=``/``fill_factor=`` (ILU), ``kind=``/``cycle=`` and pyamg options (AMG).
    """
    key = name.lower().strip()
    if key not in _NAMES:
        raise SolverInputError(
            f"unknown preconditioner {name!r}; choose from {', '.join(sorted(set(_NAMES)))}"
        )
    cls = _NAMES[key]
    if cls == "fast_poisson":
        cls = _fast_poisson
    if cls is IdentityPC:
        return IdentityPC()
    if A is None:
        raise SolverInputError(f"preconditioner {name!r} needs the matrix A")
    return cls(A, **options)
