"""What every dataset recipe provides, and the shared machinery of the stationary (linear) ones.

A recipe turns ``(seed, sample index)`` into one sample's arrays. It declares the per-sample
layout (:meth:`Recipe.arrays`), grid coordinates, the export keys of the community formats, and
:meth:`Recipe.residual`, the discrete equation its stored solutions satisfy (checked by the
tests). Parameters are plain JSON values (recorded in the file); ``resolution`` and
``subsample`` are common to all recipes: solve at ``resolution``, store every ``subsample``-th
grid point.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from ...linalg.fast_poisson import FastPoissonPC
from ..errors import DatagenError
from ..seeding import sample_rng
from ..solvers import relative_residual, solve_chunk

__all__ = ["Recipe", "LinearRecipe"]

Layout = dict[str, tuple[tuple[int, ...], str]]


class Recipe:
    """Base class of dataset recipes.

    Class attributes
    ----------------
    name : str
        The registry name (``pdesolve datagen NAME``).
    summary : str
        One line for ``pdesolve datagen --list``.
    defaults : dict
        Every parameter with its default; the type of the default is the parameter's type.
    exports : dict
        Format -> {output key: stored array name}, for the formats the recipe supports besides
        HDF5 (``"mat"``, ``"pt"``, ``"pdebench"``).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {"resolution": 64, "subsample": 1}
    exports: ClassVar[dict[str, dict[str, str]]] = {}

    def __init__(self, **params: Any):
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise DatagenError(
                f"recipe {self.name!r} has no parameters {unknown}; it takes "
                f"{', '.join(sorted(self.defaults))}"
            )
        merged = dict(self.defaults)
        for key, value in params.items():
            if value is None:
                continue
            default = self.defaults[key]
            try:
                merged[key] = value if default is None else type(default)(value)
            except (TypeError, ValueError) as e:
                raise DatagenError(f"parameter {key}={value!r}: expected "
                                   f"{type(default).__name__}") from e
            if isinstance(merged[key], float) and not math.isfinite(merged[key]):
                raise DatagenError(f"parameter {key}={value!r}: expected a finite number")
        self.params = merged
        if self.params["subsample"] < 1 or self.params["resolution"] < 3:
            raise DatagenError(f"need resolution >= 3 and subsample >= 1, got {self.params}")
        self.validate()

    def validate(self) -> None:
        """Check the parameters (raise :class:`DatagenError`)."""

    # ---- what subclasses implement
    def arrays(self) -> Layout:
        """Per-sample ``{name: (shape, dtype)}`` of the stored arrays."""
        raise NotImplementedError

    def coordinates(self) -> dict[str, np.ndarray]:
        """Grid coordinates of the stored arrays."""
        return {}

    def generate(
        self, indices: Sequence[int], seed: int, *, solver: str = "auto", rtol: float = 1e-8
    ) -> dict[str, np.ndarray]:
        """The stored arrays of samples ``indices`` (stacked in that order)."""
        raise NotImplementedError

    def residual(self, sample: dict[str, np.ndarray]) -> float:
        """How well one stored sample (``subsample = 1``) satisfies the recipe's discrete
        equation: the relative residual (or error of the time integration)."""
        raise NotImplementedError

    def resolved_solver(self, solver: str) -> str:
        """The solver ``solver`` ("auto", "direct", "sequence") becomes for this recipe."""
        return solver

    def export_attrs(self) -> dict[str, Any]:
        """Extra attributes of exported files (PDEBench's ``beta``)."""
        return {}

    # ---- helpers
    @property
    def stride(self) -> int:
        return int(self.params["subsample"])

    def sub(self, u: np.ndarray, axes: int = 2) -> np.ndarray:
        """Every ``subsample``-th point along the last ``axes`` axes."""
        k = self.stride
        index = (Ellipsis,) + (slice(None, None, k),) * axes
        return np.ascontiguousarray(u[index])

    @classmethod
    def describe(cls) -> str:
        """Name, summary, documentation and defaults, for ``pdesolve datagen --list``."""
        doc = inspect.cleandoc(cls.__doc__ or "")
        defaults = ", ".join(f"{k}={v!r}" for k, v in cls.defaults.items())
        formats = ", ".join(["hdf5", *cls.exports])
        return f"{cls.name}: {cls.summary}\n\n{doc}\n\ndefaults: {defaults}\nformats: {formats}"


