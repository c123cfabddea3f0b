"""Time integration: steppers by name, operator splitting, and the integration loop.

The time layer sees callables, arrays and operators, never meshes (models put the two together).

>>> import numpy as np, pdesolve as ps
>>> step = ps.time.stepper("rk4", f=lambda t, u: -u)
>>> traj = ps.time.integrate(step, np.array([1.0]), (0.0, 1.0), dt=0.01)
>>> bool(abs(traj.u[-1, 0] - np.exp(-1)) < 1e-9)
True
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Stepper": "base",
    "Flow": "base",
    "stepper": "registry",
    "available": "registry",
    "register": "registry",
    "integrate": "integrate",
    "Trajectory": "integrate",
    "BlowUpError": "integrate",
    "IntegrationError": "integrate",
    "lie": "splitting",
    "strang": "splitting",
    "yoshida": "splitting",
    "composition": "splitting",
    "splitting": "splitting",
    "exact_flow": "splitting",
    "ode_flow": "splitting",
    "exponential_flow": "splitting",
    "implicit_flow": "splitting",
    "SplittingError": "splitting",
    "complex_triple_jump": "splitting",
    "complex_conjugate_pair": "splitting",
    "as_flow": "splitting",
    "SubFlow": "splitting",
    "Composition": "splitting",
    "SCHEMES": "splitting",
    "SplittingScheme": "splitting",
}

__all__ = sorted(_EXPORTS)

# two functions share their module's name: bind the functions eagerly, so that importing the
# submodule (which sets the package attribute to the module) cannot shadow them
from .integrate import integrate as integrate  # noqa: E402
from .splitting import splitting as splitting  # noqa: E402


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'pdesolve.time' has no attribute {name!r}")
