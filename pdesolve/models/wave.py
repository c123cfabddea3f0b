r"""The wave equation with the energy-conserving Crank–Nicolson (average-acceleration) scheme.

.. math:: u_{tt} = c^2 \Delta u, \qquad M \ddot u + c^2 K u = 0 .

With :math:`v = \dot u`, Crank–Nicolson on the first-order system,

.. math::
    u^{n+1} - u^n = \tfrac{\Delta t}{2}(v^{n+1} + v^n), \qquad
    M (v^{n+1} - v^n) = -\tfrac{\Delta t}{2} c^2 K (u^{n+1} + u^n),

gives :math:`(M + \tfrac{\Delta t^2}{4} c^2 K) v^{n+1} = (M - \tfrac{\Delta t^2}{4} c^2 K) v^n -
\Delta t\, c^2 K u^n` (one factorisation for all steps) and conserves the discrete energy
:math:`E = \tfrac12 v^T M v + \tfrac12 c^2 u^T K u` exactly (Newmark's average acceleration,
β = 1/4, γ = 1/2; Hughes, *The Finite Element Method*, §9.1): it is unconditionally stable,
second order, and non-dissipative.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import fem
from ..linalg import DirectSolver
from ..mesh.mesh import Where
from ._fem import mass_and_stiffness


@dataclass
class WaveTrajectory:
    t: np.ndarray
    u: np.ndarray
    v: np.ndarray
    energy: np.ndarray


class WaveEquation:
    """``u_tt = c² Δu`` on a Lagrange space with homogeneous Dirichlet data on ``dirichlet``."""

    def __init__(self, V: fem.FunctionSpace, c: float = 1.0, dirichlet: Where | bool | None = True):
        self.space = V
        self.c2 = float(c) ** 2
        self.M, self.K, self.bc = mass_and_stiffness(V, 1.0, dirichlet)

    def initial(self, fn: Callable[[np.ndarray], Any]) -> np.ndarray:
        u = fem.Function(self.space, fn).x
        if self.bc is not None:
            u[self.bc.dofs] = 0.0
        return u

    def energy(self, u: np.ndarray, v: np.ndarray) -> float:
        """``½ vᵀ M v + ½ c² uᵀ K u``."""
        return 0.5 * float(v @ (self.M @ v)) + 0.5 * self.c2 * float(u @ (self.K @ u))

    def solve(
        self, u0: np.ndarray, v0: np.ndarray, t_end: float, dt: float, save_every: int = 1
    ) -> WaveTrajectory:
        """March ``round(t_end / dt)`` Crank–Nicolson steps, saving every ``save_every``."""
        steps = int(round(t_end / dt))
        ck = (0.25 * dt * dt * self.c2) * self.K
        lhs = DirectSolver((self.M + ck).tocsr())
        rhs_v = (self.M - ck).tocsr()
        u, v = np.array(u0, dtype=float), np.array(v0, dtype=float)
        ts, us, vs, es = [0.0], [u.copy()], [v.copy()], [self.energy(u, v)]
        for n in range(1, steps + 1):
            v_new = lhs.solve(rhs_v @ v - dt * self.c2 * (self.K @ u))
            u = u + 0.5 * dt * (v + v_new)
            v = v_new
            if n % save_every == 0 or n == steps:
                ts.append(n * dt)
                us.append(u.copy())
                vs.append(v.copy())
                es.append(self.energy(u, v))
        return WaveTrajectory(np.array(ts), np.array(us), np.array(vs), np.array(es))
