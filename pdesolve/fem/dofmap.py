"""Global numbering of degrees of freedom from mesh topology and an element's entity layout.

Dofs are numbered entity by entity: all vertex dofs (global dof = vertex index for Lagrange),
then edge dofs, face dofs and cell-interior dofs. Edge dofs are laid out from the lower to the
higher global vertex number, so two cells sharing an edge agree on them whatever their local
orientation (P3 has two dofs per edge; the elements supported here have at most one dof per face,
so faces need no orientation).
"""

from __future__ import annotations

import numpy as np

from ..errors import FemError
from ..mesh import Mesh
from .elements.base import Element


def _entity_topology(mesh: Mesh, edim: int) -> tuple[np.ndarray | None, np.ndarray]:
    """(entity vertex lists, cell-to-entity map) for entities of dimension ``edim``."""
    if edim == 0:
        return None, mesh.cells
    if edim == mesh.dim:
        return None, np.arange(mesh.num_cells)[:, None]
    if edim == 1:
        return mesh.edges, mesh.cell_edges
    return mesh.faces, mesh.cell_faces


def build_dofmap(mesh: Mesh, element: Element) -> tuple[np.ndarray, int]:
    """Cell-to-global dof map of a scalar element.

    Returns
    -------
    cell_dofs : ndarray, shape (M, element.ndofs), int32 (int64 when needed)
    ndofs : int
        Number of global dofs.
    """
    if element.cell_type != mesh.cell_type:
        raise FemError(f"element is for {element.cell_type} cells, mesh has {mesh.cell_type}")
    m = mesh.num_cells
    if element.ndofs == mesh.reference.num_vertices:  # P1/Q1: the dofmap is the cell array
        return mesh.cells, mesh.num_points
    cell_dofs = np.empty((m, element.ndofs), dtype=np.int64)
    offset = 0
    ref = mesh.reference
    for edim, per_entity in enumerate(element.entity_dofs):
        k = len(per_entity[0]) if per_entity else 0
        if k == 0:
            continue
        entities, cell_entities = _entity_topology(mesh, edim)
        nent = mesh.num_points if edim == 0 else (m if edim == mesh.dim else len(entities))
        if edim == 2 and mesh.dim == 3 and k > 1:
            raise FemError(
                "elements with several dofs per face need face orientation (not supported)"
            )
        for e, local in enumerate(per_entity):
            base = offset + cell_entities[:, e].astype(np.int64) * k
            local = np.asarray(local)
            if edim == 1 and mesh.dim > 1 and k > 1:
                a, b = ref.edges[e]
                flip = mesh.cells[:, a] > mesh.cells[:, b]
                order = np.where(flip[:, None], np.arange(k)[::-1], np.arange(k))
                cell_dofs[:, local] = base[:, None] + order
            else:
                cell_dofs[:, local] = base[:, None] + np.arange(k)
        offset += nent * k
    dtype = np.int32 if offset < 2**31 else np.int64
    return np.ascontiguousarray(cell_dofs.astype(dtype)), offset


def blocked(cell_dofs: np.ndarray, bs: int) -> np.ndarray:
    """Dofmap of a vector space with ``bs`` components interleaved: dof = node * bs + component."""
    if bs == 1:
        return cell_dofs
    m, n = cell_dofs.shape
    out = cell_dofs.astype(np.int64)[:, :, None] * bs + np.arange(bs)
    dtype = np.int32 if out.max(initial=0) < 2**31 else np.int64
    return np.ascontiguousarray(out.reshape(m, n * bs).astype(dtype))
