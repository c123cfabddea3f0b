"""Assembly: catalogue forms against closed forms, user forms, coefficients, re-assembly."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.errors import FemError
from pdesolve.fem import forms
from pdesolve.fem.forms import bilinear_form, ddot, div, dot, grad, linear_form, sym_grad


def p1_stiffness_reference(mesh):
    """Closed-form P1 stiffness on triangles: K_ij = area · ∇λ_i · ∇λ_j."""
    import scipy.sparse as sp

    x = mesh.points[mesh.cells]
    jac = np.stack([x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]], axis=-1)
    inv = np.linalg.inv(jac)
    g = np.einsum("id,cdg->cig", np.array([[-1.0, -1], [1, 0], [0, 1]]), inv)
    area = 0.5 * np.abs(np.linalg.det(jac))
    loc = np.einsum("cig,cjg,c->cij", g, g, area)
    rows = np.repeat(mesh.cells, 3, axis=1).ravel()
    cols = np.tile(mesh.cells, (1, 3)).ravel()
    return sp.coo_matrix((loc.ravel(), (rows, cols)), shape=(mesh.num_points,) * 2).tocsr()


@pytest.fixture
def distorted_square():
    mesh = ps.mesh.rectangle(9, 7)
    rng = np.random.default_rng(0)
    interior = ~np.isclose(mesh.points, 0).any(1) & ~np.isclose(mesh.points, 1).any(1)
    points = mesh.points.copy()
    points[interior] += rng.uniform(-0.02, 0.02, (interior.sum(), 2))
    return mesh.with_points(points)  # mesh.points is read-only


def test_p1_stiffness_matches_closed_form(distorted_square):
    V = ps.fem.FunctionSpace(distorted_square, "P", 1)
    A = ps.fem.assemble(forms.stiffness(), V)
    assert abs(A - p1_stiffness_reference(distorted_square)).max() < 1e-12


@pytest.mark.parametrize(
    "cell_type,degree",
    [("triangle", 2), ("quadrilateral", 2), ("tetrahedron", 3), ("hexahedron", 2)],
)
def test_mass_and_stiffness_exact_on_polynomials(cell_type, degree):
    mesh = (
        ps.mesh.rectangle(3, 4, cell_type=cell_type)
        if cell_type in ("triangle", "quadrilateral")
        else ps.mesh.box(2, 3, 2, cell_type=cell_type)
    )
    V = ps.fem.FunctionSpace(mesh, "P", degree)
    M = ps.fem.assemble(forms.mass(), V)
    K = ps.fem.assemble(forms.stiffness(), V)
    one = np.ones(V.num_dofs)
    u = ps.fem.Function(V, lambda x: x[0] + 2 * x[1]).x
    assert one @ M @ one == pytest.approx(1.0, abs=1e-12)  # area/volume
    assert np.abs(K @ one).max() < 1e-12  # constants are in the kernel
    assert u @ K @ u == pytest.approx(5.0, rel=1e-12)  # ∫|∇u|² = 1 + 4
    assert abs(K - K.T).max() < 1e-12 and abs(M - M.T).max() < 1e-12


def test_user_forms_equal_catalogue(distorted_square):
    V = ps.fem.FunctionSpace(distorted_square, "P", 2)
    kappa = lambda x: 1 + x[0] * x[1]  # noqa: E731
    b = np.array([1.0, -0.5])

    @bilinear_form(kappa=kappa, b=b, degree=2)
    def a(u, v, w):
        return w.kappa * dot(grad(u), grad(v)) + dot(w.b, grad(u)) * v + 3.0 * u * v

    ref = forms.stiffness(kappa) + forms.advection(b) + 3.0 * forms.mass()
    A1 = ps.fem.assemble(a, V)
    A2 = ps.fem.assemble(ref, V, quadrature_degree=6)
    A1b = ps.fem.assemble(a, V, quadrature_degree=6)
    assert abs(A1b - A2).max() < 1e-12
    assert abs(A1 - A2).max() < 1e-3  # default rule is a (good) approximation for kappa

    @linear_form(f=lambda x: np.sin(x[0]))
    def load(v, w):
        return w.f * v

    assert np.allclose(
        ps.fem.assemble(load, V, quadrature_degree=6),
        ps.fem.assemble(forms.source(lambda x: np.sin(x[0])), V, quadrature_degree=6),
    )


def test_user_elasticity_equals_catalogue():
    mesh = ps.mesh.box(2, 2, 2)
    V = ps.fem.FunctionSpace(mesh, "P", 1, shape=3)
    lam, mu = 2.0, 0.7

    @bilinear_form
    def elastic(u, v, w):
        eps_u = sym_grad(u)
        return lam * div(u) * div(v) + 2 * mu * ddot(eps_u, sym_grad(v))

    assert (
        abs(ps.fem.assemble(elastic, V) - ps.fem.assemble(forms.elasticity(lam, mu), V)).max()
        < 1e-12
    )


def test_coefficient_kinds_agree():
    mesh = ps.mesh.rectangle(6, 5)
    V = ps.fem.FunctionSpace(mesh, "P", 1)
    kc = np.linspace(1, 2, mesh.num_cells)
    Kfun = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", 1), lambda x: 1 + x[0])
    A_cell = ps.fem.assemble(forms.stiffness(kc), V)
    # per-cell scalar == loop of constants over cells
    A_loop = sum(kc[c] * _single_cell(V, c) for c in range(mesh.num_cells))
    assert abs(A_cell - A_loop).max() < 1e-12
    # Function coefficient == callable coefficient (P1 interpolant of a linear function is exact)
    assert (
        abs(
            ps.fem.assemble(forms.stiffness(Kfun), V)
            - ps.fem.assemble(forms.stiffness(lambda x: 1 + x[0]), V)
        ).max()
        < 1e-12
    )
    # tensor coefficient: K = diag(2, 3) gives 2·A_xx + 3·A_yy
    Axx = ps.fem.assemble(forms.stiffness(np.diag([1.0, 0.0])), V)
    Ayy = ps.fem.assemble(forms.stiffness(np.diag([0.0, 1.0])), V)
    assert (
        abs(ps.fem.assemble(forms.stiffness(np.diag([2.0, 3.0])), V) - (2 * Axx + 3 * Ayy)).max()
        < 1e-12
    )
    # per-cell tensors
    Kc = np.broadcast_to(np.diag([2.0, 3.0]), (mesh.num_cells, 2, 2))
    assert abs(ps.fem.assemble(forms.stiffness(Kc), V) - (2 * Axx + 3 * Ayy)).max() < 1e-12


def _single_cell(V, c):
    mask = np.zeros(V.mesh.num_cells)
    mask[c] = 1.0
    return ps.fem.assemble(forms.stiffness(mask), V)


def test_reassembly_reuses_pattern_and_out():
    mesh = ps.mesh.rectangle(20, 20)
    V = ps.fem.FunctionSpace(mesh, "P", 1)
    A = ps.fem.assemble(forms.stiffness(1.0), V)
    pattern = V.pattern
    B = ps.fem.assemble(forms.stiffness(np.full(mesh.num_cells, 2.0)), V, out=A.copy())
    assert V.pattern is pattern
    assert abs(B - 2 * A).max() < 1e-12
    same = ps.fem.assemble(forms.stiffness(3.0), V, out=A)
    assert same is A and np.allclose(A.data, 1.5 * B.data)


def test_chunked_assembly_matches_single_chunk(monkeypatch):
    from pdesolve.fem import assembly as asm

    mesh = ps.mesh.rectangle(30, 30)
    V = ps.fem.FunctionSpace(mesh, "P", 1)
    f = lambda x: np.exp(x[0]) * x[1]  # noqa: E731
    A1, b1 = ps.fem.assemble(forms.mass(f), V), ps.fem.assemble(forms.source(f), V)
    monkeypatch.setattr(asm, "CHUNK", 97)
    A2, b2 = ps.fem.assemble(forms.mass(f), V), ps.fem.assemble(forms.source(f), V)
    assert abs(A1 - A2).max() < 1e-14 and np.allclose(b1, b2, atol=1e-15)


def test_bad_inputs_raise_fem_error():
    mesh = ps.mesh.rectangle(4, 4)
    V = ps.fem.FunctionSpace(mesh, "P", 1)
    with pytest.raises(FemError, match="NaN"):
        ps.fem.assemble(forms.mass(lambda x: np.where(x[0] > 0.5, np.nan, 1.0)), V)
    with pytest.raises(FemError):
        ps.fem.FunctionSpace(mesh, "P", 4)
    with pytest.raises(FemError):
        ps.fem.FunctionSpace(mesh, "Q", 1)
    with pytest.raises(FemError):
        ps.fem.Function(V, np.zeros(3))
    with pytest.raises(FemError):
        ps.fem.assemble("stiffness", V)
    with pytest.raises(FemError, match="components"):
        ps.fem.assemble(forms.elasticity(), V)
    with pytest.raises(FemError):
        ps.fem.assemble(forms.stiffness(), V, out=np.zeros(3))
    flat3d = ps.mesh.Mesh(np.c_[mesh.points, np.zeros(mesh.num_points)], mesh.cells, "triangle")
    with pytest.raises(FemError, match="gdim"):
        ps.fem.FunctionSpace(flat3d, "P", 1)


def test_function_interpolation_and_point_evaluation():
    for mesh, p in [
        (ps.mesh.rectangle(5, 4), 2),
        (ps.mesh.rectangle(3, 3, cell_type="quadrilateral"), 2),
        (ps.mesh.box(2, 2, 2), 3),
        (ps.mesh.box(2, 2, 2, cell_type="hexahedron"), 2),
    ]:
        f = (lambda x: x[0] ** 2 + x[0] * x[1] - x[-1]) if p >= 2 else (lambda x: x[0])
        u = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", p), f)
        pts = np.random.default_rng(1).uniform(0.01, 0.99, (50, mesh.dim))
        assert np.allclose(u.eval(pts), f(pts.T), atol=1e-12)
    with pytest.raises(FemError, match="outside"):
        u.eval([[2.0, 0.5, 0.5]])
    Vv = ps.fem.FunctionSpace(ps.mesh.rectangle(4, 4), "P", 1, shape=2)
    uv = ps.fem.Function(Vv, lambda x: np.stack([x[0], -x[1]]))
    assert np.allclose(uv.eval([[0.3, 0.6]]), [[0.3, -0.6]])


def test_vector_dirichlet_component_and_predicate():
    mesh = ps.mesh.rectangle(4, 4)
    V = ps.fem.FunctionSpace(mesh, "P", 2, shape=2)
    bc = ps.fem.DirichletBC(V, lambda x: np.isclose(x[0], 0), [1.0, 2.0])
    assert len(bc.dofs) == 2 * 9 and set(bc.values) == {1.0, 2.0}
    bcy = ps.fem.DirichletBC(V, "bottom", 5.0, component=1)
    assert (bcy.dofs % 2 == 1).all() and len(bcy.dofs) == 9


def test_dirichlet_keeps_spd_and_solution(distorted_square):
    V = ps.fem.FunctionSpace(distorted_square, "P", 2)
    A = ps.fem.assemble(forms.stiffness(), V)
    b = ps.fem.assemble(forms.source(-2.0), V)
    g = lambda x: x[0] ** 2 + x[1]  # noqa: E731  exact: -Δu = -2
    A2, b2 = ps.fem.DirichletBC(V, None, g).apply(A, b)
    assert abs(A2 - A2.T).max() < 1e-14
    np.linalg.cholesky(A2.toarray())  # SPD
    u = spla.spsolve(A2.tocsc(), b2)
    assert np.abs(u - ps.fem.Function(V, g).x).max() < 1e-10  # P2 holds the quadratic exactly
    assert A.data is not A2.data  # copies by default


@pytest.mark.parametrize("dim,degree", [(2, 1), (3, 1), (2, 2), (3, 2)])
def test_cellwise_fast_path_matches_tensor_path(dim, degree):
    """c u v + κ ∇u·∇v with per-cell c, κ skips the coefficient tensor; a user form with the
    same per-cell coefficients goes through it; both must agree."""
    mesh = ps.mesh.box(3, 2, 2) if dim == 3 else ps.mesh.rectangle(7, 5)
    V = ps.fem.FunctionSpace(mesh, "P", degree)
    rng = np.random.default_rng(5)
    c, kappa = rng.uniform(0.5, 2, mesh.num_cells), rng.uniform(1, 3, mesh.num_cells)
    fast = forms.mass(c) + 2.0 * forms.stiffness(kappa) - forms.mass(0.25)
    assert fast.isotropic_cellwise(mesh.num_cells) is not None

    @bilinear_form(c=c, kappa=kappa)
    def slow(u, v, w):
        return (w.c - 0.25) * u * v + 2.0 * w.kappa * dot(grad(u), grad(v))

    assert abs(ps.fem.assemble(fast, V) - ps.fem.assemble(slow, V)).max() < 1e-12
    with pytest.raises(FemError, match="NaN"):
        ps.fem.assemble(forms.stiffness(np.full(mesh.num_cells, np.nan)), V)
