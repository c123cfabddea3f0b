"""Bad input and interrupted runs: clear errors, no NaN data, no stray files or processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from datagen_testutils import committed

from pdesolve.cli import main
from pdesolve.datagen import DatagenError, get_recipe
from pdesolve.datagen.runner import generate
from pdesolve.datagen.writers import DatasetSpec, HDF5Writer, read_dataset

DARCY = ["fno-darcy", "--resolution", "17", "--subsample", "1", "--no-progress"]


def _cli(capsys, *args: str) -> tuple[int, str]:
    """Exit status and stderr of ``pdesolve datagen ARGS``."""
    rc = main(["datagen", *args])
    return rc, capsys.readouterr().err


def _start_and_wait(cmd: list[str], out: Path, at_least: int) -> subprocess.Popen:
    """Start ``cmd`` and return once ``out`` has ``at_least`` committed samples."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while committed(out) < at_least and proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("no chunk committed within 60 s")
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()
    return proc


# --------------------------------------------------------------------------- 1. non-finite
@pytest.mark.parametrize(
    ("recipe", "param"), [("heat", "t_end"), ("fno-darcy", "f"), ("helmholtz", "k_max")]
)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_parameters_are_refused(capsys, tmp_path, recipe, param, value):
    with pytest.raises(DatagenError, match=f"{param}=.*finite"):
        get_recipe(recipe, **{param: value})
    out = tmp_path / "x.h5"
    rc, err = _cli(capsys, recipe, "--samples", "2", "--resolution", "17", "--param",
                   f"{param}={value}", "--out", str(out), "--no-progress")  # fmt: skip
    assert rc == 1 and "finite" in err and "Traceback" not in err
    assert not out.exists()


def test_a_chunk_with_nan_is_notcommitted(tmp_path):
    spec = DatasetSpec(recipe="r", parameters={}, seed=0, samples=4,
                       arrays={"u": ((2,), "float64"), "residual": ((), "float64")})  # fmt: skip
    with HDF5Writer(tmp_path / "a.h5", spec) as w:
        w.write(0, {"u": np.ones((2, 2)), "residual": np.zeros(2)})
        with pytest.raises(DatagenError, match=r"samples 2\.\.3 .*residual"):
            w.write(2, {"u": np.ones((2, 2)), "residual": np.array([0.0, np.nan])})
        with pytest.raises(DatagenError, match=r"samples 2\.\.3 .*u"):
            w.write(2, {"u": np.full((2, 2), np.inf), "residual": np.zeros(2)})
        assert w.committed == 2


# --------------------------------------------------------------------------- 2. exports
@pytest.mark.parametrize(
    ("recipe", "params", "key"),
    [("helmholtz", {"resolution": 12}, "k"), ("heat", {"resolution": 9, "snapshots": 3}, "kappa")],
)
def test_mat_exports_keep_the_random_parameter(tmp_path, recipe, params, key):
    from scipy.io import loadmat

    generate(recipe, 3, tmp_path / "a.h5", params=params, progress=False)
    generate(recipe, 3, tmp_path / "a.mat", params=params, fmt="mat", progress=False)
    stored, _ = read_dataset(tmp_path / "a.h5")
    np.testing.assert_array_equal(loadmat(tmp_path / "a.mat")[key].ravel(), stored[key])
    assert key in get_recipe(recipe, **params).exports["pt"].values()


# --------------------------------------------------------------------------- 3. seed, rtol
@pytest.mark.parametrize(
    "bad", [{"seed": -1}, {"seed": 2**63}, {"seed": 2**64}, {"seed": 1.5}, {"rtol": float("nan")},
            {"rtol": float("inf")}, {"rtol": -1.0}, {"rtol": 0.0}],  # fmt: skip
)
def test_bad_seed_or_rtol_is_refused_before_any_file(tmp_path, bad):
    out = tmp_path / "a.h5"
    params = {"resolution": 17, "subsample": 1}
    with pytest.raises(DatagenError, match="seed must|rtol must"):
        generate("fno-darcy", 2, out, params=params, progress=False, **bad)
    assert not out.exists()
    generate("fno-darcy", 2, out, params=params, progress=False)  # the corrected command runs


def test_cli_bad_seed_is_one_line(capsys, tmp_path):
    rc, err = _cli(capsys, *DARCY, "--samples", "2", "--seed", str(2**64), "--out",
                   str(tmp_path / "a.h5"))  # fmt: skip
    assert rc == 1 and err.startswith("pdesolve datagen: error: seed must")
    assert not (tmp_path / "a.h5").exists()


