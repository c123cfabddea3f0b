"""Exception hierarchy of pdesolve.

Every error raised on purpose by the library is a :class:`PdesolveError`, so a caller can catch
all of them at once, or one family (``MeshError``, ``ConvergenceError``...) at a time.
"""

from __future__ import annotations


class PdesolveError(Exception):
    """Base class of every error pdesolve raises on purpose."""


class MeshError(PdesolveError, ValueError):
    """A mesh is broken or cannot be read: bad indices, degenerate cells, unknown format..."""


class FemError(PdesolveError, ValueError):
    """A finite-element request cannot be honoured: unknown element, wrong shapes, bad form."""


class ConvergenceError(PdesolveError, RuntimeError):
    """An iterative method stopped before reaching its tolerance.

    Attributes
    ----------
    iterations : int
        Iterations performed.
    residual : float
        Residual norm reached.
    """

    def __init__(self, message: str, iterations: int = -1, residual: float = float("nan")):
        super().__init__(message)
        self.iterations = iterations
        self.residual = residual


class NewtonDivergenceError(ConvergenceError):
    """Newton's method failed: NaN/Inf residual, no decrease along the step, or maxiter."""
