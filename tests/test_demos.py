"""The literate demos in demos/: each runs in quick mode and reproduces its numbers."""

import pytest

from pdesolve.showcase import DEMOS, demos_dir, load_demo


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("demos")
    return {name: load_demo(name).run(out, quick=True) for name in DEMOS}


def test_contract(results):
    for name, r in results.items():
        assert r["title"] and r["summary"], name
        for f in r["files"]:
            assert f.exists() and f.stat().st_size > 0, f


def test_poisson_lshape_rates(results):
    r = results["poisson"]
    # the corner singularity caps the H1 rate at 2/3 (L2 at 4/3) for P1 and P2 alike
    assert 0.55 < r["rate_H1"][2] < 0.8
    assert 0.55 < r["rate_H1"][1] < 0.85  # P1 is still slightly pre-asymptotic
    for p in (1, 2):
        assert 1.1 < r["rate_L2"][p] < 1.6
    p1, p2 = r["table"][1][-1], r["table"][2][-1]
    assert p2["H1"] < p1["H1"]  # P2 is more accurate, just not faster


def test_cantilever_matches_beam_theory(results):
    r = results["elasticity"]
    assert r["tip_deflection"] == pytest.approx(r["euler_bernoulli"], rel=0.05)
    assert r["tip_deflection"] == pytest.approx(r["timoshenko"], rel=0.02)


def test_heat_robin(results):
    r = results["heat_robin"]
    assert r["imbalance"] < 1e-10  # v = 1 is a test function: heat in = heat out
    assert 1.7 < r["rate_L2"] < 2.4
    assert r["verification"][-1]["L2"] < 0.2
    assert r["max_temperature"] > 20.0


def test_kdv_two_soliton_demo(results):
    r = results["kdv_solitons"]
    assert r["max_error"] < 1e-3
    s = r["phase_shifts"]
    assert s["measured_1"] == pytest.approx(s["theory_1"], abs=0.05)
    assert s["measured_2"] == pytest.approx(s["theory_2"], abs=0.05)
    assert r["invariant_drift"]["mass"] < 1e-12


def test_gray_scott_demo(results):
    r = results["gray_scott"]
    for name in ("stripes", "loops"):
        assert r["covered"][name][0] < 0.1 and r["covered"][name][-1] > 0.3
    for lo, hi in r["bounds"].values():
        assert lo > -1e-3 and hi < 1.05


def test_datagen_demo(results):
    r = results["datagen"]
    assert r["coeff_values"] == [3.0, 12.0]
    assert r["residual_over_tolerance"] <= 1.0
    assert 0.0737 / 12 < r["sol_max"] < 0.0737 / 3


def test_turbulence2d(results):
    r = results["turbulence2d"]
    assert r["finite"] and r["cfl"] < 0.5
    assert r["scheme_difference"] < 1e-3  # FNO step vs ETDRK4
    assert r["energy"][-1] > 3 * r["energy"][0]  # the forcing injects energy


def test_demos_are_literate_notebooks():
    jupytext = pytest.importorskip("jupytext")
    for name in DEMOS:
        nb = jupytext.read(demos_dir() / f"{name}.py")
        kinds = [c.cell_type for c in nb.cells]
        assert kinds.count("markdown") >= 3 and kinds.count("code") >= 3, name
        assert any("$$" in c.source for c in nb.cells if c.cell_type == "markdown"), name


def test_cavity_demo_matches_ghia(results):
    r = results["cavity"]
    assert r["max_deviation"][100.0] <= 0.01  # 16 x 16 graded Taylor-Hood, lid speed 1
    assert {f.name for f in r["files"]} == {"cavity_profiles.png", "cavity_speed.png"}


def test_cylinder_flow_demo_finds_the_drag_maximum(results):
    """Quick mode is the coarse run (6.9k dofs, dt = 1/800): the drag maximum and
    its time are already close to John's values; the full run is in benchmarks/flow.py."""
    r = results["cylinder_flow"]
    assert abs(r["errors"]["cd_max"]) < 0.01 and abs(r["errors"]["t_cd_max"]) < 0.002, r
    assert {f.name for f in r["files"]} == {"cylinder_forces.png", "cylinder_vorticity.png"}
