"""Checks of the mesh, boundary-condition and mesh I/O layer: bad input raises a clear error
instead of a silently wrong result (shared sparsity patterns, masks read as indices, conditions
and values from another space, degenerate meshes, coincident points, stale cached geometry,
empty selections, point location on graded meshes, gmsh round trips)."""

from __future__ import annotations

import pickle

import meshio
import numpy as np
import pytest
import scipy.sparse.linalg as spla
from scipy.spatial import Delaunay

import pdesolve as ps
from pdesolve.errors import FemError, MeshError
from pdesolve.fem import forms
from pdesolve.linalg.front import drop_stored_zeros
from pdesolve.mesh.validate import coincident_points, validate_geometry


@pytest.fixture
def square():
    return ps.mesh.rectangle(8, 8)


@pytest.fixture
def V(square):
    return ps.fem.FunctionSpace(square, "P", 1)


# ------------------------------------------------------------------ 1. shared sparsity pattern
def test_assembled_matrices_cannot_corrupt_each_other(V):
    M = ps.fem.assemble(forms.mass(), V)
    K = ps.fem.assemble(forms.stiffness(), V)
    assert (K.data == 0).any()  # right triangles: exact zeros stored in the P1 stiffness
    M0 = M.toarray()
    with pytest.raises(FemError, match="copy"):
        K.eliminate_zeros()
    with pytest.raises(ValueError, match="read-only"):
        K.indices[0] = 1
    assert np.array_equal(M.toarray(), M0)
    assert np.array_equal(ps.fem.assemble(forms.mass(), V).toarray(), M0)
    C = K.copy()
    C.eliminate_zeros()  # compacting a copy works and leaves K alone
    assert C.nnz < K.nnz and abs(C - K).max() == 0
    # everyday operations on the shared, read-only pattern still work
    x = np.ones(V.num_dofs)
    assert abs(x @ (M @ x) - 1.0) < 1e-12
    S = M + K
    assert S.nnz == K.nnz and abs(S.tocsc() - (M0 + K.toarray())).max() < 1e-12
    assert K[3:10, 2:9].shape == (7, 7)
    assert drop_stored_zeros(K).nnz == C.nnz
    A, b = ps.fem.DirichletBC(V, None, 0.0).apply(K, x)
    A, b = ps.fem.DirichletBC(V, None, 0.0).apply(K.copy(), x.copy(), inplace=True)
    assert ps.fem.assemble(forms.stiffness(), V, out=K) is K


# ------------------------------------------------------------------ 2. boolean masks as where
def test_boolean_where_is_a_mask(square, V):
    mask = np.zeros(len(square.facets), bool)
    mask[square.boundary_facets] = True
    assert np.array_equal(square.facet_indices(mask), square.boundary_facets)
    assert np.array_equal(ps.fem.DirichletBC(V, mask, 0.0).dofs, V.boundary_dofs())
    cmask = square.centroids[:, 0] < 0.5
    square.tag_cells("left_half", cmask)
    assert np.array_equal(square.cell_tags["left_half"], np.flatnonzero(cmask))
    assert np.array_equal(square.cell_indices(cmask), np.flatnonzero(cmask))


def test_bad_explicit_selections_are_rejected(square):
    with pytest.raises(MeshError, match="mask needs shape"):
        square.facet_indices(np.ones(3, bool))
    with pytest.raises(MeshError, match="mask needs shape"):
        square.cell_indices(np.ones(square.num_cells + 1, bool))
    with pytest.raises(MeshError, match="integers"):
        square.facet_indices(np.array([0.0, 1.0]))
    with pytest.raises(MeshError, match="integers"):
        square.tag_cells("x", [0.5])
    with pytest.raises(MeshError, match="out of range"):
        square.cell_indices([0, square.num_cells])
    with pytest.raises(MeshError, match="out of range"):
        square.facet_indices([-1])
    with pytest.raises(MeshError, match="predicate returned shape"):
        square.cell_indices(lambda x: True)
    assert square.cell_indices([]).size == 0