class LinearRecipe(Recipe):
    """A stationary problem: per sample, random inputs -> one sparse system ``A x = b``.

    Subclasses implement :meth:`draw` (the random inputs of a sample), :meth:`system`,
    :meth:`store` / :meth:`unstore` (inputs and solution <-> stored arrays at full resolution)
    and :meth:`layout`; a chunk of samples is solved as one sequence by
    :func:`~pdesolve.datagen.solvers.solve_chunk`, ordered by :meth:`feature`.
    """

    #: symmetric positive definite systems (CG) or not (GMRES)
    symmetric: ClassVar[bool] = True
    #: scaling of the fast Poisson preconditioner, None when it does not apply
    pc_scaling: ClassVar[str | None] = None
    #: whether the fast Poisson preconditioner is mesh-independent for this operator (it is
    #: not for Helmholtz): ``auto`` then solves directly only up to 1024 unknowns
    fast_pc_effective: ClassVar[bool] = True

    def draw(self, rng: np.random.Generator, index: int, seed: int) -> dict[str, Any]:
        raise NotImplementedError

    def system(self, inputs: dict[str, Any]) -> tuple[Any, np.ndarray]:
        raise NotImplementedError

    def feature(self, inputs: dict[str, Any]) -> np.ndarray:
        """Ordering feature of a sample (its coefficient field by default)."""
        return np.asarray(inputs["coeff"])

    def store(self, inputs: dict[str, Any], x: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def unstore(self, sample: dict[str, np.ndarray]) -> tuple[dict[str, Any], np.ndarray]:
        raise NotImplementedError

    def layout(self) -> Layout:
        """Per-sample arrays at the stored resolution (without ``residual``)."""
        raise NotImplementedError

    def unknowns_side(self) -> int:
        """Interior nodes per side ``m`` of the square five-point system (``n = m²``)."""
        raise NotImplementedError

    def arrays(self) -> Layout:
        return {**self.layout(), "residual": ((), "float64")}

    def resolved_solver(self, solver: str) -> str:
        from ..solvers import choose_solver

        fast = self.pc_scaling is not None and self.fast_pc_effective
        return choose_solver(solver, self.unknowns_side() ** 2, fast, self.symmetric)

    def generate(
        self, indices: Sequence[int], seed: int, *, solver: str = "auto", rtol: float = 1e-8
    ) -> dict[str, np.ndarray]:
        inputs = [self.draw(sample_rng(seed, i), int(i), seed) for i in indices]
        systems = [self.system(x) for x in inputs]
        solver, pc = self.resolved_solver(solver), None
        if self.pc_scaling is not None:
            pc = FastPoissonPC.factory(self.unknowns_side(), self.pc_scaling)
        xs, residuals, _ = solve_chunk(
            systems, solver=solver, rtol=rtol, pc=pc, symmetric=self.symmetric,
            features=np.stack([self.feature(x) for x in inputs]),
        )  # fmt: skip
        stored = [self.store(x, u) for x, u in zip(inputs, xs, strict=True)]
        out = {name: np.stack([s[name] for s in stored]) for name in stored[0]}
        out["residual"] = residuals
        return out

    def residual(self, sample: dict[str, np.ndarray]) -> float:
        if self.stride != 1:
            raise DatagenError("the residual of a stored sample needs subsample=1")
        inputs, x = self.unstore(sample)
        A, b = self.system(inputs)
        return relative_residual(A, b, x)
