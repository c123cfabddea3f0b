r"""Five-point finite-difference systems used for sequences of related solves: the Darcy and
Helmholtz matrices of the SKR benchmarks, a symmetric Darcy operator, and Crank–Nicolson steps of
the 2D heat equation.

All live on the unit square with homogeneous Dirichlet data, discretised on the ``s x s``
interior nodes ``x_{ij} = ((j+1) h, (i+1) h)``, ``h = 1/(s+1)``, numbered row-major
(``p = i s + j``, the order of ``a.ravel()`` for an ``(s, s)`` coefficient array), so
``n = s²``.

===========================  ==================================================================
:func:`darcy_skr`            ``4 a_p u_p − Σ_{q∈N(p)} a_q u_q = h² f_p`` (nonsymmetric;
                             a discretisation of ``−Δ(a u) = f``, as SKR builds its "Darcy")
:func:`helmholtz_skr`        the same with diagonal ``4 a_p − h² k²``
:func:`darcy_symmetric`      ``−∇·(a∇u) = f``: face coefficients ``a_{pq}`` the harmonic mean
                             ``2 a_p a_q / (a_p + a_q)`` (``a_p`` on boundary faces); SPD
:func:`laplacian_5pt`        ``−Δ_h`` (times ``h²``), the building block of the heat sequence
:class:`HeatCNSequence`      ``u_t = κ(t) Δu + f(t, x)``, Crank–Nicolson steps ``A_n u^{n+1} = b_n``
===========================  ==================================================================

Nominal against real size (SKR, Wang et al., ICLR 2024, code ``NO-DataGen-SKR``): SKR's
``build_darcy``/``build_helmholtz`` sample the field on an ``S x S`` grid and keep its
``(S−2)²`` interior values, so their "n = 10 000" sets have 9 604 unknowns (and "6400" has 6 084);
they also use ``h = 1/(s−1)`` in ``b = h² f`` and take the vertical couplings from a row of the
coefficient array shifted by two entries (the ``[s−2:]`` slice of the ``−s`` diagonal, which
scipy's ``diags`` truncates to length ``n − s``). By default (``layout="corrected"``) ``n = s²``
for an ``(s, s)`` field (``s = 80`` gives 6 400, ``s = 100`` gives 10 000), every coupling uses
the neighbour's own coefficient and ``h`` is the grid spacing. ``layout="skr-code"`` reproduces
SKR's matrices entry for entry from an ``(s+2, s+2)`` field (so ``n = s²`` again): this is the
operator behind their published iteration and time ratios, and a much harder one for restarted
GMRES (see :func:`darcy_skr`).

The matrices are filled into the cached five-point pattern of :mod:`pdesolve.models.stencils`
(which also holds :func:`laplacian_5pt`), the one home of the five-point construction.

References
----------
H. Wang, Z. Hao, J. Wang, Z. Geng, Z. Wang, B. Li and F. Wu, "Accelerating data generation for
neural operators via Krylov subspace recycling", ICLR 2024 (arXiv:2401.09516).
M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting solver parameters
across a sequence of linear system instances", ICLR 2024 (arXiv:2310.02246), §5 (heat equation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import PdesolveError
from .stencils import five_point_pattern, harmonic_darcy_matrix, laplacian_5pt

__all__ = [
    "darcy_skr",
    "helmholtz_skr",
    "darcy_symmetric",
    "laplacian_5pt",
    "HeatCNSequence",
    "khodak_diffusivity",
    "circling_bump",
    "bump",
]


def _field(a: np.ndarray, name: str = "a") -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise PdesolveError(f"{name} must be a square (s, s) array with s >= 2, got {a.shape}")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise PdesolveError(f"{name} must be finite and positive")
    return a


def _rhs(f: float | np.ndarray, s: int, h: float) -> np.ndarray:
    f = np.broadcast_to(np.asarray(f, dtype=np.float64), (s, s))
    return h * h * np.ascontiguousarray(f).ravel()


def darcy_skr(
    a: np.ndarray, f: float | np.ndarray = 1.0, *, layout: str = "corrected"
) -> tuple[sp.csr_matrix, np.ndarray]:
    """SKR's five-point "Darcy" system: ``4 a_p u_p − Σ_{q∈N(p)} a_q u_q = h² f_p``.

    Row ``p`` couples to each grid neighbour ``q`` with ``−a_q`` (the coefficient at the
    neighbour), so ``A`` is nonsymmetric: it discretises ``−Δ(a u) = f`` with zero Dirichlet data.
    It is a nonsingular M-matrix by columns (column ``q`` holds ``4 a_q`` and at most four
    ``−a_q``).

    Parameters
    ----------
    a : ndarray
        Positive coefficient: ``(s, s)`` at the interior nodes (``layout="corrected"``), or
        ``(s+2, s+2)`` on the whole grid, boundary ring included (``layout="skr-code"``).
    f : float or ndarray
        Source (``1`` in SKR), shaped like ``a``'s interior.
    layout : {"corrected", "skr-code"}
        ``"corrected"``: the operator as described above. ``"skr-code"``: the matrix exactly as
        SKR's committed ``build_darcy`` assembles it (see the module docstring): the coupling
        to the upper neighbour takes the coefficient two grid points further along the row,
        and ``h = 1/(s−1)``. Its couplings no longer balance (not an M-matrix by columns), and
        restarted GMRES stagnates on it (GMRES(40) needs ~7 000 to > 10 000 iterations at
        n = 6 400, rtol 1e−8, against ~700 for the corrected operator): the published SKR
        ratios were measured on these matrices.

    Returns
    -------
    A : csr_matrix (s², s²)
    b : ndarray (s²,)
    """
    return helmholtz_skr(a, 0.0, f, layout=layout)


def helmholtz_skr(
    a: np.ndarray, k: float, f: float | np.ndarray = 1.0, *, layout: str = "corrected"
) -> tuple[sp.csr_matrix, np.ndarray]:
    """SKR's five-point Helmholtz system: :func:`darcy_skr` with diagonal ``4 a_p − h² k²``.

    Parameters
    ----------
    a : ndarray
        Positive coefficient (SKR: ``exp`` of a Gaussian random field); shape as in
        :func:`darcy_skr`.
    k : float
        Wave number (SKR: ``k ~ U(0, 1)``).
    f : float or ndarray
    layout : {"corrected", "skr-code"}
        See :func:`darcy_skr`.
    """
    a = _field(a)
    if layout == "skr-code":
        return _skr_code_system(a, k, f)
    if layout != "corrected":
        raise PdesolveError(f"layout must be 'corrected' or 'skr-code', got {layout!r}")
    s = a.shape[0]
    h = 1.0 / (s + 1)
    # row p couples to neighbour q with −a_q: east/south take the second node's coefficient,
    # west/north (the rows of the second nodes) the first's
    A = five_point_pattern(s).matrix(
        4.0 * a - (h * k) ** 2, -a[:, 1:], -a[1:, :], west=-a[:, :-1], north=-a[:-1, :]
    )
    return A, _rhs(f, s, h)


def _skr_code_system(a: np.ndarray, k: float, f: float | np.ndarray):
    """The matrix of SKR's ``build_helmholtz`` (``build_darcy`` for ``k = 0``), reproduced
    diagonal by diagonal from the ``(s+2, s+2)`` field, the ``[s−2:]`` slice included.

    SKR stacks the diagonals ``[−1, −s, 0, s, 1]`` with scipy's ``diags``; its ``±1`` diagonals
    are zero where they would wrap from one grid row to the next, so the matrix has the
    five-point pattern and its diagonals are the couplings of :mod:`.stencils`: ``−1`` the west
    couplings, ``+1`` the east, ``+s`` the south and ``−s`` the north ones.
    """
    s = a.shape[0] - 2
    if s < 3:
        raise PdesolveError("layout='skr-code' needs a field of at least 5 x 5 points")
    n, h = s * s, 1.0 / (s - 1)
    # the −s diagonal: SKR's slice of length n − s (what diags keeps); aligned would start at s
    up = a[:-2, 1:-1].ravel()[s - 2 : s - 2 + n - s].reshape(s - 1, s)
    east = a[1:-1, 2:-1]  # A[p, p+1] = −a[1:-1, 2:].ravel()[p]
    west = a[1:-1, 1:-2]  # A[p, p−1] = −a[1:-1, :-2].ravel()[p]
    south = a[2:-1, 1:-1]  # A[p, p+s] = −a[2:, 1:-1].ravel()[p]
    diag = 4.0 * a[1:-1, 1:-1] - (h * k) ** 2
    A = five_point_pattern(s).matrix(diag, -east, -south, west=-west, north=-up)
    return A, _rhs(f if np.ndim(f) == 0 else np.asarray(f)[1:-1, 1:-1], s, h)


def darcy_symmetric(a: np.ndarray, f: float | np.ndarray = 1.0) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""Five-point ``−∇·(a∇u) = f`` with harmonic-mean face coefficients (SPD).

    Row ``p``: ``Σ_faces a_{pq} (u_p − u_q) = h² f_p`` with ``a_{pq} = 2 a_p a_q / (a_p + a_q)``
    between interior nodes and ``a_{pq} = a_p`` on the four faces to the Dirichlet boundary
    (``u_q = 0``). The harmonic mean is the flux-continuous choice for a coefficient that jumps
    between nodes. The matrix is symmetric, irreducibly diagonally dominant with a positive
    diagonal: SPD.
    """
    a = _field(a)
    s = a.shape[0]
    return harmonic_darcy_matrix(a), _rhs(f, s, 1.0 / (s + 1))


