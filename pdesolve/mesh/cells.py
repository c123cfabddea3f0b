"""Reference cells: vertex coordinates and the local numbering of edges and facets.

These tables are the one convention shared by meshes (topology) and finite elements (where
edge and face degrees of freedom sit). Vertex orders follow meshio/VTK, so cells read from
files need no permutation:

- interval      0 --- 1 on [0, 1]
- triangle      (0,0), (1,0), (0,1); edge ``i`` is opposite vertex ``i``
- quadrilateral (0,0), (1,0), (1,1), (0,1) counter-clockwise, on [0, 1]^2
- tetrahedron   (0,0,0), (1,0,0), (0,1,0), (0,0,1); face ``i`` is opposite vertex ``i``
- hexahedron    bottom face z=0 counter-clockwise, then the top face, on [0, 1]^3

The reference domain of quads and hexes is the unit square/cube (not [-1, 1]^d).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MeshError


@dataclass(frozen=True)
class ReferenceCell:
    """Geometry and local topology of one reference cell.

    Attributes
    ----------
    name : str
        meshio cell-type name (``"triangle"``...).
    dim : int
        Topological dimension.
    vertices : ndarray, shape (nverts, dim)
        Reference vertex coordinates.
    edges : tuple of tuple of int
        Local vertex pairs of the edges (empty for intervals).
    faces : tuple of tuple of int
        Local vertex lists of the 2D faces (3D cells only; the cell itself for 2D cells is
        not listed).
    facet_type : str or None
        meshio name of the facets (``"line"`` for 2D cells, ``"vertex"`` for intervals).
    simplex : bool
        Whether the geometry map is affine (simplices) or multilinear (tensor cells).
    """

    name: str
    dim: int
    vertices: np.ndarray
    edges: tuple[tuple[int, ...], ...]
    faces: tuple[tuple[int, ...], ...]
    facet_type: str
    simplex: bool

    @property
    def facets(self) -> tuple[tuple[int, ...], ...]:
        """Local vertex lists of the codimension-1 entities."""
        if self.dim == 1:
            return ((0,), (1,))
        if self.dim == 2:
            return self.edges
        return self.faces

    @property
    def num_vertices(self) -> int:
        return len(self.vertices)

    @property
    def volume(self) -> float:
        """Measure of the reference cell (1/d! for simplices, 1 for tensor cells)."""
        return 1.0 / [1, 1, 2, 6][self.dim] if self.simplex else 1.0


_TRI_EDGES = ((1, 2), (0, 2), (0, 1))
_QUAD_EDGES = ((0, 1), (1, 2), (3, 2), (0, 3))
_TET_EDGES = ((2, 3), (1, 3), (1, 2), (0, 3), (0, 2), (0, 1))
_TET_FACES = ((1, 2, 3), (0, 2, 3), (0, 1, 3), (0, 1, 2))
_HEX_EDGES = (
    (0, 1),
    (1, 2),
    (3, 2),
    (0, 3),
    (4, 5),
    (5, 6),
    (7, 6),
    (4, 7),
    (0, 4),
    (1, 5),
    (2, 6),
    (3, 7),
)
_HEX_FACES = (
    (0, 1, 2, 3),
    (4, 5, 6, 7),  # z = 0, z = 1
    (0, 1, 5, 4),
    (3, 2, 6, 7),  # y = 0, y = 1
    (0, 3, 7, 4),
    (1, 2, 6, 5),  # x = 0, x = 1
)

REFERENCE_CELLS: dict[str, ReferenceCell] = {
    "interval": ReferenceCell("interval", 1, np.array([[0.0], [1.0]]), (), (), "vertex", True),
    "triangle": ReferenceCell(
        "triangle", 2, np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), _TRI_EDGES, (), "line", True
    ),
    "quadrilateral": ReferenceCell(
        "quadrilateral",
        2,
        np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]),
        _QUAD_EDGES,
        (),
        "line",
        False,
    ),
    "tetrahedron": ReferenceCell(
        "tetrahedron",
        3,
        np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        _TET_EDGES,
        _TET_FACES,
        "triangle",
        True,
    ),
    "hexahedron": ReferenceCell(
        "hexahedron",
        3,
        np.array(
            [
                [0.0, 0, 0],
                [1, 0, 0],
                [1, 1, 0],
                [0, 1, 0],
                [0, 0, 1],
                [1, 0, 1],
                [1, 1, 1],
                [0, 1, 1],
            ]
        ),
        _HEX_EDGES,
        _HEX_FACES,
        "quad",
        False,
    ),
}

#: meshio spells some cell types differently; these are the names we accept.
CELL_ALIASES = {
    "line": "interval",
    "quad": "quadrilateral",
    "tetra": "tetrahedron",
    "tet": "tetrahedron",
    "hex": "hexahedron",
}

#: the meshio name of each cell type, for writing.
MESHIO_NAMES = {
    "interval": "line",
    "triangle": "triangle",
    "quadrilateral": "quad",
    "tetrahedron": "tetra",
    "hexahedron": "hexahedron",
}


def reference_cell(cell_type: str) -> ReferenceCell:
    """Return the :class:`ReferenceCell` for a cell-type name (meshio spellings accepted)."""
    name = CELL_ALIASES.get(cell_type, cell_type)
    try:
        return REFERENCE_CELLS[name]
    except KeyError:
        raise MeshError(
            f"unsupported cell type {cell_type!r}; supported: {sorted(REFERENCE_CELLS)}"
        ) from None
