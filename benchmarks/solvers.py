"""Linear solvers on P1 Poisson: AMG-CG, PETSc GAMG-CG, SuperLU, SSOR-PCG, plain CG; SOR ω sweep;
SOR sweep cost against the memory-traffic bound; our CG per iteration against scipy's.

Problem: -Δu = 1 on the unit square, u = 0 on the boundary, P1 on `rectangle(n, n)` (right
diagonals), n = 707 (0.5M dofs) and 1414 (2M dofs); rtol 1e-8 on ||b - Ax|| / ||b|| for every
method. One core: BLAS, numba and PETSc are pinned to one thread. Each timing is a single run
after a warm-up (numba compile) on a small matrix; the machine is a shared 2-core VM, so the load
average at start and end is printed.

Figures: setup and solve seconds and iterations per method and size (our AMG-CG is pyamg's
Ruge–Stüben hierarchy with our CG; the baselines are scipy's CG with pyamg's default smoothed
aggregation and with the same Ruge–Stüben hierarchy); the SOR iteration count
against ω on the 5-point Laplacian (Young's ω_opt = 2/(1 + sin πh) against our estimate); one
numba SOR sweep against the memory bound of 12 bytes per nonzero (8-byte value + 4-byte index;
bandwidth of a 256 MB read stream, the faster of numpy's `a.sum()` and a numba int64 sum;
median over fresh allocations, as the host moves the same sweep between ~5.5 and ~9.5 ms; the
fraction against the read+write bandwidth of a numpy copy is printed too); our CG's time per
iteration over scipy's on the same matrix and the same iteration count. The last line is one
JSON object.

Usage: python benchmarks/solvers.py [--quick] [--no-2m]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import functools  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402
from _timing import time_sor_sweep  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import pdesolve as ps  # noqa: E402
from pdesolve.fem import forms  # noqa: E402
from pdesolve.linalg.front import drop_stored_zeros  # noqa: E402
from pdesolve.linalg.krylov import cg_solve  # noqa: E402
from pdesolve.linalg.preconditioners import AMGPC, SSORPC  # noqa: E402
from pdesolve.linalg.stationary import sor, splitting, young_omega  # noqa: E402

RTOL = 1e-8
HAVE_PETSC = importlib.util.find_spec("petsc4py") is not None


def poisson(n: int):
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(n, n), "P", 1)
    A = ps.fem.assemble(forms.stiffness(), V)
    b = ps.fem.assemble(forms.source(1.0), V)
    return ps.fem.DirichletBC(V, None, 0.0).apply(A, b)


def laplacian_5pt(m: int) -> sp.csr_matrix:
    """The 5-point Laplacian on an m x m interior grid (consistently ordered: Young's theory)."""
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(m, m))
    return (sp.kron(sp.eye(m), T) + sp.kron(T, sp.eye(m))).tocsr()


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def relres(A, x, b) -> float:
    return float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))


