"""Mass and stiffness matrices with homogeneous Dirichlet rows, shared by the FEM models."""

from __future__ import annotations

from typing import Any

import scipy.sparse as sp

from .. import fem
from ..fem import forms
from ..mesh.mesh import Where


def mass_and_stiffness(
    V: fem.FunctionSpace, kappa: Any = 1.0, dirichlet: Where | bool | None = None
) -> tuple[sp.csr_matrix, sp.csr_matrix, Any]:
    """``M`` and ``K`` (``∫ κ ∇u·∇v``) on ``V``; with ``dirichlet`` (facets) the rows and columns
    of those dofs are eliminated symmetrically in both, keeping their diagonals, so that
    ``M u' = −K u`` leaves a zero boundary value at zero. Returns ``(M, K, bc or None)``."""
    M = fem.assemble(forms.mass(), V)
    K = fem.assemble(forms.stiffness(kappa), V)
    if dirichlet is None or dirichlet is False:
        return M, K, None
    bc = fem.DirichletBC(V, None if dirichlet is True else dirichlet, 0.0)
    M, _ = bc.apply(M, None)
    K, _ = bc.apply(K, None)
    return M, K, bc
