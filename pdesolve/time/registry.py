"""Steppers by name: ``stepper(name, **problem)`` and ``available()``.

=====================  =====  ===================================  ===========================
name                   order  problem keywords                     class
=====================  =====  ===================================  ===========================
``euler``              1      ``f`` | ``linear``, ``nonlinear``    :class:`.ExplicitRK`
``heun``               2      same                                 :class:`.ExplicitRK`
``ssprk3``             3      same                                 :class:`.ExplicitRK`
``rk4``                4      same                                 :class:`.ExplicitRK`
``dopri5``             5(4)   same + controller options            :class:`.DormandPrince`
``implicit-euler``     1      ``f``, ``jac`` | ``linear``,         :class:`.ImplicitEuler`
                              ``source``; ``mass``, ``solver``,
                              ``pc``, ``solver_options``,
                              ``warm_start``, ``newton_tol``,
                              ``newton_maxiter``
``theta``              1 (2)  same + ``theta``                     :class:`.ThetaMethod`
``crank-nicolson``     2      same as implicit-euler               :class:`.CrankNicolson`
``bdf2``               2      same as implicit-euler               :class:`.BDF2`
``sbdf1/2/3``          1-3    ``linear``, ``nonlinear``, ``mass``, :class:`.IMEXMultistep`
                              ``solver``, ``pc``,
                              ``solver_options``, ``warm_start``
``cnab2``              2      same                                 :class:`.IMEXMultistep`
``ars222``, ``ars443`` 2, 3   same                                 :class:`.IMEXRungeKutta`
``exp-euler``          1      ``linear``, ``nonlinear``,           :class:`.ExponentialEuler`
                              ``contour_points``
``etdrk2``, ``etdrk4`` 2, 4   same                                 :class:`.ETDRK2`, ``ETDRK4``
=====================  =====  ===================================  ===========================

Names are case-insensitive; a few aliases are accepted (``"forward-euler"``, ``"rk45"``,
``"backward-euler"``, ``"cn"``, ``"rk222"``, ``"rk443"``...).

>>> import numpy as np
>>> s = stepper("rk4", f=lambda t, u: -u)
>>> s.name, s.order
('rk4', 4)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ._common import StepperError
from .base import Stepper
from .explicit import DormandPrince, ExplicitRK
from .exponential import ETDRK2, ETDRK4, ExponentialEuler
from .imex import IMEXMultistep, IMEXRungeKutta
from .implicit import BDF2, CrankNicolson, ImplicitEuler, ThetaMethod

__all__ = ["stepper", "available", "register"]

_PROBLEM_EXPLICIT = ("f", "linear", "nonlinear")
_PROBLEM_IMPLICIT = (
    "f", "jac", "linear", "source", "mass", "solver", "pc", "solver_options", "warm_start",
    "newton_tol", "newton_maxiter",
)
_PROBLEM_IMEX = ("linear", "nonlinear", "mass", "solver", "pc", "solver_options", "warm_start")
_PROBLEM_ETD = ("linear", "nonlinear", "contour_points")


def _explicit(tableau: str) -> Callable[..., Stepper]:
    return lambda **kw: ExplicitRK(tableau, **kw)


_REGISTRY: dict[str, tuple[Callable[..., Stepper], tuple[str, ...]]] = {
    "euler": (_explicit("euler"), _PROBLEM_EXPLICIT),
    "heun": (_explicit("heun"), _PROBLEM_EXPLICIT),
    "ssprk3": (_explicit("ssprk3"), _PROBLEM_EXPLICIT),
    "rk4": (_explicit("rk4"), _PROBLEM_EXPLICIT),
    "dopri5": (
        DormandPrince,
        _PROBLEM_EXPLICIT + ("safety", "facmin", "facmax", "controller", "beta"),
    ),
    "implicit-euler": (ImplicitEuler, _PROBLEM_IMPLICIT),
    "theta": (ThetaMethod, _PROBLEM_IMPLICIT + ("theta",)),
    "crank-nicolson": (CrankNicolson, _PROBLEM_IMPLICIT),
    "bdf2": (BDF2, _PROBLEM_IMPLICIT),
    "sbdf1": (lambda **kw: IMEXMultistep("sbdf1", **kw), _PROBLEM_IMEX),
    "sbdf2": (lambda **kw: IMEXMultistep("sbdf2", **kw), _PROBLEM_IMEX),
    "sbdf3": (lambda **kw: IMEXMultistep("sbdf3", **kw), _PROBLEM_IMEX),
    "cnab2": (lambda **kw: IMEXMultistep("cnab2", **kw), _PROBLEM_IMEX),
    "ars222": (lambda **kw: IMEXRungeKutta("ars222", **kw), _PROBLEM_IMEX),
    "ars443": (lambda **kw: IMEXRungeKutta("ars443", **kw), _PROBLEM_IMEX),
    "exp-euler": (ExponentialEuler, _PROBLEM_ETD),
    "etdrk2": (ETDRK2, _PROBLEM_ETD),
    "etdrk4": (ETDRK4, _PROBLEM_ETD),
}

_ALIASES = {
    "forward-euler": "euler",
    "explicit-euler": "euler",
    "rk2": "heun",
    "tvdrk3": "ssprk3",
    "rk45": "dopri5",
    "dp5": "dopri5",
    "backward-euler": "implicit-euler",
    "cn": "crank-nicolson",
    "imex-euler": "sbdf1",
    "rk222": "ars222",
    "rk443": "ars443",
    "etd1": "exp-euler",
    "exponential-euler": "exp-euler",
}


def available() -> list[str]:
    """The registered stepper names (aliases not included)."""
    return list(_REGISTRY)


def register(
    name: str, factory: Callable[..., Stepper], keywords: tuple[str, ...] | None = None
) -> None:
    """Register ``factory(**problem) -> Stepper`` under ``name``.

    ``keywords`` lists the accepted problem keywords (default: the factory's own keyword
    parameters).
    """
    if keywords is None:
        params = inspect.signature(factory).parameters.values()
        keywords = tuple(p.name for p in params if p.kind is not p.VAR_KEYWORD)
    _REGISTRY[name.lower()] = (factory, tuple(keywords))


def stepper(name: str, **problem: Any) -> Stepper:
    """Build the stepper registered as ``name`` for the given problem.

    Parameters
    ----------
    name : str
        One of :func:`available` (or an alias).
    **problem
        The problem and options (table in the module docstring), e.g. ``f=``,
        ``linear=``/``nonlinear=``, ``mass=``, ``solver="cg"``, ``pc="amg"``, ``theta=``.

    Raises
    ------
    StepperError
        Unknown name, a keyword the stepper does not take, or a problem it cannot solve.
    """
    key = _ALIASES.get(str(name).lower(), str(name).lower())
    if key not in _REGISTRY:
        raise StepperError(f"unknown stepper {name!r}; available: {', '.join(available())}")
    factory, keywords = _REGISTRY[key]
    unknown = sorted(set(problem) - set(keywords))
    if unknown:
        raise StepperError(
            f"stepper {key!r} does not take {', '.join(unknown)}; it takes {', '.join(keywords)}"
        )
    return factory(**problem)
