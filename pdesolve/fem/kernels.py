"""numba kernels: compute local element matrices/vectors and scatter them in place.

A form is described at each quadrature point by a coefficient tensor over *channels*. For a
space with ``bs`` components on a ``dim``-dimensional cell, channel ``c*(dim+1) + a`` is
component ``c`` of the value (``a = 0``) or of the derivative ``d/dx_{a-1}``. A bilinear form is

    a(u, v) = ∫ Σ_{s,t} D[s, t] · v_s · u_t dx,

with ``v_s`` the test channels and ``u_t`` the trial channels; a linear form is
``l(v) = ∫ Σ_s E[s] · v_s dx``. Mass has ``D[0, 0] = c``, the stiffness ``D[1+k, 1+l] = K_kl``,
advection ``D[0, 1+l] = b_l`` and so on. The kernels map the reference basis values and
gradients at the quadrature points to each cell (``∇_x φ = J^{-T} ∇_ξ φ``, ``dx = |det J| dξ``),
contract with D or E, and add the result to ``csr.data`` (at ``indptr[row] + pos``, the
row offsets of :class:`~pdesolve.fem.pattern.SparsityPattern`) or ``vector[dofs]``; they hold
only one cell's data at a time, so memory does not grow with the mesh.
"""

from __future__ import annotations

import functools

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
    points, cells, start, stop, gn, affine, ref, w, dten, act_t, act_r, bs, dofs, indptr, pos, data
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
            row = indptr[dofs[c, i]]
            for j in range(nloc):
                data[row + pos[c, i * nloc + j]] += aloc[i, j]


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
    grads = False
    for s in act_t:
        if s % (1 + dim) != 0:
            grads = True
    for c in range(start, stop):
        for v in range(nv):
            for g in range(dim):
                x[v, g] = points[cells[c, v], g]
        ci = c - start if varying_c else 0
        for q in range(nq):
            if q == 0 or not affine:
                _jacobian(x, gn, q, jac)
                det = abs(_invert(jac, inv))
            qi = q if varying_q else 0
            scale = w[q] * det
            if grads:
                _physical_basis(ref, q, inv, phys)
            for s in act_t:
                ct, a = s // (1 + dim), s % (1 + dim)
                e = eten[ci, qi, s] * scale
                if e == 0.0:
                    continue
                if grads:
                    for i in range(nn):
                        out[dofs[c, i * bs + ct]] += phys[i, a] * e
                else:  # values only: no inverse Jacobian needed
                    for i in range(nn):
                        out[dofs[c, i * bs + ct]] += ref[q, i, 0] * e


@nb.njit(cache=True, inline="always", error_model="numpy", fastmath=True)
def _affine_inverse(points, cells, c, gn0, inv):
    """Inverse Jacobian of affine cell ``c`` into ``inv``; returns |det J|. Scalar code per
    dimension keeps everything in registers."""
    dim = gn0.shape[1]
    if dim == 2:
        j00 = j01 = j10 = j11 = 0.0
        for v in range(gn0.shape[0]):
            px, py = points[cells[c, v], 0], points[cells[c, v], 1]
            j00 += px * gn0[v, 0]
            j01 += px * gn0[v, 1]
            j10 += py * gn0[v, 0]
            j11 += py * gn0[v, 1]
        det = j00 * j11 - j01 * j10
        r = 1.0 / det
        inv[0, 0], inv[0, 1], inv[1, 0], inv[1, 1] = j11 * r, -j01 * r, -j10 * r, j00 * r
        return abs(det)
    jac = np.empty((dim, dim))
    for g in range(dim):
        for d in range(dim):
            acc = 0.0
            for v in range(gn0.shape[0]):
                acc += points[cells[c, v], g] * gn0[v, d]
            jac[g, d] = acc
    return abs(_invert(jac, inv))


