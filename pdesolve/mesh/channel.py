r"""The DFG "flow around a cylinder" channel (Schäfer & Turek 1996), meshed without a mesher.

Channel ``[0, 2.2] x [0, 0.41]``, cylinder of radius ``0.05`` centred at ``(0.2, 0.2)``. The
mesh is block-structured: an O-grid ring between the cylinder and the square
``[0.1, 0.3]²`` — ``4 n`` cells around the cylinder, ``radial`` layers graded geometrically
toward it (the boundary layer) — and a tensor-product grid of the rest of the channel whose
lines continue the square's sides, graded toward the square and coarsening downstream. Every
quadrilateral is split into two triangles. The cylinder is a polygon of ``4 n`` sides with the
circle's area (or inscribed in it: ``polygon=``).

Facet tags: ``"inlet"`` (x = 0), ``"outlet"`` (x = 2.2), ``"walls"`` (y = 0 and y = 0.41),
``"cylinder"``.

Good values: ``n = 32`` (128 cylinder segments) with the defaults gives ≈ 11k triangles,
≈ 50k Taylor–Hood dofs; ``n = 48`` ≈ 110k dofs.
"""

from __future__ import annotations

import numpy as np

from .mesh import Mesh

__all__ = ["dfg_channel", "DFG_LENGTH", "DFG_HEIGHT", "DFG_CENTRE", "DFG_RADIUS"]

DFG_LENGTH, DFG_HEIGHT = 2.2, 0.41
DFG_CENTRE, DFG_RADIUS = (0.2, 0.2), 0.05
_BOX = (0.1, 0.3)  # the O-grid's outer square, [0.1, 0.3]²


def _graded(a: float, b: float, n: int, first: float | None, at: str) -> np.ndarray:
    """``n + 1`` points from ``a`` to ``b``, geometrically graded so the cell next to the end
    ``at`` ("a" or "b") has length ``first`` (uniform when ``first`` is None or too large)."""
    L = b - a
    if first is None or first * n >= L:
        return np.linspace(a, b, n + 1)
    # solve first * (q^n - 1) / (q - 1) = L for the ratio q > 1 by bisection
    lo, hi = 1.0 + 1e-12, 2.0
    while first * (hi**n - 1) / (hi - 1) < L:
        hi *= 2
    for _ in range(200):
        q = 0.5 * (lo + hi)
        if first * (q**n - 1) / (q - 1) < L:
            lo = q
        else:
            hi = q
    steps = first * q ** np.arange(n)
    steps *= L / steps.sum()
    if at == "b":
        steps = steps[::-1]
    return a + np.concatenate([[0.0], np.cumsum(steps)])


