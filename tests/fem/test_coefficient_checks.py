"""Input checks of coefficients, forms and assembly: shapes, meshes, subdomains, out=, results.

Every case here used to be accepted silently (wrong numbers, out-of-bounds reads in the numba
kernels, or a crash); each must now give the right answer or a clear error.
"""

import numpy as np
import pytest

import pdesolve as ps
from pdesolve.errors import FemError, MeshError, PdesolveError
from pdesolve.fem import forms
from pdesolve.fem.forms import bilinear_form, dot, grad, linear_form


def _space(n=8, degree=1, cell_type="triangle", shape=None):
    return ps.fem.FunctionSpace(ps.mesh.rectangle(n, n, cell_type=cell_type), "P", degree, shape)


def _close(A, B, tol=1e-12):
    return abs(A - B).max() <= tol * max(abs(B).max(), 1.0)


# --------------------------------------------------------------------------- 1: value shapes
def test_callable_results_without_batch_axes_are_refused():
    V = _space(16)
    with pytest.raises(FemError, match=r"shape \(2, 2\).*\(cells, points\)"):
        ps.fem.assemble(forms.stiffness(lambda x: np.diag([1.0, 2.0])), V)
    # the same constant tensor with its (broadcast) batch axes is fine
    K = np.diag([1.0, 2.0])
    A = ps.fem.assemble(forms.stiffness(lambda x: K[:, :, None, None]), V)
    assert _close(A, ps.fem.assemble(forms.stiffness(K), V))
    # a plain number is a constant
    assert ps.fem.assemble(forms.source(lambda x: 2.0), V).sum() == pytest.approx(2.0)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.ascontiguousarray(x[0].T),  # (points, cells)
        lambda x: x[0].ravel(),  # flattened
        lambda x: np.ones(3),  # no batch axes
    ],
    ids=["transposed", "flat", "no-batch"],
)
def test_misshapen_callable_values_are_refused(f):
    V = _space(16, degree=2)
    with pytest.raises(FemError, match=r"\(cells, points\)"):
        ps.fem.assemble(forms.source(f), V)
    with pytest.raises(FemError, match=r"\(cells, points\)"):
        ps.fem.assemble(forms.mass(f), V)
    with pytest.raises(FemError, match=r"\(cells, points\)"):
        ps.fem.assemble(forms.neumann(f), V)


def test_user_form_results_must_broadcast_to_cells_and_points():
    V = _space(8)

    @linear_form
    def load(v, w):
        return np.swapaxes(w.x[0], 0, 1) * v  # (points, cells, ...)

    @bilinear_form
    def mass(u, v, w):
        return np.swapaxes(w.x[0], 0, 1) * u * v

    @bilinear_form(k=lambda x: x[0].T)
    def weighted(u, v, w):
        return w.k * u * v

    for form in (load, mass):
        with pytest.raises(FemError, match="broadcasts to"):
            ps.fem.assemble(form, V)
    with pytest.raises(FemError, match=r"coefficient 'k'.*\(cells, points\)"):
        ps.fem.assemble(weighted, V)


# --------------------------------------------------------------------------- 2: other meshes
def test_function_on_another_mesh_is_refused():
    coarse, fine = ps.mesh.rectangle(4, 4), ps.mesh.rectangle(8, 8)
    Vc, Vf = ps.fem.FunctionSpace(coarse, "P", 1), ps.fem.FunctionSpace(fine, "P", 1)
    kf = ps.fem.Function(Vf, lambda x: x[1])
    for form in (forms.source(kf), forms.mass(kf), forms.stiffness(kf)):
        with pytest.raises(FemError, match="another mesh"):
            ps.fem.assemble(form, Vc)
    with pytest.raises(FemError, match="another mesh"):
        ps.fem.errornorm(ps.fem.Function(Vc), kf)
    # another space on the same mesh is fine: ∫ y dx = 1/2
    k2 = ps.fem.Function(ps.fem.FunctionSpace(coarse, "P", 2), lambda x: x[1])
    assert ps.fem.assemble(forms.source(k2), Vc).sum() == pytest.approx(0.5, rel=1e-12)


