"""Krylov methods: CG, MINRES, GMRES(m) (left/right), FGMRES, BiCGStab.

Checked against a direct solve on FEM Poisson (SPD), convection–diffusion (nonsymmetric) and
Helmholtz (symmetric indefinite) matrices, with and without preconditioners; iteration counts
against theory; the scipy-compatible wrappers against scipy itself on scipy's own test cases;
input errors, breakdowns, callbacks and non-convergence.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.errors import ConvergenceError
from pdesolve.fem import forms
from pdesolve.linalg import krylov as K
from pdesolve.linalg.validate import NotSPDError, SolverInputError

CORE = {
    "cg": K.cg_solve,
    "minres": K.minres_solve,
    "gmres": K.gmres_solve,
    "fgmres": K.fgmres_solve,
    "bicgstab": K.bicgstab_solve,
}


def fem_system(n: int, form=None):
    """A P1 system on the unit square with n x n cells, homogeneous Dirichlet, f = 1."""
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
    A = ps.fem.assemble(form if form is not None else forms.stiffness(), V)
    return ps.fem.DirichletBC(V, None, 0.0).apply(A, ps.fem.assemble(forms.source(1.0), V))


def jacobi_operator(A, absolute: bool = False) -> spla.LinearOperator:
    d = A.diagonal()
    inv = 1.0 / (np.abs(d) if absolute else d)
    return spla.LinearOperator(A.shape, matvec=lambda r: inv * r, dtype=float)


def jacobi_callable(A):
    inv = 1.0 / A.diagonal()
    return lambda r: inv * r


def ilu_operator(A) -> spla.LinearOperator:
    ilu = spla.spilu(A.tocsc(), drop_tol=1e-3, fill_factor=3)
    return spla.LinearOperator(A.shape, matvec=ilu.solve, dtype=float)


@pytest.fixture(scope="module")
def problems():
    """name -> (A, b, x_direct). Poisson: SPD; convdiff: nonsymmetric (Péclet ~ 1 per cell);
    helmholtz: symmetric indefinite (k = 10, a few negative eigenvalues)."""
    out = {}
    for name, form in [
        ("poisson", forms.stiffness()),
        ("convdiff", forms.stiffness(0.02) + forms.advection([1.0, 0.5])),
        ("helmholtz", forms.stiffness() - 10.0**2 * forms.mass()),
    ]:
        A, b = fem_system(24, form)
        out[name] = (A.tocsr(), b, spla.spsolve(A.tocsc(), b))
    return out


def _pc(kind, A):
    if kind is None:
        return None
    return {
        "jacobi-op": lambda: jacobi_operator(A),
        "jacobi-fn": lambda: jacobi_callable(A),
        "abs-jacobi": lambda: jacobi_operator(A, absolute=True),
        "ilu": lambda: ilu_operator(A),
    }[kind]()


CASES = (
    [("poisson", m, pc) for m in CORE for pc in (None, "jacobi-op", "jacobi-fn")]
    + [("poisson", m, "ilu") for m in ("gmres", "fgmres", "bicgstab")]
    + [("convdiff", m, pc) for m in ("gmres", "fgmres", "bicgstab")
       for pc in (None, "jacobi-fn", "ilu")]
    + [("helmholtz", "minres", None), ("helmholtz", "minres", "abs-jacobi"),
       ("helmholtz", "gmres", "ilu"), ("helmholtz", "fgmres", "ilu"),
       ("helmholtz", "bicgstab", "ilu")]
)  # fmt: skip


@pytest.mark.parametrize(("problem", "method", "pc"), CASES)
def test_matches_direct_solve(problems, problem, method, pc):
    A, b, xd = problems[problem]
    res = CORE[method](A, b, rtol=1e-10, M=_pc(pc, A), maxiter=3000)
    assert res.converged, res
    assert np.linalg.norm(res.x - xd) <= 1e-6 * np.linalg.norm(xd)
    info = res.info
    assert info["residual_kind"] in ("true", "recursive", "preconditioned")
    assert info["true_residual"] <= 50 * 1e-10 * np.linalg.norm(b)
    assert len(res.residuals) == res.iterations + 1
    assert res.residuals[-1] <= info["target"]
    assert res.method.startswith(method)
    assert res.wall_time > 0


def test_helmholtz_gmres_without_preconditioner(problems):
    """Indefinite and unpreconditioned: GMRES(20) stagnates, a larger restart converges."""
    A, b, xd = problems["helmholtz"]
    res = K.gmres_solve(A, b, rtol=1e-10, restart=120)
    assert res.converged and res.iterations <= 120
    assert np.linalg.norm(res.x - xd) <= 1e-6 * np.linalg.norm(xd)


def test_preconditioning_reduces_iterations(problems):
    A, b, _ = problems["convdiff"]
    plain = K.gmres_solve(A, b, rtol=1e-8, restart=50)
    ilu = K.gmres_solve(A, b, rtol=1e-8, restart=50, M=ilu_operator(A))
    assert ilu.iterations * 2.5 < plain.iterations


# --- iteration counts against theory ---------------------------------------------------------


def test_cg_iterations_grow_like_inverse_h():
    """kappa(A) ~ h^-2 for the P1 Laplacian, so CG needs O(sqrt(kappa)) = O(h^-1) iterations."""
    its = [K.cg_solve(*fem_system(n), rtol=1e-8).iterations for n in (16, 32, 64)]
    ratios = np.array(its[1:]) / np.array(its[:-1])
    assert np.all((ratios >= 1.6) & (ratios <= 2.4)), (its, ratios)


def test_full_gmres_converges_in_at_most_n_iterations():
    rng = np.random.default_rng(3)
    n = 40
    A = rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n) * rng.choice([-1, 1], n)
    b = rng.standard_normal(n)
    for side in ("right", "left"):
        res = K.gmres_solve(A, b, rtol=1e-12, restart=n, M=np.diag(1 / np.diag(A)), side=side)
        assert res.converged and res.iterations <= n
        assert res.info["cycles"] == 1
        np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)
    A, b = fem_system(6, forms.stiffness(0.05) + forms.advection([1.0, 0.5]))
    res = K.gmres_solve(A, b, rtol=1e-13, restart=A.shape[0])
    assert res.converged and res.iterations <= A.shape[0]


def test_gmres_lucky_breakdown_is_convergence():
    """Three distinct eigenvalues: the Krylov space is invariant after three steps."""
    A = sp.diags(np.tile([1.0, 2.0, 5.0], 30)).tocsr()
    res = K.gmres_solve(A, np.ones(90), rtol=1e-14, restart=20)
    assert res.converged and res.iterations == 3
    assert "lucky" in res.info["reason"]
    np.testing.assert_allclose(A @ res.x, np.ones(90), rtol=1e-12)


def test_gmres_left_and_right_agree(problems):
    A, b, xd = problems["convdiff"]
    M = ilu_operator(A)
    right = K.gmres_solve(A, b, rtol=1e-10, M=M, side="right")
    left = K.gmres_solve(A, b, rtol=1e-10, M=M, side="left")
    assert right.converged and left.converged
    assert right.info["residual_kind"] == "true"
    assert left.info["residual_kind"] == "preconditioned"
    assert right.info["side"] == "right" and left.info["side"] == "left"
    np.testing.assert_allclose(left.x, right.x, rtol=1e-7, atol=1e-9 * np.abs(xd).max())
    # right: the tested residual is the true one; left: rtol * ||M⁻¹ b|| on M⁻¹ r
    assert right.info["true_residual"] <= 1.01 * right.info["target"]
    ref = np.linalg.norm(M.matvec(b))
    assert left.info["target"] == pytest.approx(1e-10 * ref)
    assert np.linalg.norm(M.matvec(b - A @ left.x)) <= 1.01 * left.info["target"]


def test_gmres_orthogonalisations_agree(problems):
    A, b, _ = problems["convdiff"]
    cgs2 = K.gmres_solve(A, b, rtol=1e-9, restart=30, orthog="cgs2")
    mgs = K.gmres_solve(A, b, rtol=1e-9, restart=30, orthog="mgs")
    assert cgs2.converged and mgs.converged
    assert abs(cgs2.iterations - mgs.iterations) <= 2
    np.testing.assert_allclose(cgs2.x, mgs.x, rtol=1e-6, atol=1e-9)


def test_fgmres_variable_preconditioner(problems):
    """An inner GMRES with a few iterations is a nonlinear, changing preconditioner."""
    A, b, xd = problems["convdiff"]
    calls = []

    def inner(r):
        calls.append(1)
        return K.gmres_solve(A, r, rtol=1e-1, maxiter=3 + len(calls) % 4, restart=10).x

    res = K.fgmres_solve(A, b, rtol=1e-10, M=inner, restart=30)
    assert res.converged
    assert np.linalg.norm(res.x - xd) <= 1e-7 * np.linalg.norm(xd)
    assert res.info["residual_kind"] == "true"
    # with a constant M, FGMRES and right-preconditioned GMRES give the same iterates
    M = ilu_operator(A)
    f = K.fgmres_solve(A, b, rtol=1e-10, M=M)
    g = K.gmres_solve(A, b, rtol=1e-10, M=M, side="right")
    # (two code paths: same iterates in exact arithmetic, so the counts agree up to rounding)
    assert abs(f.iterations - g.iterations) <= 1
    k = min(len(f.residuals), len(g.residuals)) - 1
    np.testing.assert_allclose(f.residuals[:k], g.residuals[:k], rtol=1e-6)


def test_minres_shift_and_indefinite(problems):
    A, b, _ = problems["poisson"]
    res = K.minres_solve(A, b, shift=0.5, rtol=1e-10)
    xs = spla.spsolve((A - 0.5 * sp.identity(A.shape[0])).tocsc(), b)
    assert res.converged
    np.testing.assert_allclose(res.x, xs, rtol=1e-7, atol=1e-10)
    assert res.info["true_residual"] <= 1e-8 * np.linalg.norm(b)


@pytest.mark.parametrize("method", list(CORE))
def test_x0_is_respected(problems, method):
    name = "convdiff" if method in ("gmres", "fgmres", "bicgstab") else "poisson"
    A, b, xd = problems[name]
    x0 = xd.copy()
    res = CORE[method](A, b, x0, rtol=1e-8)
    assert res.converged and res.iterations == 0
    np.testing.assert_array_equal(x0, xd)  # x0 is not modified
    # a good x0 saves iterations against a zero start
    cold = CORE[method](A, b, rtol=1e-8)
    warm = CORE[method](A, b, 0.99 * xd, rtol=1e-8)
    assert warm.converged and warm.iterations < cold.iterations


@pytest.mark.parametrize("method", list(CORE))
def test_zero_rhs_gives_zero(method):
    A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(20, 20), format="csr")
    res = CORE[method](A, np.zeros(20), x0=np.ones(20))
    assert res.converged and res.iterations == 0 and not res.x.any()


@pytest.mark.parametrize("method", list(CORE))
def test_complex_hermitian(method):
    rng = np.random.default_rng(5)
    B = rng.standard_normal((30, 30)) + 1j * rng.standard_normal((30, 30))
    A = B @ B.conj().T + 30 * np.eye(30)
    b = rng.standard_normal(30) + 1j * rng.standard_normal(30)
    res = CORE[method](A, b, rtol=1e-10)
    assert res.converged and res.x.dtype == np.complex128
    np.testing.assert_allclose(A @ res.x, b, atol=1e-8 * np.linalg.norm(b))


# --- errors, breakdowns, non-convergence -----------------------------------------------------


def test_cg_on_indefinite_raises_not_spd(problems):
    A, b, _ = problems["helmholtz"]
    with pytest.raises(NotSPDError, match=r"negative curvature p·Ap = .* at iteration \d+"):
        K.cg_solve(A, b)
    with pytest.raises(NotSPDError):
        K.cg(A, b)
    res = K.cg_solve(A, b, check_curvature=False)
    assert not res.converged and "negative curvature" in res.info["reason"]
    assert issubclass(NotSPDError, SolverInputError) and issubclass(NotSPDError, ValueError)


def test_cg_with_indefinite_preconditioner_raises(problems):
    A, b, _ = problems["poisson"]
    with pytest.raises(NotSPDError, match="preconditioner"):
        K.cg_solve(A, b, M=lambda r: -r)
    with pytest.raises(NotSPDError, match="preconditioner"):
        K.minres_solve(A, b, M=lambda r: -r)


@pytest.mark.parametrize("method", list(CORE))
def test_bad_input_raises(method):
    f = CORE[method]
    A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(10, 10), format="csr")
    b = np.ones(10)
    bad_b = b.copy()
    bad_b[3] = np.nan
    bad_A = A.copy()
    bad_A.data[0] = np.inf
    for args, kw in [
        ((A, bad_b), {}),
        ((bad_A, b), {}),
        ((A, np.ones(9)), {}),
        ((sp.random(10, 12, density=0.3, format="csr", random_state=0), b), {}),
        ((A, b, np.ones(7)), {}),
        ((A, b, np.full(10, np.inf)), {}),
        ((A, b), {"atol": -1.0}),
        ((A, b), {"rtol": None}),
        ((A, b), {"maxiter": -3}),
        (("not a matrix", b), {}),
    ]:
        with pytest.raises(SolverInputError):
            f(*args, **kw)


def test_gmres_bad_options():
    A = sp.identity(5, format="csr")
    with pytest.raises(SolverInputError):
        K.gmres_solve(A, np.ones(5), side="middle")
    with pytest.raises(SolverInputError):
        K.gmres_solve(A, np.ones(5), orthog="householder")
    with pytest.raises(SolverInputError):
        K.gmres_solve(A, np.ones(5), restart=0)
    with pytest.raises(ValueError, match="callback_type"):
        K.gmres(A, np.ones(5), callback=print, callback_type="wrong")


@pytest.mark.parametrize("method", list(CORE))
def test_non_convergence_is_reported(problems, method):
    A, b, _ = problems["poisson"]
    res = CORE[method](A, b, rtol=1e-12, maxiter=5)
    assert not res.converged and res.iterations == 5
    assert res.info["reason"] == "iteration limit reached"
    assert res.info["true_residual"] > res.info["target"]
    with pytest.raises(ConvergenceError) as exc:
        res.check()
    assert exc.value.iterations == 5


def test_bicgstab_breakdown_reported():
    """scipy's 'sym-nonpd' case: BiCGStab breaks down (t ⟂ s), as scipy's does (-11)."""
    A, b = _SCIPY_CASES["sym-nonpd"]
    res = K.bicgstab_solve(A, b)
    assert not res.converged and "breakdown" in res.info["reason"]
    assert res.info["info_code"] == -11
    assert K.bicgstab(A, b)[1] == spla.bicgstab(A, b)[1] == -11
    # rho breakdown: r̂·r = 0 after one step on a rotation
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    res = K.bicgstab_solve(R, np.array([1.0, 0.0]))
    assert not res.converged and res.info["info_code"] in (-10, -11)


# --- callbacks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["cg", "minres", "bicgstab"])
def test_callback_once_per_iteration_with_x(problems, method):
    A, b, _ = problems["poisson"]
    seen = []
    res = CORE[method](A, b, rtol=1e-8, callback=lambda xk: seen.append(xk.copy()))
    assert len(seen) == res.iterations > 0
    np.testing.assert_array_equal(seen[-1], res.x)
    # the scipy-style wrapper calls it the same number of times
    seen2 = []
    getattr(K, method)(A, b, rtol=1e-8, callback=lambda xk: seen2.append(1))
    assert len(seen2) == res.iterations


def test_cg_applies_the_preconditioner_once_per_iteration(problems):
    """No apply is wasted on a converged residual: with an AMG V-cycle that is one cycle of
    the six or so a solve needs."""
    A, b, x_ref = problems["poisson"]
    calls = [0]
    d = A.diagonal()

    def jacobi(r):
        calls[0] += 1
        return r / d

    res = CORE["cg"](A, b, rtol=1e-10, M=jacobi)
    assert res.converged and calls[0] == res.iterations
    np.testing.assert_allclose(res.x, x_ref, rtol=1e-7, atol=1e-9)


def test_gmres_callbacks(problems):
    A, b, _ = problems["convdiff"]
    norms, xs = [], []
    res = K.gmres_solve(A, b, rtol=1e-8, restart=10, callback=norms.append)
    assert len(norms) == res.iterations
    np.testing.assert_allclose(norms, np.array(res.residuals[1:]) / np.linalg.norm(b))
    res = K.gmres_solve(A, b, rtol=1e-8, restart=10, callback=xs.append, callback_type="x")
    assert len(xs) == res.info["cycles"] > 1


# --- scipy-compatible wrappers on scipy's own test cases --------------------------------------


def _scipy_cases():
    """A subset of scipy.sparse.linalg's ``test_iterative.py`` cases (same construction)."""
    N = 40
    data = np.ones((3, N))
    data[0, :], data[1, :], data[2, :] = 2, -1, -1
    poisson1d = sp.dia_array((data, [0, -1, 1]), shape=(N, N)).tocsr()
    rng = np.random.RandomState(1234)
    rand = rng.rand(4, 4)
    np.random.seed(1234)  # noqa: NPY002 - scipy's own construction of this case
    spd = np.random.rand(9, 9)  # noqa: NPY002
    spd = spd @ spd.T
    data = np.ones((2, 10))
    data[0, :], data[1, :] = 2, -1
    nonsym = sp.dia_array((data, [0, -1]), shape=(10, 10)).tocsr()
    diag = np.array([[6, -5, 2, 7, -1, 10, 4, -3, -8, 9]], dtype="d")
    rand_diag = sp.dia_array((diag, [0]), shape=(10, 10)).tocsr()
    S = np.zeros((11, 11))
    S[:5, 5] = [1, 2, 2, 2, 1]
    S[:5, 6:] = -np.eye(5)
    S = S + S.T
    S[6:, 6:] = -np.eye(5)
    b_s = np.zeros(11)
    b_s[5] = 1.0
    arange = lambda A: np.arange(A.shape[0], dtype=float)  # noqa: E731
    return {
        "poisson1d": (poisson1d, arange(poisson1d)),
        "poisson2d": (sp.kronsum(poisson1d, poisson1d).tocsr(), np.arange(N * N, dtype=float)),
        "rand-sym-pd": (spd, arange(spd)),
        "rand": (rand, arange(rand)),
        "rand-diag": (rand_diag, arange(rand_diag)),
        "nonsymposdef": (nonsym, arange(nonsym)),
        "sym-nonpd": (S, b_s),
    }


