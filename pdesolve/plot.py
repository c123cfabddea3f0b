"""Matplotlib figures of meshes and finite-element functions (1D and 2D).

Every function draws into the Axes it is given (a new figure otherwise) and returns that Axes;
none calls ``plt.show()``, so they work under the non-interactive ``Agg`` backend, in scripts
and in notebooks alike. 3D fields are better viewed in ParaView: write them with
:func:`pdesolve.io.write_functions`.

Functions of degree 1 are drawn from their vertex values with Gouraud shading, which is exact
for P1. Higher degrees are evaluated on a sub-triangulation of every cell (``2 * degree``
subdivisions per edge by default), so a P2 or P3 field shows its curvature inside the cells.

>>> import matplotlib; matplotlib.use("Agg")
>>> import pdesolve as ps
>>> V = ps.fem.FunctionSpace(ps.mesh.rectangle(4, 4), "P", 2)
>>> ax = ps.plot.plot(ps.fem.Function(V, lambda x: x[0] * x[1]))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import PdesolveError
from .fem import Function
from .mesh import Mesh

__all__ = ["plot", "plot_mesh"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def _check_dim(mesh: Mesh) -> None:
    if mesh.dim not in (1, 2):
        raise PdesolveError(
            f"plotting supports 1D and 2D meshes, this one is {mesh.dim}D; write 3D fields "
            "with pdesolve.io.write_functions and view them in ParaView"
        )


# --------------------------------------------------------------------------- meshes
def plot_mesh(
    mesh: Mesh,
    ax: Any = None,
    *,
    color: str = "k",
    linewidth: float = 0.5,
    tags: bool = False,
    **kwargs: Any,
) -> Any:
    """Draw the edges of a 2D mesh (triangles or quadrilaterals), or the points of a 1D mesh.

    Parameters
    ----------
    mesh : Mesh
    ax : matplotlib Axes, optional
        Where to draw (a new figure by default).
    color, linewidth : optional
        Edge style.
    tags : bool
        Also draw each named facet tag in its own colour, with a legend.
    **kwargs
        Passed to :class:`matplotlib.collections.LineCollection` (2D) or ``ax.plot`` (1D).

    Returns
    -------
    matplotlib Axes
    """
    from matplotlib.collections import LineCollection

    _check_dim(mesh)
    ax = _axes(ax)
    if mesh.dim == 1:
        x = np.sort(mesh.points[:, 0])
        ax.plot(x, np.zeros_like(x), "-o", color=color, linewidth=linewidth, markersize=3, **kwargs)
        if tags:
            for i, (name, verts) in enumerate(mesh.facet_tags.items()):
                xs = mesh.points[verts.ravel(), 0]
                ax.plot(xs, np.zeros_like(xs), "s", color=f"C{i}", label=name)
        ax.set_yticks([])
    else:
        xy = mesh.points[:, :2]
        ax.add_collection(
            LineCollection(xy[mesh.edges], colors=color, linewidths=linewidth, **kwargs)
        )
        if tags:
            for i, (name, facets) in enumerate(mesh.facet_tags.items()):
                ax.add_collection(
                    LineCollection(xy[facets], colors=f"C{i}", linewidths=2.5, label=name)
                )
        ax.set_aspect("equal")
        ax.autoscale_view()
    if tags and (mesh.facet_tags):
        ax.legend(loc="best", fontsize="small")
    return ax


# --------------------------------------------------------------------------- functions
def _reference_lattice(cell_type: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points of an ``n``-subdivision of the reference cell and its triangles (or segments)."""
    if cell_type == "interval":
        X = np.linspace(0.0, 1.0, n + 1)[:, None]
        return X, np.stack([np.arange(n), np.arange(1, n + 1)], axis=1)
    if cell_type == "triangle":
        ij = [(i, j) for j in range(n + 1) for i in range(n + 1 - j)]
        index = {p: k for k, p in enumerate(ij)}
        tris = []
        for i, j in ij:
            if i + j < n:
                tris.append((index[i, j], index[i + 1, j], index[i, j + 1]))
            if i + j < n - 1:
                tris.append((index[i + 1, j], index[i + 1, j + 1], index[i, j + 1]))
        return np.array(ij, dtype=float) / n, np.array(tris)
    if cell_type == "quadrilateral":
        g = np.arange(n + 1)
        X = np.stack(np.meshgrid(g, g, indexing="xy"), axis=-1).reshape(-1, 2) / n
        k = (g[:-1][None, :] + (n + 1) * g[:-1][:, None]).ravel()  # lower-left corner of squares
        tris = np.concatenate(
            [np.stack([k, k + 1, k + n + 2], 1), np.stack([k, k + n + 2, k + n + 1], 1)]
        )
        return X, tris
    raise PdesolveError(f"no plotting lattice for {cell_type} cells")


