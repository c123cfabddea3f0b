"""The dataset recipes, by name; ``pdesolve datagen --list`` prints them.

===================  =========================================================================
``fno-darcy``        FNO Darcy flow (12/3 coefficient, 421² solve, 85² stored)
``pdebench-darcy``   PDEBench Darcy (thresholded bumps, forcing β, 128² cells)
``lognormal-darcy``  SKR log-normal Darcy (n = s²)
``helmholtz``        SKR Helmholtz (log-normal coefficient, Sobol wave number)
``poisson-bc``       Poisson with random Chebyshev source and boundary data
``heat``             heat equation, random initial data and diffusivity, exact in time
``burgers-fno``      FNO Burgers (GRF initial data, ν = 0.1, 8192 points, u at t = 1)
``ns2d-fno``         FNO 2D Navier–Stokes vorticity (256² solve, 64² stored, snapshots)
``ks``               Kuramoto–Sivashinsky trajectories (1D, ETDRK4)
===================  =========================================================================

Recipes are imported on first use; :func:`get_recipe` builds one with its parameters.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import DatagenError
from .base import LinearRecipe, Recipe

__all__ = ["RECIPES", "Recipe", "LinearRecipe", "get_recipe", "recipe_class"]

#: name -> "module:Class" (relative to this package)
RECIPES: dict[str, str] = {
    "fno-darcy": "darcy:FnoDarcy",
    "pdebench-darcy": "darcy:PdebenchDarcy",
    "lognormal-darcy": "darcy:LognormalDarcy",
    "helmholtz": "darcy:Helmholtz",
    "poisson-bc": "poisson:PoissonBC",
    "heat": "heat:Heat",
    "burgers-fno": "spectral:BurgersFNO",
    "ns2d-fno": "spectral:NavierStokesFNO",
    "ks": "spectral:KuramotoSivashinskyTrajectories",
}


def recipe_class(name: str) -> type[Recipe]:
    """The class of recipe ``name``."""
    if name not in RECIPES:
        raise DatagenError(f"unknown recipe {name!r}; recipes: {', '.join(RECIPES)}")
    module, cls = RECIPES[name].split(":")
    return getattr(importlib.import_module(f".{module}", __name__), cls)


def get_recipe(name: str, **params: Any) -> Recipe:
    """Recipe ``name`` with ``params`` over its defaults (None values keep the default)."""
    return recipe_class(name)(**params)

