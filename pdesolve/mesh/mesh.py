"""The :class:`Mesh`: points, cells of one type, named tags, and lazily built topology."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from ..errors import MeshError
from .cells import ReferenceCell, reference_cell
from .topology import entity_cells, lookup_entities, unique_entities

#: a predicate on coordinates: ``x`` has shape (gdim, n), the result is a boolean array (n,)
Predicate = Callable[[np.ndarray], np.ndarray]
#: how facets or cells are selected: a tag name, a predicate, or explicit indices
Where = str | Predicate | ArrayLike | None

#: attributes fixed at construction (cached topology and geometry depend on them)
_IMMUTABLE = frozenset({"points", "cells", "cell_type"})
#: cached properties that depend on the cells only (shared by Mesh.with_points)
_TOPOLOGY = (
    "_edge_topology",
    "_face_topology",
    "_vertex_facets",
    "_facet_incidence",
    "boundary_facets",
)


def _frozen(arr: np.ndarray, source: object) -> np.ndarray:
    """``arr`` made read-only; copied first if it may be a view of a caller's writable array
    (read-only arrays owning their memory, such as another mesh's, are shared)."""
    frozen = isinstance(source, np.ndarray) and not source.flags.writeable and source.base is None
    if not frozen and np.may_share_memory(arr, source):
        arr = arr.copy()
    arr.setflags(write=False)
    return arr


def _valid_by_construction(mesh: Mesh, valid: bool = True) -> Mesh:
    """Record that ``mesh`` passed geometry validation (generators, refinement of a checked
    mesh, files read through validation), so function spaces do not check it again."""
    mesh._geometry_ok = valid
    return mesh


def index_array(
    where: ArrayLike, n: int, what: str, error: type[Exception] = MeshError
) -> np.ndarray:
    """Explicit ``where``: a boolean mask of length ``n`` or integer indices in [0, n).

    Shared by the mesh's facet/cell selections and the Dirichlet dofs of
    :class:`~pdesolve.fem.DirichletBC`; ``error`` is the exception class to raise.
    """
    arr = np.asarray(where)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise error(f"a boolean {what} mask needs shape ({n},), got {arr.shape}")
        return np.flatnonzero(arr)
    arr = arr.ravel()
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        raise error(
            f"{what} indices must be integers (or a boolean mask of length {n}), got dtype "
            f"{arr.dtype}"
        )
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise error(
            f"{int(bad.sum())} {what} indices out of range [0, {n}), first {arr[bad][:5].tolist()}"
        )
    return arr


@dataclass(eq=False, repr=False)
class Mesh:
    """A conforming mesh made of one cell type.

    Parameters
    ----------
    points : array_like, shape (N, gdim)
        Vertex coordinates (gdim >= the cell dimension).
    cells : array_like, shape (M, nv)
        Vertex indices of each cell, in meshio/VTK local order (see :mod:`pdesolve.mesh.cells`).
    cell_type : str
        ``"interval"``, ``"triangle"``, ``"quadrilateral"``, ``"tetrahedron"`` or
        ``"hexahedron"`` (meshio spellings such as ``"tetra"`` are accepted).
    cell_tags : dict of str to array of int, optional
        Named sets of cell indices (subdomains, materials).
    facet_tags : dict of str to array, shape (K, nvf), optional
        Named sets of facets given by their vertex lists (boundary parts); vertex lists survive
        renumbering and refinement, and are mapped to facet indices on demand.

    Notes
    -----
    Topology (edges, faces, facets, facet-to-cell incidence) is computed on first use in
    linear time (:mod:`pdesolve.mesh.topology`) and cached, as are cell volumes and, in the
    function spaces built on the mesh, node coordinates and the point-location tree. So
    ``points`` and ``cells`` are read-only (copies are taken of writable arrays passed in) and
    cannot be reassigned: to move a mesh, make a new one with :meth:`with_points`.
    """

    points: np.ndarray
    cells: np.ndarray
    cell_type: str
    cell_tags: dict[str, np.ndarray] = field(default_factory=dict)
    facet_tags: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ref = reference_cell(self.cell_type)
        self.cell_type = ref.name
        points = np.asarray(self.points, dtype=np.float64)
        if points.ndim == 1:
            points = points[:, None]
        if points.ndim != 2 or points.shape[1] < ref.dim or points.shape[1] > 3:
            raise MeshError(
                f"points must have shape (N, gdim) with {ref.dim} <= gdim <= 3 for "
                f"{ref.name} cells, got {points.shape}"
            )
        if not np.isfinite(points).all():
            raise MeshError("points contain NaN or Inf coordinates")
        cells = np.asarray(self.cells)
        if cells.ndim != 2 or cells.shape[1] != ref.num_vertices:
            raise MeshError(
                f"{ref.name} cells need shape (M, {ref.num_vertices}), got {cells.shape}"
            )
        if cells.size and not np.issubdtype(cells.dtype, np.integer):
            raise MeshError(f"cell indices must be integers, got dtype {cells.dtype}")
        if cells.size and (cells.min() < 0 or cells.max() >= len(points)):
            bad = np.flatnonzero(((cells < 0) | (cells >= len(points))).any(axis=1))
            raise MeshError(
                f"cell vertex indices out of range [0, {len(points)}): {len(bad)} cells, first "
                f"cell {bad[0]} = {cells[bad[0]].tolist()}"
            )
        itype = np.int32 if len(points) < 2**31 else np.int64
        self.points = _frozen(np.ascontiguousarray(points), self.points)
        self.cells = _frozen(np.ascontiguousarray(cells, dtype=itype), self.cells)
        self.cell_tags = {
            k: np.asarray(v, dtype=np.int64) for k, v in (self.cell_tags or {}).items()
        }
        self.facet_tags = {
            k: np.asarray(v, dtype=itype).reshape(len(v), -1)
            for k, v in (self.facet_tags or {}).items()
        }
        #: set once validate_geometry passed (up to orientation): see check_geometry
        self._geometry_ok = False
        self._frozen = True

    def __setattr__(self, name: str, value: object) -> None:
        if name in _IMMUTABLE and getattr(self, "_frozen", False):
            raise MeshError(
                f"Mesh.{name} cannot be reassigned: topology and geometry derived from it are "
                "cached (by the mesh and by function spaces on it); make a new mesh instead, "
                "e.g. mesh.with_points(new_points) to move the vertices"
            )
        super().__setattr__(name, value)

    def __setstate__(self, state: dict) -> None:
        # unpickled and deep-copied arrays come back writable
        self.__dict__.update(state)
        for arr in (self.points, self.cells):
            arr.setflags(write=False)

    # ------------------------------------------------------------------ basic facts
    def __repr__(self) -> str:
        return (
            f"Mesh({self.cell_type}, {self.num_cells} cells, {self.num_points} points, "
            f"gdim={self.gdim}, facet tags={sorted(self.facet_tags)}, "
            f"cell tags={sorted(self.cell_tags)})"
        )

    @property
    def reference(self) -> ReferenceCell:
        """The reference cell of this mesh's cell type."""
        return reference_cell(self.cell_type)

    @property
    def dim(self) -> int:
        """Topological dimension."""
        return self.reference.dim

    @property
    def gdim(self) -> int:
        """Geometric dimension (coordinates per point)."""
        return self.points.shape[1]

    @property
    def num_cells(self) -> int:
        return len(self.cells)

    @property
    def num_points(self) -> int:
        return len(self.points)

    # ------------------------------------------------------------------ topology
    @cached_property
    def _edge_topology(self) -> tuple[np.ndarray, np.ndarray]:
        if self.dim == 1:
            n = np.arange(self.num_cells, dtype=self.cells.dtype)
            return self.cells.copy(), n[:, None].astype(np.int32)
        return unique_entities(self.cells, self.reference.edges, self.num_points)

    @property
    def edges(self) -> np.ndarray:
        """Vertex pairs of the unique edges, shape (E, 2)."""
        return self._edge_topology[0]

    @property
    def cell_edges(self) -> np.ndarray:
        """Edge index of each local edge of each cell, shape (M, n_edges_per_cell)."""
        return self._edge_topology[1]

    @cached_property
    def _face_topology(self) -> tuple[np.ndarray, np.ndarray]:
        if self.dim != 3:
            raise MeshError(f"faces are 2D sub-entities of 3D cells; this mesh is {self.dim}D")
        return unique_entities(self.cells, self.reference.faces, self.num_points)

    @property
    def faces(self) -> np.ndarray:
        """Vertex lists of the unique faces of a 3D mesh, shape (F, 3 or 4)."""
        return self._face_topology[0]

    @property
    def cell_faces(self) -> np.ndarray:
        """Face index of each local face of each cell of a 3D mesh."""
        return self._face_topology[1]

    @property
    def facets(self) -> np.ndarray:
        """Vertex lists of the codimension-1 entities (points, edges or faces)."""
        if self.dim == 1:
            return self._vertex_facets[0]
        return self.edges if self.dim == 2 else self.faces

    @property
    def cell_facets(self) -> np.ndarray:
        """Facet index of each local facet of each cell."""
        if self.dim == 1:
            return self._vertex_facets[1]
        return self.cell_edges if self.dim == 2 else self.cell_faces

    @cached_property
    def _vertex_facets(self) -> tuple[np.ndarray, np.ndarray]:
        return np.arange(self.num_points, dtype=self.cells.dtype)[:, None], self.cells.astype(
            np.int32
        )

    @cached_property
    def _facet_incidence(self) -> tuple[np.ndarray, np.ndarray]:
        cells, local, overfull = entity_cells(self.cell_facets, len(self.facets))
        if overfull:
            raise MeshError(
                f"non-manifold mesh: {overfull} facet incidences beyond two cells per facet"
            )
        return cells, local

    @property
    def facet_cells(self) -> np.ndarray:
        """The (at most two) cells of each facet, shape (F, 2); ``-1`` for none."""
        return self._facet_incidence[0]

    @property
    def facet_local(self) -> np.ndarray:
        """Local index of each facet in each of its cells, shape (F, 2); ``-1`` for none."""
        return self._facet_incidence[1]

    @cached_property
    def boundary_facets(self) -> np.ndarray:
        """Indices of the facets that belong to exactly one cell."""
        return np.flatnonzero(self.facet_cells[:, 1] < 0)

    # ------------------------------------------------------------------ selection and tags
    def facet_indices(self, where: Where = None) -> np.ndarray:
        """Facet indices selected by a tag name, a predicate, explicit indices or ``None``.

        ``None`` or ``"boundary"`` (unless a tag of that name exists) selects every boundary
        facet; a predicate ``f(x)`` (``x`` of shape (gdim, n)) selects the boundary facets whose
        vertices all satisfy it; an integer array gives facet indices, a boolean array of length
        ``len(facets)`` is a mask.

        Raises
        ------
        MeshError
            Unknown tag, a predicate result of the wrong shape, a mask of the wrong length,
            non-integer or out-of-range indices.
        """
        if where is None or (
            isinstance(where, str) and where == "boundary" and "boundary" not in self.facet_tags
        ):
            return self.boundary_facets
        if isinstance(where, str):
            if where not in self.facet_tags:
                raise MeshError(f"no facet tag {where!r}; this mesh has {sorted(self.facet_tags)}")
            idx = lookup_entities(self.facets, self.facet_tags[where], self.num_points)
            if (idx < 0).any():
                raise MeshError(
                    f"facet tag {where!r} lists {int((idx < 0).sum())} vertex sets that are not "
                    "facets"
                )
            return idx
        if callable(where):
            bf = self.boundary_facets
            verts = self.facets[bf]
            ok = np.asarray(where(self.points[verts.ravel()].T), dtype=bool)
            if ok.shape != (verts.size,):
                raise MeshError(
                    f"facet predicate returned shape {ok.shape}, expected ({verts.size},)"
                )
            return bf[ok.reshape(verts.shape).all(axis=1)]
        return index_array(where, len(self.facets), "facet")

    def facet_vertices(self, where: Where = None) -> np.ndarray:
        """Unique vertex indices of the selected facets (see :meth:`facet_indices`)."""
        return np.unique(self.facets[self.facet_indices(where)])

    def cell_indices(self, where: Where = None) -> np.ndarray:
        """Cell indices selected by a tag, a predicate on centroids, indices, or ``None`` (all).

        An integer array gives cell indices, a boolean array of length ``num_cells`` is a mask;
        a predicate ``f(x)`` gets the centroids (``x`` of shape (gdim, num_cells)).

        Raises
        ------
        MeshError
            Unknown tag, a predicate result of the wrong shape, a mask of the wrong length,
            non-integer or out-of-range indices.
        """
        if where is None:
            return np.arange(self.num_cells)
        if isinstance(where, str):
            if where not in self.cell_tags:
                raise MeshError(f"no cell tag {where!r}; this mesh has {sorted(self.cell_tags)}")
            return self.cell_tags[where]
        if callable(where):
            ok = np.asarray(where(self.centroids.T), dtype=bool)
            if ok.shape != (self.num_cells,):
                raise MeshError(
                    f"cell predicate returned shape {ok.shape}, expected ({self.num_cells},)"
                )
            return np.flatnonzero(ok)
        return index_array(where, self.num_cells, "cell")

    def tag_facets(self, name: str, where: Where) -> Mesh:
        """Name the facets selected by ``where`` (see :meth:`facet_indices`); returns self."""
        self.facet_tags[name] = self.facets[self.facet_indices(where)]
        return self

    def tag_cells(self, name: str, where: Where) -> Mesh:
        """Name the cells selected by ``where`` (see :meth:`cell_indices`); returns self."""
        self.cell_tags[name] = self.cell_indices(where)
        return self

    # ------------------------------------------------------------------ geometry
    @property
    def centroids(self) -> np.ndarray:
        """Vertex averages of the cells, shape (M, gdim)."""
        return self.points[self.cells].mean(axis=1)

    @cached_property
    def cell_volumes(self) -> np.ndarray:
        """Measure (length, area or volume) of each cell (exact for affine and bilinear cells)."""
        from .measure import cell_measures

        return cell_measures(self.points, self.cells, self.cell_type)

    @property
    def h(self) -> float:
        """Mesh size: the longest edge."""
        e = self.edges
        return float(
            np.sqrt(((self.points[e[:, 0]] - self.points[e[:, 1]]) ** 2).sum(axis=1).max())
        )

    # ------------------------------------------------------------------ conveniences
    def check_geometry(self, allow_inverted: bool = False) -> Mesh:
        """Raise :class:`MeshError` on degenerate, twisted or inverted cells or coincident
        points (see :func:`~pdesolve.mesh.validate.validate_geometry`); returns self.

        Parameters
        ----------
        allow_inverted : bool, optional
            Accept inverted cells (assembly handles either orientation). With it the result is
            cached: a mesh that passed once is not checked again (its geometry cannot change).
        """
        from .validate import validate_geometry

        if not (allow_inverted and self._geometry_ok):
            validate_geometry(
                self.points, self.cells, self.cell_type, allow_inverted=allow_inverted
            )
            self._geometry_ok = True
        return self

    def with_points(self, points: ArrayLike) -> Mesh:
        """A new mesh with the same cells and tags and the vertices moved to ``points``.

        This is the way to move or deform a mesh: ``points`` and ``cells`` of a mesh are
        read-only because the mesh and the function spaces on it cache geometry derived from
        them. The topology (edges, faces, facet incidence) is shared with this mesh; function
        spaces must be rebuilt on the new mesh, whose geometry is validated when they are.

        Parameters
        ----------
        points : array_like, shape (num_points, gdim)
            The new coordinates of each vertex.

        Examples
        --------
        >>> import pdesolve as ps
        >>> m = ps.mesh.rectangle(2, 2)
        >>> float(m.with_points(2.0 * m.points).cell_volumes.sum())
        4.0
        """
        pts = np.asarray(points, dtype=np.float64)
        if len(pts) != self.num_points:
            raise MeshError(
                f"with_points needs one point per vertex ({self.num_points}), got {len(pts)}"
            )
        moved = Mesh(
            pts,
            self.cells,
            self.cell_type,
            cell_tags={k: v.copy() for k, v in self.cell_tags.items()},
            facet_tags={k: v.copy() for k, v in self.facet_tags.items()},
        )
        for key in _TOPOLOGY:  # depends on the cells only
            if key in self.__dict__:
                moved.__dict__[key] = self.__dict__[key]
        return moved

    def refine(self, times: int = 1) -> Mesh:
        """Uniformly refined copy (each refinement halves h; tags carried over)."""
        from .refine import refine

        mesh = self
        for _ in range(times):
            mesh = refine(mesh)
        return mesh

    def write(self, path, point_data=None, cell_data=None) -> None:
        """Write through meshio (format from the suffix: .msh, .vtu, .xdmf...)."""
        from .io import write

        write(self, path, point_data=point_data, cell_data=cell_data)