def _sampled(u: Function, subdivisions: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (P, gdim), values (P,) or (P, bs), and triangles/segments of the display mesh."""
    V, mesh = u.space, u.space.mesh
    if V.degree == 1 and subdivisions is None:
        vals = u.values()[: mesh.num_points]
        if mesh.cell_type == "quadrilateral":  # split each quad into two triangles
            c = mesh.cells
            return mesh.points, vals, np.concatenate([c[:, [0, 1, 2]], c[:, [0, 2, 3]]])
        return mesh.points, vals, mesh.cells
    n = max(1, 2 * V.degree if subdivisions is None else int(subdivisions))
    X, sub = _reference_lattice(mesh.cell_type, n)
    cells = np.arange(mesh.num_cells)
    x = V.geometry.points(cells, X).reshape(-1, mesh.gdim)  # (nc * ns, gdim)
    vals = u.at_reference(cells, X)  # (*value_shape, nc, ns)
    vals = vals.reshape(-1) if V.bs == 1 else vals.reshape(V.bs, -1).T
    simplices = (sub[None, :, :] + len(X) * cells[:, None, None]).reshape(-1, sub.shape[1])
    return x, vals, simplices


def plot(
    u: Function,
    ax: Any = None,
    *,
    cmap: str = "viridis",
    colorbar: bool = True,
    levels: int | np.ndarray | None = None,
    quiver: bool = False,
    subdivisions: int | None = None,
    max_arrows: int = 400,
    **kwargs: Any,
) -> Any:
    """Draw a scalar or vector Function on a 1D or 2D mesh.

    Parameters
    ----------
    u : Function
        Scalar: coloured by value (2D) or a line plot (1D). Vector: coloured by magnitude,
        with arrows if ``quiver``.
    ax : matplotlib Axes, optional
        Where to draw (a new figure by default).
    cmap : str
        Colour map (2D).
    colorbar : bool
        Add a colour bar (2D).
    levels : int or array, optional
        Filled contours with these levels instead of smooth shading (2D).
    quiver : bool
        For vector functions, draw arrows at (at most ``max_arrows``) mesh vertices.
    subdivisions : int, optional
        Sub-cells per cell edge for evaluation; default ``2 * degree`` (vertex values for
        degree 1).
    **kwargs
        Passed to ``tripcolor`` / ``tricontourf`` (2D) or ``plot`` (1D).

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(u, Function):
        raise PdesolveError(f"plot expects a pdesolve.fem.Function, got {type(u).__name__}")
    mesh = u.space.mesh
    _check_dim(mesh)
    ax = _axes(ax)
    x, vals, simplices = _sampled(u, subdivisions)
    if mesh.dim == 1:
        order = np.argsort(x[:, 0], kind="stable")
        ax.plot(x[order, 0], vals[order], **kwargs)
        ax.set_xlabel("x")
        return ax
    import matplotlib.tri as mtri

    scalar = vals if vals.ndim == 1 else np.linalg.norm(vals, axis=1)
    tri = mtri.Triangulation(x[:, 0], x[:, 1], simplices)
    if levels is None:
        art = ax.tripcolor(tri, scalar, shading="gouraud", cmap=cmap, **kwargs)
    else:
        art = ax.tricontourf(tri, scalar, levels=levels, cmap=cmap, **kwargs)
    if quiver and u.space.bs > 1:
        v = u.values()[: mesh.num_points]
        step = max(1, mesh.num_points // max_arrows)
        p = mesh.points[::step]
        ax.quiver(p[:, 0], p[:, 1], v[::step, 0], v[::step, 1], color="w", alpha=0.8)
    if colorbar:
        ax.figure.colorbar(art, ax=ax, label="|u|" if vals.ndim > 1 else None)
    ax.set_aspect("equal")
    return ax
