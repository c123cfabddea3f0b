"""Operator splitting verified to its orders on problems whose parts do not commute.

(i) advection + variable reaction on a periodic grid (closed form by characteristics);
(ii) diffusion + variable reaction against an ``expm`` reference of the full operator;
(iii) Allen–Cahn: exact reaction flow + exact Fourier diffusion against a tight ODE solve.
Negative controls: commuting parts, where every scheme is exact to round-off.
"""

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.integrate import solve_ivp

from pdesolve.errors import PdesolveError
from pdesolve.time.splitting import (
    SCHEMES,
    Composition,
    SplittingError,
    as_flow,
    complex_conjugate_pair,
    complex_triple_jump,
    composition,
    exact_flow,
    exponential_flow,
    implicit_flow,
    lie,
    ode_flow,
    splitting,
    strang,
    yoshida,
)


def advance(stepper, u0, T, dt):
    u = u0
    for _ in range(round(T / dt)):
        u = stepper.step(0.0, u, dt)
    return u


def orders(stepper, u0, T, dts, exact):
    errs = np.array([np.max(np.abs(advance(stepper, u0, T, dt) - exact)) for dt in dts])
    dts = np.asarray(dts)
    return np.log(errs[:-1] / errs[1:]) / np.log(dts[:-1] / dts[1:]), errs


def assert_order(p_obs, p, tol=0.2):
    assert np.all(np.abs(p_obs - p) < tol), (p_obs, p)


# ---------------------------------------------------------------------------------------------
# (i) advection + variable reaction: u_t + c u_x = -a(x) u, closed form by characteristics
# ---------------------------------------------------------------------------------------------

N1, C, T = 64, 1.0, 1.0
X1 = 2 * np.pi * np.arange(N1) / N1
K1 = np.fft.fftfreq(N1, 1.0 / N1)
A1 = 1.0 + np.cos(X1)


def u0_i(x):
    return np.exp(np.sin(x))


def exact_i(t):
    # u(x, t) = u0(x - ct) exp(-int_0^t a(x - c(t - s)) ds)
    return u0_i(X1 - C * t) * np.exp(-t - (np.sin(X1) - np.sin(X1 - C * t)) / C)


@pytest.fixture(scope="module")
def problem_i():
    advection = exponential_flow(-1j * C * K1, transform="fft")  # exact shift in Fourier space
    reaction = exact_flow(lambda dt, u: np.exp(-A1 * dt) * u)
    return advection, reaction, u0_i(X1), exact_i(T)


def test_advection_flow_is_real_and_not_parabolic(problem_i):
    advection, reaction, u0, _ = problem_i
    assert not advection.parabolic and not reaction.parabolic
    v = advection(0.3, u0)
    assert v.dtype == np.float64
    np.testing.assert_allclose(v, u0_i(X1 - 0.3 * C), atol=1e-12)


def test_lie_order_1(problem_i):
    advection, reaction, u0, ex = problem_i
    p, _ = orders(lie(advection, reaction), u0, T, [1 / 8, 1 / 16, 1 / 32, 1 / 64], ex)
    assert_order(p, 1)


def test_strang_aba_and_bab_order_2(problem_i):
    advection, reaction, u0, ex = problem_i
    dts = [1 / 8, 1 / 16, 1 / 32, 1 / 64]
    p_aba, e_aba = orders(strang(advection, reaction, "ABA"), u0, T, dts, ex)
    p_bab, e_bab = orders(strang(advection, reaction, "BAB"), u0, T, dts, ex)
    assert_order(p_aba, 2)
    assert_order(p_bab, 2)
    # the outer operator changes the constant: [A,[A,B]]/24 (ABA) vs /12 (BAB) with
    # [B,[B,A]] = 0 for advection A and reaction B (reference anchors: 0.072 vs 0.144)
    assert 1.7 < e_bab[-1] / e_aba[-1] < 2.3


