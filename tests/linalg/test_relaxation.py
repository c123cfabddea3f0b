"""Tsallis-INF over ω: the weights form a distribution, the bandit finds the best arm of a
stochastic bandit, and on a Crank–Nicolson heat sequence it beats SSOR-PCG with ω = 1; the
ChebCB-like contextual bandit beats the best fixed ω after warm-up when the best ω moves with
the diffusivity."""

import numpy as np
import pytest

from pdesolve.linalg.krylov import cg_solve
from pdesolve.linalg.preconditioners import SSORPC
from pdesolve.linalg.relaxation import (
    ChebCBRelaxationBandit,
    ContextualRelaxationBandit,
    RelaxationBandit,
    TsallisINF,
    chebyshev_features,
    tsallis_weights,
    tune_relaxation,
)
from pdesolve.linalg.validate import SolverInputError
from pdesolve.models.darcy_fd import HeatCNSequence, khodak_diffusivity


@pytest.mark.parametrize("eta", [0.05, 1.0, 20.0])
def test_weights_are_the_tsallis_distribution(eta):
    L = np.array([3.0, 0.0, 10.0, 1.0, 1.0])
    w = tsallis_weights(L, eta)
    assert w.sum() == pytest.approx(1.0, abs=1e-12) and (w > 0).all()
    assert np.argmax(w) == 1 and w[3] == w[4] and w[2] == w.min()
    # the closed form: w_i = 4 (η (L_i − x))⁻² for one x, i.e. (L_i − x) ∝ w_i^{-1/2}
    x = L - 2.0 / (eta * np.sqrt(w))
    assert np.ptp(x) < 1e-8 * max(1.0, np.abs(x).max())
    assert np.allclose(tsallis_weights(np.zeros(4), eta), 0.25)


def test_tsallis_inf_concentrates_on_the_best_arm():
    """Bernoulli losses with means 0.5 except arm 2 (0.2): after 3000 rounds it is drawn most
    and holds most of the probability."""
    rng = np.random.default_rng(0)
    means = np.array([0.5, 0.5, 0.2, 0.5, 0.6])
    bandit = TsallisINF(5, seed=1)
    pulls = np.zeros(5, dtype=int)
    for _ in range(3000):
        arm = bandit.select()
        pulls[arm] += 1
        bandit.update(float(rng.random() < means[arm]))
    assert np.argmax(pulls) == 2 and pulls[2] > 0.5 * pulls.sum()
    w = bandit.weights()
    assert w.sum() == pytest.approx(1.0) and w[2] > 0.8


def test_update_needs_select_and_valid_loss():
    bandit = TsallisINF(3)
    with pytest.raises(SolverInputError):
        bandit.update(0.5)
    bandit.select()
    with pytest.raises(SolverInputError):
        bandit.update(-1.0)
    with pytest.raises(SolverInputError):
        RelaxationBandit([0.5, 2.5])


def test_contextual_bandit_learns_per_bin():
    """Best ω 1.2 for contexts < 1 and 1.8 above: one bandit per bin learns each."""
    tuner = ContextualRelaxationBandit([1.2, 1.5, 1.8], edges=[1.0], seed=0)
    rng = np.random.default_rng(1)
    for _ in range(2000):
        c = rng.uniform(0, 2)
        omega = tuner.select(c)
        best = 1.2 if c < 1 else 1.8
        tuner.update(10 + 20 * abs(omega - best) + rng.integers(0, 3))
    assert np.argmax(tuner.probabilities(0.5)) == 0
    assert np.argmax(tuner.probabilities(1.5)) == 2
    with pytest.raises(SolverInputError):
        tuner.select(None)


def heat(nx=32, kappa=10.0):
    H = HeatCNSequence(nx, kappa=lambda t: kappa * (1.0 + 0.3 * np.sin(10 * t)))
    return H, H.system


def test_fixed_omega_run_matches_a_manual_loop():
    H, systems = heat(16)
    run = tune_relaxation(systems, omegas=1.3, count=5, chained=True, x0=H.initial(), rtol=1e-8)
    u, its = H.initial(), []
    for i in range(5):
        A, b = H.system(i, u)
        res = cg_solve(A, b, u, rtol=1e-8, M=SSORPC(A, 1.3))
        u = res.x
        its.append(res.iterations)
    assert list(run.iterations) == its and np.allclose(run.x, u)
    assert run.converged.all() and (run.omegas == 1.3).all()


def test_bandit_beats_omega_one_on_a_heat_sequence():
    """SSOR-PCG to 1e-8 over 300 Crank–Nicolson steps (κ ≈ 10, n = 961): Tsallis-INF over
    ω ∈ [1, 1.95] needs fewer iterations in total than ω = 1 (Khodak et al. 2024)."""
    H, systems = heat()
    base = tune_relaxation(systems, omegas=1.0, count=300, chained=True, x0=H.initial())
    tuned = tune_relaxation(systems, count=300, chained=True, x0=H.initial(), seed=0)
    assert tuned.converged.all() and base.converged.all()
    assert tuned.total_iterations < 0.9 * base.total_iterations
    # the later rounds use large ω most of the time
    assert np.median(tuned.omegas[150:]) > 1.3


