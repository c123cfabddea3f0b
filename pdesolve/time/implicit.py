"""Implicit steppers: implicit Euler, the θ-method (Crank–Nicolson), variable-step BDF2.

Problems
--------
Linear, ``M du/dt = L u + g(t)`` (``linear=L``, optional ``source=g``, ``mass=M``): every
step solves one system with the matrix ``M − c h L``, through :mod:`pdesolve.linalg`:

- ``solver="direct"`` (default): sparse LU (:class:`pdesolve.linalg.DirectSolver`) factorised
  **once per distinct** ``c h`` and reused while the step size does not change
  (``stats["factorizations"]`` counts them);
- ``solver="cg"`` / ``"gmres"`` / ... with ``pc=``: a Krylov solve warm-started
  (``warm_start=True``) from the linear extrapolation ``u_n + (h_n/h_{n-1})(u_n − u_{n-1})``
  of the last two states (from ``u_n`` on the first step; ``warm_start=False`` starts from 0),
  the preconditioner built once per ``c h`` and kept; Krylov iterations per step go to
  ``stats["linear_iterations"]``;
- a diagonal symbol ``L`` (numpy array) is solved elementwise.

Nonlinear, ``M du/dt = f(t, u)`` (``f=``, optional ``jac=``, ``mass=``): each step solves
``M v − c h f(t_{n+1}, v) = r`` by Newton's method with ``jac(t, u)`` or, without it,
Jacobian-free Newton–GMRES (finite-difference directional derivatives); see
:class:`~pdesolve.time._common.NewtonSolver`.

Schemes
-------
θ-method (``θ = 1`` implicit Euler, order 1; ``θ = 1/2`` Crank–Nicolson, order 2; order 1
otherwise; A-stable for ``θ >= 1/2``, L-stable for ``θ = 1``):

.. math::

    M u_{n+1} - \\theta h\\, f(t_{n+1}, u_{n+1}) = M u_n + (1-\\theta) h\\, f(t_n, u_n).

Variable-step BDF2 (order 2, A-stable at constant step), ``ω = h_n / h_{n-1}``:

.. math::

    \\frac{1+2\\omega}{1+\\omega} M u_{n+1} - (1+\\omega) M u_n
    + \\frac{\\omega^2}{1+\\omega} M u_{n-1} = h_n f(t_{n+1}, u_{n+1}),

which is the classical ``(3/2, −2, 1/2)`` BDF2 for ``ω = 1`` (HNW I §III.5, eq. (5.7)). A
changed step size uses this formula (no restart) as long as ``ω < 1 + √2`` (the zero-stability
bound of variable-step BDF2, Grigorieff 1983); a larger jump, the first step, and any call that
does not continue the previous one (other ``t`` or other state, or after ``reset()``) take an
implicit Euler step instead. A bounded number of such starts (local error ``O(h²)``) keeps the
global order 2.

References
----------
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*,
Springer 1993, §II.7 (θ-method), §III.5 (variable-step BDF).
E. Hairer and G. Wanner, *Solving Ordinary Differential Equations II*, Springer 1996, §IV.3
(A-stability), §IV.8 (Newton iterations for implicit methods).
J. Crank and P. Nicolson, Proc. Cambridge Philos. Soc. 43 (1947) 50–67.
R. D. Grigorieff, "Stability of multistep methods on variable grids", Numer. Math. 42 (1983)
359–377.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._common import (
    RHS,
    History,
    LinearPart,
    NewtonSolver,
    StepperBase,
    StepperError,
)

__all__ = ["ThetaMethod", "ImplicitEuler", "CrankNicolson", "BDF2"]

_BDF2_OMEGA_MAX = 1.0 + np.sqrt(2.0)


class _ImplicitBase(StepperBase):
    """Problem set-up shared by the implicit steppers (see the module docstring)."""

    def __init__(
        self,
        *,
        f: RHS | None = None,
        jac: Callable[[Any, np.ndarray], Any] | None = None,
        linear: Any = None,
        source: Callable[[Any], Any] | None = None,
        mass: Any = None,
        solver: str = "direct",
        pc: Any = None,
        solver_options: dict[str, Any] | None = None,
        warm_start: bool = True,
        newton_tol: float = 1e-10,
        newton_maxiter: int = 25,
    ) -> None:
        super().__init__()
        if (f is None) == (linear is None):
            raise StepperError(
                f"{self.name} needs either f=callable(t, u) (nonlinear, solved by Newton) or "
                "linear=L (with optional source=g(t) and mass=M), not both"
            )
        self.lin: LinearPart | None = None
        self.newton: NewtonSolver | None = None
        self.source = None
        if f is not None:
            if source is not None:
                raise StepperError("source= goes with linear=; with f= include it in f")
            self.f = self._rhs(f, "f")
            self.newton = NewtonSolver(
                self.f, jac, mass, owner=self, tol=newton_tol, maxiter=newton_maxiter
            )
        else:
            if jac is not None:
                raise StepperError("jac= goes with f=; a linear problem's Jacobian is linear=")
            self._set_linear(linear, mass, solver, pc, solver_options, warm_start)
            if source is not None and not callable(source):
                raise StepperError("source must be a callable g(t) -> array")
            self.source = source
        self._g_cache: tuple[Any, np.ndarray] | None = None

    def _check_state(self, u: np.ndarray) -> None:
        if self.lin is not None:
            self.lin.check_state(u)
        else:
            self.newton.check_state(u)

    def _g(self, t: Any, shape: tuple[int, ...]) -> np.ndarray | None:
        """``g(t)`` (cached for the last time asked: the θ-method needs ``g(t_n)`` again)."""
        if self.source is None:
            return None
        if self._g_cache is not None and self._g_cache[0] == t:
            return self._g_cache[1]
        self.stats["rhs_evals"] += 1
        g = np.asarray(self.source(t))
        try:
            np.broadcast_shapes(g.shape, shape)
        except ValueError:
            raise StepperError(
                f"source(t) returned shape {g.shape}, the state has {shape}"
            ) from None
        if not np.isfinite(g).all():
            raise StepperError(f"source(t) returned NaN/Inf at t={t}")
        self._g_cache = (t, g)
        return g


class ThetaMethod(_ImplicitBase):
    """The θ-method ``M u_{n+1} − θ h f_{n+1} = M u_n + (1 − θ) h f_n`` (``"theta"``).

    Parameters
    ----------
    theta : float in [0, 1]
        ``1``: implicit Euler; ``1/2``: Crank–Nicolson (order 2); otherwise order 1.
    f, jac : optional
        Nonlinear problem ``M du/dt = f(t, u)``, Jacobian ``jac(t, u)`` (matrix or
        LinearOperator) or ``None`` for Jacobian-free Newton–GMRES.
    linear, source, mass : optional
        Linear problem ``M du/dt = L u + g(t)``.
    solver, pc, solver_options, warm_start
        Linear solves of the linear problem (module docstring).
    newton_tol, newton_maxiter
        Newton stopping tolerance (relative update) and iteration limit.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> L = sp.diags([1.0, -2.0, 1.0], [-1, 0, 1], shape=(5, 5), format="csr")
    >>> cn = ThetaMethod(0.5, linear=L)
    >>> u = np.ones(5)
    >>> for k in range(50):
    ...     u = cn.step(0.1 * k, u, 0.1)
    >>> cn.stats["factorizations"]
    1
    """

    name = "theta"

    def __init__(self, theta: float = 0.5, **problem: Any) -> None:
        theta = float(theta)
        if not 0.0 <= theta <= 1.0:
            raise StepperError(f"theta must lie in [0, 1], got {theta}")
        self.theta = theta
        self.order = 2 if theta == 0.5 else 1
        super().__init__(**problem)
        self._hist = History()  # only for the Krylov warm start

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        th = self.theta
        if self.lin is not None:
            lin = self.lin
            rhs = lin.apply_mass(u)
            if th != 1.0:
                rhs = rhs + ((1.0 - th) * dt) * lin.apply(u)
            if self.source is not None:
                g1 = self._g(t + dt, u.shape)
                gsum = th * g1 if th == 1.0 else th * g1 + (1.0 - th) * self._g(t, u.shape)
                rhs = rhs + dt * gsum
            out = lin.solve(th * dt, rhs, x0=self._guess(t, u, dt) if lin.krylov else None)
            if lin.krylov:
                self._hist.levels = [{"u": u, "dt": dt}]
                self._hist.t_end, self._hist.u_end, self._hist.dt = t + dt, out, dt
            return out
        newton = self.newton
        r = newton.apply_mass(u)
        if th != 1.0:
            r = r + ((1.0 - th) * dt) * self.f(t, u)
        if th == 0.0:  # explicit Euler: M v = r
            return newton.solve(t + dt, 0.0, r, u)
        return newton.solve(t + dt, th * dt, r, u)


    def _guess(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        """Krylov warm start: the linear extrapolation ``u_n + (h_n/h_{n-1})(u_n − u_{n-1})``
        when this call continues the previous one, else ``u_n``."""
        hist = self._hist
        if hist.levels and hist.continues(t, u):
            prev = hist.levels[0]
            return u + (dt / prev["dt"]) * (u - prev["u"])
        return u

    def _reset_history(self) -> None:
        self._hist.clear()


class ImplicitEuler(ThetaMethod):
    """Implicit (backward) Euler, ``M u_{n+1} − h f(t_{n+1}, u_{n+1}) = M u_n``: order 1,
    L-stable (``"implicit-euler"``). Parameters as :class:`ThetaMethod` without ``theta``."""

    name = "implicit-euler"

    def __init__(self, **problem: Any) -> None:
        super().__init__(1.0, **problem)


class CrankNicolson(ThetaMethod):
    """Crank–Nicolson (trapezoidal rule), ``θ = 1/2``: order 2, A-stable but not L-stable
    (stiff modes are damped by ``|(1 + z/2)/(1 − z/2)| → 1``, so they oscillate)
    (``"crank-nicolson"``). Parameters as :class:`ThetaMethod` without ``theta``."""

    name = "crank-nicolson"

    def __init__(self, **problem: Any) -> None:
        super().__init__(0.5, **problem)


class BDF2(_ImplicitBase):
    """Variable-step two-step backward differentiation formula (``"bdf2"``), order 2.

    The first step (and any restart) is implicit Euler; later steps use the variable-step
    formula of the module docstring, so the step size may change from step to step. The
    history is the last two states and steps; ``reset()`` forgets it. Parameters as
    :class:`ThetaMethod` without ``theta``. With ``solver="direct"`` a constant step needs two
    factorisations (``h`` for the start, ``2h/3`` afterwards).

    ``step_adaptive(t, u, dt, rtol, atol)`` adds error control by Milne's device: the
    quadratic extrapolation ``p`` of the last three states to ``t_{n+1}`` has error
    ``C_p u‴`` and the corrector ``C_c u‴``, with the step-ratio dependent constants
    ``C_p = −h(h+h_{n−1})(h+h_{n−1}+h_{n−2})/6`` and
    ``C_c = (α_1 h^3 + α_2 (h+h_{n−1})^3)/(6α_0)``; so
    ``err ≈ C_c/(C_c − C_p) (u_{n+1} − p)`` (``2/11 (u_{n+1} − p)`` at constant step),
    filtered through ``(M − (h/α_0) L)^{-1} M`` for linear problems (no overestimate in stiff
    components; Hairer–Wanner II §IV.8). Step update ``h · clip(0.9 err^{−1/3}, 0.2, 2)`` (the
    bound 2 keeps the ratio below ``1 + √2``). The first two steps (implicit-Euler start and
    the first BDF2 step) have no predictor and are accepted unchecked: start with a small
    ``dt``.
    """

    multistep = True

    name = "bdf2"
    order = 2

    def __init__(self, **problem: Any) -> None:
        super().__init__(**problem)
        self._hist = History()
        self._prev: tuple[np.ndarray, Any] | None = None
        self._prev2: tuple[np.ndarray, Any] | None = None

    def _reset_history(self) -> None:
        self._hist.clear()
        self._prev = None
        self._prev2 = None

    def _propose(self, t: Any, u: np.ndarray, dt: Any) -> tuple[np.ndarray, Any, bool]:
        """The BDF2 (or implicit Euler) solution; returns ``(out, omega or None, cont)``."""
        cont = self._prev is not None and self._hist.continues(t, u)
        omega = None
        if cont:
            omega = dt / self._prev[1]
            if not (0.0 < abs(omega) < _BDF2_OMEGA_MAX):
                omega = None
        if omega is None and self._prev is not None:
            self.stats["restarts"] += 1
        if omega is None:  # implicit Euler start
            a0, rest, guess = 1.0, u, u
        else:
            u_old = self._prev[0]
            a0 = (1.0 + 2.0 * omega) / (1.0 + omega)
            a1 = -(1.0 + omega)
            a2 = omega * omega / (1.0 + omega)
            rest = (-a1 / a0) * u - (a2 / a0) * u_old  # M u_{n+1} − (h/a0) f = M rest
            guess = u + omega * (u - u_old)
        c = dt / a0
        if self.lin is not None:
            rhs = self.lin.apply_mass(rest)
            g = self._g(t + dt, u.shape)
            if g is not None:
                rhs = rhs + c * g
            out = self.lin.solve(c, rhs, x0=guess)
        else:
            out = self.newton.solve(t + dt, c, self.newton.apply_mass(rest), guess)
        return out, omega, cont

    def _commit(self, t: Any, u: np.ndarray, dt: Any, out: np.ndarray, cont: bool) -> None:
        self._prev2 = self._prev if cont else None
        self._prev = (u, dt)
        hist = self._hist
        hist.t_end, hist.u_end, hist.dt = t + dt, out, dt

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        out, _, cont = self._propose(t, u, dt)
        self._commit(t, u, dt, out, cont)
        return out

    def step_adaptive(
        self, t: float, u: np.ndarray, dt: float, rtol: float = 1e-6, atol: float = 1e-9
    ) -> tuple[np.ndarray, float, float, bool]:
        """Try one step under error control (class docstring).

        Returns
        -------
        u_new, dt_used, dt_next, accepted
            As :meth:`pdesolve.time.explicit.DormandPrince.step_adaptive`: a rejected step
            returns ``(u, 0.0, smaller dt, False)``. ``dt_used`` may be smaller than ``dt``
            when ``dt`` exceeds twice the previous step (zero-stability of the formula).
        """
        u, dt = self._begin_adaptive(t, u, dt, rtol, atol)
        self._step_iterations = 0
        self._step_newton = 0
        cont = self._prev is not None and self._hist.continues(t, u)
        if not (cont and self._prev2 is not None):  # start-up: no predictor yet
            out = self._step(t, u, dt)
            self._finish(t, u, dt, out)
            self.stats["accepted"] += 1
            return out, dt, dt, True
        (u1, h1), (u2, h2) = self._prev, self._prev2
        if abs(dt) > 2.0 * abs(h1):
            dt = 2.0 * h1
        h = dt
        out, omega, cont = self._propose(t, u, h)
        a0 = (1.0 + 2.0 * omega) / (1.0 + omega)
        a1, a2 = -(1.0 + omega), omega * omega / (1.0 + omega)
        x1, x2 = -h1, -(h1 + h2)  # Lagrange extrapolation from nodes 0, x1, x2 to h
        p = (
            (h - x1) * (h - x2) / (x1 * x2) * u
            + h * (h - x2) / (x1 * (x1 - x2)) * u1
            + h * (h - x1) / (x2 * (x2 - x1)) * u2
        )
        c_c = (a1 * h**3 + a2 * (h + h1) ** 3) / (6.0 * a0)
        c_p = -h * (h + h1) * (h + h1 + h2) / 6.0
        est = (c_c / (c_c - c_p)) * (out - p)
        if self.lin is not None:
            est = self.lin.solve(h / a0, self.lin.apply_mass(est))
        scale = atol + rtol * np.maximum(np.abs(u), np.abs(out))
        err = float(np.sqrt(np.mean(np.abs(est / scale) ** 2))) if u.size else 0.0
        if not np.isfinite(err):
            self.stats["rejected"] += 1
            return u, 0.0, 0.2 * h, False
        fac = 0.9 * err ** (-1.0 / 3.0) if err > 0 else 2.0
        if err <= 1.0:
            self._commit(t, u, h, out, cont)
            self._finish(t, u, h, out)
            self.stats["accepted"] += 1
            return out, h, h * min(2.0, max(0.2, fac)), True
        self.stats["rejected"] += 1
        dt_next = h * max(0.2, min(fac, 0.9))
        if abs(dt_next) <= 1e-14 * max(1.0, abs(t)):
            raise StepperError(f"step size underflow at t={t} (dt={dt_next:.3e})")
        return u, 0.0, dt_next, False
