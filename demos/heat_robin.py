# %% [markdown]
# # Steady heat conduction with Robin (convective) cooling
#
# A disk of radius $R$ conducts heat ($\kappa$) from a source $f$ and loses it through its rim
# to the surrounding air at temperature $g$ with a heat-transfer coefficient $\alpha$
# (Newton's law of cooling):
#
# $$
# -\nabla \cdot (\kappa \nabla u) = f \quad \text{in } \Omega, \qquad
# -\kappa\, \partial_n u = \alpha\, (u - g) \quad \text{on } \partial\Omega .
# $$
#
# The Robin condition is natural: integrating by parts, the weak form is
#
# $$
# \int_\Omega \kappa \nabla u \cdot \nabla v \,dx + \int_{\partial\Omega} \alpha\, u v \,ds
# = \int_\Omega f v \,dx + \int_{\partial\Omega} \alpha g\, v \,ds ,
# $$
#
# which is `stiffness(kappa) + robin(alpha)` on the left and `source(f) + neumann(alpha * g)`
# on the right, the boundary forms assembled over the tagged rim (`where="boundary"`).
#
# **Check.** For constant $f$ and $\alpha$ the solution is radial:
#
# $$
# u(r) = g + \frac{f R}{2 \alpha} + \frac{f}{4 \kappa} (R^2 - r^2).
# $$
#
# **Conservation.** Taking $v = 1$ (which lies in $V_h$) in the weak form shows that the
# discrete solution loses through the rim exactly the heat the source puts in,
# $\int_{\partial\Omega} \alpha (u_h - g)\, ds = \int_\Omega f\, dx$, up to round-off.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.fem import forms

try:
    MESHES = Path(__file__).resolve().parent.parent / "meshes"
except NameError:  # run as a notebook from demos/
    MESHES = Path.cwd().parent / "meshes"

KAPPA = 1.0  # W/(m K)
G_AIR = 20.0  # °C
RIM = "boundary"  # facet tag of the rim (every boundary facet if the mesh has no such tag)


# %% [markdown]
# ## Mesh
#
# The gmsh sample `meshes/disk.msh` (rim tagged `boundary`) when present, else the ring
# generator `ps.mesh.disk(n)`. The radius and centre are read off the rim vertices.


# %%
def disk_mesh(refine: int = 0) -> ps.mesh.Mesh:
    path = MESHES / "disk.msh"
    mesh = ps.mesh.read(path) if path.exists() else ps.mesh.disk(12)
    return mesh.refine(refine)


def geometry(mesh: ps.mesh.Mesh) -> tuple[np.ndarray, float]:
    rim = mesh.points[mesh.facet_vertices(RIM)]
    centre = rim.mean(axis=0)
    return centre, float(np.linalg.norm(rim - centre, axis=1).mean())


# %% [markdown]
# ## Solve
#
# `alpha` and `f` may be numbers or callables of the points `x` (shape `(2, ...)`).


# %%
def solve(mesh: ps.mesh.Mesh, f, alpha, degree: int = 2):
    V = ps.fem.FunctionSpace(mesh, "P", degree)
    robin = ps.fem.assemble(forms.robin(alpha), V, where=RIM)
    A = ps.fem.assemble(forms.stiffness(KAPPA), V) + robin
    ambient = (lambda x: alpha(x) * G_AIR) if callable(alpha) else alpha * G_AIR
    b_rim = ps.fem.assemble(forms.neumann(ambient), V, where=RIM)
    b_src = ps.fem.assemble(forms.source(f), V)
    u = ps.fem.Function(V, spla.spsolve(A.tocsc(), b_src + b_rim))
    # heat balance with v = 1 (the basis functions sum to one): ∫ f dx vs ∫ α (u - g) ds
    heat_in, heat_out = b_src.sum(), (robin @ u.x).sum() - b_rim.sum()
    return u, {
        "heat_in": heat_in,
        "heat_out": heat_out,
        "imbalance": abs(heat_in - heat_out) / abs(heat_in),
    }


