r"""Unsteady incompressible Navier–Stokes, monolithic: velocity and pressure in one system.

The alternative to the splitting of :mod:`~pdesolve.models.ipcs`: every step solves the
coupled Taylor–Hood system, so there is no splitting error and the pressure is as accurate in
time as the velocity (second order, where IPCS gives first). The convection is linearised by
extrapolation (a linearly implicit, "semi-implicit" scheme: one linear solve per step, no
Newton iteration), in Temam's skew-symmetric form :math:`C(w)` (see
:class:`~pdesolve.fem.convection.ConvectionOperator`):

``scheme="bdf2"`` (default), with :math:`w = 2u^n - u^{n-1}` (BDF1 and :math:`w = u^0` on the
first step):

.. math:: \Big(\frac{3M}{2\Delta t} + \nu K + C(w)\Big) u^{n+1} - G^T p^{n+1}
          = \frac{M (4u^n - u^{n-1})}{2\Delta t} + f^{n+1}, \qquad G u^{n+1} = 0;

``scheme="cn"`` (Crank–Nicolson), with :math:`w = \tfrac32 u^n - \tfrac12 u^{n-1}`:

.. math:: \Big(\frac{M}{\Delta t} + \frac{\nu K + C(w)}{2}\Big) u^{n+1} - G^T p^{n+1/2}
          = \Big(\frac{M}{\Delta t} - \frac{\nu K + C(w)}{2}\Big) u^n + f^{n+1/2},
          \qquad G u^{n+1} = 0,

whose pressure lives at the half step (:attr:`MonolithicNS.p_time`). Each step assembles the
velocity block on the cached pattern and solves the saddle-point system by sparse LU
(:class:`~pdesolve.linalg.direct.SaddlePointLU`): robust and exact, about 10–30x the cost of
an IPCS step — the choice for accuracy in time at moderate sizes, or large steps.

References
----------
V. John, *Finite Element Methods for Incompressible Flow Problems*, Springer 2016, §7.
R. Temam, *Navier–Stokes Equations*, North-Holland 1977 (the skew-symmetric convection).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ..fem.mixed import MixedSpace, NullSpaceError, apply_dirichlet_dofs
from ._flow_operators import UnsteadyFlow
from .stokes import VelocityBC, solve_saddle_direct

__all__ = ["MonolithicNS", "MONOLITHIC_SCHEMES"]

#: the time discretisations of :class:`MonolithicNS`
MONOLITHIC_SCHEMES = ("bdf2", "cn")


class MonolithicNS(UnsteadyFlow):
    """Linearly implicit BDF2 or Crank–Nicolson for ``∂u/∂t + (u·∇)u − νΔu + ∇p = f,
    ∇·u = 0`` on a Taylor–Hood space (module docstring).

    Parameters
    ----------
    W : MixedSpace
        Taylor–Hood velocity (field 0) × pressure (field 1).
    nu, dt : float
        Kinematic viscosity and time step.
    bcs : sequence of VelocityBC
        Velocity conditions; a callable value is called as ``value(x, t)``. Where the
        velocity is not prescribed the natural (do-nothing) condition holds.
    f : callable ``f(x, t)``, optional
        Body force.
    scheme : {"bdf2", "cn"}
    pressure : {"auto", "mean"}
        With the velocity prescribed on the whole boundary the pressure needs the mean-zero
        constraint: pass ``"mean"`` (``"auto"`` raises :class:`NullSpaceError` then).
    blowup : float
        Raise :class:`~pdesolve.models.ipcs.FlowBlowUpError` when ``max |u|`` exceeds it.

    Good values: ``dt`` up to a few times the IPCS step for the same accuracy in the velocity;
    on the Taylor–Green test ``dt = 0.5/40`` gives velocity and pressure errors of 1e-4.
    """

    def __init__(self, W: MixedSpace, nu: float, dt: float, bcs: Sequence[VelocityBC],
                 f: Callable | None = None, scheme: str = "bdf2", pressure: str = "auto",
                 blowup: float = 1e3):  # fmt: skip
        if scheme not in MONOLITHIC_SCHEMES:
            raise ValueError(f"scheme must be one of {MONOLITHIC_SCHEMES}, got {scheme!r}")
        if pressure not in ("auto", "mean"):
            raise ValueError(f"pressure must be 'auto' or 'mean', got {pressure!r}")
        super().__init__(W, nu, dt, bcs, f, blowup)
        if self.enclosed and pressure == "auto":
            raise NullSpaceError(
                "the velocity is prescribed on the whole boundary, so the pressure is only "
                "determined up to a constant; pass pressure='mean' (mean-zero pressure)"
            )
        self.scheme = scheme
        self._GT = (-self.G.T).tocsr()
        self._mG = (-self.G).tocsr()
        self._eye = sp.identity(self.bs, format="csr")
        self.set_state()

    @property
    def p_time(self) -> float:
        """The time of :attr:`p`: ``t`` (BDF2) or ``t − Δt/2`` (Crank–Nicolson)."""
        return self.t - 0.5 * self.dt if self.scheme == "cn" and self.steps else self.t

    def step(self) -> None:
        """Advance one time step: one saddle-point solve (module docstring)."""
        dt, nu, ops = self.dt, self.nu, self.ops
        t1 = self.t + dt
        U = self._components(self.u)
        Up = None if self._u_prev is None else self._components(self._u_prev)
        if self.scheme == "bdf2":
            if Up is None:
                a, w, mass_rhs = 1.0 / dt, U, self.Ms @ U / dt
            else:
                a, w, mass_rhs = 1.5 / dt, 2.0 * U - Up, self.Ms @ (4.0 * U - Up) / (2.0 * dt)
            C = self.op.matrix(w, skew=True)
            S = ops.combine((a, self.Ms), (nu, self.Ks), (1.0, C))
            rhs = mass_rhs
            t_force = t1
        else:
            w = U if Up is None else 1.5 * U - 0.5 * Up
            C = self.op.matrix(w, skew=True)
            S = ops.combine((1.0 / dt, self.Ms), (0.5 * nu, self.Ks), (0.5, C))
            rhs = self.Ms @ U / dt - 0.5 * (nu * (self.Ks @ U) + C @ U)
            t_force = t1 - 0.5 * dt
        if self.f is not None:
            rhs = rhs + self._components(self._force(t_force))
        A = sp.bmat([[sp.kron(S, self._eye, format="csr"), self._GT], [self._mG, None]],
                    format="csr")  # fmt: skip
        b = np.concatenate([rhs.ravel(), np.zeros(len(self.ip))])
        d, g = self.dirichlet(t1)
        A, b = apply_dirichlet_dofs(A, b, d, g)
        x = solve_saddle_direct(self.W, A, b, mean_zero=self.enclosed)
        self._advance(x[self.iu], x[self.ip], f"reduce dt (now {dt:g})")