def solver_table(n: int, label: str, skip: set[str]) -> dict:
    A, b = poisson(n)
    # every method (and the baselines) gets the matrix without the stored zeros of the cached
    # FEM pattern, as solve() does: what a scikit-fem user would hand pyamg/scipy
    A = drop_stored_zeros(A)
    fig: dict = {f"{label}_dofs": A.shape[0]}
    rows = []

    def record(name, setup, solve, iters, x):
        fig[f"{name}_{label}_setup_s"] = setup
        fig[f"{name}_{label}_solve_s"] = solve
        fig[f"{name}_{label}_total_s"] = setup + solve
        fig[f"{name}_{label}_iterations"] = iters
        rows.append((name, setup, solve, iters, relres(A, x, b)))

    # ours: pyamg hierarchy + our CG
    pc, t_setup = timed(lambda: AMGPC(A))
    res, t_solve = timed(lambda: cg_solve(A, b, rtol=RTOL, M=pc, maxiter=1000))
    record("amg_cg", t_setup, t_solve, res.iterations, res.x)
    # baselines: pyamg + scipy CG, with pyamg's default (smoothed aggregation) and with the
    # Ruge-Stueben hierarchy our AMGPC builds (same AMG: isolates our CG against scipy's)
    import pyamg

    for name, build in (
        ("pyamg_scipy_cg", pyamg.smoothed_aggregation_solver),
        ("pyamg_rs_scipy_cg", pyamg.ruge_stuben_solver),
    ):
        ml, t_setup = timed(lambda build=build: build(A))
        count = [0]
        (x, _), t_solve = timed(
            lambda ml=ml, count=count: spla.cg(
                A,
                b,
                rtol=RTOL,
                M=ml.aspreconditioner(),
                callback=lambda _x: count.__setitem__(0, count[0] + 1),
            )
        )
        record(name, t_setup, t_solve, count[0], x)
    if HAVE_PETSC and "petsc" not in skip:
        from pdesolve.linalg.petsc import petsc_solve

        opts = {"ksp_type": "cg", "pc_type": "gamg", "ksp_norm_type": "unpreconditioned"}
        r, t = timed(lambda: petsc_solve(A, b, options=opts, rtol=RTOL))
        record("petsc_gamg_cg", 0.0, t, r.iterations, r.x)
    if "lu" not in skip:
        lu, t_setup = timed(lambda: ps.linalg.DirectSolver(A))
        x, t_solve = timed(lambda: lu.solve(b))
        record("superlu", t_setup, t_solve, 0, x)
    ssor, t_setup = timed(lambda: SSORPC(A, omega=1.0))
    res, t_solve = timed(lambda: cg_solve(A, b, rtol=RTOL, M=ssor, maxiter=20_000))
    record("ssor_cg", t_setup, t_solve, res.iterations, res.x)
    if "plain" not in skip:
        res, t_solve = timed(lambda: cg_solve(A, b, rtol=RTOL, maxiter=50_000))
        record("plain_cg", 0.0, t_solve, res.iterations, res.x)
    print(f"\n== P1 Poisson {label}: {A.shape[0]:,} dofs, {A.nnz:,} nonzeros, rtol {RTOL}")
    head = ("method", "setup s", "solve s", "total s", "iters", "relres")
    print(
        f"{head[0]:18s}" + "".join(f"{h:>10s}" for h in head[1:4]) + f"{head[4]:>8s}{head[5]:>11s}"
    )
    for name, s, t, it, rr in rows:
        print(f"{name:18s}{s:10.3f}{t:10.3f}{s + t:10.3f}{it:8d}{rr:11.2e}")
    return fig, A, b


def cg_per_iteration(A, b, iters: int = 200, reps: int = 3) -> dict:
    ours, theirs = [], []
    for _ in range(reps):
        _, t = timed(lambda: cg_solve(A, b, rtol=0.0, atol=0.0, maxiter=iters))
        ours.append(t / iters)
        _, t = timed(lambda: spla.cg(A, b, rtol=0.0, atol=0.0, maxiter=iters))
        theirs.append(t / iters)
    o, s = min(ours), min(theirs)
    print(
        f"\nCG per iteration ({iters} its, best of {reps}): ours {o * 1e3:.3f} ms, "
        f"scipy {s * 1e3:.3f} ms, ratio {o / s:.3f} (target <= 1.2)"
    )
    return {
        "cg_time_per_iter_s": o,
        "scipy_cg_time_per_iter_s": s,
        "cg_time_per_iter_ratio_vs_scipy": o / s,
    }


