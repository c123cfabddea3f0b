"""Mixed spaces and Taylor–Hood Stokes: block assembly checked against the single-field
assembler, manufactured solutions with their observed orders, and the named errors."""

import numpy as np
import pytest

import pdesolve as ps
from pdesolve.fem.forms import ddot, div, grad
from pdesolve.fem.mixed import InfSupError, NullSpaceError
from pdesolve.models.stokes import Stokes, VelocityBC

PI = np.pi


def _jittered(mesh, h, amount, seed):
    """Interior nodes moved at random by up to ``amount * h``: an unstructured mesh."""
    pts = mesh.points.copy()
    inner = np.all((pts > 1e-9) & (pts < 1 - 1e-9), axis=1)
    rng = np.random.default_rng(seed)
    pts[inner] += rng.uniform(-amount * h, amount * h, (inner.sum(), pts.shape[1]))
    return mesh.with_points(pts)


# 2D: u = (-cos πx sin πy, sin πx cos πy) (divergence-free), p = sin πx sin πy - 4/π²
def _u2(x):
    return np.array([-np.cos(PI * x[0]) * np.sin(PI * x[1]), np.sin(PI * x[0]) * np.cos(PI * x[1])])


def _gu2(x):
    s, c = np.sin, np.cos
    return PI * np.array(
        [
            [s(PI * x[0]) * s(PI * x[1]), -c(PI * x[0]) * c(PI * x[1])],
            [c(PI * x[0]) * c(PI * x[1]), -s(PI * x[0]) * s(PI * x[1])],
        ]
    )


def _p2(x):
    return np.sin(PI * x[0]) * np.sin(PI * x[1]) - 4 / PI**2


def _f2(x):
    gp = PI * np.array(
        [np.cos(PI * x[0]) * np.sin(PI * x[1]), np.sin(PI * x[0]) * np.cos(PI * x[1])]
    )
    return 2 * PI**2 * _u2(x) + gp


# 3D: u = (sin πy, sin πz, sin πx), p = cos πx cos πy cos πz (mean zero on the cube)
def _u3(x):
    return np.array([np.sin(PI * x[1]), np.sin(PI * x[2]), np.sin(PI * x[0])])


def _gu3(x):
    z = 0 * x[0]
    c = np.cos
    return np.array(
        [[z, PI * c(PI * x[1]), z], [z, z, PI * c(PI * x[2])], [PI * c(PI * x[0]), z, z]]
    )


def _p3(x):
    return np.cos(PI * x[0]) * np.cos(PI * x[1]) * np.cos(PI * x[2])


def _f3(x):
    s, c = np.sin, np.cos
    a, b, d = PI * x[0], PI * x[1], PI * x[2]
    gp = -PI * np.array([s(a) * c(b) * c(d), c(a) * s(b) * c(d), c(a) * c(b) * s(d)])
    return PI**2 * _u3(x) + gp


def _errors(mesh, u, gu, p, f, solver="direct"):
    W = ps.fem.taylor_hood(mesh)
    w = Stokes(W, 1.0, f=f, bcs=[VelocityBC(None, u)], pressure="mean").solve(solver)
    return np.array(
        [
            ps.fem.errornorm(w[0], u),
            ps.fem.errornorm(w[0], u, "H10", gu),
            ps.fem.errornorm(w[1], p),
        ]
    )


def test_taylor_hood_stokes_orders_on_unstructured_triangles():
    e = [
        _errors(_jittered(ps.mesh.rectangle(n, n), 1 / n, 0.2, n), _u2, _gu2, _p2, _f2)
        for n in (8, 16, 32)
    ]
    rates = np.log2(e[-2] / e[-1])
    np.testing.assert_allclose(rates, [3, 2, 2], atol=0.2)


def test_taylor_hood_stokes_orders_on_unstructured_tetrahedra():
    e = [
        _errors(_jittered(ps.mesh.box(n, n, n), 1 / n, 0.15, n), _u3, _gu3, _p3, _f3)
        for n in (2, 4)
    ]
    rates = np.log2(e[0] / e[1])
    np.testing.assert_allclose(rates, [3, 2, 2], atol=0.2)


def test_minres_block_preconditioner_agrees_with_the_direct_solve():
    mesh = _jittered(ps.mesh.rectangle(12, 12), 1 / 12, 0.2, 3)
    W = ps.fem.taylor_hood(mesh)
    pr = Stokes(W, 0.5, f=_f2, bcs=[VelocityBC(None, _u2)], pressure="nullspace")
    x_it = pr.solve("minres", rtol=1e-12).x
    pr.pressure = "mean"
    x_d = pr.solve("direct").x
    assert np.abs(x_it - x_d).max() < 1e-7 * np.abs(x_d).max()


def test_velocity_block_is_the_vector_laplacian_and_the_form_is_symmetric():
    mesh = ps.mesh.rectangle(3, 4)
    V = ps.fem.FunctionSpace(mesh, "P", 2, shape=2)
    W = ps.fem.MixedSpace(V, ps.fem.FunctionSpace(mesh, "P", 1), names=("u", "p"))
    lap = ps.fem.mixed_bilinear_form(lambda u, v, w: ddot(grad(u[0]), grad(v[0])))
    A = ps.fem.assemble_mixed(lap, W)
    K = ps.fem.assemble(ps.fem.forms.stiffness(), V)
    assert abs(W.block(A, "u", "u") - K).max() < 1e-12
    assert W.block(A, "p", "p").nnz == 0 or abs(W.block(A, "p", "p")).max() == 0

    @ps.fem.mixed_bilinear_form
    def stokes(u, v, w):
        return ddot(grad(u[0]), grad(v[0])) - u[1] * div(v[0]) - v[1] * div(u[0])

    S = ps.fem.assemble_mixed(stokes, W)
    assert abs(S - S.T).max() < 1e-12
    # B = -(q, div u): constants in the pressure annihilate div of a velocity vanishing
    # on the boundary (Gauss), so B^T 1 vanishes on interior velocity dofs
    B = W.block(S, "p", "u")
    inner = np.setdiff1d(np.arange(V.num_dofs), V.boundary_dofs())
    assert np.abs(B.T @ np.ones(B.shape[0]))[inner].max() < 1e-12
    # index sets partition the unknowns; re-assembly reuses the pattern in place
    sets = W.index_sets()
    assert np.array_equal(np.concatenate([sets["u"], sets["p"]]), np.arange(W.num_dofs))
    S2 = ps.fem.assemble_mixed(stokes, W, out=S)
    assert S2 is S and S2.indptr is W.pattern.indptr


def test_unstable_pairs_and_a_floating_pressure_are_refused():
    mesh = ps.mesh.rectangle(2, 2)
    with pytest.raises(InfSupError, match="inf-sup"):
        ps.fem.stokes_space(mesh, velocity_degree=1, pressure_degree=1)
    with pytest.raises(InfSupError, match="taylor_hood"):
        ps.fem.stokes_space(mesh, velocity_degree=2, pressure_degree=2)
    W = ps.fem.taylor_hood(mesh)
    with pytest.raises(NullSpaceError, match="pressure='mean'"):
        Stokes(W, bcs=[VelocityBC(None, 0.0)])
    # with an outflow boundary the pressure is determined: no choice needed
    Stokes(W, bcs=[VelocityBC(lambda x: x[0] < 1 - 1e-12, 0.0)])
