r"""Unsteady incompressible Navier–Stokes by incremental pressure correction (IPCS).

Goda's scheme (1979) on Taylor–Hood P2–P1, in three sub-steps per time step — a splitting of
the momentum and the incompressibility constraint:

1. tentative velocity, Crank–Nicolson in the viscous term and Adams–Bashforth 2 in the
   convection (explicit, so the matrix never changes):

   .. math:: \Big(\frac{M}{\Delta t} + \frac{\nu K}{2}\Big) u^* = \Big(\frac{M}{\Delta t} -
             \frac{\nu K}{2}\Big) u^n - \tfrac32 N(u^n) + \tfrac12 N(u^{n-1}) + G^T p^n + f,

   with the velocity conditions at :math:`t^{n+1}`;
2. pressure increment :math:`\varphi = p^{n+1} - p^n` from
   :math:`K_p \varphi = -\frac{1}{\Delta t} G u^*` (``φ = 0`` on the do-nothing outlet; on
   an enclosed flow the mean-zero constraint);
3. velocity correction :math:`M u^{n+1} = M u^* + \Delta t\, G^T \varphi`, and
   :math:`p^{n+1} = p^n + \varphi` (standard form) or
   :math:`p^n + \varphi - \nu \nabla\cdot u^*` (``rotational=True``, Timmermans et al. 1996:
   removes the artificial pressure boundary layer).

``M``, ``K`` are the vector P2 mass and stiffness matrices, ``K_p`` the P1 Laplacian,
``G_{ij} = (q_i, \nabla\cdot\phi_j)``, ``N(u) = ((u\cdot\nabla)u, \phi_j)``. All three
matrices are constant: each is factorised once (sparse LU; Cholesky-like for the SPD ones)
and a step costs one convection assembly and three triangular solves. Explicit convection
needs ``Δt ≲ h / |u|`` (a CFL condition); a step whose velocity blows up raises
:class:`FlowBlowUpError`.

References
----------
K. Goda, "A multistep technique with implicit difference schemes for calculating two- or
three-dimensional cavity flows", J. Comput. Phys. 30 (1979) 76–95.
L. J. P. Timmermans, P. D. Minev and F. N. van de Vosse, "An approximate projection scheme for
incompressible flow using spectral elements", Int. J. Numer. Meth. Fluids 22 (1996) 673–688.
J. L. Guermond, P. Minev and J. Shen, "An overview of projection methods for incompressible
flows", Comput. Methods Appl. Mech. Engrg. 195 (2006) 6011–6045.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError
from ..fem.forms import ddot, div, dot, grad
from ..fem.mixed import (
    MixedFunction,
    MixedSpace,
    assemble_mixed,
    mixed_bilinear_form,
    mixed_linear_form,
    pressure_mean_constraint,
)
from .navier_stokes import _convect
from .stokes import VelocityBC, encloses, velocity_dirichlet

__all__ = ["IPCS", "FlowBlowUpError"]


class FlowBlowUpError(ConvergenceError):
    """The velocity became non-finite or grew without bound during time stepping."""


class _Eliminated:
    """A constant matrix with Dirichlet rows/columns eliminated, factorised once; a solve lifts
    the boundary values ``A[:, D] g`` into the right-hand side."""

    def __init__(self, A: sp.csr_matrix, dofs: np.ndarray):
        A = A.tocsc()
        n = A.shape[0]
        self.dofs = np.asarray(dofs, dtype=np.int64)
        keep = np.ones(n, bool)
        keep[self.dofs] = False
        self.lift = A[:, self.dofs].tocsr()
        Dk = sp.diags(keep.astype(float))
        Ab = (Dk @ A @ Dk + sp.diags((~keep).astype(float))).tocsc()
        self.lu = spla.splu(Ab, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                            options={"SymmetricMode": True})  # fmt: skip
        self.keep = keep

    def solve(self, b: np.ndarray, g: np.ndarray | None = None) -> np.ndarray:
        rhs = b.copy()
        if len(self.dofs):
            gv = np.zeros(len(self.dofs)) if g is None else g
            rhs -= self.lift @ gv
            rhs[self.dofs] = gv
        return self.lu.solve(rhs)


class IPCS:
    """Incremental pressure correction for ``∂u/∂t + (u·∇)u − νΔu + ∇p = f, ∇·u = 0``.

    Parameters
    ----------
    W : MixedSpace
        Taylor–Hood velocity (field 0, vector P2) × pressure (field 1, P1).
    nu : float
        Kinematic viscosity.
    dt : float
        Time step.
    bcs : sequence of VelocityBC
        Velocity conditions; a callable value is called as ``value(x, t)``.
    outlet : tag or predicate, optional
        The do-nothing boundary, where the pressure increment is 0. ``None`` with the
        velocity prescribed everywhere: mean-zero pressure.
    f : callable ``f(x, t)`` (gdim, ...) -> (gdim, ...), optional
        Body force.
    rotational : bool
        Rotational pressure update (see the module docstring).
    blowup : float
        Raise :class:`FlowBlowUpError` when ``max |u|`` exceeds this (default 1e3).

    Good values: ``dt`` at most the smallest cell size over the peak velocity; for DFG 2D-2
    (Re = 100) ``dt = 1/800`` on ``dfg_channel(16, fine=2)``.
    """

    def __init__(self, W: MixedSpace, nu: float, dt: float, bcs: Sequence[VelocityBC],
                 outlet: Any = None, f: Callable | None = None, rotational: bool = False,
                 blowup: float = 1e3):  # fmt: skip
        if not dt > 0:
            raise ValueError(f"dt must be positive, got {dt}")
        self.W, self.nu, self.dt, self.bcs = W, float(nu), float(dt), list(bcs)
        self.f, self.rotational, self.blowup = f, bool(rotational), float(blowup)
        V, Q = W.spaces
        self.V, self.Q = V, Q
        iu, ip = W.dofs(0), W.dofs(1)
        self.iu, self.ip = iu, ip

        self.M = self._block(lambda uu, vv, p, q: dot(uu, vv), 0, 0)
        self.K = self._block(lambda uu, vv, p, q: ddot(grad(uu), grad(vv)), 0, 0)
        self.G = self._block(lambda uu, vv, p, q: q * div(uu), 1, 0)  # (q_i, div φ_j)
        self.Kp = self._block(lambda uu, vv, p, q: dot(grad(p), grad(q)), 1, 1)
        self.Mp = self._block(lambda uu, vv, p, q: p * q, 1, 1)
        self._Mp_lu = spla.splu(self.Mp.tocsc()) if self.rotational else None
        self.enclosed = encloses(W, self.bcs)
        if outlet is None and not self.enclosed:
            raise ValueError("the velocity is not prescribed everywhere: name the do-nothing "
                             "outlet (outlet='outlet'), where the pressure increment is 0")
        dofs, _ = velocity_dirichlet(W, self.bcs, 0.0)
        self.bc_dofs = dofs - W.offsets[0]
        self.A1 = _Eliminated(self.M / self.dt + 0.5 * self.nu * self.K, self.bc_dofs)
        self.A3 = _Eliminated(self.M, self.bc_dofs)
        if outlet is not None:
            self.pdofs = Q.boundary_nodes(outlet)
            self.A2 = _Eliminated(self.Kp, self.pdofs)
            self.mean = None
        else:
            c = pressure_mean_constraint(W)[ip]
            Kb = sp.bmat([[self.Kp, sp.csr_matrix(c[:, None])],
                          [sp.csr_matrix(c[None, :]), None]], format="csc")  # fmt: skip
            self.A2 = _Eliminated(Kb, np.zeros(0, np.int64))
            self.pdofs, self.mean = None, c
        self.t = 0.0
        self.u = np.zeros(len(iu))
        self.p = np.zeros(len(ip))
        self._N_prev: np.ndarray | None = None
        self._N_next: np.ndarray | None = None  # N(u) of the current state, if computed
        self.steps = 0

    def _block(self, fn, i: int, j: int) -> sp.csr_matrix:
        @mixed_bilinear_form
        def form(u, v, w):
            (uu, p), (vv, q) = u, v
            return fn(uu, vv, p, q)

        return self.W.block(assemble_mixed(form, self.W), i, j).tocsr()

    # ------------------------------------------------------------------ pieces
    def function(self) -> MixedFunction:
        """The current ``(u, p)`` as a MixedFunction."""
        x = np.zeros(self.W.num_dofs)
        x[self.iu], x[self.ip] = self.u, self.p
        return MixedFunction(self.W, x)

    def set_state(self, u: np.ndarray | None = None, p: np.ndarray | None = None,
                  t: float = 0.0) -> None:  # fmt: skip
        """Initial velocity / pressure dof vectors (default zero) at time ``t``."""
        self.u = np.zeros(len(self.iu)) if u is None else np.array(u, dtype=float)
        self.p = np.zeros(len(self.ip)) if p is None else np.array(p, dtype=float)
        self.t, self._N_prev, self._N_next, self.steps = float(t), None, None, 0

    def convection(self, u: np.ndarray) -> np.ndarray:
        """``N(u)_j = ((u·∇)u, φ_j)`` on the velocity dofs."""
        x = np.zeros(self.W.num_dofs)
        x[self.iu] = u
        wh = MixedFunction(self.W, x)

        @mixed_linear_form(w=wh)
        def N(v, w):
            uu = w.w[0]
            return dot(_convect(uu, grad(uu)), v[0])

        # (u·∇)u·v has degree 3p − 1 on affine cells: exact with that rule (7 points, not 12)
        p = self.V.degree
        return assemble_mixed(N, self.W, quadrature_degree=3 * p - 1)[self.iu]

    def _force(self, t: float) -> np.ndarray:
        if self.f is None:
            return 0.0
        f = self.f

        @mixed_linear_form(f=lambda x: f(x, t))
        def load(v, w):
            return dot(w.f, v[0])

        return assemble_mixed(load, self.W)[self.iu]

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """Advance one time step (the three sub-steps of the module docstring)."""
        dt, nu = self.dt, self.nu
        t1 = self.t + dt
        N = self._N_next if self._N_next is not None else self.convection(self.u)
        self._N_next = None
        conv = N if self._N_prev is None else 1.5 * N - 0.5 * self._N_prev
        rhs = self.M @ self.u / dt - 0.5 * nu * (self.K @ self.u) - conv + self.G.T @ self.p
        rhs = rhs + self._force(t1 - 0.5 * dt)
        _, g = velocity_dirichlet(self.W, self.bcs, t1)
        u_star = self.A1.solve(rhs, g)
        div_star = self.G @ u_star
        if self.mean is None:
            phi = self.A2.solve(-div_star / dt)
        else:
            phi = self.A2.solve(np.concatenate([-div_star / dt, [0.0]]))[:-1]
        u_new = self.A3.solve(self.M @ u_star + dt * (self.G.T @ phi), g)
        p_new = self.p + phi
        if self._Mp_lu is not None:  # p -= ν ∇·u*, the divergence projected onto P1
            p_new -= nu * self._Mp_lu.solve(div_star)
        self._N_prev = N
        self.u, self.p, self.t = u_new, p_new, t1
        self.steps += 1
        peak = float(np.max(np.abs(u_new))) if u_new.size else 0.0
        if not np.isfinite(peak) or peak > self.blowup:
            raise FlowBlowUpError(
                f"IPCS blew up at t = {t1:.4g} (step {self.steps}, max |u| = {peak:.3g}): the "
                f"explicit convection needs dt <~ h/|u| — reduce dt (now {dt:g}) or refine the "
                "mesh for this Reynolds number"
            )

    def run(self, t_end: float, callback: Callable[[IPCS], Any] | None = None,
            progress: bool = False) -> None:  # fmt: skip
        """Step until ``t_end`` (to within half a step), calling ``callback(self)`` after
        each step."""
        n = int(round((t_end - self.t) / self.dt))
        it = range(n)
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(it, desc="IPCS", unit="step")
        for _ in it:
            self.step()
            if callback is not None:
                callback(self)

    def momentum_residual(self, u_old: np.ndarray) -> np.ndarray:
        """``M(uⁿ⁺¹ − uⁿ)/Δt + νK uⁿ⁺¹ + N(uⁿ⁺¹) − Gᵀpⁿ⁺¹ − f`` on the velocity dofs (before
        boundary conditions): the functional form of the forces (:mod:`pdesolve.models.dfg`)."""
        r = self.M @ (self.u - u_old) / self.dt + self.nu * (self.K @ self.u)
        self._N_next = self.convection(self.u)  # the next step's explicit convection
        r += self._N_next - self.G.T @ self.p
        if self.f is not None:
            r -= self._force(self.t)
        return r
