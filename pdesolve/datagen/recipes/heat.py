"""The heat equation with random initial data and diffusivity, integrated exactly in time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import scipy.fft as sfft

from ..errors import DatagenError
from ..fields import GaussianRandomField, sobol_parameters
from ..seeding import sample_rng
from ..stencils import interior, with_boundary
from .base import Layout, Recipe


class Heat(Recipe):
    r"""The heat equation ``u_t = κ Δu`` on ``(0,1)²``, ``u = 0`` on the boundary.

    Initial data: ``u₀ ~ N(0, σ²(−Δ_D + τ²)^{−α})`` with Dirichlet (sine) modes, ``α = 2.5,
    τ = 7`` (:class:`~pdesolve.datagen.fields.GaussianRandomField`, ``boundary="dirichlet"``);
    diffusivity ``κ`` from a scrambled Sobol sequence in ``[kappa_min, kappa_max]``.
    Discretisation: five-point Laplacian on the ``s x s`` nodes (boundary included,
    ``h = 1/(s−1)``); the semi-discrete system ``u' = −κ L u / h²`` is integrated *exactly*:
    ``L`` is diagonalised by the type-I sine transform, so ``u(t) = S e^{−κ t Λ / h²} S u₀`` costs
    two FFTs per snapshot and has no time-step error (no linear solves; the solver option is
    ignored). Stored: ``u`` at ``snapshots`` equispaced times in ``[0, t_end]`` (``u[0] = u₀``),
    and ``kappa``.
    """

    name = "heat"
    summary = "heat equation u_t = κΔu: GRF initial data, Sobol κ, exact-in-time sine transform"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 65, "subsample": 1, "alpha": 2.5, "tau": 7.0, "kappa_min": 0.01,
        "kappa_max": 0.1, "t_end": 0.5, "snapshots": 11,
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"a": "u0", "u": "u", "t": "grid/t", "kappa": "kappa"},
        "pt": {"x": "u0", "y": "u", "kappa": "kappa"},
    }

    def validate(self) -> None:
        p = self.params
        if not p["kappa_max"] > p["kappa_min"] > 0 or p["t_end"] <= 0 or p["snapshots"] < 2:
            raise DatagenError("need 0 < kappa_min < kappa_max, t_end > 0 and snapshots >= 2")
        if (p["resolution"] - 1) % self.stride:
            raise DatagenError("subsample must divide resolution - 1")
        m = p["resolution"] - 2
        self.grf = GaussianRandomField((m, m), p["alpha"], p["tau"], boundary="dirichlet")
        c = np.cos(np.pi * np.arange(1, m + 1) / (m + 1))
        self.eig = 4.0 - 2.0 * c[:, None] - 2.0 * c[None, :]

    def times(self) -> np.ndarray:
        return np.linspace(0.0, self.params["t_end"], self.params["snapshots"])

    def arrays(self) -> Layout:
        S = (self.params["resolution"] - 1) // self.stride + 1
        nt = self.params["snapshots"]
        return {"u0": ((S, S), "float64"), "u": ((nt, S, S), "float64"),
                "kappa": ((), "float64")}  # fmt: skip

    def coordinates(self) -> dict[str, np.ndarray]:
        x = np.linspace(0.0, 1.0, self.params["resolution"])[:: self.stride]
        return {"x": x, "y": x.copy(), "t": self.times()}

    def resolved_solver(self, solver: str) -> str:
        return "exact (sine transform)"

    def generate(
        self, indices: Sequence[int], seed: int, *, solver: str = "auto", rtol: float = 1e-8
    ) -> dict[str, np.ndarray]:
        p = self.params
        h2 = (1.0 / (p["resolution"] - 1)) ** 2
        bounds = [(p["kappa_min"], p["kappa_max"])]
        kappas = [float(sobol_parameters(1, bounds, seed=seed, start=int(i))[0, 0])
                  for i in indices]  # fmt: skip
        u0s, us = [], []
        for i, kappa in zip(indices, kappas, strict=True):
            u0 = self.grf.sample(None, sample_rng(seed, int(i)))
            c = sfft.dstn(u0, type=1, norm="ortho")
            decay = np.exp(-kappa * self.times()[:, None, None] * self.eig / h2)
            u = sfft.idstn(decay * c, type=1, norm="ortho", axes=(1, 2))
            us.append(self.sub(np.stack([with_boundary(ut.ravel()) for ut in u])))
            u0s.append(us[-1][0])
        return {"u0": np.array(u0s), "u": np.array(us), "kappa": np.asarray(kappas, float)}

    def residual(self, sample: dict[str, np.ndarray]) -> float:
        """Max over snapshots of ``‖u(t) − expm(−κ t L/h²) u₀‖ / ‖u₀‖``, the reference computed
        independently by :func:`scipy.sparse.linalg.expm_multiply`."""
        from scipy.sparse.linalg import expm_multiply

        from ...models.darcy_fd import laplacian_5pt

        if self.stride != 1:
            raise DatagenError("the residual of a stored sample needs subsample=1")
        p = self.params
        L = laplacian_5pt(p["resolution"] - 2) * (p["resolution"] - 1) ** 2
        u0 = interior(sample["u0"])
        ref = expm_multiply(-float(sample["kappa"]) * L, u0, start=0.0, stop=p["t_end"],
                            num=p["snapshots"], endpoint=True)  # fmt: skip
        got = np.stack([interior(ut) for ut in sample["u"]])
        return float(np.abs(got - ref).max() / np.abs(u0).max())
