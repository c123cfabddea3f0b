"""meshio-based I/O: round trips for each format, the shipped meshes, and bad input."""

from __future__ import annotations

from pathlib import Path

import meshio
import numpy as np
import pytest
from mesh_testutils import signed_measures, tagged_facet_measure

from pdesolve.errors import MeshError
from pdesolve.mesh import Mesh, box, interval, lshape, read, rectangle, write

MESHES = Path(__file__).resolve().parents[2] / "meshes"

SAMPLES = {
    "interval": lambda: interval(4),
    "triangle": lambda: lshape(2),  # overlapping facet tags: boundary contains reentrant
    "quadrilateral": lambda: rectangle(3, 2, cell_type="quadrilateral"),
    "tetrahedron": lambda: box(2, 1, 2),
    "hexahedron": lambda: box(2, 1, 2, cell_type="hexahedron"),
}
GMSH = {
    "msh41-binary": {},
    "msh41-ascii": {"binary": False},
    "msh22-binary": {"file_format": "gmsh22"},
    "msh22-ascii": {"file_format": "gmsh22", "binary": False},
}


def _cell_keys(mesh: Mesh, idx=None) -> np.ndarray:
    """Cells as sorted rows of (centroid, measure): independent of cell and vertex numbering."""
    idx = np.arange(mesh.num_cells) if idx is None else np.asarray(idx)
    c = mesh.centroids[idx]
    key = np.column_stack([c, mesh.cell_volumes[idx]]).round(10)
    return key[np.lexsort(key.T[::-1])]


def _facet_keys(mesh: Mesh, name: str) -> np.ndarray:
    c = mesh.points[mesh.facet_tags[name]].mean(axis=1).round(10)
    return c[np.lexsort(c.T[::-1])]


def _same_geometry(a: Mesh, b: Mesh) -> None:
    assert a.cell_type == b.cell_type
    assert a.gdim == b.gdim
    assert a.num_points == b.num_points and a.num_cells == b.num_cells
    assert np.allclose(_cell_keys(a), _cell_keys(b))
    assert (signed_measures(b) > 0).all()


@pytest.mark.parametrize("fmt", sorted(GMSH))
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_gmsh_round_trip_keeps_tags(tmp_path, kind, fmt):
    mesh = SAMPLES[kind]()
    mesh.cell_tags["first"] = np.array([0, 1])
    mesh.cell_tags["overlap"] = np.array([1, 2])  # cell 1 is in two tags
    path = tmp_path / "m.msh"
    write(mesh, path, point_data={"u": mesh.points[:, 0]}, **GMSH[fmt])
    back = read(path)
    _same_geometry(mesh, back)
    assert set(back.cell_tags) == {"first", "overlap"}
    for name, idx in mesh.cell_tags.items():
        assert np.allclose(_cell_keys(back, back.cell_tags[name]), _cell_keys(mesh, idx))
    assert set(back.facet_tags) == set(mesh.facet_tags)
    for name in mesh.facet_tags:
        assert np.allclose(_facet_keys(back, name), _facet_keys(mesh, name))
        back.facet_indices(name)
    data = meshio.read(path).point_data["u"]
    assert np.allclose(np.sort(data.ravel()), np.sort(mesh.points[:, 0]))


def test_msh41_cell_data_follows_the_cells(tmp_path):
    mesh = lshape(2)
    mesh.cell_tags["a"] = np.arange(0, mesh.num_cells, 3)  # reorders the cells in the file
    path = tmp_path / "m.msh"
    write(mesh, path, cell_data={"x": mesh.centroids[:, 0], "v": mesh.centroids})
    m = meshio.read(path)
    tri = [i for i, b in enumerate(m.cells) if b.type == "triangle"]
    x = np.concatenate([m.cell_data["x"][i] for i in tri])
    cells = np.concatenate([m.cells[i].data for i in tri])
    assert np.allclose(x, m.points[cells, 0].mean(axis=1))
    v = np.concatenate([m.cell_data["v"][i] for i in tri])
    assert v.shape == (mesh.num_cells, 3)  # 2D vectors padded to 3 components for gmsh


@pytest.mark.parametrize("suffix", [".vtu", ".xdmf"])
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_vtu_xdmf_round_trip(tmp_path, kind, suffix):
    mesh = SAMPLES[kind]()
    path = tmp_path / f"m{suffix}"
    u = np.sin(mesh.points[:, 0])
    c = np.arange(mesh.num_cells, dtype=float)
    write(mesh, path, point_data={"u": u}, cell_data={"c": c})
    back = read(path)
    _same_geometry(mesh, back)
    assert np.allclose(back.points, mesh.points) and np.array_equal(back.cells, mesh.cells)
    m = meshio.read(path)
    assert np.allclose(m.point_data["u"], u)
    assert np.allclose(m.cell_data["c"][0], c)