def khodak_diffusivity(t: float | np.ndarray) -> np.ndarray:
    """The diffusivity of Khodak et al.'s heat experiment: ``κ(t) = max(0.1 sin 2πt, −10 sin
    2πt)`` (their code), a periodic swing between ``0`` and ``0.1`` / ``10``."""
    w = np.sin(2.0 * np.pi * np.asarray(t, dtype=np.float64))
    return np.maximum(0.1 * w, -10.0 * w)


def bump(x: np.ndarray, y: np.ndarray, centre: tuple[float, float], radius: float) -> np.ndarray:
    """The smooth bump ``exp(1 − 1/(1 − r²/ρ²))`` for ``r < ρ``, zero outside (peak 1)."""
    r2 = np.minimum(((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / radius**2, 1.0)
    with np.errstate(divide="ignore"):
        return np.exp(1.0 - 1.0 / (1.0 - r2))


def circling_bump(
    amplitude: float = 32.0, radius: float = 0.125, orbit: float = 0.25, frequency: float = 8.0
) -> Callable[[float, np.ndarray, np.ndarray], np.ndarray]:
    """Khodak et al.'s source: ``amplitude · bump`` of radius ``radius`` whose centre
    ``(½, ½) + orbit (cos 2πνt, sin 2πνt)`` circles the middle ``ν = frequency`` times per unit
    time (their code: 32, 0.125, 0.25, 8)."""

    def source(t: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        phase = 2.0 * np.pi * frequency * t
        centre = (0.5 + orbit * np.cos(phase), 0.5 + orbit * np.sin(phase))
        return amplitude * bump(x, y, centre, radius)

    return source


@dataclass
class HeatCNSequence:
    r"""Crank–Nicolson steps of ``u_t = κ(t) Δu + f(t, x)`` on the unit square, ``u = 0`` on the
    boundary, five-point Laplacian on ``(nx−1)²`` interior nodes (``h = 1/nx``).

    Step ``n`` solves (coefficients at the midpoint ``t_{n+½}``, as in Khodak et al.'s code)

    .. math::
        \Big(I + \tfrac{Δt}{2} κ_{n+½} L\Big) u^{n+1}
        = \Big(I − \tfrac{Δt}{2} κ_{n+½} L\Big) u^n + Δt\, f(t_{n+½}),

    with ``L = −Δ_h`` (SPD), second order in Δt. The matrices change with ``κ(t)`` — the sequence
    on which Khodak et al. (ICLR 2024) tune SSOR-PCG's ω: ``κ`` = :func:`khodak_diffusivity`,
    Δt = 1e−3, the source :func:`circling_bump`, ``u⁰`` a bump of radius ¼ in the middle.

    Attributes
    ----------
    nx : int
        Grid intervals per side (``n = (nx − 1)²`` unknowns).
    dt : float
    kappa : callable ``t -> κ``
    source : callable ``(t, x, y) -> f`` or None
    """

    nx: int
    dt: float = 1e-3
    kappa: Callable[[float], float] = khodak_diffusivity
    source: Callable[[float, np.ndarray, np.ndarray], np.ndarray] | None = None

    def __post_init__(self) -> None:
        if self.nx < 3:
            raise PdesolveError(f"nx must be >= 3, got {self.nx}")
        if not self.dt > 0:
            raise PdesolveError(f"dt must be positive, got {self.dt}")
        s = self.nx - 1
        self.h = 1.0 / self.nx
        self.laplacian = (laplacian_5pt(s) / self.h**2).tocsr()
        self.identity = sp.identity(s * s, format="csr")
        grid = np.arange(1, self.nx) * self.h
        self._y, self._x = np.meshgrid(grid, grid, indexing="ij")
        if self.source is None:
            self.source = circling_bump()

    @property
    def n(self) -> int:
        """Number of unknowns."""
        return (self.nx - 1) ** 2

    def initial(self) -> np.ndarray:
        """``u⁰``: a bump of radius ¼ in the middle of the square."""
        return bump(self._x, self._y, (0.5, 0.5), 0.25).ravel()

    def context(self, step: int) -> float:
        """The scalar that changes the matrix of ``step``: ``κ(t_{step+½})``."""
        return float(self.kappa((step + 0.5) * self.dt))

    def context_range(self, steps: int) -> tuple[float, float]:
        """``(min, max)`` of :meth:`context` over steps ``0 … steps−1`` (the bounds a contextual
        bandit needs in advance; Khodak et al.'s ``cmin``, ``cmax``)."""
        if steps < 1:
            raise PdesolveError(f"steps must be >= 1, got {steps}")
        c = np.array([self.context(i) for i in range(int(steps))])
        return float(c.min()), float(c.max())

    def matrix(self, step: int) -> sp.csr_matrix:
        """``A_step = I + Δt/2 κ(t_{step+½}) L``."""
        c = 0.5 * self.dt * self.context(step)
        return (self.identity + c * self.laplacian).tocsr()

    def rhs(self, step: int, u: np.ndarray) -> np.ndarray:
        """``b_step = (I − Δt/2 κ(t_{step+½}) L) u + Δt f(t_{step+½})``."""
        t = (step + 0.5) * self.dt
        c = 0.5 * self.dt * self.context(step)
        f = np.asarray(self.source(t, self._x, self._y), dtype=np.float64).ravel()
        return u - c * (self.laplacian @ u) + self.dt * f

    def system(self, step: int, u: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
        """``(A_step, b_step)`` given ``u = u^step``."""
        return self.matrix(step), self.rhs(step, u)
