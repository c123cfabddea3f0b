"""Geometric checks of a cell array: degenerate and inverted cells, and their repair.

The orientation of a cell is the sign of the Jacobian determinant of its reference map
:math:`F : \\hat K \\to K` (vertex orders of :mod:`pdesolve.mesh.cells`, the meshio/VTK
convention):

- simplices (affine :math:`F`): :math:`\\det J = \\det[x_1 - x_0, \\dots, x_d - x_0]`, which is
  :math:`d!` times the signed measure. Positive means counter-clockwise triangles and
  right-handed tetrahedra.
- quadrilaterals and hexahedra (bilinear/trilinear :math:`F`): :math:`\\det J` varies over the
  cell, and is evaluated at the vertices, where the columns of :math:`J` are the cell edges
  leaving the vertex along the reference axes. A cell whose determinants are all positive is
  valid; all negative means inverted (wrong vertex order); mixed signs mean a non-convex or
  self-intersecting (bow-tie) cell. Positive vertex determinants are necessary, and for
  quadrilaterals sufficient, for :math:`\\det J > 0` on the whole cell.

A cell is *degenerate* when :math:`|\\det J| \\le \\mathrm{tol} \\cdot h^d` at some vertex, with
:math:`h` its longest edge: the test is relative, so it does not depend on the units.
When the cell is embedded in a higher-dimensional space (a triangle in 3D) the orientation has
no meaning; only degeneracy is checked, with the Gram determinant
:math:`\\sqrt{\\det J^T J}`.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import ArrayLike

from ..errors import MeshError
from .cells import ReferenceCell, reference_cell

__all__ = ["validate_geometry", "orient_cells", "jacobian_determinants", "coincident_points"]

#: default relative tolerance for degenerate cells (see the module docstring)
DEFAULT_TOL = 1e-12

#: vertex permutations that reverse the orientation of a cell and keep its shape
_FLIP = {
    "interval": [1, 0],
    "triangle": [0, 2, 1],
    "quadrilateral": [0, 3, 2, 1],
    "tetrahedron": [0, 1, 3, 2],
    "hexahedron": [0, 3, 2, 1, 4, 7, 6, 5],
}

_MAX_LISTED = 5


def _jacobian_stencil(ref: ReferenceCell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the Jacobians are evaluated and from which vertex differences.

    Column ``d`` of the Jacobian at evaluation point ``q`` is
    ``sign[q, d] * (x[tips[q, d]] - x[base[q]])``. Simplices: one point (``nq = 1``), the edges
    leaving vertex 0. Tensor cells: each vertex (``nq = nverts``), the edge to its neighbour
    along reference axis ``d``, signed to be the derivative in the positive axis direction.

    Returns
    -------
    base : ndarray (nq,)
    tips : ndarray (nq, dim)
    sign : ndarray (nq, dim)
    """
    if ref.simplex:
        tips = np.arange(1, ref.dim + 1, dtype=np.int64)[None, :]
        return np.zeros(1, dtype=np.int64), tips, np.ones((1, ref.dim))
    v = ref.vertices.astype(np.int64)
    code = v @ (1 << np.arange(ref.dim))
    inv = np.empty(len(v), dtype=np.int64)
    inv[code] = np.arange(len(v))
    tips = np.stack([inv[code ^ (1 << d)] for d in range(ref.dim)], axis=1)  # neighbours
    sign = (1 - 2 * v).astype(float)  # +1 at the axis start, -1 at its end
    return np.arange(len(v), dtype=np.int64), tips, sign


def _edge_table(ref: ReferenceCell) -> np.ndarray:
    return np.asarray(ref.edges if ref.dim > 1 else ((0, 1),), dtype=np.int64)


def _vertex_jacobians(x: np.ndarray, ref: ReferenceCell) -> np.ndarray:
    """Jacobians of the reference map, shape (M, nq, gdim, dim) (see :func:`_jacobian_stencil`)."""
    base, tips, sign = _jacobian_stencil(ref)
    cols = sign[None, :, :, None] * (x[:, tips, :] - x[:, base, None, :])  # (M, nq, dim, gdim)
    return np.swapaxes(cols, -1, -2)


