"""Explicit Runge–Kutta steppers driven by a Butcher tableau, and the adaptive Dormand–Prince
5(4) pair.

For ``du/dt = f(t, u)`` and a tableau ``(A, b, c)`` of :mod:`.tableaux` (strictly lower
triangular ``A``), one step of size ``h`` is

.. math::

    k_i = f\\Big(t_n + c_i h,\\; u_n + h \\sum_{j<i} a_{ij} k_j\\Big), \\quad i = 1..s, \\qquad
    u_{n+1} = u_n + h \\sum_i b_i k_i .

Registered names: ``"euler"`` (order 1), ``"heun"`` (2), ``"ssprk3"`` (3, Shu–Osher 1988),
``"rk4"`` (4), ``"dopri5"`` (5, embedded 4, adaptive). The problem is ``f=`` or, equivalently,
``linear=`` and ``nonlinear=`` (then ``f(t, u) = L u + N(t, u)``), so an explicit method can be
compared with IMEX/exponential ones on the same split problem.

Explicit methods accept a complex ``dt`` (complex-coefficient splitting compositions); the
state then becomes complex.

References
----------
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*, 2nd ed.,
Springer 1993, §II.1–II.5 (HNW I).
J. C. Butcher, *Numerical Methods for Ordinary Differential Equations*, 3rd ed., Wiley 2016.
C.-W. Shu and S. Osher, J. Comput. Phys. 77 (1988) 439–471.
J. R. Dormand and P. J. Prince, J. Comput. Appl. Math. 6 (1980) 19–26.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import RHS, LinearPart, StepperBase, StepperError
from .tableaux import BUTCHER_TABLEAUX, DOPRI5, ButcherTableau

__all__ = ["ExplicitRK", "DormandPrince"]


class ExplicitRK(StepperBase):
    """An explicit Runge–Kutta method given by its Butcher tableau.

    Parameters
    ----------
    tableau : ButcherTableau or str
        A tableau of :mod:`.tableaux` or its name (``"euler"``, ``"heun"``, ``"ssprk3"``,
        ``"rk4"``, ``"dopri5"``).
    f : callable ``f(t, u) -> array``, optional
        Right-hand side of ``du/dt = f(t, u)``; the returned array has the shape of ``u``.
    linear, nonlinear : optional
        Instead of ``f``: ``f(t, u) = L u + N(t, u)`` with ``L`` a diagonal symbol (array),
        sparse matrix or LinearOperator, ``N`` a callable (``None`` for a linear problem).

    Notes
    -----
    Only the stages that contribute to ``b`` are evaluated (Dormand–Prince's 7th stage is the
    FSAL stage needed only for the error estimate, so ``step`` costs 6 evaluations).

    Examples
    --------
    >>> import numpy as np
    >>> rk4 = ExplicitRK("rk4", f=lambda t, u: -u)
    >>> u = rk4.step(0.0, np.array([1.0]), 0.1)
    >>> bool(abs(u[0] - np.exp(-0.1)) < 1e-6)
    True
    """

    _complex_dt = True

    def __init__(
        self,
        tableau: ButcherTableau | str,
        f: RHS | None = None,
        *,
        linear: Any = None,
        nonlinear: RHS | None = None,
    ) -> None:
        super().__init__()
        if isinstance(tableau, str):
            if tableau.lower() not in BUTCHER_TABLEAUX:
                raise StepperError(
                    f"unknown tableau {tableau!r}; choose from {sorted(BUTCHER_TABLEAUX)}"
                )
            tableau = BUTCHER_TABLEAUX[tableau.lower()]
        if not tableau.explicit:
            raise StepperError(f"tableau {tableau.name!r} is not explicit")
        self.tableau = tableau
        self.name = tableau.name
        self.order = tableau.order
        self._linear: LinearPart | None = None
        self.f = self._rhs(self._compose(f, linear, nonlinear), "f")
        A = tableau.A
        self._rows = [
            [(j, float(A[i, j])) for j in range(i) if A[i, j] != 0.0] for i in range(tableau.stages)
        ]
        nz = np.flatnonzero(tableau.b)
        self._needed = int(nz[-1]) + 1
        self._weights = [(int(i), float(tableau.b[i])) for i in nz]

    def _compose(self, f: RHS | None, linear: Any, nonlinear: RHS | None) -> RHS:
        if f is not None:
            if linear is not None or nonlinear is not None:
                raise StepperError("give either f= or linear=/nonlinear=, not both")
            return f
        if linear is None:
            if nonlinear is None:
                raise StepperError(
                    f"{self.name} needs the right-hand side f=callable(t, u) "
                    "(or linear= and nonlinear=)"
                )
            return nonlinear
        self._linear = lin = LinearPart(linear, owner=self, solves=False)
        if nonlinear is None:
            return lambda t, u: lin.apply(u)
        if not callable(nonlinear):
            raise StepperError("nonlinear must be a callable (t, u) -> array")
        return lambda t, u: lin.apply(u) + nonlinear(t, u)

    def _check_state(self, u: np.ndarray) -> None:
        if self._linear is not None:
            self._linear.check_state(u)

    def _stages(self, t: Any, u: np.ndarray, dt: Any, count: int, k1: Any = None) -> list:
        c = self.tableau.c
        ks: list[np.ndarray] = []
        for i in range(count):
            if i == 0 and k1 is not None:
                ks.append(k1)
                continue
            row = self._rows[i]
            if row:
                incr = row[0][1] * ks[row[0][0]]
                for j, a in row[1:]:
                    incr = incr + a * ks[j]
                ui = u + dt * incr
            else:
                ui = u
            ks.append(self.f(t + c[i] * dt, ui))
        return ks

    def _combine(self, u: np.ndarray, dt: Any, ks: list, weights: list) -> np.ndarray:
        i0, w0 = weights[0]
        acc = w0 * ks[i0]
        for i, w in weights[1:]:
            acc = acc + w * ks[i]
        return u + dt * acc

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        ks = self._stages(t, u, dt, self._needed)
        return self._combine(u, dt, ks, self._weights)


class DormandPrince(ExplicitRK):
    """Dormand–Prince 5(4) with local extrapolation and step-size control (``"dopri5"``).

    ``step`` takes a fixed step with the 5th-order solution (6 evaluations);
    ``step_adaptive`` also forms the embedded 4th-order solution (FSAL: the 7th stage is the
    next step's first, so an accepted step costs 6 evaluations) and the error estimate

    .. math::

        \\mathrm{err} = \\sqrt{\\frac1n \\sum_i \\Big(\\frac{u_{n+1,i} - \\hat u_{n+1,i}}
        {\\mathrm{atol} + \\mathrm{rtol}\\,\\max(|u_{n,i}|, |u_{n+1,i}|)}\\Big)^2}

    (HNW I, §II.4, eq. (4.11)). The step is accepted when ``err <= 1``. The new step is the PI
    controller of HNW I §II.4 / Gustafsson (as in Hairer's ``dopri5.f``):

    .. math::

        h_{new} = h \\cdot \\min\\big(f_{max}, \\max\\big(f_{min},
            s\\, \\mathrm{err}_n^{-(1/5 - 0.75\\beta)}\\, \\mathrm{err}_{n-1}^{\\beta}\\big)\\big)

    with safety ``s = 0.9``, ``β = 0.04`` (``controller="standard"`` sets ``β = 0``, the
    classical ``h (1/err)^{1/5}``), ``f_min = 0.2``, ``f_max = 10``; after a rejection the
    step may not grow.

    Parameters
    ----------
    f, linear, nonlinear
        As :class:`ExplicitRK`.
    safety, facmin, facmax : float
    controller : {"pi", "standard"}
    beta : float, optional
        PI exponent (default 0.04 for ``"pi"``).
    """

    def __init__(
        self,
        f: RHS | None = None,
        *,
        linear: Any = None,
        nonlinear: RHS | None = None,
        safety: float = 0.9,
        facmin: float = 0.2,
        facmax: float = 10.0,
        controller: str = "pi",
        beta: float | None = None,
    ) -> None:
        super().__init__(DOPRI5, f, linear=linear, nonlinear=nonlinear)
        if controller not in ("pi", "standard"):
            raise StepperError(f"controller must be 'pi' or 'standard', got {controller!r}")
        self.safety, self.facmin, self.facmax = float(safety), float(facmin), float(facmax)
        self.beta = (0.04 if controller == "pi" else 0.0) if beta is None else float(beta)
        self.controller = controller
        tab = self.tableau
        self._err_weights = [
            (i, float(w)) for i, w in enumerate(tab.b - tab.b_hat) if w != 0.0
        ]
        self._reset_history()

    def _reset_history(self) -> None:
        self._fsal: tuple[Any, np.ndarray, np.ndarray] | None = None
        self._errold = 1e-4
        self._last_rejected = False

    def step_adaptive(
        self, t: float, u: np.ndarray, dt: float, rtol: float = 1e-6, atol: float = 1e-9
    ) -> tuple[np.ndarray, float, float, bool]:
        """Try one step of size ``dt`` under error control.

        Parameters
        ----------
        t : float
        u : ndarray
        dt : float
            The step to try (negative integrates backwards).
        rtol, atol : float
            Relative and absolute tolerances of the error norm above.

        Returns
        -------
        u_new : ndarray
            The 5th-order solution at ``t + dt`` if accepted, else ``u`` itself.
        dt_used : float
            ``dt`` if accepted, ``0.0`` if rejected (time did not advance).
        dt_next : float
            The step to try next (a retry size after a rejection).
        accepted : bool
        """
        u, dt = self._begin_adaptive(t, u, dt, rtol, atol)
        k1 = None
        if self._fsal is not None:
            t_end, u_end, k_end = self._fsal
            if abs(t - t_end) <= 1e-12 * max(1.0, abs(t)) and (
                u is u_end or np.array_equal(u, u_end)
            ):
                k1 = k_end
        ks = self._stages(t, u, dt, self.tableau.stages, k1=k1)
        u_new = self._combine(u, dt, ks, self._weights)
        i0, w0 = self._err_weights[0]
        est = w0 * ks[i0]
        for i, w in self._err_weights[1:]:
            est = est + w * ks[i]
        scale = atol + rtol * np.maximum(np.abs(u), np.abs(u_new))
        err = float(np.sqrt(np.mean(np.abs(dt * est / scale) ** 2))) if u.size else 0.0
        expo = 0.2 - 0.75 * self.beta
        if not np.isfinite(err):
            self.stats["rejected"] += 1
            self._last_rejected = True
            return u, 0.0, self._check_next(t, dt * self.facmin), False
        fac11 = err**expo
        if err <= 1.0:
            fac = fac11 / self._errold**self.beta
            fac = max(1.0 / self.facmax, min(1.0 / self.facmin, fac / self.safety))
            dt_next = dt / fac
            if self._last_rejected:
                dt_next = dt if abs(dt_next) > abs(dt) else dt_next
            self._errold = max(err, 1e-4)
            self._last_rejected = False
            self._finish(t, u, dt, u_new)
            self.stats["accepted"] += 1
            self._fsal = (t + dt, u_new, ks[-1]) if self.tableau.fsal else None
            return u_new, dt, self._check_next(t, dt_next), True
        dt_next = dt / min(1.0 / self.facmin, fac11 / self.safety)
        self._last_rejected = True
        self.stats["rejected"] += 1
        return u, 0.0, self._check_next(t, dt_next), False

    @staticmethod
    def _check_next(t: float, dt_next: float) -> float:
        if abs(dt_next) <= 1e-14 * max(1.0, abs(t)):
            raise StepperError(
                f"step size underflow at t={t} (dt={dt_next:.3e}): the problem is stiff or "
                "singular here; use an implicit or IMEX stepper, or loosen the tolerances"
            )
        return float(dt_next)
