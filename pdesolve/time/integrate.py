"""The integration loop: step a :class:`~pdesolve.time.base.Stepper` from ``t0`` to ``t_end``.

:func:`integrate` drives any stepper (Runge–Kutta, IMEX, exponential, a splitting
:class:`~pdesolve.time.splitting.Composition`...) with a fixed step — the last step shortened to
land on ``t_end``, steps shortened to land on each requested output time — or with the
stepper's own error control (``adaptive=True``, for steppers with ``step_adaptive``). It
stores snapshots at output times or every ``k`` steps within a memory bound, calls a callback
after each step (which may stop the run), shows a progress bar for long runs, and raises
:class:`BlowUpError` — naming the time and the step — as soon as the state stops being finite
or exceeds a bound, instead of carrying NaNs to the end.

The adaptive protocol
---------------------
A stepper is adaptive when it has ``step_adaptive(t, u, dt, *, rtol, atol)``, which tries one
step and returns either

- ``(u_new, dt_used, dt_next, accepted)`` — the stepper's own controller (``dopri5``): when
  ``accepted``, ``u_new`` is the state at ``t + dt_used``; when not, time does not advance and
  the loop retries with ``dt_next``;
- ``(u_new, err)`` — ``err`` is the error estimate scaled by ``atol + rtol |u|`` (RMS norm,
  accept when ``err <= 1``), and the loop runs the standard controller
  ``dt_new = dt · clip(0.9 err^{-1/(q+1)}, 0.2, 5)`` with ``q`` the stepper's ``error_order``
  attribute (default ``order − 1``, the embedded order of a pair) (Hairer, Nørsett & Wanner,
  *Solving ODEs I*, §II.4).

Either way the loop shortens a trial step to land on the next output time (and on ``t_end``)
and, after such a forced short step, resumes with the step the controller had before.

Example
-------
>>> import numpy as np
>>> from pdesolve.time.integrate import integrate
>>> class Euler:
...     name, order = "euler", 1
...     def step(self, t, u, dt):
...         return u - dt * u
>>> traj = integrate(Euler(), np.ones(3), (0.0, 1.0), dt=0.01, t_eval=[0.25, 0.5, 1.0])
>>> traj.t.tolist(), traj.u.shape, traj.steps
([0.25, 0.5, 1.0], (3, 3), 100)
"""

from __future__ import annotations

import math
import time as _time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import PdesolveError
from ._common import NonFiniteStepError

__all__ = ["BlowUpError", "IntegrationError", "Trajectory", "integrate"]


class IntegrationError(PdesolveError, RuntimeError):
    """The integration loop cannot go on (bad arguments, too many steps, step-size underflow)."""


class BlowUpError(IntegrationError, FloatingPointError):
    """The solution became non-finite or exceeded the bound.

    Attributes
    ----------
    t : float
        Time reached by the offending step.
    step : int
        Its index (1 for the first step).
    max_abs : float
        ``max |u|`` there (``nan``/``inf`` when non-finite).
    """

    def __init__(self, message: str, t: float, step: int, max_abs: float):
        super().__init__(message)
        self.t = t
        self.step = step
        self.max_abs = max_abs


@dataclass
class Trajectory:
    """Snapshots of a run.

    Attributes
    ----------
    t : ndarray (k,)
        Snapshot times, increasing.
    u : ndarray (k, *u0.shape)
        The states at those times.
    steps : int
        Accepted steps taken.
    stats : dict
        ``rejected`` (adaptive, loop-controlled), ``dt_min``/``dt_max`` (steps taken),
        ``wall_s``, ``stopped`` (a callback ended the run) and ``status`` (``"t_end"`` or
        ``"callback"``), ``save_stride`` (final spacing in steps of the every-k snapshots after
        thinning) and ``thinned`` (how many times storage was halved), ``adaptive``,
        ``stepper``.
    """

    t: np.ndarray
    u: np.ndarray
    steps: int
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> np.ndarray:
        """The last stored state."""
        return self.u[-1]

    def __len__(self) -> int:
        return len(self.t)


