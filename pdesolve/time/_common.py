"""Machinery shared by the steppers: input checks, statistics, the linear part ``L`` and the
shifted systems ``(M − c L) x = b`` of implicit stages, and Newton's method.

Which objects mean what
-----------------------
- ``linear`` as a **numpy array** (or a scalar) is a *diagonal symbol*: ``L u`` is the
  elementwise product ``L * u`` (broadcast against the state, e.g. a Fourier symbol of shape
  ``(n, n//2+1)`` for an ``rfft2`` state). ``(M − c L) x = b`` is an elementwise division.
- ``linear`` as a **scipy sparse matrix** is a matrix acting on a 1-D state of length ``n``;
  ``(M − c L)`` is factorised by :class:`pdesolve.linalg.DirectSolver` (``solver="direct"``,
  once per distinct shift ``c``, kept while ``c`` recurs) or solved by a Krylov method of
  :func:`pdesolve.linalg.solve` (``solver="cg"``, ``"gmres"``...), warm-started from the
  guess the stepper passes (θ-method and BDF2: the extrapolated state; IMEX multistep: the
  current state; IMEX Runge–Kutta: the previous stage), with the preconditioner built once
  per shift and kept.
- ``linear`` as a ``scipy.sparse.linalg.LinearOperator`` is matrix-free: Krylov solvers only.
- ``mass``: ``None`` (identity), a scalar or array (diagonal/lumped mass) or a sparse matrix.

A dense matrix is not accepted as a numpy array (it would read as a 2-D symbol): wrap it with
``scipy.sparse.csr_matrix`` or ``aslinearoperator``.
"""

from __future__ import annotations

import numbers
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ConvergenceError, PdesolveError

RHS = Callable[[Any, np.ndarray], np.ndarray]


class StepperError(PdesolveError, ValueError):
    """A stepper was given something it cannot use (wrong shape, NaN/Inf state, bad step size,
    missing or unknown problem argument), or a step produced NaN/Inf."""


class NonFiniteStepError(StepperError):
    """A step produced NaN/Inf: the solution blows up or the step is outside the method's
    stability region. :func:`~pdesolve.time.integrate` reports it as a ``BlowUpError``."""


def new_stats() -> dict[str, Any]:
    """Counters every stepper keeps in ``stepper.stats``.

    ``steps`` (calls of ``step``), ``rhs_evals`` (evaluations of ``f`` or ``N``),
    ``factorizations`` (LU factorisations or diagonal inversions of ``M − c L``, Newton
    matrices; for exponential integrators the φ-coefficient sets built), ``solves``
    (linear solves), ``linear_iterations`` (Krylov iterations, one entry per step, summed over
    the step's solves), ``newton_iterations`` (one entry per step), ``accepted`` / ``rejected``
    (adaptive steps), ``restarts`` (multistep history restarted with the starter).
    """
    return {
        "steps": 0,
        "rhs_evals": 0,
        "factorizations": 0,
        "solves": 0,
        "linear_iterations": [],
        "newton_iterations": [],
        "accepted": 0,
        "rejected": 0,
        "restarts": 0,
    }


def as_state(u: Any, name: str = "u") -> np.ndarray:
    """``u`` as a float or complex array (integers are promoted to float64)."""
    arr = np.asarray(u)
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind not in "fc":
        raise StepperError(f"{name} must be a real or complex numeric array, got dtype {arr.dtype}")
    return arr


def check_finite(u: np.ndarray, what: str) -> None:
    if not np.isfinite(u).all():
        raise StepperError(f"{what} contains NaN or Inf")


def lookup(table: dict[str, Any], name: str, what: str) -> Any:
    """``table[name.lower()]`` or a :class:`StepperError` listing the choices."""
    try:
        return table[name.lower()]
    except KeyError:
        raise StepperError(f"unknown {what} {name!r}; choose from {sorted(table)}") from None


