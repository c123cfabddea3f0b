# %% [markdown]
# # The lid-driven cavity against Ghia, Ghia & Shin (1982)
#
# Fluid fills the unit square; the lid $y = 1$ slides to the right at speed 1, the other walls
# are at rest. The steady incompressible Navier–Stokes equations with $\nu = 1/\mathrm{Re}$,
#
# $$
# (u \cdot \nabla) u - \nu \Delta u + \nabla p = 0, \qquad \nabla \cdot u = 0 ,
# $$
#
# are discretised with Taylor–Hood elements (P2 velocity, P1 pressure) on a mesh graded toward
# the walls, and solved by Newton's method: each step solves the Jacobian system
#
# $$
# \begin{pmatrix} \nu K + N(u_k) & B^T \\ B & 0 \end{pmatrix}
# \begin{pmatrix} \delta u \\ \delta p \end{pmatrix} = - F(u_k, p_k)
# $$
#
# with the saddle-point LU (`ps.linalg.SaddlePointLU`). At high Reynolds numbers Newton needs a
# good start: the solution at a lower Re (Reynolds continuation 100 → 400 → 1000).
# The velocity is prescribed on the whole boundary, so the pressure is fixed by a mean-zero
# constraint (`pressure="mean"`).
#
# **Check.** Ghia, Ghia & Shin's multigrid finite-difference profiles (129² and 257² grids) of
# $u$ along the vertical centreline and $v$ along the horizontal centreline are the standard
# reference; we plot ours through their points and print the largest deviation.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import pdesolve as ps
from pdesolve.models.cavity import GHIA_U, GHIA_V, GHIA_X, GHIA_Y, lid_driven_cavity

# %% [markdown]
# ## Solve at one Reynolds number
#
# `lid_driven_cavity(Re, n)` builds the graded $n \times n$ mesh, runs Newton with
# continuation and samples the centrelines at Ghia's points. Try `Re=400` or a finer `n`.

# %%
result = lid_driven_cavity(100.0, n=16)
print(f"Re = 100, n = 16: max |ours - Ghia| = {result.max_deviation:.4f}, "
      f"Newton iterations {result.newton_iterations}")


# %% [markdown]
# ## The profiles beside Ghia's points


# %%
def profile_figure(results: dict[float, object]):
    fig, (ax_u, ax_v) = plt.subplots(1, 2, figsize=(10, 4.4))
    y = np.linspace(0.0, 1.0, 201)
    for (Re, res), colour in zip(results.items(), ("C0", "C1", "C2"), strict=False):
        u = res.solution[0]
        uc = u.eval(np.column_stack([np.full_like(y, 0.5), y]))[:, 0]
        vc = u.eval(np.column_stack([y, np.full_like(y, 0.5)]))[:, 1]
        ax_u.plot(uc, y, colour, label=f"pdesolve Re={Re:g}")
        ax_v.plot(y, vc, colour, label=f"pdesolve Re={Re:g}")
        key = int(round(Re))
        ax_u.plot(GHIA_U[key], GHIA_Y, "o", color=colour, mfc="none", label=f"Ghia Re={key}")
        ax_v.plot(GHIA_X, GHIA_V[key], "o", color=colour, mfc="none", label=f"Ghia Re={key}")
    ax_u.set_xlabel("u(0.5, y)")
    ax_u.set_ylabel("y")
    ax_u.set_title("horizontal velocity on the vertical centreline", fontsize="medium")
    ax_v.set_xlabel("x")
    ax_v.set_ylabel("v(x, 0.5)")
    ax_v.set_title("vertical velocity on the horizontal centreline", fontsize="medium")
    for ax in (ax_u, ax_v):
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


fig = profile_figure({100.0: result})
fig  # noqa: B018 - shown inline in a notebook


# %% [markdown]
# ## The flow: speed and the primary vortex


# %%
def speed_figure(res):
    fig, ax = plt.subplots(figsize=(5.6, 4.8))
    ps.plot.plot(res.solution[0], ax, cmap="viridis", levels=24)
    ax.set_title(f"speed |u|, Re = {res.Re:g}", fontsize="medium")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    fig.tight_layout()
    return fig


fig = speed_figure(result)
fig  # noqa: B018 - shown inline in a notebook


# %% [markdown]
# ## Run it all
#
# Quick mode: Re = 100 on 16 x 16. Full: Re = 100, 400, 1000 on 32 x 32 (9.5k dofs; Ghia
# within 0.01 at Re = 100 and 0.02 at Re = 1000, as `tests/models/test_navier_stokes.py`
# asserts).


# %%
def run(out_dir="output", quick: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cases = (100.0,) if quick else (100.0, 400.0, 1000.0)
    n = 16 if quick else 32
    results = {Re: lid_driven_cavity(Re, n=n) for Re in cases}
    files = []
    for name, fig in (("cavity_profiles", profile_figure(results)),
                      ("cavity_speed", speed_figure(results[cases[-1]]))):  # fmt: skip
        fig.savefig(out / f"{name}.png", dpi=120)
        plt.close(fig)
        files.append(out / f"{name}.png")
    dofs = results[cases[0]].solution.space.num_dofs
    summary = [f"lid-driven cavity, Taylor-Hood P2-P1 on a graded {n}x{n} mesh ({dofs} dofs)"]
    summary += [f"Re = {Re:>6g}: max |ours - Ghia| = {r.max_deviation:.4f}, Newton iterations "
                f"{r.newton_iterations}" for Re, r in results.items()]  # fmt: skip
    return {
        "title": "Lid-driven cavity against Ghia, Ghia & Shin",
        "summary": summary,
        "files": files,
        "max_deviation": {Re: r.max_deviation for Re, r in results.items()},
    }


# %%
if __name__ == "__main__":
    result = run("output")
    print("\n".join(result["summary"]))