def test_yoshida_order_4_with_negative_steps(problem_i):
    advection, reaction, u0, ex = problem_i
    step = yoshida(advection, reaction)
    assert min(np.real(step.a)) < 0 and min(np.real(step.b)) < 0  # backward sub-steps
    p, _ = orders(step, u0, T, [1 / 4, 1 / 8, 1 / 16, 1 / 32], ex)
    assert_order(p, 4)
    p_bab, _ = orders(yoshida(advection, reaction, "BAB"), u0, T, [1 / 4, 1 / 8, 1 / 16], ex)
    assert_order(p_bab, 4)


def test_ode_flow_reaction_keeps_strang_order(problem_i):
    advection, _, u0, ex = problem_i

    class RK4:  # a stand-in for the registry's stepper (any object with step(t, u, dt))
        name, order = "rk4", 4

        def step(self, t, u, dt):
            f = lambda v: -A1 * v  # noqa: E731
            k1 = f(u)
            k2 = f(u + dt / 2 * k1)
            k3 = f(u + dt / 2 * k2)
            k4 = f(u + dt * k3)
            return u + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    reaction = ode_flow(None, RK4(), substeps=2)
    p, _ = orders(strang(advection, reaction), u0, T, [1 / 8, 1 / 16, 1 / 32], ex)
    assert_order(p, 2)


def test_ode_flow_from_registry(problem_i):
    pytest.importorskip("pdesolve.time.registry")
    advection, _, u0, ex = problem_i
    reaction = ode_flow(lambda t, u: -A1 * u, "rk4", substeps=1)
    p, _ = orders(strang(advection, reaction), u0, T, [1 / 8, 1 / 16, 1 / 32], ex)
    assert_order(p, 2)


# ---------------------------------------------------------------------------------------------
# (ii) diffusion + variable reaction u_t = D u_xx + r(x) u, expm reference of the full operator
# ---------------------------------------------------------------------------------------------

N2, D2 = 32, 0.1
X2 = 2 * np.pi * np.arange(N2) / N2
H2 = 2 * np.pi / N2
R2 = -(1.0 + np.cos(X2))
LAP2 = sp.diags([1.0, 1.0, -2.0, 1.0, 1.0], [-(N2 - 1), -1, 0, 1, N2 - 1], shape=(N2, N2))
LAP2 = (LAP2 / H2**2).tocsr()


@pytest.fixture(scope="module")
def problem_ii():
    diffusion = exponential_flow(D2 * LAP2)  # expm_multiply; detected parabolic
    reaction = exponential_flow(R2)  # pointwise exp(dt r): a reaction, not parabolic
    u0 = np.exp(np.sin(X2)) + 0.3 * np.cos(3 * X2)
    full = (D2 * LAP2).toarray() + np.diag(R2)
    return diffusion, reaction, u0, sla.expm(T * full) @ u0


def test_diffusion_flow_is_parabolic(problem_ii):
    diffusion, reaction, *_ = problem_ii
    assert diffusion.parabolic and not reaction.parabolic


@pytest.mark.parametrize(
    "builder, p",
    [
        (lie, 1),
        (strang, 2),
        (lambda a, b: strang(a, b, "BAB"), 2),
        (complex_conjugate_pair, 4),  # order 3, 4 on real data (real part)
        (complex_triple_jump, 4),
    ],
    ids=["lie", "strang_aba", "strang_bab", "complex_pair", "complex_triple_jump"],
)
def test_diffusion_reaction_orders(problem_ii, builder, p):
    diffusion, reaction, u0, ref = problem_ii
    step = builder(diffusion, reaction)
    dts = [1 / 4, 1 / 8, 1 / 16, 1 / 32] if p > 2 else [1 / 8, 1 / 16, 1 / 32, 1 / 64]
    p_obs, _ = orders(step, u0, T, dts, ref)
    assert_order(p_obs, p)
    assert advance(step, u0, 0.25, 0.25).dtype == np.float64  # real part for real data