@nb.njit(cache=True, error_model="numpy", fastmath=True)
def assemble_matrix_affine(
    points, cells, start, stop, gn0, kflat, dten, blocks, pairs, bs, dofs, indptr, pos, data
):
    """Tensor-representation assembly for affine cells and cellwise-constant D.

    On an affine cell the physical channels are ``P = M R`` with ``R`` the reference channels
    and ``M`` block-diagonal (1 for values, ``J^{-T}`` for gradients), so

        A_loc[(i,c),(j,c')] = |det J| Σ_{a,b} (Mᵀ D M)_{(c,a),(c',b)} K_ab[i, j],
        K_ab[i, j] = Σ_q w_q R_q[i, a] R_q[j, b],

    with the reference tensors ``kflat[a*(dim+1)+b, i*nn+j]`` computed once (the "tensor
    representation" of Kirby & Logg, ACM TOMS 32, 2006). Per cell only the small product
    Mᵀ D M over the ``pairs`` (a, b) that can be non-zero and a contraction remain, whatever
    the polynomial degree. ``blocks`` lists the (test, trial) component pairs with non-zero D.
    """
    dim = gn0.shape[1]
    m1 = dim + 1
    nn2 = kflat.shape[1]
    nn = int(np.sqrt(nn2) + 0.5)
    nloc = nn * bs
    inv = np.empty((dim, dim))
    tmat = np.zeros((m1, m1))  # M for one component block: M[1+g, 1+d] = inv[d, g]
    tmat[0, 0] = 1.0
    tmp = np.empty((m1, m1))
    aloc = np.empty(nn2)
    varying_c = dten.shape[0] > 1
    for c in range(start, stop):
        det = _affine_inverse(points, cells, c, gn0, inv)
        for g in range(dim):
            for d in range(dim):
                tmat[1 + g, 1 + d] = inv[d, g]
        ci = c - start if varying_c else 0
        for blk in range(blocks.shape[0]):
            ct, cr = blocks[blk, 0], blocks[blk, 1]
            o_t, o_r = ct * m1, cr * m1
            for p in range(m1):  # tmp = D_block M
                for b in range(m1):
                    acc = 0.0
                    for r in range(m1):
                        acc += dten[ci, 0, o_t + p, o_r + r] * tmat[r, b]
                    tmp[p, b] = acc
            for k in range(nn2):
                aloc[k] = 0.0
            for t in range(pairs.shape[0]):
                a, b = pairs[t, 0], pairs[t, 1]
                acc = 0.0
                for p in range(m1):
                    acc += tmat[p, a] * tmp[p, b]
                dab = acc * det
                row = a * m1 + b
                for k in range(nn2):
                    aloc[k] += dab * kflat[row, k]
            k = 0
            for i in range(nn):
                base = (i * bs + ct) * nloc + cr
                row = indptr[dofs[c, i * bs + ct]]
                for j in range(nn):
                    data[row + pos[c, base + j * bs]] += aloc[k]
                    k += 1