# ------------------------------------------------------------------ 3. Function values
def test_boundary_values_from_a_function_on_another_space(square, V):
    fine = ps.fem.FunctionSpace(ps.mesh.rectangle(16, 16), "P", 1)
    f = ps.fem.Function(fine, lambda x: x[1])
    with pytest.raises(FemError, match="another mesh.*eval"):
        ps.fem.DirichletBC(V, "right", f)
    P2 = ps.fem.FunctionSpace(square, "P", 2)
    vec = ps.fem.FunctionSpace(square, "P", 1, shape=2)
    with pytest.raises(FemError, match="another kind"):
        ps.fem.DirichletBC(vec, "right", ps.fem.Function(P2, lambda x: x[1]))
    # the suggested way, and Functions on the space itself or an identical one
    bc = ps.fem.DirichletBC(V, "right", lambda x: f.eval(x.T).T)
    assert np.allclose(bc.values, V.node_coordinates[bc.dofs, 1])
    twin = ps.fem.FunctionSpace(square, "P", 1)
    for W in (V, twin):
        bc = ps.fem.DirichletBC(V, "right", ps.fem.Function(W, lambda x: x[1]))
        assert np.allclose(bc.values, V.node_coordinates[bc.dofs, 1])


# ------------------------------------------------------------------ 4. condition of another space
def test_apply_dirichlet_rejects_a_condition_of_another_space(square, V):
    P2 = ps.fem.FunctionSpace(square, "P", 2)
    A = ps.fem.assemble(forms.stiffness(), P2)
    b = ps.fem.assemble(forms.source(1.0), P2)
    with pytest.raises(FemError, match="81 dofs.*289 unknowns"):
        ps.fem.DirichletBC(V, None, 0.0).apply(A, b)
    with pytest.raises(FemError, match="cannot constrain"):
        ps.fem.boundary_values(P2, [ps.fem.DirichletBC(V, None, 0.0)])
    with pytest.raises(FemError, match="shape"):
        ps.fem.DirichletBC(V, None, 0.0).set(np.zeros(P2.num_dofs))
    A2, b2 = ps.fem.DirichletBC(P2, None, 0.0).apply(A, b)
    u = spla.spsolve(A2.tocsc(), b2)
    assert np.abs(u[P2.boundary_dofs()]).max() == 0


# ------------------------------------------------------------------ 5. degenerate cells
def test_function_space_rejects_degenerate_cells():
    pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]])
    cells = [[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 0, 4], [0, 4, 2]]  # the last is flat
    m = ps.mesh.Mesh(pts, cells, "triangle")
    for p in (1, 2):
        with pytest.raises(MeshError, match=r"(?s)FunctionSpace.*1 degenerate.*cell 4:"):
            ps.fem.FunctionSpace(m, "P", p)
    bow_tie = ps.mesh.Mesh([[0.0, 0], [1, 0], [0, 1], [1, 1]], [[0, 1, 2, 3]], "quadrilateral")
    with pytest.raises(MeshError, match="twisted"):
        ps.fem.FunctionSpace(bow_tie, "Q", 1)


def test_function_space_accepts_inverted_cells():
    m = ps.mesh.rectangle(3, 3)
    flipped = ps.mesh.Mesh(m.points, m.cells[:, [0, 2, 1]], "triangle")
    V = ps.fem.FunctionSpace(flipped, "P", 1)  # assembly handles either orientation
    one = np.ones(V.num_dofs)
    assert one @ ps.fem.assemble(forms.mass(), V) @ one == pytest.approx(1.0)
    with pytest.raises(MeshError, match="inverted"):
        flipped.check_geometry()


# ------------------------------------------------------------------ 6. coincident points
def _split_along_seam(m):
    """The mesh with the cells right of x = 0.5 on their own copies of the seam points."""
    pts, cells = m.points.copy(), m.cells.copy()
    seam = np.flatnonzero(np.isclose(pts[:, 0], 0.5))
    copy = np.arange(len(pts))
    copy[seam] = len(pts) + np.arange(len(seam))
    right = m.centroids[:, 0] > 0.5
    cells[right] = copy[cells[right]]
    return np.vstack([pts, pts[seam]]), cells, len(seam)