# ---------------------------------------------------------------- shipped meshes


def test_shipped_lshape():
    m = read(MESHES / "lshape.msh")
    assert m.cell_type == "triangle" and m.gdim == 2
    assert m.cell_volumes.sum() == pytest.approx(3.0)
    assert {"boundary", "reentrant"} <= set(m.facet_tags) and "domain" in m.cell_tags
    assert tagged_facet_measure(m, "boundary") == pytest.approx(8.0)
    assert tagged_facet_measure(m, "reentrant") == pytest.approx(2.0)
    x = m.points[m.facet_tags["reentrant"]].reshape(-1, 2)
    on_x0 = np.isclose(x[:, 0], 0) & (x[:, 1] <= 1e-12)
    on_y0 = np.isclose(x[:, 1], 0) & (x[:, 0] >= -1e-12)
    assert (on_x0 | on_y0).all()
    assert np.array_equal(np.sort(m.facet_indices("boundary")), np.sort(m.boundary_facets))


def test_shipped_disk():
    m = read(MESHES / "disk.msh")
    x = m.points[m.facet_tags["boundary"].ravel()]
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0)
    assert m.cell_volumes.sum() == pytest.approx(np.pi, rel=1e-2)


def test_shipped_dfg_channel():
    m = read(MESHES / "dfg_channel.msh")
    assert set(m.facet_tags) == {"inlet", "outlet", "walls", "cylinder"}
    assert set(m.cell_tags) == {"fluid"} and len(m.cell_tags["fluid"]) == m.num_cells
    assert m.cell_volumes.sum() == pytest.approx(2.2 * 0.41 - np.pi * 0.05**2, abs=1e-4)
    assert tagged_facet_measure(m, "inlet") == pytest.approx(0.41)
    assert tagged_facet_measure(m, "outlet") == pytest.approx(0.41)
    assert tagged_facet_measure(m, "walls") == pytest.approx(4.4)
    assert tagged_facet_measure(m, "cylinder") == pytest.approx(2 * np.pi * 0.05, rel=1e-3)
    x = m.points[m.facet_tags["cylinder"].ravel()]
    assert np.allclose(np.linalg.norm(x - [0.2, 0.2], axis=1), 0.05)
    assert np.allclose(m.points[m.facet_tags["inlet"].ravel(), 0], 0.0)
    assert np.allclose(m.points[m.facet_tags["outlet"].ravel(), 0], 2.2)


def test_shipped_box():
    m = read(MESHES / "box.msh")
    assert m.cell_type == "tetrahedron" and m.cell_volumes.sum() == pytest.approx(1.0)
    for name, axis, value in [
        ("left", 0, 0),
        ("right", 0, 1),
        ("front", 1, 0),
        ("back", 1, 1),
        ("bottom", 2, 0),
        ("top", 2, 1),
    ]:
        assert np.allclose(m.points[m.facet_tags[name].ravel(), axis], value), name
        assert tagged_facet_measure(m, name) == pytest.approx(1.0)
    v = read(MESHES / "box.vtu")
    _same_geometry(m, v)


def test_shipped_files_are_small():
    for f in MESHES.glob("*.*"):
        assert f.stat().st_size < 500_000, f


# ---------------------------------------------------------------- reading rules


def _msh22(path: Path, nodes, elements, names=()) -> Path:
    """Hand-written ASCII msh 2.2: elements are (gmsh type, physical, [1-based nodes])."""
    lines = ["$MeshFormat", "2.2 0 8", "$EndMeshFormat"]
    if names:
        lines += ["$PhysicalNames", str(len(names))]
        lines += [f'{d} {t} "{n}"' for d, t, n in names] + ["$EndPhysicalNames"]
    lines += ["$Nodes", str(len(nodes))]
    lines += [f"{i + 1} {x} {y} {z}" for i, (x, y, z) in enumerate(nodes)] + ["$EndNodes"]
    lines += ["$Elements", str(len(elements))]
    for i, (t, phys, vs) in enumerate(elements):
        lines.append(f"{i + 1} {t} 2 {phys} 1 " + " ".join(map(str, vs)))
    lines.append("$EndElements")
    path.write_text("\n".join(lines) + "\n")
    return path


SQUARE = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (5, 5, 0)]  # node 5 unused


def test_unnamed_groups_unused_points_and_gdim(tmp_path):
    path = _msh22(
        tmp_path / "sq.msh",
        SQUARE,
        [(1, 3, [1, 2]), (2, 7, [1, 2, 3]), (2, 8, [1, 3, 4]), (15, 9, [5])],
        names=[(2, 8, "upper")],
    )
    m = read(path)
    assert m.num_points == 4 and m.gdim == 2
    assert set(m.cell_tags) == {"tag_7", "upper"}
    assert set(m.facet_tags) == {"tag_3"}
    assert m.cell_tags["upper"].tolist() == [1]


