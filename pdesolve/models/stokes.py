r"""Stokes flow with Taylor–Hood elements.

.. math:: -\nu \Delta u + \nabla p = f, \qquad \nabla\cdot u = 0 \quad\text{in } \Omega,

with velocity Dirichlet conditions on parts of the boundary and the natural ("do-nothing")
condition :math:`\nu \partial_n u - p n = 0` elsewhere. The weak form on ``W = V × Q``:

.. math:: \nu (\nabla u, \nabla v) - (p, \nabla\cdot v) - (q, \nabla\cdot u) = (f, v).

If the velocity is prescribed on the whole boundary the pressure is determined only up to a
constant: the caller chooses ``pressure="mean"`` (mean-zero pressure through a Lagrange
multiplier, direct solve) or ``pressure="nullspace"`` (the constant handed to MINRES, which
stays in the orthogonal complement). Solvers: ``"direct"`` (sparse LU of the saddle-point
system) or ``"minres"`` with the block-diagonal preconditioner
``diag(AMG(ν K), M_p / ν)`` (Elman, Silvester & Wathen 2014, §4.2), whose iteration count is
independent of the mesh size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError
from ..fem.forms import ddot, div, dot, grad
from ..fem.mixed import (
    MixedFunction,
    MixedSpace,
    NullSpaceError,
    apply_dirichlet_dofs,
    assemble_mixed,
    mixed_bilinear_form,
    mixed_linear_form,
    pressure_mean_constraint,
)
from ..linalg.direct import SaddlePointLU

Value = float | Sequence[float] | Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class VelocityBC:
    """``u = value`` on the facets ``where`` selects; ``value(x)`` maps (gdim, n) to (gdim, n)
    (or a constant vector); ``component`` restricts the condition to one component."""

    where: Any
    value: Value = 0.0
    component: int | None = None


def velocity_dirichlet(W: MixedSpace, bcs: Sequence[VelocityBC], t: float | None = None,
                       nodes: Sequence[np.ndarray] | None = None):  # fmt: skip
    """Global dofs and values of the velocity conditions (the velocity is field 0).

    ``nodes``: the velocity nodes of each condition (``V.boundary_nodes(bc.where)``), when the
    caller has them already (time steppers: found once, not every step)."""
    V = W.spaces[0]
    dofs, vals = [], []
    for i, bc in enumerate(bcs):
        where = V.boundary_nodes(bc.where) if nodes is None else nodes[i]
        x = V.node_coordinates[where].T
        if callable(bc.value):
            v = bc.value(x) if t is None else bc.value(x, t)
        else:
            v = bc.value
        v = np.broadcast_to(np.asarray(v, dtype=float).reshape(-1, 1) if np.ndim(v) == 1
                            else np.asarray(v, dtype=float), (V.bs, len(where)))
        comps = range(V.bs) if bc.component is None else [bc.component]
        for k in comps:
            dofs.append(where * V.bs + k + W.offsets[0])
            vals.append(v[k])
    if not dofs:
        return np.zeros(0, np.int64), np.zeros(0)
    d = np.concatenate(dofs)
    g = np.concatenate(vals)
    d, first = np.unique(d, return_index=True)
    return d, g[first]


def encloses(W: MixedSpace, bcs: Sequence[VelocityBC]) -> bool:
    """Whether the velocity conditions cover every boundary facet (pressure then floats)."""
    mesh = W.mesh
    boundary = mesh.facet_indices(None)
    covered: set[int] = set()
    for bc in bcs:
        if bc.component is None:
            covered.update(np.asarray(mesh.facet_indices(bc.where)).tolist())
    return set(np.asarray(boundary).tolist()) <= covered


@dataclass
class FlowSolveInfo:
    """What a flow solve did: the method, iterations (Krylov or Newton) and wall time."""

    method: str
    iterations: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)


class Stokes:
    """Stationary Stokes problem on a Taylor–Hood :class:`~pdesolve.fem.MixedSpace`.

    Parameters
    ----------
    W : MixedSpace
        Velocity (field 0, vector) × pressure (field 1), e.g. ``ps.fem.taylor_hood(mesh)``.
    nu : float
        Kinematic viscosity.
    f : callable or constant vector, optional
        Body force ``f(x)`` with ``x`` of shape (gdim, nc, nq), returning (gdim, nc, nq).
    bcs : sequence of VelocityBC
    pressure : {"auto", "mean", "nullspace", "none"}
        How the constant pressure mode is fixed when the velocity is prescribed everywhere;
        ``"auto"`` raises :class:`~pdesolve.fem.mixed.NullSpaceError` in that case.
    """

    def __init__(
        self,
        W: MixedSpace,
        nu: float = 1.0,
        f: Any = None,
        bcs: Sequence[VelocityBC] = (),
        pressure: str = "auto",
    ):
        self.W, self.nu, self.f, self.bcs = W, float(nu), f, list(bcs)
        if pressure not in ("auto", "mean", "nullspace", "none"):
            raise ValueError(f"pressure must be auto, mean, nullspace or none, got {pressure!r}")
        self.enclosed = encloses(W, self.bcs)
        if self.enclosed and pressure in ("auto", "none"):
            raise NullSpaceError(
                "the velocity is prescribed on the whole boundary, so the pressure is only "
                "determined up to a constant; pass pressure='mean' (mean-zero pressure) or "
                "pressure='nullspace' (the constant handed to the Krylov solver)"
            )
        self.pressure = pressure if self.enclosed else "none"

    def operator(self) -> sp.csr_matrix:
        """The saddle-point matrix before boundary conditions."""
        nu = self.nu

        @mixed_bilinear_form
        def stokes(u, v, w):
            (uu, p), (vv, q) = u, v
            return nu * ddot(grad(uu), grad(vv)) - p * div(vv) - q * div(uu)

        return assemble_mixed(stokes, self.W)

    def load(self) -> np.ndarray:
        """The right-hand side ``(f, v)``."""
        if self.f is None:
            return np.zeros(self.W.num_dofs)
        f = self.f

        @mixed_linear_form(f=f)
        def load(v, w):
            return dot(w.f, v[0])

        return assemble_mixed(load, self.W)

    def system(self):
        """``(A, b)`` with the velocity conditions eliminated symmetrically."""
        d, g = velocity_dirichlet(self.W, self.bcs)
        return apply_dirichlet_dofs(self.operator(), self.load(), d, g)

    def solve(self, solver: str = "direct", rtol: float = 1e-10,
              options: dict[str, Any] | str | None = None) -> MixedFunction:  # fmt: skip
        """Solve; ``solver`` is ``"direct"``, ``"minres"`` (block-diagonal AMG/mass) or
        ``"petsc"``: PETSc's KSP with ``PCFIELDSPLIT`` on the velocity and pressure index
        sets, by default :data:`PETSC_SCHUR` (FGMRES, upper Schur factorisation, GAMG-CG to
        1e-2 on the velocity block, the ``selfp`` Schur approximation; ≈60 iterations on the
        DFG channel at 7k and 25k dofs); ``options`` are PETSc options
        added to (and overriding) those, with the split prefixes ``fieldsplit_<name>_``."""
        A, b = self.system()
        if solver == "direct":
            x = solve_saddle_direct(self.W, A, b, mean_zero=self.pressure != "none")
        elif solver == "minres":
            x = self._minres(A, b, rtol)
        elif solver == "petsc":
            x = self._petsc(A, b, rtol, options)
        else:
            raise ValueError(f"solver must be 'direct', 'minres' or 'petsc', got {solver!r}")
        return MixedFunction(self.W, x)

    def _petsc(self, A, b, rtol, options):
        from ..linalg.front import solve
        from ..linalg.petsc import parse_options

        if self.pressure != "none":
            raise ValueError("solver='petsc' needs an outflow boundary (a unique pressure); "
                             "use 'direct' or 'minres' for enclosed flows")
        opts = split_options(self.W, PETSC_SCHUR)
        opts.update(parse_options(options))
        return solve(A, b, backend="petsc", rtol=rtol, options=opts,
                     fields=self.W.index_sets()).x  # fmt: skip

    def _minres(self, A, b, rtol):
        from ..fem import assemble
        from ..fem.forms import mass

        W = self.W
        iu, ip = W.dofs(0), W.dofs(1)
        Auu = W.block(A, 0, 0)
        Mp = assemble(mass(1.0 / self.nu), W.spaces[1])
        Pu = _amg(Auu)
        dp = Mp.diagonal()
        c = pressure_mean_constraint(W)[ip] if self.pressure != "none" else None

        def prec(r):
            z = np.empty_like(r)
            z[iu] = Pu(r[iu])
            z[ip] = r[ip] / dp
            if c is not None:  # stay orthogonal to the constant pressure
                z[ip] -= z[ip].mean()
            return z

        n = W.num_dofs
        M = spla.LinearOperator((n, n), matvec=prec, dtype=float)
        x, info = spla.minres(A, b, M=M, rtol=rtol, maxiter=2000)
        if info != 0:
            raise ConvergenceError(f"Stokes MINRES did not converge ({info} iterations)")
        if c is not None:
            x[ip] -= (c @ x[ip]) / c.sum()
        return x


def split_options(W: MixedSpace, options: dict[str, str]) -> dict[str, str]:
    """``options`` written for splits ``u`` and ``p`` (``fieldsplit_u_...``) renamed to the
    fields of ``W`` (``fieldsplit_<name>_...``), the prefixes of ``W.index_sets()``."""
    u, p = W.names[0], W.names[1]
    return {k.replace("fieldsplit_u_", f"fieldsplit_{u}_")
             .replace("fieldsplit_p_", f"fieldsplit_{p}_"): v
            for k, v in options.items()}  # fmt: skip


#: the default PETSc options of ``Stokes.solve("petsc")`` (the splits named after the fields)
PETSC_SCHUR: dict[str, str] = {
    "ksp_type": "fgmres",
    "pc_fieldsplit_type": "schur",
    "pc_fieldsplit_schur_fact_type": "upper",
    "pc_fieldsplit_schur_precondition": "selfp",
    "fieldsplit_u_ksp_type": "cg",  # GAMG alone (preonly) stalls on vector P2 at small ν
    "fieldsplit_u_ksp_rtol": "1e-2",
    "fieldsplit_u_pc_type": "gamg",
    "fieldsplit_p_ksp_type": "preonly",
    "fieldsplit_p_pc_type": "jacobi",
}


def _amg(A: sp.csr_matrix) -> Callable[[np.ndarray], np.ndarray]:
    """One smoothed-aggregation V-cycle of pyamg (block size from the velocity components)."""
    try:
        import pyamg
    except ImportError:  # pragma: no cover - pyamg is in the amg extra
        lu = spla.splu(A.tocsc())
        return lu.solve
    ml = pyamg.smoothed_aggregation_solver(A.tocsr())
    return lambda r: ml.solve(r, tol=1e-30, maxiter=1, cycle="V")


def solve_saddle_direct(W: MixedSpace, A, b, mean_zero: bool) -> np.ndarray:
    """Sparse LU of the saddle-point system; ``mean_zero`` borders it with the constraint
    ``∫ p = 0`` (a Lagrange multiplier) so the floating pressure constant is fixed."""
    if mean_zero:
        c = pressure_mean_constraint(W)
        K = sp.bmat([[A, sp.csr_matrix(c[:, None])], [sp.csr_matrix(c[None, :]), None]],
                    format="csc")
        x = SaddlePointLU(K).solve(np.concatenate([b, [0.0]]))[:-1]
    else:
        x = SaddlePointLU(A).solve(b)
    if not np.isfinite(x).all():
        raise ConvergenceError("the saddle-point solve gave NaN/Inf: is the system singular?")
    return x