def test_coincident_points_are_detected(tmp_path, square):
    pts, cells, nseam = _split_along_seam(square)
    assert len(coincident_points(pts)) == nseam
    with pytest.raises(MeshError, match=f"(?s){nseam} pairs of coincident points.*merge"):
        validate_geometry(pts, cells, "triangle")
    path = tmp_path / "dup.vtu"
    meshio.write(path, meshio.Mesh(np.c_[pts, np.zeros(len(pts))], [("triangle", cells)]))
    with pytest.raises(MeshError, match="dup.vtu.*coincident points"):
        ps.mesh.read(path)
    with pytest.raises(MeshError, match="coincident points"):
        ps.fem.FunctionSpace(ps.mesh.Mesh(pts, cells, "triangle"), "P", 1)
    # relative tolerance: 1e-12 of the diameter
    near = np.array([[0.0, 0.0], [1e3, 1e3], [1e3 * (1 + 1e-14), 1e3]])
    assert coincident_points(near).tolist() == [[1, 2]]
    assert len(coincident_points(near, tol=1e-16)) == 0


# ------------------------------------------------------------------ 7. moving a mesh
def test_mesh_coordinates_are_read_only(square):
    V = ps.fem.FunctionSpace(square, "P", 2)
    _ = V.node_coordinates, square.cell_volumes
    with pytest.raises(ValueError, match="read-only"):
        square.points *= 2.0
    with pytest.raises(ValueError, match="read-only"):
        square.cells[0, 0] = 1
    with pytest.raises(MeshError, match="with_points"):
        square.points = square.points * 2.0
    moved = square.with_points(2.0 * square.points)
    assert moved.cell_volumes.sum() == pytest.approx(4.0)
    assert square.cell_volumes.sum() == pytest.approx(1.0)
    W = ps.fem.FunctionSpace(moved, "P", 2)
    bc = ps.fem.DirichletBC(W, "right", lambda x: x[0])
    assert np.allclose(bc.values, 2.0)
    one = np.ones(W.num_dofs)
    assert one @ ps.fem.assemble(forms.mass(), W) @ one == pytest.approx(4.0)
    with pytest.raises(MeshError, match="one point per vertex"):
        square.with_points(square.points[:-1])
    with pytest.raises(MeshError, match="degenerate"):
        ps.fem.FunctionSpace(square.with_points(0.0 * square.points), "P", 1)


def test_mesh_does_not_freeze_or_alias_the_callers_arrays():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    cells = np.array([[0, 1, 2]], dtype=np.int32)
    m = ps.mesh.Mesh(pts, cells, "triangle")
    pts[0] = 5.0  # still writable, and not the mesh's
    cells[0, 0] = 2
    assert m.points[0].tolist() == [0.0, 0.0] and m.cells[0].tolist() == [0, 1, 2]
    back = pickle.loads(pickle.dumps(m))
    assert not back.points.flags.writeable and not back.cells.flags.writeable


# ------------------------------------------------------------------ 8. empty selections
def test_empty_dirichlet_selection_raises(square, V):
    with pytest.raises(FemError, match="selects no dofs.*allow_empty"):
        ps.fem.DirichletBC(V, lambda x: np.isclose(x[0], 10.0), 0.0)
    square.facet_tags["outlet"] = np.zeros((0, 2), int)
    with pytest.raises(FemError, match="facet tag 'outlet'"):
        ps.fem.DirichletBC(V, "outlet", 1.0)
    with pytest.raises(FemError, match="selects no dofs"):
        ps.fem.DirichletBC(V, dofs=[], value=1.0)
    bc = ps.fem.DirichletBC(V, "outlet", 1.0, allow_empty=True)
    assert bc.dofs.size == 0 and bc.values.size == 0
    with pytest.raises(FemError, match="selects no dofs"):
        ps.models.HeatEquation(V, dirichlet=lambda x: x[0] > 2.0)


