"""Generators: counts, measures, tags on the right boundary parts, orientation, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest
from mesh_testutils import (
    ALL_GENERATED,
    EXPECTED_MEASURE,
    facet_counts,
    signed_measures,
    tagged_facet_measure,
)

from pdesolve.errors import MeshError
from pdesolve.mesh import box, disk, interval, lshape, rectangle, validate_geometry


@pytest.mark.parametrize("name", sorted(ALL_GENERATED))
def test_measure_orientation_conformity(name):
    mesh = ALL_GENERATED[name]()
    s = signed_measures(mesh)
    assert (s > 0).all(), "all cells positively oriented"
    assert mesh.cell_volumes.sum() == pytest.approx(EXPECTED_MEASURE[name], rel=1e-12)
    validate_geometry(mesh.points, mesh.cells, mesh.cell_type)
    counts = facet_counts(mesh)
    assert counts.max() <= 2
    # the tagged facets are exactly the boundary facets (reentrant is a subset of boundary)
    tags = {k: v for k, v in mesh.facet_tags.items() if k != "reentrant"}
    tagged = np.concatenate([mesh.facet_indices(k) for k in tags])
    assert np.array_equal(np.sort(tagged), np.sort(mesh.boundary_facets))
    assert (counts == 1).sum() == len(mesh.boundary_facets)


def test_counts():
    assert interval(5).num_cells == 5 and interval(5).num_points == 6
    m = rectangle(3, 2)
    assert (m.num_cells, m.num_points) == (12, 12)
    m = rectangle(3, 2, diagonal="crossed")
    assert (m.num_cells, m.num_points) == (24, 18)
    m = rectangle(3, 2, cell_type="quad")
    assert (m.num_cells, m.num_points, m.cell_type) == (6, 12, "quadrilateral")
    m = box(2, 3, 4)
    assert (m.num_cells, m.num_points) == (6 * 24, 3 * 4 * 5)
    m = box(2, 3, 4, cell_type="hex")
    assert (m.num_cells, m.num_points, m.cell_type) == (24, 60, "hexahedron")
    m = disk(4)
    assert (m.num_cells, m.num_points) == (6 * 16, 1 + 3 * 4 * 5)
    m = lshape(3)
    assert m.num_cells == 6 * 9 and m.num_points == 7 * 7 - 9


def test_diagonals():
    right = rectangle(1, 1)
    left = rectangle(1, 1, diagonal="left")
    # the shared edge of the two triangles is the diagonal
    shared_r = set(right.cells[0]) & set(right.cells[1])
    shared_l = set(left.cells[0]) & set(left.cells[1])
    assert sorted(map(tuple, right.points[sorted(shared_r)])) == [(0.0, 0.0), (1.0, 1.0)]
    assert sorted(map(tuple, left.points[sorted(shared_l)])) == [(0.0, 1.0), (1.0, 0.0)]


def _on(mesh, name, axis, value):
    x = mesh.points[mesh.facet_tags[name].ravel()]
    return np.allclose(x[:, axis], value)


def test_rectangle_tags_on_sides():
    m = rectangle(4, 3, (0.0, 1.0), (2.0, 2.5))
    assert _on(m, "left", 0, 0.0) and _on(m, "right", 0, 2.0)
    assert _on(m, "bottom", 1, 1.0) and _on(m, "top", 1, 2.5)
    assert tagged_facet_measure(m, "left") == pytest.approx(1.5)
    assert tagged_facet_measure(m, "bottom") == pytest.approx(2.0)
    # oriented counter-clockwise: bottom runs in +x, the outward normal (t_y, -t_x) is -y
    f = m.facet_tags["bottom"]
    assert (m.points[f[:, 1], 0] > m.points[f[:, 0], 0]).all()


@pytest.mark.parametrize("cell_type", ["tetrahedron", "hexahedron"])
def test_box_tags_on_faces_with_outward_normals(cell_type):
    lo, hi = np.array([0.0, -1.0, 2.0]), np.array([1.0, 1.0, 2.5])
    m = box(2, 3, 2, lo, hi, cell_type=cell_type)
    centre = 0.5 * (lo + hi)
    for name, axis, value in [
        ("left", 0, lo[0]),
        ("right", 0, hi[0]),
        ("front", 1, lo[1]),
        ("back", 1, hi[1]),
        ("bottom", 2, lo[2]),
        ("top", 2, hi[2]),
    ]:
        assert _on(m, name, axis, value), name
        area = np.prod(np.delete(hi - lo, axis))
        assert tagged_facet_measure(m, name) == pytest.approx(area)
        x = m.points[m.facet_tags[name]]
        normal = np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0])
        outward = ((x[:, 0] - centre) * normal).sum(axis=1)
        assert (outward > 0).all(), name


def test_interval_tags():
    m = interval(4, 1.0, 3.0)
    assert m.points[m.facet_tags["left"][0, 0], 0] == 1.0
    assert m.points[m.facet_tags["right"][0, 0], 0] == 3.0


def test_disk_boundary_on_circle():
    m = disk(5, radius=2.0, center=(1.0, -1.0))
    x = m.points[m.facet_tags["boundary"].ravel()]
    assert np.allclose(np.linalg.norm(x - [1.0, -1.0], axis=1), 2.0)
    assert len(m.facet_tags["boundary"]) == 30
    assert len(m.boundary_facets) == 30
    # roughly uniform: edge lengths within a factor 2 of each other
    e = m.points[m.edges]
    length = np.linalg.norm(e[:, 1] - e[:, 0], axis=1)
    assert length.max() / length.min() < 2.0


def test_lshape_tags():
    m = lshape(3)
    r = m.points[m.facet_tags["reentrant"]]  # (K, 2, 2)
    on_x0 = np.isclose(r[..., 0], 0).all(axis=1) & (r[..., 1] <= 0).all(axis=1)
    on_y0 = np.isclose(r[..., 1], 0).all(axis=1) & (r[..., 0] >= 0).all(axis=1)
    assert (on_x0 | on_y0).all() and on_x0.sum() == 3 and on_y0.sum() == 3
    assert tagged_facet_measure(m, "boundary") == pytest.approx(8.0)
    assert tagged_facet_measure(m, "reentrant") == pytest.approx(2.0)
    # nothing in the removed quadrant
    c = m.centroids
    assert not ((c[:, 0] > 0) & (c[:, 1] < 0)).any()


@pytest.mark.parametrize(
    "call",
    [
        lambda: interval(0),
        lambda: interval(3, 1.0, 1.0),
        lambda: rectangle(2, -1),
        lambda: rectangle(2, 2, cell_type="tetrahedron"),
        lambda: rectangle(2, 2, diagonal="up"),
        lambda: rectangle(2, 2, (0, 0), (1, 0)),
        lambda: box(1, 1, 1, cell_type="wedge"),
        lambda: disk(2, radius=-1.0),
        lambda: lshape(1.5),
    ],
)
def test_bad_arguments(call):
    with pytest.raises(MeshError):
        call()


def test_rectangle_one_million_cells_is_fast():
    rectangle(8, 8)  # warm up
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        m = rectangle(708, 708)
        best = min(best, time.perf_counter() - t)
    assert m.num_cells > 1_000_000
    assert best < 0.5  # typically 0.05 s; generous for loaded machines
