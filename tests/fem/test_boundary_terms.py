"""Neumann, Robin and elasticity: exact reproduction (patch tests) and convergence."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.fem import forms


def _square(cell_type):
    return ps.mesh.rectangle(5, 4, cell_type=cell_type)


@pytest.mark.parametrize("cell_type", ["triangle", "quadrilateral"])
def test_neumann_and_robin_reproduce_quadratic(cell_type):
    """u = x² + y, -Δu = -2; on x=1: ∂u/∂n = 2 (Neumann) or ∂u/∂n + αu = 2 + α(1+y) (Robin)."""
    mesh = _square(cell_type)
    V = ps.fem.FunctionSpace(mesh, "P", 2)
    exact = ps.fem.Function(V, lambda x: x[0] ** 2 + x[1]).x
    bcs = [
        ps.fem.DirichletBC(V, side, lambda x: x[0] ** 2 + x[1])
        for side in ("left", "bottom", "top")
    ]
    # Neumann
    A = ps.fem.assemble(forms.stiffness(), V)
    b = ps.fem.assemble(forms.source(-2.0), V) + ps.fem.assemble(
        forms.neumann(2.0), V, where="right"
    )
    A1, b1 = ps.fem.apply_dirichlet(A, b, bcs)
    assert np.abs(spla.spsolve(A1.tocsc(), b1) - exact).max() < 1e-10
    # Robin
    alpha = 3.0
    A = ps.fem.assemble(forms.stiffness(), V) + ps.fem.assemble(
        forms.robin(alpha), V, where="right"
    )
    b = ps.fem.assemble(forms.source(-2.0), V) + ps.fem.assemble(
        forms.neumann(lambda x: 2.0 + alpha * (1 + x[1])), V, where="right"
    )
    A, b = ps.fem.apply_dirichlet(A.tocsr(), b, bcs)
    assert np.abs(spla.spsolve(A.tocsc(), b) - exact).max() < 1e-10


def test_robin_everywhere_on_hexes():
    """Pure Robin problem (no Dirichlet) on hexes, Q2, u = x² + y z."""
    mesh = ps.mesh.box(2, 2, 3, cell_type="hexahedron")
    V = ps.fem.FunctionSpace(mesh, "P", 2)
    uex = lambda x: x[0] ** 2 + x[1] * x[2]  # noqa: E731
    alpha = 2.0
    normals = {
        "left": (-1, 0, 0),
        "right": (1, 0, 0),
        "front": (0, -1, 0),
        "back": (0, 1, 0),
        "bottom": (0, 0, -1),
        "top": (0, 0, 1),
    }
    A = ps.fem.assemble(forms.stiffness(), V) + ps.fem.assemble(forms.robin(alpha), V)
    b = ps.fem.assemble(forms.source(-2.0), V)
    for tag, n in normals.items():

        def g(x, n=n):
            grad = np.stack([2 * x[0], x[2], x[1]])
            return sum(n[i] * grad[i] for i in range(3)) + alpha * uex(x)

        b += ps.fem.assemble(forms.neumann(g), V, where=tag)
    u = spla.spsolve(A.tocsc(), b)
    assert np.abs(u - ps.fem.Function(V, uex).x).max() < 1e-10


def test_robin_boundary_mass_is_perimeter():
    mesh = ps.mesh.disk(6)
    V = ps.fem.FunctionSpace(mesh, "P", 1)
    B = ps.fem.assemble(forms.robin(1.0), V)
    one = np.ones(V.num_dofs)
    edges = mesh.facets[mesh.boundary_facets]
    perimeter = np.linalg.norm(mesh.points[edges[:, 0]] - mesh.points[edges[:, 1]], axis=1).sum()
    assert one @ B @ one == pytest.approx(perimeter, rel=1e-12)


@pytest.mark.parametrize("dim", [2, 3])
def test_elasticity_patch_test(dim):
    """A linear displacement has constant stress and zero body force: P1 must be exact on a
    distorted mesh with it as Dirichlet data (displacement patch test), and with tractions
    σ·n on one side (traction patch test)."""
    mesh = ps.mesh.rectangle(5, 5) if dim == 2 else ps.mesh.box(3, 3, 3)
    rng = np.random.default_rng(3)
    inner = ((mesh.points > 1e-9) & (mesh.points < 1 - 1e-9)).all(axis=1)
    points = mesh.points.copy()
    points[inner] += rng.uniform(-0.05, 0.05, (inner.sum(), dim))
    mesh = mesh.with_points(points)  # mesh.points is read-only
    G = rng.normal(size=(dim, dim))
    lam, mu = 1.3, 0.8
    strain = 0.5 * (G + G.T)
    sigma = 2 * mu * strain + lam * np.trace(strain) * np.eye(dim)
    uex = lambda x: np.einsum("ij,j...->i...", G, x) + 0.1  # noqa: E731
    V = ps.fem.FunctionSpace(mesh, "P", 1, shape=dim)
    A = ps.fem.assemble(forms.elasticity(lam, mu), V)
    exact = ps.fem.Function(V, uex).x
    # displacement patch test
    A1, b1 = ps.fem.DirichletBC(V, None, uex).apply(A, np.zeros(V.num_dofs))
    assert np.abs(spla.spsolve(A1.tocsc(), b1) - exact).max() < 1e-10
    # traction patch test: σ n on the right side (n = e_x), clamp the rest
    b = ps.fem.assemble(forms.neumann(sigma[:, 0]), V, where="right")
    clamped = [ps.fem.DirichletBC(V, tag, uex) for tag in mesh.facet_tags if tag != "right"]
    A2, b2 = ps.fem.apply_dirichlet(A, b, clamped)
    assert np.abs(spla.spsolve(A2.tocsc(), b2) - exact).max() < 1e-10