# ------------------------------------------------------------------ 9. explicit dofs
def test_dirichlet_dofs_mask_and_types(V):
    mask = np.isclose(V.node_coordinates[:, 0], 0.0)
    bc = ps.fem.DirichletBC(V, dofs=mask, value=1.0)
    assert np.array_equal(bc.dofs, np.flatnonzero(mask))
    with pytest.raises(FemError, match="mask needs shape"):
        ps.fem.DirichletBC(V, dofs=mask[:-1], value=1.0)
    with pytest.raises(FemError, match="integer"):
        ps.fem.DirichletBC(V, dofs=np.array([0.0, 5.0]), value=1.0)
    with pytest.raises(FemError, match="out of range"):
        ps.fem.DirichletBC(V, dofs=[0, V.num_dofs], value=1.0)
    with pytest.raises(FemError, match="out of range"):
        ps.fem.DirichletBC(V, dofs=[-1, 3], value=1.0)
    assert ps.fem.DirichletBC(V, dofs=[5, 0, 5], value=1.0).dofs.tolist() == [0, 5]


# ------------------------------------------------------------------ 10. point location
def test_eval_finds_points_beside_a_cluster_of_small_cells():
    ang = np.linspace(0, 2 * np.pi, 25)[:-1]
    ring = 0.01 * np.c_[np.cos(ang), np.sin(ang)]
    pts = np.r_[[[0.0, 0.0]], ring, [[-1, -1], [1, -1], [1, 1], [-1, 1.0]]]
    cells = ps.mesh.orient_cells(pts, Delaunay(pts).simplices, "triangle")
    m = ps.mesh.Mesh(pts, cells, "triangle")
    u = ps.fem.Function(ps.fem.FunctionSpace(m, "P", 1), lambda x: x[0] + 2 * x[1])
    q = np.random.default_rng(1).uniform(-0.999, 0.999, (2000, 2))
    q[0] = [0.05, 0.013]
    assert np.allclose(u.eval(q), q[:, 0] + 2 * q[:, 1])
    with pytest.raises(FemError, match="outside"):
        u.eval([[1.5, 0.0]])


# ------------------------------------------------------------------ 11, 12. gmsh round trips
def test_ascii_msh_round_trip_is_exact(tmp_path):
    grid = ps.mesh.rectangle(10, 10)
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-1e-3, 1e-3, grid.points.shape) * (grid.points % 1 != 0)
    m = ps.mesh.Mesh(grid.points + jitter, grid.cells, "triangle")
    u = rng.standard_normal(m.num_points)
    c = rng.standard_normal(m.num_cells)
    path = tmp_path / "a.msh"
    ps.mesh.write(m, path, point_data={"u": u}, cell_data={"c": c}, binary=False)
    assert np.array_equal(ps.mesh.read(path).points, m.points)
    mio = meshio.read(path)
    assert np.array_equal(mio.point_data["u"], u)
    assert np.array_equal(np.concatenate(mio.cell_data["c"])[: m.num_cells], c)


@pytest.mark.parametrize("binary", [True, False])
def test_msh_round_trip_keeps_cell_order(tmp_path, binary):
    m = ps.mesh.rectangle(4, 4).tag_cells(
        "inclusion", lambda x: (abs(x[0] - 0.5) < 0.3) & (abs(x[1] - 0.5) < 0.3)
    )
    m.tag_cells("every_third", np.arange(0, m.num_cells, 3))
    path = tmp_path / "o.msh"
    ps.mesh.write(m, path, binary=binary)
    back = ps.mesh.read(path)
    assert np.array_equal(back.cells, m.cells)
    for name, idx in m.cell_tags.items():
        assert np.array_equal(back.cell_tags[name], idx)
    # without cell tags the file order is the mesh order, and nothing extra is written
    plain = ps.mesh.rectangle(4, 4)
    ps.mesh.write(plain, path, binary=binary)
    assert "pdesolve:cell_index" not in meshio.read(path).cell_data
    assert np.array_equal(ps.mesh.read(path).cells, plain.cells)


def test_boundary_form_on_no_facets_raises():
    """A Neumann term on an empty selection (a mistyped predicate) is an error, not zero."""
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(4, 4), "P", 1)
    with pytest.raises(FemError, match="selects no facets"):
        ps.fem.assemble(forms.neumann(5.0), V, where=lambda x: x[0] > 2.0)
