r"""Tuning the relaxation factor ω of SOR / SSOR-PCG across a sequence of systems with a bandit.

Khodak, Chow, Balcan and Talwalkar ("Learning to relax", ICLR 2024) treat each solve of a
sequence ``A_t x_t = b_t`` as a round of a multi-armed bandit: the arms are a grid of ω values
(their code: 20 values ``linspace(1, 1.95)``), the loss of a round is the iteration count of the
solve (normalised, see below), and only the chosen arm's loss is observed.

**Tsallis-INF** (Zimmert and Seldin, JMLR 2021), the ½-Tsallis regulariser: with importance-
weighted cumulative loss estimates :math:`\hat L_{t,i}` the arm probabilities are

.. math::
    w_{t,i} = 4\,\big(\eta_t (\hat L_{t,i} - x_t)\big)^{-2}, \qquad
    \sum_i w_{t,i} = 1, \quad x_t < \min_i \hat L_{t,i},

(the online-mirror-descent step in closed form up to the normaliser :math:`x_t`, found by Newton's
method on :math:`f(x) = \sum_i w_i(x) - 1`, convex and increasing; started at
:math:`\min_i \hat L_i - 2/\eta_t` where :math:`f \ge 0`, the iterates decrease monotonically to
the root), learning rate :math:`\eta_t = 2/\sqrt t` (as in their code), and the estimate
:math:`\hat L_{t+1,i} = \hat L_{t,i} + \ell_t \mathbb 1[I_t = i] / w_{t,i}`. Its regret against the
best fixed ω is :math:`O(\sqrt{dT})` for losses in ``[0, 1]``.

**Contextual variant** for a varying scalar ``c_t`` (a diagonal shift, a diffusivity, a time
step): the context range is cut into bins and an independent Tsallis-INF runs in each bin —
the discretisation approach of Khodak et al. (Thm 2.2, regret :math:`\tilde O(T^{3/4})` against
the instance-optimal ω for shifts), not their ChebCB regressor.

Loss normalisation: the iteration counts are divided by their running mean before they enter
the weights (Khodak et al.'s code; the range of the counts is not known in advance); a fixed
``scale`` can be given instead.

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

from .validate import SolverInputError

__all__ = [
    "TsallisINF",
    "tsallis_weights",
    "RelaxationBandit",
    "ContextualRelaxationBandit",
    "TuningResult",
    "tune_relaxation",
    "DEFAULT_OMEGAS",
]

#: Khodak et al.'s grid: 20 values of ω from 1 to 1.95
DEFAULT_OMEGAS = np.linspace(1.0, 1.95, 20)


class TsallisINF:
    """The ½-Tsallis-INF bandit (Zimmert and Seldin 2021) over ``n_arms`` arms.

    Parameters
    ----------
    n_arms : int
    scale : float or None
        Losses are divided by ``scale`` before entering the weights. A float fixes it (losses in
        ``[0, scale]``, the setting of the regret bound); ``None`` uses the running mean of the
        observed losses, as Khodak et al.'s code does for iteration counts (unknown range).
    eta : callable ``t -> η_t``, optional
        Learning-rate schedule (default ``2/√t``, ``t = 1, 2, …``).
    seed : int or Generator, optional

    Attributes
    ----------
    cumulative : ndarray
        Importance-weighted cumulative loss estimates ``L̂_i`` (unscaled).
    t : int
        Rounds played so far.
    """

    def __init__(
        self,
        n_arms: int,
        *,
        scale: float | None = 1.0,
        eta: Callable[[int], float] | None = None,
        seed: int | np.random.Generator | None = None,
    ):
        if n_arms < 1:
            raise SolverInputError(f"need at least one arm, got {n_arms}")
        if scale is not None and not scale > 0:
            raise SolverInputError(f"scale must be positive or None, got {scale}")
        self.n_arms = int(n_arms)
        self.scale = scale
        self.eta = eta if eta is not None else (lambda t: 2.0 / np.sqrt(t))
        self.rng = np.random.default_rng(seed)
        self.cumulative = np.zeros(self.n_arms)
        self.t = 0
        self._loss_sum = 0.0
        self._pending: tuple[int, float] | None = None

    def _scale(self) -> float:
        if self.scale is not None:
            return self.scale
        return max(self._loss_sum / self.t, np.finfo(float).tiny) if self.t else 1.0

    def weights(self) -> np.ndarray:
        """The arm probabilities of the next round (they sum to 1)."""
        return tsallis_weights(self.cumulative / self._scale(), self.eta(self.t + 1))

    def select(self) -> int:
        """Draw the arm of the next round (then call :meth:`update` with its loss)."""
        w = self.weights()
        arm = int(self.rng.choice(self.n_arms, p=w))
        self._pending = (arm, float(w[arm]))
        return arm

    def update(self, loss: float) -> None:
        """Record the (non-negative) loss of the arm drawn by the last :meth:`select`."""
        if self._pending is None:
            raise SolverInputError("update() without a preceding select()")
        if not loss >= 0.0 or not np.isfinite(loss):
            raise SolverInputError(f"loss must be finite and non-negative, got {loss}")
        arm, p = self._pending
        self.cumulative[arm] += loss / p
        self._loss_sum += float(loss)
        self.t += 1
        self._pending = None


def tsallis_weights(cumulative: np.ndarray, eta: float, tol: float = 1e-12) -> np.ndarray:
    """``w_i = 4 (η (L̂_i − x))⁻²`` with the normaliser ``x`` solved by Newton so that
    ``Σ w_i = 1`` (see the module docstring)."""
    L = np.asarray(cumulative, dtype=np.float64)
    x = L.min() - 2.0 / eta  # here the smallest gap gives w = 1, so the sum is >= 1
    for _ in range(100):
        w = 4.0 / (eta * (L - x)) ** 2
        excess = w.sum() - 1.0
        if excess <= tol:
            break
        x -= excess / (eta * np.sum(w**1.5))
    return w / w.sum()


class RelaxationBandit:
    """Tsallis-INF over a grid of relaxation factors: ``select() -> ω``, ``update(iterations)``.

    Parameters
    ----------
    omegas : sequence of float
        The grid (default :data:`DEFAULT_OMEGAS`).
    scale : float, optional
        Iteration count that the losses are divided by (default: the running mean of the
        observed counts, see :class:`TsallisINF`).
    seed : int, optional
    """

    def __init__(
        self,
        omegas: Sequence[float] | None = None,
        *,
        scale: float | None = None,
        seed: int | np.random.Generator | None = None,
    ):
        self.omegas = _grid(omegas)
        self.bandit = TsallisINF(len(self.omegas), scale=scale, seed=seed)

    def select(self, context: float | None = None) -> float:
        """The ω to use for the next system (``context`` is ignored)."""
        return float(self.omegas[self.bandit.select()])

    def update(self, iterations: float) -> None:
        """Report the iteration count of the solve with the last selected ω."""
        self.bandit.update(float(iterations))

    def probabilities(self, context: float | None = None) -> np.ndarray:
        """Current probabilities of the ω grid."""
        return self.bandit.weights()


class ContextualRelaxationBandit:
    """One Tsallis-INF per bin of a scalar context (Khodak et al. 2024, Thm 2.2).

    Parameters
    ----------
    omegas : sequence of float
    edges : sequence of float
        Bin edges of the context (``np.digitize``: contexts below ``edges[0]`` fall in bin 0,
        above ``edges[-1]`` in the last bin; ``len(edges) + 1`` bins). Log-spaced edges suit
        contexts that span decades (diffusivities, shifts).
    scale : float, optional
        As for :class:`RelaxationBandit`; one normaliser per bin.
    seed : int, optional
    """

    def __init__(
        self,
        omegas: Sequence[float] | None = None,
        edges: Sequence[float] = (),
        *,
        scale: float | None = None,
        seed: int | None = None,
    ):
        self.omegas = _grid(omegas)
        self.edges = np.asarray(edges, dtype=np.float64)
        if self.edges.ndim != 1 or (np.diff(self.edges) <= 0).any():
            raise SolverInputError("edges must be an increasing 1-D sequence")
        rng = np.random.default_rng(seed)
        self.arms = [
            RelaxationBandit(self.omegas, scale=scale, seed=rng.spawn(1)[0])
            for _ in range(self.edges.size + 1)
        ]
        self._bin: int | None = None

    def bin(self, context: float) -> int:
        """The bin of ``context``."""
        return int(np.digitize(float(context), self.edges))

    def select(self, context: float | None = None) -> float:
        """The ω for a system with the given context."""
        if context is None:
            raise SolverInputError("the contextual bandit needs the context of each system")
        self._bin = self.bin(context)
        return self.arms[self._bin].select()

    def update(self, iterations: float) -> None:
        """Report the iteration count of the last solve."""
        if self._bin is None:
            raise SolverInputError("update() without a preceding select()")
        self.arms[self._bin].update(iterations)
        self._bin = None

    def probabilities(self, context: float) -> np.ndarray:
        """Current probabilities of the ω grid in the bin of ``context``."""
        return self.arms[self.bin(context)].probabilities()


def _grid(omegas: Sequence[float] | None) -> np.ndarray:
    w = DEFAULT_OMEGAS.copy() if omegas is None else np.asarray(omegas, dtype=np.float64)
    if w.ndim != 1 or w.size < 1 or ((w <= 0) | (w >= 2)).any():
        raise SolverInputError("omegas must be a non-empty 1-D grid inside (0, 2)")
    return w


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


_RELAXED = ("ssor-pcg", "sor", "ssor")


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

    Returns
    -------
    TuningResult
    """
    t0 = time.perf_counter()
    if method not in _RELAXED:
        raise SolverInputError(f"unknown method {method!r}; use one of {_RELAXED}")
    fixed = omegas is not None and np.ndim(omegas) == 0
    if fixed:
        tuner = None
        omega_fixed = float(omegas)
        if not 0.0 < omega_fixed < 2.0:
            raise SolverInputError(f"omega={omega_fixed} outside (0, 2)")
    elif edges is not None:
        if contexts is None:
            raise SolverInputError("edges= needs contexts=")
        tuner = ContextualRelaxationBandit(omegas, edges, scale=scale, seed=seed)
    else:
        tuner = RelaxationBandit(omegas, scale=scale, seed=seed)
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
