"""Writing functions as point data through meshio."""

import meshio
import numpy as np
import pytest

import pdesolve as ps
from pdesolve.errors import PdesolveError
from pdesolve.io import vertex_values, write_functions


def test_vertex_values_of_higher_degree():
    mesh = ps.mesh.rectangle(3, 3)
    for degree in (1, 2, 3):
        u = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", degree), lambda x: np.sin(x[0]) + x[1])
        np.testing.assert_allclose(vertex_values(u), np.sin(mesh.points[:, 0]) + mesh.points[:, 1])


def test_write_vtu_roundtrip(tmp_path):
    mesh = ps.mesh.rectangle(4, 3)
    V = ps.fem.FunctionSpace(mesh, "P", 2)
    W = ps.fem.FunctionSpace(mesh, "P", 1, shape=2)
    u = ps.fem.Function(V, lambda x: x[0] * x[1])
    w = ps.fem.Function(W, lambda x: np.stack([x[0], -x[1]]))
    path = tmp_path / "out.vtu"
    write_functions(
        path,
        V,
        {"u": u, "w": w, "raw": np.arange(mesh.num_points)},
        cell_data={"id": np.arange(mesh.num_cells)},
    )
    m = meshio.read(path)
    np.testing.assert_allclose(m.point_data["u"], mesh.points[:, 0] * mesh.points[:, 1])
    assert m.point_data["w"].shape == (mesh.num_points, 3)  # padded for ParaView
    np.testing.assert_allclose(m.point_data["w"][:, :2], mesh.points * [1, -1])
    np.testing.assert_array_equal(m.cell_data["id"][0], np.arange(mesh.num_cells))


def test_write_rejects_function_on_other_mesh(tmp_path):
    u = ps.fem.Function(ps.fem.FunctionSpace(ps.mesh.rectangle(2, 2), "P", 1))
    with pytest.raises(PdesolveError, match="another mesh"):
        write_functions(tmp_path / "x.vtu", ps.mesh.rectangle(2, 2), {"u": u})
