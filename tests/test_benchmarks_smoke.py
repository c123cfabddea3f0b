"""Smoke test of benchmarks/fem_assembly.py: tiny sizes, pdesolve only, JSON on the last line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fem_assembly.py"


@pytest.fixture(scope="module")
def quick_run() -> dict:
    # about 10 s on an idle 2-core machine (worker start-up, numba cache loading)
    cp = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-skfem"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cp.returncode == 0, cp.stderr[-3000:]
    return json.loads(cp.stdout.strip().splitlines()[-1])


def test_quick_benchmark_reports_all_cases(quick_run):
    data = quick_run
    assert data["quick"] is True
    assert data["checks_ok"], (data["failed_checks"], data["failed_cases"])
    for case in ("p1_tri_0.25M", "p1_tri_1M", "p1_tri_4M", "p2_tri_1M", "p1_tet_1M"):
        for phase in ("mesh", "first", "reassembly", "load", "dirichlet"):
            assert data[f"{case}_{phase}_s"] > 0, (case, phase)
            assert data[f"{case}_{phase}_wall_s"] > 0, (case, phase)
        assert data[f"{case}_peak_mb"] >= 0
        assert data[f"{case}_held_mb"] > 0
        assert data[f"{case}_dofs"] > 0
    # scikit-fem skipped: its keys and the ratios are present and null
    for key in (
        "skfem_p1_tri_1M_first_s",
        "skfem_p1_tri_1M_peak_mb",
        "ratio_first_1M",
        "ratio_reassembly_1M",
        "ratio_peak_mem_1M",
    ):
        assert key in data and data[key] is None, key


def test_quick_benchmark_reassembly_in_place(quick_run):
    assert not quick_run.get("errors"), quick_run.get("errors")
    assert quick_run["p1_tri_1M_reassembly_out_s"] > 0


def test_solvers_benchmark_quick():
    """benchmarks/solvers.py --quick runs and reports the keys the issue names."""
    data = run_quick("solvers.py")
    for key in (
        "cg_time_per_iter_ratio_vs_scipy",
        "sor_sweep_fraction_of_bandwidth_bound",
        "amg_cg_0p5M_total_s",
        "pyamg_scipy_cg_0p5M_total_s",
    ):
        assert isinstance(data[key], float) and data[key] > 0, key
    assert data["amg_cg_small_iterations"] <= 15


def run_quick(name: str, *extra: str, timeout: int = 300) -> dict:
    """Run ``benchmarks/<name> --quick`` and return its last line (one JSON object)."""
    cp = subprocess.run(
        [sys.executable, str(SCRIPT.with_name(name)), "--quick", *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert cp.returncode == 0, cp.stderr[-3000:]
    return json.loads(cp.stdout.strip().splitlines()[-1])


def test_datagen_benchmark_quick():
    """benchmarks/datagen.py --quick runs and reports the keys the issue names."""
    data = run_quick("datagen.py")
    for key in (
        "fno_darcy_421_samples_per_s",
        "fno_darcy_421_naive_samples_per_s",
        "lognormal_darcy_1e4_samples_per_s",
        "lognormal_darcy_1e4_naive_samples_per_s",
        "workers2_speedup",
    ):
        assert isinstance(data[key], float) and data[key] > 0, key
