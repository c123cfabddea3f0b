"""Smoke test of benchmarks/spectral.py: 64² grids, few steps, JSON on the last line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "spectral.py"
KEYS = ("ns256_steps_per_s", "ns256_numpy_baseline_steps_per_s", "ns256_fft_share",
        "ks256_steps_per_s", "ks256_numpy_baseline_steps_per_s")


def test_quick_spectral_benchmark():
    cp = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True,
                        timeout=120)
    assert cp.returncode == 0, cp.stderr[-3000:]
    data = json.loads(cp.stdout.strip().splitlines()[-1])
    assert data["quick"] is True
    for key in KEYS:
        assert data[key] > 0, key
    assert 0 < data["ns256_fft_share"] < 1.5
    # ours and the hand-written loops run the same schemes: same states after the run
    assert data["ns256_rel_diff_vs_baseline"] < 1e-10
    assert data["ks256_rel_diff_vs_baseline"] < 1e-10
