"""Poisson with random source and boundary data (SKR's Poisson set)."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

import numpy as np
from numpy.polynomial import chebyshev

from ..errors import DatagenError
from ..stencils import interior, poisson_dirichlet, with_boundary
from .base import Layout, LinearRecipe


class PoissonBC(LinearRecipe):
    r"""Poisson with random source and boundary data, as in SKR (Wang et al., ICLR 2024).

    Equation: ``−Δu = f`` on ``(0,1)²``, ``u = g`` on the boundary. ``f(x, y) = Σ c_ij T_i(2x−1)
    T_j(2y−1)`` and, on each of the four edges, ``g = Σ d_i T_i(2t−1)`` — Chebyshev series of
    degree ``degree`` = 5 with coefficients uniform in [−1, 1] (SKR used MATLAB's PDE Toolbox
    FEM; here five-point finite differences on the ``s x s`` nodes, boundary included,
    ``h = 1/(s−1)``); at a corner ``g`` is the mean of its two edges.
    Stored: ``f`` and ``u`` on the node grid (the boundary values of ``u`` are ``g``).
    Solver: one matrix for all samples — sparse LU factorised once per chunk, or CG with the
    fast Poisson solver, which is exact here (one iteration).
    """

    name = "poisson-bc"
    summary = "Poisson -Δu = f, u = g: random Chebyshev source and boundary data (SKR)"
    defaults: ClassVar[dict[str, Any]] = {"resolution": 65, "subsample": 1, "degree": 5}
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"f": "f", "u": "u"},
        "pt": {"x": "f", "y": "u"},
    }
    pc_scaling = "none"

    def validate(self) -> None:
        s, k = self.params["resolution"], self.params["subsample"]
        if self.params["degree"] < 0 or (s - 1) % k:
            raise DatagenError(f"need degree >= 0 and subsample dividing resolution - 1 = {s - 1}")

    @cached_property
    def laplacian(self) -> Any:
        """The five-point matrix shared by every sample."""
        from ...models.darcy_fd import laplacian_5pt

        return laplacian_5pt(self.params["resolution"] - 2)

    def unknowns_side(self) -> int:
        return self.params["resolution"] - 2

    def layout(self) -> Layout:
        S = (self.params["resolution"] - 1) // self.stride + 1
        return {"f": ((S, S), "float64"), "u": ((S, S), "float64")}

    def coordinates(self) -> dict[str, np.ndarray]:
        x = np.linspace(0.0, 1.0, self.params["resolution"])[:: self.stride]
        return {"x": x, "y": x.copy()}

    def feature(self, inputs: dict[str, Any]) -> np.ndarray:
        return np.concatenate([inputs["f"].ravel(), inputs["g"].ravel()])

    def draw(self, rng: np.random.Generator, index: int, seed: int) -> dict[str, Any]:
        s, d = self.params["resolution"], self.params["degree"]
        t = np.linspace(-1.0, 1.0, s)
        # f[i, j] at (x_j, y_i)
        f = chebyshev.chebgrid2d(t, t, rng.uniform(-1, 1, (d + 1, d + 1))).T
        bottom, top, left, right = (chebyshev.chebval(t, rng.uniform(-1, 1, d + 1))
                                    for _ in range(4))  # fmt: skip
        g = np.zeros((s, s))
        g[0, :], g[-1, :] = bottom, top
        g[:, 0], g[:, -1] = left, right
        for i, j, a, b in ((0, 0, bottom[0], left[0]), (0, -1, bottom[-1], right[0]),
                           (-1, 0, top[0], left[-1]), (-1, -1, top[-1], right[-1])):
            g[i, j] = 0.5 * (a + b)
        return {"f": f, "g": g}

    def system(self, inputs: dict[str, Any]) -> tuple[Any, np.ndarray]:
        return poisson_dirichlet(inputs["f"], inputs["g"], self.laplacian)

    def store(self, inputs: dict[str, Any], x: np.ndarray) -> dict[str, np.ndarray]:
        return {"f": self.sub(inputs["f"]), "u": self.sub(with_boundary(x, inputs["g"]))}

    def unstore(self, sample: dict[str, np.ndarray]) -> tuple[dict[str, Any], np.ndarray]:
        return {"f": sample["f"], "g": sample["u"]}, interior(sample["u"])
