r"""Orderings of a sequence of linear systems from one feature vector per system.

Solving related systems one after another pays off most when neighbours in the solve order are
close (a recycled subspace or a warm start carries over). Every function here returns a
permutation ``order`` of ``range(N)``: ``order[j]`` is the caller's index of the ``j``-th system
to solve.

=====================  ============================================================  =========
:func:`greedy_order`   nearest neighbour walk from system 0 (SKR, Alg. 1)            O(N² d)
:func:`hilbert_order`  FFT low modes → PCA → Hilbert-curve index (long sequences)    O(N d log d)
:func:`identity_order` the caller's order                                           O(N)
=====================  ============================================================  =========

The feature distance is

.. math::
    d(i, j) = \|F_i − F_j\|_F + \sum_l w_l \, |e_{il} − e_{jl}|,

with ``F_i`` the feature array of system ``i`` (a coefficient field, flattened) and ``e_i``
optional extra scalar features (SKR adds ``|k_i − k_j|`` for Helmholtz wave numbers).

References
----------
H. Wang et al., "Accelerating data generation for neural operators via Krylov subspace
recycling", ICLR 2024: Algorithm 1 (greedy sorting), App. E.2 (FFT + space-filling curve).
J. Skilling, "Programming the Hilbert curve", AIP Conf. Proc. 707 (2004) 381–387 (the
transpose algorithm used by :func:`hilbert_index`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .validate import SolverInputError

__all__ = [
    "FeatureDistance",
    "greedy_order",
    "hilbert_order",
    "identity_order",
    "hilbert_index",
    "low_mode_features",
    "path_length",
    "make_order",
]

#: largest Gram matrix (bytes) greedy_order keeps in memory; beyond, rows are computed on demand
_GRAM_BYTES = 256 * 2**20


class FeatureDistance:
    """The distance ``d(i, j) = ||F_i − F_j||_F + Σ_l w_l |e_il − e_jl|`` between systems.

    Parameters
    ----------
    features : array_like (N, ...)
        One feature array per system (flattened internally; complex allowed).
    extra : array_like (N,) or (N, L), optional
        Extra scalar features.
    weights : float or array_like (L,)
        Weights ``w_l`` of the extra features.
    """

    def __init__(self, features: Any, extra: Any = None, weights: Any = 1.0):
        F = np.asarray(features)
        if F.ndim < 1 or F.shape[0] < 1:
            raise SolverInputError("features must hold one feature vector per system")
        F = F.reshape(F.shape[0], -1)
        if not np.isfinite(F).all():
            raise SolverInputError("features contain NaN or Inf")
        self.F = F if np.iscomplexobj(F) else F.astype(np.float64, copy=False)
        self.N = F.shape[0]
        self.sq = np.einsum("ij,ij->i", self.F.conj(), self.F).real
        if extra is None:
            self.extra = None
        else:
            E = np.asarray(extra, dtype=np.float64).reshape(self.N, -1)
            w = np.broadcast_to(np.asarray(weights, dtype=np.float64), (E.shape[1],))
            if not np.isfinite(E).all():
                raise SolverInputError("extra features contain NaN or Inf")
            self.extra = E * w
        self._gram: np.ndarray | None = None
        if self.N * self.N * 8 <= _GRAM_BYTES:
            self._gram = (self.F @ self.F.conj().T).real

    def row(self, i: int, cols: np.ndarray | None = None) -> np.ndarray:
        """Distances from system ``i`` to ``cols`` (all systems by default)."""
        cols = np.arange(self.N) if cols is None else np.asarray(cols)
        if self._gram is not None:
            g = self._gram[i, cols]
        else:
            g = (self.F[cols] @ self.F[i].conj()).real
        d = np.sqrt(np.maximum(self.sq[cols] + self.sq[i] - 2.0 * g, 0.0))
        if self.extra is not None:
            d = d + np.abs(self.extra[cols] - self.extra[i]).sum(axis=1)
        return d

    def between(self, i: int, j: int) -> float:
        """``d(i, j)``."""
        return float(self.row(i, np.array([j]))[0])


def _distance(features: Any, extra: Any, weights: Any) -> FeatureDistance:
    if isinstance(features, FeatureDistance):
        return features
    return FeatureDistance(features, extra, weights)


def identity_order(n: int) -> np.ndarray:
    """``[0, 1, ..., n−1]``."""
    return np.arange(int(n))


def greedy_order(
    features: Any, extra: Any = None, weights: Any = 1.0, *, start: int = 0
) -> np.ndarray:
    """Greedy nearest-neighbour order (SKR, Algorithm 1).

    Start at system ``start``; repeatedly go to the closest system (:class:`FeatureDistance`)
    not yet visited. ``O(N²)`` distance evaluations: one Gram matrix ``F Fᴴ`` (BLAS 3) when it
    fits in 256 MB, otherwise one row ``F F_iᴴ`` per step.

    Parameters
    ----------
    features : array_like (N, ...) or FeatureDistance
    extra, weights : extra scalar features and their weights (see :class:`FeatureDistance`)
    start : int
        The first system.

    Returns
    -------
    ndarray of int (N,)
        A permutation of ``range(N)`` beginning with ``start``.
    """
    dist = _distance(features, extra, weights)
    N = dist.N
    if not 0 <= start < N:
        raise SolverInputError(f"start={start} outside 0..{N - 1}")
    order = np.empty(N, dtype=np.int64)
    visited = np.zeros(N, dtype=bool)
    current = start
    for j in range(N):
        order[j] = current
        visited[current] = True
        if j == N - 1:
            break
        d = dist.row(current)
        d[visited] = np.inf
        current = int(np.argmin(d))
    return order


def path_length(features: Any, order: Any, extra: Any = None, weights: Any = 1.0) -> float:
    """``Σ_j d(order[j], order[j+1])``: the length of the walk through the systems."""
    dist = _distance(features, extra, weights)
    order = np.asarray(order)
    pairs = zip(order[:-1], order[1:], strict=True)
    return float(sum(dist.between(int(a), int(b)) for a, b in pairs))


def low_mode_features(fields: Any, modes: int = 12, dims: int = 4) -> np.ndarray:
    """Low-dimensional features of 2-D fields: FFT → central ``modes x modes`` block of the
    shifted spectrum (real and imaginary parts) → PCA to ``dims`` components.

    This is the reduction of SKR's ``code_basic`` generator (12 x 12 block, PCA to 7) used to
    order very long sequences. ``fields`` is ``(N, s, s)`` (or ``(N, s1, s2)``).
    """
    X = np.asarray(fields, dtype=np.float64)
    if X.ndim != 3:
        raise SolverInputError(f"fields must have shape (N, s1, s2), got {X.shape}")
    N, s1, s2 = X.shape
    spec = np.fft.fftshift(np.fft.fft2(X), axes=(1, 2))
    m1, m2 = min(modes, s1), min(modes, s2)
    c1, c2 = s1 // 2 - m1 // 2, s2 // 2 - m2 // 2
    block = spec[:, c1 : c1 + m1, c2 : c2 + m2].reshape(N, -1)
    Z = np.concatenate([block.real, block.imag], axis=1)
    Z -= Z.mean(axis=0)
    U, S, _ = np.linalg.svd(Z, full_matrices=False)
    dims = min(dims, S.shape[0])
    return U[:, :dims] * S[:dims]


def hilbert_index(points: Any, bits: int) -> np.ndarray:
    """Index along the ``d``-dimensional Hilbert curve of integer points in ``[0, 2^bits)^d``.

    Skilling's (2004) algorithm: convert the axes to the "transposed" Hilbert index (inverse
    undo of the rotations, then Gray encoding), then interleave the bits, most significant
    first. Vectorised over the points; ``d · bits ≤ 63``.

    Parameters
    ----------
    points : array_like of int (N, d)
    bits : int
        Bits per coordinate.

    Returns
    -------
    ndarray of int64 (N,)
    """
    X = np.array(points, dtype=np.int64)
    if X.ndim != 2:
        raise SolverInputError(f"points must have shape (N, d), got {X.shape}")
    N, d = X.shape
    if bits < 1 or d * bits > 63:
        raise SolverInputError(f"need 1 <= bits and d*bits <= 63, got d={d}, bits={bits}")
    if (X < 0).any() or (X >= (1 << bits)).any():
        raise SolverInputError(f"coordinates must lie in [0, 2^{bits})")
    X = X.T.copy()  # (d, N): X[i] is axis i of every point
    M = 1 << (bits - 1)
    Q = M
    while Q > 1:  # inverse undo
        P = Q - 1
        for i in range(d):
            hit = (X[i] & Q) != 0
            t = (X[0] ^ X[i]) & P
            X[0] = np.where(hit, X[0] ^ P, X[0] ^ t)
            if i:
                X[i] = np.where(hit, X[i], X[i] ^ t)
        Q >>= 1
    for i in range(1, d):  # Gray encode
        X[i] ^= X[i - 1]
    t = np.zeros(N, dtype=np.int64)
    Q = M
    while Q > 1:
        t = np.where((X[d - 1] & Q) != 0, t ^ (Q - 1), t)
        Q >>= 1
    X ^= t
    index = np.zeros(N, dtype=np.int64)
    for b in range(bits - 1, -1, -1):
        for i in range(d):
            index = (index << 1) | ((X[i] >> b) & 1)
    return index


def hilbert_order(
    features: Any, *, modes: int = 12, dims: int = 4, bits: int | None = None
) -> np.ndarray:
    """Order systems along a Hilbert curve through low-dimensional features (SKR App. E.2).

    ``features`` of shape ``(N, s1, s2)`` (2-D fields) are reduced by :func:`low_mode_features`;
    features of shape ``(N, d)`` with ``d ≤ 8`` are used as they are. The coordinates are shifted
    to start at 0 and divided by the largest range (one factor for all axes, so that directions
    of little variance — noise after PCA — stay short; SKR's per-axis min-max scaling would
    stretch them to full length), quantised to ``bits`` bits (default ``min(16, 63 // d)``), and
    the systems are sorted by :func:`hilbert_index`. ``O(N log N)`` after the reduction: for
    sequences too long for :func:`greedy_order`.
    """
    F = np.asarray(features)
    if F.ndim == 3:
        Z = low_mode_features(F, modes, dims)
    elif F.ndim == 2 and F.shape[1] <= 8:
        Z = F.astype(np.float64)
    elif F.ndim == 2:
        raise SolverInputError(
            f"hilbert_order: (N, d) features need d <= 8 (got {F.shape[1]}); pass 2-D fields "
            "(N, s1, s2) to reduce them by FFT + PCA"
        )
    else:
        Z = np.asarray(F, dtype=np.float64).reshape(F.shape[0], -1)
        if Z.shape[1] > 8:
            raise SolverInputError("hilbert_order needs (N, s1, s2) fields or (N, d<=8) features")
    N, d = Z.shape
    bits = min(16, 63 // d) if bits is None else int(bits)
    lo = Z.min(axis=0)
    span = float((Z.max(axis=0) - lo).max())  # one scale for all axes: keeps the geometry
    span = span if span > 0 else 1.0
    q = np.floor((Z - lo) / span * ((1 << bits) - 1) + 0.5).astype(np.int64)
    return np.argsort(hilbert_index(q, bits), kind="stable")


def make_order(
    name: Any,
    n: int,
    features: Any = None,
    extra: Any = None,
    weights: Any = 1.0,
    *,
    distance: FeatureDistance | None = None,
) -> np.ndarray:
    """The order called ``name`` (``"greedy"``, ``"hilbert"``, ``"none"``), or ``name`` itself
    when it is an explicit permutation. ``distance`` (a prepared :class:`FeatureDistance`)
    saves recomputing the Gram matrix for ``"greedy"``."""
    if name is None or (isinstance(name, str) and name.lower() in ("none", "identity")):
        return identity_order(n)
    if not isinstance(name, str):
        order = np.asarray(name, dtype=np.int64)
        if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
            raise SolverInputError(f"order must be a permutation of range({n})")
        return order
    key = name.lower()
    if key not in ("greedy", "hilbert"):
        raise SolverInputError(f"unknown order {name!r}; use 'greedy', 'hilbert' or 'none'")
    if features is None and distance is None:
        raise SolverInputError(f"order={name!r} needs features (one per system)")
    count = distance.N if distance is not None else np.asarray(features).shape[0]
    if count != n:
        raise SolverInputError(f"{count} feature vectors for {n} systems")
    if key == "greedy":
        return greedy_order(distance if distance is not None else features, extra, weights)
    if features is None:
        raise SolverInputError("order='hilbert' needs the features themselves")
    return hilbert_order(features)
