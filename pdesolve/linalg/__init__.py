"""Linear solvers: ``solve()``, Krylov methods, stationary methods, preconditioners, direct.

It sees matrices, linear operators and vectors, never meshes. Names are imported on first use.

>>> import numpy as np, scipy.sparse as sp, pdesolve as ps
>>> A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(50, 50), format="csr")
>>> res = ps.linalg.solve(A, np.ones(50), method="cg", pc="jacobi")
>>> res.converged
True
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "solve": "front", "choose_method": "methods", "METHODS": "methods", "Method": "methods",
    "lookup_method": "methods", "AutoChoice": "methods", "DEFAULT_RTOL": "methods",
    "PreconditionerFactory": "preconditioner", "FastPoissonPC": "fast_poisson",
    "SolveResult": "result",
    "DirectSolver": "direct", "direct_solve": "direct",
    "Preconditioner": "preconditioner", "as_preconditioner": "preconditioner",
    "make_preconditioner": "preconditioners", "JacobiPC": "preconditioners",
    "SSORPC": "preconditioners", "ILUPC": "preconditioners", "AMGPC": "preconditioners",
    "cg": "krylov", "minres": "krylov", "gmres": "krylov", "fgmres": "krylov",
    "bicgstab": "krylov", "cg_solve": "krylov", "minres_solve": "krylov",
    "gmres_solve": "krylov", "fgmres_solve": "krylov", "bicgstab_solve": "krylov",
    "jacobi": "stationary", "gauss_seidel": "stationary", "sor": "stationary",
    "ssor": "stationary", "young_omega": "omega",
    "SolverInputError": "validate", "NotSPDError": "validate",
    "GCRODR": "recycling", "gcrodr": "recycling", "RecycledCG": "recycling",
    "recycled_cg": "recycling",
    "solve_sequence": "sequence", "SequenceResult": "sequence",
    "greedy_order": "ordering", "hilbert_order": "ordering",
    "tune_relaxation": "relaxation", "RelaxationBandit": "bandits",
    "ContextualRelaxationBandit": "bandits", "TsallisINF": "bandits",
    "ChebCBRelaxationBandit": "bandits",
    "newton": "nonlinear", "continuation": "nonlinear", "NewtonResult": "nonlinear",
    "SaddlePointLU": "direct",
}

__all__ = sorted(_EXPORTS)


_RENAMED = {"lookup_method": "lookup"}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, _RENAMED.get(name, name))
    raise AttributeError(f"module 'pdesolve.linalg' has no attribute {name!r}")
