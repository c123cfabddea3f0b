"""Run under ``mpiexec -n P``: a FEM Poisson matrix split by row blocks over the ranks, solved by
PETSc CG + GAMG; rank 0 writes JSON comparing with a one-rank SuperLU solve."""

import json
import sys

import numpy as np
import scipy.sparse.linalg as spla
from mpi4py import MPI

import pdesolve as ps
from pdesolve.backends.petsc import RowBlock, petsc_solve
from pdesolve.fem import forms

comm = MPI.COMM_WORLD
V = ps.fem.FunctionSpace(ps.mesh.rectangle(40, 40), "P", 1)
A = ps.fem.assemble(forms.stiffness(), V)
b = ps.fem.assemble(forms.source(lambda x: np.sin(3 * x[0]) + x[1]), V)
A, b = ps.fem.DirichletBC(V, None, 0.0).apply(A, b)
block = RowBlock.split(A, comm)
lo, hi = block.row_start, block.row_start + block.local.shape[0]
res = petsc_solve(block, b[lo:hi], options={"ksp_type": "cg", "pc_type": "gamg"}, rtol=1e-10)
parts = comm.gather(res.x, root=0)
if comm.Get_rank() == 0:
    x = np.concatenate(parts)
    ref = spla.spsolve(A.tocsc(), b)
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
