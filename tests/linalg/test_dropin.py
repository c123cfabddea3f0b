"""The scipy drop-ins (``cg``, ``gmres``, ``bicgstab``, ``minres``) and the ``*_solve`` functions
behind them, called the way scipy.sparse.linalg users call them (issue 12, "drop-in means
drop-in"), each compared with what the installed scipy does on the same call:

1. ``gmres``'s callback gets a numpy scalar, with scipy's ``callback_type`` semantics and its
   ``DeprecationWarning`` when a callback comes without ``callback_type``;
2. ``rtol=inf`` / ``atol=inf`` are accepted (NaN is refused);
3. ``np.matrix`` ``A`` and ``b`` work and give scipy's shapes;
4. the precision of ``A`` and ``b`` is kept (float32 in, float32 out; complex too);
5. a ``LinearOperator`` with ``psolve`` and ``M=None`` is preconditioned by it;
6. left-preconditioned GMRES does not report success on a breakdown while ``b - A x`` is O(1);
7. CG and MINRES refuse a nonsymmetric ``A`` up front (random probe, ``check_symmetry``);
8. scipy's old ``tol=`` gets a message naming ``rtol=``.
"""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.linalg import krylov as K
from pdesolve.linalg.validate import SolverInputError

DROPINS = ["cg", "gmres", "bicgstab", "minres"]
SOLVES = {"cg": K.cg_solve, "gmres": K.gmres_solve, "bicgstab": K.bicgstab_solve,
          "minres": K.minres_solve, "fgmres": K.fgmres_solve}  # fmt: skip


def poisson1d(n=30, dtype=np.float64):
    """The SPD tridiagonal ``[-1, 2, -1]``, and ``b = (1, 2, ..., n)``."""
    A = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(n, n), format="csr", dtype=dtype)
    return A, np.arange(1, n + 1, dtype=dtype)


def convdiff1d(n=30):
    """Nonsymmetric ``[-1.3, 2, -0.7]`` with a positive definite symmetric part: CG sees no
    negative curvature on it (``p·Ap = p·A_sym p > 0``), it just fails to converge."""
    A = sp.diags([-1.3, 2.0, -0.7], [-1, 0, 1], shape=(n, n), format="csr")
    return A, np.ones(n)


def scipy_call(name, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return getattr(spla, name)(*args, **kw)


# --- 1. gmres callbacks -----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
@pytest.mark.parametrize("callback_type", ["legacy", "pr_norm"])
def test_gmres_callback_gets_a_numpy_scalar_like_scipy(callback_type, dtype):
    A, b = poisson1d(40)
    A, b = A.astype(dtype), b.astype(dtype)
    ours, theirs = [], []

    def record(into):
        def f(rk):
            assert rk.ndim == 0  # what scipy users' callbacks rely on
            into.append(rk)

        return f

    K.gmres(A, b, restart=5, maxiter=4, callback=record(ours), callback_type=callback_type)
    spla.gmres(A, b, restart=5, maxiter=4, callback=record(theirs), callback_type=callback_type)
    assert len(ours) == len(theirs) > 0
    assert {type(v) for v in ours} == {type(v) for v in theirs} == {np.float64}
    np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-3)
    # the result-object function passes the same kind of scalar
    seen = []
    K.gmres_solve(A, b, restart=5, maxiter=8, callback=seen.append)
    assert seen and all(isinstance(v, np.floating) and v.ndim == 0 for v in seen)


def test_gmres_callback_x_is_the_iterate_once_per_restart_like_scipy():
    A, b = poisson1d(40)
    ours, theirs = [], []
    K.gmres(A, b, restart=5, maxiter=3, callback=ours.append, callback_type="x")
    spla.gmres(A, b, restart=5, maxiter=3, callback=theirs.append, callback_type="x")
    assert len(ours) == len(theirs) == 3
    assert all(isinstance(v, np.ndarray) and v.shape == b.shape for v in ours)


