"""Implicit–explicit (IMEX) steppers for ``M du/dt = L u + N(t, u)``: ``L`` (stiff, linear)
implicit, ``N`` (non-stiff, nonlinear) explicit.

``L`` is a diagonal symbol (numpy array: spectral methods; solves are elementwise), a sparse
matrix (finite elements: ``M − c h L`` factorised once per distinct ``c h`` and reused) or a
LinearOperator (Krylov), exactly as for :mod:`.implicit`; ``mass`` is optional.

Multistep (Ascher–Ruuth–Wetton 1995), coefficients in :mod:`.tableaux`:

.. math::

    \\sum_{j=0}^{k} a_j M u_{n+1-j} = h \\sum_{j=0}^{k} b_j L u_{n+1-j}
        + h \\sum_{j=1}^{k} c_j N_{n+1-j},

- ``"sbdf1"`` (IMEX Euler): ``M(u_{n+1} − u_n) = h L u_{n+1} + h N_n``;
- ``"sbdf2"``: ``M(3u_{n+1} − 4u_n + u_{n−1})/2 = h L u_{n+1} + h(2N_n − N_{n−1})``;
- ``"sbdf3"``: ``M(11u_{n+1} − 18u_n + 9u_{n−1} − 2u_{n−2})/6 = h L u_{n+1}
  + h(3N_n − 3N_{n−1} + N_{n−2})``;
- ``"cnab2"``: ``M(u_{n+1} − u_n) = (h/2) L (u_{n+1} + u_n) + h(3N_n − N_{n−1})/2``.

Each step solves ``(a_0 M − b_0 h L) u_{n+1} = ...`` and evaluates ``N`` once. The history
(states, ``N`` and, for CNAB2, ``L u`` of past levels) lives in the stepper. **Start and step
changes**: while the history is shorter than ``k`` levels the scheme's starter takes the step
(SBDF2: SBDF1; CNAB2: CNAB1 = Crank–Nicolson/forward Euler; SBDF3: ARS(4,4,3), whose local error
``O(h⁴)`` keeps order 3 — starting SBDF3 with SBDF1 would cost an ``O(h²)`` global error).
These are **fixed-step** formulas: a call with a different ``dt`` (or a ``t``/state that does
not continue the previous call, or ``reset()``) clears the history and restarts with the
starter (counted in ``stats["restarts"]``).

IMEX Runge–Kutta (Ascher–Ruuth–Spiteri 1997), ``"ars222"`` (order 2, L-stable implicit part)
and ``"ars443"`` (order 3), in the padded form with ``U_0 = u_n``:

.. math::

    (M - h a_{ii} L) U_i = M u_n + h \\sum_{j<i} \\big(\\hat a_{ij} N(t_n + \\hat c_j h, U_j)
        + a_{ij} L U_j\\big), \\quad u_{n+1} = U_s

(both tableaux are stiffly accurate, so the last stage is the solution). Both have a single
diagonal coefficient (``γ = 1 − 1/√2`` and ``1/2``): one factorisation per step size.

Diagonal-symbol problems accept a complex ``dt``.

References
----------
U. M. Ascher, S. J. Ruuth and B. T. R. Wetton, SIAM J. Numer. Anal. 32 (1995) 797–823.
U. M. Ascher, S. J. Ruuth and R. J. Spiteri, Appl. Numer. Math. 25 (1997) 151–167.
E. Hairer and G. Wanner, *Solving Ordinary Differential Equations II*, Springer 1996, §IV.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import RHS, History, LinearPart, StepperBase, StepperError, lookup
from .tableaux import IMEX_MULTISTEP, IMEX_TABLEAUX, IMEXMultistepScheme, IMEXTableau

__all__ = ["IMEXMultistep", "IMEXRungeKutta"]


class _IMEXBase(StepperBase):
    def __init__(
        self,
        *,
        linear: Any,
        nonlinear: RHS | None = None,
        mass: Any = None,
        solver: str = "direct",
        pc: Any = None,
        solver_options: dict[str, Any] | None = None,
        warm_start: bool = True,
    ) -> None:
        super().__init__()
        if linear is None:
            raise StepperError(f"{self.name} needs linear=L (and nonlinear=N(t, u))")
        self._set_linear(linear, mass, solver, pc, solver_options, warm_start)
        if nonlinear is None:
            self.N: RHS = lambda t, u: np.zeros_like(u)  # noqa: E731
        else:
            self.N = self._rhs(nonlinear, "nonlinear")

    def _check_state(self, u: np.ndarray) -> None:
        self.lin.check_state(u)


def _rk_step(
    tab: IMEXTableau, lin: LinearPart, N: RHS, t: Any, u: np.ndarray, h: Any, Nu: Any = None
) -> np.ndarray:
    """One ARS-form IMEX Runge–Kutta step (``Nu = N(t, u)`` if already known)."""
    Ae, Ai, ce = tab.A_exp, tab.A_imp, tab.c_exp
    s = len(tab.b_exp)
    sa = tab.stiffly_accurate
    Mu = lin.apply_mass(u)
    U: list[np.ndarray] = [u]
    Ns: list[Any] = [None] * s
    Ls: list[Any] = [None] * s

    def need_n(j: int) -> bool:
        return bool(np.any(Ae[j + 1 :, j] != 0)) or (not sa and tab.b_exp[j] != 0)

    def need_l(j: int) -> bool:
        return bool(np.any(Ai[j + 1 :, j] != 0)) or (not sa and tab.b_imp[j] != 0)

    def fill(j: int) -> None:
        if need_n(j):
            Ns[j] = Nu if (j == 0 and Nu is not None) else N(t + ce[j] * h, U[j])
        if need_l(j):
            Ls[j] = lin.apply(U[j])

    fill(0)
    for i in range(1, s):
        rhs = Mu
        for j in range(i):
            if Ae[i, j] != 0:
                rhs = rhs + (h * Ae[i, j]) * Ns[j]
            if Ai[i, j] != 0:
                rhs = rhs + (h * Ai[i, j]) * Ls[j]
        U.append(lin.solve(h * Ai[i, i], rhs, x0=U[-1]))
        if i < s - 1 or not sa:
            fill(i)
    if sa:
        return U[-1]
    rhs = Mu
    for j in range(s):
        if tab.b_exp[j] != 0:
            rhs = rhs + (h * tab.b_exp[j]) * Ns[j]
        if tab.b_imp[j] != 0:
            rhs = rhs + (h * tab.b_imp[j]) * Ls[j]
    return lin.solve(0.0, rhs, x0=U[-1])


class IMEXRungeKutta(_IMEXBase):
    """An IMEX Runge–Kutta pair of :mod:`.tableaux` (``"ars222"``, ``"ars443"``).

    Parameters
    ----------
    tableau : IMEXTableau or str
    linear : ndarray (diagonal symbol), sparse matrix or LinearOperator
        ``L`` of ``M du/dt = L u + N(t, u)``.
    nonlinear : callable ``N(t, u) -> array``, optional
    mass : optional
        ``M`` (sparse matrix, or array for a diagonal mass).
    solver, pc, solver_options, warm_start
        How the stage systems ``(M − h a_ii L) U_i = ...`` are solved (see
        :class:`~pdesolve.time._common.LinearPart`); Krylov solves start from the previous
        stage.
    """

    def __init__(self, tableau: IMEXTableau | str, **problem: Any) -> None:
        if isinstance(tableau, str):
            tableau = lookup(IMEX_TABLEAUX, tableau, "IMEX tableau")
        self.tableau = tableau
        self.name = tableau.name
        self.order = tableau.order
        super().__init__(**problem)

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        return _rk_step(self.tableau, self.lin, self.N, t, u, dt)


class IMEXMultistep(_IMEXBase):
    """An IMEX multistep scheme of :mod:`.tableaux` (``"sbdf1"``, ``"sbdf2"``, ``"sbdf3"``,
    ``"cnab2"``) with its starter (module docstring).

    Parameters
    ----------
    scheme : IMEXMultistepScheme or str
    linear, nonlinear, mass, solver, pc, solver_options, warm_start
        As :class:`IMEXRungeKutta`; Krylov solves start from the current state.

    Notes
    -----
    ``reset()`` clears the history; so does a change of ``dt`` (fixed-step coefficients).
    """

    multistep = True

    def __init__(self, scheme: IMEXMultistepScheme | str, **problem: Any) -> None:
        if isinstance(scheme, str):
            scheme = lookup(IMEX_MULTISTEP, scheme, "IMEX multistep scheme")
        self.scheme = scheme
        self.name = scheme.name
        self.order = scheme.order
        super().__init__(**problem)
        self._hist = History()
        # a level: {"t", "u", "N" (N(t, u)), "Lu" (L u, when a b_j != 0 for j >= 1)}
        self._needs_lu = any(b != 0 for b in scheme.b[1:])
        if scheme.starter is not None:
            st = scheme.starter
            self._needs_lu |= st in IMEX_MULTISTEP and any(b != 0 for b in IMEX_MULTISTEP[st].b[1:])

    def _reset_history(self) -> None:
        self._hist.clear()

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        hist = self._hist
        k = self.scheme.steps
        same_dt = hist.dt is not None and abs(dt - hist.dt) <= 1e-12 * abs(dt)
        if not (hist.levels and same_dt and hist.continues(t, u)):
            if hist.levels:
                self.stats["restarts"] += 1
            hist.levels = [{"t": t, "u": u}]
        else:
            hist.levels[0]["u"] = u  # the same values; the caller's array
        cur = hist.levels[0]
        cur["N"] = self.N(t, u)
        if self._needs_lu:
            cur["Lu"] = self.lin.apply(u)
        scheme: Any = self.scheme
        if len(hist.levels) < k:
            scheme = self.scheme.starter
            if scheme in IMEX_TABLEAUX:
                out = _rk_step(IMEX_TABLEAUX[scheme], self.lin, self.N, t, u, dt, Nu=cur["N"])
                return self._push(t, dt, out, k)
            scheme = IMEX_MULTISTEP[scheme]
            if scheme.steps > len(hist.levels):  # pragma: no cover - schemes are data
                raise StepperError(f"starter {scheme.name} needs more history")
        out = self._multistep(scheme, hist.levels, dt, u)
        return self._push(t, dt, out, k)

    def _multistep(
        self, sch: IMEXMultistepScheme, levels: list[dict[str, Any]], h: Any, u: np.ndarray
    ) -> np.ndarray:
        lin = self.lin
        a0, b0 = sch.a[0], sch.b[0]
        acc = None
        for j in range(1, sch.steps + 1):
            if sch.a[j] != 0:
                term = sch.a[j] * levels[j - 1]["u"]
                acc = term if acc is None else acc + term
        rhs = -lin.apply_mass(acc)
        for j in range(1, sch.steps + 1):
            lev = levels[j - 1]
            if sch.b[j] != 0:
                rhs = rhs + (h * sch.b[j]) * lev["Lu"]
            if sch.c[j] != 0:
                rhs = rhs + (h * sch.c[j]) * lev["N"]
        return lin.solve(h * b0 / a0, rhs / a0, x0=u)

    def _push(self, t: Any, dt: Any, out: np.ndarray, k: int) -> np.ndarray:
        hist = self._hist
        hist.levels.insert(0, {"t": t + dt, "u": out})
        del hist.levels[k:]
        hist.t_end, hist.u_end, hist.dt = t + dt, out, dt
        return out
