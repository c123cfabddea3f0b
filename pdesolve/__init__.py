"""pdesolve: classical PDE solvers in Python.

Subpackages are imported on first use, so ``import pdesolve`` stays fast:

- :mod:`pdesolve.mesh` — meshes, generators, meshio I/O, refinement
- :mod:`pdesolve.fem` — Lagrange finite elements, forms, assembly, boundary conditions
- :mod:`pdesolve.linalg` — ``solve()``, Krylov, stationary, preconditioners, direct
- :mod:`pdesolve.backends` — array namespaces, the PETSc backend
- :mod:`pdesolve.plot`, :mod:`pdesolve.io`, :mod:`pdesolve.cli` — the edges
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConvergenceError, FemError, MeshError, PdesolveError

__version__ = "0.1.0"

_SUBMODULES = {
    *("mesh", "fem", "spectral", "linalg", "backends", "time", "models", "datagen"),
    *("plot", "io", "cli"),
}

__all__ = [
    "ConvergenceError",
    "FemError",
    "MeshError",
    "PdesolveError",
    "__version__",
    *sorted(_SUBMODULES),
]


def solve(A: Any, b: Any, *args: Any, **kwargs: Any):
    """Solve ``A x = b``: see :func:`pdesolve.linalg.solve`."""
    from .linalg.front import solve as _solve

    return _solve(A, b, *args, **kwargs)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'pdesolve' has no attribute {name!r}")