def test_gmres_warns_like_scipy_without_callback_type():
    A, b = poisson1d(20)
    for fn in (K.gmres, spla.gmres):
        with pytest.warns(DeprecationWarning, match="callback_type") as rec:
            fn(A, b, callback=lambda rk: None)
    assert rec[0].filename != __file__  # scipy's stacklevel points past its caller
    with pytest.warns(DeprecationWarning, match="callback_type") as rec:
        K.gmres(A, b, callback=lambda rk: None)
    assert rec[0].filename == __file__  # ours points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        K.gmres(A, b, callback=lambda rk: None, callback_type="legacy")
        K.gmres(A, b, callback=lambda rk: None, callback_type="pr_norm")
        K.gmres(A, b)  # no callback: nothing to warn about
        K.fgmres(A, b, callback=lambda rk: None)  # not a scipy function: no scipy warning


# --- 2. infinite tolerances -------------------------------------------------------------------


@pytest.mark.parametrize("method", DROPINS)
@pytest.mark.parametrize("which", ["rtol", "atol"])
def test_infinite_tolerance_returns_at_once_like_scipy(method, which):
    if method == "minres" and which == "atol":
        pytest.skip("scipy's minres has no atol")
    A, b = poisson1d()
    x, info = getattr(K, method)(A, b, **{which: np.inf})
    xs, info_s = scipy_call(method, A, b, **{which: np.inf})
    assert info == info_s == 0
    assert x.shape == xs.shape and not x.any()
    x0 = np.full(len(b), 0.5)
    res = SOLVES[method](A, b, x0, **{which: np.inf})
    assert res.converged and res.iterations == 0
    np.testing.assert_array_equal(res.x, x0)


@pytest.mark.parametrize("method", list(SOLVES))
def test_nan_tolerance_is_refused_clearly(method):
    A, b = poisson1d()
    for kw in ({"rtol": np.nan}, {"atol": float("nan")}):
        with pytest.raises(SolverInputError, match="NaN"):
            SOLVES[method](A, b, **kw)


# --- 3. np.matrix -----------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix itself
@pytest.mark.parametrize("method", DROPINS)
def test_np_matrix_system_like_scipy(method):
    A, b = poisson1d(12)
    Am = np.matrix(A.toarray())
    for bb in (b, np.matrix(b).T):  # (n,) and an np.matrix column (n, 1)
        x, info = getattr(K, method)(Am, bb, rtol=1e-10)
        xs, info_s = scipy_call(method, Am, bb, rtol=1e-10)
        assert info == info_s == 0
        assert type(x) is type(xs) is np.ndarray and x.shape == xs.shape == (12,)
        np.testing.assert_allclose(x, xs, rtol=1e-7)
    # an np.matrix preconditioner too
    Mm = np.matrix(np.diag(1 / A.diagonal()))
    x, info = getattr(K, method)(Am, b, M=Mm, rtol=1e-10)
    assert info == 0 and x.shape == (12,)
    np.testing.assert_allclose(A @ x, b, rtol=1e-7)


# --- 4. precision -----------------------------------------------------------------------------


def _hermitian(n, dtype):
    rng = np.random.default_rng(7)
    B = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    A = B @ B.conj().T + n * np.eye(n)
    return A.astype(dtype), (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)


@pytest.mark.parametrize("method", DROPINS)
@pytest.mark.parametrize(
    ("adt", "bdt"),
    [(np.float32, np.float32), (np.float32, np.float64), (np.int64, np.float32),
     (np.float64, np.float64), (np.complex64, np.complex64), (np.complex128, np.complex128)],
)  # fmt: skip
def test_precision_of_the_input_is_kept_like_scipy(method, adt, bdt):
    if np.dtype(adt).kind == "c":
        A, b = _hermitian(20, adt)
        b = b.astype(bdt)
    else:
        A, b = poisson1d(20)
        A, b = A.astype(adt), b.astype(bdt)
    x, info = getattr(K, method)(A, b)
    if method != "minres":
        xs, info_s = scipy_call(method, A, b)
    expected = np.result_type(np.float64 if np.dtype(adt).kind == "i" else adt, bdt)
    assert info == 0 and x.dtype == expected
    if method != "minres":  # scipy's minres returns float64 for single precision (and
        assert info_s == 0 and x.dtype == xs.dtype  # stops on complex Hermitian A)
    res = SOLVES[method](A, b, rtol=1e-5)  # DEFAULT_RTOL = 1e-8 is below float32's reach
    assert res.converged and res.x.dtype == expected
    # single precision still meets rtol = 1e-5 on the true residual (up to rounding)
    Ad = A.astype(np.complex128 if np.iscomplexobj(A) else np.float64)
    assert np.linalg.norm(b - Ad @ res.x) <= 1e-4 * np.linalg.norm(b)