def _det(jac: np.ndarray) -> tuple[np.ndarray, bool]:
    """Determinants of a stack of Jacobians; signed when square, Gram otherwise."""
    g, d = jac.shape[-2:]
    if g == d == 1:
        return jac[..., 0, 0], True
    if g == d == 2:
        return jac[..., 0, 0] * jac[..., 1, 1] - jac[..., 0, 1] * jac[..., 1, 0], True
    if g == d == 3:
        a, b, c = jac[..., 0], jac[..., 1], jac[..., 2]
        return (np.cross(a, b) * c).sum(axis=-1), True
    gram = np.swapaxes(jac, -1, -2) @ jac
    return np.sqrt(np.maximum(np.linalg.det(gram), 0.0)), False


def _longest_edge(x: np.ndarray, ref: ReferenceCell) -> np.ndarray:
    edges = _edge_table(ref)
    diff = x[:, edges[:, 0], :] - x[:, edges[:, 1], :]
    return np.sqrt((diff**2).sum(axis=-1).max(axis=1))


@nb.njit(cache=True)
def _square_determinants(points, cells, base, tips, sign, edges):
    """Signed det J at the stencil points and the longest edge of each cell, for gdim == dim:
    the quantities of :func:`_vertex_jacobians`, :func:`_det` and :func:`_longest_edge`
    without their (M, nq, dim, dim) temporaries (10-20x faster on 1M cells)."""
    m = cells.shape[0]
    nq, dim = tips.shape
    det = np.empty((m, nq))
    h = np.empty(m)
    for c in range(m):
        for q in range(nq):
            b = cells[c, base[q]]
            s = sign[q, 0]
            t0 = cells[c, tips[q, 0]]
            a0 = points[t0, 0] - points[b, 0]
            if dim == 1:
                det[c, q] = s * a0
                continue
            s *= sign[q, 1]
            t1 = cells[c, tips[q, 1]]
            a1 = points[t0, 1] - points[b, 1]
            b0 = points[t1, 0] - points[b, 0]
            b1 = points[t1, 1] - points[b, 1]
            if dim == 2:
                det[c, q] = s * (a0 * b1 - a1 * b0)
                continue
            s *= sign[q, 2]
            t2 = cells[c, tips[q, 2]]
            a2 = points[t0, 2] - points[b, 2]
            b2 = points[t1, 2] - points[b, 2]
            e0 = points[t2, 0] - points[b, 0]
            e1 = points[t2, 1] - points[b, 1]
            e2 = points[t2, 2] - points[b, 2]
            det[c, q] = s * (
                (a1 * b2 - a2 * b1) * e0 + (a2 * b0 - a0 * b2) * e1 + (a0 * b1 - a1 * b0) * e2
            )
        longest = 0.0
        for e in range(edges.shape[0]):
            i, j = cells[c, edges[e, 0]], cells[c, edges[e, 1]]
            d2 = 0.0
            for g in range(dim):
                d2 += (points[i, g] - points[j, g]) ** 2
            longest = max(longest, d2)
        h[c] = np.sqrt(longest)
    return det, h