def dfg_channel(n: int = 32, radial: int | None = None, boundary_layer: float | None = None,
                downstream: int | None = None, polygon: str = "area", fine: int = 1,
                ) -> Mesh:  # fmt: skip
    """The DFG channel with the cylinder, triangles, tagged boundary (see the module docstring).

    Parameters
    ----------
    n : int
        Cells along each side of the square around the cylinder (``4 n`` around the cylinder).
    radial : int, optional
        Layers of the O-grid between cylinder and square (default ``n // 2``).
    boundary_layer : float, optional
        Thickness of the first layer on the cylinder (default: the arc length of one cylinder
        segment times 0.5, cells of aspect ≈ 2).
    downstream : int, optional
        Cells from the square to the outlet (default ``3 n``), graded from the square's
        spacing.
    fine : int
        Angular refinement next to the cylinder: the inner third of the O-grid has
        ``4 n fine`` cells around (``fine`` even, or 1), joined to the ``4 n`` outer ones by
        a ring of transition triangles — pressure at the stagnation points (Δp) needs the
        angular resolution, the rest of the channel does not.
    polygon : {"area", "inscribed"}
        Where the ``4 n`` cylinder vertices sit: on the circle (``"inscribed"``: the polygon
        lies inside the cylinder, its area short by ``≈ (2π/4n)² / 6``) or on the radius
        ``r √(2π / (N sin(2π/N)))`` at which the polygon has the cylinder's area
        (``"area"``, default: the boundary straddles the circle, so the O(h²) bias of the
        inscribed polygon in drag and Δp cancels to leading order — 2–4x smaller errors at
        the same dofs; see ``docs/flow.md``).
    """
    n = int(n)
    if n < 4:
        raise ValueError(f"need n >= 4 cells per side of the cylinder's square, got {n}")
    radial = max(n // 2, 2) if radial is None else int(radial)
    downstream = 3 * n if downstream is None else int(downstream)
    xc, yc = DFG_CENTRE
    r = DFG_RADIUS
    if polygon not in ("area", "inscribed"):
        raise ValueError(f"polygon must be 'area' or 'inscribed', got {polygon!r}")
    fine = int(fine)
    if fine < 1 or (fine > 1 and fine % 2):
        raise ValueError(f"fine must be 1 or even, got {fine}")
    N = 4 * n * fine
    r_vertex = r * np.sqrt(2 * np.pi / (N * np.sin(2 * np.pi / N))) if polygon == "area" else r
    lo, hi = _BOX
    h = (hi - lo) / n  # spacing on the square
    seg = 2 * np.pi * r / N
    first = 0.5 * seg if boundary_layer is None else float(boundary_layer)

    pts: list[np.ndarray] = []
    tris: list[np.ndarray] = []
    count = 0

    def add_grid(X: np.ndarray, Y: np.ndarray) -> None:
        """A structured (i, j) grid of points, quads split into triangles."""
        nonlocal count
        ni, nj = X.shape
        ids = count + np.arange(ni * nj).reshape(ni, nj)
        pts.append(np.column_stack([X.ravel(), Y.ravel()]))
        count += ni * nj
        a, b = ids[:-1, :-1].ravel(), ids[1:, :-1].ravel()
        c, d = ids[1:, 1:].ravel(), ids[:-1, 1:].ravel()
        tris.append(np.column_stack([a, b, c]))
        tris.append(np.column_stack([a, c, d]))

    # O-grid: four sides of the square, each a grid from the circle (t = 0) to the square
    # (t = 1); the inner levels have `fine` times the angular cells, joined to the outer ones by
    # one ring of transition triangles (each coarse segment: 1 + fine triangles)
    t = _graded(0.0, 1.0, radial, first / (hi - lo - 2 * r) * 2, "a")
    split = max(1, radial // 3) if fine > 1 else radial
    corners = [(hi, lo), (hi, hi), (lo, hi), (lo, lo), (hi, lo)]  # counter-clockwise from SE

    def ring(k: int, m: int, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        (x0, y0), (x1, y1) = corners[k], corners[k + 1]
        s = np.linspace(0.0, 1.0, m + 1)
        bx, by = x0 + s * (x1 - x0), y0 + s * (y1 - y0)
        theta = -np.pi / 4 + (k + s) * np.pi / 2
        cx, cy = xc + r_vertex * np.cos(theta), yc + r_vertex * np.sin(theta)
        return (cx[:, None] + levels[None, :] * (bx - cx)[:, None],
                cy[:, None] + levels[None, :] * (by - cy)[:, None])  # fmt: skip

    for k in range(4):
        add_grid(*ring(k, n * fine, t[: split + 1]))
        if fine > 1:
            nonlocal_ids = count
            Xf, Yf = ring(k, n * fine, t[split : split + 1])
            Xc, Yc = ring(k, n, t[split + 1 : split + 2])
            pts.append(np.column_stack([Xf.ravel(), Yf.ravel()]))
            pts.append(np.column_stack([Xc.ravel(), Yc.ravel()]))
            f = nonlocal_ids + np.arange(n * fine + 1)
            c = nonlocal_ids + n * fine + 1 + np.arange(n + 1)
            count += n * fine + 1 + n + 1
            for j in range(n):
                a = j * fine
                for q in range(fine):  # fan of the fine segments to the nearer coarse node
                    cn = c[j] if q < fine // 2 else c[j + 1]
                    tris.append(np.array([[f[a + q], f[a + q + 1], cn]]))
                tris.append(np.array([[f[a + fine // 2], c[j + 1], c[j]]]))
            add_grid(*ring(k, n, t[split + 1 :]))
        else:
            add_grid(*ring(k, n, t[split:]))

    # the rest: tensor lines continuing the square's sides, graded toward the square
    xs_box = np.linspace(lo, hi, n + 1)
    x_left = _graded(0.0, lo, max(int(np.ceil(lo / h)), 2), None, "b")
    x_right = _graded(hi, DFG_LENGTH, downstream, h, "a")
    y_bot = _graded(0.0, lo, max(int(np.ceil(lo / h)), 2), None, "b")
    y_top = _graded(hi, DFG_HEIGHT, max(int(np.ceil((DFG_HEIGHT - hi) / h)), 2), None, "a")
    xcols = [x_left, xs_box, x_right]
    yrows = [y_bot, xs_box, y_top]
    for i, xv in enumerate(xcols):
        for j, yv in enumerate(yrows):
            if i == 1 and j == 1:
                continue  # the O-grid's square
            X, Y = np.meshgrid(xv, yv, indexing="ij")
            add_grid(X, Y)

    P = np.concatenate(pts)
    T = np.concatenate(tris)
    # merge the coincident points of neighbouring blocks
    key = np.round(P / (1e-9 * DFG_LENGTH)).astype(np.int64)
    _, first_idx, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    P = P[first_idx]
    T = inverse.ravel()[T]
    # orient counter-clockwise
    e1, e2 = P[T[:, 1]] - P[T[:, 0]], P[T[:, 2]] - P[T[:, 0]]
    neg = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0] < 0
    T[neg] = T[neg][:, [0, 2, 1]]
    mesh = Mesh(P, T, "triangle")
    eps = 1e-9
    mesh.tag_facets("inlet", lambda x: x[0] < eps)
    mesh.tag_facets("outlet", lambda x: x[0] > DFG_LENGTH - eps)
    mesh.tag_facets("walls", lambda x: (x[1] < eps) | (x[1] > DFG_HEIGHT - eps))
    mesh.tag_facets("cylinder", lambda x: np.hypot(x[0] - xc, x[1] - yc) < r_vertex + 1e-7)
    return mesh
