r"""The convection operator of a velocity field, assembled by numba kernels on affine simplices.

For a Lagrange space :math:`V_h = \mathrm{span}\{\phi_i\}` (the scalar space of one velocity
component) and a convecting field :math:`a \in V_h^d`,

.. math:: C(a)_{ij} = \int_\Omega (a\cdot\nabla\phi_j)\,\phi_i\,dx, \qquad
          N(a, u)_{ik} = \int_\Omega (a\cdot\nabla u_k)\,\phi_i\,dx = (C(a)\,u_k)_i .

``C(a)`` is the same for every component, so a vector convection term costs one scalar matrix;
it is filled into the scalar space's cached CSR pattern (:class:`~pdesolve.fem.pattern.
SparsityPattern`), so a new ``a`` costs one kernel pass — the per-step price of a semi-implicit
(linearised) convection in a time stepper. :meth:`ConvectionOperator.vector` evaluates
``N(a, u)`` without forming the matrix (explicit convection, force functionals), and
:meth:`ConvectionOperator.gradient_mass` the other half of the Newton linearisation,
``((δu·∇)u, v)``, as one ``dim × dim`` block per pattern slot.

Both use the quadrature rule of degree ``3p − 1``, exact for the trilinear integrand on affine
cells; the basis gradients in physical coordinates are tabulated once per mesh
(``cells × points × basis × dim`` doubles).
"""

from __future__ import annotations

import numba as nb
import numpy as np
import scipy.sparse as sp

from ..errors import FemError
from .assembly import _reference_tables
from .pattern import SparsityPattern
from .space import FunctionSpace

__all__ = ["ConvectionOperator"]


@nb.njit(cache=True)
def _matrix_kernel(a, dofs, phi, grads, wdet, skew, indptr, pos, data):  # pragma: no cover
    nc, nq, nb_, dim = grads.shape[0], phi.shape[0], phi.shape[1], grads.shape[3]
    aq = np.empty(dim)
    ac = np.empty((nb_, dim))
    ke = np.empty((nb_, nb_))
    for c in range(nc):
        for i in range(nb_):
            for g in range(dim):
                ac[i, g] = a[dofs[c, i], g]
        ke[:] = 0.0
        for q in range(nq):
            div = 0.0
            for g in range(dim):
                s = 0.0
                for i in range(nb_):
                    s += phi[q, i] * ac[i, g]
                    div += grads[c, q, i, g] * ac[i, g]
                aq[g] = s
            for j in range(nb_):
                adv = 0.0
                for g in range(dim):
                    adv += aq[g] * grads[c, q, j, g]
                adv += skew * 0.5 * div * phi[q, j]
                adv *= wdet[c, q]
                for i in range(nb_):
                    ke[i, j] += phi[q, i] * adv
        for i in range(nb_):  # one scatter per cell
            row = indptr[dofs[c, i]]
            for j in range(nb_):
                data[row + pos[c, i * nb_ + j]] += ke[i, j]


@nb.njit(cache=True)
def _vector_kernel(a, u, dofs, phi, grads, wdet, out):  # pragma: no cover - numba
    nc, nq, nb_, dim = grads.shape[0], phi.shape[0], phi.shape[1], grads.shape[3]
    nk = u.shape[1]
    aq = np.empty(dim)
    conv = np.empty(nk)
    for c in range(nc):
        for q in range(nq):
            for g in range(dim):
                s = 0.0
                for i in range(nb_):
                    s += phi[q, i] * a[dofs[c, i], g]
                aq[g] = s
            for k in range(nk):
                s = 0.0
                for j in range(nb_):
                    d = 0.0
                    for g in range(dim):
                        d += aq[g] * grads[c, q, j, g]
                    s += d * u[dofs[c, j], k]
                conv[k] = s * wdet[c, q]
            for i in range(nb_):
                for k in range(nk):
                    out[dofs[c, i], k] += phi[q, i] * conv[k]


@nb.njit(cache=True)
def _gradient_mass_kernel(u, dofs, phi, grads, wdet, indptr, pos, data):  # pragma: no cover
    nc, nq, nb_, dim = grads.shape[0], phi.shape[0], phi.shape[1], grads.shape[3]
    nk = u.shape[1]
    gu = np.empty((nk, dim))
    ke = np.empty((nb_, nb_, nk, dim))
    for c in range(nc):
        ke[:] = 0.0
        for q in range(nq):
            for k in range(nk):
                for g in range(dim):
                    s = 0.0
                    for j in range(nb_):
                        s += u[dofs[c, j], k] * grads[c, q, j, g]
                    gu[k, g] = s * wdet[c, q]
            for i in range(nb_):
                for j in range(nb_):
                    m = phi[q, i] * phi[q, j]
                    for k in range(nk):
                        for g in range(dim):
                            ke[i, j, k, g] += m * gu[k, g]
        for i in range(nb_):  # one scatter per cell
            row = indptr[dofs[c, i]]
            for j in range(nb_):
                slot = row + pos[c, i * nb_ + j]
                for k in range(nk):
                    for g in range(dim):
                        data[slot, k, g] += ke[i, j, k, g]


