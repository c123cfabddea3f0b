r"""Bandits over a grid of relaxation factors ω: Tsallis-INF, per-context-bin Tsallis-INF, ChebCB.

The arms are a grid of ω values (Khodak et al.'s code: 20 values ``linspace(1, 1.95)``,
:data:`DEFAULT_OMEGAS`), the loss of a round is the iteration count of a solve (normalised, see
below), and only the chosen arm's loss is observed;
:func:`~pdesolve.linalg.relaxation.tune_relaxation` runs them over a sequence of systems.

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

Optionally (``baseline=``) Zimmert and Seldin's reduced-variance estimator, which removes most of
the importance-weighting noise of the drawn arm's loss (see :class:`TsallisINF`).

**Contextual variants** for a varying scalar ``c_t`` (a diagonal shift, a diffusivity, a time
step), when the best ω moves with it and no fixed ω is good for all systems:

- :class:`ContextualRelaxationBandit`: the context range is cut into bins and an independent
  Tsallis-INF runs in each bin — the discretisation approach of Khodak et al. (Thm 2.2, regret
  :math:`\tilde O(T^{3/4})` against the instance-optimal ω for shifts; ``Tsallis-INF-CB`` in
  their code);
- :class:`ChebCBRelaxationBandit`: their ChebCB — a regression of the cost on Chebyshev
  polynomials of the context with SquareCB's inverse-gap-weighted exploration (Foster and
  Rakhlin 2020) — here with a joint tensor basis in (context, ω) so that each solve informs
  neighbouring contexts and ω.

Loss normalisation: the iteration counts are divided by their running mean before they enter
the weights (Khodak et al.'s code; the range of the counts is not known in advance); a fixed
``scale`` can be given instead.

References
----------
M. Khodak, E. Chow, M.-F. Balcan and A. Talwalkar, "Learning to relax: setting solver parameters
across a sequence of linear system instances", ICLR 2024 (arXiv:2310.02246).
J. Zimmert and Y. Seldin, "Tsallis-INF: an optimal algorithm for stochastic and adversarial
bandits", JMLR 22 (2021) 1–49.
D. Foster and A. Rakhlin, "Beyond UCB: optimal and efficient contextual bandits with regression
oracles", ICML 2020 (SquareCB).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.polynomial.chebyshev import chebvander

from .validate import SolverInputError

__all__ = [
    "TsallisINF",
    "tsallis_weights",
    "RelaxationBandit",
    "ContextualRelaxationBandit",
    "ChebCBRelaxationBandit",
    "chebyshev_features",
    "DEFAULT_OMEGAS",
]

#: Khodak et al.'s grid: 20 values of ω from 1 to 1.95
DEFAULT_OMEGAS = np.linspace(1.0, 1.95, 20)


class TsallisINF:
    r"""The ½-Tsallis-INF bandit (Zimmert and Seldin 2021) over ``n_arms`` arms.

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
    baseline : float, "mean" or None
        Zimmert and Seldin's reduced-variance estimator (their eq. (6), ``B = ½`` for losses
        in ``[0, 1]``): :math:`\hat\ell_{t,i} = \mathbb 1[I_t = i](\ell_t − B_{t,i})/w_{t,i}
        + B_{t,i}` with :math:`B_{t,i} = B\,\mathbb 1[w_{t,i} \ge η_t^2]` (no baseline for
        the rarely drawn arms, whose estimates would otherwise jump by ``−B/w``). Adding the
        same ``B`` to every arm leaves the weights unchanged, so the drawn arm's estimate moves
        by ``(ℓ − B)/w`` and those of the other arms with ``w ≥ η²`` by ``B``. ``B`` is in the
        units of the normalised losses (``B · scale``); ``"mean"`` takes the running mean of
        the losses observed before the round (the normaliser when ``scale=None``, i.e.
        ``B = 1``). ``None`` (default) is the plain importance-weighted estimator.

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
        baseline: float | str | None = None,
    ):
        if n_arms < 1:
            raise SolverInputError(f"need at least one arm, got {n_arms}")
        if scale is not None and not scale > 0:
            raise SolverInputError(f"scale must be positive or None, got {scale}")
        if not (baseline is None or baseline == "mean" or _finite_number(baseline)):
            raise SolverInputError(f"baseline must be a float, 'mean' or None, got {baseline!r}")
        self.n_arms = int(n_arms)
        self.scale = scale
        self.baseline = baseline
        self.eta = eta if eta is not None else (lambda t: 2.0 / np.sqrt(t))
        self.rng = np.random.default_rng(seed)
        self.cumulative = np.zeros(self.n_arms)
        self.t = 0
        self._loss_sum = 0.0
        self._pending: tuple[int, np.ndarray] | None = None

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
        self._pending = (arm, w)
        return arm

    def update(self, loss: float) -> None:
        """Record the (non-negative) loss of the arm drawn by the last :meth:`select`."""
        if self._pending is None:
            raise SolverInputError("update() without a preceding select()")
        if not loss >= 0.0 or not np.isfinite(loss):
            raise SolverInputError(f"loss must be finite and non-negative, got {loss}")
        arm, w = self._pending
        p = float(w[arm])
        self.cumulative[arm] += loss / p
        if self.baseline is not None:
            # B_{t,i} = B 1[w_i >= η_t²], in loss units (the normaliser of this round)
            if self.baseline == "mean":
                B = self._loss_sum / self.t if self.t else float(loss)
            else:
                B = float(self.baseline) * self._scale()
            heavy = w >= self.eta(self.t + 1) ** 2
            self.cumulative[heavy] += B
            if heavy[arm]:
                self.cumulative[arm] -= B / p
        self._loss_sum += float(loss)
        self.t += 1
        self._pending = None


