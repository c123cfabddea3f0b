"""Manufactured solutions with variable scalar and tensor coefficients: -∇·(K∇u) = f.

u = sin(πx) sin(πy) on the unit square, u = 0 on the boundary. With κ(x) = 1 + x + 2y:
f = 2π² κ u − (∂_x κ ∂_x u + ∂_y κ ∂_y u). With the variable SPD tensor
K(x) = [[2 + x, 0.5 y], [0.5 y, 1 + y]]: f = −Σ_ij ∂_i (K_ij ∂_j u), written out below.
Orders asserted: L2 p+1, H1 p, within 0.15.
"""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.fem import forms

pi = np.pi


def u(x):
    return np.sin(pi * x[0]) * np.sin(pi * x[1])


def du(x):
    return np.stack(
        [pi * np.cos(pi * x[0]) * np.sin(pi * x[1]), pi * np.sin(pi * x[0]) * np.cos(pi * x[1])]
    )


def f_scalar(x):
    kappa = 1 + x[0] + 2 * x[1]
    g = du(x)
    return 2 * pi**2 * kappa * u(x) - (g[0] + 2 * g[1])


def K_tensor(x):
    z = np.zeros_like(x[0])
    return np.array([[2 + x[0] + z, 0.5 * x[1]], [0.5 * x[1], 1 + x[1] + z]])


def f_tensor(x):
    s0, c0 = np.sin(pi * x[0]), np.cos(pi * x[0])
    s1, c1 = np.sin(pi * x[1]), np.cos(pi * x[1])
    uxx, uyy = -(pi**2) * s0 * s1, -(pi**2) * s0 * s1
    uxy = pi**2 * c0 * c1
    ux, uy = pi * c0 * s1, pi * s0 * c1
    # ∂x(K11 ux + K12 uy) + ∂y(K21 ux + K22 uy), K11 = 2+x, K12 = K21 = y/2, K22 = 1+y
    div = (ux + (2 + x[0]) * uxx + 0.5 * x[1] * uxy) + (
        0.5 * ux + 0.5 * x[1] * uxy + uy + (1 + x[1]) * uyy
    )
    return -div


@pytest.mark.parametrize("kind", ["scalar", "tensor", "tensor-percell"])
@pytest.mark.parametrize("degree,sizes", [(1, [8, 16, 32, 64]), (2, [4, 8, 16, 32])])
def test_variable_coefficient_orders(kind, degree, sizes):
    errs = []
    for n in sizes:
        mesh = ps.mesh.rectangle(n, n, diagonal="left")
        V = ps.fem.FunctionSpace(mesh, "P", degree)
        if kind == "scalar":
            a, f = forms.stiffness(lambda x: 1 + x[0] + 2 * x[1]), f_scalar
        elif kind == "tensor":
            a, f = forms.stiffness(K_tensor), f_tensor
        else:  # piecewise-constant tensor at centroids: still O(h) accurate coefficient
            a, f = forms.stiffness(np.moveaxis(K_tensor(mesh.centroids.T), -1, 0)), f_tensor
        A = ps.fem.assemble(a, V)
        b = ps.fem.assemble(forms.source(f), V)
        A, b = ps.fem.DirichletBC(V, None, 0.0).apply(A, b)
        uh = ps.fem.Function(V, spla.spsolve(A.tocsc(), b))
        errs.append((ps.fem.errornorm(uh, u), ps.fem.errornorm(uh, u, "H10", grad_exact=du)))
    e = np.array(errs)
    rates = np.log2(e[:-1] / e[1:])
    if kind == "tensor-percell":  # an O(h) coefficient error caps the orders at 2 (L2), 1 (H1)
        assert abs(rates[-1, 1] - 1) < 0.15 and abs(rates[-1, 0] - 2) < 0.15, rates
        return
    assert abs(rates[-1, 0] - (degree + 1)) < 0.15, rates
    assert abs(rates[-1, 1] - degree) < 0.15, rates
