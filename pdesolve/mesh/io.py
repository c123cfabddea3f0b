"""Reading and writing meshes through meshio: gmsh (.msh v2.2 and v4.1), VTU, XDMF and more.

Reading
    The cells of the highest topological dimension in the file become the mesh (one cell type:
    line, triangle, quad, tetra or hexahedron). Gmsh physical groups (meshio's
    ``cell_data["gmsh:physical"]``, named through ``field_data``) become named tags: groups of
    top-dimensional cells become ``cell_tags`` (cell indices), groups of facets (lines of a
    2D mesh, triangles/quads of a 3D mesh, points of a 1D mesh) become ``facet_tags`` (vertex
    lists). Groups without a name are called ``"tag_<id>"``. Points no cell uses are dropped
    and the rest renumbered; trailing coordinates that are zero throughout beyond the cell
    dimension are dropped (a planar gmsh mesh gets gdim 2). The geometry is checked with
    :func:`~pdesolve.mesh.validate.validate_geometry` (cells, and coincident points). Cells of
    msh 4.1 files written here come back in the order of the written mesh.

Writing
    ``.msh`` files carry the tags as physical groups, so ``read(write(mesh))`` keeps them.
    msh 4.1 (the default for ``.msh``) is written by this module: cells and facets are grouped
    by the set of tags they belong to, one gmsh entity per group carrying all those physical
    groups, so each cell is written once. When that grouping changes the order of the cells,
    the mesh index of each cell goes into the file as element data ``pdesolve:cell_index``
    (ASCII numbers are written with 17 significant digits, so doubles round-trip exactly).
    msh 2.2 (``file_format="gmsh22"``) goes through meshio with per-element physical tags;
    a cell in several tags is repeated once per tag there, as gmsh itself does, and merged
    again on reading. Other formats (VTU, XDMF...) carry points, cells and the given point and
    cell data, not the tags.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import meshio
import numpy as np
from numpy.typing import ArrayLike

from ..errors import MeshError
from .cells import MESHIO_NAMES, REFERENCE_CELLS, reference_cell
from .mesh import Mesh, _valid_by_construction
from .topology import unique_entities
from .validate import orient_cells, validate_geometry

__all__ = ["read", "write", "from_meshio", "to_meshio"]

#: the cell types pdesolve meshes are made of, by their meshio names
_SUPPORTED = {meshio_name: name for name, meshio_name in MESHIO_NAMES.items()}
_FACET_OF = {name: ref.facet_type for name, ref in REFERENCE_CELLS.items()}
_TDIM = dict(meshio._mesh.topological_dimension)
#: ASCII gmsh numbers: 17 significant digits make every double round-trip exactly
_FLOAT_FMT = ".17g"
#: element data of msh 4.1 files recording the mesh's own index of each cell (see write)
CELL_INDEX = "pdesolve:cell_index"


# ---------------------------------------------------------------- reading


def _formats_for(path: Path) -> list[str]:
    formats: list[str] = []
    ext = ""
    for suffix in reversed(path.suffixes):
        ext = (suffix + ext).lower()
        formats += meshio.extension_to_filetypes.get(ext, [])
    # ".msh" is claimed by ansys and gmsh: try gmsh first
    return sorted(formats, key=lambda f: f != "gmsh")


def _meshio_read(path: Path) -> meshio.Mesh:
    """meshio.read without its habit of calling sys.exit on a parse failure."""
    formats = _formats_for(path)
    if not formats:
        known = sorted(meshio.extension_to_filetypes)
        raise MeshError(
            f"cannot read {str(path)!r}: unknown mesh file format {path.suffix!r}; use one of "
            f".msh (gmsh), .vtu, .xdmf or another meshio suffix: {', '.join(known)}"
        )
    try:
        from meshio._helpers import reader_map
    except ImportError:  # pragma: no cover - meshio internals moved
        reader_map = {}
    problems = []
    for fmt in formats:
        try:
            if fmt in reader_map:
                return reader_map[fmt](str(path))
            return meshio.read(path, file_format=fmt)
        except (Exception, SystemExit) as e:
            problems.append(f"as {fmt}: {type(e).__name__}: {e}".rstrip(": "))
    raise MeshError(
        f"cannot read {str(path)!r}: the file is corrupt or not in the format its suffix "
        f"{path.suffix!r} says ({'; '.join(problems)})"
    )


def read(path: str | os.PathLike, *, fix_orientation: bool = False) -> Mesh:
    """Read a mesh file (gmsh .msh v2/v4, VTU, XDMF... anything meshio reads).

    Parameters
    ----------
    path : str or path-like
        The file; its suffix names the format.
    fix_orientation : bool, optional
        Re-order inverted cells (:func:`~pdesolve.mesh.validate.orient_cells`) instead of
        rejecting them.

    Returns
    -------
    Mesh
        The top-dimensional cells with their points (unused points dropped), and the gmsh
        physical groups as ``cell_tags`` and ``facet_tags`` (see the module docstring). Cells
        of a file made by :func:`write` come back in the order of the written mesh, so per-cell
        arrays kept alongside it still line up. Point and cell data are not returned: read
        them with :func:`meshio.read`, which gives cell data in *file* order (for msh 4.1
        files written with cell tags, the element data ``pdesolve:cell_index`` maps file order
        to mesh order).

    Raises
    ------
    MeshError
        Missing file, unknown or unreadable format, no supported cells (e.g. only wedges or
        quadratic triangles), mixed cell types of the top dimension (triangles and quads), cells
        referencing missing nodes, degenerate or inverted cells, coincident (unmerged) points.
    """
    p = Path(path)
    if not p.exists():
        raise MeshError(f"mesh file not found: {str(p)!r}")
    if p.is_dir():
        raise MeshError(f"{str(p)!r} is a directory, not a mesh file")
    mio = _meshio_read(p)
    try:
        return from_meshio(mio, fix_orientation=fix_orientation)
    except MeshError as e:
        raise MeshError(f"{p}: {e}") from None


def _tag_names(mio: meshio.Mesh) -> dict[tuple[int, int], str]:
    """(physical id, dimension) -> name, from gmsh's $PhysicalNames as meshio stores them."""
    names = {}
    for name, value in (mio.field_data or {}).items():
        v = np.asarray(value).ravel()
        if v.size >= 2 and np.issubdtype(v.dtype, np.number):
            names[(int(v[0]), int(v[1]))] = str(name)
    return names


