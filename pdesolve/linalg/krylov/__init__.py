"""Krylov subspace methods, written once against the array namespace of their inputs.

Each method comes twice:

- ``<name>_solve(A, b, x0=None, *, rtol, atol, maxiter, M, callback, **options)`` returns a
  :class:`~pdesolve.linalg.result.SolveResult` (solution, convergence flag, iterations,
  residual history, wall time, ``info`` with ``reason``, ``residual_kind``, ``target`` and
  ``true_residual``); non-convergence is reported (``converged=False``), never raised here.
- a drop-in replacement of the :mod:`scipy.sparse.linalg` function of the same name, with
  scipy's signature and ``(x, info)`` return (``info`` 0 converged, ``> 0`` not converged,
  ``< 0`` breakdown). They take what scipy's take: ``np.matrix`` ``A``/``b``/``M``, ``b`` of
  shape ``(n, 1)`` (``x`` is ``(n,)``), an ``A`` with a ``psolve`` method as its own
  preconditioner when ``M=None``, ``rtol``/``atol`` up to ``inf``; ``x`` keeps the precision of
  ``A`` and ``b`` (float32 in, float32 out); scipy's removed ``tol=`` gets a ``TypeError``
  naming ``rtol=``.

CG and MINRES first check on a random probe (two matvecs) that ``A`` is symmetric and raise
:class:`~pdesolve.linalg.validate.SolverInputError` if not (``check_symmetry=False`` skips it).

==========  ==================================  ==========================================
method      matrices                            residual tested (``info["residual_kind"]``)
==========  ==================================  ==========================================
cg          SPD (SPD ``M``)                     recursive ``||r_k||``
minres      symmetric, indefinite ok (SPD M)    recurrence estimate (``M``-norm with ``M``)
gmres       any nonsingular; right/left ``M``   true ``||b - A x||`` (right) or
                                                preconditioned ``||M⁻¹(b - A x)||`` (left)
fgmres      any; variable right ``M``           true ``||b - A x||``
bicgstab    any nonsingular; right ``M``        recursive ``||r_k||``
==========  ==================================  ==========================================
"""

from .bicgstab import bicgstab, bicgstab_solve
from .cg import cg, cg_solve
from .gmres import fgmres, fgmres_solve, gmres, gmres_solve
from .minres import minres, minres_solve

__all__ = [
    "bicgstab",
    "bicgstab_solve",
    "cg",
    "cg_solve",
    "fgmres",
    "fgmres_solve",
    "gmres",
    "gmres_solve",
    "minres",
    "minres_solve",
]
