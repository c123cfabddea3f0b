"""The contract of the time layer: a stepper advances ``u`` from ``t`` to ``t + dt``.

The time layer sees callables, arrays and operators, never meshes. A problem is given as

- ``f(t, u)`` — the whole right-hand side of ``du/dt = f(t, u)`` (explicit and implicit
  Runge–Kutta / multistep methods; implicit ones also take a Jacobian or solve by Newton–Krylov);
- ``linear`` + ``nonlinear(t, u)`` — ``du/dt = L u + N(t, u)`` with ``L`` a diagonal symbol
  (1-D array: spectral), a sparse matrix or a ``LinearOperator`` (IMEX and exponential
  integrators), optionally with a mass matrix ``mass`` (``M du/dt = L u + N``; FEM);
- sub-flows ``phi(dt, u)`` — exact or approximate flows of the parts of ``f = f_A + f_B``
  (operator splitting).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Stepper(Protocol):
    """One step of a time integrator.

    Attributes
    ----------
    name : str
        Registered name (``"rk4"``, ``"strang"``...).
    order : int
        Classical order of accuracy.
    """

    name: str
    order: int

    def step(self, t: float, u: np.ndarray, dt: float) -> np.ndarray:
        """Return the state at ``t + dt`` (must not modify ``u`` in place)."""
        ...


class Flow(Protocol):
    """A sub-flow of operator splitting: ``phi(dt, u)`` ≈ the solution of the part after ``dt``."""

    def __call__(self, dt: float, u: np.ndarray) -> np.ndarray: ...