def test_gmres_left_and_fgmres_keep_float32():
    A, b = poisson1d(20, np.float32)
    M = sp.diags(1 / A.diagonal()).astype(np.float64)  # a float64 M does not promote
    for res in (K.gmres_solve(A, b, M=M, side="left", rtol=1e-5),
                K.fgmres_solve(A, b, M=M, rtol=1e-5)):
        assert res.converged and res.x.dtype == np.float32


# --- 5. LinearOperator.psolve -----------------------------------------------------------------


class _WithPsolve(spla.LinearOperator):
    """An operator carrying its own (Jacobi) preconditioner, scipy-style."""

    def __init__(self, A):
        super().__init__(A.dtype, A.shape)
        self.A, self.d, self.calls = A, A.diagonal(), 0

    def _matvec(self, v):
        return self.A @ v

    def psolve(self, r):
        self.calls += 1
        return r / self.d


@pytest.mark.parametrize("method", DROPINS)
def test_linear_operator_psolve_is_the_preconditioner_like_scipy(method):
    n = 30
    A = sp.diags([-1.0, np.linspace(2, 200, n), -1.0], [-1, 0, 1], shape=(n, n), format="csr")
    b = np.ones(n)
    op_ours, op_scipy = _WithPsolve(A), _WithPsolve(A)
    x, info = getattr(K, method)(op_ours, b, rtol=1e-10)
    xs, info_s = scipy_call(method, op_scipy, b, rtol=1e-10)
    assert info == info_s == 0
    assert op_ours.calls > 0 and op_scipy.calls > 0
    np.testing.assert_allclose(x, xs, rtol=1e-7)
    if method == "cg":  # same algorithm: the same number of preconditioner applications
        assert abs(op_ours.calls - op_scipy.calls) <= 1
    res = SOLVES[method](op_ours, b, rtol=1e-10)
    assert res.method.endswith("+psolve")
    # an explicit M wins over psolve, as in scipy
    op = _WithPsolve(A)
    getattr(K, method)(op, b, M=sp.identity(n))
    assert op.calls == 0


def test_solve_front_door_uses_psolve():
    A, b = poisson1d()
    op = _WithPsolve(A)
    res = ps.solve(op, b, method="cg")
    assert res.converged and op.calls > 0 and "psolve" in res.method


# --- 6. left-preconditioned GMRES on a defective preconditioner -------------------------------


def _singular_left_case():
    rng = np.random.default_rng(1)
    n = 10
    A = rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n)
    b = rng.standard_normal(n)
    M = np.zeros((n, n))
    M[0, 0] = 1.0  # rank one: M A e1 ∥ e1, so the Krylov space of M A is invariant at once
    return A, b, M


def test_left_gmres_breakdown_with_singular_preconditioner_is_not_success():
    A, b, M = _singular_left_case()
    res = K.gmres_solve(A, b, M=M, side="left", rtol=1e-8)
    true = np.linalg.norm(b - A @ res.x)
    assert true > 0.5 * np.linalg.norm(b)  # b - A x is O(1) ...
    assert not res.converged  # ... so this is no success
    assert "true residual" in res.info["reason"] and "singular" in res.info["reason"]
    assert res.info["true_residual"] == pytest.approx(true)
    with pytest.raises(ps.errors.ConvergenceError):
        res.check()
    # scipy (left-preconditioned too) also reports failure on this system
    assert scipy_call("gmres", A, b, M=M, rtol=1e-8)[1] != 0


def test_left_gmres_says_which_residual_it_tested():
    rng = np.random.default_rng(0)
    n = 30
    A = rng.standard_normal((n, n)) + 2 * np.sqrt(n) * np.eye(n)
    b = rng.standard_normal(n)
    good = K.gmres_solve(A, b, M=np.diag(1 / np.diag(A)), side="left", rtol=1e-8, restart=n)
    assert good.converged and good.info["residual_kind"] == "preconditioned"
    assert good.info["reason"].startswith("preconditioned")
    assert good.info["true_target"] == pytest.approx(1e-8 * np.linalg.norm(b))
    # a singular M on which the preconditioned system is consistent: it converges, and the
    # report says that the true residual, not what was tested, misses max(rtol ||b||, atol)
    d = np.ones(n)
    d[:5] = 0
    bad = K.gmres_solve(A, b, M=np.diag(d / np.diag(A)), side="left", rtol=1e-8, restart=n)
    assert bad.info["true_residual"] > bad.info["true_target"]
    assert "was not tested" in bad.info["reason"] and "exceeds" in bad.info["reason"]