@pytest.mark.parametrize("ordering", ["ABA", "BAB"])
def test_yoshida_refused_on_diffusion(problem_ii, ordering):
    diffusion, reaction, *_ = problem_ii
    with pytest.raises(SplittingError, match="negative real part") as info:
        yoshida(diffusion, reaction, ordering)
    msg = str(info.value)
    assert "parabolic" in msg and "Sheng" in msg and "complex_triple_jump" in msg
    assert isinstance(info.value, PdesolveError)
    with pytest.raises(SplittingError):  # either argument position
        yoshida(reaction, diffusion, ordering)


def test_crank_nicolson_implicit_flow_with_strang_is_order_2(problem_ii):
    _, reaction, u0, ref = problem_ii
    diffusion = implicit_flow(D2 * LAP2, theta=0.5)
    assert diffusion.parabolic
    p, _ = orders(strang(reaction, diffusion), u0, T, [1 / 8, 1 / 16, 1 / 32], ref)
    assert_order(p, 2)
    with pytest.raises(SplittingError):
        yoshida(reaction, diffusion)


# ---------------------------------------------------------------------------------------------
# (iii) Allen–Cahn u_t = eps u_xx + u - u^3: exact reaction flow + exact Fourier diffusion
# ---------------------------------------------------------------------------------------------

N3, EPS = 32, 0.1
X3 = 2 * np.pi * np.arange(N3) / N3
K3 = np.fft.fftfreq(N3, 1.0 / N3)


def allen_cahn_reaction(dt, u):
    e = np.exp(-2 * dt)
    return u / np.sqrt(e + u**2 * (1 - e))


@pytest.fixture(scope="module")
def problem_iii():
    diffusion = exponential_flow(-EPS * K3**2, transform="fft")
    reaction = exact_flow(allen_cahn_reaction)
    u0 = 0.6 * np.sin(X3) + 0.3 * np.cos(2 * X3)

    def rhs(t, u):
        return EPS * np.fft.ifft(-(K3**2) * np.fft.fft(u)).real + u - u**3

    ref = solve_ivp(rhs, (0, T), u0, method="DOP853", rtol=1e-13, atol=1e-14).y[:, -1]
    return diffusion, reaction, u0, ref


def test_allen_cahn_reaction_flow_is_exact():
    u = np.linspace(-1.5, 1.5, 7)
    ref = solve_ivp(lambda t, v: v - v**3, (0, 0.7), u, rtol=1e-12, atol=1e-14).y[:, -1]
    np.testing.assert_allclose(allen_cahn_reaction(0.7, u), ref, atol=1e-10)


@pytest.mark.parametrize(
    "name, p",
    [
        ("lie", 1),
        ("strang", 2),
        ("strang_bab", 2),
        ("complex_conjugate_pair", 4),  # symmetric-conjugate: the real part gains an order
        ("complex_conjugate_pair_bab", 4),
        ("complex_triple_jump", 4),
        ("complex_triple_jump_bab", 4),
    ],
)
def test_allen_cahn_orders(problem_iii, name, p):
    diffusion, reaction, u0, ref = problem_iii
    assert diffusion.parabolic
    dts = [1 / 8, 1 / 16, 1 / 32, 1 / 64]  # order 4 is pre-asymptotic at 1/4 (slope 3.76)
    p_obs, _ = orders(splitting(name, diffusion, reaction), u0, T, dts, ref)
    assert_order(p_obs, p)


def test_allen_cahn_refuses_yoshida(problem_iii):
    diffusion, reaction, *_ = problem_iii
    with pytest.raises(SplittingError, match="backward diffusion"):
        splitting("yoshida", diffusion, reaction)


# ---------------------------------------------------------------------------------------------
# negative controls: commuting parts, every splitting exact to round-off
# ---------------------------------------------------------------------------------------------


def test_commuting_diagonal_parts_are_exact():
    rng = np.random.default_rng(0)
    lam, mu = -rng.random(16), rng.standard_normal(16)
    u0 = rng.standard_normal(16)
    fa, fb = exponential_flow(lam), exponential_flow(mu)
    exact = np.exp(T * (lam + mu)) * u0
    for name in SCHEMES:
        u = advance(splitting(name, fa, fb), u0, T, 0.1)
        np.testing.assert_allclose(u, exact, rtol=1e-13, atol=1e-14, err_msg=name)


