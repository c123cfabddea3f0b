"""Darcy-type recipes: FNO's piecewise-constant Darcy, PDEBench's Darcy, SKR's log-normal Darcy
and Helmholtz."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import DatagenError
from ..fields import GaussianRandomField, lognormal, piecewise_constant, sobol_parameters
from ..stencils import darcy_fno, darcy_harmonic, interior, with_boundary
from .base import Layout, LinearRecipe


class FnoDarcy(LinearRecipe):
    r"""Darcy flow as in the FNO paper (Li et al., ICLR 2021, App. A.3).

    Equation: ``−∇·(a∇u) = f`` on ``(0,1)²``, ``f = 1``, ``u = 0`` on the boundary.
    Coefficient: ``a = ψ(g)``, ``g ~ N(0, σ²(−Δ_N + τ²)^{−α})`` with Neumann (cosine) modes,
    ``α = 2, τ = 3, σ = τ^{α−1}`` (FNO's ``GRF.m``), ``ψ = 12`` where ``g ≥ 0`` and ``3``
    elsewhere (the paper; the repository's ``demo.m`` uses 12/4: ``--param low=4``).
    Discretisation: the five-point scheme of FNO's ``solve_gwf.m`` on the ``s x s`` nodes
    (boundary included, ``h = 1/(s−1)``), arithmetic-mean face coefficients
    (:func:`pdesolve.datagen.stencils.darcy_fno`). FNO evaluates ``g`` at cell centres and
    spline-interpolates the thresholded field to the nodes; here the same expansion is evaluated
    at the nodes directly (a DCT-I), so the stored ``coeff`` is exactly the solved coefficient.
    Stored: ``coeff`` and ``sol`` on every ``subsample``-th node — ``s = 421, subsample = 5`` gives
    the 85 x 85 arrays of ``piececonst_r421_N1024_smooth1.mat``.
    Solver: sparse LU (FNO: ``A\F``) for small grids; above, CG preconditioned by the fast
    sine-transform Poisson solver (condition number ≤ 12/3, ~20 iterations at any resolution).
    """

    name = "fno-darcy"
    summary = "FNO Darcy flow: 12/3 thresholded GRF coefficient, f=1, zero Dirichlet"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 421, "subsample": 5, "alpha": 2.0, "tau": 3.0, "high": 12.0, "low": 3.0,
        "f": 1.0,
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"coeff": "coeff", "sol": "sol"},
        "pt": {"x": "coeff", "y": "sol"},
    }
    pc_scaling = "none"

    def validate(self) -> None:
        s, k = self.params["resolution"], self.params["subsample"]
        if (s - 1) % k:
            raise DatagenError(f"subsample {k} must divide resolution - 1 = {s - 1} so that the "
                               "stored grid keeps both boundaries (FNO: 421 and 5 -> 85)")
        if not (self.params["low"] > 0 and self.params["high"] > 0):
            raise DatagenError("the coefficient values must be positive")
        self.grf = GaussianRandomField(
            (s, s), self.params["alpha"], self.params["tau"], boundary="neumann", grid="node"
        )

    def stored_side(self) -> int:
        return (self.params["resolution"] - 1) // self.stride + 1

    def unknowns_side(self) -> int:
        return self.params["resolution"] - 2

    def layout(self) -> Layout:
        S = self.stored_side()
        return {"coeff": ((S, S), "float64"), "sol": ((S, S), "float64")}

    def coordinates(self) -> dict[str, np.ndarray]:
        x = np.linspace(0.0, 1.0, self.params["resolution"])[:: self.stride]
        return {"x": x, "y": x.copy()}

    def draw(self, rng: np.random.Generator, index: int, seed: int) -> dict[str, Any]:
        p = self.params
        return {"coeff": piecewise_constant(self.grf.sample(None, rng), p["high"], p["low"])}

    def system(self, inputs: dict[str, Any]) -> tuple[Any, np.ndarray]:
        return darcy_fno(inputs["coeff"], self.params["f"])

    def store(self, inputs: dict[str, Any], x: np.ndarray) -> dict[str, np.ndarray]:
        return {"coeff": self.sub(inputs["coeff"]), "sol": self.sub(with_boundary(x))}

    def unstore(self, sample: dict[str, np.ndarray]) -> tuple[dict[str, Any], np.ndarray]:
        return {"coeff": sample["coeff"]}, interior(sample["sol"])


class _InteriorGridRecipe(LinearRecipe):
    """Recipes on the ``s x s`` interior nodes of the unit square (``n = s²``, ``h = 1/(s+1)``),
    the numbering of :mod:`pdesolve.models.darcy_fd`."""

    def unknowns_side(self) -> int:
        return self.params["resolution"]

    def stored_side(self) -> int:
        return len(range(0, self.params["resolution"], self.stride))

    def coordinates(self) -> dict[str, np.ndarray]:
        s = self.params["resolution"]
        x = (np.arange(s) + 1.0) / (s + 1)
        return {"x": x[:: self.stride], "y": x[:: self.stride].copy()}

    def unstore(self, sample: dict[str, np.ndarray]) -> tuple[dict[str, Any], np.ndarray]:
        inputs = {k: v for k, v in sample.items() if k not in ("sol", "residual")}
        return inputs, np.asarray(sample["sol"]).ravel()

    def store(self, inputs: dict[str, Any], x: np.ndarray) -> dict[str, np.ndarray]:
        s = self.params["resolution"]
        out = {k: (self.sub(v) if np.ndim(v) == 2 else np.asarray(v)) for k, v in inputs.items()}
        out["sol"] = self.sub(x.reshape(s, s))
        return out


class LognormalDarcy(_InteriorGridRecipe):
    r"""Log-normal Darcy flow as in SKR (Wang et al., ICLR 2024).

    Coefficient: ``a = exp(g)``, ``g ~ N(0, σ²(−Δ + τ²)^{−α})`` on the torus, ``α = 2.5, τ = 7``
    (FNO's ``GaussianRF``, as SKR's generator), sampled at the ``s x s`` interior nodes,
    ``f = 1``, zero Dirichlet data, ``n = s²`` (s = 100: n = 10⁴).
    Discretisation (``operator``): ``"symmetric"`` — ``−∇·(a∇u) = f`` with harmonic-mean faces
    (the matrix of :func:`pdesolve.models.darcy_fd.darcy_symmetric`, SPD, assembled by
    :func:`pdesolve.datagen.stencils.darcy_harmonic`); ``"skr"`` — SKR's own five-point
    matrix ``4a_p u_p − Σ a_q u_q = h² f`` (:func:`~pdesolve.models.darcy_fd.darcy_skr`, a
    discretisation of ``−Δ(a u) = f``).
    Solver: CG with the diagonally scaled fast Poisson preconditioner (symmetric), or GMRES with
    ``D_a⁻¹L⁻¹``, the exact inverse of SKR's matrix (one iteration).
    """

    name = "lognormal-darcy"
    summary = "SKR log-normal Darcy: a = exp(GRF(2.5, 7)), f=1, zero Dirichlet, n = s^2"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 100, "subsample": 1, "alpha": 2.5, "tau": 7.0, "f": 1.0,
        "operator": "symmetric",
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"coeff": "coeff", "sol": "sol"},
        "pt": {"x": "coeff", "y": "sol"},
    }

    def validate(self) -> None:
        if self.params["operator"] not in ("symmetric", "skr"):
            raise DatagenError(f"operator must be 'symmetric' or 'skr', not "
                               f"{self.params['operator']!r}")
        s = self.params["resolution"]
        self.grf = GaussianRandomField((s, s), self.params["alpha"], self.params["tau"])

    @property
    def symmetric(self) -> bool:  # type: ignore[override]
        return self.params["operator"] == "symmetric"

    @property
    def pc_scaling(self) -> str:  # type: ignore[override]
        return "symmetric" if self.symmetric else "left"

    def layout(self) -> Layout:
        S = self.stored_side()
        return {"coeff": ((S, S), "float64"), "sol": ((S, S), "float64")}

    def draw(self, rng: np.random.Generator, index: int, seed: int) -> dict[str, Any]:
        return {"coeff": lognormal(self.grf.sample(None, rng))}

    def system(self, inputs: dict[str, Any]) -> tuple[Any, np.ndarray]:
        from ...models.darcy_fd import darcy_skr

        build = darcy_harmonic if self.symmetric else darcy_skr
        return build(inputs["coeff"], self.params["f"])


class Helmholtz(LognormalDarcy):
    r"""Helmholtz as in SKR (Wang et al., ICLR 2024): SKR's five-point matrix with diagonal
    ``4a_p − h²k²`` (``−Δ(a u) − k² u = f``), ``a = exp(GRF(α=2.5, τ=7))`` on the torus, ``f = 1``,
    zero Dirichlet data, wave number ``k`` from a scrambled Sobol sequence in
    ``[k_min, k_max]`` (SKR: ``k ~ U(0, 1)``), point ``i`` for sample ``i``.
    Stored: ``coeff``, ``k``, ``sol``. Solver: GMRES preconditioned by ``D_a⁻¹L⁻¹`` (the exact
    inverse at ``k = 0``), or sparse LU (``auto`` up to 50,000 unknowns).
    """

    name = "helmholtz"
    summary = "SKR Helmholtz: a = exp(GRF(2.5, 7)), k ~ Sobol U(k_min, k_max), f=1"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 100, "subsample": 1, "alpha": 2.5, "tau": 7.0, "f": 1.0,
        "k_min": 0.0, "k_max": 1.0,
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "mat": {"coeff": "coeff", "sol": "sol", "k": "k"},
        "pt": {"x": "coeff", "y": "sol", "k": "k"},
    }
    symmetric = False  # type: ignore[assignment]
    pc_scaling = "left"  # type: ignore[assignment]
    #: exact only at ``k = 0``; GMRES with it stalls for moderate wave numbers (``k ≈ 20..60``
    #: at resolution 40), where LU still solves: ``auto`` takes LU up to 50 000 unknowns
    fast_pc_effective = False  # type: ignore[assignment]

    def validate(self) -> None:
        if not self.params["k_max"] > self.params["k_min"] >= 0:
            raise DatagenError("need 0 <= k_min < k_max")
        s = self.params["resolution"]
        self.grf = GaussianRandomField((s, s), self.params["alpha"], self.params["tau"])

    def layout(self) -> Layout:
        return {**super().layout(), "k": ((), "float64")}

    def draw(self, rng: np.random.Generator, index: int, seed: int) -> dict[str, Any]:
        bounds = [(self.params["k_min"], self.params["k_max"])]
        k = float(sobol_parameters(1, bounds, seed=seed, start=index)[0, 0])
        return {"coeff": lognormal(self.grf.sample(None, rng)), "k": k}

    def system(self, inputs: dict[str, Any]) -> tuple[Any, np.ndarray]:
        from ...models.darcy_fd import helmholtz_skr

        return helmholtz_skr(inputs["coeff"], float(inputs["k"]), self.params["f"])


class PdebenchDarcy(_InteriorGridRecipe):
    r"""Darcy flow as in PDEBench (Takamoto et al., NeurIPS 2022 datasets track).

    Equation: steady ``−∇·(a∇u) = β`` on ``(0,1)²``, ``u = 0`` outside (PDEBench reaches the
    steady state by pseudo-time stepping to t = 2 with ghost cells set to 0; here the steady
    system is solved directly). Discretisation: cell-centred finite volumes on ``s x s`` cells
    (``h = 1/s``), harmonic-mean faces, the boundary a ghost cell away
    (the matrix of :func:`pdesolve.models.darcy_fd.darcy_symmetric`, right-hand side ``h²β``).
    Coefficient: ``a ∈ {high, low} = {1, 0.1}`` by thresholding at its mean a sum of ``bumps`` = 5
    Gaussian bumps (centres uniform in the square, widths uniform in [0.05, 0.2], amplitudes
    uniform in [0.5, 1] — PDEBench's generator is described, not reproduced bit for bit).
    Stored with PDEBench's names: ``nu`` (s, s) and ``tensor`` (1, s, s); export attribute
    ``beta``.
    """

    name = "pdebench-darcy"
    summary = "PDEBench Darcy: a in {1, 0.1} from 5 thresholded bumps, forcing beta"
    defaults: ClassVar[dict[str, Any]] = {
        "resolution": 128, "subsample": 1, "beta": 1.0, "bumps": 5, "high": 1.0, "low": 0.1,
    }  # fmt: skip
    exports: ClassVar[dict[str, dict[str, str]]] = {
        "pdebench": {"nu": "nu", "tensor": "tensor", "x-coordinate": "grid/x",
                     "y-coordinate": "grid/y"},
        "mat": {"coeff": "nu", "sol": "tensor"},
        "pt": {"x": "nu", "y": "tensor"},
    }  # fmt: skip
    pc_scaling = "none"

    def validate(self) -> None:
        if self.params["bumps"] < 1 or not 0 < self.params["low"] < self.params["high"]:
            raise DatagenError("need bumps >= 1 and 0 < low < high")

    def coordinates(self) -> dict[str, np.ndarray]:
        s = self.params["resolution"]
        x = (np.arange(s) + 0.5) / s
        return {"x": x[:: self.stride], "y": x[:: self.stride].copy()}

    def export_attrs(self) -> dict[str, Any]:
        return {"beta": self.params["beta"]}

    def layout(self) -> Layout:
        S = self.stored_side()
        return {"nu": ((S, S), "float64"), "tensor": ((1, S, S), "float64")}

    def feature(self, inputs: dict[str, Any]) -> np.ndarray:
        return np.asarray(inputs["nu"])

    def draw(self, rng: np.random.Generator, index: int, seed: int) -> dict[str, Any]:
        s, m = self.params["resolution"], self.params["bumps"]
        x = (np.arange(s) + 0.5) / s
        centres = rng.random((m, 2))
        widths = rng.uniform(0.05, 0.2, m)
        amps = rng.uniform(0.5, 1.0, m)
        dy = (x[None, :, None] - centres[:, 1, None, None]) ** 2
        dx = (x[None, None, :] - centres[:, 0, None, None]) ** 2
        field = np.einsum("m,mij->ij", amps, np.exp(-(dx + dy) / (2 * widths[:, None, None] ** 2)))
        nu = np.where(field > field.mean(), self.params["high"], self.params["low"])
        return {"nu": nu}

    def system(self, inputs: dict[str, Any]) -> tuple[Any, np.ndarray]:
        A, _ = darcy_harmonic(inputs["nu"])
        s = self.params["resolution"]
        return A, np.full(s * s, self.params["beta"] / s**2)

    def store(self, inputs: dict[str, Any], x: np.ndarray) -> dict[str, np.ndarray]:
        s = self.params["resolution"]
        return {"nu": self.sub(inputs["nu"]), "tensor": self.sub(x.reshape(1, s, s))}

    def unstore(self, sample: dict[str, np.ndarray]) -> tuple[dict[str, Any], np.ndarray]:
        return {"nu": sample["nu"]}, np.asarray(sample["tensor"]).ravel()
