"""Trajectory recipes on pseudo-spectral models: FNO's 2D Navier–Stokes, Kuramoto–Sivashinsky.

The models (:mod:`pdesolve.models.navier_stokes2d`, :mod:`~pdesolve.models.kuramoto_sivashinsky`)
are imported when a recipe is built. A chunk of samples is integrated as one batch (the models
take batch axes in front), snapshots are subsampled as they are taken, and a stored trajectory
can be checked step by step against the scheme (:meth:`TrajectoryRecipe.residual`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import DatagenError
from ..fields import GaussianRandomField
from ..seeding import sample_rng
from .base import Layout, Recipe


class TrajectoryRecipe(Recipe):
    """A time-dependent recipe: random initial state -> snapshots every ``save_every`` steps.

    Subclasses provide :meth:`model`, :meth:`initial`, :attr:`stepper_name`, and the time grid
    (:meth:`steps`: total steps after the burn-in, ``save_every``, ``dt``, ``burn_in``).
    """

    stepper_name: ClassVar[str] = "etdrk4"

    def build_model(self) -> Any:
        """The model integrating one sample (built once per recipe object by :meth:`model`)."""
        raise NotImplementedError

    def model(self) -> Any:
        if getattr(self, "_model", None) is None:
            self._model = self.build_model()
        return self._model

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def check_subsample(self) -> None:
        if self.params["resolution"] % self.stride:
            raise DatagenError("subsample must divide the resolution")

    def check_end_time(self) -> None:
        """``t_end / dt`` must be a whole number of steps, a multiple of ``snapshots``."""
        p = self.params
        steps = p["t_end"] / p["dt"]
        if p["snapshots"] < 1 or abs(steps - round(steps)) > 1e-6 * steps or (
                round(steps) % p["snapshots"]):
            raise DatagenError("t_end / dt must be an integer multiple of snapshots")

    def end_time_grid(self) -> tuple[int, int, float, int]:
        """:meth:`time_grid` for recipes given ``t_end``, ``dt`` and ``snapshots``."""
        p = self.params
        steps = int(round(p["t_end"] / p["dt"]))
        return p["snapshots"], steps // p["snapshots"], p["dt"], 0

    def time_grid(self) -> tuple[int, int, float, int]:
        """``(snapshots, save_every, dt, burn_in)``."""
        raise NotImplementedError

    def resolved_solver(self, solver: str) -> str:
        return f"{self.stepper_name} time stepping"

    def initial_batch(self, indices: Sequence[int], seed: int) -> np.ndarray:
        """The initial states of samples ``indices``, each from its own stream."""
        return np.stack([self.initial(sample_rng(seed, int(i))) for i in indices])

    def times(self) -> np.ndarray:
        snapshots, every, dt, _ = self.time_grid()
        return dt * every * np.arange(1, snapshots + 1)

    def trajectories(self, u0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Batched integration: ``(initial after burn-in, snapshots (nt, B, ...))``, subsampled."""
        model = self.model()
        st = model.stepper(self.stepper_name)
        snapshots, every, dt, burn_in = self.time_grid()
        axes = model.grid.dim
        uh = model.to_spectral(u0)
        if burn_in:
            uh = model.step_many(uh, burn_in, dt, stepper=st)
        start = self.sub(model.to_physical(uh), axes)
        out = np.empty((snapshots, *start.shape))
        for j in range(snapshots):
            uh = model.step_many(uh, every, dt, stepper=st, t0=burn_in * dt + j * every * dt)
            out[j] = self.sub(model.to_physical(uh), axes)
        return start, out

    def one_step_residual(self, states: np.ndarray) -> float:
        """``max_k ‖step(u_k) − u_{k+1}‖ / ‖u_{k+1}‖`` over consecutive stored states (only
        meaningful for ``save_every = 1``, ``subsample = 1``)."""
        snapshots, every, dt, burn_in = self.time_grid()
        if every != 1 or self.stride != 1:
            raise DatagenError("the step residual needs save_every = 1 and subsample = 1")
        model = self.model()
        st = model.stepper(self.stepper_name)
        worst = 0.0
        for k in range(len(states) - 1):
            nxt = model.to_physical(st.step(burn_in * dt + k * dt, model.to_spectral(states[k]),
                                            dt))  # fmt: skip
            worst = max(worst, float(np.linalg.norm(nxt - states[k + 1])
                                     / np.linalg.norm(states[k + 1])))  # fmt: skip
        return worst