# --------------------------------------------------------------------------- 3: where= on dx
@pytest.mark.parametrize(
    "cell_type,degree", [("triangle", 1), ("triangle", 2), ("quadrilateral", 1)]
)
def test_where_restricts_cell_integrals(cell_type, degree):
    mesh = ps.mesh.rectangle(8, 8, cell_type=cell_type).tag_cells("left", lambda x: x[0] < 0.5)
    V = ps.fem.FunctionSpace(mesh, "P", degree)
    one = np.ones(V.num_dofs)
    assert ps.fem.assemble(forms.source(1.0), V, where="left").sum() == pytest.approx(0.5)
    M = ps.fem.assemble(forms.mass(), V, where=lambda x: x[0] < 0.5)
    assert one @ M @ one == pytest.approx(0.5)
    # = the whole-mesh assembly with the coefficients zeroed outside, on every kernel path
    mask = np.zeros(mesh.num_cells)
    mask[mesh.cell_indices("left")] = 1.0
    kc = np.random.default_rng(0).uniform(1, 2, mesh.num_cells)
    K = np.diag([1.0, 3.0])
    b = np.array([1.0, -2.0])
    pairs = [
        (forms.stiffness(kc), forms.stiffness(kc * mask)),  # closed form / cellwise
        (forms.stiffness(K), forms.stiffness(mask[:, None, None] * K)),  # tensor
        (forms.advection(b), forms.advection(mask[:, None] * b)),  # affine tensor path
        (
            forms.mass(lambda x: 1 + x[0]),  # varying in space: generic kernel
            forms.mass(lambda x: (1 + x[0]) * (x[0] < 0.5)),
        ),
    ]
    for sub, masked in pairs:
        assert _close(ps.fem.assemble(sub, V, where="left"), ps.fem.assemble(masked, V))
    f = lambda x: np.sin(3 * x[1])  # noqa: E731
    bl = ps.fem.assemble(forms.source(f), V, where="left")
    assert np.allclose(bl, ps.fem.assemble(forms.source(lambda x: f(x) * (x[0] < 0.5)), V))
    Vv = ps.fem.FunctionSpace(mesh, "P", degree, shape=2)
    assert _close(
        ps.fem.assemble(forms.elasticity(1.0, 2.0), Vv, where="left"),
        ps.fem.assemble(forms.elasticity(mask, 2.0 * mask), Vv),
    )
    assert ps.fem.assemble(forms.mass(), V, where=lambda x: x[0] > 5).nnz == M.nnz
    assert not ps.fem.assemble(forms.mass(), V, where=lambda x: x[0] > 5).data.any()
    with pytest.raises(MeshError, match="no cell tag"):
        ps.fem.assemble(forms.source(1.0), V, where="no-such-tag")


# --------------------------------------------------------------------------- 4: mesh dimension
def test_coefficient_value_shapes_follow_the_mesh_dimension():
    V = _space(4)
    nc = V.mesh.num_cells
    K3 = np.diag([1.0, 1.0, 50.0])
    bad = [
        forms.stiffness(K3),
        forms.stiffness(np.broadcast_to(K3, (nc, 3, 3))),
        forms.stiffness(lambda x: K3[:, :, None, None] + 0 * x[0]),
        forms.stiffness(np.ones(2)),
        forms.advection((1.0, 0.0, 9.0)),
        forms.advection((1.0,)),
        forms.advection(1.0),
        forms.mass((1.0, 2.0)),
        forms.source((1.0, 2.0)),
        forms.stiffness(np.ones(nc + 1)),
        forms.robin(np.ones(2)),
        forms.neumann((1.0, 2.0)),
    ]
    for form in bad:
        with pytest.raises(FemError, match="shape"):
            ps.fem.assemble(form, V)
    Vv = _space(4, shape=2)
    for form in (forms.source((1.0, 2.0, 3.0)), forms.elasticity(np.ones(2), 1.0)):
        with pytest.raises(FemError, match="shape"):
            ps.fem.assemble(form, Vv)
    assert ps.fem.assemble(forms.source((1.0, 2.0)), Vv).sum() == pytest.approx(3.0)


# --------------------------------------------------------------------------- 5: out=
def test_out_must_be_a_float64_array():
    V = _space(4)
    for dtype in (np.int64, np.float32):
        with pytest.raises(FemError, match="float64"):
            ps.fem.assemble(forms.source(1.0), V, out=np.zeros(V.num_dofs, dtype=dtype))
    with pytest.raises(FemError, match="float64"):
        ps.fem.assemble(forms.source(1.0), V, out=[0.0] * V.num_dofs)
    A = ps.fem.assemble(forms.mass(), V)
    with pytest.raises(FemError, match="float64"):
        ps.fem.assemble(forms.mass(), V, out=A.astype(np.float32))
    b = np.ones(V.num_dofs)
    assert ps.fem.assemble(forms.source(1.0), V, out=b) is b and b.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- 6: errornorm
