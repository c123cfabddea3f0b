"""Cell measures: lengths, areas and volumes, exact for affine and multilinear cells."""

from __future__ import annotations

import numpy as np

from .cells import reference_cell

# 2-point Gauss rule on [0, 1]: exact for the multilinear Jacobian determinants below
_G = np.array([0.5 - 0.5 / np.sqrt(3.0), 0.5 + 0.5 / np.sqrt(3.0)])


def _multilinear_gradients(dim: int, xi: np.ndarray) -> np.ndarray:
    """Gradients (nq, nverts, dim) of the Q1 shape functions in VTK vertex order."""
    ref = reference_cell("quadrilateral" if dim == 2 else "hexahedron")
    v = ref.vertices  # (nv, dim) in {0, 1}
    s = 2 * v - 1  # +-1: derivative sign of (1 - x) or x
    f = np.where(v[None] == 1, xi[:, None, :], 1 - xi[:, None, :])  # (nq, nv, dim) 1D factors
    grads = np.empty_like(f)
    for d in range(dim):
        others = np.prod(np.delete(f, d, axis=2), axis=2)
        grads[:, :, d] = s[None, :, d] * others
    return grads


def cell_measures(points: np.ndarray, cells: np.ndarray, cell_type: str) -> np.ndarray:
    """Measure of each cell: |det J| integrated over the reference cell.

    Simplices use ``|det J| / d!``; quadrilaterals and hexahedra integrate the bilinear/
    trilinear Jacobian determinant with a 2^d Gauss rule, which is exact.
    For cells embedded in a higher dimension (a triangle in 3D) the Gram determinant is used.
    """
    ref = reference_cell(cell_type)
    x = points[cells]  # (M, nv, gdim)
    if ref.simplex:
        jac = (x[:, 1:, :] - x[:, :1, :]).transpose(0, 2, 1)  # (M, gdim, dim)
        return _abs_det(jac) * ref.volume
    xi = np.stack(np.meshgrid(*[_G] * ref.dim, indexing="ij"), -1).reshape(-1, ref.dim)
    grads = _multilinear_gradients(ref.dim, xi)  # (nq, nv, dim)
    jac = np.einsum("mvg,qvd->mqgd", x, grads)
    return _abs_det(jac).sum(axis=1) / len(xi)


def _abs_det(jac: np.ndarray) -> np.ndarray:
    if jac.shape[-1] == jac.shape[-2]:
        return np.abs(np.linalg.det(jac))
    return np.sqrt(np.linalg.det(np.swapaxes(jac, -1, -2) @ jac))
