"""PETSc SNES behind :func:`pdesolve.linalg.newton` (``backend="petsc"``).

Options are PETSc's own names (``snes_type``, ``snes_linesearch_type``, ``ksp_type``,
``pc_type`` …, with or without the leading ``-``), set under a private options prefix so
they do not leak into other solvers. Serial (``COMM_SELF``) on scipy CSR Jacobians.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import NewtonDivergenceError

_PREFIX = itertools.count()


def snes_solve(
    F: Callable[[np.ndarray], np.ndarray],
    J: Callable[[np.ndarray], Any],
    x0: Any,
    *,
    rtol: float,
    atol: float,
    maxiter: int,
    options: dict | None = None,
):
    """Solve ``F(x) = 0`` with PETSc's SNES; returns a :class:`NewtonResult`."""
    from petsc4py import PETSc

    from .nonlinear import NewtonResult

    t0 = time.perf_counter()
    x = np.array(x0, dtype=PETSc.ScalarType)
    n = len(x)
    prefix = f"pdesolve_snes{next(_PREFIX)}_"
    opts = PETSc.Options()
    defaults = {"snes_type": "newtonls", "ksp_type": "preonly", "pc_type": "lu"}
    merged = {**defaults, **{k.lstrip("-"): v for k, v in (options or {}).items()}}
    for k, v in merged.items():
        opts[prefix + k] = v
    snes = PETSc.SNES().create(comm=PETSc.COMM_SELF)
    snes.setOptionsPrefix(prefix)
    X = PETSc.Vec().createSeq(n, comm=PETSc.COMM_SELF)
    R = X.duplicate()
    A0 = sp.csr_matrix(J(x))
    Amat = PETSc.Mat().createAIJ(size=A0.shape, csr=(A0.indptr, A0.indices, A0.data),
                                 comm=PETSc.COMM_SELF)
    norms: list[float] = []

    def residual(snes_, xv, fv):
        fv.setArray(np.asarray(F(xv.getArray(readonly=True).copy()), dtype=float))

    def jacobian(snes_, xv, Jm, Pm):
        A = sp.csr_matrix(J(xv.getArray(readonly=True).copy()))
        Pm.zeroEntries()
        Pm.setValuesCSR(A.indptr, A.indices, A.data)
        Pm.assemble()
        if Jm != Pm:
            Jm.assemble()

    snes.setFunction(residual, R)
    snes.setJacobian(jacobian, Amat)
    snes.setTolerances(rtol=rtol, atol=atol, max_it=maxiter)
    snes.setMonitor(lambda s, it, fn: norms.append(float(fn)))
    snes.setFromOptions()
    X.setArray(x)
    snes.solve(None, X)
    reason = snes.getConvergedReason()
    out = X.getArray().copy()
    for k in merged:
        del opts[prefix + k]
    res = NewtonResult(
        out, reason > 0, snes.getIterationNumber(), norms, seconds=time.perf_counter() - t0,
        reason=f"SNES converged reason {reason}", info={"backend": "petsc"},
    )
    snes.destroy()
    if reason <= 0:
        raise NewtonDivergenceError(
            f"PETSc SNES diverged (reason {reason}); try continuation, a better initial guess "
            "or snes_linesearch_type=bt"
        )
    return res
