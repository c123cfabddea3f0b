"""Meshes: the :class:`Mesh` type, generators, meshio I/O, refinement and validation.

``read`` and ``write`` import meshio on first use (it takes a few tenths of a second), so
``import pdesolve.mesh`` stays fast for code that only generates meshes.
"""

from __future__ import annotations

import os
from typing import Any

from numpy.typing import ArrayLike

from .generators import box, disk, interval, lshape, rectangle
from .mesh import Mesh
from .refine import refine
from .validate import orient_cells, validate_geometry


def read(path: str | os.PathLike, *, fix_orientation: bool = False) -> Mesh:
    """Read a mesh file through meshio (gmsh .msh v2/v4, VTU, XDMF...).

    See :func:`pdesolve.mesh.io.read`.
    """
    from .io import read as _read

    return _read(path, fix_orientation=fix_orientation)


def write(
    mesh: Mesh,
    path: str | os.PathLike,
    point_data: dict[str, ArrayLike] | None = None,
    cell_data: dict[str, ArrayLike] | None = None,
    **options: Any,
) -> None:
    """Write a mesh, and point/cell data on it, through meshio; the suffix names the format.

    See :func:`pdesolve.mesh.io.write`.
    """
    from .io import write as _write

    _write(mesh, path, point_data=point_data, cell_data=cell_data, **options)


__all__ = [
    "Mesh",
    "box",
    "disk",
    "interval",
    "lshape",
    "orient_cells",
    "read",
    "rectangle",
    "refine",
    "validate_geometry",
    "write",
]
