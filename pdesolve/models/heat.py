r"""The heat equation with finite elements in space and any stepper of :mod:`pdesolve.time`.

.. math::
    u_t = \nabla\cdot(\kappa \nabla u) + f(t, x) \text{ in } \Omega, \qquad u = 0 \text{ on }
    \Gamma_D, \qquad \kappa \partial_n u = 0 \text{ elsewhere},

semi-discretised as :math:`M \dot u = -K u + F(t)` (:math:`M` the mass, :math:`K` the stiffness
matrix, :math:`F(t) = \int f(t)\,\phi_i`), then stepped with e.g. the θ-scheme
:math:`(M + \theta \Delta t K) u^{n+1} = (M - (1-\theta)\Delta t K) u^n + \Delta t\,(\theta F^{n+1}
+ (1-\theta) F^n)` (``"crank-nicolson"``: θ = 1/2, order 2; ``"implicit-euler"``: θ = 1).
Good values: κ = 1 on the unit square, Δt ≈ h for Crank–Nicolson.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import fem
from ..fem import forms
from ..mesh.mesh import Where
from ..time.integrate import integrate
from ..time.registry import stepper
from ._fem import mass_and_stiffness


class HeatEquation:
    """``u_t = ∇·(κ∇u) + f`` on a finite-element space with homogeneous Dirichlet data.

    Parameters
    ----------
    V : FunctionSpace
    kappa : coefficient
        Conductivity (constant, callable of x, per-cell array, tensor...).
    source : callable ``f(t, x)``, optional
        Heat source; ``x`` has shape (gdim, ...).
    dirichlet : tag, predicate, True (whole boundary) or None (insulated)
        Where ``u = 0``.

    Examples
    --------
    >>> import numpy as np, pdesolve as ps
    >>> V = ps.fem.FunctionSpace(ps.mesh.rectangle(16, 16), "P", 1)
    >>> heat = ps.models.HeatEquation(V, dirichlet=True)
    >>> u0 = heat.initial(lambda x: np.sin(np.pi * x[0]) * np.sin(np.pi * x[1]))
    >>> traj = heat.solve(u0, t_end=0.05, dt=0.01)
    >>> traj.u.shape
    (6, 289)
    """

    def __init__(
        self,
        V: fem.FunctionSpace,
        kappa: Any = 1.0,
        source: Callable[[float, np.ndarray], Any] | None = None,
        dirichlet: Where | bool | None = True,
    ):
        self.space = V
        self.M, self.K, self.bc = mass_and_stiffness(V, kappa, dirichlet)
        self.source = source

    def initial(self, fn: Callable[[np.ndarray], Any]) -> np.ndarray:
        """Nodal interpolant of ``fn(x)`` with the Dirichlet values set to zero."""
        u = fem.Function(self.space, fn).x
        if self.bc is not None:
            u[self.bc.dofs] = 0.0
        return u

    def load(self, t: float) -> np.ndarray:
        """``F(t) = ∫ f(t, x) φ_i dx`` (zero on Dirichlet dofs)."""
        F = fem.assemble(forms.source(lambda x: self.source(t, x)), self.space)
        if self.bc is not None:
            F[self.bc.dofs] = 0.0
        return F

    def stepper(self, name: str = "crank-nicolson", **options: Any):
        """A stepper of :mod:`pdesolve.time` for ``M u' = −K u + F(t)``; ``options`` go to it
        (``solver="cg", pc="amg"`` for large meshes; the default factorises once)."""
        src = self.load if self.source is not None else None
        return stepper(name, linear=-self.K, mass=self.M, source=src, **options)

    def solve(
        self,
        u0: np.ndarray,
        t_end: float,
        dt: float,
        method: str = "crank-nicolson",
        save_every: int | None = None,
        **options: Any,
    ):
        """Integrate from ``t = 0`` to ``t_end``; returns a :class:`~pdesolve.time.Trajectory`."""
        return integrate(
            self.stepper(method, **options), u0, (0.0, t_end), dt, save_every=save_every
        )