def jacobian_determinants(
    points: ArrayLike, cells: ArrayLike, cell_type: str
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Jacobian determinants at the vertices (tensor cells) or of the affine map (simplices).

    Returns
    -------
    det : ndarray, shape (M, nq)
        ``nq = 1`` for simplices, the number of vertices for quadrilaterals and hexahedra.
    h : ndarray, shape (M,)
        Longest edge of each cell.
    signed : bool
        False when the cells are embedded in a higher dimension (Gram determinants).
    """
    ref = reference_cell(cell_type)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim == 1:
        pts = pts[:, None]
    cl = np.asarray(cells)
    if cl.ndim != 2 or cl.shape[1] != ref.num_vertices:
        raise MeshError(f"{ref.name} cells need shape (M, {ref.num_vertices}), got {cl.shape}")
    if pts.ndim != 2 or pts.shape[1] < ref.dim:
        raise MeshError(f"points need shape (N, gdim >= {ref.dim}), got {pts.shape}")
    if cl.size and not np.issubdtype(cl.dtype, np.integer):
        raise MeshError(f"cell indices must be integers, got dtype {cl.dtype}")
    if cl.size and (cl.min() < 0 or cl.max() >= len(pts)):
        bad = np.flatnonzero(((cl < 0) | (cl >= len(pts))).any(axis=1))
        raise MeshError(
            f"cell vertex indices out of range [0, {len(pts)}): {len(bad)} cells, first cell "
            f"{bad[0]} = {cl[bad[0]].tolist()}"
        )
    if pts.shape[1] == ref.dim:
        det, h = _square_determinants(
            np.ascontiguousarray(pts),
            cl.reshape(len(cl), -1),
            *_jacobian_stencil(ref),
            _edge_table(ref),
        )
        return det, h, True
    x = pts[cl]
    det, signed = _det(_vertex_jacobians(x, ref))
    return det, _longest_edge(x, ref), signed


def coincident_points(points: ArrayLike, tol: float = DEFAULT_TOL) -> np.ndarray:
    """Pairs of distinct points closer than ``tol`` times the bounding-box diameter.

    Parameters
    ----------
    points : array_like, shape (N, gdim)
    tol : float, optional
        Relative tolerance; ``0`` finds exactly repeated points only.

    Returns
    -------
    ndarray, shape (K, 2), int64
        Index pairs ``(i, j)`` with ``i < j``, sorted.

    Notes
    -----
    One k-d tree query (:meth:`scipy.spatial.cKDTree.query_pairs`): about 0.4 s for 1M points
    in 2D, 0.8 s in 3D.
    """
    from scipy.spatial import cKDTree

    pts = np.asarray(points, dtype=np.float64)
    pts = pts[:, None] if pts.ndim == 1 else pts
    if len(pts) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    radius = tol * float(np.linalg.norm(pts.max(axis=0) - pts.min(axis=0)))
    tree = cKDTree(pts, balanced_tree=False, compact_nodes=False)  # 2-3x faster build
    pairs = tree.query_pairs(radius, output_type="ndarray").astype(np.int64)
    pairs.sort(axis=1)
    return pairs[np.lexsort(pairs.T[::-1])]


def _describe(points: np.ndarray, cells: np.ndarray, bad: np.ndarray) -> str:
    shown = bad[:_MAX_LISTED]
    lines = []
    for c in shown:
        coords = np.array2string(points[cells[c]], precision=6, separator=", ").replace("\n", "")
        lines.append(f"  cell {c}: vertices {cells[c].tolist()} at {coords}")
    more = f"\n  ... and {len(bad) - len(shown)} more" if len(bad) > len(shown) else ""
    return "\n".join(lines) + more


def validate_geometry(
    points: ArrayLike,
    cells: ArrayLike,
    cell_type: str,
    tol: float = DEFAULT_TOL,
    *,
    allow_inverted: bool = False,
    point_tol: float | None = DEFAULT_TOL,
) -> None:
    """Raise :class:`~pdesolve.errors.MeshError` if any cell is degenerate or inverted, or if
    points coincide.

    Parameters
    ----------
    points : array_like, shape (N, gdim)
        Vertex coordinates.
    cells : array_like, shape (M, nv)
        Vertex indices per cell, in meshio/VTK order.
    cell_type : str
        One of the five supported cell types (meshio spellings accepted).
    tol : float, optional
        Relative tolerance: a cell is degenerate when :math:`|\\det J| \\le tol\\, h^d` at a
        vertex (``h`` the longest edge of the cell, ``d`` the cell dimension).
    allow_inverted : bool, optional
        Accept inverted cells (consistently negative orientation), as assembly does; degenerate
        and twisted cells are still rejected.
    point_tol : float or None, optional
        Points closer than ``point_tol`` times the diameter of the bounding box are coincident
        (see :func:`coincident_points`); ``None`` skips this check.

    Raises
    ------
    MeshError
        Naming the first offending cells, their vertices and coordinates, and what is wrong:
        non-finite coordinates, degenerate (zero-measure) cells, inverted cells (negative
        orientation; fix with :func:`orient_cells`), quadrilaterals/hexahedra whose
        Jacobian changes sign (non-convex or twisted), or coincident points (duplicated
        nodes, e.g. from an export without node merging: the mesh falls apart along them).

    Notes
    -----
    See the module docstring for the determinants used. Cells embedded in a higher dimension
    (``gdim > d``) are only checked for degeneracy. The cell checks are one compiled pass
    (about 10 ms per million cells); the coincident-point check costs a k-d tree (about 0.4 s
    per million points in 2D, 0.8 s in 3D).
    """
    ref = reference_cell(cell_type)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim == 1:
        pts = pts[:, None]
    if not np.isfinite(pts).all():
        bad = np.flatnonzero(~np.isfinite(pts).all(axis=1))
        raise MeshError(
            f"{len(bad)} points have NaN or Inf coordinates, first: point {bad[0]} = "
            f"{pts[bad[0]].tolist()}"
        )
    cl = np.asarray(cells)
    det, h, signed = jacobian_determinants(pts, cl, ref.name)
    if det.size:
        _check_cells(pts, cl, ref, det, h, signed, tol, allow_inverted)
    if point_tol is not None:
        pairs = coincident_points(pts, point_tol)
        if len(pairs):
            shown = "\n".join(
                f"  points {i} and {j} at {pts[i].tolist()}" for i, j in pairs[:_MAX_LISTED]
            )
            extra = len(pairs) - _MAX_LISTED
            more = f"\n  ... and {extra} more" if extra > 0 else ""
            raise MeshError(
                f"{len(pairs)} pairs of coincident points (closer than {point_tol:g} times the "
                f"bounding-box diameter), first {min(len(pairs), _MAX_LISTED)}:\n{shown}{more}\n"
                "the mesh falls apart along them (duplicated nodes, e.g. an export without node "
                "merging); merge them and renumber the cells, e.g. with gmsh's 'Coherence Mesh;' "
                "or np.unique(points, axis=0, return_inverse=True)"
            )


def _check_cells(
    pts: np.ndarray,
    cl: np.ndarray,
    ref: ReferenceCell,
    det: np.ndarray,
    h: np.ndarray,
    signed: bool,
    tol: float,
    allow_inverted: bool,
) -> None:
    degenerate = np.abs(det).min(axis=1) <= tol * h**ref.dim
    if degenerate.any():
        bad = np.flatnonzero(degenerate)
        raise MeshError(
            f"{len(bad)} degenerate {ref.name} cells (zero {_measure_name(ref.dim)}: "
            f"|det J| <= {tol:g} h^{ref.dim}), first {min(len(bad), _MAX_LISTED)}:\n"
            + _describe(pts, cl, bad)
        )
    if not signed:
        return
    neg = det < 0
    inverted = neg.all(axis=1)
    if inverted.any() and not allow_inverted:
        bad = np.flatnonzero(inverted)
        raise MeshError(
            f"{len(bad)} inverted {ref.name} cells (negative orientation, det J < 0: the "
            f"vertices are listed {_wrong_order(ref)}), first {min(len(bad), _MAX_LISTED)}:\n"
            + _describe(pts, cl, bad)
            + "\nre-order them with pdesolve.mesh.orient_cells or read(..., fix_orientation=True)"
        )
    mixed = neg.any(axis=1) & ~inverted
    if mixed.any():
        bad = np.flatnonzero(mixed)
        raise MeshError(
            f"{len(bad)} {ref.name} cells are non-convex or twisted (the Jacobian determinant "
            f"changes sign between vertices), first {min(len(bad), _MAX_LISTED)}:\n"
            + _describe(pts, cl, bad)
        )


def _measure_name(dim: int) -> str:
    return {1: "length", 2: "area", 3: "volume"}[dim]


def _wrong_order(ref: ReferenceCell) -> str:
    if ref.dim == 1:
        return "right to left"
    if ref.dim == 2:
        return "clockwise"
    return "left-handed"


def orient_cells(points: ArrayLike, cells: ArrayLike, cell_type: str) -> np.ndarray:
    """Copy of ``cells`` with inverted cells re-ordered to positive orientation.

    A cell is re-ordered when its Jacobian determinant is negative (simplices) or negative
    at every vertex (quadrilaterals, hexahedra), by the vertex permutation that mirrors the
    reference cell: swap of the last two vertices for simplices, reversal of the winding for
    quadrilaterals (``0 3 2 1``) and for both faces of hexahedra (``0 3 2 1 4 7 6 5``).
    Degenerate and twisted cells are left alone (:func:`validate_geometry` reports them), as
    are cells embedded in a higher dimension, whose orientation is not defined.

    Parameters
    ----------
    points : array_like, shape (N, gdim)
    cells : array_like, shape (M, nv)
    cell_type : str

    Returns
    -------
    ndarray, shape (M, nv)
        The re-ordered copy (same dtype as ``cells``).
    """
    ref = reference_cell(cell_type)
    out = np.array(cells, copy=True)
    det, _, signed = jacobian_determinants(points, out, ref.name)
    if not signed or det.size == 0:
        return out
    flip = (det < 0).all(axis=1)
    if flip.any():
        out[flip] = out[flip][:, _FLIP[ref.name]]
    return out
