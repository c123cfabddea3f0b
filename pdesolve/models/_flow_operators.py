"""The constant Taylor–Hood operators and the state handling that the unsteady flow schemes
(:mod:`~pdesolve.models.ipcs`, :mod:`~pdesolve.models.monolithic_ns`) share.

On ``W = V × Q`` (vector P2 velocity, P1 pressure): the scalar P2 mass and stiffness matrices
``Ms``, ``Ks`` (the vector ones are ``Ms ⊗ I`` and ``Ks ⊗ I`` in the interleaved velocity
numbering), ``G_ij = (q_i, ∇·φ_j)``, the P1 Laplacian ``Kp`` and mass ``Mp``, and the
numba convection operator; ``Ms``, ``Ks`` and every ``C(w)`` share one CSR pattern, so that
combinations of them are sums of their value arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import ConvergenceError
from ..fem import forms
from ..fem.assembly import assemble
from ..fem.convection import ConvectionOperator
from ..fem.forms import div, dot, grad
from ..fem.mixed import (
    MixedFunction,
    MixedSpace,
    assemble_mixed,
    mixed_bilinear_form,
    mixed_linear_form,
)
from ..fem.space import FunctionSpace
from .stokes import VelocityBC, encloses, velocity_dirichlet

__all__ = ["FlowOperators", "FlowBlowUpError", "UnsteadyFlow"]


class FlowOperators:
    """Matrices of a Taylor–Hood space, assembled on first use (module docstring)."""

    def __init__(self, W: MixedSpace):
        self.W = W
        V = W.spaces[0]
        self.bs, self.nn = V.bs, V.num_nodes
        self.convection = ConvectionOperator(V)
        self.pattern = self.convection.pattern
        self._scalar = FunctionSpace(V.mesh, "P", V.degree)
        if not np.array_equal(self._scalar.node_dofs, V.node_dofs):  # pragma: no cover
            raise RuntimeError("scalar and vector P2 node numberings differ")

    def _on_pattern(self, form) -> sp.csr_matrix:
        A = assemble(form, self._scalar).tocsr()
        P = self.pattern
        if not (np.array_equal(A.indptr, P.indptr) and np.array_equal(A.indices, P.indices)):
            raise RuntimeError("matrix is not on the pattern")  # pragma: no cover
        return P.matrix(np.ascontiguousarray(A.data, dtype=np.float64))

    def _block(self, fn, i: int, j: int) -> sp.csr_matrix:
        @mixed_bilinear_form
        def form(u, v, w):
            (uu, p), (vv, q) = u, v
            return fn(uu, vv, p, q)

        return self.W.block(assemble_mixed(form, self.W), i, j).tocsr()

    @cached_property
    def Ms(self) -> sp.csr_matrix:
        return self._on_pattern(forms.mass())

    @cached_property
    def Ks(self) -> sp.csr_matrix:
        return self._on_pattern(forms.stiffness())

    @cached_property
    def G(self) -> sp.csr_matrix:
        return self._block(lambda uu, vv, p, q: q * div(uu), 1, 0)

    @cached_property
    def Kp(self) -> sp.csr_matrix:
        return self._block(lambda uu, vv, p, q: dot(grad(p), grad(q)), 1, 1)

    @cached_property
    def Mp(self) -> sp.csr_matrix:
        return self._block(lambda uu, vv, p, q: p * q, 1, 1)

    def combine(self, *terms: tuple[float, sp.csr_matrix]) -> sp.csr_matrix:
        """``Σ c_k A_k`` of matrices on the shared pattern, as one matrix on it."""
        data = sum(c * A.data for c, A in terms)
        return self.pattern.matrix(np.ascontiguousarray(data))

    def velocity_matrix(self, scalar: np.ndarray, blocks: np.ndarray | None = None
                        ) -> sp.csr_matrix:  # fmt: skip
        """The interleaved vector matrix with ``scalar ⊗ I`` (values on the pattern) plus the
        per-slot ``bs × bs`` ``blocks`` (nnz, bs, bs): built as a block-CSR matrix on the
        scalar pattern, so no index work beyond one BSR → CSR conversion."""
        P, bs = self.pattern, self.bs
        data = np.zeros((P.nnz, bs, bs)) if blocks is None else np.array(blocks, dtype=float)
        for k in range(bs):
            data[:, k, k] += scalar
        n = self.nn * bs
        return sp.bsr_matrix((data, P.indices, P.indptr), shape=(n, n)).tocsr()

    def components(self, x: np.ndarray) -> np.ndarray:
        """An interleaved velocity vector as ``(num_nodes, bs)`` (a view)."""
        return x.reshape(self.nn, self.bs)


class FlowBlowUpError(ConvergenceError):
    """The velocity became non-finite or grew without bound during time stepping."""


class UnsteadyFlow:
    """What the unsteady Taylor–Hood schemes share: the state ``(u, p, t)``, the operators,
    time stepping with a callback and a progress bar, the blow-up check and the momentum
    residual that the force functionals read. Subclasses implement :meth:`step`."""

    def __init__(self, W: MixedSpace, nu: float, dt: float, bcs: Sequence[VelocityBC],
                 f: Callable | None = None, blowup: float = 1e3):  # fmt: skip
        if not dt > 0:
            raise ValueError(f"dt must be positive, got {dt}")
        self.W, self.nu, self.dt, self.bcs = W, float(nu), float(dt), list(bcs)
        self.f, self.blowup = f, float(blowup)
        V, Q = W.spaces
        self.V, self.Q = V, Q
        self.iu, self.ip = W.dofs(0), W.dofs(1)
        self.bs, self.nn = V.bs, V.num_nodes
        self.ops = FlowOperators(W)
        self.op = self.ops.convection
        self.Ms, self.Ks, self.G = self.ops.Ms, self.ops.Ks, self.ops.G
        self.enclosed = encloses(W, self.bcs)
        self._bc_nodes = [V.boundary_nodes(bc.where) for bc in self.bcs]

    def dirichlet(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Dofs and values of the velocity conditions at time ``t`` (nodes found once)."""
        return velocity_dirichlet(self.W, self.bcs, t, nodes=self._bc_nodes)

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
        self.t, self.steps = float(t), 0
        self._u_prev: np.ndarray | None = None
        self._N_cache: tuple[int, np.ndarray] | None = None  # (steps, N(u)) if computed

    def convection(self, u: np.ndarray) -> np.ndarray:
        """``N(u)_j = ((u·∇)u, φ_j)`` on the (interleaved) velocity dofs."""
        return self.op.vector(u.reshape(self.nn, self.bs)).ravel()

    def _force(self, t: float) -> np.ndarray:
        f = self.f

        @mixed_linear_form(f=lambda x: f(x, t))
        def load(v, w):
            return dot(w.f, v[0])

        return assemble_mixed(load, self.W)[self.iu]

    def _components(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(self.nn, self.bs)

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _advance(self, u_new: np.ndarray, p_new: np.ndarray, hint: str) -> None:
        """Accept a step; raise :class:`FlowBlowUpError` (with ``hint``) if it blew up."""
        self._u_prev = self.u
        self.u, self.p, self.t = u_new, p_new, self.t + self.dt
        self.steps += 1
        peak = float(np.max(np.abs(self.u))) if self.u.size else 0.0
        if not np.isfinite(peak) or peak > self.blowup:
            raise FlowBlowUpError(
                f"{type(self).__name__} blew up at t = {self.t:.4g} (step {self.steps}, "
                f"max |u| = {peak:.3g}): {hint}, or refine the mesh for this Reynolds number"
            )

    def run(self, t_end: float, callback: Callable[[Any], Any] | None = None,
            progress: bool = False) -> None:  # fmt: skip
        """Step until ``t_end`` (to within half a step), calling ``callback(self)`` after
        each step."""
        n = int(round((t_end - self.t) / self.dt))
        it = range(n)
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(it, desc=type(self).__name__, unit="step")
        for _ in it:
            self.step()
            if callback is not None:
                callback(self)

    def momentum_residual(self, u_old: np.ndarray) -> np.ndarray:
        """``M(uⁿ⁺¹ − uⁿ)/Δt + νK uⁿ⁺¹ + N(uⁿ⁺¹) − Gᵀpⁿ⁺¹ − f`` on the velocity dofs (before
        boundary conditions): the functional form of the forces (:mod:`pdesolve.models.dfg`)."""
        U, dU = self._components(self.u), self._components(self.u - u_old)
        r = (self.Ms @ dU / self.dt + self.nu * (self.Ks @ U)).ravel()
        N = self.convection(self.u)
        self._N_cache = (self.steps, N)  # an explicit next step reuses it
        r += N - self.G.T @ self.p
        if self.f is not None:
            r -= self._force(self.t)
        return r
