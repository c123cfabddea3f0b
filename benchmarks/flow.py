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

Not measured (no such solver yet): the unsteady step (``ns_step_s``) and DFG 2D-3; their
keys are ``null``. NGSolve is timed only if ``import ngsolve`` works (``pip install
ngsolve``), on its own mesh of the same size; otherwise its keys are ``null`` and the figures
measured on this machine are in ``../shared/reference/flow-anchors.md`` (Stokes ≈ 0.6 s at
100k dofs, IMEX step ≈ 47 ms).

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
from pdesolve.models.dfg import NU, dfg_2d1, dfg_bcs, pressure_difference  # noqa: E402
from pdesolve.models.stokes import Stokes  # noqa: E402


def ours_stokes(mesh) -> tuple[float, float, int]:
    """(seconds, Δp, dofs) of pdesolve's Stokes solve, space construction included."""
    t0 = time.perf_counter()
    W = ps.fem.taylor_hood(mesh)
    w = Stokes(W, NU, bcs=dfg_bcs(0.3)).solve()
    seconds = time.perf_counter() - t0
    return seconds, pressure_difference(w), W.num_dofs


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
            print("NGSolve is installed, but its side of this benchmark is not scripted yet")
        out["ns_step_s"] = None  # no unsteady Navier-Stokes solver yet
        res = dfg_2d1(n, fine=fine)
        print(f"DFG 2D-1: {res}")
        out.update(dfg2d1_cd_rel_err=abs(res.errors["cd"]), dfg2d1_cl_rel_err=abs(res.errors["cl"]),
                   dfg2d1_dp_rel_err=abs(res.errors["dp"]), dfg2d1_dofs=res.dofs,
                   dfg2d1_s=sum(res.seconds.values()),
                   dfg2d1_newton_iterations=res.newton_iterations)  # fmt: skip
        out.update(dfg2d3_cdmax_rel_err=None, dfg2d3_clmax_rel_err=None, dfg2d3_wall_s=None)
        t0 = time.perf_counter()
        cav = lid_driven_cavity(100.0 if args.quick else 1000.0, n=16 if args.quick else 32)
        out["cavity_re1000_max_dev"] = cav.max_deviation
        out["cavity_s"] = time.perf_counter() - t0
        print(f"cavity Re={cav.Re:g}: max |ours - Ghia| = {cav.max_deviation:.4f} "
              f"({out['cavity_s']:.1f} s)")  # fmt: skip
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
