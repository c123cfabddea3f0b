"""Incompressible-flow benchmark: Stokes on the DFG channel at ≈100k Taylor–Hood dofs, the
steady DFG 2D-1 Newton solve and the cavity at Re = 1000, against scikit-fem (and NGSolve
where installed) in the same process, one thread.

Cases
-----
``stokes``
    Taylor–Hood P2–P1 Stokes (ν = 10⁻³, parabolic inflow U_m = 0.3, do-nothing outflow) on
    ``dfg_channel(32, fine=4)`` (118k dofs): pdesolve = ``Stokes(...).solve()`` (assembly of
    the block system, symmetric elimination of the velocity conditions, saddle-point LU);
    scikit-fem = its ex18 approach on the *same* mesh (``asm`` of ``vector_laplace`` and
    ``divergence``, ``condense``, ``spsolve``), the way its examples solve Stokes.
``dfg2d1``
    pdesolve's steady Newton solve (:func:`pdesolve.models.dfg.dfg_2d1`): relative errors of
    c_D, c_L, Δp against the reference values and the wall time.
``cavity``
    ``lid_driven_cavity(1000, n=32)``: max deviation from Ghia et al. (1982).

``ns_step``
    One unsteady step at Re = 100 (U_m = 1.5, dt = 1/1600) on the 2D-3 mesh
    ``dfg_channel(16, fine=2)`` (27k dofs): pdesolve's IPCS (semi-implicit skew convection,
    rotational update), seconds per step over 50 steps after 20 warm-up steps.
``dfg2d3``
    The whole DFG 2D-3 run (t ∈ [0, 8], dt = 1/1600, ``dfg_channel(24, fine=2)``, 59k
    dofs; ≈ 6 minutes): relative errors of
    c_D,max, c_L,max, their times and Δp(8) against John (2004), and the wall time.

NGSolve (``pip install ngsolve``, in the ``bench`` extra) runs in the same process on the
*same* meshes (``_ngsolve_flow.py``: our points, triangles and tags handed to netgen, its
tutorials' Taylor–Hood Stokes with sparse Cholesky and its IMEX step); without it its keys are
``null`` (figures measured before on NGSolve's own curved mesh: ``../shared/reference/
flow-anchors.md``, Stokes ≈ 0.6 s at 100k dofs, IMEX step ≈ 47 ms).

Usage: ``python benchmarks/flow.py [--quick]``; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from threadpoolctl import threadpool_limits  # noqa: E402

import pdesolve as ps  # noqa: E402
from pdesolve.mesh.channel import DFG_HEIGHT, dfg_channel  # noqa: E402
from pdesolve.models.cavity import lid_driven_cavity  # noqa: E402
from pdesolve.models.dfg import (  # noqa: E402
    DFG_2D3,
    NU,
    dfg_2d1,
    dfg_bcs,
    dfg_unsteady,
    pressure_difference,
)
from pdesolve.models.ipcs import IPCS  # noqa: E402
from pdesolve.models.stokes import Stokes  # noqa: E402


def ours_stokes(mesh) -> tuple[float, float, int]:
    """(seconds, Δp, dofs) of pdesolve's Stokes solve, space construction included."""
    t0 = time.perf_counter()
    W = ps.fem.taylor_hood(mesh)
    w = Stokes(W, NU, bcs=dfg_bcs(0.3)).solve()
    seconds = time.perf_counter() - t0
    return seconds, pressure_difference(w), W.num_dofs


def ours_ns_step(mesh, dt: float = 1.0 / 1600, warm: int = 20, steps: int = 50) -> float:
    """Seconds per IPCS step at Re = 100 (U_m = 1.5) after ``warm`` steps from rest."""
    W = ps.fem.taylor_hood(mesh)
    solver = IPCS(W, NU, dt, dfg_bcs(1.5, lambda t: 1.0), outlet="outlet", rotational=True)
    for _ in range(warm):
        solver.step()
    t0 = time.perf_counter()
    for _ in range(steps):
        solver.step()
    return (time.perf_counter() - t0) / steps


