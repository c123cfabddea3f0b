"""Helpers for the mesh tests: independent measures, orientation and conformity checks."""

from __future__ import annotations

import numpy as np

from pdesolve.mesh import Mesh, box, disk, interval, lshape, rectangle


def signed_measures(mesh: Mesh) -> np.ndarray:
    """Signed length/area/volume of simplices; for quads/hexes the minimum over the vertices
    of the Jacobian determinant (computed here independently of pdesolve.mesh.validate)."""
    x = mesh.points[mesh.cells]
    t = mesh.cell_type
    if t == "interval":
        return x[:, 1, 0] - x[:, 0, 0]
    if t == "triangle":
        a, b = x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]
        return 0.5 * (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
    if t == "tetrahedron":
        a, b, c = x[:, 1] - x[:, 0], x[:, 2] - x[:, 0], x[:, 3] - x[:, 0]
        return np.einsum("ij,ij->i", np.cross(a, b), c) / 6.0
    if t == "quadrilateral":
        dets = []
        for i in range(4):  # corner i: edges to the next and the previous vertex
            a = x[:, (i + 1) % 4] - x[:, i]
            b = x[:, (i - 1) % 4] - x[:, i]
            dets.append(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        return np.min(dets, axis=0)
    # hexahedron: at each corner, the three edges along +x, +y, +z of the reference cube
    nbrs = {
        0: (1, 3, 4),
        1: (0, 2, 5),
        2: (3, 1, 6),
        3: (2, 0, 7),
        4: (5, 7, 0),
        5: (4, 6, 1),
        6: (7, 5, 2),
        7: (6, 4, 3),
    }
    sign = {0: 1, 1: -1, 2: 1, 3: -1, 4: -1, 5: 1, 6: -1, 7: 1}  # parity of the reflections
    dets = []
    for i, (p, q, r) in nbrs.items():
        a, b, c = x[:, p] - x[:, i], x[:, q] - x[:, i], x[:, r] - x[:, i]
        dets.append(sign[i] * np.einsum("ij,ij->i", np.cross(a, b), c))
    return np.min(dets, axis=0)


def facet_counts(mesh: Mesh) -> np.ndarray:
    """How many cells hold each distinct facet (by sorted vertex list)."""
    loc = np.array(mesh.reference.facets)
    f = np.sort(mesh.cells[:, loc].reshape(-1, loc.shape[1]), axis=1)
    _, counts = np.unique(f, axis=0, return_counts=True)
    return counts


def tagged_facet_measure(mesh: Mesh, name: str) -> float:
    """Total length/area of the facets of a tag (number of points for 1D meshes)."""
    f = mesh.facet_tags[name]
    x = mesh.points[f]
    if f.shape[1] == 1:
        return float(len(f))
    if f.shape[1] == 2:
        return float(np.linalg.norm(x[:, 1] - x[:, 0], axis=1).sum())
    if f.shape[1] == 3:
        normal = np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0])
        return float(0.5 * np.linalg.norm(normal, axis=1).sum())
    # planar quads: two triangles
    t1 = np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0])
    t2 = np.cross(x[:, 2] - x[:, 0], x[:, 3] - x[:, 0])
    return float(0.5 * (np.linalg.norm(t1, axis=1) + np.linalg.norm(t2, axis=1)).sum())


ALL_GENERATED = {
    "interval": lambda: interval(7, -1.0, 2.0),
    "tri-right": lambda: rectangle(4, 3, (0.0, 1.0), (2.0, 2.5)),
    "tri-left": lambda: rectangle(4, 3, diagonal="left"),
    "tri-crossed": lambda: rectangle(3, 2, diagonal="crossed"),
    "quad": lambda: rectangle(4, 3, (-1.0, 0.0), (1.0, 3.0), cell_type="quadrilateral"),
    "tet": lambda: box(2, 3, 2, (0.0, 0.0, 0.0), (1.0, 2.0, 0.5)),
    "hex": lambda: box(2, 2, 3, cell_type="hexahedron"),
    "disk": lambda: disk(3, radius=2.0, center=(1.0, -1.0)),
    "lshape": lambda: lshape(2),
    "lshape-quad": lambda: lshape(2, cell_type="quadrilateral"),
}

EXPECTED_MEASURE = {
    "interval": 3.0,
    "tri-right": 3.0,
    "tri-left": 1.0,
    "tri-crossed": 1.0,
    "quad": 6.0,
    "tet": 1.0,
    "hex": 1.0,
    "disk": 3 * 3 * 2.0**2 * np.sin(np.pi / 9),  # inscribed 18-gon
    "lshape": 3.0,
    "lshape-quad": 3.0,
}
