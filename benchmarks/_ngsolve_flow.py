"""NGSolve's side of ``benchmarks/flow.py``: the same DFG channel mesh (our points, triangles
and facet tags handed to netgen), Taylor–Hood P2–P1, one thread, NGSolve's own approach from
its tutorials.

- :func:`ngsolve_stokes`: assemble the symmetric Stokes form (with the ``−10⁻¹⁰ p q``
  regularisation NGSolve's tutorials use for its sparse Cholesky), set the inflow, factorise
  on the free dofs and solve — all told, as ``ours_stokes`` times ours.
- :func:`ngsolve_imex_step`: the tutorial's IMEX scheme (``M* = M + Δt·Stokes`` factorised
  once, convection explicit through a non-assembled form), seconds per step after warm-up.

The straight-sided mesh is ours (no ``Curve``), so both codes discretise the same geometry.
Only imported when ``ngsolve`` is installed.
"""

from __future__ import annotations

import time

import numpy as np

from pdesolve.mesh.channel import DFG_HEIGHT as H


def to_ngsolve(mesh):
    """An NGSolve mesh with our vertices, triangles and the tagged boundary segments."""
    import ngsolve
    from netgen.meshing import Mesh as NetgenMesh

    ng = NetgenMesh(dim=2)
    pts = np.zeros((mesh.num_points, 3))
    pts[:, :2] = mesh.points[:, :2]
    ng.AddPoints(pts)
    fluid = ng.AddRegion("fluid", dim=2)
    ng.AddElements(dim=2, index=fluid, data=np.ascontiguousarray(mesh.cells, dtype=np.int32),
                   base=0)  # fmt: skip
    for name in ("inlet", "outlet", "walls", "cylinder"):
        idx = ng.AddRegion(name, dim=1)
        segs = mesh.facets[mesh.facet_indices(name)]
        ng.AddElements(dim=1, index=idx, data=np.ascontiguousarray(segs, dtype=np.int32), base=0)
    return ngsolve.Mesh(ng)


def _spaces(mesh):
    from ngsolve import H1, VectorH1

    V = VectorH1(mesh, order=2, dirichlet="walls|cylinder|inlet")
    Q = H1(mesh, order=1)
    return V * Q


def _stokes_form(X, nu):
    from ngsolve import InnerProduct, div, grad

    (u, p), (v, q) = X.TnT()
    return nu * InnerProduct(grad(u), grad(v)) - div(u) * q - div(v) * p - 1e-10 * p * q


def _inflow(U_m):
    from ngsolve import CF, y

    return CF((4 * U_m * y * (H - y) / H**2, 0))


def ngsolve_stokes(mesh, nu: float = 1e-3, U_m: float = 0.3) -> tuple[float, float, int]:
    """(seconds, Δp, dofs) of NGSolve's Stokes solve on ``mesh`` (ours), spaces included."""
    import ngsolve
    from ngsolve import BilinearForm, GridFunction, dx

    ngsolve.SetNumThreads(1)
    m = to_ngsolve(mesh)
    t0 = time.perf_counter()
    X = _spaces(m)
    a = BilinearForm(X, symmetric=True)
    a += _stokes_form(X, nu) * dx
    a.Assemble()
    gfu = GridFunction(X)
    gfu.components[0].Set(_inflow(U_m), definedon=m.Boundaries("inlet"))
    r = gfu.vec.CreateVector()
    r.data = -a.mat * gfu.vec
    inv = a.mat.Inverse(X.FreeDofs(), inverse="sparsecholesky")
    gfu.vec.data += inv * r
    seconds = time.perf_counter() - t0
    return seconds, _pressure_difference(mesh, gfu.components[1].vec.FV().NumPy()), X.ndof


def _pressure_difference(mesh, p: np.ndarray) -> float:
    """Δp at the cylinder's vertices on y = 0.2, as ``pdesolve.models.dfg`` takes it (P1
    pressure: NGSolve's dofs are the vertices, in our order)."""
    ids = np.unique(mesh.facet_tags["cylinder"].ravel())
    on_axis = ids[np.abs(mesh.points[ids, 1] - 0.2) < 1e-12]
    x = mesh.points[on_axis, 0]
    return float(p[on_axis[np.argmin(x)]] - p[on_axis[np.argmax(x)]])


def ngsolve_imex_step(mesh, nu: float = 1e-3, dt: float = 1.0 / 1600, warm: int = 20,
                      steps: int = 50) -> float:  # fmt: skip
    """Seconds per IMEX step (NGSolve's Navier–Stokes tutorial) at Re = 100 from Stokes."""
    import ngsolve
    from ngsolve import BilinearForm, GridFunction, InnerProduct, dx, grad

    ngsolve.SetNumThreads(1)
    m = to_ngsolve(mesh)
    X = _spaces(m)
    (u, _), (v, _) = X.TnT()
    stokes = _stokes_form(X, nu)
    a = BilinearForm(X, symmetric=True)
    a += stokes * dx
    a.Assemble()
    gfu = GridFunction(X)
    gfu.components[0].Set(_inflow(1.5), definedon=m.Boundaries("inlet"))
    res = gfu.vec.CreateVector()
    res.data = -a.mat * gfu.vec
    gfu.vec.data += a.mat.Inverse(X.FreeDofs(), inverse="sparsecholesky") * res
    mstar = BilinearForm(X, symmetric=True)
    mstar += (InnerProduct(u, v) + dt * stokes) * dx
    mstar.Assemble()
    inv = mstar.mat.Inverse(X.FreeDofs(), inverse="sparsecholesky")
    conv = BilinearForm(X, nonassemble=True)
    conv += InnerProduct(grad(u) * u, v) * dx

    def step():
        res.data = a.mat * gfu.vec + conv.mat * gfu.vec
        gfu.vec.data -= dt * inv * res

    for _ in range(warm):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - t0) / steps
    if not np.all(np.isfinite(gfu.vec.FV().NumPy())):
        raise FloatingPointError("NGSolve's IMEX run blew up")
    return seconds
