"""Array and solver backends: numpy/scipy (default), PETSc (petsc4py, MPI), GPU (CuPy)."""

from .arrays import get_namespace, to_numpy

__all__ = ["get_namespace", "to_numpy"]