def test_errornorm_checks_the_shapes_of_exact_and_grad_exact():
    mesh = ps.mesh.rectangle(4, 4)
    Vv = ps.fem.FunctionSpace(mesh, "P", 1, shape=2)
    uv = ps.fem.Function(Vv, lambda x: np.stack([x[0], x[1]]))
    with pytest.raises(FemError, match=r"exact has shape"):
        ps.fem.errornorm(uv, lambda x: x[0])
    assert ps.fem.errornorm(uv, lambda x: np.stack([x[0], x[1]])) < 1e-12
    u = ps.fem.Function(ps.fem.FunctionSpace(mesh, "P", 1), lambda x: 1 + 0 * x[0])
    with pytest.raises(FemError, match=r"grad_exact has shape"):
        ps.fem.errornorm(u, lambda x: 1 + 0 * x[0], "H10", grad_exact=lambda x: x[0])
    with pytest.raises(FemError, match=r"exact has shape"):
        ps.fem.errornorm(u, lambda x: np.ascontiguousarray(x[0].T))
    zero_grad = lambda x: np.zeros((2,) + x.shape[1:])  # noqa: E731
    assert ps.fem.errornorm(u, lambda x: 1 + 0 * x[0], "H1", grad_exact=zero_grad) < 1e-12


# --------------------------------------------------------------------------- 7: few cells
def _per_cell_sum(V, form_of, values):
    """Σ_c assemble(form_of(values[c]), where=[c]): per-cell values as constants cell by cell."""
    return sum(ps.fem.assemble(form_of(values[c]), V, where=[c]) for c in range(V.mesh.num_cells))


def test_per_cell_coefficients_on_meshes_with_few_cells():
    unit = ps.mesh.rectangle(1, 1)  # 2 triangles, dim 2
    V = ps.fem.FunctionSpace(unit, "P", 1)
    k = np.array([1.0, 3.0])
    assert _close(ps.fem.assemble(forms.stiffness(k), V), _per_cell_sum(V, forms.stiffness, k))
    assert np.allclose(
        ps.fem.assemble(forms.source(k), V), _per_cell_sum(V, forms.source, k), atol=1e-15
    )
    Kc = np.array([np.diag([1.0, 2.0]), np.diag([3.0, 4.0])])  # per-cell tensors (2, 2, 2)
    assert _close(ps.fem.assemble(forms.stiffness(Kc), V), _per_cell_sum(V, forms.stiffness, Kc))
    bc = np.array([[1.0, 0.0], [0.0, 2.0]])  # (2, 2) for b: per-cell vectors
    assert _close(ps.fem.assemble(forms.advection(bc), V), _per_cell_sum(V, forms.advection, bc))
    # (2, 2) for K and (2,) for b are constants of the form's value shape
    K = np.diag([1.0, 2.0])
    assert _close(
        ps.fem.assemble(forms.stiffness(K), V),
        ps.fem.assemble(forms.stiffness(lambda x: K[:, :, None, None]), V),
    )
    b = np.array([1.0, 2.0])
    assert _close(
        ps.fem.assemble(forms.advection(b), V),
        ps.fem.assemble(forms.advection(lambda x: b[:, None, None]), V),
    )
    # 1D meshes with 3 cells and 1 cell; a user form reads (num_cells,) per cell too
    V3 = ps.fem.FunctionSpace(ps.mesh.interval(3), "P", 1)
    c = np.array([1.0, 2.0, 3.0])
    M = ps.fem.assemble(forms.mass(c), V3)
    assert np.ones(4) @ M @ np.ones(4) == pytest.approx(2.0)  # (1 + 2 + 3) / 3
    user = bilinear_form(lambda u, v, w: w.c * u * v + w.c * dot(grad(u), grad(v)), c=c)
    assert _close(ps.fem.assemble(user, V3), M + ps.fem.assemble(forms.stiffness(c), V3))
    V1 = ps.fem.FunctionSpace(ps.mesh.interval(1), "P", 2)
    assert _close(
        ps.fem.assemble(forms.stiffness(np.array([2.5])), V1),
        2.5 * ps.fem.assemble(forms.stiffness(), V1),
    )


# --------------------------------------------------------------------------- 8: non-finite
def test_non_finite_results_raise():
    # finite coefficients whose matrix / vector overflow
    Vq = _space(8, cell_type="quadrilateral")
    with pytest.raises(FemError, match="NaN or Inf entries"):
        ps.fem.assemble(forms.stiffness(lambda x: 1e308 + 0 * x[0]), Vq)
    line = ps.mesh.interval(2)
    big = ps.mesh.Mesh(line.points * 1e10, line.cells, "interval")
    with pytest.raises(FemError, match="NaN or Inf entries"):
        ps.fem.assemble(forms.source(1.5e308), ps.fem.FunctionSpace(big, "P", 1))
    # a zero-area quadrilateral: refused when the mesh or space is built, or on assembly
    pts = np.array([[0.0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1]])
    with pytest.raises(PdesolveError):
        flat = ps.mesh.Mesh(pts, [[0, 1, 2, 3], [0, 1, 5, 4]], "quadrilateral")
        ps.fem.assemble(forms.stiffness(), ps.fem.FunctionSpace(flat, "P", 1))
