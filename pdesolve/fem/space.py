"""Function spaces: an element on a mesh, its global dofmap and its cached sparsity pattern."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..errors import FemError, MeshError
from ..mesh import Mesh
from ..mesh.mesh import Where
from .dofmap import blocked, build_dofmap
from .elements import Element, element
from .geometry import GeometryMap
from .pattern import SparsityPattern


class FunctionSpace:
    """Continuous Lagrange space ``V_h`` on a mesh, scalar or vector valued.

    Parameters
    ----------
    mesh : Mesh
    family : str
        ``"P"`` / ``"Lagrange"`` (``Q`` on quadrilaterals and hexahedra).
    degree : int
        1–3 on simplices, 1–2 on quadrilaterals/hexahedra.
    shape : int or None
        Number of components of a vector space (``mesh.gdim`` for a displacement field);
        ``None`` for a scalar space.

    Raises
    ------
    MeshError
        If the mesh has degenerate (zero-measure) or twisted cells, or coincident points
        (checked once per mesh with :meth:`Mesh.check_geometry`, inverted cells allowed:
        assembly would produce Inf/NaN or a mesh torn apart along the duplicated points).
    FemError
        Unknown element, or a bad ``shape``.

    Notes
    -----
    A vector space numbers its dofs node by node, ``dof = node * bs + component``, which keeps
    the components of a node together (good for block AMG). The CSR sparsity pattern and the
    local-entry-to-slot map are built on first assembly and reused by every later one.

    Examples
    --------
    >>> import pdesolve as ps
    >>> V = ps.fem.FunctionSpace(ps.mesh.rectangle(4, 4), "P", 2)
    >>> V.num_dofs
    81
    """

    def __init__(self, mesh: Mesh, family: str = "P", degree: int = 1, shape: int | None = None):
        self.mesh = mesh
        self.element: Element = element(family, mesh.cell_type, degree)
        self.geometry = GeometryMap(mesh)
        try:  # once per mesh; generated, refined and read meshes are valid already
            mesh.check_geometry(allow_inverted=True)
        except MeshError as e:
            raise MeshError(f"cannot build a FunctionSpace on this mesh: {e}") from None
        if shape is not None and (int(shape) != shape or shape < 1):
            raise FemError(f"shape must be a positive number of components, got {shape!r}")
        self.bs = 1 if shape is None else int(shape)
        self.value_shape: tuple[int, ...] = () if shape is None else (self.bs,)
        self.node_dofs, self.num_nodes = build_dofmap(mesh, self.element)
        self.cell_dofs = blocked(self.node_dofs, self.bs)

    def __repr__(self) -> str:
        kind = f"vector({self.bs})" if self.value_shape else "scalar"
        return f"FunctionSpace({self.element!r}, {kind}, {self.num_dofs} dofs)"

    @property
    def degree(self) -> int:
        return self.element.degree

    @property
    def num_dofs(self) -> int:
        return self.num_nodes * self.bs

    @cached_property
    def pattern(self) -> SparsityPattern:
        """CSR pattern of bilinear forms on this space (built once)."""
        return SparsityPattern.from_dofmap(self.cell_dofs, self.num_dofs)

    @cached_property
    def node_coordinates(self) -> np.ndarray:
        """Physical coordinates of the nodes, shape (num_nodes, gdim)."""
        coords = np.empty((self.num_nodes, self.mesh.gdim))
        x = self.geometry.points(np.arange(self.mesh.num_cells), self.element.points)
        coords[self.node_dofs.ravel()] = x.reshape(-1, self.mesh.gdim)
        return coords

    def dof_coordinates(self) -> np.ndarray:
        """Coordinates of every dof (nodes repeated per component), shape (num_dofs, gdim)."""
        return np.repeat(self.node_coordinates, self.bs, axis=0)

    @cached_property
    def _facet_closure(self) -> list[np.ndarray]:
        """Local node indices on the closure of each local facet of the reference cell."""
        ref, ed = self.mesh.reference, self.element.entity_dofs
        out = []
        for f, verts in enumerate(ref.facets):
            vs = set(verts)
            local = [d for v in verts for d in ed[0][v]]
            if ref.dim >= 2:
                local += [d for e, ev in enumerate(ref.edges) if set(ev) <= vs for d in ed[1][e]]
            if ref.dim == 3:
                local += list(ed[2][f])
            out.append(np.array(sorted(local), dtype=np.int64))
        return out

    def boundary_nodes(self, where: Where = None) -> np.ndarray:
        """Nodes on the closure of the facets selected by ``where`` (tag, predicate, None)."""
        mesh = self.mesh
        facets = mesh.facet_indices(where)
        cells, local = mesh.facet_cells[facets, 0], mesh.facet_local[facets, 0]
        nodes = [
            self.node_dofs[cells[local == f]][:, cl] for f, cl in enumerate(self._facet_closure)
        ]
        return np.unique(np.concatenate([n.ravel() for n in nodes]))

    def boundary_dofs(self, where: Where = None, component: int | None = None) -> np.ndarray:
        """Dofs on the selected facets; for vector spaces all components or only ``component``."""
        nodes = self.boundary_nodes(where)
        if self.bs == 1:
            if component not in (None, 0):
                raise FemError(f"a scalar space has no component {component}")
            return nodes
        comps = range(self.bs) if component is None else [self._check_component(component)]
        return np.sort((nodes[:, None] * self.bs + np.asarray(list(comps))).ravel())

    def _check_component(self, component: int) -> int:
        if not 0 <= component < self.bs:
            raise FemError(f"component {component} out of range for a {self.bs}-component space")
        return component

    def locate_dofs(self, predicate) -> np.ndarray:
        """Dofs whose node coordinates satisfy ``predicate(x)`` (``x`` of shape (gdim, n))."""
        ok = np.asarray(predicate(self.node_coordinates.T), dtype=bool)
        nodes = np.flatnonzero(ok)
        return np.sort((nodes[:, None] * self.bs + np.arange(self.bs)).ravel())
