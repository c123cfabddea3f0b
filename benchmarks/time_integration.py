"""FEM heat equation on 1M P1 triangles, 100 Crank–Nicolson steps: time per step and linear
solver iterations per step, cold starts against warm starts, and a factorise-once direct path.

Problem: u_t = Δu on the unit square, u = 0 on the boundary, u(0) = sin πx sin πy, P1 on
`rectangle(708, 708)` (1,002,528 triangles, 501,264 dofs), dt = 1e-3, 100 steps of
Crank–Nicolson through `HeatEquation.stepper` (pdesolve.time): each step solves
(M + dt/2 K) u = (M - dt/2 K) u_n with AMG-preconditioned CG (Ruge–Stüben hierarchy built once,
reused for all steps; rtol 1e-8), either from x0 = 0 ("plain") or from the previous step's
solution ("warm start"; Krylov subspace recycling proper, GCRO-DR/recycled CG, is a later
issue: the `..._recycled` key reports the warm-started runs until then). The direct path
factorises the step matrix once (SuperLU) and back-substitutes each step. One core (BLAS, numba
pinned). The last line is one JSON object.

Usage: python benchmarks/time_integration.py [--quick] [--steps N]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import pdesolve as ps  # noqa: E402


def run(heat, u0, steps: int, dt: float, **options) -> dict:
    stepper = heat.stepper("crank-nicolson", **options)
    u, t = u0, 0.0
    t0 = time.perf_counter()
    for _ in range(steps):
        u = stepper.step(t, u, dt)
        t += dt
    wall = time.perf_counter() - t0
    its = stepper.stats.get("linear_iterations", [])
    exact = np.exp(-2 * np.pi**2 * t) * u0
    return {
        "s_per_step": wall / steps,
        "iters_per_step": float(np.mean(its)) if its else 0.0,
        "factorizations": stepper.stats.get("factorizations", 0),
        "max_nodal_error": float(np.abs(u - exact).max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small mesh (smoke test)")
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    n = 40 if args.quick else 708
    steps = 10 if args.quick else args.steps
    dt = 1e-3
    load0 = os.getloadavg()[0]
    with threadpool_limits(1):
        t0 = time.perf_counter()
        V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
        heat = ps.models.HeatEquation(V)
        u0 = heat.initial(lambda x: np.sin(np.pi * x[0]) * np.sin(np.pi * x[1]))
        t_setup = time.perf_counter() - t0
        amg = {"solver": "cg", "pc": "amg", "solver_options": {"rtol": 1e-8}}
        plain = run(heat, u0, steps, dt, warm_start=False, **amg)
        warm = run(heat, u0, steps, dt, warm_start=True, **amg)
        direct = run(heat, u0, steps, dt)
    print(
        f"heat equation, P1, {V.mesh.num_cells:,} triangles, {V.num_dofs:,} dofs, "
        f"{steps} Crank-Nicolson steps of dt={dt} (mesh + matrices {t_setup:.2f} s)"
    )
    print(
        f"{'variant':28s}{'s/step':>10s}{'iters/step':>12s}{'factorisations':>16s}"
        f"{'max error':>12s}"
    )
    for name, r in [
        ("AMG-CG, cold start (plain)", plain),
        ("AMG-CG, warm start", warm),
        ("SuperLU, factorised once", direct),
    ]:
        print(
            f"{name:28s}{r['s_per_step']:10.4f}{r['iters_per_step']:12.2f}"
            f"{r['factorizations']:16d}{r['max_nodal_error']:12.2e}"
        )
    label = "heat_1M" if not args.quick else "heat_small"
    fig = {
        f"{label}_s_per_step": min(warm["s_per_step"], direct["s_per_step"]),
        f"{label}_amg_cg_warm_s_per_step": warm["s_per_step"],
        f"{label}_amg_cg_plain_s_per_step": plain["s_per_step"],
        f"{label}_direct_s_per_step": direct["s_per_step"],
        f"{label}_iters_per_step_plain": plain["iters_per_step"],
        f"{label}_iters_per_step_recycled": warm["iters_per_step"],
        f"{label}_iters_per_step_warm": warm["iters_per_step"],
        "dofs": V.num_dofs,
        "steps": steps,
        "dt": dt,
        "setup_s": t_setup,
        "loadavg_start": load0,
        "loadavg_end": os.getloadavg()[0],
    }
    if args.quick:
        fig.update(
            {
                "heat_1M_s_per_step": None,
                "heat_1M_iters_per_step_plain": None,
                "heat_1M_iters_per_step_recycled": None,
            }
        )
    print(json.dumps(fig))


if __name__ == "__main__":
    main()
