"""Spectral discretisations: Fourier on periodic boxes, Chebyshev and Legendre on intervals.

- :mod:`.fourier` — :class:`FourierGrid` (1–3D real transforms, symbols, dealiasing by the 2/3
  mask or 3/2 padding, Poisson/Helmholtz on the torus), batch axes in front.
- :mod:`.chebyshev` — collocation (differentiation matrices, Clenshaw–Curtis) and Shen–Galerkin
  bases with fast Poisson/Helmholtz solves.
- :mod:`.legendre` — Legendre–Galerkin bases and Gauss quadrature.

>>> import numpy as np
>>> from pdesolve import spectral
>>> g = spectral.FourierGrid((16, 16))
>>> g.spectral_shape
(16, 9)
"""

from __future__ import annotations

from . import chebyshev, fourier, legendre
from .chebyshev import (
    ChebyshevDirichlet,
    ChebyshevFamily,
    ChebyshevNeumann,
    chebyshev_diff_matrix,
    chebyshev_inverse_transform,
    chebyshev_points,
    chebyshev_transform,
    clenshaw_curtis_weights,
    helmholtz_2d,
)
from .fourier import DEALIAS_RULES, FourierGrid, SpectralError
from .legendre import (
    LegendreDirichlet,
    LegendreFamily,
    LegendreNeumann,
    legendre_gauss,
    legendre_gauss_lobatto,
)

__all__ = [
    "DEALIAS_RULES",
    "ChebyshevDirichlet",
    "ChebyshevFamily",
    "ChebyshevNeumann",
    "FourierGrid",
    "LegendreDirichlet",
    "LegendreFamily",
    "LegendreNeumann",
    "SpectralError",
    "chebyshev",
    "chebyshev_diff_matrix",
    "chebyshev_inverse_transform",
    "chebyshev_points",
    "chebyshev_transform",
    "clenshaw_curtis_weights",
    "fourier",
    "helmholtz_2d",
    "legendre",
    "legendre_gauss",
    "legendre_gauss_lobatto",
]