def skfem_stokes(mesh) -> tuple[float, float] | None:
    """(seconds, Δp) of scikit-fem's ex18-style Stokes solve on the same mesh, or None."""
    try:
        import scipy.sparse as sp
        import scipy.sparse.linalg as spla
        from skfem import Basis, ElementTriP1, ElementTriP2, ElementVector, MeshTri, asm, condense
        from skfem.models.general import divergence
        from skfem.models.poisson import mass, vector_laplace
    except ImportError:
        return None
    H = DFG_HEIGHT
    t0 = time.perf_counter()
    m = MeshTri(mesh.points.T.copy(), mesh.cells.T.copy())
    r_cyl = np.hypot(*(mesh.points[np.unique(mesh.facet_tags["cylinder"])] - 0.2).T).max()
    m = m.with_boundaries({
        "inlet": lambda x: np.isclose(x[0], 0.0),
        "wall": lambda x: np.isclose(x[1], 0.0) | np.isclose(x[1], H),
        "cyl": lambda x: np.hypot(x[0] - 0.2, x[1] - 0.2) < r_cyl + 1e-7,
    })  # fmt: skip
    bu = Basis(m, ElementVector(ElementTriP2()), intorder=3)
    bp = Basis(m, ElementTriP1(), intorder=3)
    A = NU * asm(vector_laplace, bu)
    B = asm(divergence, bu, bp)
    C = asm(mass, bp)
    K = sp.bmat([[A, -B.T], [-B, 1e-6 * C]], "csr")  # scikit-fem ex18's regularisation
    D = bu.get_dofs(["inlet", "wall", "cyl"]).all()
    inl = bu.get_dofs("inlet").all("u^1")
    x = np.zeros(K.shape[0])
    yy = bu.doflocs[1, inl]
    x[inl] = 4 * 0.3 * yy * (H - yy) / H**2
    Kc, bc, xc, I = condense(K, np.zeros(K.shape[0]), x=x, D=D)
    x[I] = spla.spsolve(Kc.tocsc(), bc)
    seconds = time.perf_counter() - t0
    n_u = A.shape[0]
    P = bp.probes(np.array([[0.2 - r_cyl, 0.2 + r_cyl], [0.2, 0.2]]))
    p = P @ x[n_u:]
    return seconds, float(p[0] - p[1])


