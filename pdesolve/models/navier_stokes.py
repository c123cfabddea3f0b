r"""Steady incompressible Navier–Stokes with Taylor–Hood elements, solved by Newton's method.

.. math:: -\nu \Delta u + (u\cdot\nabla) u + \nabla p = f, \qquad \nabla\cdot u = 0.

Residual and Jacobian (Gateaux derivative) on ``W = V × Q``, written as forms of the current
iterate ``(u, p)``:

.. math::
    F(u, p; v, q) &= \nu(\nabla u, \nabla v) + ((u\cdot\nabla)u, v) - (p, \nabla\cdot v)
                     - (q, \nabla\cdot u) - (f, v), \\
    J(u; \delta u, \delta p; v, q) &= \nu(\nabla \delta u, \nabla v)
        + ((u\cdot\nabla)\delta u + (\delta u\cdot\nabla) u, v)
        - (\delta p, \nabla\cdot v) - (q, \nabla\cdot \delta u).

Newton (:func:`pdesolve.linalg.newton`) sees only the callables ``F(x)`` and ``J(x)`` on the
coefficient vector; the Jacobian is re-assembled on the cached pattern of ``W``. Velocity
conditions are imposed on the iterate (``x0`` satisfies them) and the Newton update is zero
there (identity rows, eliminated columns). If the velocity is prescribed everywhere, the
vector is bordered by the multiplier of ``∫ p = 0``. For larger Reynolds numbers,
:meth:`NavierStokes.solve` walks a Reynolds (viscosity) continuation path, each solve
starting from the previous one (Elman, Silvester & Wathen 2014, ch. 8).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import ConvergenceError
from ..fem.bcs import _eliminate
from ..fem.forms import ddot, div, dot, grad
from ..fem.mixed import (
    MixedFunction,
    MixedSpace,
    assemble_mixed,
    mixed_bilinear_form,
    mixed_linear_form,
    pressure_mean_constraint,
)
from ..linalg.direct import SaddlePointLU
from ._flow_operators import FlowOperators
from .stokes import PETSC_SCHUR, Stokes, VelocityBC, split_options, velocity_dirichlet


def _convect(a, G):
    """``(a·∇) u`` from ``a`` (dim, ...) and ``G = ∇u`` (dim, dim, ...), G[k, d] = ∂_d u_k."""
    return sum(a[d] * G[:, d] for d in range(G.shape[1]))


class NavierStokes(Stokes):
    """Steady Navier–Stokes on a Taylor–Hood space (same arguments as :class:`Stokes`)."""

    def __init__(
        self,
        W: MixedSpace,
        nu: float = 1.0,
        f: Any = None,
        bcs: Sequence[VelocityBC] = (),
        pressure: str = "auto",
    ):
        super().__init__(W, nu, f, bcs, pressure)
        self._J = None
        self.history: list[list[float]] = []
        # numba kernels on affine simplices (FlowOperators); the decorated forms elsewhere
        self._ops = FlowOperators(W) if W.spaces[0].mesh.reference.simplex else None
        self._mGT = self._mG = None

    def _split(self, wh: MixedFunction) -> tuple[np.ndarray, np.ndarray]:
        return wh.x[self.W.dofs(0)], wh.x[self.W.dofs(1)]

    # ---------------------------------------------------------------- forms
    def residual(self, wh: MixedFunction, nu: float | None = None) -> np.ndarray:
        """``F(u, p; ·)`` as a vector (before boundary conditions): ``ν(∇u, ∇v) +
        ((u·∇)u, v) − (p, ∇·v) − (q, ∇·u) − (f, v)``."""
        nu = self.nu if nu is None else nu
        if self._ops is None:
            return self.residual_form(wh, nu)
        ops, W = self._ops, self.W
        u, p = self._split(wh)
        U = ops.components(u)
        r = np.empty(W.num_dofs)
        r[W.dofs(0)] = (nu * (ops.Ks @ U) + ops.convection.vector(U)).ravel() - ops.G.T @ p
        r[W.dofs(1)] = -(ops.G @ u)
        return r - self.load() if self.f is not None else r

    def residual_form(self, wh: MixedFunction, nu: float | None = None) -> np.ndarray:
        """:meth:`residual` assembled from the decorated forms of the current iterate (any
        cell type; the reference the numba path is tested against)."""
        nu = self.nu if nu is None else nu
        f = self.f

        @mixed_linear_form(w=wh)
        def F(v, w):
            (vv, q), (u, p) = v, w.w
            r = nu * ddot(grad(u), grad(vv)) + dot(_convect(u, grad(u)), vv)
            return r - p * div(vv) - q * div(u)

        r = assemble_mixed(F, self.W)
        return r - self.load() if f is not None else r

    def jacobian(self, wh: MixedFunction, nu: float | None = None) -> sp.csr_matrix:
        """``J(u; δu, v) = ν(∇δu, ∇v) + ((u·∇)δu + (δu·∇)u, v) − (δp, ∇·v) − (q, ∇·δu)``:
        on simplices from the numba kernels (the velocity block as block-CSR on the scalar
        pattern: ``(νK + C(u)) ⊗ I`` plus the ``∂_g u_k`` mass blocks), else
        :meth:`jacobian_form`."""
        nu = self.nu if nu is None else nu
        if self._ops is None:
            return self.jacobian_form(wh, nu)
        ops = self._ops
        U = ops.components(self._split(wh)[0])
        S = nu * ops.Ks.data + ops.convection.matrix(U).data
        Juu = ops.velocity_matrix(S, ops.convection.gradient_mass(U))
        if self._mG is None:
            self._mGT, self._mG = (-ops.G.T).tocsr(), (-ops.G).tocsr()
        return sp.bmat([[Juu, self._mGT], [self._mG, None]], format="csr")

    def jacobian_form(self, wh: MixedFunction, nu: float | None = None) -> sp.csr_matrix:
        """:meth:`jacobian` from the decorated forms, on the mixed space's cached pattern
        (refilled in place on later calls)."""
        nu = self.nu if nu is None else nu

        @mixed_bilinear_form(w=wh)
        def J(du, v, w):
            (d, dp), (vv, q) = du, v
            u = w.w[0]
            conv = _convect(u, grad(d)) + _convect(d, grad(u))
            return nu * ddot(grad(d), grad(vv)) + dot(conv, vv) - dp * div(vv) - q * div(d)

        self._J = assemble_mixed(J, self.W, out=self._J)
        return self._J

    # ---------------------------------------------------------------- Newton
    def _callables(self, nu: float):
        W = self.W
        n = W.num_dofs
        d, _ = velocity_dirichlet(W, self.bcs)
        is_bc = np.zeros(n, np.bool_)
        is_bc[d] = True
        mean = self.pressure != "none"
        c = pressure_mean_constraint(W) if mean else None

        def F(x):
            wh = MixedFunction(W, x[:n])
            r = self.residual(wh, nu)
            r[is_bc] = 0.0
            if mean:
                r += c * x[n]
                r = np.concatenate([r, [c @ x[:n]]])
            return r

        def J(x):
            A = self.jacobian(MixedFunction(W, x[:n]), nu).copy()
            _eliminate(A.indptr, A.indices, A.data, np.zeros(n), is_bc, np.zeros(n))
            if mean:
                cc = c.copy()
                cc[is_bc] = 0.0
                A = sp.bmat(
                    [[A, sp.csr_matrix(cc[:, None])], [sp.csr_matrix(cc[None, :]), None]],
                    format="csr",
                )
            return A

        return F, J

    def initial_guess(self) -> np.ndarray:
        """The Stokes solution with the same data (a good start at low Reynolds numbers)."""
        return Stokes(self.W, self.nu, self.f, self.bcs, self.pressure).solve().x

    def solve(
        self,
        x0: np.ndarray | None = None,
        *,
        continuation: Sequence[float] | None = None,
        rtol: float = 1e-10,
        atol: float = 1e-10,
        maxiter: int = 25,
        linear: str = "direct",
    ) -> MixedFunction:
        """Newton's method from ``x0`` (default: the Stokes solution), optionally through the
        viscosities ``continuation`` (descending to ``nu``), each from the previous solution.

        ``linear`` solves the Newton steps: ``"direct"`` (saddle-point LU), ``"lsc"``
        (FGMRES to 1e-9 with :class:`~pdesolve.linalg.saddle.BlockTriangularPC`) or
        ``"petsc"`` (PETSc FGMRES to 1e-9 with ``PCFIELDSPLIT``: :data:`PETSC_OSEEN`); the
        iterative ones for flows with an outlet only. ``self.history`` holds the residual
        norms of each Newton solve, ``self.linear_iterations`` the Krylov iterations of each
        step (the iterative ones)."""
        from ..linalg.nonlinear import newton

        W = self.W
        n = W.num_dofs
        x = self.initial_guess() if x0 is None else np.array(x0, dtype=float)
        d, g = velocity_dirichlet(W, self.bcs)
        x[d] = g
        mean = self.pressure != "none"
        path = [*list(continuation or []), self.nu]
        self.history, self.linear_iterations = [], []
        if linear not in ("direct", "lsc", "petsc"):
            raise ValueError(f"linear must be 'direct', 'lsc' or 'petsc', got {linear!r}")
        if linear != "direct" and mean:
            raise ValueError(f"linear={linear!r} needs an outflow boundary (pressure='none'); "
                             "use 'direct' for enclosed flows")
        solver = {"lsc": self._lsc_solver, "petsc": self._petsc_solver}.get(
            linear, lambda: _direct)()
        for nu in path:
            F, J = self._callables(nu)
            z = np.concatenate([x, [0.0]]) if mean else x
            res = newton(
                F, J, z, rtol=rtol, atol=atol, maxiter=maxiter, linear_solver=solver
            )
            self.history.append(list(res.residual_norms))
            x = res.x[:n]
        return MixedFunction(W, x)


    def _lsc_solver(self):
        """Newton-step solve by FGMRES with the LSC block-triangular preconditioner."""
        from ..linalg.krylov import fgmres_solve
        from ..linalg.saddle import BlockTriangularPC

        W = self.W

        @mixed_bilinear_form
        def mass(u, v, w):
            return dot(u[0], v[0])

        Q = W.block(assemble_mixed(mass, W), 0, 0).diagonal()
        iu, ip = W.dofs(0), W.dofs(1)

        def solve(A, b):
            pc = BlockTriangularPC(A, iu, ip, Q)
            res = fgmres_solve(A, b, M=pc, rtol=1e-9, restart=200, maxiter=2000)
            if not res.converged:
                raise ConvergenceError(f"LSC-FGMRES Newton step: {res.info['reason']}")
            self.linear_iterations.append(res.iterations)
            return res.x

        return solve


    def _petsc_solver(self):
        """Newton-step solve by PETSc with a Schur fieldsplit on the field index sets."""
        from ..linalg.front import solve as ps_solve

        opts = split_options(self.W, PETSC_OSEEN)
        fields = self.W.index_sets()

        def solve(A, b):
            res = ps_solve(A, b, backend="petsc", rtol=1e-9, options=opts, fields=fields,
                           raise_on_failure=False)  # fmt: skip
            if not res.converged:
                raise ConvergenceError(f"PETSc fieldsplit Newton step: {res.info['reason']}")
            self.linear_iterations.append(res.iterations)
            return res.x

        return solve


#: PETSc options of ``NavierStokes.solve(linear="petsc")``: FGMRES with the upper Schur
#: factorisation, an LU of the (nonsymmetric) velocity block, and GMRES to 1e-2 on the Schur
#: complement preconditioned by an LU of its ``selfp`` approximation (8–11 outer iterations per
#: Newton step on ``dfg_channel(8)``, 0.9 s against 0.25 s for the direct Newton solve).
#: GAMG on the Oseen velocity block, as :data:`PETSC_SCHUR` does for Stokes, stagnated here
#: (PETSc 3.26, P2 vector velocity at Re 20): for large problems replace the velocity split
#: through ``options`` (e.g. ``fieldsplit_u_pc_type: hypre``) and check the iteration counts.
PETSC_OSEEN: dict[str, str] = {
    **PETSC_SCHUR,
    "fieldsplit_u_ksp_type": "preonly",
    "fieldsplit_u_pc_type": "lu",
    "fieldsplit_p_ksp_type": "gmres",
    "fieldsplit_p_ksp_rtol": "1e-2",
    "fieldsplit_p_pc_type": "lu",
}


def _direct(A, b):
    """The Newton step by sparse LU (:class:`~pdesolve.linalg.direct.SaddlePointLU`)."""
    return SaddlePointLU(A).solve(b)
