# %% [markdown]
# # Flow around a cylinder: the DFG 2D-3 benchmark
#
# The DFG benchmark of Schäfer & Turek (1996): a channel $[0, 2.2] \times [0, 0.41]$ with a
# cylinder of diameter $D = 0.1$ at $(0.2, 0.2)$ — slightly off the centreline, so the wake
# is not symmetric — $\nu = 10^{-3}$, no slip on the walls and the cylinder, a do-nothing
# outlet, and the parabolic inflow
#
# $$
# u(0, y, t) = \Big(\frac{4\, U_m(t)\, y\,(0.41 - y)}{0.41^2},\ 0\Big), \qquad
# U_m(t) = 1.5 \sin(\pi t / 8), \quad t \in [0, 8].
# $$
#
# The Reynolds number $\bar U D / \nu$ rises from 0 to 100 and back: vortices start to shed
# past $t \approx 4$ and die out again. The figures of merit are the largest drag and lift
# coefficients $c_D = 2F_D / (\bar U_{\max}^2 D)$, $c_L = 2F_L / (\bar U_{\max}^2 D)$ with the
# times at which they occur, and the pressure difference $\Delta p = p(0.15, 0.2) - p(0.25, 0.2)$
# at $t = 8$, against John's (2004) reference computation.
#
# **Scheme.** Taylor–Hood P2–P1 on a block-structured mesh graded toward the cylinder
# (`ps.mesh.channel.dfg_channel`), incremental pressure correction (Goda's IPCS,
# `pdesolve.models.ipcs.IPCS`): a tentative velocity with Crank–Nicolson viscosity and
# semi-implicit skew-symmetric convection, a pressure-increment Poisson solve, a velocity
# correction; the rotational pressure update. Forces come from the momentum residual tested
# with the cylinder's velocity basis functions (the volume-integral form, far more accurate
# than integrating the traction over the surface).

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import pdesolve as ps
from pdesolve.models.dfg import DFG_2D3, dfg_unsteady, vorticity

# %% [markdown]
# ## A coarse run
#
# `dfg_unsteady(n, fine, dt, t_end, U_m, speed)` builds `dfg_channel(n, fine=fine)`, runs
# IPCS from rest and records $c_D$, $c_L$, $\Delta p$ every step. This coarse run (6.9k
# dofs, dt = 1/800) takes seconds and already finds the drag maximum; the lift needs the
# full run below, `n=16, fine=2, dt=1/1600` (27k dofs, about 3 minutes). Steps much larger
# than the mesh allows do not blow up (the convection is semi-implicit) but lose accuracy:
# compare `dt=1/200` on `n=8` — refine dt with the mesh.


# %%
def inflow_speed(t):
    return np.sin(np.pi * t / 8.0)


series = dfg_unsteady(8, 1, 1.0 / 800, 8.0, 1.5, inflow_speed, snapshots=(4.0, 6.0, 8.0))
print(f"{series.dofs} dofs, dt = {series.dt:g}, {series.seconds:.1f} s")
print({k: round(v, 4) for k, v in series.peaks().items()})


# %% [markdown]
# ## Drag and lift against time, beside the reference maxima


# %%
def forces_figure(s):
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for ax, y, name, key in ((axes[0], s.cd, "$c_D$", "cd"), (axes[1], s.cl, "$c_L$", "cl")):
        ax.plot(s.t, y, label=f"pdesolve ({s.dofs} dofs, dt = {s.dt:g})")
        ax.plot(DFG_2D3[f"t_{key}_max"], DFG_2D3[f"{key}_max"], "k+", ms=12, mew=2,
                label="John (2004): maximum")  # fmt: skip
        ax.set_ylabel(name)
    axes[2].plot(s.t, s.dp, label="pdesolve")
    axes[2].plot(8.0, DFG_2D3["dp_end"], "k+", ms=12, mew=2, label="John (2004): Δp(8)")
    axes[2].set_ylabel("Δp")
    for ax, title in zip(axes, ("drag", "lift", "pressure difference"), strict=True):
        ax.set_xlabel("t")
        ax.set_title(title, fontsize="medium")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


fig = forces_figure(series)
fig  # noqa: B018 - shown inline in a notebook


# %% [markdown]
# ## The wake: vorticity snapshots


# %%
def vorticity_figure(s):
    times = sorted(s.snapshots)
    fig, axes = plt.subplots(len(times), 1, figsize=(11, 2.0 * len(times)), squeeze=False)
    for ax, t in zip(axes[:, 0], times, strict=True):
        w = vorticity(s.snapshots[t])
        ps.plot.plot(w, ax, cmap="RdBu_r", vmin=-40, vmax=40)
        ax.set_aspect("equal")
        ax.set_title(f"vorticity ω = ∂v/∂x − ∂u/∂y at t = {t:g}", fontsize="medium")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    fig.tight_layout()
    return fig


fig = vorticity_figure(series)
fig  # noqa: B018 - shown inline in a notebook


# %% [markdown]
# ## Run it all
#
# Quick mode: the coarse run above. Full: `n=16, fine=2, dt=1/1600` — 27k dofs, 12,800 steps,
# about 3 minutes on one core: c_D,max within 1e-4 of John's value, c_L,max within 2.5 %, the
# times of both maxima within 0.3 %. `benchmarks/flow.py` runs `n=24` (59k dofs, about
# 6 minutes), which brings c_L,max within 0.4 % and Δp(8) within 0.2 %.


# %%
def run(out_dir="output", quick: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if quick:
        s = series
    else:
        s = dfg_unsteady(16, 2, 1.0 / 1600, 8.0, 1.5, inflow_speed, snapshots=(4.0, 6.0, 8.0),
                         progress=True)  # fmt: skip
    files = []
    for name, fig in (("cylinder_forces", forces_figure(s)),
                      ("cylinder_vorticity", vorticity_figure(s))):  # fmt: skip
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)
        files.append(out / f"{name}.png")
    peaks = s.peaks()
    errors = {k: (peaks[k] - DFG_2D3[k]) / abs(DFG_2D3[k]) for k in peaks}
    summary = [f"DFG 2D-3, Taylor-Hood P2-P1, IPCS: {s.dofs} dofs, dt = {s.dt:g}, "
               f"{s.seconds:.1f} s"]  # fmt: skip
    summary += [f"{k:>9}: {peaks[k]:+.5f} (John 2004: {DFG_2D3[k]:+.5f}, {errors[k]:+.2%})"
                for k in peaks]  # fmt: skip
    return {"title": "Flow around a cylinder (DFG 2D-3)", "summary": summary, "files": files,
            "peaks": peaks, "errors": errors}  # fmt: skip


# %%
if __name__ == "__main__":
    result = run("output")
    print("\n".join(result["summary"]))