_SCIPY_CASES = _scipy_cases()
_WRAPPER_CASES = (
    [(c, m) for c in ("poisson1d", "poisson2d", "rand-sym-pd")
     for m in ("cg", "minres", "gmres", "bicgstab")]
    + [(c, m) for c in ("rand", "nonsymposdef") for m in ("gmres", "bicgstab")]
    + [("rand-diag", "minres"), ("rand-diag", "gmres"), ("sym-nonpd", "minres"),
       ("sym-nonpd", "gmres")]
)  # fmt: skip


@pytest.mark.parametrize(("case", "method"), _WRAPPER_CASES)
def test_wrappers_match_scipy(case, method):
    A, b = _SCIPY_CASES[case]
    ours, theirs = getattr(K, method), getattr(spla, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        xs, info_s = theirs(A, b, rtol=1e-10)
    x, info = ours(A, b, rtol=1e-10)
    assert isinstance(info, int) and info == info_s == 0
    assert isinstance(x, np.ndarray) and x.shape == xs.shape == b.shape and x.dtype == xs.dtype
    xd = spla.spsolve(A.tocsc(), b) if sp.issparse(A) else np.linalg.solve(A, b)
    np.testing.assert_allclose(x, xd, rtol=1e-6, atol=1e-8 * np.abs(xd).max())
    assert np.linalg.norm(b - A @ x) <= 1e-9 * np.linalg.norm(b) * 10
    # scipy's own answer agrees where scipy meets its tolerance on the true residual
    if np.linalg.norm(b - A @ xs) <= 1e-8 * np.linalg.norm(b):
        np.testing.assert_allclose(x, xs, rtol=1e-6, atol=1e-7 * np.abs(xd).max())
    # accepts b of shape (n, 1), keyword x0 and M like scipy
    x2, info2 = ours(A, b[:, None], x0=np.zeros(len(b)), M=sp.identity(len(b)), rtol=1e-10)
    assert info2 == 0 and x2.shape == b.shape


@pytest.mark.parametrize("method", ["cg", "minres", "gmres", "bicgstab"])
def test_wrappers_maxiter_too_small(method):
    A, b = _SCIPY_CASES["poisson2d"]
    ours, theirs = getattr(K, method), getattr(spla, method)
    kw = {"maxiter": 2, "rtol": 1e-10}
    if method == "gmres":
        kw["restart"] = 5
    x, info = ours(A, b, **kw)
    xs, info_s = theirs(A, b, **kw)
    assert info > 0 and info_s > 0 and info == info_s == 2
    assert np.linalg.norm(b - A @ x) > 1e-10 * np.linalg.norm(b)


def test_gmres_wrapper_maxiter_semantics():
    """scipy's gmres: maxiter counts restart cycles, or inner iterations with 'legacy'."""
    A, b = _SCIPY_CASES["poisson2d"]
    counts = {}
    for cb_type in ("x", "pr_norm", "legacy"):
        calls = []
        x, info = K.gmres(A, b, rtol=1e-12, restart=5, maxiter=3, callback=calls.append,
                          callback_type=cb_type)  # fmt: skip
        assert info == 3
        counts[cb_type] = len(calls)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            s_calls = []
            spla.gmres(A, b, rtol=1e-12, restart=5, maxiter=3, callback=s_calls.append,
                       callback_type=cb_type)  # fmt: skip
        assert len(calls) == len(s_calls)
    assert counts == {"x": 3, "pr_norm": 15, "legacy": 3}


def test_fgmres_wrapper():
    A, b = _SCIPY_CASES["nonsymposdef"]
    x, info = K.fgmres(A, b, rtol=1e-10, M=sp.diags(1 / A.diagonal()))
    assert info == 0
    np.testing.assert_allclose(A @ x, b, atol=1e-8 * np.linalg.norm(b))


def test_minres_wrapper_check_and_show(capsys):
    A, b = _SCIPY_CASES["rand"]  # nonsymmetric
    with pytest.raises(ValueError, match="symmetric"):
        K.minres(A, b, check=True)
    A, b = _SCIPY_CASES["poisson1d"]
    x, info = K.minres(A, b, show=True, check=True)
    assert info == 0 and "minres" in capsys.readouterr().out


def test_x0_mb_like_scipy():
    A, b = _SCIPY_CASES["poisson1d"]
    M = sp.diags(1 / A.diagonal())
    x, info = K.cg(A, b, x0="Mb", M=M, rtol=1e-10)
    xs, info_s = spla.cg(A, b, x0="Mb", M=M, rtol=1e-10)
    assert info == info_s == 0
    np.testing.assert_allclose(x, xs, rtol=1e-7)
