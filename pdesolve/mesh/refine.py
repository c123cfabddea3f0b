"""Uniform (red) refinement of meshes of every cell type.

Each cell is cut into :math:`2^d` children through the midpoints of its edges (and, for
quadrilaterals and hexahedra, the centres of its faces and of the cell). Edge midpoints and face
centres are shared between neighbouring cells, so the refined mesh is conforming, and the mesh
size halves. Children of positively oriented cells are positively oriented; the children of
cell ``c`` are cells ``c * 2^d ... c * 2^d + 2^d - 1`` and inherit its cell tags; tagged facets
are split into their :math:`2^{d-1}` children, with the orientation of the parent facet.

New points are numbered after the old ones (which keep their indices): edge midpoints in the
order of :attr:`Mesh.edges`, then face centres (hexahedra) in the order of :attr:`Mesh.faces`,
then cell centres (quadrilaterals, hexahedra).

Tetrahedra follow Bey's scheme [Bey95]_: the four corner children, plus the inner octahedron
cut into four along one of its three diagonals. We take the shortest diagonal of each cell,
which keeps the children's shape regularity bounded under repeated refinement.

References
----------
.. [Bey95] J. Bey, "Tetrahedral grid refinement", Computing 55 (1995), pp. 355-378.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from ..errors import MeshError
from .cells import reference_cell
from .mesh import Mesh, _valid_by_construction
from .topology import lookup_entities

__all__ = ["refine"]


def _edge_lookup(mesh: Mesh, pairs: np.ndarray, tag: str) -> np.ndarray:
    """Edge index of each vertex pair (any order); MeshError if one is not an edge."""
    idx = lookup_entities(mesh.edges, pairs, mesh.num_points)
    if (idx < 0).any():
        raise MeshError(
            f"facet tag {tag!r} holds {int((idx < 0).sum())} vertex lists that are not facets of "
            "the mesh; cannot refine it"
        )
    return idx.astype(np.int64)


def _halves(a: np.ndarray, mid: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Segments (a, b) split at mid into (a, mid), (mid, b), consecutive rows."""
    return np.stack([a, mid, mid, b], axis=1).reshape(-1, 2)


# ---------------------------------------------------------------- simplices


def _local_edge_table(edges: tuple[tuple[int, ...], ...], nv: int) -> np.ndarray:
    """``t[a, b]`` = local edge index of the edge between local vertices a and b."""
    t = -np.ones((nv, nv), dtype=np.int64)
    for e, (a, b) in enumerate(edges):
        t[a, b] = t[b, a] = e
    return t


# Bey's children in terms of the (relabelled) parent vertices: (i, i) is vertex i, (i, j)
# the midpoint of edge ij. The inner octahedron is cut along the diagonal x02 - x13.
_BEY = (
    ((0, 0), (0, 1), (0, 2), (0, 3)),
    ((0, 1), (1, 1), (1, 2), (1, 3)),
    ((0, 2), (1, 2), (2, 2), (2, 3)),
    ((0, 3), (1, 3), (2, 3), (3, 3)),
    ((0, 1), (0, 2), (0, 3), (1, 3)),
    ((0, 1), (0, 2), (1, 2), (1, 3)),
    ((0, 2), (0, 3), (1, 3), (2, 3)),
    ((0, 2), (1, 2), (1, 3), (2, 3)),
)
# relabellings that move each diagonal to x02 - x13: (02, 13), (01, 23), (03, 12)
_TET_PERMS = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 1, 3, 2))


def _tet_children_tables() -> np.ndarray:
    """Index tables (3 diagonals, 8 children, 4 vertices) into the 10 nodes of a tetrahedron.

    Nodes 0-3 are the vertices, ``4 + e`` the midpoint of local edge ``e`` (reference edge
    order). Children are reordered where needed so that all have the parent's orientation.
    """
    ref = reference_cell("tetrahedron")
    etab = _local_edge_table(ref.edges, 4)
    e = np.array(ref.edges)
    mids = 0.5 * (ref.vertices[e[:, 0]] + ref.vertices[e[:, 1]])
    ref_nodes = np.concatenate([ref.vertices, mids])
    tables = np.empty((3, 8, 4), dtype=np.int64)
    for k, p in enumerate(_TET_PERMS):
        for c, child in enumerate(_BEY):
            nodes = [p[i] if i == j else 4 + etab[p[i], p[j]] for i, j in child]
            x = ref_nodes[nodes]
            if np.linalg.det((x[1:] - x[0]).T) < 0:
                nodes[2], nodes[3] = nodes[3], nodes[2]
            tables[k, c] = nodes
    return tables


