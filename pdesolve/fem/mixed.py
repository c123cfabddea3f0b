r"""Mixed (product) spaces, forms of several fields and of the current iterate, block assembly.

A :class:`MixedSpace` ``W = V_1 × ... × V_m`` numbers its unknowns field by field,
``x = [x_1; ...; x_m]`` with field ``f`` at ``W.dofs(f) = offset_f + range(V_f.num_dofs)``,
so each block of a matrix on ``W`` is a contiguous slice (``W.block(A, f, g)``) and the index
sets are exactly PETSc's ``PCFIELDSPLIT`` ``IS`` (:meth:`MixedSpace.index_sets`).

Forms are plain functions of *tuples* of fields, written like the maths. For Stokes

.. math:: a((u, p), (v, q)) = \int_\Omega \nu \nabla u : \nabla v - p \,\nabla\!\cdot v
          - q \,\nabla\!\cdot u \,dx,

>>> import pdesolve as ps
>>> from pdesolve.fem.forms import ddot, div, grad
>>> W = ps.fem.taylor_hood(ps.mesh.rectangle(4, 4))
>>> @ps.fem.mixed_bilinear_form
... def stokes(u, v, w):
...     (uu, p), (vv, q) = u, v
...     return ddot(grad(uu), grad(vv)) - p * div(vv) - q * div(uu)
>>> A = ps.fem.assemble_mixed(stokes, W)
>>> A.shape == (W.num_dofs, W.num_dofs)
True

Trial and test fields carry an axis over the cell's local basis (the basis is materialised at
the quadrature points of a chunk of cells, as in scikit-fem), so the form's result is the
array of local matrices at the quadrature points; the sum over quadrature points is scattered
into the CSR data of a pattern cached on ``W`` (re-assembly only refills values). A
coefficient that is a :class:`~pdesolve.fem.Function` or :class:`MixedFunction` arrives at the
quadrature points with its gradient (``grad(w.u)``), so residuals ``F(u; v)`` and Jacobians
``J(u; du, v)`` of nonlinear problems are written the same way.

Only affine simplex geometry is supported here (triangles, tetrahedra).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numba as nb
import numpy as np
import scipy.sparse as sp

from ..errors import FemError
from ..mesh import Mesh
from ..mesh.mesh import Where
from .bcs import _eliminate
from .forms import Field
from .function import Function
from .pattern import SparsityPattern
from .quadrature import quadrature
from .space import FunctionSpace

#: cells per assembly chunk (bounds the materialised basis: cells x points x local dofs²)
CHUNK_CELLS = 2048


class InfSupError(FemError):
    """A velocity–pressure pair that is not inf-sup (LBB) stable was asked for."""


class NullSpaceError(FemError):
    """A singular system (pressure determined up to a constant) without a null-space choice."""


# --------------------------------------------------------------------------- spaces
class MixedSpace:
    """The product ``V_1 × ... × V_m`` of spaces on one mesh, numbered field by field.

    Parameters
    ----------
    *spaces : FunctionSpace
        The fields' spaces, all on the same mesh.
    names : sequence of str, optional
        Field names (default ``"f0", "f1", ...``), usable wherever a field index is.
    """

    def __init__(self, *spaces: FunctionSpace, names: Sequence[str] | None = None):
        if len(spaces) < 1 or not all(isinstance(V, FunctionSpace) for V in spaces):
            raise FemError("MixedSpace takes one or more FunctionSpace arguments")
        mesh = spaces[0].mesh
        if any(V.mesh is not mesh for V in spaces):
            raise FemError("all fields of a MixedSpace must live on the same mesh")
        if not mesh.reference.simplex:
            raise FemError("MixedSpace supports simplex meshes (triangles, tetrahedra)")
        self.mesh: Mesh = mesh
        self.spaces = tuple(spaces)
        names = [f"f{i}" for i in range(len(spaces))] if names is None else list(names)
        if len(names) != len(spaces) or len(set(names)) != len(names):
            raise FemError(f"need {len(spaces)} distinct field names, got {names}")
        self.names = tuple(names)
        sizes = [V.num_dofs for V in spaces]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.num_dofs = int(self.offsets[-1])

    def __repr__(self) -> str:
        parts = ", ".join(f"{n}: {V!r}" for n, V in zip(self.names, self.spaces, strict=True))
        return f"MixedSpace({parts}; {self.num_dofs} dofs)"

    def __len__(self) -> int:
        return len(self.spaces)

    def field(self, f: int | str) -> int:
        """The index of field ``f`` (an index or a name)."""
        if isinstance(f, str):
            if f not in self.names:
                raise FemError(f"no field {f!r}; fields are {self.names}")
            return self.names.index(f)
        if not 0 <= int(f) < len(self.spaces):
            raise FemError(f"field index {f} out of range for {len(self.spaces)} fields")
        return int(f)

    def sub(self, f: int | str) -> FunctionSpace:
        """The space of field ``f``."""
        return self.spaces[self.field(f)]

    def dofs(self, f: int | str) -> np.ndarray:
        """Global indices of field ``f`` in vectors on this space."""
        i = self.field(f)
        return np.arange(self.offsets[i], self.offsets[i + 1])

    def index_sets(self) -> dict[str, np.ndarray]:
        """``{name: global dofs}``: the index sets of a PETSc fieldsplit preconditioner."""
        return {n: self.dofs(n) for n in self.names}

    def boundary_dofs(
        self, f: int | str, where: Where = None, component: int | None = None
    ) -> np.ndarray:
        """Global dofs of field ``f`` on the facets ``where`` selects (a tag, predicate, None
        for the whole boundary), all components or one."""
        i = self.field(f)
        return self.spaces[i].boundary_dofs(where, component) + self.offsets[i]

    def split(self, x: np.ndarray) -> list[np.ndarray]:
        """Views of ``x`` per field."""
        x = np.asarray(x)
        if x.shape != (self.num_dofs,):
            raise FemError(f"vector has shape {x.shape}, the mixed space {self.num_dofs} dofs")
        return [x[self.offsets[i] : self.offsets[i + 1]] for i in range(len(self.spaces))]

    def block(self, A: sp.spmatrix, f: int | str, g: int | str) -> sp.csr_matrix:
        """Block (f, g) of a matrix on this space (rows of field f, columns of field g)."""
        r, c = self.dofs(f), self.dofs(g)
        return sp.csr_matrix(A)[r[0] : r[-1] + 1, c[0] : c[-1] + 1]

    def blocks(self, A: sp.spmatrix) -> list[list[sp.csr_matrix]]:
        """All blocks of ``A`` as a nested list (the layout of PETSc's MatNest / sp.bmat)."""
        return [[self.block(A, f, g) for g in range(len(self))] for f in range(len(self))]

    @cached_property
    def cell_dofs(self) -> np.ndarray:
        """(num_cells, Σ local dofs): every field's cell dofs, offset, side by side."""
        parts = [
            V.cell_dofs.astype(np.int64) + o
            for V, o in zip(self.spaces, self.offsets, strict=False)
        ]
        return np.ascontiguousarray(np.concatenate(parts, axis=1))

    @cached_property
    def pattern(self) -> SparsityPattern:
        """The CSR pattern of forms coupling all fields (built once)."""
        return SparsityPattern.from_dofmap(self.cell_dofs, self.num_dofs)


def taylor_hood(mesh: Mesh, degree: int = 2) -> MixedSpace:
    """Taylor–Hood ``P_k``–``P_{k-1}`` (``k ≥ 2``): vector velocity ``u``, scalar pressure
    ``p``; inf-sup stable on any triangulation with at least three cells and no cell with all
    vertices on the boundary issue for k = 2 (Boffi, Brezzi & Fortin 2013, §8.8)."""
    return stokes_space(mesh, velocity_degree=degree, pressure_degree=degree - 1)


def stokes_space(mesh: Mesh, velocity_degree: int = 2, pressure_degree: int = 1) -> MixedSpace:
    """A continuous velocity–pressure pair, refused unless it is inf-sup stable.

    Raises
    ------
    InfSupError
        Equal order (``P_k``–``P_k``, not stable without stabilisation) or a pressure degree
        above ``velocity_degree − 1`` or a velocity below P2.
    """
    if pressure_degree < 1 or velocity_degree < 2 or pressure_degree != velocity_degree - 1:
        raise InfSupError(
            f"P{velocity_degree}–P{pressure_degree} is not inf-sup stable (equal-order or "
            "mismatched pairs lock or show spurious pressure modes); use Taylor–Hood "
            f"P{max(velocity_degree, 2)}–P{max(velocity_degree, 2) - 1}: "
            "ps.fem.taylor_hood(mesh)"
        )
    V = FunctionSpace(mesh, "P", velocity_degree, shape=mesh.dim)
    Q = FunctionSpace(mesh, "P", pressure_degree)
    return MixedSpace(V, Q, names=("u", "p"))


class MixedFunction:
    """A coefficient vector on a :class:`MixedSpace`; ``w[f]`` is field ``f`` as a
    :class:`~pdesolve.fem.Function` sharing memory with ``w.x``."""

    def __init__(self, W: MixedSpace, x: np.ndarray | None = None):
        self.space = W
        self.x = np.zeros(W.num_dofs) if x is None else np.array(x, dtype=np.float64)
        if self.x.shape != (W.num_dofs,):
            raise FemError(f"vector has {self.x.size} entries, the mixed space {W.num_dofs}")

    def __getitem__(self, f: int | str) -> Function:
        i = self.space.field(f)
        u = Function.__new__(Function)
        u.space = self.space.spaces[i]
        u.x = self.x[self.space.offsets[i] : self.space.offsets[i + 1]]  # a view
        return u

    def __repr__(self) -> str:
        return f"MixedFunction({self.space!r})"


# --------------------------------------------------------------------------- forms
class MixedForm:
    """``fn(u, v, w)`` (bilinear) or ``fn(v, w)`` (linear) on tuples of fields."""

    def __init__(self, fn: Callable, arity: int, degree: int | None, coefficients: dict):
        self.fn, self.arity, self.degree, self.coefficients = fn, arity, degree, coefficients
        self.name = getattr(fn, "__name__", "form")

    def __repr__(self) -> str:
        return f"MixedForm({self.name}, arity={self.arity})"

    def with_coefficients(self, **coefficients: Any) -> MixedForm:
        """The same form with some coefficients replaced (e.g. a new Newton iterate)."""
        return MixedForm(self.fn, self.arity, self.degree, {**self.coefficients, **coefficients})


def mixed_bilinear_form(fn: Callable | None = None, *, degree: int | None = None, **coefficients):
    """Turn ``fn(u, v, w)`` into a bilinear form on a mixed space; ``u``/``v`` are tuples of
    trial/test fields (one per field), ``w.x`` the points and ``w.<name>`` the coefficients.
    ``degree``: the quadrature's exactness degree (default: from the element degrees)."""

    def make(f):
        return MixedForm(f, 2, degree, coefficients)

    return make(fn) if fn is not None else make


def mixed_linear_form(fn: Callable | None = None, *, degree: int | None = None, **coefficients):
    """Turn ``fn(v, w)`` into a linear form on a mixed space (see :func:`mixed_bilinear_form`)."""

    def make(f):
        return MixedForm(f, 1, degree, coefficients)

    return make(fn) if fn is not None else make


class _Geometry:
    """Affine maps of a chunk of cells: |det J| (nc,) and J^{-1} (nc, dim, dim)."""

    def __init__(self, mesh: Mesh, cells: np.ndarray, X: np.ndarray):
        xv = mesh.points[mesh.cells[cells]]  # (nc, nv, dim)
        jac = np.swapaxes(xv[:, 1:] - xv[:, :1], 1, 2)  # J[g, d] = x_{d+1,g} - x_{0,g}
        self.det = np.abs(np.linalg.det(jac))
        self.inv = np.linalg.inv(jac)  # (nc, d, g)
        lam = np.concatenate([1 - X.sum(1, keepdims=True), X], axis=1)  # (nq, nv)
        self.x = np.einsum("qv,cvg->gcq", lam, xv)  # (gdim, nc, nq)


class _Coefficients:
    """``w`` of a mixed form: ``w.x`` and the named coefficients at the quadrature points,
    Functions with their gradients attached (``grad(w.u)``); ``tail`` trailing axes."""

    def __init__(self, W: MixedSpace, cells, X, geo: _Geometry, named: dict, tail: int):
        self._W, self._cells, self._X, self._geo, self._named = W, cells, X, geo, named
        self._idx = (...,) + (None,) * tail

    @property
    def x(self) -> np.ndarray:
        return self._geo.x[self._idx]

    def __getattr__(self, name: str):
        named = self.__dict__["_named"]
        if name not in named:
            raise AttributeError(f"form has no coefficient {name!r}; it has {sorted(named)}")
        c = named[name]
        if isinstance(c, MixedFunction):
            val = tuple(self._field(c[i]) for i in range(len(c.space)))
        elif isinstance(c, Function):
            val = self._field(c)
        elif callable(c):
            val = np.asarray(c(self._geo.x), dtype=float)[self._idx]
        else:
            val = np.asarray(c, dtype=float)
            val = val[(...,) + (None,) * (len(self._idx) - 1 + 2)] if val.ndim else val
        self.__dict__[name] = val
        return val

    def _field(self, u: Function) -> Field:
        V = u.space
        if V.mesh is not self._W.mesh:
            raise FemError(f"coefficient {u!r} lives on another mesh")
        phi, dphi = V.element.tabulate(self._X)
        coef = u.x[V.cell_dofs[self._cells]].reshape(len(self._cells), -1, V.bs)
        val = np.einsum("qn,cnb->bcq", phi, coef)
        g = np.einsum("qnd,cnb,cdg->bgcq", dphi, coef, self._geo.inv, optimize=True)
        if V.bs == 1:
            val, g = val[0], g[0]
        if not (np.isfinite(val).all() and np.isfinite(g).all()):
            raise FemError(f"coefficient {u!r} has NaN or Inf values")
        return Field(val[self._idx], g[self._idx])


def _basis_fields(W: MixedSpace, X: np.ndarray, geo: _Geometry, axis: int, naxes: int):
    """Per field, its basis at the quadrature points as a Field over the mixed local axis.

    Values: (*value_shape, 1, nq, *probe) and gradients (*value_shape, dim, nc, nq, *probe),
    the local-dof axis (length Σ n_f) at probe position ``axis`` of ``naxes``."""
    ntot = W.cell_dofs.shape[1]
    dim = W.mesh.dim
    out = []
    loc = 0
    for V in W.spaces:
        phi, dphi = V.element.tabulate(X)  # (nq, n), (nq, n, d)
        nq, n = phi.shape
        bs = V.bs
        val = np.zeros((bs, 1, nq, ntot))
        gref = np.zeros((bs, nq, ntot, dim))
        for k in range(bs):
            cols = loc + np.arange(n) * bs + k
            val[k, 0, :, cols] = phi.T
            gref[k][:, cols, :] = dphi
        loc += n * bs
        g = np.einsum("bqnd,cdg->bgcqn", gref, geo.inv, optimize=True)
        shape = [1] * naxes
        shape[axis] = ntot
        val = val.reshape(val.shape[:-1] + tuple(shape))
        g = g.reshape(g.shape[:-1] + tuple(shape))
        if bs == 1:
            val, g = val[0], g[0]
        out.append(Field(val, g))
    return tuple(out)


@nb.njit(cache=True)
def _scatter_matrix(dofs, indptr, pos, cells, local, data):
    n = dofs.shape[1]
    for k in range(cells.shape[0]):
        c = cells[k]
        for i in range(n):
            row = indptr[dofs[c, i]]
            for j in range(n):
                data[row + pos[c, i * n + j]] += local[k, i, j]


def _degree(W: MixedSpace, form: MixedForm, quadrature_degree: int | None) -> int:
    if quadrature_degree is not None:
        return int(quadrature_degree)
    if form.degree is not None:
        return int(form.degree)
    p = max(V.degree for V in W.spaces)
    # bilinear: two basis functions plus one coefficient field of the same degree (convection)
    return 3 * p if form.coefficients else 2 * p


def assemble_mixed(
    form: MixedForm,
    W: MixedSpace,
    *,
    quadrature_degree: int | None = None,
    out: sp.csr_matrix | np.ndarray | None = None,
):
    """Assemble a mixed form on ``W``: a CSR matrix on ``W.pattern`` (bilinear) or a vector.

    ``out`` (a previous result on ``W``) is overwritten in place: re-assembly of a Jacobian
    with a new iterate only refills values on the cached pattern.
    """
    if not isinstance(form, MixedForm):
        raise FemError(f"assemble_mixed expects a mixed form, got {type(form).__name__}")
    if not isinstance(W, MixedSpace):
        raise FemError(f"assemble_mixed expects a MixedSpace, got {type(W).__name__}")
    mesh = W.mesh
    X, wq = quadrature(mesh.cell_type, _degree(W, form, quadrature_degree))
    dofs = W.cell_dofs
    ntot = dofs.shape[1]
    if form.arity == 2:
        pat = W.pattern
        if out is not None:
            if not (sp.issparse(out) and out.indptr is pat.indptr):
                raise FemError("out must be a matrix previously assembled on this MixedSpace")
            A = out
            A.data[:] = 0.0
        else:
            A = pat.matrix()
    else:
        b = np.zeros(W.num_dofs) if out is None else out
        if b.shape != (W.num_dofs,) or b.dtype != np.float64:
            raise FemError(f"out must be a float64 vector of {W.num_dofs} entries")
        b[:] = 0.0
    for start in range(0, mesh.num_cells, CHUNK_CELLS):
        cells = np.arange(start, min(start + CHUNK_CELLS, mesh.num_cells))
        geo = _Geometry(mesh, cells, X)
        w = _Coefficients(W, cells, X, geo, form.coefficients, form.arity)
        if form.arity == 2:
            u = _basis_fields(W, X, geo, 1, 2)
            v = _basis_fields(W, X, geo, 0, 2)
            r = np.asarray(form.fn(u, v, w), dtype=float)
            r = np.broadcast_to(r, (len(cells), len(X), ntot, ntot))
            local = np.einsum("cqij,q,c->cij", r, wq, geo.det, optimize=True)
            if not np.isfinite(local).all():
                raise FemError(f"{form!r} produced NaN or Inf values")
            _scatter_matrix(dofs, pat.indptr, pat.pos, cells, np.ascontiguousarray(local), A.data)
        else:
            v = _basis_fields(W, X, geo, 0, 1)
            r = np.asarray(form.fn(v, w), dtype=float)
            r = np.broadcast_to(r, (len(cells), len(X), ntot))
            local = np.einsum("cqi,q,c->ci", r, wq, geo.det, optimize=True)
            if not np.isfinite(local).all():
                raise FemError(f"{form!r} produced NaN or Inf values")
            np.add.at(b, dofs[cells].ravel(), local.ravel())
    return A if form.arity == 2 else b


# --------------------------------------------------------------------------- constraints
def apply_dirichlet_dofs(
    A: sp.csr_matrix | None, b: np.ndarray | None, dofs: np.ndarray, values: Any = 0.0
):
    """Symmetric elimination of ``x[dofs] = values`` (see :func:`~pdesolve.fem.apply_dirichlet`)
    on any system; returns copies ``(A, b)`` (``A=None``: only ``b`` is returned modified)."""
    n = A.shape[0] if A is not None else len(b)
    b = np.zeros(n) if b is None else np.array(b, dtype=np.float64)
    is_bc = np.zeros(n, np.bool_)
    g = np.zeros(n)
    dofs = np.asarray(dofs, dtype=np.int64)
    is_bc[dofs] = True
    g[dofs] = np.broadcast_to(np.asarray(values, dtype=float), dofs.shape)
    if A is None:
        b[dofs] = g[dofs]
        return None, b
    A = A.copy()
    _eliminate(A.indptr, A.indices, A.data, b, is_bc, g)
    return A, b


def pressure_mean_constraint(W: MixedSpace, field: int | str = "p") -> np.ndarray:
    """The vector ``c`` with ``c·x = ∫ p dx`` (zero outside the pressure field)."""
    i = W.field(field)
    from .assembly import assemble
    from .forms import source

    c = np.zeros(W.num_dofs)
    c[W.dofs(i)] = assemble(source(1.0), W.spaces[i])
    return c


__all__ = [
    "InfSupError",
    "MixedFunction",
    "MixedSpace",
    "NullSpaceError",
    "apply_dirichlet_dofs",
    "assemble_mixed",
    "mixed_bilinear_form",
    "mixed_linear_form",
    "pressure_mean_constraint",
    "stokes_space",
    "taylor_hood",
]
