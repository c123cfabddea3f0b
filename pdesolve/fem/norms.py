"""Error norms against exact solutions, integrated with a high-order rule chunk by chunk.

.. math::
    \\|u_h - u\\|_{L^2}^2 = \\int_\\Omega |u_h - u|^2 dx, \\qquad
    |u_h - u|_{H^1}^2 = \\int_\\Omega |\\nabla u_h - \\nabla u|^2 dx .
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import FemError
from .coefficients import QuadratureContext
from .function import Function
from .quadrature import quadrature

_CHUNK = 1 << 14


def errornorm(
    uh: Function,
    exact: Callable[[np.ndarray], np.ndarray] | None = None,
    norm: str = "L2",
    grad_exact: Callable[[np.ndarray], np.ndarray] | None = None,
    degree_rise: int = 2,
) -> float:
    """Norm of ``uh - exact`` (``exact=None`` gives the norm of ``uh``).

    Parameters
    ----------
    uh : Function
    exact : callable ``u(x)``, ``x`` of shape (gdim, nc, nq), returning (nc, nq) or (bs, nc, nq)
        (the value shape of ``uh``; the last two axes may also be 1)
    norm : {"L2", "H1", "H10"}
        ``"H10"`` is the H1 seminorm (gradient only), ``"H1"`` the full norm.
    grad_exact : callable returning (gdim, nc, nq) or (bs, gdim, nc, nq)
        Needed for ``"H1"`` and ``"H10"`` when ``exact`` is given.
    degree_rise : int
        The rule is exact to degree ``2 * (p + degree_rise)``.

    Raises
    ------
    FemError
        On an unknown norm, a missing ``grad_exact``, or ``exact`` / ``grad_exact`` values of
        the wrong shape or not finite.
    """
    norm = norm.upper()
    if norm not in ("L2", "H1", "H10"):
        raise FemError(f"unknown norm {norm!r}; use 'L2', 'H1' or 'H10'")
    if norm != "L2" and exact is not None and grad_exact is None:
        raise FemError(f"the {norm} norm needs grad_exact")
    V = uh.space
    vshape, gshape = V.value_shape, V.value_shape + (V.mesh.gdim,)
    X, w = quadrature(V.mesh.cell_type, 2 * (V.degree + degree_rise))
    total = 0.0
    for start in range(0, V.mesh.num_cells, _CHUNK):
        cells = np.arange(start, min(start + _CHUNK, V.mesh.num_cells))
        ctx = QuadratureContext(V, cells, X)
        det = np.broadcast_to(V.geometry.abs_det(cells, X), (len(cells), len(w)))
        if norm == "L2":
            val, grad = uh.at_reference(cells, X), None
        else:
            val, grad = uh.at_reference(cells, X, grad=True)
        if norm in ("L2", "H1"):
            e = val - (0.0 if exact is None else ctx.evaluate(exact, (vshape,), "exact"))
            total += _integrate(e, w, det, val.ndim - 2)
        if norm in ("H1", "H10"):
            g = 0.0 if exact is None else ctx.evaluate(grad_exact, (gshape,), "grad_exact")
            total += _integrate(grad - g, w, det, grad.ndim - 2)
    return float(np.sqrt(total))


def _integrate(e: np.ndarray, w: np.ndarray, det: np.ndarray, value_axes: int) -> float:
    sq = np.asarray(e) ** 2
    if value_axes:
        sq = sq.sum(axis=tuple(range(value_axes)))
    return float(np.einsum("cq,q,cq->", sq, w, det, optimize=True))
