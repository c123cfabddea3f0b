"""Mesh topology in linear time: unique edges/faces/facets and their cell incidence.

Every (cell, local entity) pair gives a vertex list; two pairs are the same entity when their
sorted vertex lists agree. Pairs are bucketed by their smallest vertex with a counting sort, and
compared only within a bucket, so the cost is O(M · n_local · b) with b the (small) number of
entities meeting at a vertex, with no global sort and no hashing.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def _sorted_keys(cells, local):
    m = cells.shape[0]
    nloc, k = local.shape
    keys = np.empty((m * nloc, k), np.int64)
    for c in range(m):
        for e in range(nloc):
            t = c * nloc + e
            for j in range(k):
                v = cells[c, local[e, j]]
                i = j
                while i > 0 and keys[t, i - 1] > v:  # insertion sort of a tiny list
                    keys[t, i] = keys[t, i - 1]
                    i -= 1
                keys[t, i] = v
    return keys


@nb.njit(cache=True)
def _bucket_by_first(keys, nbuckets):
    start = np.zeros(nbuckets + 1, np.int64)
    for t in range(keys.shape[0]):
        start[keys[t, 0] + 1] += 1
    for v in range(nbuckets):
        start[v + 1] += start[v]
    pos = start[:-1].copy()
    order = np.empty(keys.shape[0], np.int64)
    for t in range(keys.shape[0]):
        v = keys[t, 0]
        order[pos[v]] = t
        pos[v] += 1
    return start, order


@nb.njit(cache=True)
def _same_tail(keys, a, b):
    for j in range(1, keys.shape[1]):
        if keys[a, j] != keys[b, j]:
            return False
    return True


@nb.njit(cache=True)
def _unique_entities(cells, local, nverts):
    keys = _sorted_keys(cells, local)
    start, order = _bucket_by_first(keys, nverts)
    total = keys.shape[0]
    ent_of = np.empty(total, np.int64)
    rep = np.empty(total, np.int64)
    nent = 0
    for v in range(nverts):
        first = nent
        for idx in range(start[v], start[v + 1]):
            t = order[idx]
            found = -1
            for en in range(first, nent):
                if _same_tail(keys, rep[en], t):
                    found = en
                    break
            if found < 0:
                rep[nent] = t
                found = nent
                nent += 1
            ent_of[t] = found
    nloc, k = local.shape
    entities = np.empty((nent, k), np.int32)
    for en in range(nent):
        c, e = divmod(rep[en], nloc)
        for j in range(k):
            entities[en, j] = cells[c, local[e, j]]
    return entities, ent_of.reshape(cells.shape[0], nloc).astype(np.int32)


@nb.njit(cache=True)
def _entity_cells(cell_entities, nent):
    """Up to two cells per entity (facets) and the local index of the entity in each."""
    cells_of = np.full((nent, 2), -1, np.int32)
    local_of = np.full((nent, 2), -1, np.int32)
    overfull = 0
    for c in range(cell_entities.shape[0]):
        for e in range(cell_entities.shape[1]):
            f = cell_entities[c, e]
            if cells_of[f, 0] < 0:
                cells_of[f, 0] = c
                local_of[f, 0] = e
            elif cells_of[f, 1] < 0:
                cells_of[f, 1] = c
                local_of[f, 1] = e
            else:
                overfull += 1
    return cells_of, local_of, overfull


@nb.njit(cache=True)
def _lookup(entities, queries, nverts):
    ekeys = _sorted_keys(entities, np.arange(entities.shape[1]).reshape(1, -1))
    qkeys = _sorted_keys(queries, np.arange(queries.shape[1]).reshape(1, -1))
    start, order = _bucket_by_first(ekeys, nverts)
    out = np.full(queries.shape[0], -1, np.int64)
    k = ekeys.shape[1]
    for q in range(qkeys.shape[0]):
        v = qkeys[q, 0]
        if v < 0 or v >= nverts:
            continue
        for idx in range(start[v], start[v + 1]):
            t = order[idx]
            same = True
            for j in range(1, k):
                if ekeys[t, j] != qkeys[q, j]:
                    same = False
                    break
            if same:
                out[q] = t
                break
    return out


def unique_entities(
    cells: np.ndarray, local: tuple[tuple[int, ...], ...], nverts: int
) -> tuple[np.ndarray, np.ndarray]:
    """Number the sub-entities (edges, faces) of a cell array.

    Parameters
    ----------
    cells : ndarray, shape (M, nv)
        Cell vertex indices.
    local : tuple of tuples
        Local vertex lists of the entities of one cell (all of the same length).
    nverts : int
        Number of mesh vertices.

    Returns
    -------
    entities : ndarray, shape (E, k), int32
        Vertex lists of the unique entities, in the local order of the first cell holding them.
    cell_entities : ndarray, shape (M, len(local)), int32
        Entity index of each local entity of each cell.
    """
    loc = np.asarray(local, dtype=np.int64)
    return _unique_entities(np.ascontiguousarray(cells), loc, int(nverts))


def entity_cells(cell_entities: np.ndarray, nent: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Cells adjacent to each entity (at most two) and the local entity index in each.

    Returns ``(cells, local, overfull)``; ``-1`` marks a missing second cell (a boundary facet)
    and ``overfull`` counts incidences beyond two (a non-manifold mesh when > 0).
    """
    return _entity_cells(np.ascontiguousarray(cell_entities), int(nent))


def lookup_entities(entities: np.ndarray, queries: np.ndarray, nverts: int) -> np.ndarray:
    """Index into ``entities`` of each query vertex list (any vertex order), ``-1`` if absent."""
    queries = np.ascontiguousarray(np.asarray(queries, dtype=entities.dtype))
    if queries.ndim != 2 or queries.shape[1] != entities.shape[1]:
        raise ValueError(
            f"query vertex lists have shape {queries.shape}, expected (n, {entities.shape[1]})"
        )
    if len(queries) == 0:
        return np.empty(0, np.int64)
    return _lookup(np.ascontiguousarray(entities), queries, int(nverts))
