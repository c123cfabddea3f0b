"""pdesolve: classical PDE solvers in Python.

Subpackages are imported on first use, so ``import pdesolve`` stays fast:

- :mod:`pdesolve.mesh` — meshes, generators, meshio I/O, refinement
- :mod:`pdesolve.fem` — Lagrange finite elements, forms, assembly, boundary conditions
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import ConvergenceError, FemError, MeshError, PdesolveError

__version__ = "0.1.0"

_SUBMODULES = {"mesh", "fem", "plot", "io", "cli"}

__all__ = [
    "ConvergenceError",
    "FemError",
    "MeshError",
    "PdesolveError",
    "__version__",
    *sorted(_SUBMODULES),
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'pdesolve' has no attribute {name!r}")