# --------------------------------------------------------------------------- 4. CLI errors
def test_cli_directory_or_unwritable_out(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    for out in (tmp_path, tmp_path / "file" / "x.h5"):
        rc, err = _cli(capsys, *DARCY, "--samples", "2", "--out", str(out))
        assert rc == 1 and err.startswith("pdesolve datagen: error:"), err
        assert len(err.strip().splitlines()) == 1, err


def test_cli_another_process_writing(capsys, tmp_path):
    out = tmp_path / "a.h5"
    generate("fno-darcy", 2, out, params={"resolution": 17, "subsample": 1}, progress=False)
    hold = ("import sys, time, h5py; f = h5py.File(sys.argv[1], 'r+'); print('open', flush=True);"
            " time.sleep(60)")  # fmt: skip
    holder = subprocess.Popen([sys.executable, "-c", hold, str(out)], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        rc, err = _cli(capsys, *DARCY, "--samples", "2", "--out", str(out))
    finally:
        holder.kill()
        holder.wait()
    assert rc == 1 and "another process is writing" in err, err


def test_cli_keyboard_interrupt(capsys, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pdesolve.datagen.runner.generate", interrupted)
    rc, err = _cli(capsys, *DARCY, "--samples", "2", "--out", str(tmp_path / "a.h5"))
    assert rc != 0 and "interrupted; rerun the same command to resume" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- 5. processes
def _descendants(pid: int) -> set[int]:
    try:
        import psutil
    except ImportError:
        if not Path("/proc").is_dir():
            pytest.skip("needs psutil or /proc to find worker processes")
        parents: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = set(), [pid]
        while todo:
            children = parents.get(todo.pop(), [])
            found.update(children)
            todo.extend(children)
        return found
    return {p.pid for p in psutil.Process(pid).children(recursive=True)}


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in ("Z", "X")  # a zombie has exited


def _pool_run(tmp_path: Path) -> tuple[list[str], Path]:
    out = tmp_path / "run.h5"
    cmd = [sys.executable, "-m", "pdesolve.cli", "datagen", "fno-darcy", "--samples", "2000",
           "--resolution", "65", "--subsample", "1", "--chunk", "2", "--solver", "direct",
           "--workers", "2", "--no-progress", "--out", str(out)]  # fmt: skip
    return cmd, out


def test_sigkill_of_the_parent_ends_its_workers(tmp_path):
    cmd, out = _pool_run(tmp_path)
    proc = _start_and_wait(cmd, out, 2)
    workers = _descendants(proc.pid)
    assert workers, "no worker processes found"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [p for p in workers if _running(p)]
    for p in alive:  # do not leave them behind even when the test fails
        os.kill(p, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived their parent"


def test_sigterm_stops_cleanly_and_keeps_the_data(tmp_path):
    cmd, out = _pool_run(tmp_path)
    proc = _start_and_wait(cmd, out, 2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "interrupted; rerun the same command" in err, err
    assert "Traceback" not in err
    assert committed(out) >= 2


# --------------------------------------------------------------------------- 6. creation crash
def test_crash_while_creating_leaves_no_file(tmp_path, monkeypatch):
    import pdesolve.datagen.writers as writers

    def crash() -> dict:
        raise RuntimeError("crash while the file is laid out")

    out = tmp_path / "a.h5"
    params = {"resolution": 17, "subsample": 1}
    with monkeypatch.context() as m:
        m.setattr(writers, "versions", crash)
        with pytest.raises(RuntimeError, match="crash"):
            generate("fno-darcy", 2, out, params=params, progress=False)
    assert not out.exists()
    assert generate("fno-darcy", 2, out, params=params, progress=False).written == 2


def test_unopenable_file_is_a_clear_error(capsys, tmp_path):
    out = tmp_path / "a.h5"
    out.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)  # a header and nothing else
    rc, err = _cli(capsys, *DARCY, "--samples", "2", "--out", str(out))
    assert rc == 1 and "not a complete pdesolve dataset" in err and "delete it" in err, err


# --------------------------------------------------------------------------- 7. Helmholtz
def test_helmholtz_auto_solves_moderate_wave_numbers_directly(tmp_path):
    params = {"resolution": 40, "k_min": 20.0, "k_max": 60.0}
    assert get_recipe("helmholtz", **params).resolved_solver("auto") == "direct"
    run = generate("helmholtz", 2, tmp_path / "h.h5", params=params, progress=False)
    assert run.solver == "direct"
    stored, _ = read_dataset(tmp_path / "h.h5")
    assert np.all(stored["residual"] < 1e-8)
