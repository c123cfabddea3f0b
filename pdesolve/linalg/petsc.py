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

Method names are rows of the method table (:mod:`pdesolve.linalg.methods`, its ``petsc`` and
``petsc_pc`` columns; :func:`petsc_names`); a method without a KSP equivalent (``"gcrodr"``,
``"rcg"``) is refused by name. Names (case-insensitive) map onto KSP + PC types as follows; an
unknown method raises
:class:`~pdesolve.linalg.validate.SolverInputError` (other KSP types: ``options={"ksp_type":
...}``), and a preconditioner name that is not one of pdesolve's must be a PETSc PC type.

- ``"auto"``: PETSc's default (GMRES; ILU on one rank, block Jacobi + ILU on several).
- ``"cg"``, ``"minres"``, ``"gmres"``, ``"fgmres"``, ``"bicgstab"``: KSP ``cg``, ``minres``,
  ``gmres``, ``fgmres``, ``bcgs``.
- ``"direct"``, ``"lu"``, ``"superlu"``, ``"spsolve"``: ``preonly`` + PC ``lu`` (or the ``pc``
  given).
- Stationary methods, all KSP ``richardson`` (``x ← x + M⁻¹(b − Ax)``, one SpMV and one sweep
  per iteration): ``"jacobi"`` + PC ``jacobi`` (``omega=`` → ``ksp_richardson_scale``: weighted
  Jacobi); ``"gauss-seidel"`` + PC ``sor``, forward sweep, ω = 1; ``"sor"`` + PC ``sor``,
  forward sweep, ω = ``omega`` (default 1.0: unlike the scipy backend, no estimate of Young's
  optimum); ``"ssor"`` + PC ``sor``, symmetric sweep, ω = ``omega`` (default 1.0).