def ngsolve_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("ngsolve") is not None


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    args = parser.parse_args()
    n, fine = (12, 2) if args.quick else (32, 4)
    out: dict = {"quick": args.quick}
    with threadpool_limits(1):
        mesh = dfg_channel(n, fine=fine)
        ours = [ours_stokes(mesh) for _ in range(1 if args.quick else 3)]
        t_ours = min(o[0] for o in ours)
        out["stokes_dofs"] = ours[0][2]
        out["stokes_100k_s"] = t_ours
        print(f"Stokes on the DFG channel, {ours[0][2]} dofs: pdesolve {t_ours:.3f} s "
              f"(Δp {ours[0][1]:.6f})")  # fmt: skip
        sk = [skfem_stokes(mesh) for _ in range(1 if args.quick else 2)]
        if sk[0] is None:
            out["skfem_stokes_100k_s"] = None
            print("scikit-fem not installed: its Stokes time is null")
        else:
            t_sk = min(s[0] for s in sk)
            out["skfem_stokes_100k_s"] = t_sk
            out["skfem_over_ours"] = t_sk / t_ours
            print(f"  scikit-fem (ex18: asm + condense + spsolve) {t_sk:.3f} s "
                  f"(Δp {sk[0][1]:.6f}): pdesolve {t_sk / t_ours:.1f}x faster")  # fmt: skip
        out["ngsolve_stokes_100k_s"] = None
        out["ngsolve_ns_step_s"] = None
        if ngsolve_available():
            from _ngsolve_flow import ngsolve_imex_step, ngsolve_stokes

            ng = [ngsolve_stokes(mesh) for _ in range(1 if args.quick else 3)]
            t_ng = min(g[0] for g in ng)
            out["ngsolve_stokes_100k_s"] = t_ng
            out["ours_over_ngsolve_stokes"] = t_ours / t_ng
            print(f"  NGSolve (sparse Cholesky, same mesh) {t_ng:.3f} s (Δp {ng[0][1]:.6f}): "
                  f"pdesolve takes {t_ours / t_ng:.2f}x NGSolve's time")  # fmt: skip
        else:
            print("NGSolve not installed (pip install ngsolve): its keys are null")
        step_mesh = dfg_channel(6 if args.quick else 16, fine=1 if args.quick else 2)
        out["ns_step_s"] = ours_ns_step(step_mesh)
        out["ns_step_dofs"] = ps.fem.taylor_hood(step_mesh).num_dofs
        print(f"IPCS step, Re = 100, dt = 1/1600, {out['ns_step_dofs']} dofs: "
              f"{1e3 * out['ns_step_s']:.1f} ms")  # fmt: skip
        if ngsolve_available():
            out["ngsolve_ns_step_s"] = ngsolve_imex_step(step_mesh)
            out["ours_over_ngsolve_step"] = out["ns_step_s"] / out["ngsolve_ns_step_s"]
            print(f"  NGSolve IMEX step (its tutorial: M + dt Stokes by Cholesky, explicit "
                  f"convection) {1e3 * out['ngsolve_ns_step_s']:.1f} ms: pdesolve takes "
                  f"{out['ours_over_ngsolve_step']:.2f}x")  # fmt: skip
        res = dfg_2d1(n, fine=fine)
        print(f"DFG 2D-1: {res}")
        out.update(dfg2d1_cd_rel_err=abs(res.errors["cd"]), dfg2d1_cl_rel_err=abs(res.errors["cl"]),
                   dfg2d1_dp_rel_err=abs(res.errors["dp"]), dfg2d1_dofs=res.dofs,
                   dfg2d1_s=sum(res.seconds.values()),
                   dfg2d1_newton_iterations=res.newton_iterations)  # fmt: skip
        n3, f3, k3 = (6, 1, 400) if args.quick else (24, 2, 1600)
        s3 = dfg_unsteady(n3, f3, 1.0 / k3, 8.0, 1.5, lambda t: np.sin(np.pi * t / 8))
        pk = s3.peaks()
        e3 = {k: abs(pk[k] - DFG_2D3[k]) / abs(DFG_2D3[k]) for k in pk}
        out.update(dfg2d3_cdmax_rel_err=e3["cd_max"], dfg2d3_clmax_rel_err=e3["cl_max"],
                   dfg2d3_t_cdmax_rel_err=e3["t_cd_max"], dfg2d3_t_clmax_rel_err=e3["t_cl_max"],
                   dfg2d3_dp_rel_err=e3["dp_end"], dfg2d3_wall_s=s3.seconds,
                   dfg2d3_dofs=s3.dofs, dfg2d3_dt=s3.dt)  # fmt: skip
        print(f"DFG 2D-3, {s3.dofs} dofs, dt = {s3.dt:g}, {s3.seconds:.1f} s: "
              + ", ".join(f"{k} {pk[k]:.5f} ({e3[k]:.2e})" for k in pk))
        t0 = time.perf_counter()
        cav = lid_driven_cavity(100.0 if args.quick else 1000.0, n=16 if args.quick else 32)
        out["cavity_re1000_max_dev"] = cav.max_deviation
        out["cavity_s"] = time.perf_counter() - t0
        print(f"cavity Re={cav.Re:g}: max |ours - Ghia| = {cav.max_deviation:.4f} "
              f"({out['cavity_s']:.1f} s)")  # fmt: skip
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
