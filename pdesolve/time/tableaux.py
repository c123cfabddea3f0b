"""Time-stepping schemes as data: Butcher tableaux, IMEX Runge–Kutta pairs, IMEX multistep
coefficients.

A scheme is a small frozen record of its coefficients plus the order and the reference it was
taken from; the steppers in :mod:`.explicit`, :mod:`.implicit` and :mod:`.imex` interpret them.
Adding a scheme is adding a record here (and a name in :mod:`.registry`).

Conventions
-----------
An ``s``-stage Runge–Kutta method for ``du/dt = f(t, u)`` (Butcher 2016, §23) is

.. math::

    k_i = f\\Big(t_n + c_i h,\\; u_n + h \\sum_j a_{ij} k_j\\Big), \\qquad
    u_{n+1} = u_n + h \\sum_i b_i k_i ,

explicit when ``A`` is strictly lower triangular. An embedded pair carries a second weight
vector ``b_hat`` whose solution ``û_{n+1}`` differs in order; ``u_{n+1} − û_{n+1}`` estimates
the local error (Hairer–Nørsett–Wanner I, §II.4).

An IMEX Runge–Kutta scheme for ``M du/dt = L u + N(t, u)`` pairs an explicit tableau
``(A_exp, b_exp, c_exp)`` for ``N`` with a diagonally implicit one ``(A_imp, b_imp, c_imp)`` for
``L`` (Ascher–Ruuth–Spiteri 1997, written in their padded ``(s+1)``-stage form whose first stage
is ``U_0 = u_n``):

.. math::

    (M - h\\,a_{ii} L)\\, U_i = M u_n + h \\sum_{j<i} \\big(\\hat a_{ij} N(t_n + \\hat c_j h, U_j)
        + a_{ij} L U_j\\big).

An IMEX multistep scheme of ``k`` steps (Ascher–Ruuth–Wetton 1995; Dedalus writes its
schemes in the same form) is

.. math::

    \\sum_{j=0}^{k} a_j M u_{n+1-j} = h \\sum_{j=0}^{k} b_j L u_{n+1-j}
        + h \\sum_{j=1}^{k} c_j N(t_{n+1-j}, u_{n+1-j}).

References
----------
J. C. Butcher, *Numerical Methods for Ordinary Differential Equations*, 3rd ed., Wiley 2016.
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*, 2nd ed.,
Springer 1993 (HNW I), §II.1 (classical RK4), §II.5 (Dormand–Prince 5(4), Table 5.2).
C.-W. Shu and S. Osher, "Efficient implementation of essentially non-oscillatory
shock-capturing schemes", J. Comput. Phys. 77 (1988) 439–471 (SSPRK3, eq. (2.18)).
J. R. Dormand and P. J. Prince, "A family of embedded Runge–Kutta formulae", J. Comput. Appl.
Math. 6 (1980) 19–26.
U. M. Ascher, S. J. Ruuth and B. T. R. Wetton, "Implicit-explicit methods for time-dependent
partial differential equations", SIAM J. Numer. Anal. 32 (1995) 797–823 (SBDF, CNAB).
U. M. Ascher, S. J. Ruuth and R. J. Spiteri, "Implicit-explicit Runge–Kutta methods for
time-dependent partial differential equations", Appl. Numer. Math. 25 (1997) 151–167
(ARS(2,2,2) §2.6, ARS(4,4,3) §2.8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction as F

import numpy as np

__all__ = [
    "ButcherTableau",
    "IMEXTableau",
    "IMEXMultistepScheme",
    "EULER",
    "HEUN",
    "SSPRK3",
    "RK4",
    "DOPRI5",
    "ARS222",
    "ARS443",
    "SBDF1",
    "SBDF2",
    "SBDF3",
    "CNAB1",
    "CNAB2",
    "BUTCHER_TABLEAUX",
    "IMEX_TABLEAUX",
    "IMEX_MULTISTEP",
]


def _arr(rows) -> np.ndarray:
    return np.array([[float(x) for x in r] for r in rows], dtype=np.float64)


def _vec(xs) -> np.ndarray:
    return np.array([float(x) for x in xs], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class ButcherTableau:
    """Coefficients ``(A, b, c)`` of a Runge–Kutta method, optionally with an embedded ``b_hat``.

    Attributes
    ----------
    name : str
    A : ndarray (s, s)
    b : ndarray (s,)
    c : ndarray (s,)
    order : int
        Classical order of the ``b`` solution.
    b_hat : ndarray (s,), optional
        Weights of the embedded solution (error estimate).
    order_hat : int, optional
        Order of the embedded solution.
    fsal : bool
        First same as last: the last stage is ``f(t_{n+1}, u_{n+1})``.
    citation : str
    """

    name: str
    A: np.ndarray
    b: np.ndarray
    c: np.ndarray
    order: int
    b_hat: np.ndarray | None = None
    order_hat: int | None = None
    fsal: bool = False
    citation: str = ""

    @property
    def stages(self) -> int:
        return len(self.b)

    @property
    def explicit(self) -> bool:
        return bool(np.all(np.triu(self.A) == 0.0))

    def check(self) -> None:
        """Assert the row-sum condition ``c_i = Σ_j a_ij`` and consistent shapes."""
        s = self.stages
        assert self.A.shape == (s, s) and self.c.shape == (s,)
        assert np.allclose(self.A.sum(axis=1), self.c, atol=1e-14), self.name
        assert abs(self.b.sum() - 1.0) < 1e-14, self.name
        if self.b_hat is not None:
            assert abs(self.b_hat.sum() - 1.0) < 1e-14, self.name


@dataclass(frozen=True, eq=False)
class IMEXTableau:
    """An implicit–explicit Runge–Kutta pair in the padded ``(s+1)``-stage form.

    Attributes
    ----------
    name : str
    A_exp, b_exp, c_exp : ndarray
        Explicit tableau (for ``N``), strictly lower triangular.
    A_imp, b_imp, c_imp : ndarray
        Diagonally implicit tableau (for ``L``), first row and column zero.
    order : int
    citation : str
    """

    name: str
    A_exp: np.ndarray
    b_exp: np.ndarray
    c_exp: np.ndarray
    A_imp: np.ndarray
    b_imp: np.ndarray
    c_imp: np.ndarray
    order: int
    citation: str = ""

    @property
    def stiffly_accurate(self) -> bool:
        """Both weight rows equal the last rows of their tableaux: ``u_{n+1} = U_s``."""
        exp_ok = np.array_equal(self.A_exp[-1], self.b_exp)
        return bool(exp_ok and np.array_equal(self.A_imp[-1], self.b_imp))

    @property
    def shifts(self) -> np.ndarray:
        """The distinct diagonal coefficients ``a_ii`` (one matrix ``M − h a_ii L`` each)."""
        return np.unique(np.diag(self.A_imp)[1:])

    def check(self) -> None:
        s = len(self.b_exp)
        assert self.A_exp.shape == self.A_imp.shape == (s, s)
        assert np.all(np.triu(self.A_exp) == 0.0) and np.all(np.triu(self.A_imp, 1) == 0.0)
        assert np.allclose(self.A_exp.sum(axis=1), self.c_exp, atol=1e-14), self.name
        assert np.allclose(self.A_imp.sum(axis=1), self.c_imp, atol=1e-14), self.name
        assert abs(self.b_exp.sum() - 1) < 1e-14 and abs(self.b_imp.sum() - 1) < 1e-14


@dataclass(frozen=True, eq=False)
class IMEXMultistepScheme:
    """Coefficients of ``Σ a_j M u_{n+1-j} = h Σ b_j L u_{n+1-j} + h Σ_{j≥1} c_j N_{n+1-j}``.

    Attributes
    ----------
    name : str
    a, b, c : tuple of float
        Length ``k + 1`` each, index ``j`` multiplies level ``n + 1 − j``; ``c[0] = 0``.
    order : int
    starter : str
        The scheme that takes the first ``k − 1`` steps (while the history is too short): a name
        of :data:`IMEX_MULTISTEP` or :data:`IMEX_TABLEAUX`. A fixed number of start steps
        with local error ``O(h^q)`` adds ``O(h^q)`` to the global error, so ``q >= order`` is
        needed: SBDF2 and CNAB2 start with their one-step relatives SBDF1 / CNAB1 (local error
        ``O(h^2)``), SBDF3 with ARS(4,4,3) (local error ``O(h^4)``), not with SBDF1 and SBDF2.
    citation : str
    """

    name: str
    a: tuple[float, ...]
    b: tuple[float, ...]
    c: tuple[float, ...]
    order: int
    starter: str | None = None
    citation: str = ""
    steps: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", len(self.a) - 1)

    def check(self) -> None:
        assert len(self.a) == len(self.b) == len(self.c) == self.steps + 1
        assert self.c[0] == 0.0
        assert abs(sum(self.a)) < 1e-14  # consistency: Σ a_j = 0
        assert abs(sum(self.b) - 1.0) < 1e-14 and abs(sum(self.c) - 1.0) < 1e-14


# --------------------------------------------------------------------------------------------
# explicit Runge–Kutta methods
# --------------------------------------------------------------------------------------------

EULER = ButcherTableau(
    "euler", _arr([[0]]), _vec([1]), _vec([0]), order=1,
    citation="Euler (1768); Butcher 2016 §20.",
)

HEUN = ButcherTableau(
    "heun", _arr([[0, 0], [1, 0]]), _vec([F(1, 2), F(1, 2)]), _vec([0, 1]), order=2,
    citation="Heun (1900), explicit trapezoidal rule; HNW I §II.1, Table 1.1.",
)

SSPRK3 = ButcherTableau(
    "ssprk3",
    _arr([[0, 0, 0], [1, 0, 0], [F(1, 4), F(1, 4), 0]]),
    _vec([F(1, 6), F(1, 6), F(2, 3)]),
    _vec([0, 1, F(1, 2)]),
    order=3,
    citation="Shu & Osher, J. Comput. Phys. 77 (1988) 439–471, eq. (2.18): strong-stability "
    "preserving (TVD) RK3 with SSP coefficient 1.",
)

RK4 = ButcherTableau(
    "rk4",
    _arr([[0, 0, 0, 0], [F(1, 2), 0, 0, 0], [0, F(1, 2), 0, 0], [0, 0, 1, 0]]),
    _vec([F(1, 6), F(1, 3), F(1, 3), F(1, 6)]),
    _vec([0, F(1, 2), F(1, 2), 1]),
    order=4,
    citation="Kutta (1901), the classical RK4; HNW I §II.1, Table 1.2; Butcher 2016 §23.",
)

DOPRI5 = ButcherTableau(
    "dopri5",
    _arr(
        [
            [0, 0, 0, 0, 0, 0, 0],
            [F(1, 5), 0, 0, 0, 0, 0, 0],
            [F(3, 40), F(9, 40), 0, 0, 0, 0, 0],
            [F(44, 45), F(-56, 15), F(32, 9), 0, 0, 0, 0],
            [F(19372, 6561), F(-25360, 2187), F(64448, 6561), F(-212, 729), 0, 0, 0],
            [F(9017, 3168), F(-355, 33), F(46732, 5247), F(49, 176), F(-5103, 18656), 0, 0],
            [F(35, 384), 0, F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84), 0],
        ]
    ),
    _vec([F(35, 384), 0, F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84), 0]),
    _vec([0, F(1, 5), F(3, 10), F(4, 5), F(8, 9), 1, 1]),
    order=5,
    b_hat=_vec(
        [F(5179, 57600), 0, F(7571, 16695), F(393, 640), F(-92097, 339200), F(187, 2100),
         F(1, 40)]
    ),
    order_hat=4,
    fsal=True,
    citation="Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19–26; HNW I §II.5, Table 5.2 "
    "(local extrapolation: the order-5 solution is propagated, FSAL).",
)

BUTCHER_TABLEAUX: dict[str, ButcherTableau] = {
    t.name: t for t in (EULER, HEUN, SSPRK3, RK4, DOPRI5)
}

# --------------------------------------------------------------------------------------------
# IMEX Runge–Kutta (Ascher–Ruuth–Spiteri 1997)
# --------------------------------------------------------------------------------------------

_G = 1.0 - 1.0 / np.sqrt(2.0)  # γ of ARS(2,2,2): L-stable SDIRK2
_D = 1.0 - 1.0 / (2.0 * _G)  # δ of ARS(2,2,2)

ARS222 = IMEXTableau(
    "ars222",
    A_exp=np.array([[0.0, 0.0, 0.0], [_G, 0.0, 0.0], [_D, 1.0 - _D, 0.0]]),
    b_exp=np.array([_D, 1.0 - _D, 0.0]),
    c_exp=np.array([0.0, _G, 1.0]),
    A_imp=np.array([[0.0, 0.0, 0.0], [0.0, _G, 0.0], [0.0, 1.0 - _G, _G]]),
    b_imp=np.array([0.0, 1.0 - _G, _G]),
    c_imp=np.array([0.0, _G, 1.0]),
    order=2,
    citation="Ascher, Ruuth & Spiteri, Appl. Numer. Math. 25 (1997) 151–167, §2.6 "
    "(γ = 1 − 1/√2, δ = 1 − 1/(2γ)); Dedalus RK222.",
)

ARS443 = IMEXTableau(
    "ars443",
    A_exp=_arr(
        [
            [0, 0, 0, 0, 0],
            [F(1, 2), 0, 0, 0, 0],
            [F(11, 18), F(1, 18), 0, 0, 0],
            [F(5, 6), F(-5, 6), F(1, 2), 0, 0],
            [F(1, 4), F(7, 4), F(3, 4), F(-7, 4), 0],
        ]
    ),
    b_exp=_vec([F(1, 4), F(7, 4), F(3, 4), F(-7, 4), 0]),
    c_exp=_vec([0, F(1, 2), F(2, 3), F(1, 2), 1]),
    A_imp=_arr(
        [
            [0, 0, 0, 0, 0],
            [0, F(1, 2), 0, 0, 0],
            [0, F(1, 6), F(1, 2), 0, 0],
            [0, F(-1, 2), F(1, 2), F(1, 2), 0],
            [0, F(3, 2), F(-3, 2), F(1, 2), F(1, 2)],
        ]
    ),
    b_imp=_vec([0, F(3, 2), F(-3, 2), F(1, 2), F(1, 2)]),
    c_imp=_vec([0, F(1, 2), F(2, 3), F(1, 2), 1]),
    order=3,
    citation="Ascher, Ruuth & Spiteri, Appl. Numer. Math. 25 (1997) 151–167, §2.8; "
    "Dedalus RK443.",
)

IMEX_TABLEAUX: dict[str, IMEXTableau] = {t.name: t for t in (ARS222, ARS443)}

# --------------------------------------------------------------------------------------------
# IMEX multistep (Ascher–Ruuth–Wetton 1995)
# --------------------------------------------------------------------------------------------

_ARW = "Ascher, Ruuth & Wetton, SIAM J. Numer. Anal. 32 (1995) 797–823"

SBDF1 = IMEXMultistepScheme(
    "sbdf1", a=(1.0, -1.0), b=(1.0, 0.0), c=(0.0, 1.0), order=1,
    citation=f"{_ARW}: IMEX Euler (backward Euler for L, forward Euler for N).",
)
SBDF2 = IMEXMultistepScheme(
    "sbdf2", a=(1.5, -2.0, 0.5), b=(1.0, 0.0, 0.0), c=(0.0, 2.0, -1.0), order=2,
    starter="sbdf1", citation=f"{_ARW}, eq. (2.8): BDF2 for L, 2nd-order extrapolation of N.",
)
SBDF3 = IMEXMultistepScheme(
    "sbdf3",
    a=(11.0 / 6.0, -3.0, 1.5, -1.0 / 3.0),
    b=(1.0, 0.0, 0.0, 0.0),
    c=(0.0, 3.0, -3.0, 1.0),
    order=3,
    starter="ars443",
    citation=f"{_ARW}, §3 (order-3 semi-implicit BDF).",
)
CNAB1 = IMEXMultistepScheme(
    "cnab1", a=(1.0, -1.0), b=(0.5, 0.5), c=(0.0, 1.0), order=1,
    citation=f"{_ARW}: Crank–Nicolson for L, forward Euler for N (the CNAB2 starter).",
)
CNAB2 = IMEXMultistepScheme(
    "cnab2", a=(1.0, -1.0, 0.0), b=(0.5, 0.5, 0.0), c=(0.0, 1.5, -0.5), order=2,
    starter="cnab1",
    citation=f"{_ARW}, eq. (2.6): Crank–Nicolson for L, 2nd-order Adams–Bashforth for N.",
)

IMEX_MULTISTEP: dict[str, IMEXMultistepScheme] = {
    s.name: s for s in (SBDF1, SBDF2, SBDF3, CNAB1, CNAB2)
}