@functools.cache
def scalar_affine_kernel(dim: int, nn2: int):
    """The tensor-representation kernel of :func:`assemble_matrix_affine` for scalar spaces on
    simplices, compiled for one (dimension, local matrix size) so that its tiny loops have
    constant trip counts: LLVM unrolls them and keeps the cell's data in registers (runtime-
    sized 3x3 loops cost several times more). The simplex Jacobian is read off the vertices,
    ``J[:, d] = x_{d+1} - x_0``.
    """
    m1 = dim + 1
    nn = int(round(nn2**0.5))

    @nb.njit(cache=True, error_model="numpy", fastmath=True)
    def kernel(
        points, cells, start, stop, kflat, dten, cm, kap, isotropic, dofs, indptr, pos, data
    ):
        """``isotropic``: D = cm (value, value) + kap I (gradients) with cm, kap of shape
        (stop-start,) or (1,); otherwise the full ``dten``."""
        jac = np.empty((dim, dim))
        inv = np.empty((dim, dim))
        tm = np.zeros((m1, m1))  # M: value channel kept, gradients mapped by J^{-T}
        tm[0, 0] = 1.0
        tmp = np.empty((m1, m1))
        dt = np.empty((m1, m1))
        varying_c = dten.shape[0] > 1
        varying_m = cm.shape[0] > 1
        varying_k = kap.shape[0] > 1
        for c in range(start, stop):
            v0 = cells[c, 0]
            for d in range(dim):
                vd = cells[c, d + 1]
                for g in range(dim):
                    jac[g, d] = points[vd, g] - points[v0, g]
            det = abs(_invert(jac, inv))
            ci = c - start if varying_c else 0
            if isotropic:  # D = c_m (value, value) + κ I (gradients): MᵀDM = κ J^{-1} J^{-T}
                kc = kap[c - start if varying_k else 0] * det
                dt[0, 0] = cm[c - start if varying_m else 0] * det
                for a in range(dim):
                    dt[0, 1 + a] = 0.0
                    dt[1 + a, 0] = 0.0
                    for b in range(dim):
                        acc = 0.0
                        for g in range(dim):
                            acc += inv[a, g] * inv[b, g]
                        dt[1 + a, 1 + b] = acc * kc
            else:
                for g in range(dim):
                    for d in range(dim):
                        tm[1 + g, 1 + d] = inv[d, g]
                for p in range(m1):
                    for b in range(m1):
                        acc = 0.0
                        for r in range(m1):
                            acc += dten[ci, 0, p, r] * tm[r, b]
                        tmp[p, b] = acc
                for a in range(m1):
                    for b in range(m1):
                        acc = 0.0
                        for p in range(m1):
                            acc += tm[p, a] * tmp[p, b]
                        dt[a, b] = acc * det
            if isotropic:  # only the value pair (if any) and the gradient block
                d00 = dt[0, 0]
                for i in range(nn):
                    row = indptr[dofs[c, i]]
                    for j in range(nn):
                        k = i * nn + j
                        acc = d00 * kflat[0, k] if d00 != 0.0 else 0.0
                        for a in range(1, m1):
                            for b in range(1, m1):
                                acc += dt[a, b] * kflat[a * m1 + b, k]
                        data[row + pos[c, k]] += acc
            else:
                for i in range(nn):
                    row = indptr[dofs[c, i]]
                    for j in range(nn):
                        k = i * nn + j
                        acc = 0.0
                        for a in range(m1):
                            for b in range(m1):
                                acc += dt[a, b] * kflat[a * m1 + b, k]
                        data[row + pos[c, k]] += acc

    return kernel


@nb.njit(cache=True)
def classify_tensor(dten):
    """One pass over a scalar D (nc, nq, m1, m1): (all finite, isotropic), where isotropic
    means D = c (value, value) + κ I (gradients) at every point."""
    m1 = dten.shape[2]
    finite = True
    iso = True
    for c in range(dten.shape[0]):
        for q in range(dten.shape[1]):
            kap = dten[c, q, 1, 1] if m1 > 1 else 0.0
            for a in range(m1):
                for b in range(m1):
                    v = dten[c, q, a, b]
                    if not np.isfinite(v):
                        finite = False
                    if a == 0 and b == 0:
                        continue
                    expected = kap if (a == b) else 0.0
                    if v != expected:
                        iso = False
    return finite, iso


