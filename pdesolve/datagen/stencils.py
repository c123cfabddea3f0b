r"""Five-point systems on a full node grid (boundary nodes included), vectorised.

The recipes that store fields on the ``s x s`` nodes ``x_ij = (j h, i h)``, ``h = 1/(s−1)``,
boundary included (FNO's Darcy files, Poisson with boundary data), solve for the
``(s−2)²`` interior nodes, numbered row-major. Matrices are scaled by ``h²`` (right-hand side
``h² f``), so their interior part is the five-point pattern of
:func:`pdesolve.models.stencils.laplacian_5pt` and :class:`~pdesolve.datagen.solvers.FastPoissonPC`
applies.

Every sample of a recipe has the same sparsity pattern, so the matrices are filled into the
cached CSR pattern of :mod:`pdesolve.models.stencils` (the one home of five-point construction;
:class:`~pdesolve.models.stencils.FivePointPattern` is importable from here too): a sample costs
the vectorised face coefficients and one gather, not a COO -> CSR conversion. What stays here is
specific to the recipes' full node grids (boundary included, ``h = 1/(s−1)``, boundary data
lifted to the right-hand side) and to their errors (:class:`~pdesolve.datagen.DatagenError`).
``pdesolve.models`` is imported on first use, not with this module.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

import numpy as np
import scipy.sparse as sp

from .errors import DatagenError

__all__ = ["darcy_fno", "darcy_harmonic", "poisson_dirichlet", "interior", "with_boundary"]


@cache
def _shared() -> ModuleType:
    """:mod:`pdesolve.models.stencils`, imported on first use (not with this module, so that
    importing pdesolve.datagen does not import pdesolve.models), then a cached lookup."""
    from ..models import stencils

    return stencils


def __getattr__(name: str):
    # FivePointPattern and five_point_pattern, once defined here, live in pdesolve.models.stencils
    if name in ("FivePointPattern", "five_point_pattern"):
        return getattr(_shared(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _square(a: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 3:
        raise DatagenError(f"{name} must be a square (s, s) node array with s >= 3, got {a.shape}")
    if not np.isfinite(a).all():
        raise DatagenError(f"{name} contains NaN or Inf")
    return a


def interior(u: np.ndarray) -> np.ndarray:
    """The interior ``(s−2)²`` values of a node array, flattened row-major."""
    return np.asarray(u)[1:-1, 1:-1].ravel()


def with_boundary(x: np.ndarray, boundary: np.ndarray | float = 0.0) -> np.ndarray:
    """The ``(s, s)`` node array with interior values ``x`` and the boundary of ``boundary``."""
    m = int(round(np.sqrt(x.size)))
    out = np.array(np.broadcast_to(boundary, (m + 2, m + 2)), dtype=np.float64)
    out[1:-1, 1:-1] = x.reshape(m, m)
    return out


def darcy_fno(a: np.ndarray, f: float | np.ndarray = 1.0) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""FNO's Darcy system: ``−∇·(a∇u) = f``, ``u = 0`` on the boundary, arithmetic-mean faces.

    Interior node ``p`` with neighbours ``q`` (boundary nodes included):
    ``Σ_q (a_p + a_q)/2 (u_p − u_q) = h² f_p`` with ``u_q = 0`` on the boundary — the scheme of
    FNO's ``solve_gwf.m`` (Li et al. 2021), there assembled as ``A (K−1)²`` and solved with
    MATLAB's ``A\F``. Symmetric positive definite.

    Parameters
    ----------
    a : ndarray (s, s)
        Positive coefficient at all nodes, boundary included.
    f : float or ndarray (s, s)

    Returns
    -------
    A : csr_matrix ((s−2)², (s−2)²)
    b : ndarray ((s−2)²,)
    """
    a = _square(a, "a")
    if (a <= 0).any():
        raise DatagenError("the Darcy coefficient must be positive")
    s = a.shape[0]
    m = s - 2
    h = 1.0 / (s - 1)
    fx = 0.5 * (a[1:-1, :-1] + a[1:-1, 1:])  # faces (i, j)-(i, j+1) of interior rows: (m, s-1)
    fy = 0.5 * (a[:-1, 1:-1] + a[1:, 1:-1])  # faces (i, j)-(i+1, j) of interior columns: (s-1, m)
    diag = fx[:, :-1] + fx[:, 1:] + fy[:-1, :] + fy[1:, :]
    # couplings between interior neighbours: east (m, m-1), south (m-1, m)
    A = _shared().five_point_pattern(m).matrix(diag, -fx[:, 1:-1], -fy[1:-1, :])
    fb = np.broadcast_to(np.asarray(f, dtype=np.float64), (s, s))
    return A, h * h * interior(fb)


def darcy_harmonic(a: np.ndarray, f: float | np.ndarray = 1.0) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""``−∇·(a∇u) = f`` on the ``s x s`` interior nodes (``h = 1/(s+1)``), harmonic-mean faces
    ``2 a_p a_q/(a_p + a_q)``, ``a_p`` on the faces to the boundary: the matrix of
    :func:`pdesolve.models.darcy_fd.darcy_symmetric` (both are
    :func:`pdesolve.models.stencils.harmonic_darcy_matrix`), with this module's errors.

    Parameters
    ----------
    a : ndarray (s, s)
        Positive coefficient at the interior nodes.
    f : float or ndarray (s, s)
    """
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or not np.isfinite(a).all() or (a <= 0).any():
        raise DatagenError(f"a must be a finite positive (s, s) array, got shape {a.shape}")
    s = a.shape[0]
    h = 1.0 / (s + 1)
    rhs = h * h * np.broadcast_to(np.asarray(f, dtype=np.float64), (s, s)).ravel()
    return _shared().harmonic_darcy_matrix(a), np.ascontiguousarray(rhs)


def poisson_dirichlet(
    f: np.ndarray, g: np.ndarray, laplacian: sp.csr_matrix | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""``−Δu = f`` with ``u = g`` on the boundary, five-point, on the ``s x s`` node grid.

    ``4u_p − Σ_q u_q = h² f_p`` at interior nodes, known boundary values moved to the right-hand
    side. ``laplacian`` (the ``(s−2)²`` five-point matrix) may be passed to share one matrix —
    and one factorisation — between samples.

    Parameters
    ----------
    f : ndarray (s, s)
        Source at the nodes (boundary values unused).
    g : ndarray (s, s)
        Dirichlet data on the boundary nodes (interior values unused).
    """
    f, g = _square(f, "f"), _square(g, "g")
    s = f.shape[0]
    h = 1.0 / (s - 1)
    if laplacian is None:
        laplacian = _shared().laplacian_5pt(s - 2)
    b = h * h * f[1:-1, 1:-1].copy()
    b[0, :] += g[0, 1:-1]
    b[-1, :] += g[-1, 1:-1]
    b[:, 0] += g[1:-1, 0]
    b[:, -1] += g[1:-1, -1]
    return laplacian, b.ravel()
