# %% [markdown]
# # Poisson's equation on the L-shaped domain: a corner singularity
#
# We solve
#
# $$
# -\Delta u = 0 \quad \text{in } \Omega = (-1, 1)^2 \setminus [0, 1) \times (-1, 0], \qquad
# u = g \quad \text{on } \partial\Omega,
# $$
#
# with the boundary data taken from the exact solution, in polar coordinates
# $(r, \theta)$ about the re-entrant corner, $\theta \in [0, 3\pi/2]$,
#
# $$
# u(r, \theta) = r^{2/3} \sin\!\left(\tfrac{2\theta}{3}\right).
# $$
#
# It is harmonic and vanishes on the two sides that meet at the corner, but its gradient
#
# $$
# \nabla u = \tfrac{2}{3}\, r^{-1/3}
#   \begin{pmatrix} \sin(-\theta/3) \\ \cos(-\theta/3) \end{pmatrix}
# $$
#
# blows up at $r = 0$: $u \in H^{1 + 2/3 - \varepsilon}(\Omega)$ only. On uniformly refined
# meshes the finite-element error therefore decays like
#
# $$
# |u - u_h|_{H^1} \sim h^{\min(p,\, 2/3)}, \qquad \|u - u_h\|_{L^2} \sim h^{\min(p + 1,\, 4/3)},
# $$
#
# so P2 is more accurate than P1 by a constant factor but no faster: the corner, not the
# element, sets the rate. (Graded or adaptive meshes recover the full rate.)
#
# The weak form: find $u_h \in V_h$, $u_h = g_h$ on $\partial\Omega$, such that
# $\int_\Omega \nabla u_h \cdot \nabla v \,dx = 0$ for all $v \in V_h$ vanishing on the boundary.

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

ALPHA = 2.0 / 3.0


# %% [markdown]
# ## Exact solution and its gradient
#
# Coefficient callables see points `x` of shape `(gdim, ...)`; we measure $\theta$ in
# $[0, 2\pi)$ and map round-off just below $\theta = 0$ (points on the side $y = 0$) back to 0.