@nb.njit(cache=True, error_model="numpy", fastmath=True)
def p1_isotropic_2d(points, cells, cm, kap, dofs, indptr, pos, data):
    """P1 on triangles, ``c u v + κ ∇u·∇v`` with cellwise c, κ, in closed form.

    With ``b_i = y_{i+1} - y_{i+2}``, ``c_i = x_{i+2} - x_{i+1}`` (indices mod 3) and the signed
    ``2|T| = b_0 c_1 - b_1 c_0``: ``∇φ_i = (b_i, c_i) / 2|T|``, so the stiffness entry is
    ``κ (b_i b_j + c_i c_j) / (4|T|)`` and the mass entry ``c |T| (1 + δ_ij) / 12``. Everything
    stays in registers (tuples), which the generic tensor kernel cannot achieve.
    """
    varying_m = cm.shape[0] > 1
    varying_k = kap.shape[0] > 1
    for e in range(cells.shape[0]):
        v0, v1, v2 = cells[e, 0], cells[e, 1], cells[e, 2]
        x0, y0 = points[v0, 0], points[v0, 1]
        x1, y1 = points[v1, 0], points[v1, 1]
        x2, y2 = points[v2, 0], points[v2, 1]
        b = (y1 - y2, y2 - y0, y0 - y1)
        c = (x2 - x1, x0 - x2, x1 - x0)
        area2 = abs(b[0] * c[1] - b[1] * c[0])
        ks = kap[e if varying_k else 0] / (2.0 * area2)
        ms = cm[e if varying_m else 0] * area2 / 24.0
        for i in range(3):
            row = indptr[dofs[e, i]]
            for j in range(3):
                m = ms * 2.0 if i == j else ms
                data[row + pos[e, i * 3 + j]] += (b[i] * b[j] + c[i] * c[j]) * ks + m


@nb.njit(cache=True, error_model="numpy", fastmath=True)
def p1_isotropic_3d(points, cells, cm, kap, dofs, indptr, pos, data):
    """P1 on tetrahedra, ``c u v + κ ∇u·∇v`` with cellwise c, κ, in closed form: the gradients
    of the barycentric coordinates are the rows of ``J^{-1}`` (vertices 1–3) and minus their
    sum (vertex 0), computed from cofactors; mass ``c |T| (1 + δ_ij) / 20``."""
    varying_m = cm.shape[0] > 1
    varying_k = kap.shape[0] > 1
    for e in range(cells.shape[0]):
        v0 = cells[e, 0]
        p0x, p0y, p0z = points[v0, 0], points[v0, 1], points[v0, 2]
        a = points[cells[e, 1], 0] - p0x
        d = points[cells[e, 1], 1] - p0y
        g = points[cells[e, 1], 2] - p0z
        bb = points[cells[e, 2], 0] - p0x
        ee = points[cells[e, 2], 1] - p0y
        h = points[cells[e, 2], 2] - p0z
        cc = points[cells[e, 3], 0] - p0x
        f = points[cells[e, 3], 1] - p0y
        ii = points[cells[e, 3], 2] - p0z
        # J = [[a, bb, cc], [d, ee, f], [g, h, ii]] (columns are edge vectors)
        c00, c01, c02 = ee * ii - f * h, f * g - d * ii, d * h - ee * g
        det = a * c00 + bb * c01 + cc * c02
        r = 1.0 / det
        # rows of J^{-1}: gradient of λ_1, λ_2, λ_3
        g1 = (c00 * r, (cc * h - bb * ii) * r, (bb * f - cc * ee) * r)
        g2 = (c01 * r, (a * ii - cc * g) * r, (cc * d - a * f) * r)
        g3 = (c02 * r, (bb * g - a * h) * r, (a * ee - bb * d) * r)
        g0 = (-g1[0] - g2[0] - g3[0], -g1[1] - g2[1] - g3[1], -g1[2] - g2[2] - g3[2])
        gx = (g0[0], g1[0], g2[0], g3[0])
        gy = (g0[1], g1[1], g2[1], g3[1])
        gz = (g0[2], g1[2], g2[2], g3[2])
        vol = abs(det) / 6.0
        ks = kap[e if varying_k else 0] * vol
        ms = cm[e if varying_m else 0] * vol / 20.0
        for i in range(4):
            row = indptr[dofs[e, i]]
            for j in range(4):
                m = ms * 2.0 if i == j else ms
                data[row + pos[e, i * 4 + j]] += (
                    gx[i] * gx[j] + gy[i] * gy[j] + gz[i] * gz[j]
                ) * ks + m
