"""PETSc backend (petsc4py): matrices and vectors across the boundary, and KSP solves driven by
PETSc options exactly as PETSc users write them. Every conversion to and from PETSc objects lives
in this module.

- :func:`to_petsc` wraps a scipy CSR matrix as a PETSc AIJ matrix; with int32 indices (PETSc's
  default ``PetscInt``) the index arrays are passed without conversion copies.
- :class:`RowBlock` is a matrix distributed by contiguous row blocks over the ranks of an MPI
  communicator, each rank holding its rows as a local CSR ``(n_local, N)``; ``petsc_solve``
  solves it with PETSc's parallel KSP under ``mpiexec -n P``.
- :func:`petsc_solve` maps pdesolve's method/preconditioner names onto KSP/PC types, then
  applies user ``options`` (a dict ``{"ksp_type": "cg", "pc_type": "gamg"}`` or a string
  ``"-ksp_type cg -pc_type gamg -ksp_monitor"``) under a private prefix, so they never leak into
  PETSc's global options database.

Reference: Balay et al., PETSc/TAO Users Manual (ANL-21/39); Dalcin et al., petsc4py, Adv.
Water Resources 34 (2011).
"""

from __future__ import annotations

import itertools
import shlex
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import PdesolveError
from ..linalg.result import SolveResult

_KSP_OF_METHOD = {
    "cg": "cg",
    "minres": "minres",
    "gmres": "gmres",
    "fgmres": "fgmres",
    "bicgstab": "bcgs",
    "direct": "preonly",
    "lu": "preonly",
    "superlu": "preonly",
    "jacobi": "richardson",
    "auto": None,
}
_PC_OF_NAME = {
    None: None,
    "none": "none",
    "jacobi": "jacobi",
    "ssor": "sor",
    "sor": "sor",
    "ilu": "ilu",
    "amg": "gamg",
    "gamg": "gamg",
    "lu": "lu",
    "cholesky": "cholesky",
    "hypre": "hypre",
}
_prefixes = itertools.count()


def petsc4py_module():
    """Import petsc4py's ``PETSc`` (initialised with ``sys.argv``-free defaults) or explain."""
    try:
        import petsc4py

        petsc4py.init([])
        from petsc4py import PETSc
    except ImportError as exc:  # pragma: no cover - exercised where petsc4py is missing
        raise PdesolveError(
            "backend='petsc' needs petsc4py: pip install 'pdesolve[petsc]' (PETSc builds from "
            "source; see README)"
        ) from exc
    return PETSc


@dataclass
class RowBlock:
    """Rows ``[row_start, row_start + local.shape[0])`` of a global ``N x N`` matrix, on this
    rank of ``comm``; ``local`` is scipy CSR of shape (n_local, N) in global column numbers."""

    local: sp.csr_matrix
    row_start: int
    comm: Any

    @property
    def shape(self) -> tuple[int, int]:
        n = self.comm.allreduce(self.local.shape[0])
        return (n, n)

    @classmethod
    def split(cls, A: sp.spmatrix, comm: Any) -> RowBlock:
        """This rank's block of a matrix known on every rank (even split of the rows)."""
        n = A.shape[0]
        size, rank = comm.Get_size(), comm.Get_rank()
        bounds = np.linspace(0, n, size + 1).astype(int)
        lo, hi = bounds[rank], bounds[rank + 1]
        return cls(sp.csr_matrix(A)[lo:hi], int(lo), comm)


def _index(a: np.ndarray, PETSc) -> np.ndarray:
    dtype = PETSc.IntType
    return a if a.dtype == dtype else a.astype(dtype)


def to_petsc(A: sp.spmatrix | RowBlock, comm: Any = None):
    """A PETSc AIJ matrix from scipy CSR (or a :class:`RowBlock` on its communicator)."""
    PETSc = petsc4py_module()
    if isinstance(A, RowBlock):
        local = A.local.tocsr()
        n_local, N = local.shape
        mat = PETSc.Mat().createAIJ(
            size=((n_local, PETSc.DECIDE), (n_local, PETSc.DECIDE)),
            csr=(_index(local.indptr, PETSc), _index(local.indices, PETSc), local.data),
            comm=A.comm,
        )
    else:
        csr = sp.csr_matrix(A)
        csr.sort_indices()
        mat = PETSc.Mat().createAIJ(
            size=csr.shape,
            csr=(_index(csr.indptr, PETSc), _index(csr.indices, PETSc), csr.data),
            comm=comm or PETSc.COMM_SELF,
        )
    mat.assemble()
    return mat


