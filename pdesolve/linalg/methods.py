r"""The method table: one record per linear solver, read by everything that names a method.

:func:`~pdesolve.linalg.solve`, :func:`~pdesolve.linalg.solve_sequence`, relaxation tuning,
the PETSc backend, datagen and ``pdesolve info`` all look methods up here; adding a Krylov
method means writing its file and adding one :data:`METHODS` row.

Columns (:class:`Method`):

- ``name``, ``aliases``: what callers write (case-insensitive);
- ``kind``: ``"direct"``, ``"krylov"``, ``"stationary"`` or ``"recycling"``;
- ``target``: ``"module:function"`` (or ``module:Class`` for a recycling solver object);
- ``matrices``: ``"spd"``, ``"symmetric"`` (indefinite allowed) or ``"any"``;
- ``takes_pc``: whether a preconditioner ``pc=`` is accepted;
- ``residual``: which residual the method's own stopping test reads (``"true"``
  ``‖b − Ax‖``, ``"recursive"`` — the recurrence, equal to the true one in exact
  arithmetic —, ``"estimate"`` — MINRES' recurrence estimate, in the ``M``-norm with a
  preconditioner); :func:`~pdesolve.linalg.solve` always confirms the true residual at the end;
- ``relaxation``: whether the method has a relaxation factor ω tunable by
  :func:`~pdesolve.linalg.tune_relaxation`;
- ``petsc``: the PETSc KSP type it maps onto (``None``: no KSP equivalent, the PETSc backend
  refuses it by name), and for stationary methods the PC type and SOR sweep that define it.

``rtol`` means one thing everywhere: the solve succeeds when the true residual satisfies
``‖b − A x‖₂ ≤ max(rtol ‖b‖₂, atol)``; :data:`DEFAULT_RTOL` is the default of ``solve``,
``solve_sequence``, the ``*_solve`` functions, the time layer's linear solves and datagen. The
scipy drop-ins (``cg``, ``gmres``…) keep scipy's ``rtol=1e-5``.

:func:`choose_method` is the single ``method="auto"`` policy.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
import scipy.sparse as sp

from .validate import SolverInputError

__all__ = [
    "DEFAULT_RTOL", "METHODS", "Method", "AutoChoice", "lookup", "method_names",
    "choose_method", "DIRECT_MAX_N", "DIRECT_MAX_N_FAST_PC",
]  # fmt: skip

#: the default relative tolerance on the true residual ``‖b − Ax‖ ≤ rtol ‖b‖`` (float32
#: systems need ``rtol ≳ 1e-5``: their residual stalls near ``1e3 ε₃₂ κ``)
DEFAULT_RTOL = 1e-8
#: ``auto`` solves sparse systems with at most 12 nonzeros per row directly up to this size
DIRECT_MAX_N = 50_000
#: ... and up to this size only when a fast (mesh-independent) preconditioner is at hand
DIRECT_MAX_N_FAST_PC = 1024

Kind = Literal["direct", "krylov", "stationary", "recycling"]


@dataclass(frozen=True)
class Method:
    """One row of the method table (see the module docstring for the columns)."""

    name: str
    kind: Kind
    target: str
    summary: str
    aliases: tuple[str, ...] = ()
    matrices: Literal["spd", "symmetric", "any"] = "any"
    takes_pc: bool = True
    residual: Literal["true", "recursive", "estimate"] = "true"
    relaxation: bool = False
    petsc: str | None = None
    petsc_pc: tuple[str, str | None] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The name and its aliases."""
        return (self.name, *self.aliases)

    @property
    def symmetric_only(self) -> bool:
        """Whether the method needs a symmetric matrix (and a symmetric preconditioner)."""
        return self.matrices in ("spd", "symmetric")

    def load(self) -> Any:
        """The function (or recycling class) that implements the method."""
        module, attr = self.target.split(":")
        return getattr(importlib.import_module(f"pdesolve.linalg.{module}"), attr)


METHODS: tuple[Method, ...] = (
    Method("direct", "direct", "direct:direct_solve", "sparse LU (SuperLU)",
           aliases=("lu", "superlu", "spsolve"), takes_pc=False, petsc="preonly",
           petsc_pc=("lu", None)),
    Method("cg", "krylov", "krylov:cg_solve", "conjugate gradients",
           matrices="spd", residual="recursive", petsc="cg"),
    Method("minres", "krylov", "krylov:minres_solve", "MINRES (symmetric indefinite)",
           matrices="symmetric", residual="estimate", petsc="minres"),
    Method("gmres", "krylov", "krylov:gmres_solve", "restarted GMRES (right pc by default)",
           petsc="gmres"),
    Method("fgmres", "krylov", "krylov:fgmres_solve", "flexible GMRES (variable pc)",
           petsc="fgmres"),
    Method("bicgstab", "krylov", "krylov:bicgstab_solve", "BiCGStab", residual="recursive",
           petsc="bcgs"),
    Method("gcrodr", "recycling", "recycling:GCRODR", "GCRO-DR(m, k), recycles across solves",
           aliases=("gcro-dr",)),
    Method("rcg", "recycling", "recycling:RecycledCG", "recycled (deflated) CG, SPD",
           aliases=("recycled-cg",), matrices="spd"),
    Method("jacobi", "stationary", "stationary:jacobi", "(weighted) Jacobi iteration",
           takes_pc=False, petsc="richardson", petsc_pc=("jacobi", None)),
    Method("gauss-seidel", "stationary", "stationary:gauss_seidel", "Gauss-Seidel iteration",
           aliases=("gs", "gauss_seidel"), takes_pc=False, petsc="richardson",
           petsc_pc=("sor", "forward")),
    Method("sor", "stationary", "stationary:sor", "SOR (Young's optimal omega by default)",
           takes_pc=False, relaxation=True, petsc="richardson", petsc_pc=("sor", "forward")),
    Method("ssor", "stationary", "stationary:ssor", "symmetric SOR iteration",
           takes_pc=False, relaxation=True, petsc="richardson",
           petsc_pc=("sor", "symmetric")),
)  # fmt: skip