def sor_omega_sweep(m: int) -> dict:
    A = laplacian_5pt(m)
    b = np.random.default_rng(0).standard_normal(A.shape[0])
    h = 1.0 / (m + 1)
    exact = 2.0 / (1.0 + np.sin(np.pi * h))
    est, t_est = timed(lambda: young_omega(A))
    omegas = sorted({1.0, 1.2, 1.4, 1.6, 1.7, 1.8, 1.85, 1.9, round(exact, 4), 1.95, 1.98})
    its = {}
    for w in omegas:
        r = sor(A, b, omega=w, rtol=1e-8, maxiter=100_000)
        its[w] = r.iterations
    print(
        f"\nSOR on the 5-point Laplacian, {m}x{m}: Young's ω_opt = {exact:.5f}, estimated "
        f"{est:.5f} in {t_est:.3f} s"
    )
    for w in omegas:
        mark = "  <- ω_opt" if abs(w - exact) < 1e-3 else ""
        print(f"  ω = {w:6.4f}: {its[w]:6d} iterations{mark}")
    gs, best = its[1.0], its[round(exact, 4)]
    theory = np.log(exact - 1.0) / np.log(np.cos(np.pi * h) ** 2)
    print(f"  GS/SOR(ω_opt) iterations {gs / best:.2f}, theory {theory:.2f}")
    return {
        "sor_m": m,
        "sor_omega_opt_exact": exact,
        "sor_omega_opt_estimated": est,
        "sor_iterations_by_omega": {str(k): v for k, v in its.items()},
        "sor_gs_over_opt_iterations": gs / best,
        "sor_gs_over_opt_theory": float(theory),
    }


@numba.njit(cache=True)
def read_stream(v):  # pragma: no cover
    """Sum of an int64 array: a pure read stream (integer adds vectorise without fastmath)."""
    s = 0
    for i in range(v.size):
        s += v[i]
    return s