# %%
def polar(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    theta = np.mod(np.arctan2(x[1], x[0]), 2 * np.pi)
    theta = np.where(theta > 1.75 * np.pi, theta - 2 * np.pi, theta)
    return np.hypot(x[0], x[1]), theta


def exact(x: np.ndarray) -> np.ndarray:
    r, theta = polar(x)
    return r**ALPHA * np.sin(ALPHA * theta)


def grad_exact(x: np.ndarray) -> np.ndarray:
    r, theta = polar(x)
    c = ALPHA * r ** (ALPHA - 1)
    return np.stack([c * np.sin((ALPHA - 1) * theta), c * np.cos((ALPHA - 1) * theta)])


# %% [markdown]
# ## The mesh
#
# The sample mesh `meshes/lshape.msh` (gmsh) if it is there, the structured generator
# otherwise. Uniform refinement halves $h$ and keeps the geometry exact (the domain is a
# polygon).


# %%
def coarse_mesh() -> ps.mesh.Mesh:
    path = MESHES / "lshape.msh"
    return ps.mesh.read(path) if path.exists() else ps.mesh.lshape(2)


# %% [markdown]
# ## Solve
#
# Assemble the stiffness matrix on the Lagrange space of degree $p$, impose $u = g$ on the
# whole boundary by symmetric elimination, solve, and measure the errors against the exact
# solution with a high-order quadrature rule.


# %%
def solve(mesh: ps.mesh.Mesh, degree: int) -> tuple[ps.fem.Function, dict]:
    V = ps.fem.FunctionSpace(mesh, "P", degree)
    A = ps.fem.assemble(forms.stiffness(), V)
    b = np.zeros(V.num_dofs)  # f = 0
    A, b = ps.fem.DirichletBC(V, "boundary", exact).apply(A, b)
    u = ps.fem.Function(V, spla.spsolve(A.tocsc(), b))
    errors = {
        "dofs": V.num_dofs,
        "h": mesh.h,
        "L2": ps.fem.errornorm(u, exact, "L2"),
        "H1": ps.fem.errornorm(u, exact, "H10", grad_exact=grad_exact),
    }
    return u, errors


# %% [markdown]
# ## Convergence under uniform refinement
#
# The observed rate between two meshes is $\log(e_{k-1}/e_k) / \log(h_{k-1}/h_k)$; expect
# about $2/3$ in the $H^1$ seminorm and $4/3$ in $L^2$ for both degrees.


# %%
def convergence(
    base: ps.mesh.Mesh, degrees=(1, 2), max_cells: int = 30_000, min_levels: int = 3
) -> dict[int, list[dict]]:
    meshes = [base]
    while len(meshes) < min_levels or 4 * meshes[-1].num_cells <= max_cells:
        meshes.append(meshes[-1].refine())
    table: dict[int, list[dict]] = {}
    for p in degrees:
        rows = []
        for mesh in meshes:
            _, row = solve(mesh, p)
            if rows:
                ratio = np.log(rows[-1]["h"] / row["h"])
                row["rate_L2"] = np.log(rows[-1]["L2"] / row["L2"]) / ratio
                row["rate_H1"] = np.log(rows[-1]["H1"] / row["H1"]) / ratio
            rows.append(row)
        table[p] = rows
    return table


def format_table(table: dict[int, list[dict]]) -> list[str]:
    lines = [
        f"{'p':>2} {'dofs':>7} {'h':>8} {'L2 error':>10} {'rate':>5} {'H1 error':>10} {'rate':>5}"
    ]
    for p, rows in table.items():
        for r in rows:
            rl2 = f"{r['rate_L2']:5.2f}" if "rate_L2" in r else "    -"
            rh1 = f"{r['rate_H1']:5.2f}" if "rate_H1" in r else "    -"
            lines.append(
                f"{p:>2} {r['dofs']:>7} {r['h']:8.4f} {r['L2']:10.3e} {rl2} {r['H1']:10.3e} {rh1}"
            )
    return lines


# %% [markdown]
# ## Figure
#
# The P2 solution on the coarse mesh (graded towards the corner if it comes from the gmsh
# file), and the
# errors against the number of unknowns with the $h^{2/3} \sim N^{-1/3}$ reference slope.


# %%
def figure(u: ps.fem.Function, table: dict[int, list[dict]]):
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.5))
    ps.plot.plot(u, ax0, levels=15)
    ps.plot.plot_mesh(u.space.mesh, ax0, color="w", linewidth=0.2)
    ax0.set_title(f"$u_h$, P{u.space.degree}, {u.space.num_dofs} dofs")
    for p, rows in table.items():
        n = np.array([r["dofs"] for r in rows], dtype=float)
        ax1.loglog(n, [r["H1"] for r in rows], "o-", label=f"P{p} $|e|_{{H^1}}$")
        ax1.loglog(n, [r["L2"] for r in rows], "s--", label=f"P{p} $\\|e\\|_{{L^2}}$")
    n = np.array([r["dofs"] for r in table[1]], dtype=float)
    ax1.loglog(n, table[1][0]["H1"] * (n / n[0]) ** (-1 / 3), "k:", label="$N^{-1/3} = h^{2/3}$")
    ax1.set_xlabel("unknowns $N$")
    ax1.set_ylabel("error")
    ax1.legend(fontsize="small")
    ax1.set_title("uniform refinement: rate set by the corner")
    fig.tight_layout()
    return fig


# %% [markdown]
# ## Run it all
#
# `run` is what `pdesolve demo` calls; it returns the numbers the tests check.


# %%
def run(out_dir="output", quick: bool = False) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    base = coarse_mesh()
    table = convergence(base, max_cells=0 if quick else 30_000, min_levels=2 if quick else 3)
    u, _ = solve(base, 2)
    fig = figure(u, table)
    fig.savefig(out / "poisson_lshape.png", dpi=120)
    plt.close(fig)
    ps.io.write_functions(out / "poisson_lshape.vtu", u.space, {"u": u})
    rates_h1 = {p: rows[-1]["rate_H1"] for p, rows in table.items()}
    rates_l2 = {p: rows[-1]["rate_L2"] for p, rows in table.items()}
    summary = [
        f"-Δu = 0 on the L-shape ({base.num_cells} coarse cells, "
        f"{len(table[1])} refinement levels), u = r^(2/3) sin(2θ/3) on the boundary",
        *format_table(table),
        "finest-level rates: "
        + ", ".join(f"P{p}: H1 {rates_h1[p]:.2f}, L2 {rates_l2[p]:.2f}" for p in table)
        + "  (expected 2/3 and 4/3: the corner singularity)",
    ]
    return {
        "title": "Poisson on the L-shape: corner singularity",
        "summary": summary,
        "files": [out / "poisson_lshape.png", out / "poisson_lshape.vtu"],
        "table": table,
        "rate_H1": rates_h1,
        "rate_L2": rates_l2,
    }


# %%
if __name__ == "__main__":
    result = run("output")
    print("\n".join(result["summary"]))