def _collect_tags(
    mio: meshio.Mesh, block_ids: list[int], offsets: list[int], dim: int
) -> dict[str, np.ndarray]:
    """Tagged rows of the given blocks (concatenated in that order), by tag name."""
    names = _tag_names(mio)
    phys = mio.cell_data.get("gmsh:physical")
    found: dict[str, list[np.ndarray]] = {}
    for b, off in zip(block_ids, offsets, strict=True):
        if phys is not None and b < len(phys) and phys[b] is not None:
            ids = np.asarray(phys[b]).ravel()
            if len(ids) == len(mio.cells[b].data):
                for pid in np.unique(ids):
                    if pid <= 0:  # 0: no physical group
                        continue
                    name = names.get((int(pid), dim), f"tag_{int(pid)}")
                    found.setdefault(name, []).append(off + np.flatnonzero(ids == pid))
        # msh 4.1: entities may carry several physical groups; meshio lists the named ones
        # as cell sets (gmsh:physical only holds the first)
        for (_, d), name in names.items():
            sets = (mio.cell_sets or {}).get(name)
            if d != dim or sets is None or b >= len(sets) or sets[b] is None:
                continue
            idx = np.asarray(sets[b], dtype=np.int64).ravel()
            if idx.size:
                found.setdefault(name, []).append(off + idx)
    return {k: np.unique(np.concatenate(v)) for k, v in found.items()}