def test_tune_relaxation_input_errors():
    _, systems = heat(8)
    with pytest.raises(SolverInputError):
        tune_relaxation(systems, chained=True)  # no count
    with pytest.raises(SolverInputError):
        tune_relaxation(systems, omegas=2.0, count=2, chained=True)
    with pytest.raises(SolverInputError):
        tune_relaxation(systems, count=2, chained=True, edges=[1.0])
    with pytest.raises(SolverInputError):
        tune_relaxation(systems, method="jacobi", count=1, chained=True)


def test_reduced_variance_estimator():
    """With ``baseline=B`` (every arm above ``η²``) a constant loss ``B`` is estimated exactly,
    with no importance-weighting noise; the bandit still finds the best arm."""
    plain = TsallisINF(4, eta=lambda t: 0.1, seed=0)
    reduced = TsallisINF(4, eta=lambda t: 0.1, baseline=0.5, seed=0)
    for bandit in (plain, reduced):
        for _ in range(50):
            bandit.select()
            bandit.update(0.5)
    assert np.allclose(reduced.cumulative, 25.0) and np.allclose(reduced.weights(), 0.25)
    assert np.ptp(plain.cumulative) > 1.0  # the plain estimator is noisy
    rng = np.random.default_rng(0)
    means = np.array([0.5, 0.5, 0.2, 0.6])
    bandit = TsallisINF(4, scale=None, baseline="mean", seed=1)
    for _ in range(2000):
        arm = bandit.select()
        bandit.update(float(rng.random() < means[arm]))
    assert np.argmax(bandit.weights()) == 2
    with pytest.raises(SolverInputError):
        TsallisINF(3, baseline="median")


def test_chebyshev_features_are_cos_k_arccos():
    z = np.linspace(-1, 1, 7)
    F = chebyshev_features(z, 5)
    assert F.shape == (7, 6)
    assert np.allclose(F, np.cos(np.arange(6)[None, :] * np.arccos(z)[:, None]))


def test_chebcb_regression_is_least_squares_and_finds_the_moving_optimum():
    """Costs ``(ω − ω*(c))²`` with ``ω*(c) = 1.2 + 0.6 c``, a polynomial in the tensor basis: the
    recursive fit converges to it, and late choices track ``ω*(c)``."""
    omegas = np.linspace(1.0, 1.9, 10)
    tuner = ChebCBRelaxationBandit(omegas, bounds=(0.0, 1.0), degree=2, omega_degree=2, seed=0)
    rng = np.random.default_rng(3)
    errors = []
    for t in range(1500):
        c = rng.uniform(0, 1)
        omega = tuner.select(c)
        if t >= 1000:
            errors.append(abs(omega - (1.2 + 0.6 * c)))
        tuner.update(np.expm1(10 * (omega - 1.2 - 0.6 * c) ** 2))  # log1p target: exact
    c = 0.3
    assert np.allclose(tuner.predict(c), 10 * (omegas - 1.2 - 0.6 * c) ** 2, atol=2e-2)
    assert np.median(errors) <= 0.05 and tuner.probabilities(c).sum() == pytest.approx(1.0)
    with pytest.raises(SolverInputError):
        ChebCBRelaxationBandit(bounds=(0.0, 1.0), log_context=True)
    with pytest.raises(SolverInputError):
        tuner.select(None)
    with pytest.raises(SolverInputError):
        ChebCBRelaxationBandit(bounds=(0.0, 1.0)).update(3)


def test_chebcb_beats_the_best_fixed_omega_after_warm_up():
    """Khodak et al.'s diffusivity, sped up to a period of 150 steps of 1e−3: the best ω is ≈ 1
    while κ ≤ 0.1 and ≈ 1.4–1.5 when κ ≈ 10. After a warm-up of one period,
    ChebCB needs fewer iterations than every fixed ω of its grid (in hindsight) and than
    ω = 1, and fewer over the whole sequence too."""
    H = HeatCNSequence(24, kappa=lambda t: khodak_diffusivity(t / 0.15))
    steps, warm, grid = 300, 150, np.linspace(1.0, 1.8, 9)
    lo, hi = H.context_range(steps)
    assert lo >= 0 and hi == pytest.approx(10.0, rel=1e-3)

    def run(**kw):
        return tune_relaxation(H.system, count=steps, chained=True, x0=H.initial(), **kw)

    fixed = {w: run(omegas=w) for w in grid}
    after = {w: r.iterations[warm:].sum() for w, r in fixed.items()}
    best = min(after, key=after.get)
    assert best > 1.2  # the comparator is not ω = 1
    cheb = ChebCBRelaxationBandit(grid, bounds=(1e-3, hi), log_context=True, seed=0)
    tuned = run(contexts=H.context, tuner=cheb)
    assert tuned.converged.all()
    assert tuned.iterations[warm:].sum() < 0.93 * after[best]
    assert tuned.total_iterations < 0.95 * min(r.total_iterations for r in fixed.values())
    assert tuned.total_iterations < 0.9 * fixed[1.0].total_iterations
    # small κ: the fitted model prefers a smaller ω than at large κ
    assert grid[np.argmin(cheb.predict(0.02))] < grid[np.argmin(cheb.predict(9.0))]
    with pytest.raises(SolverInputError):
        run(tuner=object())