def from_petsc(mat) -> sp.csr_matrix:
    """The (local rows of a) PETSc AIJ matrix as scipy CSR."""
    indptr, indices, data = mat.getValuesCSR()
    rows = mat.getOwnershipRange()
    return sp.csr_matrix((data, indices, indptr), shape=(rows[1] - rows[0], mat.getSize()[1]))


def parse_options(options: dict[str, Any] | str | None) -> dict[str, str]:
    """PETSc options from a dict or a command-line string (leading dashes optional)."""
    if options is None:
        return {}
    if isinstance(options, str):
        out: dict[str, str] = {}
        tokens = shlex.split(options)
        i = 0
        while i < len(tokens):
            key = tokens[i].lstrip("-")
            if i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
                out[key] = tokens[i + 1]
                i += 2
            else:
                out[key] = ""
                i += 1
        return out
    return {
        str(k).lstrip("-"): ("" if v is None or v is True else str(v)) for k, v in options.items()
    }


def petsc_solve(
    A: Any,
    b: Any,
    method: str = "auto",
    pc: Any = None,
    *,
    rtol: float = 1e-8,
    atol: float = 0.0,
    maxiter: int | None = None,
    x0: Any = None,
    options: dict[str, Any] | str | None = None,
) -> SolveResult:
    """Solve with PETSc's KSP. ``A`` is scipy sparse (one rank) or a :class:`RowBlock`; ``b``
    and ``x0`` are this rank's parts. Options override the method/pc mapping."""
    PETSc = petsc4py_module()
    t0 = time.perf_counter()
    mat = to_petsc(A)
    bvec = mat.createVecLeft()
    b = np.asarray(b, dtype=np.float64)
    if b.shape != (bvec.getLocalSize(),):
        raise PdesolveError(f"b has shape {b.shape}, this rank owns {bvec.getLocalSize()} rows")
    if not np.isfinite(b).all():
        raise PdesolveError("b contains NaN or Inf")
    bvec.setArray(b)
    xvec = mat.createVecRight()
    if x0 is not None:
        xvec.setArray(np.asarray(x0, dtype=np.float64))
    ksp = PETSc.KSP().create(comm=mat.getComm())
    ksp.setOperators(mat)
    prefix = f"pdesolve{next(_prefixes)}_"
    ksp.setOptionsPrefix(prefix)
    ksp_type = _KSP_OF_METHOD.get(method.lower(), method.lower())
    if method.lower() in ("direct", "lu", "superlu"):
        pc = pc or "lu"
    pc_type = _PC_OF_NAME.get(pc if pc is None else str(pc).lower(), pc)
    if ksp_type:
        ksp.setType(ksp_type)
    if pc_type:
        ksp.getPC().setType(pc_type)
    ksp.setTolerances(rtol=rtol, atol=atol, max_it=maxiter or 10_000)
    ksp.setInitialGuessNonzero(x0 is not None)
    opts = PETSc.Options()
    parsed = parse_options(options)
    if pc == "ssor":  # PETSc's PCSOR does a symmetric sweep by default; say so explicitly
        parsed = {"pc_sor_symmetric": "", **parsed}
    for key, value in parsed.items():
        opts[prefix + key] = value
    ksp.setConvergenceHistory()
    try:
        ksp.setFromOptions()
        ksp.solve(bvec, xvec)
    finally:
        for key in parsed:
            opts.delValue(prefix + key)
    reason = ksp.getConvergedReason()
    history = [float(r) for r in ksp.getConvergenceHistory()]
    x = xvec.getArray().copy()
    rvec = bvec.duplicate()
    mat.mult(xvec, rvec)
    rvec.aypx(-1.0, bvec)
    true_res = rvec.norm()
    result = SolveResult(
        x,
        reason > 0,
        ksp.getIterationNumber(),
        history or [ksp.getResidualNorm()],
        time.perf_counter() - t0,
        f"petsc:{ksp.getType()}+{ksp.getPC().getType()}",
        {
            "reason": _reason_name(PETSc, reason),
            "residual_kind": str(ksp.getNormType()),
            "true_residual": float(true_res),
            "ranks": mat.getComm().getSize(),
            "options": parsed,
        },
    )
    for obj in (ksp, mat, bvec, xvec, rvec):
        obj.destroy()
    return result


def _reason_name(PETSc, reason: int) -> str:
    names = {v: k for k, v in vars(PETSc.KSP.ConvergedReason).items() if isinstance(v, int)}
    return names.get(reason, str(reason))
