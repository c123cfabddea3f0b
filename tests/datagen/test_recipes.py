"""Recipes: stored solutions satisfy their discrete equations; FNO Darcy has published shapes."""

from __future__ import annotations

import numpy as np
import pytest

from pdesolve.datagen import DatagenError
from pdesolve.datagen.recipes import RECIPES, get_recipe
from pdesolve.datagen.stencils import darcy_fno
from pdesolve.models.darcy_fd import laplacian_5pt

TINY = {
    "fno-darcy": {"resolution": 17, "subsample": 1},
    "pdebench-darcy": {"resolution": 16},
    "lognormal-darcy": {"resolution": 14},
    "helmholtz": {"resolution": 14},
    "poisson-bc": {"resolution": 17},
    "heat": {"resolution": 13, "snapshots": 4},
    "ns2d-fno": {"resolution": 16, "subsample": 1, "t_end": 0.004, "dt": 1e-3, "snapshots": 4},
    "burgers-fno": {"resolution": 64, "subsample": 1, "t_end": 4e-3, "dt": 1e-3, "snapshots": 4},
    "ks": {"resolution": 32, "burn_in": 5, "snapshots": 4, "save_every": 1},
}
RTOL = 1e-8


TRAJECTORY_RECIPES = {"ns2d-fno", "burgers-fno", "ks"}


