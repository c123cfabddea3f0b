"""Structured mesh generators: interval, rectangle, box, disk and L-shape.

Every generator is vectorised numpy (no Python loop over cells), returns positively oriented
cells (counter-clockwise triangles and quadrilaterals, right-handed tetrahedra and hexahedra, in
the meshio/VTK vertex order of :mod:`pdesolve.mesh.cells`), and names the boundary parts as
facet tags:

========== =====================================================================
generator  facet tags
========== =====================================================================
interval   ``left`` (x = a), ``right`` (x = b)
rectangle  ``left`` (x = x0), ``right`` (x = x1), ``bottom`` (y = y0), ``top`` (y = y1)
box        ``left``/``right`` (x), ``front``/``back`` (y = y0 / y1), ``bottom``/``top`` (z)
disk       ``boundary``
lshape     ``boundary`` (all of it) and ``reentrant`` (the two sides meeting at the
           re-entrant corner)
========== =====================================================================

Tagged facets are oriented so that the domain lies to their left (2D: the boundary is
traversed counter-clockwise) or so that their right-hand normal points out of the domain (3D).
Points are numbered lexicographically with x running fastest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import MeshError
from .mesh import Mesh, _valid_by_construction

__all__ = ["interval", "rectangle", "box", "disk", "lshape"]

_IDX = np.int32


def _check_count(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise MeshError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _check_box(x0: Sequence[float], x1: Sequence[float], dim: int) -> tuple[np.ndarray, np.ndarray]:
    lo = np.asarray(x0, dtype=np.float64).ravel()
    hi = np.asarray(x1, dtype=np.float64).ravel()
    if lo.shape != (dim,) or hi.shape != (dim,):
        raise MeshError(f"corners must have {dim} coordinates, got {lo.tolist()} and {hi.tolist()}")
    if not (hi > lo).all():
        raise MeshError(f"need x1 > x0 in every coordinate, got x0={lo.tolist()}, x1={hi.tolist()}")
    return lo, hi


def _square_corners(ids: np.ndarray) -> tuple[np.ndarray, ...]:
    """Corner ids (v0, v1, v2, v3) counter-clockwise of every square of a 2D id grid.

    ``ids`` is indexed ``[b, a]`` with ``a`` running fastest; the squares come out in the same
    lexicographic order, as flat arrays.
    """
    v0 = ids[:-1, :-1].ravel()
    v1 = ids[:-1, 1:].ravel()
    v2 = ids[1:, 1:].ravel()
    v3 = ids[1:, :-1].ravel()
    return v0, v1, v2, v3


def _split_squares(v0, v1, v2, v3, diagonal: str) -> np.ndarray:
    """Triangles (counter-clockwise) of squares v0 v1 v2 v3 split along one diagonal."""
    if diagonal == "right":  # diagonal v0-v2, bottom-left to top-right
        tri = np.stack([np.stack([v0, v1, v2], 1), np.stack([v0, v2, v3], 1)], 1)
    else:  # "left": diagonal v1-v3, bottom-right to top-left
        tri = np.stack([np.stack([v0, v1, v3], 1), np.stack([v1, v2, v3], 1)], 1)
    return tri.reshape(-1, 3)


def _face_grid(ids: np.ndarray, simplex: bool, outward_positive: bool) -> np.ndarray:
    """Boundary faces of a box side: quads or triangles (split min-corner to max-corner).

    ``ids`` is indexed ``[b, a]`` with (a, b, n) a right-handed frame and n the axis normal
    to the side; faces are counter-clockwise seen from outside.
    """
    v0, v1, v2, v3 = _square_corners(ids)
    faces = _split_squares(v0, v1, v2, v3, "right") if simplex else np.stack([v0, v1, v2, v3], 1)
    if not outward_positive:
        faces = faces[:, ::-1]
    return np.ascontiguousarray(faces)


def interval(n: int, a: float = 0.0, b: float = 1.0) -> Mesh:
    """Uniform mesh of ``[a, b]`` with ``n`` cells.

    Parameters
    ----------
    n : int
        Number of cells (``h = (b - a) / n``).
    a, b : float
        End points, ``a < b``.

    Returns
    -------
    Mesh
        ``n + 1`` points (gdim 1) and ``n`` intervals; facet tags ``left`` and ``right``.
    """
    n = _check_count("n", n)
    if not b > a:
        raise MeshError(f"need b > a, got a={a}, b={b}")
    points = np.linspace(a, b, n + 1)[:, None]
    i = np.arange(n, dtype=_IDX)
    cells = np.stack([i, i + 1], axis=1)
    tags = {"left": np.array([[0]], _IDX), "right": np.array([[n]], _IDX)}
    return _valid_by_construction(Mesh(points, cells, "interval", facet_tags=tags))


def rectangle(
    nx: int,
    ny: int,
    x0: Sequence[float] = (0.0, 0.0),
    x1: Sequence[float] = (1.0, 1.0),
    cell_type: str = "triangle",
    diagonal: str = "right",
) -> Mesh:
    """Structured mesh of the rectangle ``[x0[0], x1[0]] x [x0[1], x1[1]]``.

    Parameters
    ----------
    nx, ny : int
        Number of squares along x and y.
    x0, x1 : pair of float
        Lower-left and upper-right corners.
    cell_type : {"triangle", "quadrilateral"}
        ``"quad"`` is accepted for quadrilaterals.
    diagonal : {"right", "left", "crossed"}
        How each square is split into triangles: ``"right"`` along the diagonal from the
        bottom-left to the top-right corner (2 triangles), ``"left"`` from the bottom-right to
        the top-left corner (2 triangles), ``"crossed"`` along both, with a new vertex at the
        centre of each square (4 triangles). Ignored for quadrilaterals.

    Returns
    -------
    Mesh
        ``(nx+1)(ny+1)`` grid points (plus ``nx*ny`` centres when crossed), numbered with x
        fastest; ``2 nx ny`` (or ``4 nx ny``) triangles or ``nx ny`` quadrilaterals, the cells
        of one square consecutive. Facet tags ``left``, ``right``, ``bottom``, ``top``.
    """
    nx = _check_count("nx", nx)
    ny = _check_count("ny", ny)
    lo, hi = _check_box(x0, x1, 2)
    quad = cell_type in ("quadrilateral", "quad")
    if not quad and cell_type != "triangle":
        raise MeshError(
            f"rectangle cell_type must be 'triangle' or 'quadrilateral', got {cell_type!r}"
        )
    if not quad and diagonal not in ("right", "left", "crossed"):
        raise MeshError(f"diagonal must be 'right', 'left' or 'crossed', got {diagonal!r}")

    x = np.linspace(lo[0], hi[0], nx + 1)
    y = np.linspace(lo[1], hi[1], ny + 1)
    npts = (nx + 1) * (ny + 1)
    points = np.empty((npts, 2))
    points[:, 0] = np.tile(x, ny + 1)
    points[:, 1] = np.repeat(y, nx + 1)
    ids = np.arange(npts, dtype=_IDX).reshape(ny + 1, nx + 1)
    v0, v1, v2, v3 = _square_corners(ids)

    if quad:
        cells = np.stack([v0, v1, v2, v3], axis=1)
    elif diagonal == "crossed":
        xc = 0.5 * (x[:-1] + x[1:])
        yc = 0.5 * (y[:-1] + y[1:])
        centres = np.stack([np.tile(xc, ny), np.repeat(yc, nx)], axis=1)
        points = np.concatenate([points, centres])
        c = np.arange(npts, npts + nx * ny, dtype=_IDX)
        cells = np.stack(
            [
                np.stack([v0, v1, c], 1),
                np.stack([v1, v2, c], 1),
                np.stack([v2, v3, c], 1),
                np.stack([v3, v0, c], 1),
            ],
            axis=1,
        ).reshape(-1, 3)
    else:
        cells = _split_squares(v0, v1, v2, v3, diagonal)

    tags = {
        "left": np.stack([ids[1:, 0], ids[:-1, 0]], axis=1),
        "right": np.stack([ids[:-1, -1], ids[1:, -1]], axis=1),
        "bottom": np.stack([ids[0, :-1], ids[0, 1:]], axis=1),
        "top": np.stack([ids[-1, 1:], ids[-1, :-1]], axis=1),
    }
    return _valid_by_construction(
        Mesh(points, cells, "quadrilateral" if quad else "triangle", facet_tags=tags)
    )


# Kuhn (Freudenthal) split of the unit cube into 6 tetrahedra around the diagonal 0-6, in
# hexahedron-local vertex numbers; each is a monotone lattice path 0 -> e_a -> e_a+e_b -> 6,
# with the last two vertices swapped for odd axis permutations (so that det J = +1).
_KUHN = np.array(
    [
        [0, 1, 2, 6],  # x, y, z
        [0, 1, 6, 5],  # x, z, y (odd)
        [0, 3, 6, 2],  # y, x, z (odd)
        [0, 3, 7, 6],  # y, z, x
        [0, 4, 5, 6],  # z, x, y
        [0, 4, 6, 7],  # z, y, x (odd)
    ]
)


def box(
    nx: int,
    ny: int,
    nz: int,
    x0: Sequence[float] = (0.0, 0.0, 0.0),
    x1: Sequence[float] = (1.0, 1.0, 1.0),
    cell_type: str = "tetrahedron",
) -> Mesh:
    """Structured mesh of the box ``[x0, x1]`` (three intervals).

    Parameters
    ----------
    nx, ny, nz : int
        Number of sub-boxes along x, y and z.
    x0, x1 : triple of float
        Opposite corners.
    cell_type : {"tetrahedron", "hexahedron"}
        ``"tetra"``/``"hex"`` are accepted. Tetrahedra: each sub-box is cut into 6 along its
        main diagonal (the Kuhn/Freudenthal triangulation: the tetrahedra are the monotone
        lattice paths from the lowest to the highest corner). All sub-boxes use the same
        diagonal direction, so the triangulation is conforming, and every box face is split
        along the diagonal from its lowest to its highest corner.

    Returns
    -------
    Mesh
        ``(nx+1)(ny+1)(nz+1)`` points (x fastest, then y, then z), ``6 nx ny nz`` tetrahedra
        or ``nx ny nz`` hexahedra; facet tags ``left``/``right`` (x = x0/x1), ``front``/``back``
        (y) and ``bottom``/``top`` (z), oriented with outward normals.
    """
    nx = _check_count("nx", nx)
    ny = _check_count("ny", ny)
    nz = _check_count("nz", nz)
    lo, hi = _check_box(x0, x1, 3)
    name = {
        "tetrahedron": "tetrahedron",
        "tetra": "tetrahedron",
        "tet": "tetrahedron",
        "hexahedron": "hexahedron",
        "hex": "hexahedron",
    }.get(cell_type)
    if name is None:
        raise MeshError(f"box cell_type must be 'tetrahedron' or 'hexahedron', got {cell_type!r}")

    x = np.linspace(lo[0], hi[0], nx + 1)
    y = np.linspace(lo[1], hi[1], ny + 1)
    z = np.linspace(lo[2], hi[2], nz + 1)
    npts = (nx + 1) * (ny + 1) * (nz + 1)
    points = np.empty((npts, 3))
    points[:, 0] = np.tile(x, (ny + 1) * (nz + 1))
    points[:, 1] = np.tile(np.repeat(y, nx + 1), nz + 1)
    points[:, 2] = np.repeat(z, (nx + 1) * (ny + 1))
    ids = np.arange(npts, dtype=_IDX).reshape(nz + 1, ny + 1, nx + 1)

    lower = ids[:-1]
    upper = ids[1:]
    hexes = np.stack(
        [
            lower[:, :-1, :-1],
            lower[:, :-1, 1:],
            lower[:, 1:, 1:],
            lower[:, 1:, :-1],
            upper[:, :-1, :-1],
            upper[:, :-1, 1:],
            upper[:, 1:, 1:],
            upper[:, 1:, :-1],
        ],
        axis=-1,
    ).reshape(-1, 8)
    simplex = name == "tetrahedron"
    cells = hexes[:, _KUHN].reshape(-1, 4) if simplex else hexes

    # side ids indexed [b, a] with (a, b, normal) right-handed: x: (y, z); y: (z, x); z: (x, y)
    tags = {
        "left": _face_grid(ids[:, :, 0], simplex, False),
        "right": _face_grid(ids[:, :, -1], simplex, True),
        "front": _face_grid(ids[:, 0, :].T, simplex, False),
        "back": _face_grid(ids[:, -1, :].T, simplex, True),
        "bottom": _face_grid(ids[0], simplex, False),
        "top": _face_grid(ids[-1], simplex, True),
    }
    return _valid_by_construction(Mesh(points, cells, name, facet_tags=tags))


def disk(n: int, radius: float = 1.0, center: Sequence[float] = (0.0, 0.0)) -> Mesh:
    """Triangle mesh of a disk by ``n`` concentric rings (a hexagonal lattice bent round).

    Ring ``k = 1..n`` has radius :math:`r_k = R k / n` and :math:`6k` equally spaced vertices
    at angles :math:`2\\pi j / (6k)`, so every edge has length about :math:`R / n` and all
    boundary vertices lie on the circle. Between rings ``k-1`` and ``k`` each of the six sectors
    holds :math:`2k - 1` triangles, as in the triangular lattice of a hexagon.

    Parameters
    ----------
    n : int
        Number of rings (``h`` about ``radius / n``).
    radius : float
        Radius ``R > 0``.
    center : pair of float
        Centre.

    Returns
    -------
    Mesh
        :math:`1 + 3n(n+1)` points and :math:`6n^2` counter-clockwise triangles; facet tag
        ``boundary`` (the :math:`6n` edges on the circle). The area is that of the inscribed
        polygon, :math:`3 n R^2 \\sin(\\pi / 3n)`.
    """
    n = _check_count("n", n)
    if not radius > 0:
        raise MeshError(f"radius must be positive, got {radius}")
    c = np.asarray(center, dtype=np.float64).ravel()
    if c.shape != (2,):
        raise MeshError(f"center must have 2 coordinates, got {c.tolist()}")

    k = np.repeat(np.arange(1, n + 1), 6 * np.arange(1, n + 1))  # ring of each point
    start = 1 + 3 * k * (k - 1)  # first point of ring k
    j = np.arange(1, 1 + 3 * n * (n + 1)) - start
    theta = 2 * np.pi * j / (6 * k)
    r = radius * k / n
    points = np.concatenate([c[None], c + np.stack([r * np.cos(theta), r * np.sin(theta)], 1)])

    tris = []
    for kk in range(1, n + 1):  # loop over rings, vectorised within a ring
        o0, i0 = 1 + 3 * kk * (kk - 1), 1 + 3 * (kk - 1) * (kk - 2)
        nout, nin = 6 * kk, max(6 * (kk - 1), 1)
        s = np.arange(6)[:, None]
        m = np.arange(kk)[None, :]
        jo = s * kk + m  # outer index, up triangles
        up = np.stack(
            [o0 + jo, o0 + (jo + 1) % nout, (i0 if kk > 1 else 0) + (s * (kk - 1) + m) % nin],
            axis=-1,
        ).reshape(-1, 3)
        tris.append(up)
        if kk > 1:
            m = np.arange(kk - 1)[None, :]
            ji = s * (kk - 1) + m
            down = np.stack([i0 + ji, o0 + s * kk + m + 1, i0 + (ji + 1) % nin], axis=-1)
            tris.append(down.reshape(-1, 3))
    cells = np.concatenate(tris).astype(_IDX)
    ring = np.arange(1 + 3 * n * (n - 1), 1 + 3 * n * (n + 1), dtype=_IDX)
    tags = {"boundary": np.stack([ring, np.roll(ring, -1)], axis=1)}
    return _valid_by_construction(Mesh(points, cells, "triangle", facet_tags=tags))


def _boundary_edges(cells: np.ndarray) -> np.ndarray:
    """Edges of a counter-clockwise 2D cell array that belong to one cell only, oriented with
    the domain on their left."""
    e = np.stack([cells, np.roll(cells, -1, axis=1)], axis=-1).reshape(-1, 2)
    key = np.sort(e, axis=1).astype(np.int64)
    key = key[:, 0] * (int(cells.max()) + 1) + key[:, 1]
    _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    return e[counts[inv] == 1]


def lshape(n: int, cell_type: str = "triangle", diagonal: str = "right") -> Mesh:
    """Structured mesh of the L-shaped domain :math:`(-1, 1)^2 \\setminus [0, 1) \\times (-1, 0]`.

    The lower-right quadrant is cut out; the re-entrant corner (interior angle
    :math:`3\\pi/2`) is the origin, where the solution of the Laplace equation behaves like
    :math:`r^{2/3} \\sin(2\\theta/3)`.

    Parameters
    ----------
    n : int
        Squares per unit length (``h = 1/n``), ``3 n^2`` squares in all.
    cell_type : {"triangle", "quadrilateral"}
    diagonal : {"right", "left", "crossed"}
        Splitting of each square into triangles, as in :func:`rectangle`.

    Returns
    -------
    Mesh
        Facet tags ``boundary`` (the whole boundary, counter-clockwise) and ``reentrant`` (the
        two sides meeting at the re-entrant corner: ``{0} x [-1, 0]`` and ``[0, 1] x {0}``).
    """
    n = _check_count("n", n)
    full = rectangle(2 * n, 2 * n, (-1.0, -1.0), (1.0, 1.0), cell_type, diagonal)
    centroid = full.points[full.cells].mean(axis=1)
    keep = ~((centroid[:, 0] > 0) & (centroid[:, 1] < 0))
    cells = full.cells[keep]
    used = np.zeros(full.num_points, dtype=bool)
    used[cells] = True
    new = np.cumsum(used, dtype=np.int64).astype(_IDX) - 1
    points = full.points[used]
    cells = new[cells]
    bnd = _boundary_edges(cells)
    p = points[bnd]  # (K, 2 vertices, 2 coords)
    eps = 1e-12
    on_x0 = (np.abs(p[..., 0]) < eps) & (p[..., 1] < eps)
    on_y0 = (np.abs(p[..., 1]) < eps) & (p[..., 0] > -eps)
    reentrant = on_x0.all(axis=1) | on_y0.all(axis=1)
    tags = {"boundary": bnd, "reentrant": bnd[reentrant]}
    return _valid_by_construction(Mesh(points, cells, full.cell_type, facet_tags=tags))
