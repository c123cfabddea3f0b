r"""Unsteady incompressible Navier–Stokes by incremental pressure correction (IPCS).

Goda's scheme (1979) on Taylor–Hood P2–P1, in three sub-steps per time step — a splitting of
the momentum and the incompressibility constraint:

1. tentative velocity, Crank–Nicolson in the viscous term, with the convection either
   *explicit* (Adams–Bashforth 2; the matrix never changes)

   .. math:: \Big(\frac{M}{\Delta t} + \frac{\nu K}{2}\Big) u^* = \Big(\frac{M}{\Delta t} -
             \frac{\nu K}{2}\Big) u^n - \tfrac32 N(u^n) + \tfrac12 N(u^{n-1}) + G^T p^n + f,

   or *semi-implicit* (the default): convected by the extrapolated velocity
   :math:`w = \tfrac32 u^n - \tfrac12 u^{n-1}` and Crank–Nicolson in the convected one,

   .. math:: \Big(\frac{M}{\Delta t} + \frac{\nu K}{2} + \frac{C(w)}{2}\Big) u^* =
             \Big(\frac{M}{\Delta t} - \frac{\nu K}{2} - \frac{C(w)}{2}\Big) u^n + G^T p^n + f,

   linear in :math:`u^*`, second order, and free of the explicit scheme's CFL limit (the
   scheme of the DOLFINx DFG 2D-3 demo, here with Temam's skew-symmetric term
   :math:`\tfrac12((\nabla\cdot w)\phi_j, \phi_i)` added to :math:`C(w)` by default);
   its matrix changes every step and is solved by BiCGSTAB with a Jacobi preconditioner
   (it is mass-dominated: a handful of iterations);
   with the velocity conditions at :math:`t^{n+1}`;
2. pressure increment :math:`\varphi = p^{n+1} - p^n` from
   :math:`K_p \varphi = -\frac{1}{\Delta t} G u^*` (``φ = 0`` on the do-nothing outlet; on
   an enclosed flow the mean-zero constraint);
3. velocity correction :math:`M u^{n+1} = M u^* + \Delta t\, G^T \varphi`, and
   :math:`p^{n+1} = p^n + \varphi` (standard form) or
   :math:`p^n + \varphi - \tfrac{\nu}{2} \nabla\cdot u^*` (``rotational=True``, Timmermans
   et al. 1996: removes the artificial pressure boundary layer). The factor is the implicit
   weight of the viscous term in step 1 (½ for Crank–Nicolson: writing
   :math:`\tfrac{\nu}{2}\Delta u^* = \tfrac{\nu}{2}(\nabla\nabla\cdot u^* - \nabla\times
   \nabla\times u^*)` and summing the sub-steps gives this pressure; Guermond, Minev & Shen
   2006, §3.3). With the full ν the update over-corrects: on the strongly graded
   ``dfg_channel(32, fine=4)`` at ``Δt = 1/1600`` the pressure then oscillated from step to
   step (Δp ±13 by t = 0.15), while ν/2 gives the standard scheme's smooth values.

``M``, ``K`` are the vector P2 mass and stiffness matrices — block-diagonal over the
components, so every velocity solve is done per component with the scalar matrices — ``K_p``
the P1 Laplacian, ``G_{ij} = (q_i, \nabla\cdot\phi_j)``, ``N(u) = ((u\cdot\nabla)u, \phi_j)``
and ``C(w)_{ij} = ((w\cdot\nabla)\phi_j, \phi_i)`` (numba kernels,
:class:`~pdesolve.fem.convection.ConvectionOperator`). The constant matrices are factorised
once (sparse LU) and reused every step. A step whose velocity blows up raises
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

from ..fem.mixed import (
    MixedSpace,
    pressure_mean_constraint,
)
from ..linalg.krylov.bicgstab_columns import bicgstab_columns, csr_columns_product
from ._flow_operators import FlowBlowUpError, UnsteadyFlow
from .stokes import VelocityBC, velocity_dirichlet

__all__ = ["IPCS", "FlowBlowUpError", "CONVECTION"]  # FlowBlowUpError: re-exported

#: the treatments of the convection term in the tentative-velocity step
CONVECTION = ("semi-implicit", "explicit")


class _Eliminated:
    """A constant matrix with Dirichlet rows/columns eliminated, factorised once; a solve lifts
    the boundary values ``A[:, D] g`` into the right-hand side (``b`` one column or several,
    ``g`` alike)."""

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

    def solve(self, b: np.ndarray, g: np.ndarray | None = None) -> np.ndarray:
        rhs = b.copy()
        if len(self.dofs):
            gv = np.zeros((len(self.dofs), *b.shape[1:])) if g is None else g
            rhs -= self.lift @ gv
            rhs[self.dofs] = gv
        return self.lu.solve(rhs)


class _RowConditions:
    """Dirichlet rows of a matrix on a fixed pattern replaced by identity rows, in place on its
    values (for matrices that change every step: no elimination, no refactorisation)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray):
        self.rows = rows
        starts, stops = indptr[rows], indptr[rows + 1]
        self.slots = np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)]
                                    ) if len(rows) else np.zeros(0, np.int64)  # fmt: skip
        diag = [a + np.flatnonzero(indices[a:b] == r)[0]
                for a, b, r in zip(starts, stops, rows, strict=True)]  # fmt: skip
        self.diag = np.asarray(diag, dtype=np.int64)

    def apply(self, data: np.ndarray) -> None:
        data[self.slots] = 0.0
        data[self.diag] = 1.0