def _samples(out: dict[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    n = len(next(iter(out.values())))
    return [{k: v[i] for k, v in out.items()} for i in range(n)]


@pytest.mark.parametrize("solver", ["direct", "sequence"])
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_stored_solution_satisfies_discrete_equation(name, solver):
    recipe = get_recipe(name, **TINY[name])
    out = recipe.generate([0, 1, 2], seed=11, solver=solver, rtol=RTOL)
    layout = recipe.arrays()
    assert set(out) == set(layout)
    for key, (shape, _) in layout.items():
        assert out[key].shape == (3, *shape), key
    # linear solves: the solver's tolerance; time-stepping recipes ignore the solver and their
    # residual (a replay of one step) is at rounding level either way
    bound = 1e-11 if solver == "direct" or name in TRAJECTORY_RECIPES else RTOL
    for sample in _samples(out):
        assert recipe.residual(sample) <= bound
        if "residual" in sample:  # recorded residual = recomputed from the stored arrays
            assert sample["residual"] == pytest.approx(recipe.residual(sample), rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_samples_depend_on_seed_and_index_only(name):
    recipe = get_recipe(name, **TINY[name])
    whole = recipe.generate([0, 1, 2, 3], seed=4, solver="direct")
    part = recipe.generate([2, 3], seed=4, solver="direct")
    other = recipe.generate([2, 3], seed=5, solver="direct")
    inputs = next(k for k in ("coeff", "nu", "f", "u0", "a") if k in whole)
    np.testing.assert_array_equal(whole[inputs][2:], part[inputs])
    assert not np.allclose(part[inputs], other[inputs])
    solution = next(k for k in ("sol", "tensor", "u") if k in whole)
    np.testing.assert_allclose(whole[solution][2:], part[solution], rtol=1e-9, atol=1e-14)


def test_fno_darcy_constant_coefficient_is_second_order():
    """a = c: darcy_fno is c times the five-point Laplacian, and u_h(1/2, 1/2) converges at
    order 2 to the series value 0.0736713532... / c of -Δu = 1 on the unit square."""
    exact = 0.07367135328153  # sum over odd m, n of 64 sin(m pi/2) sin(n pi/2) / (pi^4 m n (m²+n²))
    errors = []
    for s in (9, 17, 33):
        A, b = darcy_fno(np.full((s, s), 3.0))
        assert abs(A - 3.0 * laplacian_5pt(s - 2)).max() < 1e-12
        u = np.linalg.solve(A.toarray(), b).reshape(s - 2, s - 2)
        errors.append(abs(3.0 * u[(s - 2) // 2, (s - 2) // 2] - exact))
    rates = np.log2(np.array(errors[:-1]) / errors[1:])
    assert np.all((rates > 1.8) & (rates < 2.2)), rates


def test_fno_darcy_421_subsampled_has_published_shapes():
    recipe = get_recipe("fno-darcy")  # 421 nodes, every 5th stored
    assert recipe.resolved_solver("auto") == "sequence"
    out = recipe.generate([0], seed=0, solver="auto")
    assert out["coeff"].shape == (1, 85, 85) and out["sol"].shape == (1, 85, 85)
    assert set(np.unique(out["coeff"]).tolist()) == {3.0, 12.0}
    sol = out["sol"][0]
    assert sol.min() >= 0.0 and np.all(sol[[0, -1], :] == 0) and np.all(sol[:, [0, -1]] == 0)
    # bounded by the constant-coefficient solutions: max 0.0737/12 <= max u <= 0.0737/3
    assert 0.0737 / 12 < sol.max() < 0.0737 / 3
    assert out["residual"][0] <= 1e-8


def test_skr_darcy_is_solved_exactly_by_the_fast_poisson_preconditioner():
    recipe = get_recipe("lognormal-darcy", resolution=30, operator="skr")
    out = recipe.generate([0, 1], seed=0, solver="sequence", rtol=1e-12)
    assert out["residual"].max() < 1e-12


def test_helmholtz_wave_numbers_are_sobol_points():
    from pdesolve.datagen import sobol_parameters

    recipe = get_recipe("helmholtz", resolution=8, k_min=0.5, k_max=2.0)
    k = recipe.generate(list(range(8)), seed=3, solver="direct")["k"]
    np.testing.assert_array_equal(k, sobol_parameters(8, [(0.5, 2.0)], seed=3)[:, 0])


def test_heat_decays_and_rejects_bad_parameters():
    recipe = get_recipe("heat", resolution=17, snapshots=5)
    u = recipe.generate([0], seed=1)["u"][0]
    energy = (u**2).sum(axis=(1, 2))
    assert np.all(np.diff(energy) < 0)
    with pytest.raises(DatagenError):
        get_recipe("heat", kappa_min=1.0, kappa_max=0.5)


def test_bad_recipe_requests_raise():
    with pytest.raises(DatagenError, match="unknown recipe"):
        get_recipe("darcy-of-my-dreams")
    with pytest.raises(DatagenError, match="no parameters"):
        get_recipe("fno-darcy", viscosity=1.0)
    with pytest.raises(DatagenError, match="subsample"):
        get_recipe("fno-darcy", resolution=420, subsample=5)
    with pytest.raises(DatagenError, match="expected int"):
        get_recipe("fno-darcy", resolution="many")


def test_ns2d_reproduces_taylor_green_decay():
    """ω₀ = cos 2πx cos 2πy without forcing: the advection vanishes and ω decays as
    exp(−8π²νt); FNO's Crank–Nicolson step is second order in dt (error ~1e-9 here)."""
    nu = 1e-2
    recipe = get_recipe("ns2d-fno", resolution=32, subsample=2, t_end=0.5, dt=1e-3, snapshots=5,
                        nu=nu, initial="taylor-green", forcing="none")
    out = recipe.generate([0], seed=0)
    a, u = out["a"][0], out["u"][0]
    assert u.shape == (16, 16, 5)
    decay = np.exp(-8 * np.pi**2 * nu * recipe.times())
    np.testing.assert_allclose(u, a[..., None] * decay, atol=1e-7 * abs(a).max())


def test_burgers_matches_cole_hopf():
    """Stored u(t = 0.2) against the exact Cole–Hopf solution from the stored u0."""
    from pdesolve.models.burgers import Burgers

    recipe = get_recipe("burgers-fno", resolution=256, subsample=1, t_end=0.2, dt=1e-3, nu=0.1,
                        sigma=2.0)
    out = recipe.generate([0], seed=0)
    exact = Burgers(256, 1.0, nu=0.1).cole_hopf(out["a"][0], 0.2)
    assert out["u"].shape == (1, 256)
    np.testing.assert_allclose(out["u"][0], exact, atol=1e-8 * abs(exact).max())