def test_commuting_advection_and_diffusion_are_exact():
    # constant-coefficient periodic advection and diffusion commute: the pitfall of a test
    diffusion = exponential_flow(-0.2 * K1**2, transform="fft")
    advection = exponential_flow(-1j * K1, transform="fft")
    u0 = u0_i(X1)
    exact = np.fft.ifft(np.exp(T * (-0.2 * K1**2 - 1j * K1)) * np.fft.fft(u0)).real
    for name in ("lie", "strang", "strang_bab", "complex_conjugate_pair", "complex_triple_jump"):
        u = advance(splitting(name, diffusion, advection), u0, T, 0.25)
        np.testing.assert_allclose(u, exact, atol=1e-13, err_msg=name)


# ---------------------------------------------------------------------------------------------
# the schemes as data, on random matrices (local error ~ h^(p+1))
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_scheme_local_order_on_matrices(name):
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((2, 5, 5))
    A = A - A.T - np.eye(5)  # dissipative-ish, not commuting with B
    B = B @ B.T / 5 * -1
    u = rng.standard_normal(5)
    s = SCHEMES[name]
    assert sum(s.a) == pytest.approx(1.0, abs=1e-14) and sum(s.b) == pytest.approx(1.0, abs=1e-14)
    if s.is_complex:
        assert min(np.real((*s.a, *s.b))) >= 0  # positive real parts: safe for diffusion
    step = splitting(name, lambda h, v: sla.expm(h * A) @ v, lambda h, v: sla.expm(h * B) @ v)
    hs = np.array([0.2, 0.1, 0.05, 0.025])

    def local_orders(v):
        errs = [np.linalg.norm(step.step(0.0, v, h) - sla.expm(h * (A + B)) @ v) for h in hs]
        return np.log(np.array(errs[:-1]) / errs[1:]) / np.log(2.0)

    assert_order(local_orders(u)[1:], step.real_order + 1, tol=0.25)  # real data
    assert_order(local_orders(u * (1 + 0.5j))[1:], step.order + 1, tol=0.25)  # complex data


def test_yoshida_coefficients():
    g1 = 1 / (2 - 2 ** (1 / 3))
    g2 = -(2 ** (1 / 3)) / (2 - 2 ** (1 / 3))
    s = SCHEMES["yoshida"]
    np.testing.assert_allclose(s.b, [g1, g2, g1])
    np.testing.assert_allclose(s.a, [g1 / 2, (g1 + g2) / 2, (g1 + g2) / 2, g1 / 2])
    assert s.stages == 7 and s.order == 4


# ---------------------------------------------------------------------------------------------
# sub-flows and validation
# ---------------------------------------------------------------------------------------------


def test_user_callable_flags_and_refusal():
    heat = as_flow(lambda dt, u: u, parabolic=True)
    plain = lambda dt, u: u  # noqa: E731
    with pytest.raises(SplittingError):
        yoshida(heat, plain)
    with pytest.raises(SplittingError):
        yoshida(exact_flow(lambda dt, u: u, parabolic=True), plain)
    assert isinstance(yoshida(plain, plain), Composition)  # unmarked callables are allowed
    override = exponential_flow(-(K3**2), transform="fft", parabolic=False)
    assert isinstance(yoshida(override, plain), Composition)  # explicit override


def test_composition_validates():
    f = lambda dt, u: u  # noqa: E731
    with pytest.raises(SplittingError, match="sum of a"):
        composition(f, f, [0.5], [1.0], 1)
    with pytest.raises(SplittingError, match="len"):
        composition(f, f, [0.5, 0.25, 0.25], [1.0], 1)
    with pytest.raises(SplittingError, match="ABA"):
        strang(f, f, "AAB")
    with pytest.raises(SplittingError, match="unknown"):
        splitting("nope", f, f)
    with pytest.raises(SplittingError):
        as_flow(3.0)


