"""Five-point Darcy / Helmholtz / symmetric Darcy matrices and the heat Crank–Nicolson sequence:
stencil identities, symmetry and definiteness, second-order convergence to exact solutions."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from pdesolve.errors import PdesolveError
from pdesolve.models.darcy_fd import (
    HeatCNSequence,
    darcy_skr,
    darcy_symmetric,
    helmholtz_skr,
    laplacian_5pt,
)
from pdesolve.models.stencils import five_point_pattern


def kron_laplacian(s):
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(s, s))
    return (sp.kron(sp.identity(s), T) + sp.kron(T, sp.identity(s))).tocsr()


@pytest.fixture
def field():
    return np.exp(0.5 * np.random.default_rng(3).standard_normal((9, 9)))


def test_darcy_skr_is_laplacian_of_a_times_u(field):
    """Row p: 4 a_p u_p − Σ a_q u_q, i.e. A u = L (a u) for the 5-point L (times h²)."""
    A, b = darcy_skr(field)
    u = np.random.default_rng(0).standard_normal(81)
    assert np.allclose(A @ u, kron_laplacian(9) @ (field.ravel() * u))
    assert np.allclose(b, (1 / 10) ** 2)
    assert abs(A - A.T).max() > 0.1  # nonsymmetric, as SKR builds it
    assert (laplacian_5pt(9) != kron_laplacian(9)).nnz == 0


def test_helmholtz_shift(field):
    A, _ = darcy_skr(field)
    H, _ = helmholtz_skr(field, 0.7)
    assert np.allclose((A - H).toarray(), (0.7 / 10) ** 2 * np.eye(81))


def test_darcy_skr_second_order():
    """−Δ(a u) = f with a = 1 + x y and v = a u = sin πx sin πy: error O(h²)."""
    errs = []
    for s in (15, 31):
        h = 1.0 / (s + 1)
        x = np.arange(1, s + 1) * h
        Y, X = np.meshgrid(x, x, indexing="ij")
        a = 1.0 + X * Y
        v = np.sin(np.pi * X) * np.sin(np.pi * Y)
        A, b = darcy_skr(a, 2 * np.pi**2 * v)
        u = spla.spsolve(A.tocsc(), b)
        errs.append(np.abs(u - (v / a).ravel()).max())
    assert 3.6 < errs[0] / errs[1] < 4.4


def test_skr_code_layout_shifts_the_upper_coupling():
    """The faithful layout equals the corrected one except the −s diagonal (shifted by two)."""
    rng = np.random.default_rng(1)
    full = np.exp(rng.standard_normal((8, 8)))
    A_code, b_code = darcy_skr(full, layout="skr-code")
    A_ok, _ = darcy_skr(full[1:-1, 1:-1])
    s = 6
    D = (A_code - A_ok).tocoo()
    assert D.nnz and np.all(D.row - D.col == s)  # only the sub-diagonal at offset −s differs
    assert np.allclose(b_code, (1 / (s - 1)) ** 2)
    assert A_code[s, 0] == pytest.approx(-full[0, s - 1])  # a[:-2, 1:-1].ravel()[s - 2]
    with pytest.raises(PdesolveError):
        darcy_skr(full, layout="other")


def test_symmetric_darcy_harmonic_faces(field):
    A, _ = darcy_symmetric(field)
    assert abs(A - A.T).max() == 0
    assert np.linalg.eigvalsh(A.toarray()).min() > 0
    a0, a1 = field[0, 0], field[0, 1]
    assert A[0, 1] == pytest.approx(-2 * a0 * a1 / (a0 + a1))
    # constant coefficient: c times the Laplacian
    C, _ = darcy_symmetric(np.full((9, 9), 2.5))
    assert abs(C - 2.5 * kron_laplacian(9)).max() < 1e-13


def test_symmetric_darcy_second_order():
    """−∇·(a∇u) = f, u = sin πx sin πy, a = 2 + cos 2πx cos 2πy (∂a/∂n = 0 on the boundary,
    where the boundary faces take the node's a): error O(h²)."""
    errs = []
    for s in (31, 63):
        h = 1.0 / (s + 1)
        x = np.arange(1, s + 1) * h
        Y, X = np.meshgrid(x, x, indexing="ij")
        a = 2.0 + np.cos(2 * np.pi * X) * np.cos(2 * np.pi * Y)
        ax = -2 * np.pi * np.sin(2 * np.pi * X) * np.cos(2 * np.pi * Y)
        ay = -2 * np.pi * np.cos(2 * np.pi * X) * np.sin(2 * np.pi * Y)
        u = np.sin(np.pi * X) * np.sin(np.pi * Y)
        ux = np.pi * np.cos(np.pi * X) * np.sin(np.pi * Y)
        uy = np.pi * np.sin(np.pi * X) * np.cos(np.pi * Y)
        f = 2 * np.pi**2 * a * u - ax * ux - ay * uy
        A, b = darcy_symmetric(a, f)
        errs.append(np.abs(spla.spsolve(A.tocsc(), b) - u.ravel()).max())
    assert 3.5 < errs[0] / errs[1] < 4.5


def test_five_point_pattern_fills_nonsymmetric_couplings():
    """Each coupling array lands on its (row, column) pair; a matrix owns its index arrays, so
    editing one in place (eliminate_zeros) leaves the cached pattern intact."""
    m = 4
    rng = np.random.default_rng(2)
    d, e, w = (
        rng.standard_normal((m, m)),
        rng.standard_normal((m, m - 1)),
        rng.standard_normal((m, m - 1)),
    )
    so, no = rng.standard_normal((m - 1, m)), rng.standard_normal((m - 1, m))
    ref = np.zeros((m * m, m * m))
    for i in range(m):
        for j in range(m):
            p = i * m + j
            ref[p, p] = d[i, j]
            if j < m - 1:
                ref[p, p + 1], ref[p + 1, p] = e[i, j], w[i, j]
            if i < m - 1:
                ref[p, p + m], ref[p + m, p] = so[i, j], no[i, j]
    A = five_point_pattern(m).matrix(d, e, so, west=w, north=no)
    assert A.has_sorted_indices and A.nnz == m * m + 4 * m * (m - 1)
    np.testing.assert_array_equal(A.toarray(), ref)
    A.data[:] = 0.0
    A.eliminate_zeros()
    B = five_point_pattern(m).matrix(d, e, so)  # symmetric: west = east, north = south
    np.testing.assert_array_equal(B.toarray(), np.triu(ref) + np.triu(ref, 1).T)
    assert laplacian_5pt(1).toarray().tolist() == [[4.0]]
    with pytest.raises(PdesolveError):
        laplacian_5pt(0)


def test_bad_fields():
    with pytest.raises(PdesolveError):
        darcy_skr(np.ones((3, 4)))
    with pytest.raises(PdesolveError):
        darcy_symmetric(-np.ones((4, 4)))


def test_heat_cn_second_order_in_time():
    """u_t = Δu, u⁰ a discrete eigenvector: u^N = r^N u⁰, compare with exp(−λ t): O(Δt²)."""
    errs = []
    for dt in (0.02, 0.01):
        H = HeatCNSequence(8, dt=dt, kappa=lambda t: 1.0 + 0 * t, source=lambda t, x, y: 0 * x)
        x = np.arange(1, 8) / 8
        Y, X = np.meshgrid(x, x, indexing="ij")
        u0 = (np.sin(np.pi * X) * np.sin(np.pi * Y)).ravel()
        lam = 2 * (2 - 2 * np.cos(np.pi / 8)) * 64
        u = u0
        steps = round(0.1 / dt)
        for n in range(steps):
            A, b = H.system(n, u)
            u = spla.spsolve(A.tocsc(), b)
        errs.append(np.abs(u - np.exp(-lam * 0.1) * u0).max())
    assert 3.5 < errs[0] / errs[1] < 4.5


def test_heat_cn_sequence_khodak_setup():
    H = HeatCNSequence(10)
    assert H.n == 81 and H.initial().max() == pytest.approx(1.0)
    A = H.matrix(249)  # t = 0.2495: κ = 0.1 sin(2π t) ≈ 0.1
    assert H.context(249) == pytest.approx(0.1 * np.sin(2 * np.pi * 0.2495))
    assert np.allclose(A.diagonal(), 1 + 0.5e-3 * H.context(249) * 4 * 100)
    assert H.context(749) == pytest.approx(10.0, rel=1e-4)  # the −10 sin branch
    with pytest.raises(PdesolveError):
        HeatCNSequence(2)
