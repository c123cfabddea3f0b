"""Runs: resume after a real kill -9, identical data for 1/2 workers and Dask, formats, refusals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from datagen_testutils import committed

from pdesolve.datagen import DatagenError
from pdesolve.datagen.runner import generate
from pdesolve.datagen.writers import DatasetSpec, HDF5Writer, read_dataset

PARAMS = {"resolution": 33, "subsample": 2}
RUN = {"params": PARAMS, "seed": 5, "chunk": 3, "solver": "sequence", "progress": False}


def _same(a: Path, b: Path) -> None:
    x, meta_x = read_dataset(a)
    y, meta_y = read_dataset(b)
    assert meta_x["committed"] == meta_y["committed"] == meta_x["samples"]
    assert sorted(x) == sorted(y)
    for key in x:
        np.testing.assert_array_equal(x[key], y[key], err_msg=key)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ref") / "ref.h5"
    generate("fno-darcy", 10, path, **RUN)
    return path


def test_two_workers_give_identical_data(reference, tmp_path):
    out = tmp_path / "w2.h5"
    summary = generate("fno-darcy", 10, out, workers=2, **RUN)
    assert summary.written == 10 and summary.solver == "sequence"
    _same(reference, out)


def test_dask_local_cluster_gives_identical_data(reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        # by address, as `--scheduler tcp://host:8786` does
        generate("fno-darcy", 10, tmp_path / "dask.h5", scheduler=cluster.scheduler_address, **RUN)
    _same(reference, tmp_path / "dask.h5")


def test_kill_9_then_rerun_gives_the_uninterrupted_file(tmp_path):
    """A `pdesolve datagen` process killed with SIGKILL mid-run, then the same command again:
    the file equals an uninterrupted run's."""
    samples, args = 30, ["--resolution", "65", "--subsample", "4", "--chunk", "2", "--seed", "9",
                         "--solver", "direct", "--no-progress"]  # fmt: skip
    cmd = [sys.executable, "-m", "pdesolve.cli", "datagen", "fno-darcy", "--samples",
           str(samples), "--out", str(tmp_path / "run.h5"), *args]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while committed(tmp_path / "run.h5") < 4 and proc.poll() is None:
        assert time.monotonic() < deadline, "no sample committed within 60 s"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = committed(tmp_path / "run.h5")
    assert proc.returncode == -signal.SIGKILL
    assert 4 <= killed_at < samples, killed_at  # really killed mid-run

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"resumed at {killed_at}" in again.stdout

    generate("fno-darcy", samples, tmp_path / "full.h5", params={"resolution": 65,
             "subsample": 4}, seed=9, chunk=2, solver="direct", progress=False)  # fmt: skip
    _same(tmp_path / "full.h5", tmp_path / "run.h5")


def test_resume_refuses_another_dataset(reference, tmp_path):
    out = tmp_path / "a.h5"
    generate("fno-darcy", 4, out, **RUN)
    for change in ({"seed": 6}, {"params": {**PARAMS, "low": 4.0}}, {"chunk": 2}):
        with pytest.raises(DatagenError, match="refusing to resume"):
            generate("fno-darcy", 4, out, **{**RUN, **change})
    with pytest.raises(DatagenError, match="refusing to resume"):
        generate("fno-darcy", 5, out, **RUN)
    assert generate("fno-darcy", 4, out, **RUN).written == 0  # complete: nothing to do


def test_writer_commits_in_order_and_resumes(tmp_path):
    spec = DatasetSpec("test", {"a": 1}, 0, 5, {"v": ((2,), "float64"), "s": ((), "int64")})
    path = tmp_path / "w.h5"
    with HDF5Writer(path, spec) as w:
        w.write(0, {"v": np.ones((2, 2)), "s": np.arange(2)})
        with pytest.raises(DatagenError, match="in order"):
            w.write(3, {"v": np.ones((1, 2)), "s": np.arange(1)})
        with pytest.raises(DatagenError, match="do not match"):
            w.write(2, {"v": np.ones((1, 2))})
        w.file["v"][2:4] = 7.0  # a half-written chunk, never committed
    arrays, meta = read_dataset(path)
    assert meta["committed"] == 2 and arrays["v"].shape == (2, 2)
    with HDF5Writer(path, spec) as w:
        assert w.committed == 2
        w.write(2, {"v": np.zeros((3, 2)), "s": np.arange(3)})
    arrays, _ = read_dataset(path)
    np.testing.assert_array_equal(arrays["s"], [0, 1, 0, 1, 2])
    np.testing.assert_array_equal(arrays["v"][2:], 0.0)


def test_exports_have_the_community_keys(reference, tmp_path):
    from scipy.io import loadmat

    arrays, _ = read_dataset(reference)
    generate("fno-darcy", 10, tmp_path / "darcy.mat", fmt="mat", **RUN)
    mat = loadmat(tmp_path / "darcy.mat")
    np.testing.assert_array_equal(mat["coeff"], arrays["coeff"])
    np.testing.assert_array_equal(mat["sol"], arrays["sol"])
    assert not (tmp_path / "darcy.mat.partial.h5").exists()

    generate("pdebench-darcy", 3, tmp_path / "pdb.h5", fmt="pdebench", params={"resolution": 16,
             "beta": 0.1}, progress=False)  # fmt: skip
    with h5py.File(tmp_path / "pdb.h5", "r") as f:
        assert f["tensor"].shape == (3, 1, 16, 16) and f["nu"].shape == (3, 16, 16)
        assert f["x-coordinate"].shape == (16,) and f.attrs["beta"] == 0.1

    try:
        import torch
    except ImportError:
        with pytest.raises(DatagenError, match="PyTorch"):
            generate("fno-darcy", 10, tmp_path / "darcy.pt", fmt="pt", **RUN)
    else:
        generate("fno-darcy", 10, tmp_path / "darcy.pt", fmt="pt", **RUN)
        data = torch.load(tmp_path / "darcy.pt")
        assert set(data) == {"x", "y"} and tuple(data["x"].shape) == (10, 17, 17)
    with pytest.raises(DatagenError, match="exports to"):
        generate("heat", 2, tmp_path / "heat.h5", fmt="pdebench", progress=False)


def test_cli_list_and_errors():
    from pdesolve import cli

    assert cli.main(["datagen", "--list"]) == 0
    assert cli.main(["datagen", "fno-darcy"]) == 1  # no --samples / --out
    assert cli.main(["datagen", "nope", "--samples", "1", "--out", "x.h5"]) == 1
