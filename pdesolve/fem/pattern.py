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
def _build(dofs, ndofs, slot):
    m, n = dofs.shape
    start, inc = _incidence(dofs, ndofs)
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
    nnz = indptr[ndofs]
    indices = np.empty(nnz, np.int32)
    marker[:] = -1
    where = np.empty(ndofs, np.int64)
    for r in range(ndofs):
        k = indptr[r]
        for t in range(start[r], start[r + 1]):
            c = inc[t] // n
            for j in range(n):
                col = dofs[c, j]
                if marker[col] != r:
                    marker[col] = r
                    indices[k] = col
                    k += 1
        lo = indptr[r]
        for k in range(lo + 1, indptr[r + 1]):  # insertion sort: rows are short
            v = indices[k]
            q = k
            while q > lo and indices[q - 1] > v:
                indices[q] = indices[q - 1]
                q -= 1
            indices[q] = v
        for k in range(lo, indptr[r + 1]):
            where[indices[k]] = k
        for t in range(start[r], start[r + 1]):
            c, i = divmod(inc[t], n)
            for j in range(n):
                slot[c, i * n + j] = where[dofs[c, j]]
    return indptr, indices


@dataclass(frozen=True)
class SparsityPattern:
    """CSR structure of a bilinear form on a dofmap, and the local-entry-to-slot map.

    Attributes
    ----------
    indptr, indices : ndarray
        CSR row pointers and sorted column indices (int32 when nnz < 2^31).
    slot : ndarray, shape (M, n*n)
        Position in the CSR data array of local entry (i, j) of each cell (row-major).
    shape : tuple of int
    """

    indptr: np.ndarray
    indices: np.ndarray
    slot: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def from_dofmap(cls, dofs: np.ndarray, ndofs: int) -> SparsityPattern:
        """Build the pattern of all dof pairs sharing a cell of ``dofs`` (M, n)."""
        dofs = np.ascontiguousarray(dofs)
        m, n = dofs.shape
        # int32 positions are enough while nnz < 2**31, which m*n*n bounds from above
        slot = np.empty((m, n * n), np.int64 if m * n * n >= 2**31 else np.int32)
        indptr, indices = _build(dofs, int(ndofs), slot)
        if indptr[-1] < 2**31:
            indptr = indptr.astype(np.int32)
        return cls(indptr, indices, slot, (int(ndofs), int(ndofs)))

    @property
    def nnz(self) -> int:
        return int(self.indptr[-1])

    def matrix(self, data: np.ndarray | None = None) -> sp.csr_matrix:
        """A CSR matrix on this pattern (zeros if ``data`` is None), sharing the index arrays."""
        if data is None:
            data = np.zeros(self.nnz)
        a = sp.csr_matrix((data, self.indices, self.indptr), shape=self.shape, copy=False)
        a.has_sorted_indices = True
        return a
