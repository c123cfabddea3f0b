"""Training data for learned operators: random inputs, recipes, solves, files, parallel runs.

- :mod:`~pdesolve.datagen.fields` — Gaussian random fields with FNO's conventions, thresholded
  and log-normal coefficients, Sobol parameters;
- :mod:`~pdesolve.datagen.seeding` — per-sample random streams from a base seed;
- :mod:`~pdesolve.datagen.recipes` — the datasets (FNO/PDEBench/SKR Darcy, Helmholtz, Poisson,
  heat, Burgers, Navier–Stokes, Kuramoto–Sivashinsky), ``pdesolve datagen --list``;
- :mod:`~pdesolve.datagen.solvers` — a chunk of systems solved directly or as an ordered,
  warm-started, fast-Poisson-preconditioned sequence; :mod:`~pdesolve.datagen.stencils` — the
  five-point systems;
- :mod:`~pdesolve.datagen.writers` — the crash-safe HDF5 file and the FNO ``.mat``,
  neuraloperator ``.pt`` and PDEBench exporters;
- :mod:`~pdesolve.datagen.runner` — :func:`generate`: chunks, worker processes or a Dask
  cluster, one ordered writer, resumable.

Names are imported on first use.

>>> import pdesolve.datagen as dg
>>> a = dg.piecewise_constant(dg.gaussian_random_field(33, 2, boundary="neumann", seed=0))
>>> sorted(set(a.ravel().tolist()))
[3.0, 12.0]
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "GaussianRandomField": "fields",
    "gaussian_random_field": "fields",
    "piecewise_constant": "fields",
    "lognormal": "fields",
    "sobol_parameters": "fields",
    "as_generator": "seeding",
    "sample_rng": "seeding",
    "DatagenError": "errors",
    "RECIPES": "recipes",
    "get_recipe": "recipes",
    "generate": "runner",
    "RunSummary": "runner",
    "read_dataset": "writers",
    "export": "writers",
    "HDF5Writer": "writers",
    "DatasetSpec": "writers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'pdesolve.datagen' has no attribute {name!r}")