def test_surface_mesh_keeps_3d_coordinates(tmp_path):
    nodes = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    path = _msh22(tmp_path / "s.msh", nodes, [(2, 1, [1, 2, 3]), (2, 1, [1, 2, 4])])
    m = read(path)
    assert m.gdim == 3 and m.cell_type == "triangle"


def test_inverted_cells_rejected_or_fixed(tmp_path):
    path = _msh22(tmp_path / "inv.msh", SQUARE[:4], [(2, 1, [1, 2, 3]), (2, 1, [1, 4, 3])])
    with pytest.raises(MeshError, match=r"inv\.msh.*1 inverted triangle"):
        read(path)
    m = read(path, fix_orientation=True)
    assert (signed_measures(m) > 0).all()


def test_degenerate_cell_rejected(tmp_path):
    nodes = [(0, 0, 0), (1, 0, 0), (2, 0, 0), (0, 1, 0)]
    path = _msh22(tmp_path / "deg.msh", nodes, [(2, 1, [1, 2, 4]), (2, 1, [1, 2, 3])])
    with pytest.raises(MeshError, match="degenerate"):
        read(path)


def test_out_of_range_node_rejected(tmp_path):
    path = _msh22(tmp_path / "oor.msh", SQUARE[:4], [(2, 1, [1, 2, 3]), (2, 1, [1, 3, 9])])
    with pytest.raises(MeshError):
        read(path)
    with pytest.raises(MeshError, match="out of range"):
        Mesh(np.zeros((3, 2)), [[0, 1, 3]], "triangle")


def test_unsupported_and_mixed_cells(tmp_path):
    wedge = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1.0]])
    meshio.write(tmp_path / "wedge.vtu", meshio.Mesh(wedge, [("wedge", [[0, 1, 2, 3, 4, 5]])]))
    with pytest.raises(MeshError, match="unsupported cell type 'wedge'"):
        read(tmp_path / "wedge.vtu")
    p6 = np.array([[0, 0], [1, 0], [0, 1], [0.5, 0], [0.5, 0.5], [0, 0.5]])
    meshio.write(tmp_path / "p2.vtu", meshio.Mesh(p6, [("triangle6", [[0, 1, 2, 3, 4, 5]])]))
    with pytest.raises(MeshError, match="unsupported cell type 'triangle6'"):
        read(tmp_path / "p2.vtu")
    pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [2, 0.0]])
    mixed = meshio.Mesh(pts, [("quad", [[0, 1, 2, 3]]), ("triangle", [[1, 4, 2]])])
    meshio.write(tmp_path / "mixed.vtu", mixed)
    with pytest.raises(MeshError, match="mixed cell types"):
        read(tmp_path / "mixed.vtu")
    meshio.write(tmp_path / "pts.vtu", meshio.Mesh(pts, [("vertex", [[0], [1]])]))
    with pytest.raises(MeshError, match="only vertex cells"):
        read(tmp_path / "pts.vtu")


def test_missing_garbage_and_unknown_files(tmp_path):
    with pytest.raises(MeshError, match="not found"):
        read(tmp_path / "nope.msh")
    with pytest.raises(MeshError, match="directory"):
        read(tmp_path)
    for name, content in [
        ("g.msh", b"this is not a mesh\n"),
        ("g.vtu", b"<VTKFile garbage"),
        ("g.xdmf", b"\x00\x01\x02"),
        ("t.msh", b"$MeshFormat\n4.1 0 8\n"),
    ]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(MeshError, match="cannot read"):
            read(tmp_path / name)
    (tmp_path / "m.xyz").write_text("1 2 3\n")
    with pytest.raises(MeshError, match="unknown mesh file format"):
        read(tmp_path / "m.xyz")


def test_write_errors(tmp_path):
    mesh = rectangle(2, 2)
    with pytest.raises(MeshError, match="point_data"):
        write(mesh, tmp_path / "a.vtu", point_data={"u": np.zeros(3)})
    with pytest.raises(MeshError, match="cell_data"):
        write(mesh, tmp_path / "a.vtu", cell_data={"c": np.zeros(3)})
    with pytest.raises(MeshError, match="unknown mesh file format"):
        write(mesh, tmp_path / "a.xyz")
    with pytest.raises(MeshError, match="msh 2.2"):
        write(mesh, tmp_path / "a.msh", cell_data={"c": np.zeros(8)}, file_format="gmsh22")
    mesh.cell_tags["left"] = np.array([0])
    with pytest.raises(MeshError, match="both cells and facets"):
        write(mesh, tmp_path / "a.msh")


def test_mesh_write_method(tmp_path):
    mesh = rectangle(2, 2)
    mesh.write(tmp_path / "a.vtu", point_data={"u": mesh.points[:, 1]})
    _same_geometry(mesh, read(tmp_path / "a.vtu"))