_TET_TABLES = _tet_children_tables()


def _refine_simplices(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    ref = mesh.reference
    n = mesh.num_points
    p = mesh.points
    edges = mesh.edges
    mid = 0.5 * (p[edges[:, 0]] + p[edges[:, 1]])
    nodes = np.concatenate([mesh.cells, n + mesh.cell_edges.astype(np.int64)], axis=1)
    if ref.name == "triangle":
        # edges (1,2), (0,2), (0,1) are nodes 3, 4, 5
        table = np.array([[0, 5, 4], [5, 1, 3], [4, 3, 2], [5, 3, 4]])
        children = nodes[:, table]
    else:
        x = p[mesh.cells]
        diag = np.stack(
            [
                x[:, 0] + x[:, 2] - x[:, 1] - x[:, 3],  # x02 - x13
                x[:, 0] + x[:, 1] - x[:, 2] - x[:, 3],  # x01 - x23
                x[:, 0] + x[:, 3] - x[:, 1] - x[:, 2],  # x03 - x12
            ],
            axis=1,
        )
        choice = np.argmin((diag**2).sum(axis=2), axis=1)
        table = _TET_TABLES[choice]  # (M, 8, 4)
        children = np.take_along_axis(nodes[:, None, :], table.reshape(len(nodes), 1, -1), axis=2)
        children = children.reshape(len(nodes), 8, 4)
    return np.concatenate([p, mid]), children.reshape(-1, ref.num_vertices)


def _split_simplex_facets(mesh: Mesh, facets: np.ndarray, tag: str) -> np.ndarray:
    n = mesh.num_points
    f = facets.astype(np.int64)
    if mesh.dim == 2:
        return _halves(f[:, 0], n + _edge_lookup(mesh, f, tag), f[:, 1])
    a, b, c = f[:, 0], f[:, 1], f[:, 2]
    mab = n + _edge_lookup(mesh, f[:, [0, 1]], tag)
    mbc = n + _edge_lookup(mesh, f[:, [1, 2]], tag)
    mca = n + _edge_lookup(mesh, f[:, [2, 0]], tag)
    kids = [(a, mab, mca), (mab, b, mbc), (mca, mbc, c), (mab, mbc, mca)]
    return np.stack([np.stack(k, 1) for k in kids], 1).reshape(-1, 3)


# ---------------------------------------------------------------- tensor cells


def _lattice_tables(cell_type: str):
    """Positions of the vertices/edges/faces/centre on the 3^d lattice of a tensor cell, and
    the children as lattice positions (flat indices)."""
    ref = reference_cell(cell_type)
    d = ref.dim
    v = ref.vertices.astype(np.int64)
    strides = 3 ** np.arange(d)  # flat index = sum(pos * strides): axis 0 fastest

    def flat(pos):
        return int(np.dot(pos, strides))

    vert_pos = [flat(2 * v[i]) for i in range(len(v))]
    edge_pos = [flat(v[a] + v[b]) for a, b in ref.edges]
    face_pos = [flat(v[list(f)].sum(axis=0) // 2) for f in ref.faces]
    centre = flat(np.ones(d, dtype=np.int64))
    children = np.array(
        [[flat(np.array(o) + v[i]) for i in range(len(v))] for o in product((0, 1), repeat=d)]
    )
    return vert_pos, edge_pos, face_pos, centre, children


def _refine_tensor(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    ref = mesh.reference
    d = ref.dim
    n = mesh.num_points
    p = mesh.points
    m = mesh.num_cells
    vert_pos, edge_pos, face_pos, centre, children = _lattice_tables(ref.name)
    edges = mesh.edges
    new_points = [p, 0.5 * (p[edges[:, 0]] + p[edges[:, 1]])]
    lattice = np.empty((m, 3**d), dtype=np.int64)
    lattice[:, vert_pos] = mesh.cells
    lattice[:, edge_pos] = n + mesh.cell_edges
    offset = n + len(edges)
    if d == 3:
        faces = mesh.faces
        new_points.append(p[faces].mean(axis=1))
        lattice[:, face_pos] = offset + mesh.cell_faces
        offset += len(faces)
    new_points.append(p[mesh.cells].mean(axis=1))
    lattice[:, centre] = offset + np.arange(m)
    cells = lattice[:, children]  # (M, 2^d, nv)
    return np.concatenate(new_points), cells.reshape(-1, ref.num_vertices)


def _split_tensor_facets(mesh: Mesh, facets: np.ndarray, tag: str) -> np.ndarray:
    n = mesh.num_points
    f = facets.astype(np.int64)
    if mesh.dim == 2:  # quadrilateral edges
        mid = n + _edge_lookup(mesh, f, tag)
        return _halves(f[:, 0], mid, f[:, 1])
    a, b, c, dd = f.T
    mab = n + _edge_lookup(mesh, f[:, [0, 1]], tag)
    mbc = n + _edge_lookup(mesh, f[:, [1, 2]], tag)
    mcd = n + _edge_lookup(mesh, f[:, [2, 3]], tag)
    mda = n + _edge_lookup(mesh, f[:, [3, 0]], tag)
    fid = lookup_entities(mesh.faces, f, n)
    if (fid < 0).any():
        raise MeshError(
            f"facet tag {tag!r} holds {int((fid < 0).sum())} vertex lists that are not faces of "
            "the mesh; cannot refine it"
        )
    ctr = n + len(mesh.edges) + fid.astype(np.int64)
    kids = [(a, mab, ctr, mda), (mab, b, mbc, ctr), (ctr, mbc, c, mcd), (mda, ctr, mcd, dd)]
    return np.stack([np.stack(k, 1) for k in kids], 1).reshape(-1, 4)


# ---------------------------------------------------------------- driver


def refine(mesh: Mesh) -> Mesh:
    """Uniformly refined copy of ``mesh``: every cell split into :math:`2^d` children.

    ============= ==================================================================
    interval      halved at its midpoint
    triangle      4 children through the edge midpoints (3 corners and the middle one)
    tetrahedron   8 children (Bey 1995): 4 corners and the inner octahedron cut into 4
                  along its shortest diagonal
    quadrilateral 4 children through the edge midpoints and the cell centre
    hexahedron    8 children through edge midpoints, face centres and the cell centre
    ============= ==================================================================

    For quadrilaterals and hexahedra the new points are the images of the reference cell's
    half-way points under the (bi/tri)linear map, so the children tile the parent exactly.

    Parameters
    ----------
    mesh : Mesh

    Returns
    -------
    Mesh
        The refined mesh: same cell type, old points first with unchanged indices, children
        of cell ``c`` at ``c*2^d + (0 ... 2^d - 1)``; cell tags inherited by the children,
        facet tags split into the facets' children.

    Raises
    ------
    MeshError
        If a facet tag lists vertex sets that are not facets of the mesh.

    Notes
    -----
    New points lie on the straight edges and faces of the old mesh: refining a mesh of a
    curved domain (a disk) keeps its polygonal boundary, it does not move the new boundary
    points onto the curve.
    """
    ref = mesh.reference
    nchild = 2**ref.dim
    if ref.dim == 1:
        n, m = mesh.num_points, mesh.num_cells
        c = mesh.cells.astype(np.int64)
        mid = n + np.arange(m)
        points = np.concatenate([mesh.points, mesh.points[mesh.cells].mean(axis=1)])
        cells = _halves(c[:, 0], mid, c[:, 1])
        facet_tags = {k: v.copy() for k, v in mesh.facet_tags.items()}
    else:
        refine_cells, split = (
            (_refine_simplices, _split_simplex_facets)
            if ref.simplex
            else (_refine_tensor, _split_tensor_facets)
        )
        points, cells = refine_cells(mesh)
        facet_tags = {k: split(mesh, v, k) for k, v in mesh.facet_tags.items()}
    kids = np.arange(nchild)
    cell_tags = {
        k: (np.asarray(v, dtype=np.int64)[:, None] * nchild + kids).ravel()
        for k, v in mesh.cell_tags.items()
    }
    itype = np.int32 if len(points) < 2**31 else np.int64
    refined = Mesh(
        points, cells.astype(itype), ref.name, cell_tags=cell_tags, facet_tags=facet_tags
    )
    # the children of a valid cell are valid, and new points are distinct
    return _valid_by_construction(refined, mesh._geometry_ok)
