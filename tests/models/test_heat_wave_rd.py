"""Time-dependent FEM models: heat (space and time orders), reaction–diffusion by Strang
splitting (order 2), wave energy conservation."""

import numpy as np
import pytest
import scipy.linalg as sla

import pdesolve as ps

pi = np.pi


def sine(x):
    return np.sin(pi * x[0]) * np.sin(pi * x[1])


def test_heat_space_order_p1():
    """u = e^{-2π²t} sin πx sin πy; Crank–Nicolson with a small step: L2 error O(h²)."""
    T, errs = 0.05, []
    for n in (8, 16, 32):
        V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
        heat = ps.models.HeatEquation(V)
        traj = heat.solve(heat.initial(sine), T, dt=T / 100)
        uh = ps.fem.Function(V, traj.u[-1])
        errs.append(ps.fem.errornorm(uh, lambda x: np.exp(-2 * pi**2 * T) * sine(x)))
    rates = np.log2(np.array(errs[:-1]) / errs[1:])
    assert abs(rates[-1] - 2) < 0.15, rates


@pytest.mark.parametrize(
    "method,order", [("implicit-euler", 1), ("crank-nicolson", 2), ("bdf2", 2)]
)
def test_heat_time_order(method, order):
    """Against the exact solution of the semi-discrete system M u' = -K u + F(t)
    (generalised eigen-decomposition), so only the time error is measured."""
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(10, 10), "P", 1)
    heat = ps.models.HeatEquation(V, source=lambda t, x: np.cos(t) * sine(x))
    u0 = heat.initial(sine)
    M, K = heat.M.toarray(), heat.K.toarray()
    lam, Q = sla.eigh(K, M)  # K Q = M Q Λ, Qᵀ M Q = I
    T = 0.5
    f = heat.load(0.0)  # F(t) = cos(t) f
    a0, fq = Q.T @ (M @ u0), Q.T @ f
    # modal ODE a' = -λ a + cos(t) fq: exact solution
    aT = a0 * np.exp(-lam * T) + fq * (lam * np.cos(T) + np.sin(T) - lam * np.exp(-lam * T)) / (
        lam**2 + 1
    )
    exact = Q @ aT
    errs = [
        np.abs(heat.solve(u0, T, dt, method=method).u[-1] - exact).max()
        for dt in (0.01, 0.005, 0.0025)
    ]
    rates = np.log2(np.array(errs[:-1]) / errs[1:])
    assert abs(rates[-1] - order) < 0.2, (errs, rates)


@pytest.mark.parametrize("scheme,order", [("lie", 1), ("strang", 2)])
def test_reaction_diffusion_splitting_order(scheme, order):
    """Fisher–KPP front on an interval against a 64x finer Strang run of the same discretisation."""
    V = ps.fem.FunctionSpace(ps.mesh.interval(200, 0.0, 40.0), "P", 1)
    rd = ps.models.ReactionDiffusion(V, diffusivity=1.0, reaction="fisher-kpp", rate=1.0)
    u0 = rd.initial(lambda x: 0.5 * (1 - np.tanh(x[0] - 10.0)))
    T = 2.0
    ref = rd.solve(u0, T, 0.2 / 64, scheme="strang").u[-1]
    errs = [np.abs(rd.solve(u0, T, dt, scheme=scheme).u[-1] - ref).max() for dt in (0.2, 0.1, 0.05)]
    rates = np.log2(np.array(errs[:-1]) / errs[1:])
    assert abs(rates[-1] - order) < 0.2, (errs, rates)


def test_allen_cahn_exact_reaction_flow_and_bounds():
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(24, 24), "P", 1)
    rd = ps.models.ReactionDiffusion(V, diffusivity=0.03**2, reaction="allen-cahn")
    rng = np.random.default_rng(0)
    u0 = rng.uniform(-0.5, 0.5, V.num_dofs)
    u = rd.solve(u0, 2.0, 0.05).u[-1]
    assert np.abs(u).max() <= 1.0 + 1e-9  # the exact reaction flow keeps |u| <= 1
    flow = ps.models.REACTIONS["allen-cahn"][1](1.0)
    g = np.linspace(-0.9, 0.9, 7)
    # the flow solves u' = u - u³: check by a centred difference
    h = 1e-5
    assert np.allclose((flow(h, g) - flow(-h, g)) / (2 * h), g - g**3, atol=1e-8)


def test_wave_energy_conserved_and_accurate():
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(16, 16), "P", 2)
    wave = ps.models.WaveEquation(V, c=1.0)
    u0 = wave.initial(sine)
    traj = wave.solve(u0, np.zeros_like(u0), t_end=2.0, dt=0.02, save_every=10)
    drift = np.abs(traj.energy / traj.energy[0] - 1).max()
    assert drift < 1e-11, drift
    exact = np.cos(np.sqrt(2) * pi * traj.t[-1]) * u0  # standing wave
    assert np.abs(traj.u[-1] - exact).max() < 0.02
