"""Sequences of related systems: GCRO-DR recycling and ordering against GMRES(40) one by one
(PETSc and scipy), scipy's gcrotmk with a recycled CU list, sparse direct, AMG-CG, recycled CG;
Tsallis-INF ω tuning of SSOR-PCG over a Crank–Nicolson heat sequence.

Problems (SKR, Wang et al., ICLR 2024; :mod:`pdesolve.models.darcy_fd`): coefficient
``a = exp(GRF)``, GRF with α = 2.5, τ = 7 on the periodic square (FNO/SKR ``GaussianRF``, via
:mod:`pdesolve.datagen.fields`), f = 1.

- ``darcy6400`` / ``darcy1e4``: SKR's nonsymmetric five-point "Darcy" matrices, n = 6400 / 10⁴;
- ``helmholtz1e4``: the same field with diagonal ``4a − h²k²``, ``k ~ U(0, 1)``, n = 10⁴;
- by default with ``layout="skr-code"``: the matrices exactly as SKR's committed generator builds
  them (their upper-neighbour couplings are shifted by two grid points — see
  ``pdesolve.models.darcy_fd``), the matrices behind their published ratios; one
  configuration is repeated on the corrected operator (``*_corrected_*`` keys), where restarted
  GMRES does not stagnate and recycling gains far less;
- ``spd1e4``: ``−∇·(a∇u)`` with harmonic-mean faces (SPD), n = 10⁴, rtol 1e−8, SSOR(ω=1).

Methods and what is timed (total over the sequence, one core, threads pinned):

- ``petsc_gmres``: PETSc KSPGMRES, restart 40, ``-ksp_pc_side right`` (so its rtol is on the
  unpreconditioned residual ``‖b − Ax‖ ≤ rtol ‖b‖``, like every other method here; PETSc's
  default left preconditioning would test ``‖M⁻¹(b − Ax)‖``), max 10 000 iterations (SKR's cap:
  systems that hit it count 10 000 iterations and are reported as not converged), one KSP per
  system, matrix conversion included. ``-pc_type sor`` is PETSc's default local symmetric sweep
  with ω = 1, i.e. SSOR(1) — the operator of our ``"ssor"`` preconditioner, used by our methods.
- ``scipy_gmres``: ``scipy.sparse.linalg.gmres(restart=40)`` (true-residual test), on the first
  ``--scipy-systems`` systems only (it is slow); the GMRES(40) baseline of every ratio is the
  faster of PETSc and scipy per system.
- ``gcrodr_reset``: our GCRO-DR(40, 20) with the recycle space reset before every system
  (deflated restarting within each solve only); ``gcrodr_recycled``: recycling across the
  caller's order, zero initial guess (SKR's setting); ``gcrodr_greedy``: greedy order +
  recycling, zero initial guess (``solve_sequence`` defaults; a warm start from the previous
  solution costs iterations here, see ``pdesolve.linalg.sequence``). Their totals
  include ordering, preconditioner set-up, the ``C = orth(A U)`` rebuilds and the Ritz work.
- ``gcrotmk``: ``scipy.sparse.linalg.gcrotmk(m=20, k=20)`` with its ``CU`` list carried from system
  to system (``discard_C=True`` since the matrix changes), greedy order; iterations = products
  with ``A`` (including its ``C`` rebuilds).
- ``direct``: SuperLU per system. ``amg_cg``: pyamg smoothed-aggregation V-cycle + our CG, set-up
  per system. ``pcg`` (ours) and ``petsc_cg`` (KSPCG + SSOR) one by one; ``rcg``: our recycled CG
  (k = 20) with greedy order.

Ratios (JSON): ``<set>_rtol<tol>_<pc>_iter_ratio`` = GMRES(40) iterations / ``gcrodr_greedy``
iterations, ``_time_ratio`` likewise for total time.

The heat sequence (``heat_*`` keys; ``--only heat`` runs just this part): Khodak et al.'s 2D
heat equation as in their ``h2d.m`` — κ(t) = max(0.1 sin 2πt, −10 sin 2πt), a bump source
circling the centre, Δt = 1e−3, Crank–Nicolson, five-point, warm start from uⁿ — SSOR-PCG to
1e−8, n = 63² and 2000 steps (two periods of κ; they run 5000) by default. The context of step
n is κ(t_{n+½}): in the first half-period κ ≤ 0.1 and the best ω is ≈ 1, in the second κ
reaches 10 and the best ω is ≈ 1.55–1.7, so no fixed ω is best throughout. Compared: ω = 1;
Tsallis-INF over 20 ω in [1, 1.95] (plain and with the reduced-variance estimator); Tsallis-INF
per κ bin (8 log-spaced bins, reduced-variance); ChebCB-like regression on log κ; and the best
fixed ω of the grid in hindsight over the steps after the warm-up W (one period of κ, the first
1000 steps; every other ω, then the neighbours of the best). One seed (0) per bandit.
``tsallis_vs_omega1_iter_ratio`` = ω = 1 iterations / Tsallis-INF iterations (whole sequence);
``<bandit>_vs_best_fixed_after_warmup_iter_ratio`` = best fixed / bandit, steps ≥ W.

The machine is a shared 2-core VM: timings are noisy (the load average is printed). Full run:
about 11 minutes (the grid alone, ``--only grid``: under 2 minutes). Only the two headline
configurations (Darcy n = 6400 rtol 1e−8 SOR, Helmholtz
n = 10⁴ rtol 1e−7 SOR) and the SPD set run 100 systems with every method (scipy's GMRES on the
first ``--scipy-systems``); the corrected-operator Darcy runs 20; the rest of the grid runs 3
systems per configuration with PETSc GMRES(40) and GCRO-DR + greedy only, and configurations
that would start after ``--budget`` seconds (900) are skipped and listed as such in the JSON
(``*_skipped``); ``--only grid`` runs just that grid.

Usage: python benchmarks/recycling.py [--quick] [--systems N] [--scipy-systems N] [--only heat|grid]
       [--budget SECONDS]
       [--heat-nx 64] [--heat-steps 2000] [--heat-warmup 1000] [--heat-dt 1e-3]
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse.linalg as spla  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from pdesolve.datagen.fields import gaussian_random_field, lognormal  # noqa: E402
from pdesolve.linalg.preconditioners import SSORPC, JacobiPC  # noqa: E402
from pdesolve.linalg.relaxation import (  # noqa: E402
    DEFAULT_OMEGAS,
    ChebCBRelaxationBandit,
    tune_relaxation,
)
from pdesolve.linalg.sequence import solve_sequence  # noqa: E402
from pdesolve.models.darcy_fd import (  # noqa: E402
    HeatCNSequence,
    darcy_skr,
    darcy_symmetric,
    helmholtz_skr,
)

HAVE_PETSC = importlib.util.find_spec("petsc4py") is not None
MAX_IT = 10_000
OUR_PC = {"none": None, "jacobi": "jacobi", "sor": "ssor"}
PETSC_PC = {"none": "none", "jacobi": "jacobi", "sor": "ssor"}  # SSOR, as OUR_PC


@dataclass
class Sequence_:
    """A generated sequence: systems, features (fields), extra features (wave numbers)."""

    name: str
    systems: list
    fields: np.ndarray
    extra: np.ndarray | None

    @property
    def n(self) -> int:
        return self.systems[0][0].shape[0]


@dataclass
class Run:
    iterations: int
    time: float
    converged: int
    systems: int

    def per_system(self) -> float:
        return self.time / self.systems


def make_sequence(kind: str, s: int, count: int, layout: str = "skr-code", seed: int = 0):
    """``count`` systems of ``kind`` on an s x s interior grid (n = s²)."""
    side = s + 2 if layout == "skr-code" and kind != "spd" else s
    fields = lognormal(gaussian_random_field(side, count, alpha=2.5, tau=7.0, seed=seed))
    extra = None
    if kind == "darcy":
        systems = [darcy_skr(a, layout=layout) for a in fields]
    elif kind == "helmholtz":
        extra = np.random.default_rng(seed + 1).uniform(0.0, 1.0, count)
        systems = [helmholtz_skr(a, k, layout=layout) for a, k in zip(fields, extra, strict=True)]
    else:
        systems = [darcy_symmetric(a) for a in fields]
    return Sequence_(f"{kind}{s * s}", systems, fields, extra)


def petsc_gmres(seq: Sequence_, pc: str, rtol: float, count: int | None = None) -> Run:
    from pdesolve.linalg.petsc import petsc_solve

    opts = {"ksp_gmres_restart": 40, "ksp_pc_side": "right"}
    systems = seq.systems[:count]
    t = time.perf_counter()
    its = conv = 0
    for A, b in systems:
        r = petsc_solve(A, b, method="gmres", pc=PETSC_PC[pc], rtol=rtol, maxiter=MAX_IT,
                        options=opts)  # fmt: skip
        its += r.iterations
        conv += r.converged
    return Run(its, time.perf_counter() - t, conv, len(systems))


def petsc_cg(seq: Sequence_, rtol: float) -> Run:
    from pdesolve.linalg.petsc import petsc_solve

    opts = {"ksp_norm_type": "unpreconditioned"}
    t = time.perf_counter()
    its = conv = 0
    for A, b in seq.systems:
        r = petsc_solve(A, b, method="cg", pc="sor", rtol=rtol, maxiter=MAX_IT, options=opts)
        its += r.iterations
        conv += r.converged
    return Run(its, time.perf_counter() - t, conv, len(seq.systems))


def _scipy_pc(pc: str, A):
    if pc == "none":
        return None
    return (SSORPC(A) if pc == "sor" else JacobiPC(A)).as_linear_operator()


def scipy_gmres(seq: Sequence_, pc: str, rtol: float, count: int) -> Run:
    t = time.perf_counter()
    its = conv = 0
    for A, b in seq.systems[:count]:
        n_it = [0]

        def tick(_r, n_it=n_it):
            n_it[0] += 1

        _, info = spla.gmres(A, b, rtol=rtol, restart=40, maxiter=MAX_IT // 40, M=_scipy_pc(pc, A),
                             callback=tick, callback_type="pr_norm")  # fmt: skip
        its += n_it[0]
        conv += info == 0
    return Run(its, time.perf_counter() - t, conv, min(count, len(seq.systems)))


def gcrotmk_recycled(seq: Sequence_, pc: str, rtol: float) -> Run:
    """scipy's GCROT(m, k) with the CU list carried across the (greedy-ordered) sequence."""
    from pdesolve.linalg.ordering import greedy_order

    t = time.perf_counter()
    order = greedy_order(seq.fields, seq.extra)
    CU: list = []
    its = conv = 0
    for i in order:
        A, b = seq.systems[i]
        count = [0]

        def matvec(v, A=A, count=count):
            count[0] += 1
            return A @ v

        op = spla.LinearOperator(A.shape, matvec=matvec, dtype=A.dtype)
        _, info = spla.gcrotmk(op, b, rtol=rtol, m=20, k=20, CU=CU, discard_C=True,
                               M=_scipy_pc(pc, A), maxiter=MAX_IT // 20)  # fmt: skip
        its += count[0]
        conv += info == 0
    return Run(its, time.perf_counter() - t, conv, len(seq.systems))


def ours(seq: Sequence_, method: str, pc: str | None, rtol: float, **options) -> Run:
    r = solve_sequence(seq.systems, seq.fields, method=method, pc=pc, rtol=rtol,
                       maxiter=MAX_IT, raise_on_failure=False, extra_features=seq.extra,
                       **options)  # fmt: skip
    return Run(r.total_iterations, r.total_time, int(r.converged.sum()), len(seq.systems))


def gcrodr_runs(seq: Sequence_, pc: str, rtol: float, full: bool) -> dict[str, Run]:
    p = OUR_PC[pc]
    runs = {}
    if full:
        runs["gcrodr_reset"] = ours(seq, "gcrodr", p, rtol, recycle=False, order="none",
                                    warm_start=None)  # fmt: skip
        runs["gcrodr_recycled"] = ours(seq, "gcrodr", p, rtol, order="none", warm_start=None)
    runs["gcrodr_greedy"] = ours(seq, "gcrodr", p, rtol, order="greedy", warm_start=None)
    return runs


def baseline(runs: dict[str, Run], total: int) -> tuple[float, float, str]:
    """GMRES(40) iterations and time for the whole sequence from the faster of PETSc and scipy
    (per system, on the systems each ran)."""
    cands = {k: runs[k] for k in ("petsc_gmres", "scipy_gmres") if k in runs}
    best = min(cands, key=lambda k: cands[k].per_system())
    r = cands[best]
    return r.iterations / r.systems * total, r.per_system() * total, best


def report(label: str, seq: Sequence_, rtol: float, runs: dict[str, Run], fig: dict) -> None:
    total = len(seq.systems)
    it0, t0, which = baseline(runs, total)
    print(f"\n== {label}: n = {seq.n}, {total} systems, rtol {rtol:g}  (GMRES(40) baseline: "
          f"{which})")  # fmt: skip
    print(f"{'method':18s}{'systems':>8s}{'iters':>10s}{'time s':>10s}{'conv':>6s}"
          f"{'it ratio':>10s}{'t ratio':>9s}")  # fmt: skip
    for name, r in runs.items():
        scale = total / r.systems
        ir = it0 / (r.iterations * scale) if r.iterations else None
        tr = t0 / (r.time * scale)
        print(f"{name:18s}{r.systems:8d}{r.iterations:10d}{r.time:10.3f}{r.converged:6d}"
              f"{ir if ir is not None else float('nan'):10.2f}{tr:9.2f}")  # fmt: skip
        fig[f"{label}_{name}_iterations"] = r.iterations
        fig[f"{label}_{name}_time_s"] = round(r.time, 4)
        fig[f"{label}_{name}_converged"] = r.converged
        fig[f"{label}_{name}_systems"] = r.systems
    g = runs["gcrodr_greedy"]
    fig[f"{label}_iter_ratio"] = round(it0 / g.iterations, 3)
    fig[f"{label}_time_ratio"] = round(t0 / g.time, 3)
    fig[f"{label}_baseline"] = which


def nonsymmetric_config(kind, s, count, rtol, pc, layout, full, n_scipy):
    """Run the GMRES(40) baselines and GCRO-DR (and, if ``full``, the other methods)."""
    seq = make_sequence(kind, s, count, layout)
    runs: dict[str, Run] = {}
    if HAVE_PETSC:
        runs["petsc_gmres"] = petsc_gmres(seq, pc, rtol)
    if n_scipy or not HAVE_PETSC:
        runs["scipy_gmres"] = scipy_gmres(seq, pc, rtol, max(n_scipy, 1))
    runs.update(gcrodr_runs(seq, pc, rtol, full))
    if full:
        runs["direct"] = ours(seq, "direct", None, rtol, order="none", warm_start=None)
    return seq, runs


def spd_config(s, count, rtol, fig) -> None:
    seq = make_sequence("spd", s, count)
    runs: dict[str, Run] = {}
    if HAVE_PETSC:
        runs["petsc_cg"] = petsc_cg(seq, rtol)
    runs["pcg"] = ours(seq, "cg", "ssor", rtol, order="none", warm_start=None)
    runs["rcg"] = ours(seq, "rcg", "ssor", rtol, order="greedy", warm_start=None)
    runs["amg_cg"] = ours(seq, "cg", "amg", rtol, order="none", warm_start=None)
    runs["direct"] = ours(seq, "direct", None, rtol, order="none", warm_start=None)
    label = f"spd1e4_rtol{rtol:.0e}".replace("e-0", "e-") if s == 100 else f"spd{s * s}"
    print(f"\n== {label}: symmetric Darcy, n = {seq.n}, {count} systems, rtol {rtol:g}, SSOR(1)")
    print(f"{'method':18s}{'iters':>10s}{'time s':>10s}{'conv':>6s}")
    for name, r in runs.items():
        print(f"{name:18s}{r.iterations:10d}{r.time:10.3f}{r.converged:6d}")
        fig[f"{label}_{name}_iterations"] = r.iterations
        fig[f"{label}_{name}_time_s"] = round(r.time, 4)
        fig[f"{label}_{name}_converged"] = r.converged
    plain = min((runs[k] for k in ("petsc_cg", "pcg") if k in runs), key=lambda r: r.time)
    recycled = runs["rcg"]
    fig["spd_recycled_vs_plain_pcg_time_ratio"] = round(plain.time / recycled.time, 3)
    fig["spd_recycled_vs_plain_pcg_iter_ratio"] = round(plain.iterations / recycled.iterations, 3)


#: --quick heat sequence: nx, steps, warm-up, Δt (two periods of κ with a 10x larger step)
HEAT_QUICK = (16, 200, 100, 1e-2)


def best_fixed_runs(run, warm: int) -> dict:
    """Fixed-ω runs over :data:`DEFAULT_OMEGAS`: every other ω, then the two neighbours of the
    best of those over the steps after ``warm`` (the count is unimodal in ω here), 12 runs
    instead of 20."""
    grid = [float(w) for w in DEFAULT_OMEGAS]
    runs = {w: run(omegas=w) for w in grid[::2]}
    best = grid.index(min(runs, key=lambda w: runs[w].iterations[warm:].sum()))
    for j in (best - 1, best + 1):
        if 0 <= j < len(grid) and grid[j] not in runs:
            runs[grid[j]] = run(omegas=grid[j])
    return runs


def heat_bandit(nx: int, steps: int, warm: int, dt: float, fig: dict) -> None:
    """Khodak et al.'s heat sequence; context κ(t_{n+½}); bandits against ω = 1 and the best
    fixed ω in hindsight, in total and over the steps after the first ``warm``."""
    H = HeatCNSequence(nx, dt=dt)
    u0 = H.initial()
    lo, hi = H.context_range(steps)

    def run(**kw):
        return tune_relaxation(H.system, count=steps, chained=True, x0=u0, rtol=1e-8, **kw)

    edges = np.geomspace(1e-2, hi, 7)
    cheb = ChebCBRelaxationBandit(bounds=(max(lo, 1e-3), hi), log_context=True, seed=0)
    base = run(omegas=1.0)
    runs = {
        "SSOR-PCG omega=1": base,
        "Tsallis-INF": run(seed=0),
        "Tsallis-INF, RV estimator": run(seed=0, baseline="mean"),
        f"Tsallis-INF per kappa bin ({edges.size + 1})": run(
            contexts=H.context, edges=edges, seed=0, baseline="mean"
        ),
        "ChebCB (log kappa)": run(contexts=H.context, tuner=cheb),
    }
    fixed = best_fixed_runs(run, warm)
    after = {w: int(r.iterations[warm:].sum()) for w, r in fixed.items()}
    tot = {w: r.total_iterations for w, r in fixed.items()}
    best, best_total = min(after, key=after.get), min(tot, key=tot.get)
    runs[f"best fixed omega={best:.2f} (after warm-up)"] = fixed[best]
    print(f"\n== heat CN: nx = {nx} (n = {H.n}), {steps} steps of {dt:g} (kappa in [{lo:.3g}, "
          f"{hi:.3g}]), "
          f"SSOR-PCG rtol 1e-8, warm-up W = {warm} steps")  # fmt: skip
    print(f"{'strategy':40s}{'iters':>9s}{'after W':>9s}{'time s':>9s}")
    for name, r in runs.items():
        print(f"{name:40s}{r.total_iterations:9d}{int(r.iterations[warm:].sum()):9d}"
              f"{r.wall_time:9.2f}")  # fmt: skip
    print(f"best fixed omega over all steps: {best_total:.2f} ({tot[best_total]} iterations)")
    keys = ("omega1", "tsallis", "tsallis_rv", "tsallis_binned", "chebcb")
    after_of = {
        k: int(r.iterations[warm:].sum()) for k, r in zip(keys, runs.values(), strict=False)
    }
    total_of = {k: r.total_iterations for k, r in zip(keys, runs.values(), strict=False)}
    fig.update({"heat_nx": nx, "heat_steps": steps, "heat_dt": dt, "heat_warmup_steps": warm})
    for k in keys:
        fig[f"heat_{k}_iterations"] = total_of[k]
        fig[f"heat_{k}_after_warmup"] = after_of[k]
        if k != "omega1":
            fig[f"{k}_vs_best_fixed_after_warmup_iter_ratio"] = round(after[best] / after_of[k], 3)
            fig[f"{k}_vs_omega1_iter_ratio"] = round(total_of["omega1"] / total_of[k], 3)
    fig.update({
        "heat_best_fixed_omega_after_warmup": best,
        "heat_best_fixed_after_warmup": after[best],
        "heat_best_fixed_omega": best_total, "heat_best_fixed_iterations": tot[best_total],
        "heat_omega1_time_s": round(base.wall_time, 3),
        "heat_tsallis_time_s": round(runs["Tsallis-INF"].wall_time, 3),
        "heat_chebcb_time_s": round(runs["ChebCB (log kappa)"].wall_time, 3),
        # names of earlier versions: the contextual variant is the binned Tsallis-INF
        "heat_contextual_iterations": total_of["tsallis_binned"],
        "heat_contextual_after_warmup": after_of["tsallis_binned"],
        "contextual_vs_best_fixed_after_warmup_iter_ratio":
            fig["tsallis_binned_vs_best_fixed_after_warmup_iter_ratio"],
    })  # fmt: skip


def warm_up() -> None:
    """Compile / load the numba kernels and initialise PETSc outside the timings."""
    seq = make_sequence("darcy", 6, 2)
    for pc in ("sor", "jacobi"):
        gcrodr_runs(seq, pc, 1e-6, True)
        if HAVE_PETSC:
            petsc_gmres(seq, pc, 1e-6)
    spd = make_sequence("spd", 6, 2)
    ours(spd, "rcg", "ssor", 1e-6)
    ours(spd, "cg", "ssor", 1e-6)
    if HAVE_PETSC:
        petsc_cg(spd, 1e-6)
    tune_relaxation(HeatCNSequence(6).system, count=2, chained=True, x0=np.zeros(25))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (< 15 s)")
    parser.add_argument("--systems", type=int, default=100, help="headline sequence length")
    parser.add_argument("--scipy-systems", type=int, default=2, help="systems run by scipy")
    parser.add_argument("--only", choices=("heat", "grid"), help="run only this section")
    parser.add_argument(
        "--budget", type=float, default=900.0, help="seconds after which grid cases are skipped"
    )
    parser.add_argument("--heat-nx", type=int, default=64, help="heat grid intervals per side")
    parser.add_argument("--heat-steps", type=int, default=2000, help="heat time steps")
    parser.add_argument("--heat-warmup", type=int, default=1000, help="heat warm-up steps W")
    parser.add_argument("--heat-dt", type=float, default=1e-3, help="heat time step")
    args = parser.parse_args()
    if args.only == "heat":
        heat = (
            HEAT_QUICK
            if args.quick
            else (args.heat_nx, args.heat_steps, args.heat_warmup, args.heat_dt)
        )
        tune_relaxation(HeatCNSequence(6).system, count=2, chained=True, x0=np.zeros(25))
        fig = {"quick": args.quick, "only": "heat"}
        heat_bandit(*heat, fig)
        print(json.dumps(fig))
        return
    load0 = os.getloadavg()[0]
    t_start = time.perf_counter()
    warm_up()
    fig: dict = {"quick": args.quick, "petsc": HAVE_PETSC}
    if args.quick:
        s6400, s1e4, n_head, n_grid, n_scipy = 14, 16, 6, 3, 2
        grid_pcs, heat = ("none",), HEAT_QUICK
    else:
        s6400, s1e4, n_head, n_grid, n_scipy = 80, 100, args.systems, 3, args.scipy_systems
        grid_pcs = ("none", "jacobi", "sor")
        heat = (args.heat_nx, args.heat_steps, args.heat_warmup, args.heat_dt)

    if args.only != "grid":
        headline(args, fig, s6400, s1e4, n_head, n_scipy, heat)
    # the rest of the grid: fewer systems, PETSc GMRES(40) against GCRO-DR + greedy, in order of
    # interest; configurations that would start after `budget` seconds are skipped (reported)
    grid = [("darcy", s6400, "darcy6400", (1e-8, 1e-5)), ("helmholtz", s1e4, "helmholtz1e4",
            (1e-7, 1e-5)), ("darcy", s1e4, "darcy1e4", (1e-8, 1e-5))]  # fmt: skip
    headlines = {"darcy6400_rtol1e-8_sor", "helmholtz1e4_rtol1e-7_sor"}
    for kind, s, name, tols in grid:
        for rtol in tols:
            for pc in grid_pcs[::-1]:
                label = f"{name}_rtol{rtol:.0e}_{pc}".replace("e-0", "e-")
                if label in headlines:  # run with 100 systems and every method
                    continue
                if time.perf_counter() - t_start > args.budget and not args.quick:
                    fig[f"{label}_skipped"] = "time budget"
                    print(f"\n== {label}: skipped (time budget)")
                    continue
                seq, runs = nonsymmetric_config(kind, s, n_grid, rtol, pc, "skr-code", False, 0)
                report(label, seq, rtol, runs, fig)
    fig["total_s"] = round(time.perf_counter() - t_start, 1)
    fig["loadavg_start"], fig["loadavg_end"] = load0, os.getloadavg()[0]
    print(f"\ntotal {fig['total_s']} s; load average {load0:.2f} -> {fig['loadavg_end']:.2f} "
          "(shared 2-core machine: timings are noisy)")  # fmt: skip
    print(json.dumps(fig))


def headline(args, fig: dict, s6400: int, s1e4: int, n_head: int, n_scipy: int, heat) -> None:
    """The headline configurations (100 systems, every method), the corrected operator, the SPD
    set and the heat bandit."""
    label = "darcy6400_rtol1e-8_sor"
    seq, runs = nonsymmetric_config("darcy", s6400, n_head, 1e-8, "sor", "skr-code", True, n_scipy)
    runs["gcrotmk"] = gcrotmk_recycled(seq, "sor", 1e-8)
    report(label, seq, 1e-8, runs, fig)
    fig["gcrotmk_recycled_time_ratio"] = round(runs["gcrotmk"].time / runs["gcrodr_greedy"].time, 3)
    label = "helmholtz1e4_rtol1e-7_sor"
    seq, runs = nonsymmetric_config("helmholtz", s1e4, n_head, 1e-7, "sor", "skr-code", True,
                                    n_scipy)  # fmt: skip
    report(label, seq, 1e-7, runs, fig)
    # the same Darcy configuration on the corrected operator (fewer systems)
    label = "darcy6400_corrected_rtol1e-8_sor"
    seq, runs = nonsymmetric_config("darcy", s6400, 20 if not args.quick else 6, 1e-8, "sor",
                                    "corrected", True, 0)  # fmt: skip
    report(label, seq, 1e-8, runs, fig)
    # SPD set and the bandit
    spd_config(s1e4, n_head, 1e-8, fig)
    heat_bandit(*heat, fig)


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