def check_dt(dt: Any, allow_complex: bool = False) -> float | complex:
    """A finite, nonzero step; complex only where the scheme allows it."""
    if isinstance(dt, bool | np.bool_) or not isinstance(dt, numbers.Number):
        raise StepperError(f"dt must be a number, got {type(dt).__name__}")
    if isinstance(dt, numbers.Complex) and not isinstance(dt, numbers.Real):
        dt = complex(dt)
        if dt.imag == 0.0:
            dt = dt.real
        elif not allow_complex:
            raise StepperError(
                "this stepper needs a real dt (complex steps work with explicit Runge–Kutta and "
                "with diagonal-symbol IMEX/exponential steppers only)"
            )
    dt = dt if isinstance(dt, complex) else float(dt)
    if not np.isfinite(dt) or dt == 0:
        raise StepperError(f"dt must be finite and nonzero, got {dt!r}")
    return dt


class StepperBase:
    """Common behaviour: validation around ``_step``, statistics, ``reset``.

    Subclasses implement ``_step(t, u, dt)`` (``u`` already validated) and may override
    ``_check_state(u)``, ``_reset_history()``.
    """

    name: str = ""
    order: int = 0
    #: multistep methods restart (with their low-order starter) when the step size changes
    multistep: bool = False
    #: whether a complex ``dt`` is meaningful for this stepper/problem
    _complex_dt: bool = False

    def __init__(self) -> None:
        self.stats: dict[str, Any] = new_stats()
        self._krylov = False
        self._newton = False
        self._step_iterations = 0
        self._step_newton = 0

    # -- public ------------------------------------------------------------------------------
    def step(self, t: float, u: np.ndarray, dt: float) -> np.ndarray:
        """Advance ``u`` from ``t`` to ``t + dt`` and return the new state (``u`` untouched).

        Raises
        ------
        StepperError
            Wrong shape or dtype, NaN/Inf in ``u``, a zero/non-finite ``dt``, or a step that
            produced NaN/Inf (step too large for the stability region, or blow-up).
        """
        dt = check_dt(dt, self._complex_dt)
        u = as_state(u)
        check_finite(u, f"the state passed to {self.name}.step at t={t}")
        self._check_state(u)
        self._step_iterations = 0
        self._step_newton = 0
        out = self._step(t, u, dt)
        self._finish(t, u, dt, out)
        return out

    def reset(self) -> None:
        """Forget the history (multistep methods restart with their starter) and the stats."""
        self._reset_history()
        self.stats = new_stats()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, order={self.order})"

    # -- for subclasses ---------------------------------------------------------------------
    def _begin_adaptive(self, t: Any, u: Any, dt: Any, rtol: float, atol: float):
        """Validate the arguments of ``step_adaptive``; returns ``(u, dt)``."""
        dt = check_dt(dt, allow_complex=False)
        if rtol < 0 or atol < 0 or (rtol == 0 and atol == 0):
            raise StepperError("rtol and atol must be >= 0 and not both 0")
        u = as_state(u)
        check_finite(u, f"the state passed to {self.name}.step_adaptive at t={t}")
        self._check_state(u)
        return u, dt

    def _set_linear(self, linear: Any, mass: Any, solver: str, pc: Any,
                    solver_options: dict[str, Any] | None, warm_start: bool) -> None:
        """The linear part ``M du/dt = L u + ...`` (:class:`LinearPart`), shared by the
        implicit and IMEX steppers."""
        self.lin = LinearPart(linear, mass, solver=solver, pc=pc, solver_options=solver_options,
                              warm_start=warm_start, owner=self)  # fmt: skip
        self._complex_dt = self.lin.kind == "diagonal"

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _check_state(self, u: np.ndarray) -> None:
        pass

    def _reset_history(self) -> None:
        pass

    def _finish(self, t: Any, u: np.ndarray, dt: Any, out: np.ndarray) -> None:
        if out.shape != u.shape:
            raise StepperError(
                f"{self.name}: the step returned shape {out.shape}, expected {u.shape}"
            )
        if not np.isfinite(out).all():
            raise NonFiniteStepError(
                f"{self.name}: the step from t={t} with dt={dt} produced NaN/Inf — the step is "
                "probably outside the method's stability region (stiff problem: use an implicit, "
                "IMEX or exponential stepper, or a smaller dt) or the solution blows up"
            )
        self.stats["steps"] += 1
        if self._krylov:
            self.stats["linear_iterations"].append(self._step_iterations)
        if self._newton:
            self.stats["newton_iterations"].append(self._step_newton)

    def _rhs(self, fn: RHS, what: str) -> RHS:
        """``fn`` wrapped to count evaluations and check the returned shape."""
        if not callable(fn):
            raise StepperError(
                f"{what} must be a callable (t, u) -> array, got {type(fn).__name__}"
            )
        stats_owner = self

        def wrapped(t: Any, u: np.ndarray) -> np.ndarray:
            stats_owner.stats["rhs_evals"] += 1
            r = np.asarray(fn(t, u))
            if r.shape != u.shape:
                if r.size == u.size and r.ndim <= 1 and u.ndim <= 1:
                    return r.reshape(u.shape)
                raise StepperError(
                    f"{what}(t, u) returned shape {r.shape}, the state has {u.shape}"
                )
            return r

        return wrapped


