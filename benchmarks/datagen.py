"""Data generation throughput: pdesolve.datagen against a naive loop, and 1 against 2 workers.

Cases (samples per second, higher is better):

- FNO Darcy (12/3 coefficient, f = 1) solved at 128² and 421² nodes (stored 85² at 421);
- SKR log-normal Darcy, symmetric operator, n = 100² = 10⁴;
- FNO Navier–Stokes, 256² solve stored at 64², over a short horizon (100 steps of dt = 1e-4;
  the per-step cost is what matters, FNO's T = 50 is 500 000 steps).

"ours" is :func:`pdesolve.datagen.runner.generate` writing the HDF5 file (inputs, solves,
writes; ``--solver auto``: ordered, warm-started fast-Poisson-preconditioned CG at these sizes;
NS: a chunk integrated as one batch). "naive" is what a generation script does without it:
per sample, draw the same inputs, build the same system and call ``scipy.sparse.linalg.spsolve``
(FNO itself solves with MATLAB's ``A\\F``), or for NS one ``rollout`` per sample — nothing
written. Workers: the 421² Darcy run (or 128² with ``--quick``) with 1 and 2 worker processes;
``workers2_speedup`` compares steady throughput (after the first chunk: process start-up
excluded), ``workers2_speedup_wall`` whole wall times. BLAS is pinned to one thread per process.
The machine is a shared 2-core VM: timings are noisy, and two workers compete with other jobs.

Usage: python benchmarks/datagen.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import scipy.sparse.linalg as spla  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from pdesolve.datagen.recipes import get_recipe  # noqa: E402
from pdesolve.datagen.runner import generate  # noqa: E402
from pdesolve.datagen.seeding import sample_rng  # noqa: E402


def ours(recipe: str, n: int, params: dict, tmp: Path, workers: int = 1, chunk: int = 16):
    out = tmp / f"{recipe}-{params.get('resolution')}-{workers}.h5"
    summary = generate(recipe, n, out, params=params, seed=1, workers=workers, chunk=chunk,
                       progress=False)  # fmt: skip
    out.unlink()
    return summary


def naive_linear(recipe: str, n: int, params: dict) -> float:
    """Samples/s of draw + build + spsolve per sample."""
    rec = get_recipe(recipe, **params)
    t0 = time.perf_counter()
    for i in range(n):
        A, b = rec.system(rec.draw(sample_rng(1, i), i, 1))
        spla.spsolve(A.tocsc(), b)
    return n / (time.perf_counter() - t0)


def naive_ns(n: int, params: dict) -> float:
    """Samples/s of one rollout per sample (the same model, stepper and snapshots)."""
    rec = get_recipe("ns2d-fno", **params)
    model = rec.model()
    snapshots, every, dt, _ = rec.time_grid()
    t0 = time.perf_counter()
    for i in range(n):
        u0 = rec.initial(sample_rng(1, i))
        traj = model.rollout(u0, snapshots * every, dt, "fno", save_every=every)
        traj.u[:, :: rec.stride, :: rec.stride].copy()
    return n / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few seconds")
    args = parser.parse_args()
    q = args.quick
    fig: dict = {"quick": q, "load_average_start": os.getloadavg()[0]}
    darcy_hi = {"resolution": 65 if q else 421, "subsample": 4 if q else 5}
    cases = {
        "fno_darcy_128": ("fno-darcy", {"resolution": 33 if q else 129, "subsample": 1},
                          8 if q else 48, 4 if q else 16),
        "fno_darcy_421": ("fno-darcy", darcy_hi, 4 if q else 12, 2 if q else 3),
        "lognormal_darcy_1e4": ("lognormal-darcy", {"resolution": 30 if q else 100},
                                8 if q else 64, 4 if q else 16),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmpdir, threadpool_limits(1):
        tmp = Path(tmpdir)
        for key, (recipe, params, n, n_naive) in cases.items():
            ours(recipe, 1, params, tmp)  # warm-up: imports, caches, numba
            naive_linear(recipe, 1, params)
            s = ours(recipe, n, params, tmp)
            fig[f"{key}_samples_per_s"] = s.samples_per_second
            fig[f"{key}_solver"] = s.solver
            fig[f"{key}_naive_samples_per_s"] = naive_linear(recipe, n_naive, params)
            fig[f"{key}_speedup"] = s.samples_per_second / fig[f"{key}_naive_samples_per_s"]
            fig[f"{key}_unknowns"] = get_recipe(recipe, **params).unknowns_side() ** 2

        ns = {"resolution": 64 if q else 256, "subsample": 4, "t_end": 0.001 if q else 0.01,
              "dt": 1e-4, "snapshots": 2}  # fmt: skip
        ours("ns2d-fno", 1, ns, tmp)  # warm-up: numba kernels
        naive_ns(1, ns)
        s = ours("ns2d-fno", 4, ns, tmp, chunk=4)
        fig["ns2d_64_samples_per_s"] = s.samples_per_second
        fig["ns2d_64_naive_samples_per_s"] = naive_ns(2, ns)
        fig["ns2d_64_speedup"] = s.samples_per_second / fig["ns2d_64_naive_samples_per_s"]
        fig["ns2d_64_steps_per_sample"] = int(round(ns["t_end"] / ns["dt"]))

        scale = {"resolution": 129, "subsample": 1} if q else darcy_hi
        n_scale = 16 if q else 24
        one = ours("fno-darcy", n_scale, scale, tmp, workers=1, chunk=2)
        two = ours("fno-darcy", n_scale, scale, tmp, workers=2, chunk=2)
        fig["workers1_samples_per_s"] = one.steady_samples_per_second
        fig["workers2_samples_per_s"] = two.steady_samples_per_second
        fig["workers2_speedup"] = two.steady_samples_per_second / one.steady_samples_per_second
        fig["workers2_speedup_wall"] = one.seconds / two.seconds
        fig["workers_case"] = f"fno-darcy {scale['resolution']}^2, {n_scale} samples, chunk 2"
    fig["load_average_end"] = os.getloadavg()[0]

    for key, value in fig.items():
        print(f"{key:<40} {value:.4g}" if isinstance(value, float) else f"{key:<40} {value}")
    print(json.dumps(fig))


if __name__ == "__main__":
    main()