# --- 7. symmetry probe for CG and MINRES ------------------------------------------------------


def test_cg_refuses_a_nonsymmetric_matrix():
    A, b = convdiff1d()
    assert scipy_call("cg", A, b, maxiter=200)[1] > 0  # scipy just runs out of iterations
    for call in (lambda: K.cg(A, b), lambda: K.cg_solve(A, b, maxiter=50),
                 lambda: ps.solve(A, b, method="cg"),
                 lambda: ps.solve(A, b, method="cg", pc="jacobi")):  # fmt: skip
        with pytest.raises(SolverInputError, match=r"A is not symmetric.*gmres or bicgstab"):
            call()
    res = K.cg_solve(A, b, maxiter=50, check_symmetry=False)  # the test can be skipped
    assert not res.converged


def test_minres_refuses_a_nonsymmetric_matrix():
    A, b = convdiff1d()
    for call in (lambda: K.minres(A, b), lambda: K.minres_solve(A, b),
                 lambda: ps.solve(A, b, method="minres")):  # fmt: skip
        with pytest.raises(SolverInputError, match=r"A is not symmetric.*gmres or bicgstab"):
            call()
    K.minres_solve(A, b, maxiter=5, check_symmetry=False)


def test_symmetry_probe_is_two_matvecs_and_accepts_rounding():
    A, b = poisson1d()
    calls = [0]

    def mv(v):
        calls[0] += 1
        return A @ v

    op = spla.LinearOperator(A.shape, matvec=mv, dtype=float)
    counts = []
    for check in (True, False):
        calls[0] = 0
        assert K.cg_solve(op, b, rtol=1e-10, check_symmetry=check).converged
        counts.append(calls[0])
    assert counts[0] - counts[1] == 2
    # symmetric up to rounding, float32, complex Hermitian and indefinite symmetric all pass
    E = sp.random(30, 30, density=0.2, random_state=0, format="csr")
    Anear = (A + 1e-14 * E).tocsr()
    assert K.cg_solve(Anear, b, rtol=1e-10).converged
    A32, b32 = poisson1d(30, np.float32)
    assert K.cg_solve(A32, b32).converged and K.minres_solve(A32, b32).converged
    H, h = _hermitian(20, np.complex128)
    assert K.cg_solve(H, h).converged and K.minres_solve(H, h).converged
    assert K.minres_solve(A - 1.5 * sp.identity(30), b, rtol=1e-8).converged
    # complex symmetric but not Hermitian is refused by CG (it needs A = A^H)
    with pytest.raises(SolverInputError, match="Hermitian"):
        K.cg_solve((A + 1j * sp.identity(30)).tocsr(), b)


# --- 8. tol= ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn", [K.cg, K.cg_solve, K.gmres, K.gmres_solve, K.fgmres, K.fgmres_solve, K.bicgstab,
           K.bicgstab_solve, K.minres, K.minres_solve],
    ids=lambda f: f.__name__,
)  # fmt: skip
def test_tol_keyword_names_rtol(fn):
    A, b = poisson1d()
    with pytest.raises(TypeError, match=r"tol= was renamed rtol=.*use rtol=1e-08"):
        fn(A, b, tol=1e-8)
    name = fn.__name__
    if hasattr(spla, name):  # scipy refuses it too, with a bare TypeError
        with pytest.raises(TypeError):
            getattr(spla, name)(A, b, tol=1e-8)
    # the decorator keeps the signature visible
    assert "rtol" in inspect.signature(fn).parameters


def test_tol_through_the_front_door_names_rtol():
    A, b = poisson1d()
    with pytest.raises(TypeError, match="rtol="):
        ps.solve(A, b, method="cg", tol=1e-8)


@pytest.mark.parametrize("method", DROPINS)
def test_dropin_signatures_extend_scipys(method):
    ours = inspect.signature(getattr(K, method)).parameters
    theirs = inspect.signature(getattr(spla, method)).parameters
    assert list(ours)[: len(theirs)] == list(theirs)
    for name, p in theirs.items():
        assert ours[name].kind == p.kind and ours[name].default == p.default