class NavierStokesFNO(TrajectoryRecipe):
    r"""2D Navier–Stokes in vorticity form as in FNO (Li et al., ICLR 2021; ``ns_2d.py``).

    Equation: ``ω_t + u·∇ω = νΔω + f`` on the unit torus, ``u = ∇^⊥ψ``, ``−Δψ = ω``,
    ``f = 0.1(sin 2π(x+y) + cos 2π(x+y))`` (``forcing="fno"``; ``"none"`` for free decay).
    Initial vorticity ``ω₀ ~ N(0, σ²(−Δ + τ²)^{−α})`` on the torus, ``α = 2.5, τ = 7,
    σ = τ^{α−1}`` (FNO's ``GaussianRF``); ``initial="taylor-green"`` gives instead
    ``ω₀ = cos 2πx cos 2πy``, which decays as ``e^{−8π²νt}`` (the nonlinear term vanishes).
    Discretisation: :class:`pdesolve.models.navier_stokes2d.NavierStokes2D`, pseudo-spectral,
    2/3 dealiasing, FNO's Crank–Nicolson/forward-Euler step (``stepper("fno")``), ``dt = 10⁻⁴``,
    solved at ``resolution`` = 256, stored every ``subsample`` = 4 points (64²).
    Stored with FNO's names: ``a`` (initial vorticity) and ``u`` (snapshots, time last:
    ``(S, S, snapshots)``) at ``t = t_end/snapshots, ..., t_end``. FNO's sets: ``ν = 10⁻³, T = 50``;
    ``10⁻⁴, 30``; ``10⁻⁵, 20``.
    """

    name = "ns2d-fno"
    summary = "FNO 2D Navier-Stokes vorticity: GRF(2.5, 7) initial data, 256² solve, 64² stored"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 256, "subsample": 4, "nu": 1e-3, "t_end": 50.0, "dt": 1e-4,
        "snapshots": 50, "alpha": 2.5, "tau": 7.0, "forcing": "fno", "initial": "grf",
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"a": "a", "u": "u", "t": "grid/t"},
        "pt": {"x": "a", "y": "u"},
    }
    stepper_name = "fno"

    def validate(self) -> None:
        p = self.params
        if p["forcing"] not in ("fno", "none") or p["initial"] not in ("grf", "taylor-green"):
            raise DatagenError("forcing is 'fno' or 'none', initial 'grf' or 'taylor-green'")
        self.check_subsample()
        self.check_end_time()
        self.model()  # the model is importable and accepts the parameters

    def build_model(self) -> Any:
        from ...models.navier_stokes2d import NavierStokes2D

        p = self.params
        return NavierStokes2D(p["resolution"], nu=p["nu"],
                              forcing=None if p["forcing"] == "none" else "fno")  # fmt: skip

    def time_grid(self) -> tuple[int, int, float, int]:
        return self.end_time_grid()

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        s = self.params["resolution"]
        if self.params["initial"] == "taylor-green":
            x = np.arange(s) / s
            return np.cos(2 * np.pi * x)[:, None] * np.cos(2 * np.pi * x)[None, :]
        grf = GaussianRandomField((s, s), self.params["alpha"], self.params["tau"])
        return grf.sample(None, rng)

    def arrays(self) -> Layout:
        S = self.params["resolution"] // self.stride
        return {"a": ((S, S), "float64"), "u": ((S, S, self.params["snapshots"]), "float64")}

    def coordinates(self) -> dict[str, np.ndarray]:
        x = (np.arange(self.params["resolution"]) / self.params["resolution"])[:: self.stride]
        return {"x": x, "y": x.copy(), "t": self.times()}

    def generate(
        self, indices: Sequence[int], seed: int, *, solver: str = "auto", rtol: float = 1e-8
    ) -> dict[str, np.ndarray]:
        u0 = self.initial_batch(indices, seed)
        a, snaps = self.trajectories(u0)
        return {"a": a, "u": np.moveaxis(snaps, 0, -1)}

    def residual(self, sample: dict[str, np.ndarray]) -> float:
        states = np.concatenate([sample["a"][None], np.moveaxis(sample["u"], -1, 0)])
        return self.one_step_residual(states)


class Trajectory1DRecipe(TrajectoryRecipe):
    """A trajectory recipe in one space dimension (subsampling acts on the last axis)."""

    def sub(self, u: np.ndarray, axes: int = 1) -> np.ndarray:
        return super().sub(u, axes)


