"""Abstract nodal finite element and the placement of nodes on reference-cell entities."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ...errors import FemError
from ...mesh.cells import ReferenceCell

#: entity_dofs[d][e] = local dofs on entity e of dimension d
EntityDofs = tuple[tuple[tuple[int, ...], ...], ...]

_TOL = 1e-12


class Element(ABC):
    r"""A nodal (Lagrange-type) finite element on a reference cell.

    The basis is nodal, :math:`\phi_i(x_j) = \delta_{ij}` for the reference nodes
    :math:`x_j` = ``points[j]``. Local dofs are numbered entity by entity: the vertex dofs in
    vertex order, then the edge dofs edge by edge (``cell.edges`` order, the dofs of edge
    ``(a, b)`` running from vertex ``a`` to vertex ``b``), then the face dofs (3D cells,
    ``cell.faces`` order), then the interior dofs.

    Attributes
    ----------
    family : str
        ``"P"`` (simplices) or ``"Q"`` (tensor cells).
    cell : ReferenceCell
        The reference cell of :mod:`pdesolve.mesh.cells`.
    cell_type : str
        Canonical cell-type name (``"triangle"``...).
    degree : int
        Polynomial degree.
    dim : int
        Topological dimension of the cell.
    ndofs : int
        Number of local basis functions.
    points : ndarray, shape (ndofs, dim)
        Reference nodes, read-only.
    entity_dofs : tuple
        ``entity_dofs[d][e]`` is the tuple of local dofs on entity ``e`` of dimension ``d``:
        vertices (``d = 0``), edges (``d = 1``), faces (``d = 2`` in 3D); the last dimension
        holds one entity, the cell interior.
    """

    family: str

    def __init__(
        self, cell: ReferenceCell, degree: int, points: np.ndarray, entity_dofs: EntityDofs
    ):
        self.cell = cell
        self.cell_type = cell.name
        self.degree = degree
        self.dim = cell.dim
        self.points = np.ascontiguousarray(points, dtype=float)
        self.points.flags.writeable = False
        self.ndofs = len(self.points)
        self.entity_dofs = entity_dofs

    @abstractmethod
    def tabulate(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and reference gradients of the basis at points ``X``.

        Parameters
        ----------
        X : array_like, shape (nq, dim)
            Points in reference coordinates.

        Returns
        -------
        phi : ndarray, shape (nq, ndofs)
            ``phi[q, i]`` = :math:`\\phi_i(X_q)`.
        dphi : ndarray, shape (nq, ndofs, dim)
            ``dphi[q, i, k]`` = :math:`\\partial \\phi_i / \\partial \\hat x_k (X_q)`.
        """

    def _check_points(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.dim:
            raise FemError(
                f"{self!r}.tabulate expects points of shape (nq, {self.dim}), got {X.shape}"
            )
        return X

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.family}{self.degree}, {self.cell_type!r})"


def entity_ordered_nodes(cell: ReferenceCell, nodes: np.ndarray) -> tuple[np.ndarray, EntityDofs]:
    """Order nodes entity by entity and list the dofs of each entity.

    Each node goes to the lowest-dimensional entity whose affine hull contains it (on a
    convex cell that entity then contains the node); the nodes left over are interior. On a
    vertex, edge or face with vertices ``(v0, v1, ..., vl)`` the nodes are sorted by their
    coordinates ``(s, t)`` in the frame ``(v1 - v0, vl - v0)``, ``t`` first, so the dofs of an
    edge ``(a, b)`` run from ``a`` to ``b``; interior nodes are sorted by ``(z, y, x)``.

    Parameters
    ----------
    cell : ReferenceCell
        The reference cell.
    nodes : ndarray, shape (n, dim)
        The nodes, in any order, each on the closed cell.

    Returns
    -------
    points : ndarray, shape (n, dim)
        The nodes in local dof order.
    entity_dofs : tuple
        See :class:`Element`.
    """
    boundary = [[(v,) for v in range(cell.num_vertices)], list(cell.edges), list(cell.faces)]
    remaining = set(range(len(nodes)))
    order: list[int] = []
    entity_dofs = []
    for ents in boundary[: cell.dim]:
        dofs_of_dim = []
        for ent in ents:
            v = cell.vertices[list(ent)]
            axes = sorted({1, len(ent) - 1}) if len(ent) > 1 else []
            frame = (v[axes] - v[0]).T
            found = []
            for i in remaining:
                r = nodes[i] - v[0]
                st = np.linalg.lstsq(frame, r, rcond=None)[0]
                if np.linalg.norm(frame @ st - r) < _TOL:
                    found.append((tuple(np.round(st[::-1], 10)), i))
            remaining -= {i for _, i in found}
            dofs_of_dim.append(tuple(range(len(order), len(order) + len(found))))
            order.extend(i for _, i in sorted(found))
        entity_dofs.append(tuple(dofs_of_dim))
    interior = sorted(remaining, key=lambda i: tuple(np.round(nodes[i][::-1], 10)))
    entity_dofs.append((tuple(range(len(order), len(order) + len(interior))),))
    order.extend(interior)
    return nodes[order], tuple(entity_dofs)
