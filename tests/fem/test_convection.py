"""The numba convection operator against the generic form assembly, on P2 triangles and
tetrahedra: C(a) u equals N(a, u) and ∫ (a·∇u)·v assembled from the decorated forms."""

from __future__ import annotations

import numpy as np
import pytest

import pdesolve as ps
from pdesolve.errors import FemError
from pdesolve.fem.convection import ConvectionOperator
from pdesolve.fem.forms import bilinear_form, dot, grad


@pytest.mark.parametrize("mesh", [ps.mesh.rectangle(5, 4), ps.mesh.box(2, 2, 2)],
                         ids=["tri", "tet"])  # fmt: skip
def test_matches_the_form_assembly(mesh):
    dim = mesh.dim
    V = ps.fem.FunctionSpace(mesh, "P", 2, shape=dim)
    S = ps.fem.FunctionSpace(mesh, "P", 2)
    op = ConvectionOperator(V)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((V.num_nodes, dim))
    aw = ps.fem.Function(V, a.ravel())

    @bilinear_form(degree=5, a=aw)
    def conv(u, v, w):
        return dot(w.a, grad(u)) * v

    ref = ps.fem.assemble(conv, S).toarray()
    C = op.matrix(a)
    np.testing.assert_allclose(C.toarray(), ref, atol=1e-12 * np.abs(ref).max())
    u = rng.standard_normal((V.num_nodes, 3))
    np.testing.assert_allclose(op.vector(a, u), C @ u, rtol=1e-12, atol=1e-12)
    C2 = op.matrix(2 * a, out=C)  # in place, on the cached pattern
    assert C2 is C
    np.testing.assert_allclose(C.toarray(), 2 * ref, atol=1e-11 * np.abs(ref).max())


def test_bad_shapes_are_named_errors():
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(2, 2), "P", 2, shape=2)
    op = ConvectionOperator(V)
    with pytest.raises(FemError, match="shape"):
        op.matrix(np.ones((3, 2)))
    with pytest.raises(FemError, match="components"):
        op.matrix(np.ones((V.num_nodes, 3)))