def _written_order(mio: meshio.Mesh, blocks: list[int], num_cells: int) -> np.ndarray | None:
    """The mesh index of each cell of ``blocks`` as recorded by :func:`write` (msh 4.1 element
    data ``pdesolve:cell_index``), or None if absent or not a permutation."""
    data = (mio.cell_data or {}).get(CELL_INDEX)
    if data is None or len(data) != len(mio.cells):
        return None
    idx = np.concatenate([np.asarray(data[i], dtype=np.float64).ravel() for i in blocks])
    if len(idx) != num_cells or not np.array_equal(np.sort(idx), np.arange(num_cells)):
        return None
    return idx.astype(np.int64)


def from_meshio(mio: meshio.Mesh, *, fix_orientation: bool = False) -> Mesh:
    """Convert a :class:`meshio.Mesh` to a :class:`Mesh` (see :func:`read` for the rules)."""
    blocks = [b for b in mio.cells if len(b.data)]
    if not blocks:
        raise MeshError("the file holds no cells")
    unknown = sorted({b.type for b in blocks if b.type not in _TDIM})
    if unknown:
        raise MeshError(f"unknown cell types {unknown}")
    tdim = max(_TDIM[b.type] for b in blocks)
    top_types = sorted({b.type for b in blocks if _TDIM[b.type] == tdim})
    if tdim == 0:
        raise MeshError("the file holds only vertex cells, no lines, surfaces or volumes")
    if len(top_types) > 1:
        raise MeshError(
            f"mixed cell types of dimension {tdim}: {top_types}; a pdesolve mesh holds one cell "
            "type (split the mesh or re-mesh with one element type, e.g. gmsh's "
            "Mesh.RecombineAll=0 or =1 throughout)"
        )
    mtype = top_types[0]
    if mtype not in _SUPPORTED:
        raise MeshError(
            f"unsupported cell type {mtype!r} (dimension {tdim}); supported cells are the linear "
            f"{sorted(_SUPPORTED)} (no wedges, pyramids or higher-order cells)"
        )
    name = _SUPPORTED[mtype]
    ref = reference_cell(name)

    points = np.asarray(mio.points, dtype=np.float64)
    if points.ndim == 1:
        points = points[:, None]
    npts = len(points)

    top = [i for i, b in enumerate(mio.cells) if b.type == mtype and len(b.data)]
    offsets = np.cumsum([0] + [len(mio.cells[i].data) for i in top])[:-1].tolist()
    cells = np.concatenate([np.asarray(mio.cells[i].data) for i in top]).astype(np.int64)
    if cells.min() < 0 or cells.max() >= npts:
        bad = np.flatnonzero(((cells < 0) | (cells >= npts)).any(axis=1))
        raise MeshError(
            f"{len(bad)} cells reference nodes that do not exist (the file has {npts} points), "
            f"first: cell {bad[0]} = {cells[bad[0]].tolist()}"
        )
    cell_tags = _collect_tags(mio, top, offsets, tdim)
    order = _written_order(mio, top, len(cells))
    if order is not None:  # a msh 4.1 file of ours that grouped the cells by tags
        cells = cells[np.argsort(order)]
        cell_tags = {k: np.sort(order[v]) for k, v in cell_tags.items()}

    ftype = _FACET_OF[name]
    fblocks = [i for i, b in enumerate(mio.cells) if b.type == ftype and len(b.data)]
    facet_tags: dict[str, np.ndarray] = {}
    if fblocks:
        foffsets = np.cumsum([0] + [len(mio.cells[i].data) for i in fblocks])[:-1].tolist()
        facets = np.concatenate([np.asarray(mio.cells[i].data) for i in fblocks]).astype(np.int64)
        facets = facets.reshape(len(facets), -1)
        for k, rows in _collect_tags(mio, fblocks, foffsets, tdim - 1).items():
            facet_tags[k] = facets[rows]

    # merge duplicated cells (a cell in several physical groups may be written once per group)
    uniq, which = unique_entities(cells, (tuple(range(ref.num_vertices)),), npts)
    if len(uniq) < len(cells):
        which = which[:, 0].astype(np.int64)
        first = np.full(len(uniq), len(cells), dtype=np.int64)
        np.minimum.at(first, which, np.arange(len(cells)))
        order = np.sort(first)
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[which[order]] = np.arange(len(order))
        cells = cells[order]
        cell_tags = {k: np.unique(rank[which[v]]) for k, v in cell_tags.items()}

    # drop unused points
    used = np.zeros(npts, dtype=bool)
    used[cells] = True
    new = np.cumsum(used) - 1
    points = points[used]
    cells = new[cells]
    for k, f in list(facet_tags.items()):
        ok = (f >= 0).all(axis=1) & (f < npts).all(axis=1)
        f = f[ok]
        f = f[used[f].all(axis=1)]
        facet_tags[k] = new[f]

    # drop trailing coordinates that are zero throughout (down to the cell dimension)
    gdim = points.shape[1]
    while gdim > ref.dim and not points[:, gdim - 1].any():
        gdim -= 1
    points = np.ascontiguousarray(points[:, :gdim])

    if fix_orientation:
        cells = orient_cells(points, cells, name)
    validate_geometry(points, cells, name)  # also rejects coincident (unmerged) points
    mesh = Mesh(points, cells, name, cell_tags=cell_tags, facet_tags=facet_tags)
    return _valid_by_construction(mesh)