def test_step_does_not_modify_input(problem_iii):
    diffusion, reaction, u0, _ = problem_iii
    u = u0.copy()
    for name in ("lie", "strang", "complex_triple_jump"):
        splitting(name, diffusion, reaction).step(0.0, u, 0.1)
        np.testing.assert_array_equal(u, u0)


def test_complex_state_stays_complex():
    step = complex_triple_jump(exponential_flow(-(K3**2) * 0.1, transform="fft"),
                               exponential_flow(1j * np.cos(X3)))
    u = (1 + 1j) * np.sin(X3)
    assert np.iscomplexobj(step.step(0.0, u, 0.1))


def test_implicit_flow_complex_dt_mass_and_cache():
    n = 12
    L = (sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(n, n)) * n**2).tocsr()
    M = sp.diags(np.linspace(1.0, 2.0, n)).tocsr()
    flow = implicit_flow(L, mass=M, theta=1.0)
    u = np.sin(np.linspace(0, np.pi, n))
    for h in (0.01, 0.01 * (0.3 + 0.2j)):
        expected = np.linalg.solve((M - h * L).toarray(), M @ u)
        np.testing.assert_allclose(flow(h, u), expected, rtol=1e-12, atol=1e-14)
    uc = u * (1 - 2j)
    np.testing.assert_allclose(flow(0.01, uc), flow(0.01, u) * (1 - 2j), rtol=1e-12)
    cn = implicit_flow(L, theta=0.5, method="cg", rtol=1e-12)  # SPD iterative path, warm start
    ref = np.linalg.solve((sp.identity(n) - 0.005 * L).toarray(), u + 0.005 * (L @ u))
    np.testing.assert_allclose(cn(0.01, u), ref, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(cn(0.01, uc), ref * (1 - 2j), rtol=1e-8, atol=1e-10)
    assert not implicit_flow(sp.diags(-np.ones(n))).parabolic  # diagonal: a reaction


def test_exponential_flow_variants():
    n = 16
    x = 2 * np.pi * np.arange(n) / n
    k_r = np.arange(n // 2 + 1)
    pair = (np.fft.rfft, lambda v: np.fft.irfft(v, n))
    heat_r = exponential_flow(-(k_r**2.0), transform=pair)
    heat = exponential_flow(-(np.fft.fftfreq(n, 1 / n) ** 2), transform="fft")
    u = np.cos(x) + np.sin(3 * x)
    expected = np.exp(-0.1) * np.cos(x) + np.exp(-0.9) * np.sin(3 * x)
    np.testing.assert_allclose(heat_r(0.1, u), expected, atol=1e-14)
    np.testing.assert_allclose(heat(0.1, u), expected, atol=1e-14)
    assert heat_r.parabolic and heat.parabolic
    assert not exponential_flow(-np.ones(n), transform="fft").parabolic  # constant damping
    two_d = exponential_flow(-np.add.outer(k_r[:4] ** 2, k_r[:4] ** 2.0), transform="fft")
    assert two_d(0.1, np.ones((4, 4))).shape == (4, 4)
    with pytest.raises(SplittingError):
        exponential_flow([1.0, 2.0])
    with pytest.raises(SplittingError):
        exponential_flow(np.ones(3), transform="dct")


# ---------------------------------------------------------------------------------------------
# the demo (demos/splitting.py) reproduces its numbers in quick mode
# ---------------------------------------------------------------------------------------------


def test_splitting_demo_orders(tmp_path):
    from pdesolve.showcase import load_demo

    r = load_demo("splitting").run(tmp_path, quick=True)
    assert all(f.exists() and f.stat().st_size > 0 for f in r["files"])
    for problem, orders_ in r["orders"].items():
        for label, p in orders_.items():
            assert abs(p - r["expected"][problem][label]) < 0.2, (problem, label, p)
    assert r["errors"]["fisher"]["Yoshida (forced)"][0] > 1.0  # h = 1/2: backward diffusion
    assert "parabolic" in r["refusal"]
