"""Smoke test of benchmarks/recycling.py --quick: it runs and reports the keys issue 6 names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "recycling.py"
KEYS = (
    "darcy6400_rtol1e-8_sor_iter_ratio",
    "darcy6400_rtol1e-8_sor_time_ratio",
    "helmholtz1e4_rtol1e-7_sor_iter_ratio",
    "helmholtz1e4_rtol1e-7_sor_time_ratio",
    "spd_recycled_vs_plain_pcg_time_ratio",
    "tsallis_vs_omega1_iter_ratio",
    "gcrotmk_recycled_time_ratio",
)


def test_recycling_benchmark_quick():
    cp = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert cp.returncode == 0, cp.stderr[-3000:]
    data = json.loads(cp.stdout.strip().splitlines()[-1])
    assert data["quick"] is True
    for key in KEYS:
        assert isinstance(data[key], float) and data[key] > 0, key
    # every method converged on every system of the headline configurations
    for label in ("darcy6400_rtol1e-8_sor", "helmholtz1e4_rtol1e-7_sor"):
        for method in ("gcrodr_reset", "gcrodr_recycled", "gcrodr_greedy", "direct"):
            assert data[f"{label}_{method}_converged"] == data[f"{label}_{method}_systems"]
    # recycling across systems cuts the iterations of GCRO-DR reset per system
    label = "darcy6400_rtol1e-8_sor"
    assert data[f"{label}_gcrodr_recycled_iterations"] < data[f"{label}_gcrodr_reset_iterations"]