def sweep_vs_bandwidth(m: int, rounds: int = 7, trials: int = 5) -> dict:
    """One SOR sweep against the 12 B/nnz read bound.

    On this VM the same sweep takes about 5.5 or 9.5 ms depending on the allocation and the
    time (an SpMV with the same traffic shows the same two modes, a pure read stream barely).
    So each of ``trials`` draws a fresh copy of the matrix, fresh vectors and a
    fresh 256 MB bandwidth array, times the sweep and the bandwidth interleaved (best of
    ``rounds`` each, so both see the same load), and the figure is the median fraction over
    the trials (min and max printed too)."""
    A = laplacian_5pt(m)
    a_bytes = 32 * 1024 * 1024 * 8

    def once(fn) -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    rows, sum_fracs = [], []
    for _ in range(trials):
        S = splitting(A.copy())
        a = np.ones(a_bytes // 8)
        c = np.empty_like(a)
        copy = functools.partial(np.copyto, c, a)
        sweep = time_sor_sweep(S, omega=1.5, repeat=1)
        read64 = functools.partial(read_stream, a.view(np.int64))
        read64()  # compile
        copy_t, sum_t, read_t = np.inf, np.inf, np.inf
        for _ in range(rounds):
            s = time_sor_sweep(S, omega=1.5, repeat=1)
            sweep["seconds"] = min(sweep["seconds"], s["seconds"])
            copy_t = min(copy_t, once(copy))
            sum_t = min(sum_t, once(a.sum))
            read_t = min(read_t, once(read64))
        # the faster of the two read streams (numba's is ~25% faster than numpy's sum here)
        read_bw, copy_bw = a_bytes / min(sum_t, read_t), 2 * a_bytes / copy_t  # copy: r + w
        bound = 12.0 * sweep["nnz"] / read_bw  # the 12 B/nnz are all reads
        sum_bound = 12.0 * sweep["nnz"] * sum_t / a_bytes  # the session-2 yardstick
        rows.append((bound / sweep["seconds"], sweep["seconds"], read_bw, copy_bw, bound))
        sum_fracs.append(sum_bound / sweep["seconds"])
        del S, a, c
    fracs = np.array([r[0] for r in rows])
    med = rows[int(np.argsort(fracs)[len(rows) // 2])]
    frac, seconds, read_bw, copy_bw, bound = med
    nnz, streamed = sweep["nnz"], sweep["bytes_streamed"]
    frac_copy = 12.0 * nnz / copy_bw / seconds
    print(
        f"\nSOR sweep, {A.shape[0]:,} unknowns, {nnz:,} nonzeros, {trials} fresh allocations: "
        f"sweep {', '.join(f'{r[1] * 1e3:.2f}' for r in rows)} ms; read bandwidth "
        f"{', '.join(f'{r[2] / 1e9:.2f}' for r in rows)} GB/s; fraction of the 12 B/nnz bound "
        f"{', '.join(f'{f:.2f}' for f in fracs)}\n  median {frac:.2f} (min {fracs.min():.2f}, "
        f"max {fracs.max():.2f}; target >= 0.5): sweep {seconds * 1e3:.2f} ms against the "
        f"bound {bound * 1e3:.2f} ms; against copy bandwidth {copy_bw / 1e9:.2f} GB/s: "
        f"{frac_copy:.2f}; the kernel streams {streamed / A.shape[0]:.0f} B/row against the "
        f"bound's {12.0 * nnz / A.shape[0]:.0f} ({streamed / seconds / 1e9:.2f} GB/s moved); "
        f"against numpy's a.sum() bandwidth alone: median {np.median(sum_fracs):.2f}"
    )
    return {
        "sor_sweep_s": seconds,
        "sor_sweep_nnz": nnz,
        "sor_sweep_bytes_streamed": streamed,
        "read_bandwidth_gbs": read_bw / 1e9,
        "copy_bandwidth_gbs": copy_bw / 1e9,
        "sor_sweep_bound_s": bound,
        "sor_sweep_fraction_of_bandwidth_bound": frac,
        "sor_sweep_fraction_min": float(fracs.min()),
        "sor_sweep_fraction_vs_numpy_sum_bandwidth": float(np.median(sum_fracs)),
        "sor_sweep_fraction_max": float(fracs.max()),
        "sor_sweep_fraction_of_copy_bound": frac_copy,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--no-2m", action="store_true", help="skip the 2M-dof problem")
    args = parser.parse_args()
    load0 = os.getloadavg()[0]
    figures: dict = {"petsc_available": HAVE_PETSC}
    with threadpool_limits(1):
        warm, wb = poisson(8)
        cg_solve(warm, wb, M=SSORPC(warm))
        time_sor_sweep(laplacian_5pt(8))
        sizes = [(40, "small", set())] if args.quick else [(707, "0p5M", set())]
        if not args.quick and not args.no_2m:
            sizes.append((1414, "2M", {"plain", "lu"}))
        A05 = b05 = None
        for n, label, skip in sizes:
            fig, A, b = solver_table(n, label, skip)
            figures.update(fig)
            if A05 is None:
                A05, b05 = A, b
        figures.update(cg_per_iteration(A05, b05, iters=50 if args.quick else 200))
        figures.update(sor_omega_sweep(16 if args.quick else 96))
        figures.update(sweep_vs_bandwidth(64, trials=2) if args.quick else sweep_vs_bandwidth(1000))
    key = "small" if args.quick else "0p5M"
    figures["amg_cg_0p5M_total_s"] = figures.get(f"amg_cg_{key}_total_s")
    figures["pyamg_scipy_cg_0p5M_total_s"] = figures.get(f"pyamg_scipy_cg_{key}_total_s")
    figures["pyamg_rs_scipy_cg_0p5M_total_s"] = figures.get(f"pyamg_rs_scipy_cg_{key}_total_s")
    figures["petsc_gamg_cg_0p5M_total_s"] = figures.get(f"petsc_gamg_cg_{key}_total_s")
    figures["loadavg_start"], figures["loadavg_end"] = load0, os.getloadavg()[0]
    print(
        f"\nAMG-CG 0.5M total {figures['amg_cg_0p5M_total_s']:.3f} s (target <= 2 s; "
        f"pyamg SA + scipy CG {figures['pyamg_scipy_cg_0p5M_total_s']:.3f} s, pyamg RS + scipy "
        f"CG {figures['pyamg_rs_scipy_cg_0p5M_total_s']:.3f} s); load "
        f"{load0:.2f} -> {figures['loadavg_end']:.2f}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
