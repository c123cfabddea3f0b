"""Run under ``mpiexec -n P``: a FEM Poisson matrix split by row blocks over the ranks, solved by
PETSc CG + GAMG; rank 0 writes JSON comparing with a one-rank SuperLU solve.

With a second argument ``cases`` it solves the same system with pdesolve's names instead —
SOR-type preconditioners and stationary methods (local sweeps), a callback — and checks that a
NaN on one rank raises ``SolverInputError`` on every rank; the JSON then maps each case to its
result."""

import json
import sys

import numpy as np
import scipy.sparse.linalg as spla
from mpi4py import MPI

import pdesolve as ps
from pdesolve.fem import forms
from pdesolve.linalg.petsc import RowBlock, petsc_solve
from pdesolve.linalg.validate import SolverInputError

comm = MPI.COMM_WORLD
V = ps.fem.FunctionSpace(ps.mesh.rectangle(40, 40), "P", 1)
A = ps.fem.assemble(forms.stiffness(), V)
b = ps.fem.assemble(forms.source(lambda x: np.sin(3 * x[0]) + x[1]), V)
A, b = ps.fem.DirichletBC(V, None, 0.0).apply(A, b)
block = RowBlock.split(A, comm)
lo, hi = block.row_start, block.row_start + block.local.shape[0]
ref = spla.spsolve(A.tocsc(), b)


def summary(res):
    x = np.concatenate(comm.allgather(res.x))
    return {
        "ranks_seen": res.info["ranks"],
        "converged": bool(res.converged),
        "iterations": res.iterations,
        "max_diff": float(np.abs(x - ref).max()),
        "true_rel_residual": float(np.linalg.norm(b - A @ x) / np.linalg.norm(b)),
        "residual_kind": res.info["residual_kind"],
        "method": res.method,
        "options": res.info["options"],
    }


if sys.argv[2:] == ["cases"]:
    out = {"size": comm.Get_size()}
    for name, method, pc, kwargs in [
        ("cg+ssor", "cg", "ssor", {}),
        ("cg+SOR", "CG", "SOR", {}),
        ("gmres+sor", "gmres", "sor", {"method_options": {"omega": 1.2}}),
        ("ssor", "ssor", None, {}),
        ("gauss-seidel", "gauss-seidel", None, {}),
    ]:
        res = petsc_solve(block, b[lo:hi], method, pc, rtol=1e-10, **kwargs)
        out[name] = summary(res)
    iterates = []
    res = petsc_solve(block, b[lo:hi], "cg", "jacobi", rtol=1e-10, callback=iterates.append)
    out["callback"] = {
        "calls": len(iterates),
        "iterations": res.iterations,
        "local_size": len(iterates[-1]),
        "last_is_x": bool(np.allclose(iterates[-1], res.x, rtol=0, atol=1e-12)),
    }
    bad = block.local.copy()
    if comm.Get_rank() == comm.Get_size() - 1:
        bad.data[0] = np.nan
    try:
        petsc_solve(RowBlock(bad, block.row_start, comm), b[lo:hi], "cg", "jacobi")
        message = None
    except SolverInputError as exc:
        message = str(exc)
    out["nan_errors"] = comm.gather(message, root=0)
    if comm.Get_rank() == 0:
        with open(sys.argv[1], "w") as fh:
            json.dump(out, fh)
    sys.exit(0)

res = petsc_solve(block, b[lo:hi], options={"ksp_type": "cg", "pc_type": "gamg"}, rtol=1e-10)
parts = comm.gather(res.x, root=0)
if comm.Get_rank() == 0:
    x = np.concatenate(parts)
    with open(sys.argv[1], "w") as fh:
        json.dump(
            {
                "size": comm.Get_size(),
                "ranks_seen": res.info["ranks"],
                "converged": bool(res.converged),
                "iterations": res.iterations,
                "max_diff": float(np.abs(x - ref).max()),
                "method": res.method,
            },
            fh,
        )
