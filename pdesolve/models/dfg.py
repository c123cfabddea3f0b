r"""DFG benchmark "flow around a cylinder" (Schäfer & Turek 1996): forces and the 2D-1 case.

Channel ``[0, 2.2] x [0, 0.41]`` (:func:`pdesolve.mesh.channel.dfg_channel`), ν = 10⁻³, ρ = 1,
parabolic inflow ``u = (4 U_m y (H − y)/H², 0)``, no slip on walls and cylinder, do-nothing
outflow. With the mean inflow ``Ū = 2 U_m / 3`` and the diameter ``D = 0.1``:

.. math:: c_D = \frac{2 F_D}{\rho \bar U^2 D}, \quad c_L = \frac{2 F_L}{\rho \bar U^2 D},
          \quad \Delta p = p(0.15, 0.2) - p(0.25, 0.2).

**Forces by the volume integral** (John & Matthies 2001; John 2004): for any ``v_d`` with
``v_d = e_x`` on the cylinder and ``0`` on the rest of the boundary,

.. math:: F_D = -\big[\nu(\nabla u, \nabla v_d) + ((u\cdot\nabla)u + \partial_t u, v_d)
          - (p, \nabla\cdot v_d)\big],

and likewise ``F_L`` with ``e_y``. Taking ``v_d`` as the sum of the velocity basis functions
of the cylinder's nodes, the bracket is the momentum residual of the discrete solution summed
over those dofs — so the forces are read off the residual vector, without a surface
integral, and converge at the rate of the energy error (twice the surface integral's order).

References
----------
M. Schäfer and S. Turek, "Benchmark computations of laminar flow around a cylinder", in
*Flow Simulation with High-Performance Computers II*, Notes Numer. Fluid Mech. 52 (1996),
547–566.
V. John and G. Matthies, "Higher-order finite element discretizations in a benchmark problem
for incompressible flows", Int. J. Numer. Meth. Fluids 37 (2001) 885–903.
V. John, "Reference values for drag and lift of a two-dimensional time-dependent flow around
a cylinder", Int. J. Numer. Meth. Fluids 44 (2004) 777–788.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..fem.elements import element
from ..fem.function import Function
from ..fem.mixed import MixedFunction, MixedSpace, taylor_hood
from ..fem.space import FunctionSpace
from ..mesh.channel import DFG_HEIGHT, dfg_channel
from .navier_stokes import NavierStokes
from .stokes import VelocityBC

__all__ = ["DFG_2D1", "DFG_2D2_RANGES", "DFG_2D3", "DFGResult", "DFGSeries", "dfg_bcs",
           "cylinder_forces", "pressure_difference", "dfg_2d1", "dfg_2d2", "dfg_unsteady",
           "vorticity"]  # fmt: skip

#: 2D-1 reference values (FEATFLOW's refined computations, quoted by John & Matthies 2001)
DFG_2D1 = {"cd": 5.57953523384, "cl": 0.010618948146, "dp": 0.11752016697}
NU = 1e-3
DIAMETER = 0.1


def dfg_bcs(U_m: float, speed: Callable[[float], float] | None = None) -> list[VelocityBC]:
    """Parabolic inflow of peak ``U_m``, no slip on walls and cylinder (outlet: do-nothing).

    With ``speed``, the inflow is time-dependent, ``value(x, t)`` with peak ``U_m · speed(t)``
    (2D-3: ``U_m = 1.5``, ``speed = sin(πt/8)``; 2D-2: ``speed = lambda t: 1.0``)."""
    H = DFG_HEIGHT

    def profile(x, peak):
        return np.stack([4.0 * peak * x[1] * (H - x[1]) / H**2, np.zeros_like(x[1])])

    if speed is None:
        def inflow(x):
            return profile(x, U_m)
    else:
        def inflow(x, t):
            return profile(x, U_m * speed(t))

    return [VelocityBC("walls", 0.0), VelocityBC("cylinder", 0.0), VelocityBC("inlet", inflow)]


def cylinder_forces(model: NavierStokes, w: MixedFunction, residual: np.ndarray | None = None,
                    ) -> tuple[float, float]:  # fmt: skip
    """``(F_D, F_L)`` on the cylinder by the volume integral (module docstring): minus the
    momentum residual ``F(u, p; v)`` (before boundary conditions) summed over the velocity
    dofs on the cylinder. ``residual`` may carry extra terms (``∂_t u`` of a time step)."""
    W: MixedSpace = model.W
    V = W.spaces[0]
    r = model.residual(w) if residual is None else residual
    nodes = V.boundary_nodes("cylinder")
    base = W.offsets[0] + nodes * V.bs
    return -float(r[base].sum()), -float(r[base + 1].sum())


def pressure_difference(w: MixedFunction) -> float:
    """``Δp = p(0.15, 0.2) − p(0.25, 0.2)``, the front and back points of the cylinder — on
    the discrete cylinder's surface: its vertices on ``y = 0.2`` (they are the reference
    points when the polygon is inscribed)."""
    mesh = w.space.spaces[1].mesh
    ids = mesh.facet_tags["cylinder"].ravel()
    P = mesh.points[np.unique(ids)]
    axis = P[np.abs(P[:, 1] - 0.2) < 1e-12]
    if len(axis) < 2:
        raise ValueError("the cylinder has no vertices on y = 0.2 (use an even n)")
    front, back = axis[np.argmin(axis[:, 0])], axis[np.argmax(axis[:, 0])]
    p = w[1].eval(np.array([front, back]))
    return float(np.ravel(p)[0] - np.ravel(p)[1])


@dataclass
class DFGResult:
    """Coefficients, their relative errors against the reference, dofs and timings."""

    cd: float
    cl: float
    dp: float
    errors: dict[str, float]
    dofs: int
    newton_iterations: int
    seconds: dict[str, float]
    solution: Any = None

    def __repr__(self) -> str:
        e = self.errors
        return (f"DFGResult(c_D={self.cd:.6f} ({e['cd']:+.1e}), c_L={self.cl:.6f} "
                f"({e['cl']:+.1e}), Δp={self.dp:.6f} ({e['dp']:+.1e}), {self.dofs} dofs, "
                f"{sum(self.seconds.values()):.1f} s)")  # fmt: skip


def dfg_2d1(n: int = 32, fine: int = 4, **mesh_options: Any) -> DFGResult:
    """The steady DFG 2D-1 case (U_m = 0.3, Re = 20) by Newton from the Stokes solution on
    ``dfg_channel(n, fine=fine, **mesh_options)``; errors relative to :data:`DFG_2D1`.

    Good values: the defaults (118k Taylor–Hood dofs, ≈7 s on one core) give c_D, c_L, Δp
    within 1e-6, 4e-3, 2e-5; ``n=24, fine=2`` (59k dofs, 4 s) 3e-6, 8e-3, 1.5e-4."""
    t0 = time.perf_counter()
    W = taylor_hood(dfg_channel(n, fine=fine, **mesh_options))
    t1 = time.perf_counter()
    U_m = 0.3
    ns = NavierStokes(W, NU, bcs=dfg_bcs(U_m))
    w = ns.solve()
    t2 = time.perf_counter()
    FD, FL = cylinder_forces(ns, w)
    Ubar = 2.0 * U_m / 3.0
    scale = 2.0 / (Ubar**2 * DIAMETER)
    cd, cl, dp = scale * FD, scale * FL, pressure_difference(w)
    errors = {k: (v - DFG_2D1[k]) / DFG_2D1[k] for k, v in (("cd", cd), ("cl", cl), ("dp", dp))}
    return DFGResult(cd, cl, dp, errors, W.num_dofs, len(ns.history[-1]) - 1,
                     {"mesh": t1 - t0, "solve": t2 - t1,
                      "functionals": time.perf_counter() - t2}, w)  # fmt: skip


#: 2D-3 reference values (John 2004): maxima of c_D and c_L, their times, Δp at t = 8
DFG_2D3 = {"cd_max": 2.950921575, "t_cd_max": 3.93625, "cl_max": 0.47795,
           "t_cl_max": 5.693125, "dp_end": -0.1116}  # fmt: skip


#: 2D-2 (Re = 100, periodic): the ranges of Schäfer & Turek (1996), Table 4
DFG_2D2_RANGES = {"st": (0.2950, 0.3050), "cd_max": (3.2200, 3.2400),
                  "cl_max": (0.9900, 1.0100), "dp": (2.4600, 2.5000)}  # fmt: skip


@dataclass
class DFGSeries:
    """Time series of an unsteady DFG run: t, c_D, c_L, Δp, with dofs, dt and wall time;
    ``snapshots`` maps the requested times to the velocity (a Function) nearest them and
    ``state`` is the solver at the end."""

    t: np.ndarray
    cd: np.ndarray
    cl: np.ndarray
    dp: np.ndarray
    dofs: int
    dt: float
    seconds: float
    U_mean: float = 1.0
    snapshots: dict = field(default_factory=dict)
    state: Any = None

    def periodic(self, t_from: float) -> dict[str, float]:
        """The periodic-state quantities of DFG 2D-2 over ``t ≥ t_from``: the Strouhal number
        ``St = D f / Ū`` from the spacing of the lift maxima, the largest c_D and c_L, and
        ``Δp`` half a period after the last lift maximum (Schäfer & Turek's definition)."""
        keep = self.t >= t_from
        t, cd, cl, dp = self.t[keep], self.cd[keep], self.cl[keep], self.dp[keep]
        peaks = [i for i in range(1, len(cl) - 1) if cl[i] >= cl[i - 1] and cl[i] > cl[i + 1]]
        if len(peaks) < 3:
            raise ValueError(f"fewer than 3 lift maxima after t = {t_from}: run longer")
        times, values = zip(*(_vertex(t, cl, i) for i in peaks), strict=True)
        period = float(np.mean(np.diff(times)))
        i = int(np.argmax(cd))
        t_half = times[-1] + 0.5 * period
        if t_half > t[-1]:
            t_half = times[-2] + 0.5 * period
        return {"st": DIAMETER / (period * self.U_mean), "cd_max": _vertex(t, cd, i)[1],
                "cl_max": float(max(values)), "dp": float(np.interp(t_half, t, dp)),
                "period": period}  # fmt: skip

    def peaks(self) -> dict[str, float]:
        """Maxima of c_D and c_L with their times (parabolic fit through the peak sample)."""
        out = {}
        for name, y in (("cd", self.cd), ("cl", self.cl)):
            tm, ym = _vertex(self.t, y, int(np.argmax(y)))
            out[f"{name}_max"], out[f"t_{name}_max"] = ym, tm
        out["dp_end"] = float(self.dp[-1])
        return out


def _vertex(t: np.ndarray, y: np.ndarray, i: int) -> tuple[float, float]:
    """Time and value of the vertex of the parabola through samples ``i − 1, i, i + 1``."""
    i = int(np.clip(i, 1, len(y) - 2))
    a, b, c = np.polyfit(t[i - 1 : i + 2] - t[i], y[i - 1 : i + 2], 2)
    return float(t[i] - b / (2 * a)), float(c - b * b / (4 * a))


def dfg_unsteady(n: int, fine: int, dt: float, t_end: float, U_m: float,
                 speed: Callable[[float], float], every: int = 1, progress: bool = False,
                 rotational: bool = True, convection: str = "semi-implicit",
                 skew: bool = True, snapshots: Sequence[float] = (),
                 **mesh_options: Any) -> DFGSeries:  # fmt: skip
    """IPCS (:class:`~pdesolve.models.ipcs.IPCS`) on ``dfg_channel(n, fine=fine)`` from rest
    with the inflow ``U_m speed(t)``, forces by the volume integral (with ``∂_t u``) and Δp
    every ``every`` steps; the velocity kept at the steps nearest the ``snapshots`` times."""
    from .ipcs import IPCS

    t0 = time.perf_counter()
    W = taylor_hood(dfg_channel(n, fine=fine, **mesh_options))
    solver = IPCS(W, NU, dt, dfg_bcs(U_m, speed), outlet="outlet", rotational=rotational,
                  convection=convection, skew=skew)
    V = W.spaces[0]
    base = V.boundary_nodes("cylinder") * V.bs
    scale = 2.0 / ((2.0 * U_m / 3.0) ** 2 * DIAMETER)  # Ū = 2/3 U_m (= 1 for 2D-2/2D-3)
    rows: list[tuple[float, float, float, float]] = []
    u_old = [solver.u]
    wanted = {max(1, int(round(ts / dt))): ts for ts in snapshots}
    kept: dict[float, Function] = {}

    def record(s: IPCS) -> None:
        if s.steps in wanted:
            kept[wanted[s.steps]] = Function(V, s.u.copy())
        if s.steps % every == 0:
            r = s.momentum_residual(u_old[0])
            rows.append((s.t, -scale * r[base].sum(), -scale * r[base + 1].sum(),
                         pressure_difference(s.function())))  # fmt: skip
        u_old[0] = s.u

    solver.run(t_end, callback=record, progress=progress)
    t, cd, cl, dp = (np.array(c) for c in zip(*rows, strict=True))
    return DFGSeries(t, cd, cl, dp, W.num_dofs, dt, time.perf_counter() - t0,
                     2.0 * U_m / 3.0, kept, solver)  # fmt: skip


def dfg_2d2(n: int = 16, fine: int = 2, dt: float = 1.0 / 1600, t_end: float = 12.0,
            t_from: float | None = None, ramp: float = 1.0, **options: Any) -> dict:  # fmt: skip
    """DFG 2D-2 (``U_m = 1.5``, Re = 100): IPCS from rest, the inflow ramped up smoothly over
    ``ramp`` seconds, until vortex shedding is periodic; :meth:`DFGSeries.periodic` over the
    last 2.5 time units (or ``t ≥ t_from``). Returns that dict with ``"in_range"`` (each value
    against :data:`DFG_2D2_RANGES`) and ``"series"``.

    Good values: the defaults (27k dofs) shed periodically after t ≈ 8 and take ≈ 4 min."""

    def speed(t):
        return float(np.sin(0.5 * np.pi * min(t / ramp, 1.0)) ** 2) if ramp > 0 else 1.0

    s = dfg_unsteady(n, fine, dt, t_end, 1.5, speed, **options)
    out: dict[str, Any] = s.periodic(t_end - 2.5 if t_from is None else t_from)
    out["in_range"] = {k: bool(lo <= out[k] <= hi) for k, (lo, hi) in DFG_2D2_RANGES.items()}
    out["series"] = s
    return out


def vorticity(u: Function) -> Function:
    """``ω = ∂_x u_y − ∂_y u_x`` of a 2D velocity as a P1 Function: the gradient of ``u`` at
    each cell's vertices, averaged over the cells around each vertex."""
    V = u.space
    mesh = V.mesh
    if V.bs != 2 or mesh.dim != 2:
        raise ValueError("vorticity needs a 2D vector velocity")
    P1 = FunctionSpace(mesh, "P", 1)
    corners = element("P", mesh.cell_type, 1).points  # the reference vertices
    _, g = u.at_reference(np.arange(mesh.num_cells), corners, grad=True)  # (2, 2, nc, nv)
    w = g[1, 0] - g[0, 1]
    dofs = P1.node_dofs
    total = np.bincount(dofs.ravel(), weights=w.ravel(), minlength=P1.num_nodes)
    count = np.bincount(dofs.ravel(), minlength=P1.num_nodes)
    return Function(P1, total / np.maximum(count, 1))
