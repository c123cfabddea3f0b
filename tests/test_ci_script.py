"""The CI script reruns the solver tests under a second OpenBLAS kernel the CPU supports."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "openblas-second-core.sh"


def _pick(tmp_path, flags):
    f = tmp_path / "cpuinfo"
    f.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    out = subprocess.run(["sh", str(SCRIPT), str(f)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_second_core_type_is_one_the_cpu_has(tmp_path):
    assert _pick(tmp_path, "fpu sse4_2 avx avx2 fma avx512f avx512bw") == "Haswell"
    assert _pick(tmp_path, "fpu sse4_2 avx avx2 fma") == "Sandybridge"
    assert _pick(tmp_path, "fpu sse4_2 avx") == "Nehalem"
    assert _pick(tmp_path, "fpu sse2") == ""  # nothing safe: the second pass is skipped
    # "avx2" must match as a whole flag, not inside "avx512f"
    assert _pick(tmp_path, "fpu avx avx512f") == "Nehalem"


def test_ci_runs_the_solver_tests_under_the_second_kernel():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/openblas-second-core.sh" in ci
    assert 'OPENBLAS_CORETYPE="$second" ./test.sh tests/linalg tests/time' in ci
