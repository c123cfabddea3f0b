"""Assembly drivers: forms on a space to scipy CSR matrices and numpy vectors.

Cell integrals run through the numba kernels of :mod:`pdesolve.fem.kernels` chunk by chunk: a
chunk's coefficient tensor is evaluated in numpy (vectorised over its cells and quadrature
points), then the kernel computes each local matrix and scatters it straight into the CSR data
of the space's cached pattern. A form whose tensor is constant (constant coefficients) is
evaluated once and the whole mesh is done in one kernel call. Boundary integrals (Neumann,
Robin) only touch the boundary facets and are vectorised in numpy.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import scipy.sparse as sp

from ..errors import FemError
from ..mesh.cells import reference_cell
from ..mesh.mesh import Where
from .coefficients import QuadratureContext
from .elements import element
from .forms import BilinearForm, Form, LinearForm, fit_tensor
from .kernels import (
    assemble_matrix,
    assemble_matrix_affine,
    assemble_vector,
    classify_tensor,
    p1_isotropic_2d,
    p1_isotropic_3d,
    scalar_affine_kernel,
)
from .quadrature import quadrature
from .space import FunctionSpace

#: quadrature points per chunk when a coefficient varies in space (bounds temporary memory)
CHUNK = 1 << 19


def assemble(
    form: Form,
    V: FunctionSpace,
    *,
    where: Where = None,
    quadrature_degree: int | None = None,
    out: sp.csr_matrix | np.ndarray | None = None,
):
    """Assemble a form on a space.

    Parameters
    ----------
    form : BilinearForm or LinearForm
        From :mod:`pdesolve.fem.forms` (catalogue, sums, or user forms).
    V : FunctionSpace
        Trial and test space.
    where : tag, predicate or indices, optional
        For boundary forms (``ds``): the facets to integrate over (default: whole boundary), see
        :meth:`~pdesolve.mesh.Mesh.facet_indices`. For cell forms (``dx``): the cells to
        integrate over (default: all), a cell tag, a predicate on cell centroids or cell
        indices, see :meth:`~pdesolve.mesh.Mesh.cell_indices`.
    quadrature_degree : int, optional
        Exactness degree of the quadrature rule (default: the form's polynomial degree).
    out : csr_matrix or ndarray, optional
        Previous result on the same space to overwrite in place (no allocation at all): a
        float64 CSR matrix with the space's pattern, or a float64 vector of ``V.num_dofs``.

    Returns
    -------
    scipy.sparse.csr_matrix (bilinear forms) or ndarray (linear forms).

    Raises
    ------
    FemError
        On coefficients of the wrong shape, kind or mesh, NaN or Inf coefficients, an ``out``
        of the wrong type, shape or dtype, or a result with NaN or Inf entries (degenerate
        cells).
    """
    if not isinstance(form, Form):
        raise FemError(
            f"assemble expects a form from pdesolve.fem.forms, got {type(form).__name__}"
        )
    affine = V.mesh.reference.simplex
    qdeg = form.degree(V.degree, affine) if quadrature_degree is None else quadrature_degree
    if form.arity == 2:
        A = _matrix_out(V, out)
        (_cell_matrix if form.measure == "dx" else _facet_matrix)(
            form, V, max(qdeg, 0), A.data, where
        )
        return A
    b = _vector_out(V, out)
    (_cell_vector if form.measure == "dx" else _facet_vector)(form, V, max(qdeg, 0), b, where)
    _check_result(b, form)
    return b


def _check_result(data: np.ndarray, form: Form) -> None:
    """Refuse a result with NaN or Inf entries (checked coefficients are finite, so the cause
    is the geometry or an overflow).

    Applied to every vector and to matrices from the generic kernel. A pass over the matrix
    data costs 3-15% of the cellwise-constant simplex paths (closed-form P1, tensor
    representation) on a 1M-cell mesh, so those rely on the geometry check of the space."""
    if not np.isfinite(data).all():
        raise FemError(
            f"assembling {form!r} gave NaN or Inf entries: the mesh likely has degenerate "
            "(zero-size) cells, see Mesh.check_geometry(), or the coefficients overflow"
        )


def _matrix_out(V: FunctionSpace, out) -> sp.csr_matrix:
    if out is None:
        return V.pattern.matrix()
    pat = V.pattern
    if getattr(out, "dtype", None) != np.float64:
        raise FemError(f"out must be a float64 matrix, got dtype {getattr(out, 'dtype', None)}")
    same = getattr(out, "indices", None) is pat.indices or (
        sp.issparse(out)
        and out.format == "csr"
        and out.shape == pat.shape
        and out.nnz == pat.nnz
        and np.array_equal(out.indptr, pat.indptr)
        and np.array_equal(out.indices, pat.indices)
    )
    if not same:
        raise FemError("out must be a CSR matrix with this space's pattern (from assemble)")
    out.data[:] = 0.0
    return out


def _vector_out(V: FunctionSpace, out) -> np.ndarray:
    if out is None:
        return np.zeros(V.num_dofs)
    if not isinstance(out, np.ndarray) or out.dtype != np.float64 or not out.flags.writeable:
        raise FemError(
            f"out must be a writeable float64 numpy array, got {type(out).__name__} of dtype "
            f"{getattr(out, 'dtype', None)}"
        )
    if out.shape != (V.num_dofs,):
        raise FemError(f"out has shape {out.shape}, expected ({V.num_dofs},)")
    out[:] = 0.0
    return out


@cache
def _reference_tables(cell_type: str, family: str, degree: int, qdeg: int):
    """Quadrature, reference basis values+gradients (nq, nn, 1+dim) and geometry gradients."""
    X, w = quadrature(cell_type, qdeg)
    phi, dphi = element(family, cell_type, degree).tabulate(X)
    ref = np.ascontiguousarray(np.concatenate([phi[..., None], dphi], axis=-1))
    _, gn = element("P", cell_type, 1).tabulate(X)
    return X, np.ascontiguousarray(w), ref, np.ascontiguousarray(gn)


@cache
def _reference_tensor(cell_type: str, family: str, degree: int, qdeg: int) -> np.ndarray:
    """K_ab[i, j] = Σ_q w_q R_q[i, a] R_q[j, b] over reference channels (1+dim, 1+dim, nn, nn)."""
    _, w, ref, _ = _reference_tables(cell_type, family, degree, qdeg)
    k = np.einsum("q,qia,qjb->abij", w, ref, ref)
    return np.ascontiguousarray(k.reshape(k.shape[0] * k.shape[1], -1))


def _affine_terms(D: np.ndarray, dim: int, bs: int) -> tuple[np.ndarray, np.ndarray]:
    """Component blocks with non-zero D, and the reference channel pairs (a, b) that MᵀDM can
    fill: a value row/column maps to a value, a gradient one to all gradients."""
    m1 = dim + 1
    nz = np.any(D != 0, axis=(0, 1)).reshape(bs, m1, bs, m1)
    blocks = np.argwhere(nz.any(axis=(1, 3)))
    kinds = nz.any(axis=(0, 2))  # (m1, m1): which test/trial channels are used at all
    rows = ([0] if kinds[0].any() else []) + (list(range(1, m1)) if kinds[1:].any() else [])
    cols = ([0] if kinds[:, 0].any() else []) + (list(range(1, m1)) if kinds[:, 1:].any() else [])
    pairs = np.array([(a, b) for a in rows for b in cols], dtype=np.int64).reshape(-1, 2)
    return blocks.astype(np.int64), pairs


class _CellSet:
    """The cells a cell integral runs over: all of them, or those ``where`` selects.

    The kernels address cell ``c`` of ``cells``, ``dofs`` and ``pos`` for ``c`` in a range, so a
    subset is given to them as these arrays' rows gathered in ``ids`` (sorted, unique).
    """

    def __init__(self, V: FunctionSpace, where: Where):
        mesh = V.mesh
        self.ids: np.ndarray | None = None
        if where is not None:  # cell_indices checks tags, masks and index ranges
            self.ids = np.unique(mesh.cell_indices(where))
        self.count = mesh.num_cells if self.ids is None else len(self.ids)
        self.cells = self.rows(mesh.cells)
        self.dofs = self.rows(V.cell_dofs)

    def rows(self, a: np.ndarray) -> np.ndarray:
        """``a`` (one row per mesh cell) restricted to the selected cells."""
        return a if self.ids is None else a[self.ids]

    def indices(self, start: int, stop: int) -> np.ndarray:
        """Mesh cell indices of selected cells ``start:stop``."""
        return np.arange(start, stop) if self.ids is None else self.ids[start:stop]


def _chunks(V: FunctionSpace, form: Form, X: np.ndarray, cs: _CellSet | None = None):
    """Yield (start, stop, tensor) over the selected cells (all by default), the tensor of the
    exact shape the kernels index; a constant tensor covers all cells at once."""
    cs = _CellSet(V, None) if cs is None else cs
    m = cs.count
    if m == 0:
        return
    size = max(1, CHUNK // len(X))
    tail = (V.bs * (V.mesh.dim + 1),) * form.arity

    def tensor(start, stop):
        ctx = QuadratureContext(V, cs.indices(start, stop), X)
        return fit_tensor(form.tensor(ctx), ctx.batch_shape, tail, repr(form))

    first = tensor(0, min(size, m))
    if first.shape[0] == 1 and first.shape[1] == 1:
        yield 0, m, first
        return
    yield 0, min(size, m), first
    for start in range(size, m, size):
        stop = min(start + size, m)
        yield start, stop, tensor(start, stop)


def _active(t: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    return np.flatnonzero(np.any(t != 0, axis=axes)).astype(np.int64)


def _cell_matrix(form: BilinearForm, V: FunctionSpace, qdeg: int, data: np.ndarray, where) -> None:
    mesh, pat = V.mesh, V.pattern
    cs = _CellSet(V, where)
    if cs.count == 0:
        return
    pos = cs.rows(pat.pos)
    affine_scalar = mesh.reference.simplex and V.bs == 1
    if affine_scalar:
        parts = form.isotropic_cellwise(mesh.num_cells)
        if parts is not None:  # c u v + κ ∇u·∇v, cellwise constant: no coefficient tensor
            cm, kap = (
                np.ascontiguousarray(p if len(p) == 1 else cs.rows(p), dtype=np.float64)
                for p in parts
            )
            if not (np.isfinite(cm).all() and np.isfinite(kap).all()):
                raise FemError(f"{form!r} has NaN or Inf coefficients")
            if V.degree == 1 and mesh.dim in _P1_CLOSED_FORM:
                _P1_CLOSED_FORM[mesh.dim](
                    mesh.points, cs.cells, cm, kap, cs.dofs, pat.indptr, pos, data
                )
            else:
                _scalar_affine(V, qdeg, cs, pos, 0, cs.count, _NO_TENSOR, cm, kap, True, data)
            return
    X, w, ref, gn = _reference_tables(mesh.cell_type, V.element.family, V.degree, qdeg)
    generic = False  # whether the generic kernel ran (its result is checked, see _check_result)
    for start, stop, D in _chunks(V, form, X, cs):
        finite, iso = classify_tensor(D) if V.bs == 1 else (bool(np.isfinite(D).all()), False)
        if not finite:
            raise FemError(f"{form!r} produced NaN or Inf values at quadrature points")
        if affine_scalar and D.shape[1] == 1:  # D constant on each cell
            _scalar_affine(
                V, qdeg, cs, pos, start, stop, D, D[:, 0, 0, 0], D[:, 0, 1, 1], iso, data
            )
        elif mesh.reference.simplex and D.shape[1] == 1:
            kref = _reference_tensor(mesh.cell_type, V.element.family, V.degree, qdeg)
            blocks, pairs = _affine_terms(D, mesh.dim, V.bs)
            assemble_matrix_affine(
                mesh.points,
                cs.cells,
                start,
                stop,
                gn[0],
                kref,
                D,
                blocks,
                pairs,
                V.bs,
                cs.dofs,
                pat.indptr,
                pos,
                data,
            )
        else:
            generic = True
            assemble_matrix(
                mesh.points,
                cs.cells,
                start,
                stop,
                gn,
                mesh.reference.simplex,
                ref,
                w,
                D,
                _active(D, (0, 1, 3)),
                _active(D, (0, 1, 2)),
                V.bs,
                cs.dofs,
                pat.indptr,
                pos,
                data,
            )
    if generic:
        _check_result(data, form)


_NO_TENSOR = np.zeros((1, 1, 1, 1))
#: closed-form P1 kernels for c u v + κ ∇u·∇v (the most common forms, exact, register-resident)
_P1_CLOSED_FORM = {2: p1_isotropic_2d, 3: p1_isotropic_3d}


def _scalar_affine(V, qdeg, cs, pos, start, stop, D, cm, kap, isotropic, data) -> None:
    mesh = V.mesh
    kref = _reference_tensor(mesh.cell_type, V.element.family, V.degree, qdeg)
    kernel = scalar_affine_kernel(mesh.dim, kref.shape[1])
    kernel(
        mesh.points,
        cs.cells,
        start,
        stop,
        kref,
        D,
        cm,
        kap,
        isotropic,
        cs.dofs,
        V.pattern.indptr,
        pos,
        data,
    )


def _cell_vector(form: LinearForm, V: FunctionSpace, qdeg: int, b: np.ndarray, where) -> None:
    X, w, ref, gn = _reference_tables(V.mesh.cell_type, V.element.family, V.degree, qdeg)
    mesh = V.mesh
    cs = _CellSet(V, where)
    for start, stop, E in _chunks(V, form, X, cs):
        _check_finite(E, form)
        assemble_vector(
            mesh.points,
            cs.cells,
            cs.dofs,
            start,
            stop,
            gn,
            mesh.reference.simplex,
            ref,
            w,
            E,
            _active(E, (0, 1)),
            V.bs,
            b,
        )


def _check_finite(t: np.ndarray, form: Form) -> None:
    if not np.isfinite(t).all():
        raise FemError(f"{form!r} produced NaN or Inf values at quadrature points")


# --------------------------------------------------------------------------- boundary terms
class _FacetContext(QuadratureContext):
    """Quadrature context on boundary facets: points are given, not mapped from cells (so
    there are no cells: Functions and per-cell coefficients are refused on evaluation)."""

    def __init__(self, V, x):
        self.space = V
        self.x = x
        self.cells = None
        self.X = None
        self.batch_shape = x.shape[1:]


def _facet_setup(V: FunctionSpace, qdeg: int, where):
    """Per selected boundary facet: cell, physical points, weights·ds and basis values."""
    mesh = V.mesh
    facets = mesh.facet_indices(where)
    if facets.size == 0:
        raise FemError(
            f"the boundary form's where={where!r} selects no facets (an empty tag, or a "
            "predicate that matches nothing?): the term would silently be zero"
        )
    if np.any(mesh.facet_cells[facets, 1] >= 0):
        raise FemError("boundary forms integrate over boundary facets only")
    cells, local = mesh.facet_cells[facets, 0], mesh.facet_local[facets, 0]
    ref = mesh.reference
    ftype = reference_cell(ref.facet_type).name if ref.dim > 1 else "vertex"
    s, ws = quadrature(ftype, qdeg)
    nq = len(ws)
    if ref.dim > 1:
        lam, dlam = element("P", ftype, 1).tabulate(s)  # facet vertex shape functions
    else:
        lam, dlam = np.ones((1, 1)), np.zeros((1, 1, 0))
    fverts = np.asarray(ref.facets)  # (nf, nvf) local vertices of each local facet
    Xcell = np.einsum("qk,fkd->fqd", lam, ref.vertices[fverts])  # (nf, nq, dim)
    phi_f = np.stack([V.element.tabulate(Xcell[f])[0] for f in range(len(fverts))])  # (nf, nq, nn)
    xv = mesh.points[mesh.cells[cells[:, None], fverts[local]]]  # (nF, nvf, gdim)
    x = np.einsum("qk,fkg->fqg", lam, xv)
    if ref.dim > 1:
        jf = np.einsum("qkd,fkg->fqgd", dlam, xv)
        ds = np.sqrt(np.linalg.det(np.swapaxes(jf, -1, -2) @ jf))
    else:
        ds = np.ones((len(facets), nq))
    return cells, local, np.moveaxis(x, -1, 0), ws[None, :] * ds, phi_f


def _facet_tensor(form: Form, V: FunctionSpace, x: np.ndarray, batch) -> np.ndarray:
    """D or E on the selected facets, broadcast to (nF, nq, *channels)."""
    tail = (V.bs * (V.mesh.dim + 1),) * form.arity
    t = fit_tensor(form.tensor(_FacetContext(V, x)), batch, tail, repr(form))
    return np.broadcast_to(t, tuple(batch) + tail)


def _facet_matrix(form, V: FunctionSpace, qdeg: int, data: np.ndarray, where) -> None:
    cells, local, x, wds, phi_f = _facet_setup(V, qdeg, where)
    if len(cells) == 0:
        return
    D = _facet_tensor(form, V, x, wds.shape)
    dim, bs = V.mesh.dim, V.bs
    phi = phi_f[local]  # (nF, nq, nn)
    nn = phi.shape[-1]
    loc = np.zeros((len(cells), nn * bs, nn * bs))
    for k in range(bs):
        for l in range(bs):
            c = D[..., k * (dim + 1), l * (dim + 1)] * wds
            if np.any(c):
                loc[:, k::bs, l::bs] += np.einsum("fq,fqi,fqj->fij", c, phi, phi)
    np.add.at(data, V.pattern.slots(V.cell_dofs, cells), loc.reshape(len(cells), -1))


def _facet_vector(form, V: FunctionSpace, qdeg: int, b: np.ndarray, where) -> None:
    cells, local, x, wds, phi_f = _facet_setup(V, qdeg, where)
    if len(cells) == 0:
        return
    E = _facet_tensor(form, V, x, wds.shape)
    dim, bs = V.mesh.dim, V.bs
    phi = phi_f[local]
    nn = phi.shape[-1]
    loc = np.zeros((len(cells), nn * bs))
    for k in range(bs):
        loc[:, k::bs] = np.einsum("fq,fqi->fi", E[..., k * (dim + 1)] * wds, phi)
    np.add.at(b, V.cell_dofs[cells], loc)
