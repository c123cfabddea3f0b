"""Finite elements on the reference cells: a registry of element families and a factory.

>>> el = element("P", "triangle", 2)
>>> el.ndofs, el.entity_dofs[1]
(6, ((3,), (4,), (5,)))
"""

from __future__ import annotations

import operator
from functools import cache

from ...errors import FemError, MeshError
from ...mesh.cells import reference_cell
from .base import Element, EntityDofs
from .lagrange_simplex import LagrangeSimplex
from .lagrange_tensor import LagrangeTensor

__all__ = [
    "REGISTRY",
    "Element",
    "EntityDofs",
    "LagrangeSimplex",
    "LagrangeTensor",
    "available",
    "element",
]

#: accepted family names (case-insensitive) -> canonical family
FAMILY_ALIASES = {"p": "Lagrange", "lagrange": "Lagrange", "cg": "Lagrange", "q": "Lagrange"}

#: (canonical family, cell type) -> (element class, supported degrees)
REGISTRY: dict[tuple[str, str], tuple[type[Element], tuple[int, ...]]] = {
    ("Lagrange", "interval"): (LagrangeSimplex, (1, 2, 3)),
    ("Lagrange", "triangle"): (LagrangeSimplex, (1, 2, 3)),
    ("Lagrange", "tetrahedron"): (LagrangeSimplex, (1, 2, 3)),
    ("Lagrange", "quadrilateral"): (LagrangeTensor, (1, 2)),
    ("Lagrange", "hexahedron"): (LagrangeTensor, (1, 2)),
}


def element(family: str, cell_type: str, degree: int) -> Element:
    """Return the (cached, shared) element of a family on a cell type.

    Parameters
    ----------
    family : str
        ``"P"``, ``"Lagrange"``, ``"CG"`` or ``"Q"``; all name the continuous Lagrange
        family, which is :math:`P_p` on simplices and :math:`Q_p` on quadrilaterals and
        hexahedra (so ``"P"`` on a quad means ``Q``; ``"Q"`` on a triangle is an error).
    cell_type : str
        Cell-type name, meshio spellings accepted (``"tetra"``, ``"quad"``...).
    degree : int
        Polynomial degree.

    Returns
    -------
    Element
        Treat it as immutable: the same object is returned for the same request.

    Raises
    ------
    FemError
        Unknown family, cell type or degree; the message lists what exists.
    """
    try:
        cell = reference_cell(cell_type).name
    except MeshError as exc:
        raise FemError(f"{exc}; available elements: {available()}") from None
    canonical = FAMILY_ALIASES.get(str(family).lower())
    if str(family).lower() == "q" and cell in ("triangle", "tetrahedron"):
        canonical = None
    try:
        degree = operator.index(degree)
    except TypeError:
        raise FemError(f"element degree must be an integer, got {degree!r}") from None
    entry = REGISTRY.get((canonical, cell)) if canonical else None
    if entry is None or degree not in entry[1]:
        raise FemError(
            f"no element {family!r} of degree {degree} on {cell_type!r}; available: {available()}"
        )
    return _build(entry[0], cell, degree)


def available() -> str:
    """Human-readable list of the registered (family, cell type, degrees)."""
    return "; ".join(
        f"{'Q' if cls is LagrangeTensor else 'P'}{list(degrees)} on {cell}"
        for (_, cell), (cls, degrees) in REGISTRY.items()
    )


@cache
def _build(cls: type[Element], cell: str, degree: int) -> Element:
    return cls(reference_cell(cell), degree)