class ConvectionOperator:
    """``C(a)`` and ``N(a, u)`` of the module docstring on a Lagrange space on affine simplices.

    Parameters
    ----------
    V : FunctionSpace
        The velocity space (vector or scalar); its scalar node numbering is used: a field is
        an array ``(num_nodes, dim)``, row ``i`` the values at node ``i`` — for an interleaved
        vector dof vector ``x`` that is ``x.reshape(-1, dim)``.

    Examples
    --------
    >>> import numpy as np, pdesolve as ps
    >>> from pdesolve.fem.convection import ConvectionOperator
    >>> V = ps.fem.FunctionSpace(ps.mesh.rectangle(4, 4), "P", 2, shape=2)
    >>> op = ConvectionOperator(V)
    >>> a = np.ones((V.num_nodes, 2))                  # a = (1, 1)
    >>> x = V.node_coordinates()[:, 0]                 # u = x: (a·∇)u = 1
    >>> bool(np.allclose(op.matrix(a) @ x, op.vector(a, x[:, None])[:, 0]))
    True
    """

    def __init__(self, V: FunctionSpace):
        mesh = V.mesh
        if not mesh.reference.simplex or V.element.family != "P":
            raise FemError("ConvectionOperator needs a Lagrange space on a simplex mesh")
        self.V, self.dim = V, mesh.dim
        self.num_nodes = V.num_nodes
        p = V.degree
        X, w, ref, _ = _reference_tables(mesh.cell_type, "P", p, 3 * p - 1)
        self.phi = np.ascontiguousarray(ref[..., 0])  # (nq, nb)
        cells = np.arange(mesh.num_cells)
        inv = V.geometry.inverse_jacobians(cells, X)[:, 0]  # (nc, dim, gdim), affine
        det = V.geometry.abs_det(cells, X)[:, 0]
        # ∂φ/∂x_g = Σ_d ∂φ/∂X_d (J⁻¹)_{dg}
        self.grads = np.ascontiguousarray(np.einsum("qid,cdg->cqig", ref[..., 1:], inv))
        self.wdet = np.ascontiguousarray(det[:, None] * w[None, :])
        self.dofs = np.ascontiguousarray(V.node_dofs)
        self.pattern = SparsityPattern.from_dofmap(self.dofs, self.num_nodes)

    def _field(self, a: np.ndarray, name: str) -> np.ndarray:
        a = np.asarray(a, dtype=np.float64)
        if a.ndim == 1 and a.size == self.num_nodes * self.dim:
            a = a.reshape(self.num_nodes, self.dim)
        if a.ndim != 2 or a.shape[0] != self.num_nodes:
            raise FemError(f"{name} must have shape ({self.num_nodes}, k), got {a.shape}")
        return np.ascontiguousarray(a)

    def matrix(self, a: np.ndarray, out: sp.csr_matrix | None = None,
               skew: bool = False) -> sp.csr_matrix:  # fmt: skip
        """``C(a)`` (num_nodes × num_nodes CSR on the cached pattern); ``out`` (a matrix from an
        earlier call) is overwritten in place. ``skew=True`` adds Temam's term
        ``½ ((∇·a) φ_j, φ_i)``: the skew-symmetric form, whose ``(C u, u)`` vanishes for ``u``
        zero on the boundary even when the discrete ``a`` is not divergence-free."""
        a = self._field(a, "a")
        if a.shape[1] != self.dim:
            raise FemError(f"a must have {self.dim} components, got {a.shape[1]}")
        if out is None:
            out = self.pattern.matrix()
        else:
            out.data[:] = 0.0
        _matrix_kernel(a, self.dofs, self.phi, self.grads, self.wdet, float(skew),
                       self.pattern.indptr, self.pattern.pos, out.data)  # fmt: skip
        return out

    def gradient_mass(self, u: np.ndarray) -> np.ndarray:
        """``R(u)[s, k, g] = ∫ φ_i φ_j ∂_g u_k`` for each slot ``s = (i, j)`` of the pattern:
        the values (nnz, k, dim) of the Newton term ``((δu·∇)u, v)``, whose block ``(k, g)``
        couples component ``k`` of the test to component ``g`` of the trial function."""
        u = self._field(u, "u")
        data = np.zeros((self.pattern.nnz, u.shape[1], self.dim))
        _gradient_mass_kernel(u, self.dofs, self.phi, self.grads, self.wdet,
                              self.pattern.indptr, self.pattern.pos, data)  # fmt: skip
        return data

    def vector(self, a: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """``N(a, u)`` (num_nodes, k) for ``u`` (num_nodes, k); ``u = a`` when omitted."""
        a = self._field(a, "a")
        if a.shape[1] != self.dim:
            raise FemError(f"a must have {self.dim} components, got {a.shape[1]}")
        u = a if u is None else self._field(u, "u")
        out = np.zeros((self.num_nodes, u.shape[1]))
        _vector_kernel(a, u, self.dofs, self.phi, self.grads, self.wdet, out)
        return out
