"""validate_geometry and orient_cells on every cell type."""

from __future__ import annotations

import numpy as np
import pytest

from pdesolve.errors import MeshError
from pdesolve.mesh import orient_cells, validate_geometry
from pdesolve.mesh.cells import reference_cell

TYPES = ["interval", "triangle", "quadrilateral", "tetrahedron", "hexahedron"]


def _two_cells(cell_type):
    """Two copies of the reference cell, the second shifted along x (stretched a little)."""
    ref = reference_cell(cell_type)
    v = ref.vertices.astype(float)
    pts = np.concatenate([v, v * 1.5 + np.eye(ref.dim)[0] * 2])
    cells = np.arange(2 * len(v)).reshape(2, len(v))
    return pts, cells


@pytest.mark.parametrize("cell_type", TYPES)
def test_valid_cells_pass(cell_type):
    validate_geometry(*_two_cells(cell_type), cell_type)


@pytest.mark.parametrize("cell_type", TYPES)
def test_inverted_cell_is_named_and_fixed(cell_type):
    pts, cells = _two_cells(cell_type)
    flip = {
        "interval": [1, 0],
        "triangle": [1, 0, 2],
        "quadrilateral": [1, 0, 3, 2],
        "tetrahedron": [1, 0, 2, 3],
        "hexahedron": [4, 5, 6, 7, 0, 1, 2, 3],
    }[cell_type]
    bad = cells.copy()
    bad[1] = bad[1][flip]
    with pytest.raises(MeshError, match=r"(?s)1 inverted .*cell 1:"):
        validate_geometry(pts, bad, cell_type)
    fixed = orient_cells(pts, bad, cell_type)
    assert np.array_equal(fixed[0], bad[0])  # untouched
    assert set(fixed[1]) == set(bad[1])
    validate_geometry(pts, fixed, cell_type)
    assert np.array_equal(bad[1], cells[1][flip]), "orient_cells returns a copy"


@pytest.mark.parametrize("cell_type", TYPES)
def test_degenerate_cell_is_named(cell_type):
    pts, cells = _two_cells(cell_type)
    ref = reference_cell(cell_type)
    # collapse the second cell onto a hyperplane: its last coordinate set to a constant
    pts[cells[1], ref.dim - 1] = 0.3
    with pytest.raises(MeshError, match=r"(?s)1 degenerate .*cell 1:"):
        validate_geometry(pts, cells, cell_type)


def test_repeated_vertex_is_degenerate():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(MeshError, match="degenerate"):
        validate_geometry(pts, np.array([[0, 1, 1]]), "triangle")


def test_bow_tie_quad():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    with pytest.raises(MeshError, match="non-convex or twisted"):
        validate_geometry(pts, np.array([[0, 1, 2, 3]]), "quadrilateral")


def test_non_convex_quad():
    pts = np.array([[0.0, 0.0], [2.0, 0.0], [0.5, 0.5], [0.0, 2.0]])
    with pytest.raises(MeshError, match="non-convex"):
        validate_geometry(pts, np.array([[0, 1, 2, 3]]), "quad")


def test_relative_tolerance_is_scale_free():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]) * 1e-9
    validate_geometry(pts, np.array([[0, 1, 2]]), "triangle")  # tiny but fine
    flat = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 1e-14]])
    with pytest.raises(MeshError, match="degenerate"):
        validate_geometry(flat, np.array([[0, 1, 2]]), "triangle")


def test_surface_mesh_in_3d_checks_degeneracy_only():
    pts = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    cells = np.array([[0, 1, 2], [0, 2, 1], [1, 2, 3]])  # orientation has no meaning in 3D
    validate_geometry(pts, cells, "triangle")
    assert np.array_equal(orient_cells(pts, cells, "triangle"), cells)
    with pytest.raises(MeshError, match="degenerate"):
        validate_geometry(pts, np.array([[0, 1, 1]]), "triangle")


def test_out_of_range_and_nan():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(MeshError, match="out of range"):
        validate_geometry(pts, np.array([[0, 1, 3]]), "triangle")
    with pytest.raises(MeshError, match="out of range"):
        validate_geometry(pts, np.array([[0, -1, 2]]), "triangle")
    bad = pts.copy()
    bad[2, 1] = np.nan
    with pytest.raises(MeshError, match="NaN"):
        validate_geometry(bad, np.array([[0, 1, 2]]), "triangle")


def test_unsupported_type_and_shape():
    pts = np.zeros((6, 3))
    with pytest.raises(MeshError, match="unsupported cell type"):
        validate_geometry(pts, np.array([[0, 1, 2, 3, 4, 5]]), "wedge")
    with pytest.raises(MeshError, match="shape"):
        validate_geometry(pts, np.array([[0, 1, 2, 3]]), "triangle")


def test_many_bad_cells_listing_is_short():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    cells = np.tile([0, 2, 1], (50, 1))
    with pytest.raises(MeshError, match=r"(?s)50 inverted .*and 45 more"):
        validate_geometry(pts, cells, "triangle")