class _Store:
    """Snapshot storage; with a bound, halves itself (every other snapshot) when full."""

    def __init__(self, stride: int, max_snapshots: int | None):
        self.t: list[float] = []
        self.u: list[np.ndarray] = []
        self.stride = stride
        self.max = max_snapshots
        self.thinned = 0

    def _thin_if_full(self) -> None:
        if self.max is not None and len(self.t) >= self.max:
            self.t = self.t[::2]
            self.u = self.u[::2]
            self.stride *= 2
            self.thinned += 1

    def add(self, t: float, u: np.ndarray) -> None:
        self._thin_if_full()
        self.t.append(float(t))
        self.u.append(np.array(u, copy=True))

    def add_periodic(self, n: int, t: float, u: np.ndarray) -> None:
        """Store step ``n`` when it falls on the (possibly doubled) stride."""
        if n % self.stride:
            return
        self._thin_if_full()
        if n % self.stride == 0:
            self.t.append(float(t))
            self.u.append(np.array(u, copy=True))


def _progress_bar(enabled: bool, total: float, desc: str) -> Any:
    """A tqdm bar in units of simulated time, shown only after 1 s of wall time (so short runs
    stay silent); ``None`` when disabled or tqdm is not installed (an optional dependency)."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit="t", delay=1.0, leave=False, dynamic_ncols=True)


def _step_function(stepper: Any) -> Callable[[float, np.ndarray, float], np.ndarray]:
    if hasattr(stepper, "step"):
        return stepper.step
    if callable(stepper):
        return stepper
    raise IntegrationError(
        f"integrate needs a stepper with step(t, u, dt) (or such a callable), got {stepper!r}"
    )


def _warn_off_grid(name: str, marks: list[float], dt: float) -> None:
    """Warn when outputs fall between fixed steps of a multistep stepper: each shortened step
    (and the return to ``dt`` after it) restarts its history with the low-order starter."""
    gaps = np.diff(np.asarray(marks, dtype=float)[:-1]) / dt  # the last target is t_end
    if gaps.size and np.any(np.abs(gaps - np.round(gaps)) > 1e-9 * np.maximum(gaps, 1.0)):
        warnings.warn(
            f"t_eval points are not on the dt grid: {name!r} is a multistep method and restarts "
            "with its low-order starter at each shortened step, which can cost orders of "
            "magnitude in accuracy; choose dt dividing the output spacing, or a one-step method",
            RuntimeWarning,
            stacklevel=3,
        )


def integrate(
    stepper: Any,
    u0: Any,
    t_span: tuple[float, float],
    dt: float,
    *,
    t_eval: Sequence[float] | np.ndarray | None = None,
    save_every: int | None = None,
    max_snapshots: int | None = None,
    callback: Callable[[float, np.ndarray], bool | None] | None = None,
    progress: bool = False,
    adaptive: bool = False,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_steps: int = 10_000_000,
    bound: float | None = None,
) -> Trajectory:
    """Integrate from ``t_span[0]`` to ``t_span[1]`` and return the stored snapshots.

    Parameters
    ----------
    stepper : Stepper
        Anything with ``step(t, u, dt) -> new u`` (and ``step_adaptive`` for
        ``adaptive=True``: see the module docstring), or such a function.
    u0 : array_like
        Initial state (any shape; not modified).
    t_span : (t0, t_end)
        ``t_end > t0``.
    dt : float
        The step (fixed mode), or the first trial step (adaptive mode).
    t_eval : sequence of float, optional
        Output times in ``[t0, t_end]``, increasing. Steps are shortened to land on each
        exactly; only these times are stored (plus the state where a callback stopped).
    save_every : int, optional
        Store ``u0`` and every ``save_every``-th step, and always the final state. The default
        (no ``t_eval``) is every step. Not with ``t_eval``.
    max_snapshots : int, optional
        Memory bound (>= 2) for the every-k snapshots: when the store is full it keeps every
        other snapshot (times ``t0, t_{2k}, t_{4k}, ...``) and doubles the stride, so the
        snapshots stay evenly spaced in steps and at most ``max_snapshots`` states are held
        (the final state included). With ``t_eval`` it must be at least ``len(t_eval)``.
    callback : callable ``callback(t, u) -> bool | None``, optional
        Called after every accepted step; a true return value stops the run there (the state
        is stored and ``stats["stopped"]`` is set); ``None``/``False`` go on.
    progress : bool
        Show a tqdm progress bar (in simulated time) for runs longer than a second; silent if
        tqdm is not installed.
    adaptive : bool
        Use the stepper's error control (``step_adaptive``, e.g. ``dopri5``) with ``rtol``,
        ``atol``; ``dt`` is the first trial step.
    rtol, atol : float
        Tolerances of the adaptive mode.
    max_steps : int
        Raise :class:`IntegrationError` beyond this many steps (accepted + rejected).
    bound : float, optional
        Raise :class:`BlowUpError` when ``max |u|`` exceeds it (non-finite states always
        raise).

    Returns
    -------
    Trajectory

    Raises
    ------
    BlowUpError
        The state became NaN/Inf or exceeded ``bound``; the message names the time and step.
    IntegrationError
        Bad arguments, ``max_steps`` exceeded, or the adaptive step size underflowed.
    """
    t0, t_end = (float(v) for v in t_span)
    if not (math.isfinite(t0) and math.isfinite(t_end) and t_end > t0):
        raise IntegrationError(f"t_span must be (t0, t_end) with t_end > t0, got {t_span}")
    if not (dt > 0 and math.isfinite(dt)):
        raise IntegrationError(f"dt must be positive and finite, got {dt}")
    if t_eval is not None and save_every is not None:
        raise IntegrationError("give t_eval (output times) or save_every (every k steps), not both")
    if save_every is not None and (int(save_every) != save_every or save_every < 1):
        raise IntegrationError(f"save_every must be a positive integer, got {save_every}")
    if max_snapshots is not None and max_snapshots < 2:
        raise IntegrationError(f"max_snapshots must be at least 2, got {max_snapshots}")
    step_fn = _step_function(stepper)
    if adaptive and not hasattr(stepper, "step_adaptive"):
        raise IntegrationError(
            f"adaptive=True needs a stepper with step_adaptive (an embedded pair such as "
            f"'dopri5'); {getattr(stepper, 'name', stepper)!r} has none: use a fixed dt"
        )
    u = np.array(u0, copy=True)
    if not np.isfinite(u).all():
        raise IntegrationError("u0 contains NaN or Inf")

    span = t_end - t0
    eval_times: list[float] = []
    if t_eval is not None:
        te = np.asarray(t_eval, dtype=float).ravel()
        tol = 1e-12 * max(span, abs(t0), abs(t_end))
        if te.size == 0 or np.any(np.diff(te) <= 0):
            raise IntegrationError("t_eval must be a non-empty, strictly increasing sequence")
        if te[0] < t0 - tol or te[-1] > t_end + tol:
            raise IntegrationError(f"t_eval must lie in t_span = [{t0}, {t_end}]")
        if max_snapshots is not None and te.size > max_snapshots:
            raise IntegrationError(
                f"t_eval asks for {te.size} outputs but max_snapshots = {max_snapshots}"
            )
        eval_times = [min(max(float(v), t0), t_end) for v in te]
    store = _Store(int(save_every or 1), max_snapshots if t_eval is None else None)
    periodic = t_eval is None
    targets: list[float] = [v for v in eval_times if v > t0]
    if not targets or targets[-1] < t_end:
        targets.append(t_end)
    eval_set = set(eval_times)
    if (periodic or t0 in eval_set) and not store.t:
        store.add(t0, u)

    name = getattr(stepper, "name", type(stepper).__name__)
    stats: dict[str, Any] = {"rejected": 0, "stopped": False, "status": "t_end",
                             "adaptive": bool(adaptive), "stepper": name}
    dt_min, dt_max = math.inf, 0.0
    n = 0  # accepted steps
    attempts = 0
    t = t0
    bar = _progress_bar(progress, span, name)
    start = _time.perf_counter()

    def blow_up(t_new: float, m: float, what: str, step: int) -> BlowUpError:
        return BlowUpError(
            f"the solution blew up: max|u| = {m:.3e} {what} at t = {t_new:.6g} (step {step}, "
            f"dt = {t_new - t:.3g}, stepper {name!r}); reduce dt, use a more stable "
            "stepper, or check the problem",
            t_new,
            step,
            m,
        )

    def check(t_new: float, u_new: np.ndarray) -> None:
        if np.shape(u_new) != u.shape:
            raise IntegrationError(
                f"the step of {name!r} at t = {t:.6g} returned shape {np.shape(u_new)} for a "
                f"state of shape {u.shape} (an FFT pair without n=, or a callable that "
                "changes the shape?)"
            )
        m = float(np.max(np.abs(u_new))) if u_new.size else 0.0
        if not math.isfinite(m) or (bound is not None and m > bound):
            what = "is no longer finite" if not math.isfinite(m) else f"exceeds the bound {bound:g}"
            raise blow_up(t_new, m, what, n)

    def guarded(t_new: float, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``; a stepper's own NaN/Inf report is a blow-up too."""
        try:
            return fn(*args, **kwargs)
        except NonFiniteStepError as exc:
            raise blow_up(t_new, math.inf, "is no longer finite", n + 1) from exc

    if t_eval is not None and not adaptive and getattr(stepper, "multistep", False):
        _warn_off_grid(name, [t0, *targets], float(dt))

    try:
        if adaptive:
            default_q = max(int(getattr(stepper, "order", 2)) - 1, 1)
            err_order = getattr(stepper, "error_order", default_q)
            expo = 1.0 / (err_order + 1.0)
            h = float(dt)
        for target in targets:
            anchor, j = t, 0
            while t < target and not stats["stopped"]:
                if attempts >= max_steps:
                    raise IntegrationError(
                        f"max_steps = {max_steps} reached at t = {t:.6g} before t_end = {t_end:g}"
                    )
                attempts += 1
                if not adaptive:
                    t_next, h = anchor + (j + 1) * dt, dt
                    if t_next >= target - 1e-10 * dt:
                        t_next = target
                        if abs(target - t - dt) > 1e-10 * dt:  # shortened to hit an output
                            h = target - t
                    # full steps get the nominal dt, not t_next - t (which wobbles in the last
                    # bits): the steppers' factorisation and φ caches key on it
                    u_new = guarded(t_next, step_fn, t, u, h)
                else:
                    remaining = target - t
                    clipped = h >= remaining - 1e-10 * h
                    h_try = remaining if clipped else h
                    res = guarded(
                        t + h_try, stepper.step_adaptive, t, u, h_try, rtol=rtol, atol=atol
                    )
                    if len(res) == 4:
                        u_new, h_taken, h_next, accepted = res
                    elif len(res) == 2:
                        u_new, err = res
                        err = float(err)
                        accepted = err <= 1.0  # False for NaN too
                        fac = 0.9 * max(err, 1e-10) ** (-expo) if math.isfinite(err) else 0.2
                        h_taken = h_try if accepted else 0.0
                        h_next = h_try * min(max(fac, 0.2), 5.0 if accepted else 1.0)
                    else:
                        raise IntegrationError(
                            f"{name}.step_adaptive must return (u_new, dt_used, dt_next, "
                            f"accepted) or (u_new, err); got a tuple of {len(res)}"
                        )
                    h_taken, h_next = float(h_taken), float(h_next)
                    if h_next < 1e-14 * max(1.0, abs(t)):
                        raise IntegrationError(
                            f"step size underflow (dt = {h_next:.3e}) at t = {t:.6g}: the "
                            "problem is too stiff for this stepper, or it blows up"
                        )
                    if not accepted:
                        stats["rejected"] += 1
                        h = h_next
                        continue
                    full = h_taken >= h_try * (1 - 1e-14)
                    t_next = target if (clipped and full) else t + h_taken
                    if clipped and full and h_next >= h_try:
                        h = max(h_next, h)  # a step shortened to hit an output: resume the old h
                    else:
                        h = h_next
                n += 1
                j += 1
                check(t_next, u_new)
                dt_min, dt_max = min(dt_min, t_next - t), max(dt_max, t_next - t)
                if bar is not None:
                    bar.update(t_next - t)
                t, u = t_next, u_new
                if periodic:
                    store.add_periodic(n, t, u)
                if callback is not None and callback(t, u):
                    stats["stopped"], stats["status"] = True, "callback"
            if stats["stopped"]:
                break
            if not periodic and t in eval_set and (not store.t or store.t[-1] != t):
                store.add(t, u)
        if (periodic or stats["stopped"]) and (not store.t or store.t[-1] != t):
            store.add(t, u)
    finally:
        if bar is not None:
            bar.close()

    stats.update(
        steps=n,
        dt_min=dt_min if n else None,
        dt_max=dt_max if n else None,
        wall_s=_time.perf_counter() - start,
        save_stride=store.stride,
        thinned=store.thinned,
    )
    if not store.t:  # t_eval mode stopped before its first output
        store.add(t, u)
    return Trajectory(np.array(store.t), np.stack(store.u), n, stats)
