"""Finite elements: spaces, forms, assembly, boundary conditions, functions and error norms.

>>> import pdesolve as ps
>>> mesh = ps.mesh.rectangle(16, 16)
>>> V = ps.fem.FunctionSpace(mesh, "P", 1)
>>> A = ps.fem.assemble(ps.fem.forms.stiffness(), V)
>>> b = ps.fem.assemble(ps.fem.forms.source(1.0), V)
>>> A, b = ps.fem.DirichletBC(V, "boundary", 0.0).apply(A, b)
"""

from . import forms
from .assembly import assemble
from .bcs import DirichletBC, apply_dirichlet, boundary_values
from .elements import Element, element
from .forms import bilinear_form, linear_form
from .function import Function
from .mixed import (
    InfSupError,
    MixedFunction,
    MixedSpace,
    apply_dirichlet_dofs,
    assemble_mixed,
    mixed_bilinear_form,
    mixed_linear_form,
    pressure_mean_constraint,
    stokes_space,
    taylor_hood,
)
from .norms import errornorm
from .quadrature import quadrature
from .space import FunctionSpace

__all__ = [
    "InfSupError",
    "MixedFunction",
    "MixedSpace",
    "apply_dirichlet_dofs",
    "assemble_mixed",
    "mixed_bilinear_form",
    "mixed_linear_form",
    "pressure_mean_constraint",
    "stokes_space",
    "taylor_hood",
    "DirichletBC",
    "Element",
    "Function",
    "FunctionSpace",
    "apply_dirichlet",
    "assemble",
    "bilinear_form",
    "boundary_values",
    "element",
    "errornorm",
    "forms",
    "linear_form",
    "quadrature",
]