# %% [markdown]
# ## 1. Verification: uniform heating and cooling
#
# On the ring meshes of `ps.mesh.disk(n)` every rim vertex lies on the circle; the mesh is a
# polygon inscribed in it, so the error is dominated by the $O(h^2)$ geometry error: the $L^2$
# error falls by about 4 per halving of $h$ for any degree. (Uniform refinement of a fixed
# mesh would keep the coarse polygon, so here each level is generated afresh.)


# %%
def verification(ns, q: float = 100.0, alpha: float = 5.0) -> list[dict]:
    rows = []
    for n in ns:
        mesh = ps.mesh.disk(n)
        centre, R = geometry(mesh)

        def exact(x, centre=centre, R=R):
            r2 = (x[0] - centre[0]) ** 2 + (x[1] - centre[1]) ** 2
            return G_AIR + q * R / (2 * alpha) + q * (R**2 - r2) / (4 * KAPPA)

        u, balance = solve(mesh, q, alpha)
        rows.append(
            {
                "n": n,
                "dofs": u.space.num_dofs,
                "h": mesh.h,
                "L2": ps.fem.errornorm(u, exact, "L2"),
                **balance,
            }
        )
    return rows


# %% [markdown]
# ## 2. An off-centre heater in a cross wind
#
# A Gaussian heater at $x_0 = (-R/3, R/4)$ and a wind from the left: the heat-transfer
# coefficient is three times larger on the windward side,
# $\alpha(x) = \alpha_0 (2 - (x - c)_1 / R)$.


# %%
def cross_wind(mesh: ps.mesh.Mesh, power: float = 200.0, alpha0: float = 5.0):
    centre, R = geometry(mesh)
    x0 = centre + np.array([-R / 3, R / 4])
    width = R / 6

    def heater(x):
        r2 = (x[0] - x0[0]) ** 2 + (x[1] - x0[1]) ** 2
        return power / (np.pi * width**2) * np.exp(-r2 / width**2)

    def alpha(x):
        return alpha0 * (2.0 - (x[0] - centre[0]) / R)

    return solve(mesh, heater, alpha)


def figure(u: ps.fem.Function):
    fig, ax = plt.subplots(figsize=(6, 5))
    ps.plot.plot(u, ax, cmap="inferno", levels=20)
    ps.plot.plot_mesh(u.space.mesh, ax, color="w", linewidth=0.15, tags=True)
    ax.set_title("temperature [°C]: heater in a cross wind from the left", fontsize="medium")
    fig.tight_layout()
    return fig


# %% [markdown]
# ## Run it all


# %%
def run(out_dir="output", quick: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = verification((4, 8) if quick else (4, 8, 16, 32))
    rate = np.log(rows[-2]["L2"] / rows[-1]["L2"]) / np.log(rows[-2]["h"] / rows[-1]["h"])
    mesh = disk_mesh(0 if quick else 1)
    u, balance = cross_wind(mesh)
    fig = figure(u)
    fig.savefig(out / "heat_robin.png", dpi=120)
    plt.close(fig)
    ps.io.write_functions(out / "heat_robin.vtu", u.space, {"temperature": u})
    summary = [
        "-∇·(κ∇u) = f on a disk, -κ ∂u/∂n = α(u - g) on the rim, P2",
        "uniform heating, exact radial solution:",
        f"{'n':>5} {'dofs':>6} {'h':>8} {'L2 error':>10} {'heat balance':>13}",
    ]
    summary += [
        f"{r['n']:>5} {r['dofs']:>6} {r['h']:8.4f} {r['L2']:10.3e} {r['imbalance']:13.1e}"
        for r in rows
    ]
    summary += [
        f"L2 rate {rate:.2f} (2: the polygonal boundary)",
        f"cross-wind heater: max temperature {u.x.max():.2f} °C, heat in "
        f"{balance['heat_in']:.2f} W/m = out {balance['heat_out']:.2f} W/m",
    ]
    return {
        "title": "Steady heat with Robin cooling on a disk",
        "summary": summary,
        "files": [out / "heat_robin.png", out / "heat_robin.vtu"],
        "verification": rows,
        "rate_L2": rate,
        "max_temperature": float(u.x.max()),
        "imbalance": balance["imbalance"],
    }


# %%
if __name__ == "__main__":
    result = run("output")
    print("\n".join(result["summary"]))
