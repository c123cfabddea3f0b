"""Figures of meshes and functions (Agg backend; nothing is shown)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import pdesolve as ps
from pdesolve.errors import PdesolveError
from pdesolve.plot import _reference_lattice, _sampled, plot, plot_mesh


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("cell_type", ["triangle", "quadrilateral"])
def test_plot_mesh_2d(cell_type):
    mesh = ps.mesh.rectangle(3, 2, cell_type=cell_type)
    ax = plot_mesh(mesh, tags=True)
    assert isinstance(ax, plt.Axes)
    assert len(ax.collections[0].get_segments()) == len(mesh.edges)
    assert {t.get_text() for t in ax.get_legend().get_texts()} == set(mesh.facet_tags)


def test_plot_mesh_1d_and_3d():
    ax = plot_mesh(ps.mesh.interval(4))
    assert len(ax.lines[0].get_xdata()) == 5
    with pytest.raises(PdesolveError, match="ParaView"):
        plot_mesh(ps.mesh.box(1, 1, 1))


@pytest.mark.parametrize("cell_type, n", [("triangle", 4), ("quadrilateral", 3)])
def test_reference_lattice_tiles_the_cell(cell_type, n):
    X, tris = _reference_lattice(cell_type, n)
    e1, e2 = X[tris[:, 1]] - X[tris[:, 0]], X[tris[:, 2]] - X[tris[:, 0]]
    area = (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]) / 2
    assert (area > 0).all()  # counter-clockwise, none degenerate
    assert area.sum() == pytest.approx(0.5 if cell_type == "triangle" else 1.0)


def test_p1_uses_vertex_values():
    mesh = ps.mesh.rectangle(4, 4)
    u = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", 1), lambda x: x[0] + 2 * x[1])
    ax = plot(u)
    assert ax.collections[0].get_array().size == mesh.num_points
    assert len(ax.figure.axes) == 2  # with its colour bar


@pytest.mark.parametrize(
    "cell_type, degree", [("triangle", 2), ("triangle", 3), ("quadrilateral", 2)]
)
def test_higher_degree_is_sampled_inside_cells(cell_type, degree):
    mesh = ps.mesh.rectangle(3, 3, cell_type=cell_type)

    def f(x):
        return x[0] ** degree - x[0] * x[1] + 0.5 * x[1] ** 2

    u = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", degree), f)
    x, vals, tris = _sampled(u, None)
    sub = (2 * degree) ** 2 * (1 if cell_type == "triangle" else 2)
    assert tris.shape == (mesh.num_cells * sub, 3)
    np.testing.assert_allclose(vals, f(x.T), atol=1e-12)  # exact: f lies in the space
    ax = plot(u, levels=8, colorbar=False)
    assert len(ax.figure.axes) == 1


def test_vector_function_magnitude_and_quiver():
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(6, 6), "P", 2, shape=2)
    u = ps.fem.Function(V, lambda x: np.stack([-x[1], x[0]]))
    ax = plot(u, quiver=True)
    kinds = {type(c).__name__ for c in ax.collections}
    assert "Quiver" in kinds
    _, vals, _ = _sampled(u, None)
    assert vals.shape[1] == 2


def test_plot_1d_line():
    mesh = ps.mesh.interval(5)
    u = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", 3), lambda x: x[0] ** 3)
    ax = plot(u)
    xs, ys = ax.lines[0].get_data()
    assert np.all(np.diff(xs) >= 0)
    np.testing.assert_allclose(ys, xs**3, atol=1e-12)


def test_plot_rejects_non_functions_and_3d():
    with pytest.raises(PdesolveError):
        plot(np.zeros(3))
    V = ps.fem.FunctionSpace(ps.mesh.box(1, 1, 1), "P", 1)
    with pytest.raises(PdesolveError):
        plot(ps.fem.Function(V))


def test_figure_written(tmp_path):
    mesh = ps.mesh.lshape(3)
    u = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", 2), lambda x: x[0] * x[1])
    fig, ax = plt.subplots()
    assert plot(u, ax) is ax
    plot_mesh(mesh, ax, color="w")
    fig.savefig(tmp_path / "u.png")
    assert (tmp_path / "u.png").read_bytes()[:4] == b"\x89PNG"
