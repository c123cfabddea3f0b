r"""Five-point systems on a full node grid (boundary nodes included), vectorised.

The recipes that store fields on the ``s x s`` nodes ``x_ij = (j h, i h)``, ``h = 1/(s−1)``,
boundary included (FNO's Darcy files, Poisson with boundary data), solve for the
``(s−2)²`` interior nodes, numbered row-major. Matrices are scaled by ``h²`` (right-hand side
``h² f``), so their interior part is the five-point pattern of
:func:`pdesolve.models.darcy_fd.laplacian_5pt` and :class:`~pdesolve.datagen.solvers.FastPoissonPC`
applies.

Every sample of a recipe has the same sparsity pattern, so the matrices are filled into a cached
CSR pattern (:class:`FivePointPattern`): a sample costs the vectorised face coefficients and one
gather, not a COO -> CSR conversion.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from .errors import DatagenError

__all__ = [
    "FivePointPattern", "darcy_fno", "darcy_harmonic", "poisson_dirichlet", "interior",
    "with_boundary",
]


class FivePointPattern:
    """The CSR pattern of a five-point matrix on ``m x m`` nodes (row-major numbering).

    :meth:`matrix` takes the diagonal ``(m, m)``, the east couplings ``(m, m−1)`` (node
    ``(i, j)`` with ``(i, j+1)``) and the south couplings ``(m−1, m)`` (``(i, j)`` with
    ``(i+1, j)``) of a symmetric matrix and returns it as CSR with sorted indices.
    """

    def __init__(self, m: int):
        self.m = m
        idx = np.arange(m * m).reshape(m, m)
        rows = np.concatenate([idx.ravel(), idx[:, :-1].ravel(), idx[:, 1:].ravel(),
                               idx[:-1, :].ravel(), idx[1:, :].ravel()])  # fmt: skip
        cols = np.concatenate([idx.ravel(), idx[:, 1:].ravel(), idx[:, :-1].ravel(),
                               idx[1:, :].ravel(), idx[:-1, :].ravel()])  # fmt: skip
        # entry k of the concatenated value list lands at CSR slot where order == k
        probe = sp.csr_matrix((np.arange(1, rows.size + 1, dtype=np.float64), (rows, cols)),
                              shape=(m * m, m * m))  # fmt: skip
        probe.sort_indices()
        self.indptr, self.indices = probe.indptr, probe.indices
        self.order = probe.data.astype(np.int64) - 1

    def matrix(self, diag: np.ndarray, east: np.ndarray, south: np.ndarray) -> sp.csr_matrix:
        e, s_ = east.ravel(), south.ravel()
        values = np.concatenate([diag.ravel(), e, e, s_, s_])[self.order]
        n = self.m * self.m
        A = sp.csr_matrix((values, self.indices, self.indptr), shape=(n, n), copy=False)
        A.has_sorted_indices = True
        return A


@lru_cache(maxsize=8)
def five_point_pattern(m: int) -> FivePointPattern:
    """The cached :class:`FivePointPattern` of ``m x m`` nodes."""
    return FivePointPattern(m)


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
    A = five_point_pattern(m).matrix(diag, -fx[:, 1:-1], -fy[1:-1, :])
    fb = np.broadcast_to(np.asarray(f, dtype=np.float64), (s, s))
    return A, h * h * interior(fb)


def darcy_harmonic(a: np.ndarray, f: float | np.ndarray = 1.0) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""``−∇·(a∇u) = f`` on the ``s x s`` interior nodes (``h = 1/(s+1)``), harmonic-mean faces
    ``2 a_p a_q/(a_p + a_q)``, ``a_p`` on the faces to the boundary: the matrix of
    :func:`pdesolve.models.darcy_fd.darcy_symmetric` (equal entry for entry, tested), filled into
    the cached pattern.

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
    east = 2.0 * a[:, :-1] * a[:, 1:] / (a[:, :-1] + a[:, 1:])
    south = 2.0 * a[:-1, :] * a[1:, :] / (a[:-1, :] + a[1:, :])
    pad_e = np.pad(east, ((0, 0), (1, 1)))  # faces west/east of every node, boundary faces 0
    pad_s = np.pad(south, ((1, 1), (0, 0)))
    diag = pad_e[:, :-1] + pad_e[:, 1:] + pad_s[:-1, :] + pad_s[1:, :]
    boundary_faces = np.zeros((s, s))
    boundary_faces[:, [0, -1]] += 1
    boundary_faces[[0, -1], :] += 1
    diag += boundary_faces * a
    h = 1.0 / (s + 1)
    rhs = h * h * np.broadcast_to(np.asarray(f, dtype=np.float64), (s, s)).ravel()
    return five_point_pattern(s).matrix(diag, -east, -south), np.ascontiguousarray(rhs)


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
        from ..models.darcy_fd import laplacian_5pt

        laplacian = laplacian_5pt(s - 2)
    b = h * h * f[1:-1, 1:-1].copy()
    b[0, :] += g[0, 1:-1]
    b[-1, :] += g[-1, 1:-1]
    b[:, 0] += g[1:-1, 0]
    b[:, -1] += g[1:-1, -1]
    return laplacian, b.ravel()