class History:
    """The levels a multistep method remembers, with the test that the next call continues
    the last one (same ``t`` and the state that was returned)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.levels: list[dict[str, Any]] = []  # newest first: {"t", "u", "dt", ...}
        self.t_end: Any = None
        self.u_end: np.ndarray | None = None
        self.dt: Any = None

    def continues(self, t: Any, u: np.ndarray) -> bool:
        if self.u_end is None or self.t_end is None:
            return False
        tol = 1e-8 * max(abs(self.dt), 1e-300) if self.dt is not None else 0.0
        if abs(t - self.t_end) > tol:
            return False
        return u is self.u_end or (u.shape == self.u_end.shape and np.array_equal(u, self.u_end))


# --------------------------------------------------------------------------------------------
# the linear part and its shifted systems
# --------------------------------------------------------------------------------------------


class LinearPart:
    """``L`` (and ``M``) of ``M du/dt = L u + ...`` with the solves ``(M − c L) x = b``.

    Parameters
    ----------
    linear : ndarray (diagonal symbol), scalar, sparse matrix or LinearOperator
    mass : None, scalar, ndarray (diagonal) or sparse matrix
    solver : str
        ``"direct"`` (sparse LU, factorised once per distinct shift ``c``) or a Krylov method
        name of :func:`pdesolve.linalg.solve` (``"cg"``, ``"gmres"``, ``"minres"``,
        ``"bicgstab"``...). Ignored for diagonal symbols.
    pc : str or preconditioner, optional
        For Krylov solvers: a name (built once per shift from ``M − c L`` and kept) or any
        object :func:`pdesolve.linalg.solve` accepts (used as given).
    solver_options : dict, optional
        Passed to :func:`pdesolve.linalg.solve` (its default ``rtol``, the true residual).
    warm_start : bool
        Krylov solves start from the guess the stepper passes (the current state) instead of 0.
    owner : StepperBase
        Receives the statistics.
    cache_size : int
        How many shifts keep their factorisation / preconditioner (least recently used goes).
    solves : bool
        ``False`` when only ``L u`` is needed (explicit methods on a split problem).
    """

    def __init__(
        self,
        linear: Any,
        mass: Any = None,
        *,
        solver: str = "direct",
        pc: Any = None,
        solver_options: dict[str, Any] | None = None,
        warm_start: bool = True,
        owner: StepperBase,
        cache_size: int = 8,
        solves: bool = True,
    ) -> None:
        self.owner = owner
        self.solver = str(solver).lower()
        self.pc = pc
        self.solver_options = dict(solver_options or {})
        self.warm_start = bool(warm_start)
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        if linear is None:
            raise StepperError("linear= (the operator L) is required")
        if isinstance(linear, spla.LinearOperator):
            self.kind = "operator"
            self.L = linear
        elif sp.issparse(linear):
            self.kind = "matrix"
            self.L = sp.csr_matrix(linear)
        else:
            arr = np.asarray(linear)
            if arr.dtype.kind not in "biufc":
                raise StepperError(f"linear must be numeric, got dtype {arr.dtype}")
            if arr.dtype.kind in "biu":
                arr = arr.astype(np.float64)
            check_finite(arr, "the diagonal symbol linear=")
            self.kind = "diagonal"
            self.L = arr
        if self.kind != "diagonal":
            shape = self.L.shape
            if len(shape) != 2 or shape[0] != shape[1]:
                raise StepperError(f"linear must be square, got shape {shape}")
            self.n = shape[0]
            if self.kind == "matrix":
                check_finite(self.L.data, "linear=")
        self.M = self._mass(mass)
        if solves and self.kind == "operator" and self.solver == "direct":
            raise StepperError(
                "a LinearOperator cannot be factorised: pass solver='gmres' (or 'cg' for a "
                "symmetric positive definite M − c L), or give L as a sparse matrix"
            )
        self.krylov = solves and self.kind != "diagonal" and self.solver != "direct"
        if self.krylov:
            owner._krylov = True

    def _mass(self, mass: Any) -> Any:
        if mass is None:
            return None
        if self.kind == "diagonal":
            if sp.issparse(mass) or isinstance(mass, spla.LinearOperator):
                raise StepperError(
                    "a diagonal-symbol linear= takes a diagonal mass (array or scalar) only; "
                    "give L as a sparse matrix to use a sparse mass matrix"
                )
            m = np.asarray(mass, dtype=np.result_type(mass, np.float64))
            check_finite(m, "mass=")
            return m
        if sp.issparse(mass):
            if mass.shape != (self.n, self.n):
                raise StepperError(f"mass has shape {mass.shape}, linear has {self.L.shape}")
            mass = sp.csr_matrix(mass)
            check_finite(mass.data, "mass=")
            return mass
        if isinstance(mass, spla.LinearOperator):
            if self.solver == "direct":
                raise StepperError("a LinearOperator mass needs a Krylov solver= (not 'direct')")
            return mass
        m = np.asarray(mass, dtype=np.float64)
        if m.ndim == 0:
            m = np.full(self.n, float(m))
        if m.shape != (self.n,):
            raise StepperError(
                f"mass as an array is a diagonal (lumped) mass of shape ({self.n},), got {m.shape}"
            )
        check_finite(m, "mass=")
        return sp.diags(m).tocsr()

    # -- shapes -----------------------------------------------------------------------------
    def check_state(self, u: np.ndarray) -> None:
        if self.kind == "diagonal":
            try:
                shape = np.broadcast_shapes(self.L.shape, u.shape)
            except ValueError:
                shape = None
            if shape != u.shape:
                raise StepperError(
                    f"the diagonal symbol linear= has shape {self.L.shape}, which does not "
                    f"broadcast to the state's shape {u.shape}"
                )
            if self.M is not None and np.broadcast_shapes(self.M.shape, u.shape) != u.shape:
                raise StepperError(f"mass shape {self.M.shape} does not fit state {u.shape}")
        elif u.shape != (self.n,):
            raise StepperError(
                f"the state has shape {u.shape}; with a {self.n}x{self.n} linear operator it "
                f"must be a vector of shape ({self.n},)"
            )

    # -- products ---------------------------------------------------------------------------
    def apply(self, u: np.ndarray) -> np.ndarray:
        """``L u``."""
        if self.kind == "diagonal":
            return self.L * u
        return self.L @ u

    def apply_mass(self, u: np.ndarray) -> np.ndarray:
        """``M u``."""
        if self.M is None:
            return u
        if self.kind == "diagonal":
            return self.M * u
        return self.M @ u

    # -- solves -----------------------------------------------------------------------------
    def solve(self, c: Any, b: np.ndarray, x0: np.ndarray | None = None) -> np.ndarray:
        """``x`` with ``(M − c L) x = b``; ``x0`` is the Krylov warm start (if enabled)."""
        owner = self.owner
        owner.stats["solves"] += 1
        if self.kind == "diagonal":
            inv = self._cached(c, self._diag_inverse)
            return inv * b
        if c == 0 and self.M is None:
            return np.array(b, copy=True)
        if not self.krylov:
            lu = self._cached(c, self._factorise)
            if np.iscomplexobj(b):
                return lu.solve(b.real) + 1j * lu.solve(b.imag)
            return lu.solve(b)
        A, pc = self._cached(c, self._krylov_setup)
        from ..linalg.front import solve as linear_solve

        guess = x0 if (self.warm_start and x0 is not None) else None
        res = linear_solve(A, b, method=self.solver, pc=pc, x0=guess, **self.solver_options)
        owner._step_iterations += int(res.iterations)
        return res.x

    def _cached(self, c: Any, build: Callable[[Any], Any]) -> Any:
        key = complex(c) if isinstance(c, complex) else float(c)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = build(c)
        self._cache[key] = value
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return value

    def shifted(self, c: Any) -> Any:
        """``M − c L`` as a sparse matrix or LinearOperator."""
        if self.kind == "operator" or isinstance(self.M, spla.LinearOperator):
            n, L, M = self.n, self.L, self.M

            def mv(x: np.ndarray) -> np.ndarray:
                x = np.ravel(x)
                return (x if M is None else M @ x) - c * (L @ x)

            return spla.LinearOperator((n, n), matvec=mv, dtype=np.float64)
        M = sp.identity(self.n, format="csr") if self.M is None else self.M
        A = (M - c * self.L).tocsr()
        A.eliminate_zeros()
        return A

    def _diag_inverse(self, c: Any) -> np.ndarray:
        self.owner.stats["factorizations"] += 1
        m = 1.0 if self.M is None else self.M
        den = m - c * self.L
        if np.any(den == 0):
            raise StepperError(f"M − c L is singular for c={c!r} (a zero diagonal entry)")
        return 1.0 / den

    def _factorise(self, c: Any) -> Any:
        from ..linalg.direct import DirectSolver

        if isinstance(c, complex):
            raise StepperError("complex shifts need a diagonal symbol or a Krylov solver")
        self.owner.stats["factorizations"] += 1
        return DirectSolver(self.shifted(c))

    def _krylov_setup(self, c: Any) -> tuple[Any, Any]:
        A = self.shifted(c)
        pc = self.pc
        if isinstance(pc, str):
            if not sp.issparse(A):
                raise StepperError(
                    f"pc={pc!r} is built from a matrix; with a matrix-free L pass a "
                    "preconditioner object or callable"
                )
            from ..linalg.preconditioner import as_preconditioner

            pc = as_preconditioner(pc, A)
        return A, pc


# --------------------------------------------------------------------------------------------
# Newton's method for implicit stages of a nonlinear f
# --------------------------------------------------------------------------------------------


class NewtonSolver:
    """Solve ``M v − c f(t, v) = r`` by Newton's method.

    The Newton matrix ``M − c J`` uses ``jac(t, v)`` (sparse or dense matrix, or
    ``LinearOperator``) when given, re-evaluated every iteration; without ``jac`` the Jacobian
    is applied matrix-free, ``J w ≈ (f(t, v + ε w) − f(t, v)) / ε`` with
    ``ε = √eps (1 + ‖v‖) / ‖w‖`` (Jacobian-free Newton–Krylov), and the Newton systems are solved
    by GMRES through :func:`pdesolve.linalg.solve`.

    Stops when the update satisfies ``‖δ‖_rms <= tol (1 + ‖v‖_rms)``; raises
    :class:`~pdesolve.errors.ConvergenceError` after ``maxiter`` iterations.
    """

    def __init__(
        self,
        f: RHS,
        jac: Callable[[Any, np.ndarray], Any] | None,
        mass: Any,
        owner: StepperBase,
        tol: float = 1e-10,
        maxiter: int = 25,
        gmres_rtol: float = 1e-10,
    ) -> None:
        self.f = f
        self.jac = jac
        self.owner = owner
        self.tol = float(tol)
        self.maxiter = int(maxiter)
        self.gmres_rtol = float(gmres_rtol)
        self.mass = mass
        if mass is not None and not (sp.issparse(mass) or isinstance(mass, spla.LinearOperator)):
            m = np.asarray(mass, dtype=np.float64)
            check_finite(m, "mass=")
            self.mass = m
        owner._newton = True
        if jac is None:
            owner._krylov = True  # matrix-free Newton: GMRES iterations go into the stats

    def check_state(self, u: np.ndarray) -> None:
        M = self.mass
        if M is None:
            return
        n = u.size
        if isinstance(M, np.ndarray):
            if M.ndim == 0 or M.shape == u.shape:
                return
            raise StepperError(
                f"a diagonal mass must have the state's shape {u.shape}, got {M.shape}"
            )
        if M.shape != (n, n):
            raise StepperError(f"mass has shape {M.shape}, the state has {n} entries")

    def apply_mass(self, u: np.ndarray) -> np.ndarray:
        M = self.mass
        if M is None:
            return u
        if isinstance(M, np.ndarray):
            return M * u
        return (M @ u.ravel()).reshape(u.shape)

    def solve(self, t: Any, c: Any, r: np.ndarray, v0: np.ndarray) -> np.ndarray:
        from ..linalg.front import solve as linear_solve

        shape, n = v0.shape, v0.size
        v = np.array(v0, dtype=np.result_type(v0, r), copy=True)
        eps = np.sqrt(np.finfo(np.float64).eps)
        for it in range(1, self.maxiter + 1):
            fv = self.f(t, v)
            G = (self.apply_mass(v) - c * fv - r).ravel()
            if self.jac is not None:
                J = self.jac(t, v)
                A = self._newton_matrix(J, c, n)
            else:
                vnorm = np.linalg.norm(v)

                def mv(w: np.ndarray, v=v, fv=fv, vnorm=vnorm) -> np.ndarray:
                    w = np.ravel(w)
                    wn = np.linalg.norm(w)
                    Mw = self.apply_mass(w.reshape(shape)).ravel()
                    if wn == 0:
                        return Mw
                    e = eps * (1.0 + vnorm) / wn
                    Jw = (self.f(t, v + e * w.reshape(shape)) - fv).ravel() / e
                    return Mw - c * Jw

                A = spla.LinearOperator((n, n), matvec=mv, dtype=np.result_type(v, float))
            delta = self._linear(A, -G, linear_solve)
            v = v + delta.reshape(shape)
            scale = 1.0 + np.sqrt(np.mean(np.abs(v) ** 2))
            if np.sqrt(np.mean(np.abs(delta) ** 2)) <= self.tol * scale:
                self.owner._step_newton += it
                return v
            if not np.isfinite(v).all():
                break
        raise ConvergenceError(
            f"Newton's method did not converge in {self.maxiter} iterations at t={t}: reduce dt, "
            "give a (better) jac=, or raise newton_maxiter",
            iterations=self.maxiter,
        )

    def _newton_matrix(self, J: Any, c: Any, n: int) -> Any:
        M = self.mass
        if isinstance(J, spla.LinearOperator) or isinstance(M, spla.LinearOperator):
            Jop = spla.aslinearoperator(J)

            def mv(w: np.ndarray) -> np.ndarray:
                w = np.ravel(w)
                Mw = w if M is None else (M * w if isinstance(M, np.ndarray) else M @ w)
                return Mw - c * (Jop @ w)

            return spla.LinearOperator((n, n), matvec=mv, dtype=np.float64)
        if sp.issparse(J):
            J = sp.csr_matrix(J)
            if J.shape != (n, n):
                raise StepperError(f"jac returned shape {J.shape}, expected ({n}, {n})")
            if M is None:
                Mm = sp.identity(n, format="csr")
            elif isinstance(M, np.ndarray):
                Mm = sp.diags(np.broadcast_to(M, (n,)) if M.ndim == 0 else M.ravel())
            else:
                Mm = M
            return (Mm - c * J).tocsc()
        J = np.asarray(J)
        if J.size != n * n:
            raise StepperError(f"jac returned shape {J.shape}, expected ({n}, {n})")
        J = J.reshape(n, n)
        if M is None:
            Md = np.eye(n)
        elif isinstance(M, np.ndarray):
            Md = np.diag(np.broadcast_to(M, (n,)) if M.ndim == 0 else M.ravel())
        else:
            Md = M.toarray()
        return Md - c * J

    def _linear(self, A: Any, b: np.ndarray, linear_solve: Callable) -> np.ndarray:
        if isinstance(A, np.ndarray):
            self.owner.stats["factorizations"] += 1
            return np.linalg.solve(A, b)
        if sp.issparse(A):
            from ..linalg.direct import DirectSolver

            self.owner.stats["factorizations"] += 1
            if np.iscomplexobj(b):
                lu = DirectSolver(A)
                return lu.solve(b.real) + 1j * lu.solve(b.imag)
            return DirectSolver(A).solve(b)
        # inexact Newton: the finite-difference operator is linear only to O(ε), so GMRES may
        # stop at a slightly larger residual than asked; Newton's outer loop absorbs that
        res = linear_solve(
            A, b, method="gmres", rtol=self.gmres_rtol, restart=50, maxiter=200,
            raise_on_failure=False,
        )
        self.owner._step_iterations += int(res.iterations)
        if not np.isfinite(res.x).all():
            raise ConvergenceError("GMRES failed on the Newton system (NaN/Inf)")
        return res.x
