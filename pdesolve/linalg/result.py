"""The result of an iterative or direct solve, and the convergence test shared by all methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConvergenceError


@dataclass
class SolveResult:
    """Outcome of ``solve()`` and of the methods behind it.

    Attributes
    ----------
    x : ndarray
        The (approximate) solution.
    converged : bool
        Whether the stopping test was met.
    iterations : int
        Iterations performed (0 for direct solves).
    residuals : list of float
        Residual-norm history, one entry per iteration plus the initial one; ``info
        ["residual_kind"]`` says which residual (``"true"``, ``"recursive"`` or
        ``"preconditioned"``).
    wall_time : float
        Seconds spent in the solve (set-up of preconditioners included when done by solve()).
    method : str
        What ran, e.g. ``"cg+amg"`` or ``"petsc:cg+gamg"``.
    info : dict
        Method-specific details: ``reason`` (why it stopped), ``residual_kind``, ``pc``...
    """

    x: np.ndarray
    converged: bool
    iterations: int
    residuals: list[float] = field(default_factory=list)
    wall_time: float = 0.0
    method: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def residual(self) -> float:
        """The last residual norm (nan if none was recorded)."""
        return float(self.residuals[-1]) if self.residuals else float("nan")

    def check(self) -> SolveResult:
        """Raise :class:`ConvergenceError` unless converged; returns self otherwise."""
        if not self.converged:
            reason = self.info.get("reason", "iteration limit reached")
            raise ConvergenceError(
                f"{self.method or 'solver'} did not converge: {reason} after "
                f"{self.iterations} iterations, residual {self.residual:.3e}"
                + (f" (target {self.info['target']:.3e})" if "target" in self.info else "")
                + "; raise maxiter, loosen rtol, or use a stronger preconditioner",
                iterations=self.iterations,
                residual=self.residual,
            )
        return self

    def __repr__(self) -> str:
        state = "converged" if self.converged else "NOT converged"
        return (
            f"SolveResult({self.method}: {state} in {self.iterations} iterations, "
            f"residual {self.residual:.3e}, {self.wall_time:.3g} s)"
        )


def stopping_target(bnorm: float, rtol: float, atol: float) -> float:
    """The residual norm to reach: ``max(rtol * ||b||, atol)`` (scipy's convention)."""
    return max(rtol * bnorm, atol)
