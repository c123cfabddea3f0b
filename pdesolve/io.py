"""Writing finite-element functions to files (VTU, XDMF, gmsh...) through meshio.

meshio stores one value per mesh vertex (point data) or per cell (cell data), so a
:class:`~pdesolve.fem.Function` is written as its values at the mesh vertices. For Lagrange
spaces the first ``mesh.num_points`` nodes are the vertices, with node index = vertex index
(:mod:`pdesolve.fem.dofmap`), so this is exact for P1/Q1 and, for higher degrees, the vertex
values only (edge, face and interior nodes are dropped: the file shows the piecewise-linear
interpolant of the field). Refine the mesh and interpolate if the file must resolve more.

>>> import pdesolve as ps
>>> V = ps.fem.FunctionSpace(ps.mesh.rectangle(4, 4), "P", 2)
>>> u = ps.fem.Function(V, lambda x: x[0] * x[1])
>>> vertex_values(u).shape
(25,)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import PdesolveError
from .fem import Function, FunctionSpace
from .mesh import Mesh

__all__ = ["vertex_values", "write_functions"]


def vertex_values(u: Function) -> np.ndarray:
    """Values of a Lagrange function at the mesh vertices.

    Parameters
    ----------
    u : Function

    Returns
    -------
    ndarray, shape (num_points,) or (num_points, bs)
        Exact nodal values: vertex ``i`` of the mesh is node ``i`` of every Lagrange space.
    """
    return u.values()[: u.space.mesh.num_points].copy()


def write_functions(
    path: str | os.PathLike,
    mesh_or_space: Mesh | FunctionSpace,
    functions: Mapping[str, Function | ArrayLike] | None = None,
    cell_data: Mapping[str, ArrayLike] | None = None,
    **options: Any,
) -> None:
    """Write functions as point data (and arrays as cell data) on their mesh.

    Parameters
    ----------
    path : str or path-like
        Output file; the suffix picks the format (``.vtu`` for ParaView, ``.xdmf``, ``.msh``...).
    mesh_or_space : Mesh or FunctionSpace
        The mesh every function lives on.
    functions : mapping of str to Function or array_like, optional
        Point data by name: Functions are written as their vertex values (see the module
        docstring: exact for degree 1, the vertex values for higher degrees), arrays must
        hold one value per mesh vertex. Two-component vectors are padded with a zero third
        component, the layout ParaView's *Warp By Vector* expects.
    cell_data : mapping of str to array_like, optional
        One value per cell (material ids, error indicators...).
    **options
        Passed to :func:`pdesolve.mesh.write` (e.g. ``file_format``).

    Raises
    ------
    PdesolveError
        A function lives on another mesh.
    """
    from .mesh import write

    mesh = mesh_or_space.mesh if isinstance(mesh_or_space, FunctionSpace) else mesh_or_space
    point_data = {}
    for name, f in (functions or {}).items():
        if isinstance(f, Function):
            if f.space.mesh is not mesh:
                raise PdesolveError(f"function {name!r} lives on another mesh than the one written")
            f = vertex_values(f)
        arr = np.asarray(f, dtype=np.float64)
        if arr.ndim == 2 and arr.shape[1] == 2:
            arr = np.hstack([arr, np.zeros((len(arr), 1))])
        point_data[name] = arr
    write(mesh, path, point_data=point_data, cell_data=dict(cell_data or {}), **options)