class KuramotoSivashinskyTrajectories(Trajectory1DRecipe):
    r"""Kuramoto–Sivashinsky trajectories, ``u_t + u_xx + u_xxxx + ½(u²)_x = 0`` on
    ``[0, L)`` periodic (Kassam & Trefethen 2005: ``L = 32π``, ``n = 128``, ``dt = 1/4``).

    Initial state: a smooth random periodic field (modes ``|m| ≤ 8``, ``max|u| = 1``;
    :func:`pdesolve.models._spectral.random_field`), integrated ``burn_in`` steps to reach the
    attractor before recording. Discretisation: :class:`pdesolve.models.kuramoto_sivashinsky.
    KuramotoSivashinsky`, pseudo-spectral with 2/3 dealiasing, ETDRK4 (Cox & Matthews 2002;
    Kassam–Trefethen coefficients). Stored: ``u0`` (state after the burn-in) and ``u``
    (``snapshots`` states every ``save_every`` steps, time first).
    """

    name = "ks"
    summary = "Kuramoto-Sivashinsky 1D trajectories (L = 32π, ETDRK4), after a burn-in"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 128, "subsample": 1, "length": float(32 * np.pi), "dt": 0.25,
        "burn_in": 400, "snapshots": 100, "save_every": 4,
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"a": "u0", "u": "u", "t": "grid/t"},
        "pt": {"x": "u0", "y": "u"},
    }

    def validate(self) -> None:
        p = self.params
        if p["dt"] <= 0 or p["burn_in"] < 0 or p["snapshots"] < 1 or p["save_every"] < 1:
            raise DatagenError("need dt > 0, burn_in >= 0, snapshots >= 1, save_every >= 1")
        self.check_subsample()
        self.model()

    def build_model(self) -> Any:
        from ...models.kuramoto_sivashinsky import KuramotoSivashinsky

        return KuramotoSivashinsky(self.params["resolution"], self.params["length"])

    def time_grid(self) -> tuple[int, int, float, int]:
        p = self.params
        return p["snapshots"], p["save_every"], p["dt"], p["burn_in"]

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        return self.model().random_initial(rng)

    def arrays(self) -> Layout:
        S = self.params["resolution"] // self.stride
        return {"u0": ((S,), "float64"), "u": ((self.params["snapshots"], S), "float64")}

    def coordinates(self) -> dict[str, np.ndarray]:
        p = self.params
        x = p["length"] * np.arange(p["resolution"]) / p["resolution"]
        return {"x": x[:: self.stride], "t": self.times()}

    def generate(
        self, indices: Sequence[int], seed: int, *, solver: str = "auto", rtol: float = 1e-8
    ) -> dict[str, np.ndarray]:
        u0 = self.initial_batch(indices, seed)
        start, snaps = self.trajectories(u0)
        return {"u0": start, "u": np.moveaxis(snaps, 0, 1)}

    def residual(self, sample: dict[str, np.ndarray]) -> float:
        return self.one_step_residual(np.concatenate([sample["u0"][None], sample["u"]]))


class BurgersFNO(Trajectory1DRecipe):
    r"""Viscous Burgers as in FNO (Li et al., ICLR 2021, §5.1): ``u_t + u u_x = ν u_xx`` on the
    unit circle, ``u₀ ~ N(0, 625(−Δ + 25 I)^{−2})`` (``σ = 25, τ = 5, α = 2``, periodic GRF),
    ``ν = 0.1``, stored at ``t = 1``; FNO's ``burgers_data_R10.mat`` holds ``a``, ``u`` on
    2¹³ = 8192 points (subsampled by 2³–2⁶ for training).
    Discretisation: :class:`pdesolve.models.burgers.Burgers`, pseudo-spectral, 2/3 dealiasing,
    ETDRK4 (the paper used a split-step scheme; the repository's ``gen_burgers1.m`` uses chebfun's
    ETDRK4), ``dt = 10⁻⁴`` (nonlinear stability at 8192 points).
    Stored: ``a`` (``u₀``) and ``u`` — shape ``(S,)`` at ``t_end`` (``snapshots = 1``, FNO's layout)
    or ``(snapshots, S)``.
    """

    name = "burgers-fno"
    summary = "FNO Burgers: u0 ~ GRF(α=2, τ=5, σ=25) periodic, ν = 0.1, u at t = 1"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 8192, "subsample": 8, "nu": 0.1, "t_end": 1.0, "dt": 1e-4,
        "snapshots": 1, "alpha": 2.0, "tau": 5.0, "sigma": 25.0,
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"a": "a", "u": "u"},
        "pt": {"x": "a", "y": "u"},
    }

    def validate(self) -> None:
        self.check_subsample()
        self.check_end_time()
        self.model()

    def build_model(self) -> Any:
        from ...models.burgers import Burgers

        return Burgers(self.params["resolution"], 1.0, nu=self.params["nu"])

    def time_grid(self) -> tuple[int, int, float, int]:
        return self.end_time_grid()

    def initial(self, rng: np.random.Generator) -> np.ndarray:
        p = self.params
        grf = GaussianRandomField((p["resolution"],), p["alpha"], p["tau"], p["sigma"])
        return grf.sample(None, rng)

    def arrays(self) -> Layout:
        S = self.params["resolution"] // self.stride
        nt = self.params["snapshots"]
        return {"a": ((S,), "float64"), "u": ((S,) if nt == 1 else (nt, S), "float64")}

    def coordinates(self) -> dict[str, np.ndarray]:
        x = np.arange(self.params["resolution"]) / self.params["resolution"]
        return {"x": x[:: self.stride], "t": self.times()}

    def generate(
        self, indices: Sequence[int], seed: int, *, solver: str = "auto", rtol: float = 1e-8
    ) -> dict[str, np.ndarray]:
        u0 = self.initial_batch(indices, seed)
        a, snaps = self.trajectories(u0)
        u = snaps[0] if self.params["snapshots"] == 1 else np.moveaxis(snaps, 0, 1)
        return {"a": a, "u": u}

    def residual(self, sample: dict[str, np.ndarray]) -> float:
        u = sample["u"] if sample["u"].ndim == 2 else sample["u"][None]
        return self.one_step_residual(np.concatenate([sample["a"][None], u]))
