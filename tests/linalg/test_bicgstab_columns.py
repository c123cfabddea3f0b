"""The fused multi-column BiCGSTAB against a direct solve, one to three columns; the product
kernel against scipy; a refused shape and an honest ``converged=False``."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from pdesolve.linalg.krylov.bicgstab_columns import bicgstab_columns, csr_columns_product


def convection_diffusion(n: int = 40) -> sp.csr_matrix:
    """Upwinded 2D convection–diffusion: nonsymmetric, diagonally dominant."""
    T = sp.diags([-1.3, 2.6, -1.3], [-1, 0, 1], shape=(n, n))
    U = sp.diags([-0.6, 0.6], [-1, 0], shape=(n, n))
    eye = sp.eye(n)
    return (sp.kron(eye, T) + sp.kron(T, eye) + sp.kron(eye, U)).tocsr()


@pytest.mark.parametrize("m", [1, 2, 3])
def test_columns_match_the_direct_solve(m):
    A = convection_diffusion()
    rng = np.random.default_rng(m)
    B = rng.standard_normal((A.shape[0], m))
    X, its, ok = bicgstab_columns(A, B, np.zeros_like(B), 1.0 / A.diagonal(), 1e-10)
    assert ok and 0 < its < 500
    lu = spla.splu(A.tocsc())
    for k in range(m):
        x = lu.solve(B[:, k])
        assert np.linalg.norm(X[:, k] - x) <= 1e-8 * np.linalg.norm(x)
        assert np.linalg.norm(B[:, k] - A @ X[:, k]) <= 1e-9 * np.linalg.norm(B[:, k])


@pytest.mark.parametrize("m", [2, 3])
def test_product_equals_scipy(m):
    A = convection_diffusion(20)
    X = np.random.default_rng(0).standard_normal((A.shape[0], m))
    np.testing.assert_allclose(csr_columns_product(A.indptr, A.indices, A.data, X), A @ X,
                               rtol=1e-13, atol=1e-13)  # fmt: skip


def test_unconverged_is_reported_and_bad_shapes_refused():
    A = convection_diffusion()
    B = np.ones((A.shape[0], 2))
    _, its, ok = bicgstab_columns(A, B, np.zeros_like(B), 1.0 / A.diagonal(), 1e-14, maxiter=2)
    assert not ok and its == 2
    X, its, ok = bicgstab_columns(A, np.zeros_like(B), np.zeros_like(B), 1.0 / A.diagonal(), 1e-8)
    assert ok and its == 0 and not X.any()
    with pytest.raises(ValueError, match="shapes"):
        bicgstab_columns(A, B, np.zeros((3, 2)), 1.0 / A.diagonal(), 1e-8)