# ---------------------------------------------------------------- writing


def _as_data(name: str, kind: str, value: Any, n: int, what: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim == 0 or arr.shape[0] != n:
        raise MeshError(
            f"{kind}[{name!r}] has shape {arr.shape}; expected {n} values (one per {what})"
        )
    return arr


def _gmsh_version(path: Path, file_format: str | None) -> str | None:
    """ "4.1", "2.2" or None (not gmsh)."""
    if file_format is not None:
        return {"gmsh": "4.1", "gmsh4": "4.1", "gmsh41": "4.1", "gmsh22": "2.2"}.get(file_format)
    return "4.1" if path.suffix.lower() == ".msh" else None


def _prepare_data(
    mesh: Mesh,
    point_data: dict[str, ArrayLike] | None,
    cell_data: dict[str, ArrayLike] | None,
    gmsh: bool,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    pdata = {
        k: _as_data(k, "point_data", v, mesh.num_points, "point")
        for k, v in (point_data or {}).items()
    }
    cdata = {
        k: _as_data(k, "cell_data", v, mesh.num_cells, "cell") for k, v in (cell_data or {}).items()
    }
    if gmsh:  # gmsh data fields have 1, 3 or 9 components: pad 2D vectors with a zero
        for data in (pdata, cdata):
            for k, v in data.items():
                ncomp = int(np.prod(v.shape[1:]))
                if v.ndim == 2 and ncomp == 2:
                    data[k] = np.hstack([v, np.zeros((len(v), 1), dtype=v.dtype)])
                elif ncomp not in (1, 3, 9):
                    raise MeshError(
                        f"gmsh data fields have 1, 3 or 9 components; {k!r} has shape {v.shape}"
                    )
                data[k] = data[k].reshape(len(v), -1).astype(np.float64)
                if data[k].shape[1] == 1:
                    data[k] = data[k][:, 0]
    return pdata, cdata


def _padded(points: np.ndarray) -> np.ndarray:
    if points.shape[1] >= 3:
        return points
    return np.hstack([points, np.zeros((len(points), 3 - points.shape[1]))])


def to_meshio(
    mesh: Mesh,
    point_data: dict[str, ArrayLike] | None = None,
    cell_data: dict[str, ArrayLike] | None = None,
) -> meshio.Mesh:
    """Convert a :class:`Mesh`, and data on it, to a :class:`meshio.Mesh` (tags are not
    converted; points are padded to 3D).

    Parameters
    ----------
    mesh : Mesh
    point_data, cell_data : dict of str to array_like, optional
        One value (scalar, vector or tensor) per point, resp. per cell.
    """
    pdata, cdata = _prepare_data(mesh, point_data, cell_data, gmsh=False)
    return meshio.Mesh(
        _padded(mesh.points),
        [(MESHIO_NAMES[mesh.cell_type], mesh.cells)],
        point_data=pdata,
        cell_data={k: [v] for k, v in cdata.items()},
    )


def _physical_ids(mesh: Mesh) -> tuple[dict[str, int], dict[str, int]]:
    """Physical group ids: cell tags first, then facet tags; empty tags are left out."""
    clash = sorted(set(mesh.cell_tags) & set(mesh.facet_tags))
    if clash:
        raise MeshError(
            f"tag names {clash} name both cells and facets; gmsh files need distinct names"
        )
    for k, v in mesh.cell_tags.items():
        v = np.asarray(v)
        if v.size and (v.min() < 0 or v.max() >= mesh.num_cells):
            raise MeshError(
                f"cell tag {k!r} holds cell indices outside [0, {mesh.num_cells}): "
                f"{v[(v < 0) | (v >= mesh.num_cells)][:5].tolist()}"
            )
    cids = {k: i + 1 for i, k in enumerate(k for k, v in mesh.cell_tags.items() if len(v))}
    fnames = [k for k, v in mesh.facet_tags.items() if len(v)]
    fids = {k: len(cids) + i + 1 for i, k in enumerate(fnames)}
    return cids, fids


def _gmsh22_meshio(mesh: Mesh) -> meshio.Mesh:
    """meshio.Mesh with per-element physical tags for the msh 2.2 writer.

    All cells in their order, tagged with their first cell tag (0: none); cells in further
    tags repeated once per tag (as gmsh does in msh 2); one facet block per facet tag.
    """
    cids, fids = _physical_ids(mesh)
    mtype = MESHIO_NAMES[mesh.cell_type]
    ftype = REFERENCE_CELLS[mesh.cell_type].facet_type
    first = np.zeros(mesh.num_cells, dtype=np.int32)
    blocks: list[tuple[str, np.ndarray, np.ndarray]] = []
    extra = []
    for k, pid in cids.items():
        idx = np.unique(np.asarray(mesh.cell_tags[k], dtype=np.int64))
        free = first[idx] == 0
        first[idx[free]] = pid
        if (~free).any():
            extra.append((idx[~free], pid))
    blocks.append((mtype, mesh.cells, first))
    for rows, pid in extra:
        blocks.append((mtype, mesh.cells[rows], np.full(len(rows), pid, np.int32)))
    for k, pid in fids.items():
        f = mesh.facet_tags[k]
        blocks.append((ftype, f, np.full(len(f), pid, np.int32)))
    field_data = {k: np.array([pid, mesh.dim]) for k, pid in cids.items()}
    field_data.update({k: np.array([pid, mesh.dim - 1]) for k, pid in fids.items()})
    cd = {
        "gmsh:physical": [b[2] for b in blocks],
        "gmsh:geometrical": [np.full(len(b[1]), 1 + (b[0] == mtype), np.int32) for b in blocks],
    }
    return meshio.Mesh(
        _padded(mesh.points), [(b[0], b[1]) for b in blocks], cell_data=cd, field_data=field_data
    )


def _write_gmsh_data(fh, section: str, name: str, data: np.ndarray, binary: bool) -> None:
    """Append a $NodeData/$ElementData section (same layout in msh 2.2 and 4.1); the values
    belong to the nodes/elements 1..len(data)."""
    data = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
    ncomp = data.shape[1]
    header = f'${section}\n1\n"{name}"\n1\n0.0\n3\n0\n{ncomp}\n{len(data)}\n'
    fh.write(header.encode())
    if binary:
        rec = np.empty(len(data), dtype=[("tag", "i4"), ("values", "f8", (ncomp,))])
        rec["tag"] = np.arange(1, len(data) + 1)
        rec["values"] = data
        rec.tofile(fh)
        fh.write(b"\n")
    else:
        np.savetxt(
            fh,
            np.column_stack([np.arange(1, len(data) + 1), data]),
            fmt=["%d"] + ["%" + _FLOAT_FMT] * ncomp,
        )
    fh.write(f"$End{section}\n".encode())


_GMSH_TYPE = {"vertex": 15, "line": 1, "triangle": 2, "quad": 3, "tetra": 4, "hexahedron": 5}


def _signatures(member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique rows of a boolean membership matrix (items x tags), and each item's row."""
    if member.shape[1] == 0:
        return np.zeros((1, 0), dtype=bool), np.zeros(len(member), dtype=np.int64)
    sig, inv = np.unique(member, axis=0, return_inverse=True)
    return sig, inv.ravel()


def _write_msh41(
    path: Path,
    mesh: Mesh,
    pdata: dict,
    cdata: dict,
    binary: bool = True,
    float_fmt: str = _FLOAT_FMT,
) -> None:
    """Write gmsh's msh 4.1 format, with one entity per combination of tags.

    Cells (and facets) are grouped by the set of tags they belong to; each group is one gmsh
    entity carrying those physical groups, so a cell in several tags is written once. Untagged
    cells get physical group 0 when the mesh has tags (readers such as meshio expect every
    entity to have one). All nodes are classified on the first cell entity.
    """
    cids, fids = _physical_ids(mesh)
    tdim = mesh.dim
    pts = _padded(mesh.points).astype(np.float64)
    any_tags = bool(cids or fids)

    # cell entities
    member = np.zeros((mesh.num_cells, len(cids)), dtype=bool)
    for j, k in enumerate(cids):
        member[np.asarray(mesh.cell_tags[k], dtype=np.int64), j] = True
    csig, cinv = _signatures(member)
    corder = np.argsort(cinv, kind="stable")
    cphys = [list(np.asarray(list(cids.values()))[row]) for row in csig]
    # facet entities
    fnames = list(fids)
    if fnames:
        allf = np.concatenate([np.asarray(mesh.facet_tags[k]) for k in fnames]).astype(np.int64)
        allf = allf.reshape(len(allf), -1)
        owner = np.repeat(np.arange(len(fnames)), [len(mesh.facet_tags[k]) for k in fnames])
        uniq, which = unique_entities(allf, (tuple(range(allf.shape[1])),), mesh.num_points)
        which = which[:, 0].astype(np.int64)
        fmember = np.zeros((len(uniq), len(fnames)), dtype=bool)
        fmember[which, owner] = True
        firstrow = np.full(len(uniq), len(allf), dtype=np.int64)
        np.minimum.at(firstrow, which, np.arange(len(allf)))
        facets = allf[firstrow]  # each facet once, in the orientation of its first listing
        fsig, finv = _signatures(fmember)
        forder = np.argsort(finv, kind="stable")
        fphys = [list(np.asarray(list(fids.values()))[row]) for row in fsig]
    else:
        facets = np.zeros((0, 1), dtype=np.int64)
        fsig, fphys = np.zeros((0, 0)), []
        finv = forder = np.zeros(0, np.int64)

    mtype = MESHIO_NAMES[mesh.cell_type]
    ftype = REFERENCE_CELLS[mesh.cell_type].facet_type
    # entity blocks: (dim, tag, gmsh type, element rows (vertex lists), physical ids)
    blocks = []
    for e in range(len(csig)):
        rows = corder[cinv[corder] == e]
        phys = cphys[e] or ([0] if any_tags else [])
        blocks.append((tdim, e + 1, _GMSH_TYPE[mtype], mesh.cells[rows].astype(np.int64), phys))
    for e in range(len(fsig)):
        rows = forder[finv[forder] == e]
        blocks.append((tdim - 1, e + 1, _GMSH_TYPE[ftype], facets[rows], fphys[e]))
    ncell_elems = mesh.num_cells
    nelem = ncell_elems + len(facets)

    size_t, c_int, c_double = np.dtype("u8"), np.dtype("i4"), np.dtype("f8")

    def ints(fh, values, dtype):
        arr = np.asarray(values, dtype=dtype)
        if binary:
            arr.tofile(fh)
        else:
            fh.write((" ".join(str(int(v)) for v in arr.ravel()) + " ").encode())

    def floats(fh, values):
        arr = np.asarray(values, dtype=c_double)
        if binary:
            arr.tofile(fh)
        else:
            fh.write((" ".join(format(float(v), float_fmt) for v in arr.ravel()) + " ").encode())

    def newline(fh):
        if not binary:
            fh.write(b"\n")

    with open(path, "wb") as fh:
        fh.write(f"$MeshFormat\n4.1 {int(binary)} 8\n".encode())
        if binary:
            np.array([1], dtype=c_int).tofile(fh)
            fh.write(b"\n")
        fh.write(b"$EndMeshFormat\n")

        names = sorted(
            [(tdim, pid, k) for k, pid in cids.items()]
            + [(tdim - 1, pid, k) for k, pid in fids.items()]
        )
        if names:
            fh.write(f"$PhysicalNames\n{len(names)}\n".encode())
            for d, pid, k in names:
                fh.write(f'{d} {pid} "{k}"\n'.encode())
            fh.write(b"$EndPhysicalNames\n")

        fh.write(b"$Entities\n")
        counts = [0, 0, 0, 0]
        for b in blocks:
            counts[b[0]] += 1
        ints(fh, counts, size_t)
        newline(fh)
        for d, tag, _, rows, phys in sorted(blocks, key=lambda b: b[0]):  # by dimension
            ints(fh, [tag], c_int)
            x = pts[rows.ravel()]
            floats(fh, x[0] if d == 0 else np.concatenate([x.min(axis=0), x.max(axis=0)]))
            ints(fh, [len(phys)], size_t)
            ints(fh, phys, c_int)
            if d > 0:
                ints(fh, [0], size_t)  # bounding entities: not recorded
            newline(fh)
        if binary:
            fh.write(b"\n")
        fh.write(b"$EndEntities\n")

        n = len(pts)
        fh.write(b"$Nodes\n")
        ints(fh, [1, n, 1, n], size_t)
        newline(fh)
        ints(fh, [tdim, 1, 0], c_int)
        ints(fh, [n], size_t)
        newline(fh)
        if binary:
            np.arange(1, n + 1, dtype=size_t).tofile(fh)
            pts.tofile(fh)
            fh.write(b"\n")
        else:
            np.savetxt(fh, np.arange(1, n + 1), fmt="%d")
            np.savetxt(fh, pts, fmt="%" + float_fmt)
        fh.write(b"$EndNodes\n")

        fh.write(b"$Elements\n")
        ints(fh, [len(blocks), nelem, 1, nelem], size_t)
        newline(fh)
        tag0 = 1
        for d, tag, gtype, rows, _ in blocks:
            ints(fh, [d, tag, gtype], c_int)
            ints(fh, [len(rows)], size_t)
            newline(fh)
            table = np.column_stack([np.arange(tag0, tag0 + len(rows)), rows + 1])
            if binary:
                table.astype(size_t).tofile(fh)
            else:
                np.savetxt(fh, table, fmt="%d")
            tag0 += len(rows)
        if binary:
            fh.write(b"\n")
        fh.write(b"$EndElements\n")

        for k, v in pdata.items():
            _write_gmsh_data(fh, "NodeData", k, v, binary)
        if not np.array_equal(corder, np.arange(mesh.num_cells)):
            # grouping by tags reordered the cells: record their order, which read() restores
            cdata = {**cdata, CELL_INDEX: np.arange(mesh.num_cells, dtype=np.float64)}
        for k, v in cdata.items():
            full = np.full((nelem,) + v.shape[1:], -1.0 if k == CELL_INDEX else 0.0)
            full[:ncell_elems] = v[corder]
            _write_gmsh_data(fh, "ElementData", k, full, binary)


def write(
    mesh: Mesh,
    path: str | os.PathLike,
    point_data: dict[str, ArrayLike] | None = None,
    cell_data: dict[str, ArrayLike] | None = None,
    **options: Any,
) -> None:
    """Write a mesh, and data on it, through meshio; the suffix names the format.

    Parameters
    ----------
    mesh : Mesh
    path : str or path-like
        ``.msh`` (gmsh 4.1; ``file_format="gmsh22"`` for 2.2), ``.vtu``, ``.xdmf`` or any other
        meshio suffix (``file_format`` overrides the suffix).
    point_data : dict of str to array_like, optional
        Values per point, shape (N,) or (N, k) (e.g. a P1 solution).
    cell_data : dict of str to array_like, optional
        Values per cell, shape (M,) or (M, k).
    **options
        ``file_format`` (a meshio format name, ``"gmsh"`` = msh 4.1, ``"gmsh22"``), ``binary``
        (gmsh and VTU; default True) and ``float_fmt`` (ASCII msh 4.1, default ``".17g"``,
        exact for doubles); any other option is passed to :func:`meshio.write`, e.g.
        ``compression`` (VTU) or ``data_format`` (XDMF: ``"HDF"``, the default, or ``"XML"``).

    Notes
    -----
    gmsh files carry the cell and facet tags as physical groups (see the module docstring);
    the other formats carry the points, cells and data only. msh 4.1 files with cell tags may
    hold the cells in another order than the mesh (grouped by tags), with their data in that
    order; the element data ``pdesolve:cell_index`` records the mesh index of each, and
    :func:`read` restores the mesh's order. Coordinates are padded with zeros
    to 3D for VTU, XDMF and gmsh; :func:`read` removes the padding again.

    Raises
    ------
    MeshError
        Data of the wrong length, an unknown format, or a failure of the meshio writer.
    """
    p = Path(path)
    file_format = options.get("file_format")
    if file_format is None and not _formats_for(p):
        raise MeshError(f"cannot write {str(p)!r}: unknown mesh file format {p.suffix!r}")
    version = _gmsh_version(p, file_format)
    pdata, cdata = _prepare_data(mesh, point_data, cell_data, gmsh=version is not None)
    try:
        if version == "4.1":
            extra = sorted(set(options) - {"file_format", "binary", "float_fmt"})
            if extra:
                raise MeshError(f"unknown options for msh 4.1: {extra}")
            _write_msh41(
                p,
                mesh,
                pdata,
                cdata,
                binary=options.get("binary", True),
                float_fmt=options.get("float_fmt", _FLOAT_FMT),
            )
            return
        if version == "2.2":
            if cdata:
                raise MeshError(
                    "cell_data cannot go into msh 2.2 files (meshio 5 cannot read $ElementData "
                    "back from them); write msh 4.1 (the default for .msh) or VTU instead"
                )
            mio = _gmsh22_meshio(mesh)
            meshio.write(p, mio, **options)
            binary = options.get("binary", True)
            with open(p, "ab") as fh:
                for k, v in pdata.items():
                    _write_gmsh_data(fh, "NodeData", k, v, binary)
            return
        else:
            mio = to_meshio(mesh, pdata, cdata)
        if p.suffix.lower() in (".xdmf", ".xmf") and "data_format" not in options:
            try:
                import h5py  # noqa: F401
            except ImportError:
                options["data_format"] = "XML"
        meshio.write(p, mio, **options)
    except MeshError:
        raise
    except Exception as e:
        raise MeshError(f"cannot write {str(p)!r}: {type(e).__name__}: {e}") from e
