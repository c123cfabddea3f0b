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


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath=True)
def _jacobian(x, gn, q, jac):
    nv, dim = gn.shape[1], gn.shape[2]
    for g in range(dim):
        for d in range(dim):
            s = 0.0
            for v in range(nv):
                s += x[v, g] * gn[q, v, d]
            jac[g, d] = s


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath=True)
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


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath=True)
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


@nb.njit(cache=True, error_model="numpy", fastmath=True)
def assemble_matrix(
    points, cells, start, stop, gn, affine, ref, w, dten, act_t, act_r, bs, slot, data
):
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
    # decode the active (test, trial) channel pairs once: component and derivative of each
    nt = act_t.shape[0] * act_r.shape[0]
    terms = np.empty((nt, 6), np.int64)
    k = 0
    for s in act_t:
        for t in act_r:
            terms[k, 0], terms[k, 1] = s, t
            terms[k, 2], terms[k, 3] = s // (1 + dim), s % (1 + dim)
            terms[k, 4], terms[k, 5] = t // (1 + dim), t % (1 + dim)
            k += 1
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
            for k in range(nt):
                dval = dten[ci, qi, terms[k, 0], terms[k, 1]] * scale
                if dval != 0.0:
                    ct, a, cr, b = terms[k, 2], terms[k, 3], terms[k, 4], terms[k, 5]
                    for i in range(nn):
                        vi = phys[i, a] * dval
                        row = i * bs + ct
                        for j in range(nn):
                            aloc[row, j * bs + cr] += vi * phys[j, b]
        for i in range(nloc):
            for j in range(nloc):
                data[slot[c, i * nloc + j]] += aloc[i, j]


@nb.njit(cache=True, error_model="numpy", fastmath=True)
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
                ct, a = s // (1 + dim), s % (1 + dim)
                e = eten[ci, qi, s] * scale
                if e == 0.0:
                    continue
                for i in range(nn):
                    out[dofs[c, i * bs + ct]] += phys[i, a] * e


@nb.njit(cache=True, error_model="numpy", fastmath=True)
def assemble_matrix_affine(points, cells, start, stop, gn0, kref, dten, bs, slot, data):
    """Tensor-representation assembly for affine cells and cellwise-constant D.

    On an affine cell the physical channels are ``P = M R`` with ``R`` the reference channels
    and ``M`` block-diagonal (1 for values, ``J^{-T}`` for gradients), so

        A_loc[(i,c),(j,c')] = |det J| Σ_{a,b} (Mᵀ D M)_{(c,a),(c',b)} K_ab[i, j],
        K_ab[i, j] = Σ_q w_q R_q[i, a] R_q[j, b],

    with the reference tensors ``kref`` (1+dim, 1+dim, nn, nn) computed once (the "tensor
    representation" of Kirby & Logg, ACM TOMS 32, 2006). Per cell only the small product
    Mᵀ D M and a contraction remain, whatever the polynomial degree.
    """
    nn, dim, nv = kref.shape[2], gn0.shape[1], gn0.shape[0]
    nloc = nn * bs
    m1 = dim + 1
    x = np.empty((nv, dim))
    jac = np.empty((dim, dim))
    inv = np.empty((dim, dim))
    tmat = np.zeros((m1, m1))  # M for one component block: M[1+g, 1+d] = inv[d, g]
    tmat[0, 0] = 1.0
    dt = np.empty((m1, m1))
    tmp = np.empty((m1, m1))
    aloc = np.empty((nloc, nloc))
    varying_c = dten.shape[0] > 1
    for c in range(start, stop):
        for v in range(nv):
            for g in range(dim):
                x[v, g] = points[cells[c, v], g]
        for g in range(dim):
            for d in range(dim):
                s = 0.0
                for v in range(nv):
                    s += x[v, g] * gn0[v, d]
                jac[g, d] = s
        det = abs(_invert(jac, inv))
        for g in range(dim):
            for d in range(dim):
                tmat[1 + g, 1 + d] = inv[d, g]
        ci = c - start if varying_c else 0
        aloc[:] = 0.0
        for ct in range(bs):
            for cr in range(bs):
                # dt = Mᵀ D_block M for this (test, trial) component pair
                o_t, o_r = ct * m1, cr * m1
                nonzero = False
                for p in range(m1):
                    for b in range(m1):
                        s = 0.0
                        for r in range(m1):
                            s += dten[ci, 0, o_t + p, o_r + r] * tmat[r, b]
                        tmp[p, b] = s
                        nonzero = nonzero or s != 0.0
                if not nonzero:
                    continue
                for a in range(m1):
                    for b in range(m1):
                        s = 0.0
                        for p in range(m1):
                            s += tmat[p, a] * tmp[p, b]
                        dt[a, b] = s * det
                for a in range(m1):
                    for b in range(m1):
                        dab = dt[a, b]
                        if dab == 0.0:
                            continue
                        for i in range(nn):
                            for j in range(nn):
                                aloc[i * bs + ct, j * bs + cr] += dab * kref[a, b, i, j]
        for i in range(nloc):
            for j in range(nloc):
                data[slot[c, i * nloc + j]] += aloc[i, j]
