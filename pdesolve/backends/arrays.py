"""The array namespace of a computation: numpy by default, CuPy for arrays on a GPU.

Krylov and recycling methods are written once against the namespace returned here, in the
spirit of ``array_api_compat.get_namespace``; only ``numpy`` and ``cupy`` are recognised, and
CuPy is never imported unless an argument already is a CuPy array.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import numpy as np


def get_namespace(*arrays: Any) -> ModuleType:
    """``cupy`` if any argument is a CuPy array (or CuPy sparse matrix), else ``numpy``."""
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        for a in arrays:
            mod = type(a).__module__
            if mod.startswith("cupy"):
                return cupy
    return np


def to_numpy(a: Any) -> np.ndarray:
    """A host numpy copy/view of ``a`` (numpy or CuPy)."""
    if type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)