class IPCS(UnsteadyFlow):
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
    convection : {"semi-implicit", "explicit"}
        Treatment of the convection term (module docstring). Explicit is cheaper per step
        (constant matrices) but needs ``Δt ≲ h/|u|``.
    skew : bool
        Semi-implicit convection in Temam's skew-symmetric form, ``C(w) + ½((∇·w)φ_j, φ_i)``
        (default): the discrete convection then conserves energy although ``w`` is only
        approximately divergence-free, which keeps under-resolved flows bounded (a cavity at
        Re = 10⁴ on an 8 × 8 mesh with ``Δt = 0.2``: bounded with it, blown up by step 15
        without it).
    blowup : float
        Raise :class:`FlowBlowUpError` when ``max |u|`` exceeds this (default 1e3).
    rtol : float
        Relative tolerance of the semi-implicit momentum solves (BiCGSTAB, Jacobi).

    Good values: for DFG 2D-3 (Re ≤ 100) ``dt = 1/1600`` semi-implicit on
    ``dfg_channel(16, fine=2)`` (27k dofs; about 8 ms a step on one core); explicit needs
    ``dt ≤ 1/3200`` there.
    """

    def __init__(self, W: MixedSpace, nu: float, dt: float, bcs: Sequence[VelocityBC],
                 outlet: Any = None, f: Callable | None = None, rotational: bool = False,
                 convection: str = "semi-implicit", skew: bool = True,
                 blowup: float = 1e3, rtol: float = 1e-10):  # fmt: skip
        if convection not in CONVECTION:
            raise ValueError(f"convection must be one of {CONVECTION}, got {convection!r}")
        super().__init__(W, nu, dt, bcs, f, blowup)
        self.rotational = bool(rotational)
        self.scheme, self.rtol, self.skew = convection, float(rtol), bool(skew)
        ops, pat, Q = self.ops, self.ops.pattern, self.Q
        self.Kp = ops.Kp
        self._Mp_lu = spla.splu(ops.Mp.tocsc()) if self.rotational else None
        if outlet is None and not self.enclosed:
            raise ValueError("the velocity is not prescribed everywhere: name the do-nothing "
                             "outlet (outlet='outlet'), where the pressure increment is 0")
        dofs, _ = velocity_dirichlet(W, self.bcs, 0.0)
        d = dofs - W.offsets[0]
        self.bc_nodes = [d[d % self.bs == k] // self.bs for k in range(self.bs)]
        self._bc_pos = [np.flatnonzero(d % self.bs == k) for k in range(self.bs)]
        self.GT = self.G.T.tocsr()
        self.B = ops.combine((1.0 / self.dt, self.Ms), (0.5 * self.nu, self.Ks))
        self.A1 = self._per_component(lambda nodes: _Eliminated(self.B, nodes))
        self.rows = self._per_component(
            lambda nodes: _RowConditions(pat.indptr, pat.indices, nodes))
        self.A3 = self._per_component(lambda nodes: _Eliminated(self.Ms, nodes))
        if outlet is not None:
            self.pdofs = Q.boundary_nodes(outlet)
            self.A2 = _Eliminated(self.Kp, self.pdofs)
            self.mean = None
        else:
            c = pressure_mean_constraint(W)[self.ip]
            Kb = sp.bmat([[self.Kp, sp.csr_matrix(c[:, None])],
                          [sp.csr_matrix(c[None, :]), None]], format="csc")  # fmt: skip
            self.A2 = _Eliminated(Kb, np.zeros(0, np.int64))
            self.pdofs, self.mean = None, c
        self.krylov_iterations = 0
        self.set_state()

    def set_state(self, u: np.ndarray | None = None, p: np.ndarray | None = None,
                  t: float = 0.0) -> None:  # fmt: skip
        super().set_state(u, p, t)
        self._N_prev: np.ndarray | None = None

    def _per_component(self, make: Callable) -> list:
        """One object per velocity component, shared between components with equal nodes."""
        out: list = []
        for k, nodes in enumerate(self.bc_nodes):
            same = [j for j in range(k) if np.array_equal(self.bc_nodes[j], nodes)]
            out.append(out[same[0]] if same else make(nodes))
        return out

    # ------------------------------------------------------------------ stepping
    def _tentative(self, rhs: np.ndarray, g: np.ndarray, U: np.ndarray) -> np.ndarray:
        """Step 1 per component: ``rhs`` (nn, bs) already holds everything but the matrix."""
        out = np.empty_like(rhs)
        if self.scheme == "explicit":
            for k in range(self.bs):
                out[:, k] = self.A1[k].solve(rhs[:, k], g[self._bc_pos[k]])
            return out
        A = self._A
        if all(r is self.rows[0] for r in self.rows):  # one matrix: all components at once
            data = self._A_data.copy()
            self.rows[0].apply(data)
            A.data = data
            B = rhs.copy()
            for k in range(self.bs):
                B[self.bc_nodes[k], k] = g[self._bc_pos[k]]
            X, its, ok = bicgstab_columns(A, B, U, 1.0 / data[self._diag_slots], self.rtol)
            self.krylov_iterations += its
            if not ok:  # not converged: the direct solve of the same system
                X = spla.splu(A.tocsc()).solve(B)
            return X
        for k in range(self.bs):
            if k == 0 or self.rows[k] is not self.rows[k - 1]:
                data = self._A_data.copy()
                self.rows[k].apply(data)
                A.data = data
                dinv = 1.0 / data[self._diag_slots]
                M = spla.LinearOperator(A.shape, matvec=lambda r, d=dinv: d * r)
            b = rhs[:, k].copy()
            b[self.bc_nodes[k]] = g[self._bc_pos[k]]
            its = [0]

            def count(_, its=its):
                its[0] += 1

            x, info = spla.bicgstab(A, b, x0=U[:, k], rtol=self.rtol, atol=0.0, M=M,
                                    maxiter=500, callback=count)  # fmt: skip
            self.krylov_iterations += its[0]
            if info != 0:  # not converged: the direct solve of the same system
                x = spla.splu(A.tocsc()).solve(b)
            out[:, k] = x
        return out

    def step(self) -> None:
        """Advance one time step (the three sub-steps of the module docstring)."""
        dt, nu, nn, bs = self.dt, self.nu, self.nn, self.bs
        t1 = self.t + dt
        U = self._components(self.u)
        Gp = self._components(self.GT @ self.p)
        if self.scheme == "explicit":
            rhs = self.Ms @ U / dt - 0.5 * nu * (self.Ks @ U) + Gp
            cached = self._N_cache is not None and self._N_cache[0] == self.steps
            N = self._N_cache[1] if cached else self.convection(self.u)
            conv = N if self._N_prev is None else 1.5 * N - 0.5 * self._N_prev
            rhs -= self._components(conv)
            self._N_prev = N
        else:
            w = U if self._u_prev is None else 1.5 * U - 0.5 * self._components(self._u_prev)
            C = self.op.matrix(w, out=getattr(self, "_C", None), skew=self.skew)
            self._C = C
            self._A_data = self.B.data + 0.5 * C.data
            if not hasattr(self, "_A"):
                self._A = self.op.pattern.matrix(self._A_data.copy())
                self._diag_slots = _diagonal_slots(self._A)
            # (M/Δt − νK/2 − C/2) u^n = 2M/Δt u^n − A u^n: one product on the shared pattern
            P = self.op.pattern
            rhs = csr_columns_product(P.indptr, P.indices,
                                      (2.0 / dt) * self.Ms.data - self._A_data, U) + Gp  # fmt: skip
        if self.f is not None:
            rhs += self._components(self._force(t1 - 0.5 * dt))
        _, g = self.dirichlet(t1)
        u_star = self._tentative(rhs, g, U).ravel()
        div_star = self.G @ u_star
        if self.mean is None:
            phi = self.A2.solve(-div_star / dt)
        else:
            phi = self.A2.solve(np.concatenate([-div_star / dt, [0.0]]))[:-1]
        rhs3 = self.Ms @ self._components(u_star) + dt * self._components(self.GT @ phi)
        u_new = np.empty((nn, bs))
        if all(a is self.A3[0] for a in self.A3):  # equal nodes: one LU for bs columns
            G3 = np.stack([g[p] for p in self._bc_pos], axis=1)
            u_new[:] = self.A3[0].solve(rhs3, G3)
        else:
            for k in range(bs):
                u_new[:, k] = self.A3[k].solve(rhs3[:, k], g[self._bc_pos[k]])
        p_new = self.p + phi
        if self._Mp_lu is not None:  # p -= ν/2 ∇·u*, the divergence projected onto P1
            p_new -= 0.5 * nu * self._Mp_lu.solve(div_star)
        hint = ("the explicit convection needs dt <~ h/|u| — reduce dt (now "
                f"{dt:g}), take convection='semi-implicit'" if self.scheme == "explicit"
                else f"reduce dt (now {dt:g})")  # fmt: skip
        self._advance(u_new.ravel(), p_new, hint)


def _diagonal_slots(A: sp.csr_matrix) -> np.ndarray:
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    return np.flatnonzero(A.indices == rows)

