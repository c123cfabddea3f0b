"""Manufactured-solution convergence of Lagrange elements for -Δu = f, u = 0 on ∂Ω.

With u = Π_i sin(π x_i) on the unit interval/square/cube and f = d π² u, the errors of P_p / Q_p
must fall like h^(p+1) in L2 and h^p in the H1 seminorm (Ciarlet 1978, Thm 3.2.2). The observed
orders (successive log-ratios of error over mesh size on four meshes) are
asserted within 0.15 of theory.
"""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.fem import forms


def exact(x):
    return np.prod(np.sin(np.pi * x), axis=0)


def grad_exact(x):
    d = x.shape[0]
    out = []
    for i in range(d):
        others = [np.sin(np.pi * x[j]) for j in range(d) if j != i]
        out.append(np.pi * np.cos(np.pi * x[i]) * np.prod(others, axis=0))
    return np.stack(out)


def make_mesh(cell_type, n):
    if cell_type == "interval":
        return ps.mesh.interval(n)
    if cell_type in ("triangle", "quadrilateral"):
        return ps.mesh.rectangle(n, n, cell_type=cell_type)
    return ps.mesh.box(n, n, n, cell_type=cell_type)


def solve_poisson(mesh, degree):
    V = ps.fem.FunctionSpace(mesh, "P", degree)
    d = mesh.dim
    A = ps.fem.assemble(forms.stiffness(), V)
    b = ps.fem.assemble(forms.source(lambda x: d * np.pi**2 * exact(x)), V)
    A, b = ps.fem.DirichletBC(V, "boundary", 0.0).apply(A, b)
    if d < 3:
        return ps.fem.Function(V, spla.spsolve(A.tocsc(), b))
    # 3D: sparse LU fills in badly; Jacobi-CG to a tolerance far below the discretisation error
    dinv = 1.0 / A.diagonal()
    M = spla.LinearOperator(A.shape, matvec=lambda r: dinv * r)
    x, info = spla.cg(A, b, rtol=1e-13, maxiter=10_000, M=M)
    assert info == 0
    return ps.fem.Function(V, x)


def observed_orders(cell_type, degree, sizes):
    errs = []
    for n in sizes:
        uh = solve_poisson(make_mesh(cell_type, n), degree)
        errs.append(
            (
                ps.fem.errornorm(uh, exact, "L2"),
                ps.fem.errornorm(uh, exact, "H10", grad_exact=grad_exact),
            )
        )
    e, h = np.array(errs), 1.0 / np.asarray(sizes, dtype=float)
    return np.log(e[:-1] / e[1:]) / np.log(h[:-1] / h[1:])[:, None]


CASES = [
    ("interval", 1, [8, 16, 32, 64]),
    ("interval", 2, [4, 8, 16, 32]),
    ("interval", 3, [4, 8, 16, 32]),
    ("triangle", 1, [8, 16, 32, 64]),
    ("triangle", 2, [4, 8, 16, 32]),
    ("triangle", 3, [4, 8, 16, 32]),
    ("quadrilateral", 1, [8, 16, 32, 64]),
    ("quadrilateral", 2, [4, 8, 16, 32]),
    ("tetrahedron", 1, [3, 6, 12, 24]),
    ("tetrahedron", 2, [2, 4, 6, 10]),
    ("tetrahedron", 3, [2, 3, 4, 6]),
    ("hexahedron", 1, [3, 6, 12, 24]),
    ("hexahedron", 2, [2, 4, 6, 10]),
]


@pytest.mark.parametrize("cell_type,degree,sizes", CASES, ids=[f"{c}-P{p}" for c, p, _ in CASES])
def test_poisson_convergence_orders(cell_type, degree, sizes):
    orders = observed_orders(cell_type, degree, sizes)
    l2, h1 = orders[:, 0], orders[:, 1]
    # the asymptotic (last) rate within 0.15 of theory, and no earlier rate far below it
    assert abs(l2[-1] - (degree + 1)) < 0.15, orders
    assert abs(h1[-1] - degree) < 0.15, orders
    assert (l2 > degree + 1 - 0.3).all() and (h1 > degree - 0.3).all(), orders
