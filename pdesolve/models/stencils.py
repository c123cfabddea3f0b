r"""Five-point matrices on an ``m x m`` grid of unknowns: the one place they are built.

Unknown ``(i, j)`` (row ``i``, column ``j``) is numbered row-major, ``p = i m + j`` (the order of
``a.ravel()`` for an ``(m, m)`` array). A five-point matrix couples ``p`` to itself and to its
grid neighbours, and is given by five arrays:

==========  ===========  =======================================================================
``diag``    ``(m, m)``   ``A[p, p]``
``east``    ``(m, m−1)`` ``A[(i, j), (i, j+1)]``
``west``    ``(m, m−1)`` ``A[(i, j+1), (i, j)]`` (defaults to ``east``: symmetric)
``south``   ``(m−1, m)`` ``A[(i, j), (i+1, j)]``
``north``   ``(m−1, m)`` ``A[(i+1, j), (i, j)]`` (defaults to ``south``: symmetric)
==========  ===========  =======================================================================

Entry ``[i, j]`` of ``west``/``north`` sits in the row of the *second* node of the pair, so that
``east``/``west`` (``south``/``north``) describe the same pairs of nodes. Every matrix of a given
``m`` has the same sparsity pattern, which is computed once (:func:`five_point_pattern`, cached):
a matrix then costs one gather of its values into the CSR slots, not a COO -> CSR conversion.

Builders on top of it: :func:`laplacian_5pt` (here), :func:`harmonic_darcy_matrix` (here; used by
:func:`pdesolve.models.darcy_fd.darcy_symmetric` and
:func:`pdesolve.datagen.stencils.darcy_harmonic`), the SKR matrices of
:mod:`pdesolve.models.darcy_fd`, and the full-grid recipe systems of
:mod:`pdesolve.datagen.stencils`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from ..errors import PdesolveError

__all__ = ["FivePointPattern", "five_point_pattern", "laplacian_5pt", "harmonic_darcy_matrix"]


class FivePointPattern:
    """The CSR pattern of a five-point matrix on ``m x m`` unknowns (row-major numbering).

    :meth:`matrix` fills it from the diagonal and the four couplings of the module docstring
    (symmetric when ``west``/``north`` are omitted) and returns a CSR matrix with sorted indices
    and no duplicates; every entry of the pattern is stored, zeros included.

    Attributes
    ----------
    m : int
    indptr, indices : ndarray
        The CSR pattern (each matrix gets its own copy).
    order : ndarray
        CSR slot ``k`` holds entry ``order[k]`` of ``[diag, east, west, south, north]``
        (raveled and concatenated).
    boundary_faces : ndarray (m, m)
        How many of the four faces of each unknown lie on the grid boundary (0 to 2; 4 if
        ``m = 1``).
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
        j = np.arange(m)
        edge = (j == 0).astype(np.float64) + (j == m - 1)
        self.boundary_faces = edge[:, None] + edge[None, :]

    def matrix(
        self,
        diag: np.ndarray | float,
        east: np.ndarray | float,
        south: np.ndarray | float,
        west: np.ndarray | float | None = None,
        north: np.ndarray | float | None = None,
    ) -> sp.csr_matrix:
        """The five-point matrix with these couplings (arrays shaped as in the module
        docstring, or scalars for constant ones)."""
        m = self.m
        e, s_ = _flat(east, (m, m - 1)), _flat(south, (m - 1, m))
        w = e if west is None else _flat(west, (m, m - 1))
        n_ = s_ if north is None else _flat(north, (m - 1, m))
        values = np.concatenate([_flat(diag, (m, m)), e, w, s_, n_])[self.order]
        n = m * m
        A = sp.csr_matrix(
            (values, self.indices.copy(), self.indptr.copy()), shape=(n, n), copy=False
        )
        A.has_canonical_format = True  # sorted, no duplicates: the pattern is built that way
        return A


def _flat(v: np.ndarray | float, shape: tuple[int, int]) -> np.ndarray:
    if isinstance(v, np.ndarray) and v.shape == shape and v.dtype == np.float64:
        return v.ravel()  # the common case, without broadcast_to's overhead
    return np.broadcast_to(np.asarray(v, dtype=np.float64), shape).ravel()


@lru_cache(maxsize=8)
def five_point_pattern(m: int) -> FivePointPattern:
    """The cached :class:`FivePointPattern` of ``m x m`` unknowns."""
    return FivePointPattern(m)


def laplacian_5pt(s: int) -> sp.csr_matrix:
    """``h² (−Δ_h)`` on ``s x s`` interior nodes (diagonal 4, neighbours −1), CSR.

    Homogeneous Dirichlet data: rows of nodes next to the boundary keep the diagonal 4 and lose
    the coupling to the boundary node."""
    s = int(s)
    if s < 1:
        raise PdesolveError(f"laplacian_5pt needs s >= 1 interior nodes per side, got {s}")
    return five_point_pattern(s).matrix(4.0, -1.0, -1.0)


def harmonic_darcy_matrix(a: np.ndarray) -> sp.csr_matrix:
    r"""``h²`` times the five-point ``−∇·(a∇u)`` on the ``m x m`` nodes of ``a`` with harmonic
    faces and ``u = 0`` beyond the grid (inputs are not validated: ``a`` positive ``(m, m)``).

    Row ``p``: ``Σ_faces a_{pq} (u_p − u_q)`` with ``a_{pq} = 2 a_p a_q / (a_p + a_q)`` between
    grid nodes and ``a_{pq} = a_p`` on the faces to the Dirichlet boundary (``u_q = 0``). The
    diagonal adds the east, west, south and north faces, then the boundary faces, in that order.
    Symmetric, irreducibly diagonally dominant with a positive diagonal: SPD.
    """
    m = a.shape[0]
    east = 2.0 * a[:, :-1] * a[:, 1:] / (a[:, :-1] + a[:, 1:])
    south = 2.0 * a[:-1, :] * a[1:, :] / (a[:-1, :] + a[1:, :])
    pad_e = np.pad(east, ((0, 0), (1, 1)))  # the faces west/east of every node, boundary ones 0
    pad_s = np.pad(south, ((1, 1), (0, 0)))
    pattern = five_point_pattern(m)
    diag = pad_e[:, 1:] + pad_e[:, :-1] + pad_s[1:, :] + pad_s[:-1, :] + pattern.boundary_faces * a
    return pattern.matrix(diag, -east, -south)
