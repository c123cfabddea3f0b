"""Uniform refinement: measure, counts, conformity, orientation, tags."""

from __future__ import annotations

import numpy as np
import pytest
from mesh_testutils import facet_counts, signed_measures, tagged_facet_measure

from pdesolve.errors import MeshError
from pdesolve.mesh import Mesh, box, refine


def test_refine_preserves_everything(any_mesh):
    mesh = any_mesh
    mesh.cell_tags["some"] = np.array([0, mesh.num_cells - 1])
    fine = refine(mesh)
    nchild = 2**mesh.dim
    assert fine.cell_type == mesh.cell_type
    assert fine.num_cells == nchild * mesh.num_cells
    assert fine.cell_volumes.sum() == pytest.approx(mesh.cell_volumes.sum(), rel=1e-12)
    assert (signed_measures(fine) > 0).all()
    # old points keep their indices
    assert np.array_equal(fine.points[: mesh.num_points], mesh.points)
    # conforming: every facet in at most two cells, boundary facets multiply by 2^(d-1)
    counts = facet_counts(fine)
    assert counts.max() <= 2
    assert (counts == 1).sum() == 2 ** (mesh.dim - 1) * (facet_counts(mesh) == 1).sum()
    assert fine.h == pytest.approx(mesh.h / 2) if mesh.dim > 1 else True
    # children inherit cell tags
    kids = fine.cell_tags["some"]
    assert len(kids) == 2 * nchild
    assert fine.cell_volumes[kids].sum() == pytest.approx(mesh.cell_volumes[[0, -1]].sum())
    assert np.array_equal(kids // nchild, np.repeat([0, mesh.num_cells - 1], nchild))
    # facet tags split into real facets of the same total measure
    for name, f in mesh.facet_tags.items():
        assert len(fine.facet_tags[name]) == 2 ** (mesh.dim - 1) * len(f)
        fine.facet_indices(name)  # raises if a vertex list is not a facet
        assert tagged_facet_measure(fine, name) == pytest.approx(tagged_facet_measure(mesh, name))


def test_interval_refine_halves():
    from pdesolve.mesh import interval

    fine = refine(interval(3, 0.0, 3.0))
    x = fine.points[fine.cells, 0]
    assert np.allclose(x[:, 1] - x[:, 0], 0.5)


def test_triangle_children_are_similar():
    mesh = Mesh([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]], [[0, 1, 2]], "triangle")
    fine = refine(mesh)
    assert np.allclose(fine.cell_volumes, 0.25)


def test_tet_refinement_stays_shape_regular():
    """Bey's scheme with the shortest diagonal: the ratio of longest to shortest edge does
    not grow under repeated refinement (Kuhn cubes: sqrt(3) throughout)."""
    mesh = box(1, 1, 1)
    e = np.array(mesh.reference.edges)
    ratios = []
    for _ in range(3):
        x = mesh.points[mesh.cells]
        length = np.linalg.norm(x[:, e[:, 0]] - x[:, e[:, 1]], axis=2)
        ratios.append((length.max(axis=1) / length.min(axis=1)).max())
        mesh = refine(mesh)
    assert np.allclose(ratios, np.sqrt(3))


def test_tet_refinement_of_irregular_tets():
    rng = np.random.default_rng(0)
    pts = rng.random((4, 3))
    cells = np.array([[0, 1, 2, 3]])
    if np.linalg.det((pts[1:] - pts[0]).T) < 0:
        cells = cells[:, [0, 1, 3, 2]]
    mesh = Mesh(pts, cells, "tetrahedron")
    fine = refine(refine(mesh))
    assert fine.num_cells == 64
    assert (signed_measures(fine) > 0).all()
    assert fine.cell_volumes.sum() == pytest.approx(mesh.cell_volumes.sum())
    assert facet_counts(fine).max() <= 2


def test_curved_quads_and_hexes_are_tiled_exactly():
    quad = Mesh([[0.0, 0.0], [2.0, 0.2], [1.7, 1.5], [-0.3, 1.0]], [[0, 1, 2, 3]], "quadrilateral")
    assert refine(quad).cell_volumes.sum() == pytest.approx(quad.cell_volumes.sum(), rel=1e-13)
    hexa = box(1, 1, 1, cell_type="hexahedron")
    pts = hexa.points.copy()
    pts[6] += [0.3, 0.2, 0.4]  # a non-affine hexahedron with non-planar faces
    hexa = Mesh(pts, hexa.cells, "hexahedron")
    fine = refine(hexa)
    assert fine.cell_volumes.sum() == pytest.approx(hexa.cell_volumes.sum(), rel=1e-13)
    assert (signed_measures(fine) > 0).all()


def test_refine_method_and_bad_facet_tag():
    mesh = box(1, 1, 1)
    assert mesh.refine(2).num_cells == 6 * 64
    mesh.facet_tags["nonsense"] = np.array([[0, 3, 4]])  # 3-4 is not an edge of the mesh
    with pytest.raises(MeshError, match="nonsense"):
        refine(mesh)
