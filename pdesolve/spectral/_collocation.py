"""Collocation on arbitrary nodes: barycentric weights and differentiation matrices.

Shared by the Chebyshev (closed-form weights) and Legendre (weights from the nodes) modules.

References
----------
J.-P. Berrut and L. N. Trefethen, Barycentric Lagrange interpolation, SIAM Rev. 46 (2004)
501–517. L. N. Trefethen, *Spectral Methods in MATLAB*, SIAM 2000, ch. 6 (``cheb``).
"""

from __future__ import annotations

import numpy as np

from .fourier import SpectralError

__all__ = ["barycentric_weights", "diff_matrix_from_weights"]


def barycentric_weights(x: np.ndarray) -> np.ndarray:
    """Barycentric weights ``λ_j = 1 / Π_{k≠j} (x_j − x_k)`` of distinct nodes, scaled so that
    ``max |λ_j| = 1`` (sums of logarithms: no overflow for hundreds of nodes)."""
    x = np.asarray(x, dtype=np.float64)
    diff = x[:, None] - x[None, :]
    np.fill_diagonal(diff, 1.0)
    if np.any(diff == 0):
        raise SpectralError("the nodes must be distinct")
    log_abs = -np.sum(np.log(np.abs(diff)), axis=1)
    sign = np.prod(np.sign(diff), axis=1)
    return sign * np.exp(log_abs - log_abs.max())


def diff_matrix_from_weights(x: np.ndarray, lam: np.ndarray, order: int = 1) -> np.ndarray:
    """The collocation differentiation matrix ``D_ij = ℓ_j'(x_i)`` on nodes ``x``.

    Off the diagonal ``D_ij = (λ_j/λ_i)/(x_i − x_j)``; the diagonal is the negative sum of the
    row (``D 1 = 0`` exactly: the derivative of a constant), which is more accurate than the
    closed-form diagonal (Trefethen 2000, p. 55; Baltensperger & Trummer 2003).

    Parameters
    ----------
    x : (n,) array
        Distinct nodes.
    lam : (n,) array
        Their barycentric weights.
    order : int
        Derivative order ``p >= 1``; returns ``D^p``.
    """
    if int(order) != order or order < 1:
        raise SpectralError(f"order must be a positive integer, got {order!r}")
    x = np.asarray(x, dtype=np.float64)
    dx = x[:, None] - x[None, :]
    np.fill_diagonal(dx, 1.0)
    D = (lam[None, :] / lam[:, None]) / dx
    np.fill_diagonal(D, 0.0)
    D[np.diag_indices_from(D)] = -D.sum(axis=1)
    return np.linalg.matrix_power(D, int(order))
