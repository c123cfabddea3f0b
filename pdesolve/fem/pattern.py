"""CSR sparsity patterns built once per dofmap, with the entry-to-slot map used by assembly.

For a dofmap ``dofs`` (M cells x n local dofs) the pattern holds every pair of dofs that share a
cell. Alongside it we keep ``slot[c, i*n + j]``: the position in ``csr.data`` of the local entry
(i, j) of cell c. Assembly then is a pure scatter ``data[slot] += A_loc`` (no COO, no sort), so
re-assembly with a new coefficient only refills values.

The construction is linear in the number of local entries: a counting sort gives the cells of
each dof, a marker array removes duplicates within a row, and each (short) row is sorted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np
import scipy.sparse as sp

from ..errors import FemError


@nb.njit(cache=True)
def _incidence(dofs, ndofs):
    m, n = dofs.shape
    start = np.zeros(ndofs + 1, np.int64)
    for c in range(m):
        for i in range(n):
            start[dofs[c, i] + 1] += 1
    for r in range(ndofs):
        start[r + 1] += start[r]
    pos = start[:-1].copy()
    inc = np.empty(m * n, np.int64)
    for c in range(m):
        for i in range(n):
            r = dofs[c, i]
            inc[pos[r]] = c * n + i
            pos[r] += 1
    return start, inc


@nb.njit(cache=True)
def _row_pointers(dofs, ndofs, start, inc):
    n = dofs.shape[1]
    marker = np.full(ndofs, -1, np.int64)
    indptr = np.zeros(ndofs + 1, np.int64)
    for r in range(ndofs):
        count = 0
        for t in range(start[r], start[r + 1]):
            c = inc[t] // n
            for j in range(n):
                col = dofs[c, j]
                if marker[col] != r:
                    marker[col] = r
                    count += 1
        indptr[r + 1] = indptr[r] + count
    return indptr


@nb.njit(cache=True)
def _fill(dofs, ndofs, start, inc, indptr, indices, pos):
    n = dofs.shape[1]
    marker = np.full(ndofs, -1, np.int64)
    where = np.empty(ndofs, np.int64)
    for r in range(ndofs):
        lo = indptr[r]
        k = lo
        for t in range(start[r], start[r + 1]):
            c = inc[t] // n
            for j in range(n):
                col = dofs[c, j]
                if marker[col] != r:
                    marker[col] = r
                    indices[k] = col
                    k += 1
        for k in range(lo + 1, indptr[r + 1]):  # insertion sort: rows are short
            v = indices[k]
            q = k
            while q > lo and indices[q - 1] > v:
                indices[q] = indices[q - 1]
                q -= 1
            indices[q] = v
        for k in range(lo, indptr[r + 1]):
            where[indices[k]] = k - lo
        for t in range(start[r], start[r + 1]):
            c = inc[t] // n
            i = inc[t] - c * n
            for j in range(n):
                pos[c, i * n + j] = where[dofs[c, j]]


class _SharedPatternMatrix(sp.csr_matrix):
    """A CSR matrix whose read-only index arrays are shared with its :class:`SparsityPattern`
    (see :meth:`SparsityPattern.matrix`); scipy's in-place compaction would fail on them with
    an obscure message, so it says why here."""

    def eliminate_zeros(self) -> None:
        if not (self.indices.flags.writeable and self.indptr.flags.writeable):
            raise FemError(
                "this matrix shares its (read-only) sparsity pattern with every matrix assembled "
                "on its FunctionSpace, so it cannot drop entries in place; compact a copy: "
                "A = A.copy(); A.eliminate_zeros()"
            )
        super().eliminate_zeros()


@dataclass(frozen=True)
class SparsityPattern:
    """CSR structure of a bilinear form on a dofmap, and the local-entry-to-slot map.

    Attributes
    ----------
    indptr, indices : ndarray
        CSR row pointers and sorted column indices (int32 when nnz < 2^31).
    pos : ndarray, shape (M, n*n), uint8 (uint16 for rows longer than 255)
        Position *within its row* of local entry (i, j) of each cell (row-major): the entry
        lives at ``data[indptr[dofs[c, i]] + pos[c, i*n + j]]``. Storing the offset in the
        row instead of the global position takes a quarter of the memory.
    shape : tuple of int
    """

    indptr: np.ndarray
    indices: np.ndarray
    pos: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def from_dofmap(cls, dofs: np.ndarray, ndofs: int) -> SparsityPattern:
        """Build the pattern of all dof pairs sharing a cell of ``dofs`` (M, n)."""
        dofs = np.ascontiguousarray(dofs)
        m, n = dofs.shape
        start, inc = _incidence(dofs, int(ndofs))
        indptr = _row_pointers(dofs, int(ndofs), start, inc)
        longest = int(np.diff(indptr).max(initial=0))
        pos = np.empty((m, n * n), np.uint8 if longest <= 256 else np.uint16)
        if longest > 65536:
            raise ValueError(f"a matrix row couples {longest} dofs; at most 65536 supported")
        indices = np.empty(int(indptr[-1]), np.int32 if ndofs < 2**31 else np.int64)
        _fill(dofs, int(ndofs), start, inc, indptr, indices, pos)
        if indptr[-1] < 2**31:
            indptr = indptr.astype(np.int32)
        # every matrix on the pattern shares these arrays (see matrix): read-only, so that an
        # in-place structural change of one matrix raises instead of corrupting the others
        indptr.setflags(write=False)
        indices.setflags(write=False)
        return cls(indptr, indices, pos, (int(ndofs), int(ndofs)))

    def slots(self, dofs: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Global CSR positions (len(cells), n*n) of the local entries of ``cells``."""
        n = dofs.shape[1]
        rows = self.indptr[dofs[cells]].astype(np.int64)  # (nc, n)
        return np.repeat(rows, n, axis=1) + self.pos[cells]

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def matrix(self, data: np.ndarray | None = None) -> sp.csr_matrix:
        """A CSR matrix on this pattern (zeros if ``data`` is None), sharing the index arrays.

        The ``indptr`` and ``indices`` of the matrix are the pattern's own, read-only arrays:
        values can be changed in place (``A.data``, Dirichlet elimination), and every scipy
        operation that makes a new matrix works (``A + B``, ``A @ x``, ``A.tocsc()``, slicing,
        ``A.copy()``), but in-place structural changes such as ``A.eliminate_zeros()`` raise
        (:class:`~pdesolve.errors.FemError`, a ``ValueError``); call them on ``A.copy()``.

        Notes
        -----
        Sharing instead of copying: a copy of the index arrays would cost about 5 ms and 30 MiB
        per matrix for 1M-dof P1 in 2D (7M entries), 10% of its whole assembly time and half
        the memory of its values, and would defeat the identity check ``assemble(..., out=A)``
        uses to recognise a matrix of this pattern.
        """
        if data is None:
            data = np.zeros(self.nnz)
        a = _SharedPatternMatrix((data, self.indices, self.indptr), shape=self.shape, copy=False)
        a.has_sorted_indices = True
        return a