_BY_NAME: dict[str, Method] = {alias: m for m in METHODS for alias in m.names}
if len(_BY_NAME) != sum(len(m.names) for m in METHODS):  # pragma: no cover - table defect
    raise RuntimeError("two methods share a name or alias in the method table")


def method_names(kind: str | None = None) -> list[str]:
    """Canonical names (of one ``kind``, or all), in table order."""
    return [m.name for m in METHODS if kind is None or m.kind == kind]


def lookup(name: Any) -> Method:
    """The table row of ``name`` (or an alias); :class:`SolverInputError` when unknown."""
    if not isinstance(name, str):
        raise SolverInputError(f"method must be a name, got {type(name).__name__}")
    key = name.lower().strip()
    if key not in _BY_NAME:
        raise SolverInputError(
            f"unknown method {name!r}; choose from auto, {', '.join(method_names())}"
        )
    return _BY_NAME[key]


class AutoChoice(NamedTuple):
    """What ``method="auto"`` decided: method, preconditioner name and the reason."""

    method: str
    pc: str | None
    reason: str


def choose_method(
    A: Any = None,
    *,
    n: int | None = None,
    nnz_per_row: float | None = None,
    spd: bool | None = None,
    fast_pc: str | None = None,
    sequence: bool = False,
) -> AutoChoice:
    """The one ``method="auto"`` policy (``solve``, ``solve_sequence`` and datagen call it).

    1. dense arrays: LU; matrix-free operators: GMRES without preconditioner;
    2. sparse LU when fill stays small — at most 12 nonzeros per row (2D-like stencils) and
       ``n ≤`` :data:`DIRECT_MAX_N`, or ``n ≤`` :data:`DIRECT_MAX_N_FAST_PC` when the caller
       has a fast mesh-independent preconditioner ``fast_pc`` (then Krylov with it wins
       above: the fast sine-transform Poisson solve costs two FFTs per iteration);
    3. ``fast_pc`` given: CG (SPD) or GMRES with it;
    4. SPD (symmetric, positive diagonal): AMG-preconditioned CG (recycled CG for a
       ``sequence``), SSOR when pyamg is missing;
    5. otherwise GMRES(40) with ILU (GCRO-DR with ILU for a ``sequence``).

    ``n``, ``nnz_per_row`` and ``spd`` describe the matrix when ``A`` is not at hand.
    """
    if A is not None:
        n = A.shape[0]
        if not sp.issparse(A):
            if isinstance(A, np.ndarray):
                return AutoChoice("direct", None, f"dense {n}x{n} matrix: LU")
            return AutoChoice("gmres", None, "matrix-free operator: GMRES without preconditioner")
        A = A.tocsr()
        nnz_per_row = A.nnz / max(n, 1)
        if spd is None:
            spd = _looks_spd(A)
    if n is None:
        raise SolverInputError("choose_method needs A or n")
    per_row = 5.0 if nnz_per_row is None else float(nnz_per_row)
    limit = DIRECT_MAX_N_FAST_PC if fast_pc else DIRECT_MAX_N
    if per_row <= 12 and n <= limit:
        why = f" (a fast preconditioner wins above {limit})" if fast_pc else ""
        return AutoChoice("direct", None,
                          f"n={n} <= {limit} with {per_row:.1f} nonzeros/row: sparse LU{why}")
    if fast_pc:
        method = "cg" if spd else "gmres"
        return AutoChoice(method, fast_pc, f"n={n} > {limit}: {method} with {fast_pc}")
    if spd:
        method = "rcg" if sequence else "cg"
        if not _has_pyamg():
            return AutoChoice(method, "ssor", f"n={n}, SPD: SSOR-{method} (pyamg missing)")
        return AutoChoice(method, "amg", f"n={n}, symmetric with positive diagonal: "
                          f"AMG-preconditioned {method}")  # fmt: skip
    method = "gcrodr" if sequence else "gmres"
    return AutoChoice(method, "ilu", f"n={n}, not symmetric positive: {method} with ILU")


def _looks_spd(A: sp.csr_matrix) -> bool:
    if (A.diagonal() <= 0).any():
        return False
    diff = abs(A - A.T)
    return diff.nnz == 0 or diff.max() <= 1e-12 * abs(A).max()


def _has_pyamg() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyamg") is not None
