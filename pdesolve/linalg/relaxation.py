"""Tuning the relaxation factor ω of SOR / SSOR-PCG across a sequence of systems with a bandit.

Khodak, Chow, Balcan and Talwalkar ("Learning to relax", ICLR 2024) treat each solve of a
sequence ``A_t x_t = b_t`` as a round of a multi-armed bandit: the arms are a grid of ω values
(their code: 20 values ``linspace(1, 1.95)``), the loss of a round is the iteration count of the
solve (normalised), and only the chosen arm's loss is observed. :func:`tune_relaxation` runs the
solves; the bandits — Tsallis-INF (Zimmert and Seldin 2021), one Tsallis-INF per context bin, and
a ChebCB-like regression on the context — are in :mod:`pdesolve.linalg.bandits` (with the maths)
and re-exported here.

On Khodak et al.'s heat sequence (``benchmarks/recycling.py --only heat``: n = 63², 2000
Crank–Nicolson steps, κ(t) swinging between 0.1 and 10, warm-up one period of κ) the
non-contextual bandit beats ω = 1 (≈ 1.4x fewer iterations) but not the best fixed ω, whose
hindsight choice fits the expensive large-κ half; the contextual variants beat both.

References
----------
M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting solver parameters
across a sequence of linear system instances", ICLR 2024 (arXiv:2310.02246).
J. Zimmert and Y. Seldin, "Tsallis-INF: an optimal algorithm for stochastic and adversarial
bandits", JMLR 22 (2021) 1–49.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .bandits import (
    DEFAULT_OMEGAS,
    ChebCBRelaxationBandit,
    ContextualRelaxationBandit,
    RelaxationBandit,
    TsallisINF,
    _grid,  # noqa: F401  (kept importable from here)
    chebyshev_features,
    tsallis_weights,
)
from .methods import METHODS
from .validate import SolverInputError

__all__ = [
    "TsallisINF",
    "tsallis_weights",
    "RelaxationBandit",
    "ContextualRelaxationBandit",
    "ChebCBRelaxationBandit",
    "chebyshev_features",
    "TuningResult",
    "tune_relaxation",
    "DEFAULT_OMEGAS",
]


@dataclass
class TuningResult:
    """Outcome of :func:`tune_relaxation`.

    Attributes
    ----------
    iterations : ndarray of int
        Iterations per system, in sequence order.
    omegas : ndarray
        The ω used for each system.
    converged : ndarray of bool
    x : ndarray
        The last solution (``solutions`` holds all of them with ``keep=True``).
    wall_time : float
        Total seconds (solves, preconditioner set-up and bandit updates).
    tuner : the bandit (or None for a fixed ω)
    """

    iterations: np.ndarray
    omegas: np.ndarray
    converged: np.ndarray
    x: np.ndarray
    wall_time: float
    tuner: Any = None
    solutions: list[np.ndarray] = field(default_factory=list)

    @property
    def total_iterations(self) -> int:
        """Sum of the iterations."""
        return int(self.iterations.sum())


#: the methods with a tunable ω: the method table's ``relaxation`` rows, and CG with SSOR
_RELAXED = ("ssor-pcg", *(m.name for m in METHODS if m.relaxation))


def _solve_relaxed(
    method: str, A: Any, b: np.ndarray, x0: Any, omega: float, rtol: float, maxiter: int | None
):
    from .krylov import cg_solve
    from .preconditioners import SSORPC
    from .stationary import sor, ssor

    if method == "ssor-pcg":
        return cg_solve(A, b, x0, rtol=rtol, maxiter=maxiter, M=SSORPC(A, omega))
    if method == "sor":
        return sor(A, b, x0, omega=omega, rtol=rtol, maxiter=maxiter)
    if method == "ssor":
        return ssor(A, b, x0, omega=omega, rtol=rtol, maxiter=maxiter)
    raise SolverInputError(f"unknown method {method!r}; use 'ssor-pcg', 'sor' or 'ssor'")


def tune_relaxation(
    systems: Any,
    method: str = "ssor-pcg",
    omegas: Sequence[float] | float | None = None,
    *,
    count: int | None = None,
    chained: bool = False,
    x0: np.ndarray | None = None,
    contexts: Sequence[float] | Callable[[int], float] | None = None,
    edges: Sequence[float] | None = None,
    rtol: float = 1e-8,
    maxiter: int | None = None,
    scale: float | None = None,
    seed: int | None = 0,
    keep: bool = False,
    tuner: Any = None,
    baseline: float | str | None = None,
) -> TuningResult:
    """Solve a sequence with SOR / SSOR / SSOR-PCG, choosing ω per system with a bandit.

    Parameters
    ----------
    systems : list of (A, b), or callable
        ``i -> (A, b)`` (with ``count``), or with ``chained=True`` ``(i, x_prev) -> (A, b)``:
        a time stepper whose right-hand side depends on the previous solution (Crank–Nicolson).
    method : {"ssor-pcg", "sor", "ssor"}
        SSOR-preconditioned CG (SPD ``A``), or the stationary iterations.
    omegas : grid of ω, or one float
        A grid runs the bandit (default :data:`DEFAULT_OMEGAS`); a single value runs the fixed-ω
        baseline.
    count : int
        Number of systems when ``systems`` is a callable.
    chained : bool
        Pass the previous solution to ``systems`` and warm-start each solve from it.
    x0 : ndarray, optional
        With ``chained=True``: the state passed with the first system and the initial guess of
        its solve (``None`` by default: the callable gets ``None`` and the solve starts at 0).
    contexts : sequence or callable ``i -> c``, optional
        A scalar per system; with ``edges`` this runs :class:`ContextualRelaxationBandit`.
    edges : sequence of float, optional
        Context bin edges.
    rtol, maxiter : stopping test of each solve (relative residual; CG's recursive residual).
    scale : float, optional
        Iteration count the losses are divided by (default: their running mean).
    seed : int, optional
    keep : bool
        Keep every solution in ``result.solutions``.
    tuner : bandit, optional
        A ready-made tuner with ``select(context) -> ω`` and ``update(iterations)`` (e.g.
        :class:`ChebCBRelaxationBandit`); it overrides ``omegas``, ``edges``, ``scale`` and
        ``seed``.
    baseline : float, "mean" or None
        Reduced-variance loss estimator of the Tsallis-INF bandits (see :class:`TsallisINF`).

    Returns
    -------
    TuningResult
    """
    t0 = time.perf_counter()
    if method not in _RELAXED:
        raise SolverInputError(f"unknown method {method!r}; use one of {_RELAXED}")
    fixed = omegas is not None and np.ndim(omegas) == 0 and tuner is None
    if tuner is not None:
        if not all(callable(getattr(tuner, name, None)) for name in ("select", "update")):
            raise SolverInputError("tuner= needs select(context) and update(iterations)")
    elif fixed:
        tuner = None
        omega_fixed = float(omegas)
        if not 0.0 < omega_fixed < 2.0:
            raise SolverInputError(f"omega={omega_fixed} outside (0, 2)")
    elif edges is not None:
        if contexts is None:
            raise SolverInputError("edges= needs contexts=")
        tuner = ContextualRelaxationBandit(omegas, edges, scale=scale, seed=seed, baseline=baseline)
    else:
        tuner = RelaxationBandit(omegas, scale=scale, seed=seed, baseline=baseline)
    if callable(systems):
        if count is None:
            raise SolverInputError("a callable systems= needs count=")
        get, n = systems, int(count)
    else:
        seq = list(systems)
        get, n = (lambda i, _x=None: seq[i]), len(seq)
    context_of = contexts if callable(contexts) else (
        (lambda i: float(contexts[i])) if contexts is not None else (lambda i: None)
    )  # fmt: skip
    its = np.zeros(n, dtype=np.int64)
    used = np.zeros(n)
    conv = np.zeros(n, dtype=bool)
    x = None if x0 is None else np.asarray(x0, dtype=np.float64)
    solutions = []
    for i in range(n):
        A, b = get(i, x) if chained else get(i)
        omega = omega_fixed if tuner is None else tuner.select(context_of(i))
        start = x if chained else None
        res = _solve_relaxed(method, A, np.asarray(b), start, omega, rtol, maxiter)
        if tuner is not None:
            tuner.update(res.iterations)
        its[i], used[i], conv[i] = res.iterations, omega, res.converged
        x = res.x
        if keep:
            solutions.append(x)
    return TuningResult(its, used, conv, x, time.perf_counter() - t0, tuner, solutions)