def _finite_number(value: Any) -> bool:
    try:
        return bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


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
    baseline : float, "mean" or None
        Reduced-variance loss estimator (see :class:`TsallisINF`).
    """

    def __init__(
        self,
        omegas: Sequence[float] | None = None,
        *,
        scale: float | None = None,
        seed: int | np.random.Generator | None = None,
        baseline: float | str | None = None,
    ):
        self.omegas = _grid(omegas)
        self.bandit = TsallisINF(len(self.omegas), scale=scale, seed=seed, baseline=baseline)

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
    baseline : float, "mean" or None
        Reduced-variance loss estimator, per bin (see :class:`TsallisINF`).
    """

    def __init__(
        self,
        omegas: Sequence[float] | None = None,
        edges: Sequence[float] = (),
        *,
        scale: float | None = None,
        seed: int | None = None,
        baseline: float | str | None = None,
    ):
        self.omegas = _grid(omegas)
        self.edges = np.asarray(edges, dtype=np.float64)
        if self.edges.ndim != 1 or (np.diff(self.edges) <= 0).any():
            raise SolverInputError("edges must be an increasing 1-D sequence")
        rng = np.random.default_rng(seed)
        self.arms = [
            RelaxationBandit(self.omegas, scale=scale, seed=rng.spawn(1)[0], baseline=baseline)
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


def chebyshev_features(z: np.ndarray | float, degree: int) -> np.ndarray:
    """``[T_0(z), …, T_degree(z)]`` (last axis: shape ``z.shape + (degree + 1,)``) by
    :func:`numpy.polynomial.chebyshev.chebvander`; ``z`` in ``[−1, 1]``."""
    z = np.asarray(z, dtype=np.float64)
    return chebvander(z, degree).reshape(z.shape + (degree + 1,))


class ChebCBRelaxationBandit:
    r"""A ChebCB-like contextual bandit: regression of the cost on Chebyshev features of the
    context (and of ω), exploration by inverse-gap weighting (SquareCB).

    Khodak et al. (2024, §2.3 and their ``ChebCB.m``) regress the normalised iteration count of
    each arm on ``m = 6`` Chebyshev polynomials of the context mapped to ``[−1, 1]`` and draw the
    arm with SquareCB's probabilities (Foster and Rakhlin, ICML 2020)

    .. math::
        p_i = \frac{1}{d + γ_t (\hat y_i − \hat y_{i^*})} \ (i ≠ i^*), \qquad
        p_{i^*} = 1 − \sum_{i ≠ i^*} p_i, \qquad i^* = \arg\min_i \hat y_i,

    with ``γ_t`` growing with ``t``. Here the model is one least-squares fit over the tensor
    basis :math:`T_j(z)\,T_k(x_ω)`, ``j ≤ degree``, ``k ≤ omega_degree`` (``x_ω`` the grid
    mapped to ``[−1, 1]``), so that every solve informs the neighbouring ω and contexts;
    ``omega_degree=None`` fits one polynomial in ``z`` per arm, as their code does. The target
    is ``log(1 + iterations)`` by default: the counts vary by orders of magnitude with the
    context and the argmin per context is unchanged by a monotone map. The fit is recursive
    least squares (ridge ``ridge`` in place of their box-constrained ``lsqlin``), :math:`O(F^2)`
    per round for ``F`` features. ``γ_t = gamma · \sqrt{d t}``: the expected excess of the
    fitted cost of the draw over the fitted minimum is at most ``d / γ_t``, so exploration
    decays as ``t^{−1/2}`` (on the heat benchmark ``gamma`` ∈ {3, 10, 30} changes the total by
    < 5 %).

    Parameters
    ----------
    omegas : sequence of float
        The grid of ω (default :data:`DEFAULT_OMEGAS`).
    bounds : (float, float)
        Range of the context (the paper's ``cmin``, ``cmax``); contexts outside are clipped.
    degree : int
        Largest Chebyshev degree in the context (their code: ``m = 6`` features, degree 5).
    omega_degree : int or None
        Largest Chebyshev degree in ω, or ``None`` for one regression per arm.
    log_context : bool
        Map ``log(c)`` rather than ``c`` linearly onto ``[−1, 1]`` (contexts spanning decades;
        needs ``bounds[0] > 0``; smaller contexts are clipped to ``bounds[0]``).
    target : {"log", "iterations"}
        Regress ``log(1 + iterations)``, or the iterations divided by their running mean at
        the time of each observation.
    gamma : float
        Exploration constant of ``γ_t``.
    ridge : float
        Ridge penalty of the fit.
    seed : int or Generator, optional
    """

    def __init__(
        self,
        omegas: Sequence[float] | None = None,
        bounds: tuple[float, float] = (0.0, 1.0),
        *,
        degree: int = 5,
        omega_degree: int | None = 4,
        log_context: bool = False,
        target: str = "log",
        gamma: float = 10.0,
        ridge: float = 1e-2,
        seed: int | np.random.Generator | None = None,
    ):
        self.omegas = _grid(omegas)
        lo, hi = (float(b) for b in bounds)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise SolverInputError(f"bounds must be finite with lo < hi, got {bounds}")
        if log_context and not lo > 0:
            raise SolverInputError("log_context=True needs bounds[0] > 0")
        if degree < 0 or (omega_degree is not None and omega_degree < 0):
            raise SolverInputError("degrees must be non-negative")
        if target not in ("log", "iterations"):
            raise SolverInputError(f"target must be 'log' or 'iterations', got {target!r}")
        if not gamma > 0 or not ridge > 0:
            raise SolverInputError("gamma and ridge must be positive")
        self.log_context, self.target = log_context, target
        self._map = np.log if log_context else (lambda c: c)
        self._lo, self._hi = self._map(lo), self._map(hi)
        self.bounds = (lo, hi)
        self.degree, self.omega_degree = int(degree), omega_degree
        self.gamma, self.ridge = float(gamma), float(ridge)
        self.rng = np.random.default_rng(seed)
        d = self.omegas.size
        if omega_degree is None:  # one polynomial per arm: block-diagonal basis
            self._arm_basis = np.eye(d)
        else:
            span = np.ptp(self.omegas)
            x = 2.0 * (self.omegas - self.omegas.min()) / span - 1.0 if span > 0 else 0 * span
            self._arm_basis = chebyshev_features(x, int(omega_degree))
        n_feat = self._arm_basis.shape[1] * (self.degree + 1)
        self.theta = np.zeros(n_feat)
        self._P = np.eye(n_feat) / self.ridge
        self.t = 0
        self._loss_sum = 0.0
        self._pending: np.ndarray | None = None

    def _features(self, context: float | None) -> np.ndarray:
        """Feature rows of every arm at ``context`` (``d x F``)."""
        if context is None:
            raise SolverInputError("the contextual bandit needs the context of each system")
        c = self._map(min(max(float(context), self.bounds[0]), self.bounds[1]))
        z = 2.0 * (c - self._lo) / (self._hi - self._lo) - 1.0
        return np.kron(self._arm_basis, chebyshev_features(z, self.degree)[None, :])

    def predict(self, context: float) -> np.ndarray:
        """The fitted cost (in the regression target's units) of every ω at ``context``."""
        return self._features(context) @ self.theta

    def probabilities(self, context: float | None = None) -> np.ndarray:
        """The inverse-gap-weighted probabilities of the ω grid at ``context``."""
        return self._inverse_gap_weights(self.predict(context))

    def _inverse_gap_weights(self, y: np.ndarray) -> np.ndarray:
        d = y.size
        best = int(np.argmin(y))
        gamma_t = self.gamma * np.sqrt(d * (self.t + 1))
        p = 1.0 / (d + gamma_t * (y - y[best]))
        p[best] = 0.0
        p[best] = 1.0 - p.sum()
        return p

    def select(self, context: float | None = None) -> float:
        """Draw the ω for a system with the given context."""
        F = self._features(context)
        p = self._inverse_gap_weights(F @ self.theta)
        arm = int(self.rng.choice(p.size, p=p))
        self._pending = F[arm]
        return float(self.omegas[arm])

    def update(self, iterations: float) -> None:
        """Report the iteration count of the last solve (recursive least-squares step)."""
        if self._pending is None:
            raise SolverInputError("update() without a preceding select()")
        if not iterations >= 0 or not np.isfinite(iterations):
            raise SolverInputError(f"iterations must be finite and >= 0, got {iterations}")
        self.t += 1
        self._loss_sum += float(iterations)
        if self.target == "log":
            y = np.log1p(float(iterations))
        else:
            y = float(iterations) / max(self._loss_sum / self.t, np.finfo(float).tiny)
        phi, P = self._pending, self._P
        Pphi = P @ phi
        gain = Pphi / (1.0 + phi @ Pphi)
        self.theta += gain * (y - phi @ self.theta)
        self._P = P - np.outer(gain, Pphi)
        self._pending = None


def _grid(omegas: Sequence[float] | None) -> np.ndarray:
    w = DEFAULT_OMEGAS.copy() if omegas is None else np.asarray(omegas, dtype=np.float64)
    if w.ndim != 1 or w.size < 1 or ((w <= 0) | (w >= 2)).any():
        raise SolverInputError("omegas must be a non-empty 1-D grid inside (0, 2)")
    return w
