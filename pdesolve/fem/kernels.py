"""numba kernels: compute local element matrices/vectors and scatter them in place.

A form is described at each quadrature point by a coefficient tensor over *channels*. For a
space with ``bs`` components on a ``dim``-dimensional cell, channel ``c*(dim+1) + a`` is
component ``c`` of the value (``a = 0``) or of the derivative ``d/dx_{a-1}``. A bilinear form is

    a(u, v) = ∫ Σ_{s,t} D[s, t] · v_s · u_t dx,

with ``v_s`` the test channels and ``u_t`` the trial channels; a linear form is
``l(v) = ∫ Σ_s E[s] · v_s dx``. Mass has ``D[0, 0] = c``, the stiffness ``D[1+k, 1+l] = K_kl``,
advection ``D[0, 1+l] = b_l`` and so on. The kernels map the reference basis values and
gradients at the quadrature points to each cell (``∇_x φ = J^{-T} ∇_ξ φ``, ``dx = |det J| dξ``),
contract with D or E, and add the result to ``csr.data[slot]`` or ``vector[dofs]``; they hold
only one cell's data at a time, so memory does not grow with the mesh.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def _jacobian(x, gn, q, jac):
    nv, dim = gn.shape[1], gn.shape[2]
    for g in range(dim):
        for d in range(dim):
            s = 0.0
            for v in range(nv):
                s += x[v, g] * gn[q, v, d]
            jac[g, d] = s


@nb.njit(cache=True, inline="always")
def _invert(jac, inv):
    """Inverse of a 1x1, 2x2 or 3x3 matrix; returns the determinant."""
    dim = jac.shape[0]
    if dim == 1:
        det = jac[0, 0]
        inv[0, 0] = 1.0 / det
    elif dim == 2:
        det = jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]
        inv[0, 0] = jac[1, 1] / det
        inv[0, 1] = -jac[0, 1] / det
        inv[1, 0] = -jac[1, 0] / det
        inv[1, 1] = jac[0, 0] / det
    else:
        a, b, c = jac[0, 0], jac[0, 1], jac[0, 2]
        d, e, f = jac[1, 0], jac[1, 1], jac[1, 2]
        g, h, i = jac[2, 0], jac[2, 1], jac[2, 2]
        c0 = e * i - f * h
        c1 = f * g - d * i
        c2 = d * h - e * g
        det = a * c0 + b * c1 + c * c2
        inv[0, 0] = c0 / det
        inv[1, 0] = c1 / det
        inv[2, 0] = c2 / det
        inv[0, 1] = (c * h - b * i) / det
        inv[1, 1] = (a * i - c * g) / det
        inv[2, 1] = (b * g - a * h) / det
        inv[0, 2] = (b * f - c * e) / det
        inv[1, 2] = (c * d - a * f) / det
        inv[2, 2] = (a * e - b * d) / det
    return det


@nb.njit(cache=True, inline="always")
def _physical_basis(ref, q, inv, out):
    """out[i, 0] = φ_i, out[i, 1+g] = Σ_d ∂_d φ_i · inv[d, g] at quadrature point q."""
    nn, dim = ref.shape[1], inv.shape[0]
    for i in range(nn):
        out[i, 0] = ref[q, i, 0]
        for g in range(dim):
            s = 0.0
            for d in range(dim):
                s += ref[q, i, 1 + d] * inv[d, g]
            out[i, 1 + g] = s


@nb.njit(cache=True)
def assemble_matrix(points, cells, start, stop, gn, affine, ref, w, dten, act_t, act_r, bs,
                    slot, data):
    """Add ∫ D : (v ⊗ u) over cells[start:stop] into ``data`` through ``slot``.

    ``ref`` (nq, nn, 1+dim) holds reference basis values and gradients, ``gn`` (nq, nv, dim) the
    geometry-basis gradients, ``dten`` (nc or 1, nq or 1, nch, nch) the coefficient tensor of the
    chunk, ``act_t``/``act_r`` the channels where it is non-zero.
    """
    nq, nn, dim = ref.shape[0], ref.shape[1], gn.shape[2]
    nv = gn.shape[1]
    nloc = nn * bs
    x = np.empty((nv, dim))
    jac = np.empty((dim, dim))
    inv = np.empty((dim, dim))
    phys = np.empty((nn, 1 + dim))
    aloc = np.empty((nloc, nloc))
    varying_c = dten.shape[0] > 1
    varying_q = dten.shape[1] > 1
    for c in range(start, stop):
        for v in range(nv):
            for g in range(dim):
                x[v, g] = points[cells[c, v], g]
        aloc[:] = 0.0
        det = 1.0
        ci = c - start if varying_c else 0
        for q in range(nq):
            if q == 0 or not affine:
                _jacobian(x, gn, q, jac)
                det = abs(_invert(jac, inv))
            _physical_basis(ref, q, inv, phys)
            qi = q if varying_q else 0
            scale = w[q] * det
            for s in act_t:
                ct, a = divmod(s, 1 + dim)
                for t in act_r:
                    dval = dten[ci, qi, s, t] * scale
                    if dval == 0.0:
                        continue
                    cr, b = divmod(t, 1 + dim)
                    for i in range(nn):
                        vi = phys[i, a] * dval
                        row = i * bs + ct
                        for j in range(nn):
                            aloc[row, j * bs + cr] += vi * phys[j, b]
        for i in range(nloc):
            for j in range(nloc):
                data[slot[c, i * nloc + j]] += aloc[i, j]


@nb.njit(cache=True)
def assemble_vector(points, cells, dofs, start, stop, gn, affine, ref, w, eten, act_t, bs, out):
    """Add ∫ E · v over cells[start:stop] into ``out[dofs]`` (see :func:`assemble_matrix`)."""
    nq, nn, dim = ref.shape[0], ref.shape[1], gn.shape[2]
    nv = gn.shape[1]
    x = np.empty((nv, dim))
    jac = np.empty((dim, dim))
    inv = np.empty((dim, dim))
    phys = np.empty((nn, 1 + dim))
    varying_c = eten.shape[0] > 1
    varying_q = eten.shape[1] > 1
    det = 1.0
    for c in range(start, stop):
        for v in range(nv):
            for g in range(dim):
                x[v, g] = points[cells[c, v], g]
        ci = c - start if varying_c else 0
        for q in range(nq):
            if q == 0 or not affine:
                _jacobian(x, gn, q, jac)
                det = abs(_invert(jac, inv))
            _physical_basis(ref, q, inv, phys)
            qi = q if varying_q else 0
            scale = w[q] * det
            for s in act_t:
                ct, a = divmod(s, 1 + dim)
                e = eten[ci, qi, s] * scale
                if e == 0.0:
                    continue
                for i in range(nn):
                    out[dofs[c, i * bs + ct]] += phys[i, a] * e