Stationary methods take no ``pc`` (as on the scipy backend). Preconditioners: ``"jacobi"``,
``"ilu"``/``"spilu"``, ``"lu"``, ``"cholesky"``, ``"hypre"`` as named; ``"amg"`` → ``gamg``;
``"none"``/``"identity"`` → ``none``; ``"ssor"`` → ``sor`` with a symmetric sweep
(``pc_sor_local_symmetric``, PCSOR's own default); ``"sor"`` and ``"gs"``/``"gauss-seidel"`` →
``sor`` with a forward sweep (``pc_sor_local_forward``, the scipy backend's ``SORPC``), except
under CG and MINRES, which need a symmetric preconditioner and get the symmetric sweep (as
PETSc's ``-ksp_type cg -pc_type sor`` does). ω is ``omega=`` for ``"sor"``/``"ssor"``, 1 for
``"gs"``.
Every SOR sweep, of a method or a preconditioner, is *local* to each rank: on one rank it is
exactly the global (forward or symmetric) SOR sweep; on several ranks it is block Jacobi with
SOR inside each rank's block — PETSc's parallel AIJ matrices do no global sweeps. A sweep
option in ``options`` (``pc_sor_symmetric``...) replaces the one chosen here.

Method options: ``restart`` → ``ksp_gmres_restart`` (GMRES, FGMRES, ``"auto"``), ``omega`` →
``pc_sor_omega`` (``"sor"``, ``"ssor"``, or ``pc`` ``"sor"``/``"ssor"``) or
``ksp_richardson_scale`` (``"jacobi"``); any other raises ``SolverInputError`` (pass PETSc
options instead). ``options`` win over everything set from names and method options.
``callback(xk)`` runs after every iteration with this rank's part of the iterate (a KSP monitor
and ``KSPBuildSolution``).

Stopping test: as everywhere in pdesolve, on the true residual, ``‖b − Ax‖ ≤ max(rtol ‖b‖,
atol)``. PETSc tests the preconditioned residual by default (left preconditioning), so unless
``options`` set ``ksp_norm_type`` or ``ksp_pc_side``, the final KSP (options applied) is made
to test the unpreconditioned norm: CG (and its variants), MINRES and Richardson keep left
preconditioning with ``KSP_NORM_UNPRECONDITIONED``; GMRES, BiCGStab and any other KSP that
supports it switch to right preconditioning, whose norm is the unpreconditioned one (FGMRES is
right-preconditioned already); a KSP that supports neither keeps PETSc's default, and
``preonly`` tests no norm. ``info["residual_kind"]`` says which norm was tested — ``"true"``
(unpreconditioned; for CG the recursively updated residual), ``"preconditioned"``,
``"natural"`` or ``"none"`` — and ``info["true_residual"]`` is ``‖b − Ax‖`` computed after
the solve.

Reference: Balay et al., PETSc/TAO Users Manual (ANL-21/39); Dalcin et al., petsc4py, Adv.
Water Resources 34 (2011).
"""

from __future__ import annotations

import itertools
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import PdesolveError
from .methods import METHODS, Method, lookup
from .result import SolveResult
from .validate import SolverInputError


def petsc_names(method: str) -> tuple[str, str | None, tuple[str, str | None] | None]:
    """``(canonical name, KSP type, PC implied by the method)`` from the method table;
    ``"auto"`` is PETSc's default KSP. A method without a KSP equivalent (the recycling
    solvers) raises :class:`SolverInputError` naming the scipy backend."""
    if isinstance(method, str) and method.lower() == "auto":
        return "auto", None, None
    row: Method = lookup(method)
    if row.petsc is None:
        with_ksp = ", ".join(m.name for m in METHODS if m.petsc)
        raise SolverInputError(
            f"{row.name} ({row.summary}) has no PETSc KSP equivalent; use backend='scipy', or "
            f"one of {with_ksp} on PETSc"
        )
    return row.name, row.petsc, row.petsc_pc


#: preconditioner names -> (PC type, SOR sweep or None)
_PC_OF_NAME: dict[str, tuple[str, str | None]] = {
    "none": ("none", None),
    "identity": ("none", None),
    "jacobi": ("jacobi", None),
    "sor": ("sor", "forward"),
    "gs": ("sor", "forward"),
    "gauss-seidel": ("sor", "forward"),
    "gauss_seidel": ("sor", "forward"),
    "ssor": ("sor", "symmetric"),
    "ilu": ("ilu", None),
    "spilu": ("ilu", None),
    "amg": ("gamg", None),
    "gamg": ("gamg", None),
    "lu": ("lu", None),
    "cholesky": ("cholesky", None),
    "hypre": ("hypre", None),
}
#: options that choose PCSOR's sweep: one of these in the user's options replaces ours
_SOR_SWEEP_OPTIONS = {
    "pc_sor_symmetric",
    "pc_sor_forward",
    "pc_sor_backward",
    "pc_sor_local_symmetric",
    "pc_sor_local_forward",
    "pc_sor_local_backward",
}
#: the longest residual history kept without a Python monitor (PETSc allocates it up front)
_HISTORY_MAX = 100_000

#: KSP types that keep left preconditioning and monitor the unpreconditioned norm
_LEFT_TRUE_NORM = {"cg", "fcg", "pipecg", "groppcg", "minres", "richardson"}
_RESIDUAL_KIND = {0: "none", 1: "preconditioned", 2: "true", 3: "natural"}
_PC_SIDE = {0: "left", 1: "right", 2: "symmetric"}
_METHOD_OPTIONS = ("restart", "omega")
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
    pc: str | None = None,
    *,
    rtol: float = 1e-8,
    atol: float = 0.0,
    maxiter: int | None = None,
    x0: Any = None,
    options: dict[str, Any] | str | None = None,
    callback: Callable[[np.ndarray], Any] | None = None,
    method_options: dict[str, Any] | None = None,
    fields: dict[str, np.ndarray] | None = None,
) -> SolveResult:
    """Solve ``A x = b`` with PETSc's KSP (names, options and stopping test: module docstring).

    Parameters
    ----------
    A : scipy sparse matrix, ndarray or RowBlock
        The matrix on one rank, or this rank's rows of a distributed one.
    b : ndarray (n_local,)
        Right-hand side: this rank's part for a :class:`RowBlock`.
    method : str
        ``"auto"``, ``"cg"``, ``"minres"``, ``"gmres"``, ``"fgmres"``, ``"bicgstab"``,
        ``"direct"`` (``"lu"``, ``"superlu"``, ``"spsolve"``), ``"jacobi"``,
        ``"gauss-seidel"``, ``"sor"``, ``"ssor"`` (case-insensitive).
    pc : str, optional
        A pdesolve preconditioner name (``"jacobi"``, ``"sor"``, ``"ssor"``, ``"ilu"``,
        ``"amg"``...) or a PETSc PC type; not allowed with a stationary method.
    rtol, atol : float
        Stop when ``‖b − Ax‖ ≤ max(rtol ‖b‖, atol)`` (see ``info["residual_kind"]`` for the
        norm PETSc actually tested).
    maxiter : int, optional
        Iteration limit; ``10 n`` (``n`` the global size) by default.
    x0 : ndarray (n_local,), optional
        Initial guess (this rank's part).
    options : dict or str, optional
        PETSc options (``{"ksp_type": "cg"}`` or ``"-ksp_type cg"``); they override everything
        set from ``method``, ``pc``, the tolerances and ``method_options``.
    callback : callable, optional
        ``callback(xk)`` after every iteration, ``xk`` this rank's part of the current iterate
        (a fresh array); an exception it raises stops the solve and propagates.
    method_options : dict, optional
        ``restart`` (GMRES/FGMRES) and ``omega`` (SOR/SSOR, weighted Jacobi); anything else
        raises :class:`SolverInputError`.
    fields : dict of str to ndarray, optional
        Named index sets (global indices, e.g. :meth:`pdesolve.fem.MixedSpace.index_sets`):
        the preconditioner becomes ``PCFIELDSPLIT`` with these splits, configured by the
        usual options (``pc_fieldsplit_type``, ``fieldsplit_<name>_pc_type``...). On a
        :class:`RowBlock` each rank keeps the indices of its own rows.

    Returns
    -------
    SolveResult
        ``x`` is this rank's part; ``info`` has ``reason`` (PETSc's converged reason),
        ``residual_kind``, ``pc_side``, ``true_residual`` (global ``‖b − Ax‖``), ``ranks``
        and ``options`` (every option set under the private prefix).

    Raises
    ------
    SolverInputError
        Malformed input (on every rank when any rank's input is bad), unknown names, a
        preconditioner with a stationary method, unsupported method options.
    """
    PETSc = petsc4py_module()
    t0 = time.perf_counter()
    key, ksp_type, pc_key, pc_type, sweep = _resolve_names(PETSc, method, pc)
    user = parse_options(options)
    defaults = _option_defaults(key, pc_key, sweep, method_options or {}, user)
    csr, b, x0, n = _checked_system(PETSc, A, b, x0)
    mat = to_petsc(A if isinstance(A, RowBlock) else csr)
    bvec, xvec = mat.createVecLeft(), mat.createVecRight()
    bvec.setArray(b)
    if x0 is not None:
        xvec.setArray(x0)
    ksp = PETSc.KSP().create(comm=mat.getComm())
    work = mat.createVecRight() if callback is not None else None
    try:
        ksp.setOperators(mat)
        prefix = f"pdesolve{next(_prefixes)}_"
        ksp.setOptionsPrefix(prefix)
        if ksp_type:
            ksp.setType(ksp_type)
        if pc_type:
            ksp.getPC().setType(pc_type)
        if fields:
            _set_fields(PETSc, ksp.getPC(), mat, fields, n)
        ksp.setTolerances(rtol=rtol, atol=atol, max_it=10 * n if maxiter is None else maxiter)
        ksp.setInitialGuessNonzero(x0 is not None)
        parsed = {**defaults, **user}
        opts = PETSc.Options()
        for name, value in parsed.items():
            opts[prefix + name] = value
        history: list[float] = []
        failure: list[BaseException] = []

        def monitor(ksp_: Any, its: int, rnorm: float) -> None:
            # installed for a callback, and for Richardson: a monitor turns off its fast path
            # for PCSOR, which runs all max_it sweeps without testing convergence
            if len(history) > its:  # GMRES reports the iteration ending a cycle again
                return
            history.append(float(rnorm))
            if callback is not None and its > 0:
                try:
                    callback(ksp_.buildSolution(work).getArray().copy())
                except BaseException as exc:
                    failure.append(exc)
                    raise

        try:
            ksp.setFromOptions()
            if not {"ksp_norm_type", "ksp_pc_side"} & set(user):
                _test_true_residual(PETSc, ksp)
            monitored = callback is not None or ksp.getType() == "richardson"
            if monitored:
                ksp.setMonitor(monitor)
            else:  # PETSc records the history itself, without a Python call per iteration
                ksp.setConvergenceHistory(length=min(ksp.getTolerances()[3] + 1, _HISTORY_MAX))
            ksp.solve(bvec, xvec)
            if not monitored:
                history = [float(r) for r in ksp.getConvergenceHistory()]
        except PETSc.Error:
            if failure:
                raise failure[0] from None
            raise
        finally:
            for name in parsed:
                opts.delValue(prefix + name)
        reason = ksp.getConvergedReason()
        rvec = bvec.duplicate()
        mat.mult(xvec, rvec)
        rvec.aypx(-1.0, bvec)
        true_res = rvec.norm()
        rvec.destroy()
        return SolveResult(
            xvec.getArray().copy(),
            reason > 0,
            ksp.getIterationNumber(),
            history or [ksp.getResidualNorm()],
            time.perf_counter() - t0,
            f"petsc:{ksp.getType()}+{ksp.getPC().getType()}",
            {
                "reason": _reason_name(PETSc, reason),
                "residual_kind": _RESIDUAL_KIND.get(int(ksp.getNormType()), "unknown"),
                "pc_side": _PC_SIDE.get(int(ksp.getPCSide()), "unknown"),
                "true_residual": float(true_res),
                "ranks": mat.getComm().getSize(),
                "options": parsed,
            },
        )
    finally:
        for obj in (ksp, mat, bvec, xvec, work):
            if obj is not None:
                obj.destroy()


def _set_fields(PETSc: Any, pc: Any, mat: Any, fields: dict[str, np.ndarray], n: int) -> None:
    """Make ``pc`` a fieldsplit with the named index sets (this rank's rows of each)."""
    lo, hi = mat.getOwnershipRange()
    splits = []
    seen = np.zeros(n, dtype=np.int64)
    for name, idx in fields.items():
        idx = np.asarray(idx, dtype=np.int64).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise SolverInputError(f"field {name!r} has indices outside 0..{n - 1}")
        seen[idx] += 1
        mine = idx[(idx >= lo) & (idx < hi)]
        splits.append((str(name), PETSc.IS().createGeneral(_index(mine, PETSc),
                                                           comm=mat.getComm())))  # fmt: skip
    if (seen != 1).any():
        raise SolverInputError("fields must partition the unknowns: every index in exactly one")
    pc.setType("fieldsplit")
    pc.setFieldSplitIS(*splits)
    for _, iset in splits:
        iset.destroy()


def _resolve_names(
    PETSc: Any, method: str, pc: str | None
) -> tuple[str, str | None, str | None, str | None, str | None]:
    """``(method key, KSP type, pc key, PC type, SOR sweep)`` for pdesolve's names."""
    if not isinstance(method, str):
        raise SolverInputError(f"method must be a name, got {type(method).__name__}")
    if pc is not None and not isinstance(pc, str):
        raise SolverInputError(
            f"the PETSc backend takes preconditioners by name ({', '.join(_PC_OF_NAME)} or a "
            f"PETSc PC type) or as options={{'pc_type': ...}}, not {type(pc).__name__}"
        )
    key, ksp_type, implied = petsc_names(method)
    pc_key = None if pc is None else (pc.lower() or "none")
    if ksp_type == "richardson":  # a stationary method: the PC is the method
        if pc_key not in (None, "none", "identity"):
            raise SolverInputError(f"{key} is a stationary method and takes no preconditioner")
        pc_type, sweep = implied
        return key, "richardson", None, pc_type, sweep
    if implied is not None and pc_key is None:  # direct: preonly + LU
        pc_key = implied[0]
    if pc_key is None:
        return key, ksp_type, None, None, None
    if pc_key in _PC_OF_NAME:
        pc_type, sweep = _PC_OF_NAME[pc_key]
        if sweep == "forward" and key != "auto" and lookup(key).symmetric_only:
            sweep = "symmetric"  # CG and MINRES need a symmetric preconditioner
        return key, ksp_type, pc_key, pc_type, sweep
    petsc_types = {v for k, v in vars(PETSc.PC.Type).items() if k.isupper() and isinstance(v, str)}
    if pc_key in petsc_types:
        return key, ksp_type, pc_key, pc_key, None
    raise SolverInputError(
        f"unknown preconditioner {pc!r}; choose from {', '.join(_PC_OF_NAME)} or a PETSc PC "
        f"type ({', '.join(sorted(petsc_types))})"
    )


def _option_defaults(
    key: str,
    pc_key: str | None,
    sweep: str | None,
    method_options: dict[str, Any],
    user: dict[str, str],
) -> dict[str, str]:
    """PETSc options for the SOR sweep and the method options (``restart``, ``omega``)."""
    unknown = sorted(set(method_options) - set(_METHOD_OPTIONS))
    if unknown:
        raise SolverInputError(
            f"method option(s) {', '.join(unknown)} not supported on the PETSc backend (only "
            "restart= and omega=); pass PETSc options instead, e.g. options={'ksp_...': ...}"
        )
    out: dict[str, str] = {}
    if sweep is not None and not _SOR_SWEEP_OPTIONS & set(user):
        out[f"pc_sor_local_{sweep}"] = ""
    restart = method_options.get("restart")
    if restart is not None:
        if key not in ("gmres", "fgmres", "auto"):
            raise SolverInputError(f"restart= applies to gmres and fgmres, not {key}")
        if isinstance(restart, bool) or int(restart) != restart or restart < 1:
            raise SolverInputError(f"restart must be a positive integer, got {restart!r}")
        out["ksp_gmres_restart"] = str(int(restart))
    omega = method_options.get("omega")
    stationary = key != "auto" and lookup(key).kind == "stationary"
    if key == "gauss-seidel" or (
        not stationary and pc_key in ("gs", "gauss-seidel", "gauss_seidel")
    ):
        if omega is not None and float(omega) != 1.0:
            raise SolverInputError("Gauss-Seidel has omega = 1; use 'sor' with omega=")
        out["pc_sor_omega"] = "1.0"
    elif key in ("sor", "ssor") or (not stationary and pc_key in ("sor", "ssor")):
        omega = 1.0 if omega is None else float(omega)
        if not 0.0 < omega < 2.0:
            raise SolverInputError(
                f"relaxation factor omega={omega} outside (0, 2): SOR/SSOR diverge there "
                "(Kahan's theorem)"
            )
        out["pc_sor_omega"] = repr(omega)
    elif key == "jacobi" and omega is not None:
        if not (np.isfinite(omega) and float(omega) > 0.0):
            raise SolverInputError(f"Jacobi damping omega must be positive, got {omega!r}")
        out["ksp_richardson_scale"] = repr(float(omega))
    elif omega is not None:
        raise SolverInputError(
            "omega= applies to the jacobi, sor and ssor methods and the sor/ssor "
            f"preconditioners, not {key} with pc={pc_key!r}"
        )
    return out


def _checked_system(
    PETSc: Any, A: Any, b: Any, x0: Any
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray | None, int]:
    """``(this rank's rows of A as CSR, b, x0, global n)`` checked like ``check_system``.

    On a :class:`RowBlock` the checks are collective: when any rank's input is bad, every rank
    raises the same :class:`SolverInputError` (instead of the others waiting in the solve).
    """
    comm = A.comm if isinstance(A, RowBlock) else None
    real = not np.issubdtype(np.dtype(PETSc.ScalarType), np.complexfloating)
    error = None
    csr = None
    if comm is not None:
        csr = sp.csr_matrix(A.local)
    elif sp.issparse(A) or isinstance(A, np.ndarray):
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            error = f"A must be a square matrix, got shape {A.shape}"
        else:
            csr = sp.csr_matrix(A)
    else:
        error = (
            "the PETSc backend needs an assembled matrix (scipy sparse, ndarray or RowBlock), "
            f"got {type(A).__name__}"
        )
    n_local = 0 if csr is None else csr.shape[0]
    b = np.asarray(b)
    if b.ndim == 2 and b.shape[1] == 1:
        b = b[:, 0]
    if x0 is not None:
        x0 = np.asarray(x0)
        if x0.ndim == 2 and x0.shape[1] == 1:
            x0 = x0[:, 0]
    if error is None:
        if real and any(np.iscomplexobj(v) for v in (csr.data, b, x0) if v is not None):
            error = (
                "this PETSc build is real: complex systems need PETSc built with complex scalars"
            )
        elif not np.isfinite(csr.data).all():
            error = "A contains NaN or Inf entries"
        elif b.shape != (n_local,):
            error = f"b has shape {b.shape}, this rank owns {n_local} rows: expected ({n_local},)"
        elif not np.isfinite(b).all():
            error = "b contains NaN or Inf"
        elif x0 is not None and x0.shape != (n_local,):
            error = f"x0 has shape {x0.shape}, expected ({n_local},)"
        elif x0 is not None and not np.isfinite(x0).all():
            error = "x0 contains NaN or Inf"
    n = n_local
    if comm is not None:
        rows = comm.allgather((n_local, None if csr is None else csr.shape[1], error))
        n = sum(r[0] for r in rows)
        errors = [f"rank {rank}: {e}" for rank, (_, _, e) in enumerate(rows) if e is not None]
        errors += [
            f"rank {rank}: RowBlock has {cols} columns, the matrix {n} rows"
            for rank, (_, cols, e) in enumerate(rows)
            if e is None and cols != n
        ]
        error = "; ".join(errors) or None
    if error is not None:
        raise SolverInputError(error)
    return csr, b.astype(np.float64, copy=False), None if x0 is None else x0.astype(np.float64), n


def _test_true_residual(PETSc: Any, ksp: Any) -> None:
    """Make ``ksp`` (options applied) test the unpreconditioned residual norm if it can."""
    if ksp.getType() == "preonly":
        return
    norm, side = PETSc.KSP.NormType, PETSc.PC.Side
    ksp.setNormType(norm.UNPRECONDITIONED)
    if ksp.getType() not in _LEFT_TRUE_NORM:
        ksp.setPCSide(side.RIGHT)  # right preconditioning: its natural norm is the true one
    try:
        ksp.setUp()  # checks the norm/side against the KSP's table before the PC's set-up
    except PETSc.Error as exc:
        if exc.ierr != 56:  # PETSC_ERR_SUP: the KSP has no such norm; keep its default
            raise
        ksp.setNormType(norm.DEFAULT)
        ksp.setPCSide(side.DEFAULT)


def _reason_name(PETSc, reason: int) -> str:
    names = {v: k for k, v in vars(PETSc.KSP.ConvergedReason).items() if isinstance(v, int)}
    return names.get(reason, str(reason))
