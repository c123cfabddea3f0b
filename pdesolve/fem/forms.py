r"""Variational forms: a catalogue of common operators and user forms as plain functions.

A bilinear form on a space with ``bs`` components over ``dim``-dimensional cells is stored as a
coefficient tensor over *channels* (value and first derivatives of each component, see
:mod:`pdesolve.fem.kernels`):

.. math:: a(u, v) = \int_\Omega \sum_{s,t} D_{st}(x)\, v_s\, u_t \,dx,
          \qquad \ell(v) = \int_\Omega \sum_s E_s(x)\, v_s \,dx .

Catalogue forms build ``D``/``E`` directly. A user form is a plain Python function of the trial
and test fields and a context ``w`` (points ``w.x`` and named coefficients):

>>> import pdesolve as ps
>>> from pdesolve.fem.forms import bilinear_form, grad, dot
>>> @bilinear_form(kappa=lambda x: 1 + x[0])
... def diffusion(u, v, w):
...     return w.kappa * dot(grad(u), grad(v)) + u * v

Because the form is bilinear, ``D`` is recovered exactly by evaluating the function once on
*probe* fields (unit values/gradients along extra axes), vectorised over a chunk of cells.
``u`` and ``v`` are arrays of values with a ``.grad`` attribute; value/component axes come
first, so the helpers :func:`dot`, :func:`ddot`, :func:`div` contract the leading axes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import FemError
from .coefficients import QuadratureContext, ValueShapes, array_kind, as_float_array


# --------------------------------------------------------------------------- field helpers
class Field(np.ndarray):
    """Values at quadrature points with the gradient attached as ``.grad``."""

    grad: np.ndarray | None

    def __new__(cls, value: np.ndarray, grad: np.ndarray | None = None):
        obj = np.asarray(value).view(cls)
        obj.grad = grad
        return obj

    def __array_finalize__(self, obj):
        self.grad = getattr(obj, "grad", None)

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        return np.asarray(arr)


def grad(u: Field) -> np.ndarray:
    """Gradient: shape (dim, ...) for scalar fields, (bs, dim, ...) for vector fields."""
    return u.grad


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Contraction over the first axis: ``a · b``."""
    return np.sum(np.asarray(a) * np.asarray(b), axis=0)


def ddot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Double contraction over the first two axes: ``A : B``."""
    return np.sum(np.asarray(a) * np.asarray(b), axis=(0, 1))


def div(u: Field) -> np.ndarray:
    """Divergence of a vector field: the trace of its gradient."""
    g = u.grad
    return sum(g[i, i] for i in range(g.shape[0]))


def sym_grad(u: Field) -> np.ndarray:
    """Symmetric gradient ``ε(u) = (∇u + ∇uᵀ) / 2``."""
    g = u.grad
    return 0.5 * (g + np.swapaxes(g, 0, 1))


def transpose(a: np.ndarray) -> np.ndarray:
    """Swap the first two (tensor) axes."""
    return np.swapaxes(a, 0, 1)


def eye(dim: int) -> np.ndarray:
    """Identity tensor (dim, dim, 1, 1), broadcastable against field values."""
    return np.eye(dim)[..., None, None]


# --------------------------------------------------------------------------- form classes
class Form:
    """A form: its coefficient tensor on a chunk of cells and its polynomial degree."""

    arity: int  # 1 linear, 2 bilinear
    measure: str = "dx"  # "dx" cells, "ds" boundary facets
    probe_axes: int = 0  # user forms see coefficients with this many trailing probe axes

    def __init__(
        self,
        tensor: Callable[[QuadratureContext], np.ndarray],
        degree: Callable[[int, bool], int],
        name: str = "form",
        coefficients: dict[str, Any] | None = None,
        shapes: dict[str, ValueShapes] | None = None,
    ):
        self._tensor = tensor
        self._degree = degree
        self.name = name
        self.coefficients = coefficients or {}
        #: allowed value shapes of the named coefficients, from (dim, bs); unchecked if absent
        self.shapes = shapes or {}
        #: for scalar forms c·u·v + κ ∇u·∇v with cellwise-constant c and κ: a function of the
        #: number of cells returning (c, κ) as arrays of shape (num_cells,) or (1,), or None
        self.cellwise: Callable[[int], tuple[np.ndarray, np.ndarray] | None] | None = None

    def isotropic_cellwise(self, num_cells: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(c, κ) if this form is c u v + κ ∇u·∇v with constant or per-cell c, κ; else None.

        Assembly then skips the coefficient tensor entirely (re-assembly with a new per-cell
        coefficient reads the caller's array in place)."""
        return self.cellwise(num_cells) if self.cellwise is not None else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"

    def tensor(self, ctx: QuadratureContext) -> np.ndarray:
        """D (nc|1, nq|1, nch, nch) or E (nc|1, nq|1, nch) on the context's chunk."""
        return self._tensor(ctx, ctx.bind(self.coefficients, self.probe_axes, self.shapes))

    def degree(self, p: int, affine: bool) -> int:
        """Polynomial degree of the integrand for elements of degree ``p``."""
        return self._degree(p, affine)

    def _combine(self, other: Form, sign: float) -> Form:
        if not isinstance(other, Form) or (other.arity, other.measure) != (
            self.arity,
            self.measure,
        ):
            raise FemError(f"cannot add {other!r} to {self!r}: different arity or measure")
        a, b = self, other

        def tensor(ctx, w):
            return a.tensor(ctx) + sign * b.tensor(ctx)

        form = type(self)(
            tensor,
            lambda p, aff: max(a.degree(p, aff), b.degree(p, aff)),
            f"{a.name} {'+' if sign > 0 else '-'} {b.name}",
        )
        if a.cellwise is not None and b.cellwise is not None:

            def cellwise(m):
                pa, pb = a.isotropic_cellwise(m), b.isotropic_cellwise(m)
                if pa is None or pb is None:
                    return None
                return pa[0] + sign * pb[0], pa[1] + sign * pb[1]

            form.cellwise = cellwise
        return form

    def __add__(self, other: Form) -> Form:
        return self._combine(other, 1.0)

    def __sub__(self, other: Form) -> Form:
        return self._combine(other, -1.0)

    def __rmul__(self, scale: float) -> Form:
        if not np.isscalar(scale):
            raise FemError("forms can be scaled by numbers only; put fields in coefficients")
        base = self
        form = type(self)(
            lambda ctx, w: scale * base.tensor(ctx), base.degree, f"{scale}*{base.name}"
        )
        if base.cellwise is not None:

            def cellwise(m):
                parts = base.isotropic_cellwise(m)
                return None if parts is None else (scale * parts[0], scale * parts[1])

            form.cellwise = cellwise
        return form

    __mul__ = __rmul__


class BilinearForm(Form):
    arity = 2


class LinearForm(Form):
    arity = 1


class FacetBilinearForm(BilinearForm):
    """``∫_Γ c u v ds`` type forms (values only) on boundary facets."""

    measure = "ds"


class FacetLinearForm(LinearForm):
    """``∫_Γ g v ds`` type forms (values only) on boundary facets."""

    measure = "ds"


# --------------------------------------------------------------------------- channel tools
def _layout(ctx: QuadratureContext) -> tuple[int, int, int]:
    V = ctx.space
    dim = V.mesh.dim
    return dim, V.bs, V.bs * (dim + 1)


def _batch(*vals: np.ndarray) -> tuple[int, int]:
    """Broadcast batch shape (nc|1, nq|1): the last two axes of evaluated coefficients."""
    return tuple(np.broadcast_shapes((1, 1), *[np.shape(v)[-2:] for v in vals]))


def _cellwise_scalar(coef: Any, num_cells: int) -> np.ndarray | None:
    """A constant (1,) or per-cell (num_cells,) float array, or None for anything else (left
    to the coefficient tensor path, which checks its shape)."""
    if callable(coef) or hasattr(coef, "space"):
        return None
    arr = as_float_array(coef)
    if arr.ndim == 0:
        return arr.reshape(1)
    return arr if array_kind(arr.shape, num_cells, 0, ((),)) == "cell" else None


def _scalar(dim: int, bs: int) -> tuple[tuple[int, ...], ...]:
    return ((),)


def _scalar_or_tensor(dim: int, bs: int) -> tuple[tuple[int, ...], ...]:
    return ((), (dim, dim))


def _vector(dim: int, bs: int) -> tuple[tuple[int, ...], ...]:
    return ((dim,),)


def _scalar_or_components(dim: int, bs: int) -> tuple[tuple[int, ...], ...]:
    return ((), (bs,))


def _coef_degree(*coefs: Any) -> Callable[[int], int]:
    """Extra quadrature degree for coefficients: 0 if all are constant, else the element's."""

    def extra(p: int) -> int:
        return max([0] + [p for c in coefs if callable(c) or hasattr(c, "space")])

    return extra


# --------------------------------------------------------------------------- catalogue
def mass(c: Any = 1.0) -> BilinearForm:
    r"""Mass / reaction form :math:`\int_\Omega c\, u \cdot v\, dx` (all components)."""

    def tensor(ctx, w):
        dim, bs, nch = _layout(ctx)
        cv = w.c
        D = np.zeros(_batch(cv) + (nch, nch))
        for k in range(bs):
            D[..., k * (dim + 1), k * (dim + 1)] = cv
        return D

    extra = _coef_degree(c)
    form = BilinearForm(tensor, lambda p, aff: 2 * p + extra(p), "mass", {"c": c}, {"c": _scalar})

    def cellwise(m):
        cv = _cellwise_scalar(c, m)
        return None if cv is None else (cv, np.zeros(1))

    form.cellwise = cellwise
    return form


reaction = mass


def stiffness(kappa: Any = 1.0) -> BilinearForm:
    r"""Diffusion form :math:`\int_\Omega (K \nabla u) : \nabla v\, dx`.

    ``kappa`` is a scalar coefficient or a tensor of shape (dim, dim) (constant, callable
    returning (dim, dim, nc, nq), or per-cell (num_cells, dim, dim)).
    """

    def tensor(ctx, w):
        dim, bs, nch = _layout(ctx)
        K = w.kappa
        tensorial = K.ndim == 4  # (dim, dim, nc|1, nq|1); a scalar has only the batch axes
        D = np.zeros(_batch(K) + (nch, nch))
        for k in range(bs):
            o = k * (dim + 1) + 1
            for i in range(dim):
                if tensorial:
                    for j in range(dim):
                        D[..., o + i, o + j] = K[i, j]
                else:
                    D[..., o + i, o + i] = K
        return D

    extra = _coef_degree(kappa)
    form = BilinearForm(
        tensor,
        lambda p, aff: (2 * p - 2 if aff else 2 * p) + extra(p),
        "stiffness",
        {"kappa": kappa},
        {"kappa": _scalar_or_tensor},
    )

    def cellwise(m):
        kv = _cellwise_scalar(kappa, m)
        return None if kv is None else (np.zeros(1), kv)

    form.cellwise = cellwise
    return form


def advection(b: Any) -> BilinearForm:
    r"""Advection form :math:`\int_\Omega (b \cdot \nabla u)\, v\, dx`, velocity ``b`` (dim,)."""

    def tensor(ctx, w):
        dim, bs, nch = _layout(ctx)
        bv = w.b
        D = np.zeros(_batch(bv) + (nch, nch))
        for k in range(bs):
            o = k * (dim + 1)
            for j in range(dim):
                D[..., o, o + 1 + j] = bv[j]
        return D

    extra = _coef_degree(b)
    return BilinearForm(
        tensor, lambda p, aff: 2 * p - 1 + extra(p), "advection", {"b": b}, {"b": _vector}
    )


def elasticity(lam: Any = 1.0, mu: Any = 1.0) -> BilinearForm:
    r"""Linear elasticity :math:`\int_\Omega \sigma(u) : \varepsilon(v)\, dx`,
    :math:`\sigma = 2\mu\varepsilon + \lambda\, \mathrm{tr}(\varepsilon) I`, on a vector space
    with ``dim`` components.

    In channels: ``D[(i, k), (j, l)] = λ δ_ik δ_jl + μ (δ_ij δ_kl + δ_il δ_jk)`` for test
    component i differentiated along k and trial component j along l.
    """

    def tensor(ctx, w):
        dim, bs, nch = _layout(ctx)
        if bs != dim:
            raise FemError(f"elasticity needs a vector space with {dim} components, got {bs}")
        lv, mv = w.lam, w.mu
        D = np.zeros(_batch(lv, mv) + (nch, nch))
        for i in range(dim):
            for k in range(dim):
                for j in range(dim):
                    for l in range(dim):
                        val = lv * (i == k) * (j == l) + mv * (
                            (i == j) * (k == l) + (i == l) * (j == k)
                        )
                        D[..., i * (dim + 1) + 1 + k, j * (dim + 1) + 1 + l] = val
        return D

    extra = _coef_degree(lam, mu)
    return BilinearForm(
        tensor,
        lambda p, aff: (2 * p - 2 if aff else 2 * p) + extra(p),
        "elasticity",
        {"lam": lam, "mu": mu},
        {"lam": _scalar, "mu": _scalar},
    )


def source(f: Any = 1.0) -> LinearForm:
    r"""Load :math:`\int_\Omega f \cdot v\, dx` (``f`` scalar, or (bs,) for vector spaces)."""

    def tensor(ctx, w):
        dim, bs, nch = _layout(ctx)
        fv = w.f  # () or (bs,) value shape, checked on evaluation
        vector = fv.ndim == 3
        E = np.zeros(_batch(fv) + (nch,))
        for k in range(bs):
            E[..., k * (dim + 1)] = fv[k] if vector else fv
        return E

    extra = _coef_degree(f)
    return LinearForm(
        tensor, lambda p, aff: p + extra(p), "source", {"f": f}, {"f": _scalar_or_components}
    )


def neumann(g: Any) -> FacetLinearForm:
    r"""Boundary load :math:`\int_{\Gamma} g \cdot v\, ds` (flux or traction data)."""
    form = source(g)
    return FacetLinearForm(form._tensor, form._degree, "neumann", {"f": g}, form.shapes)


def robin(alpha: Any) -> FacetBilinearForm:
    r"""Robin term :math:`\int_{\Gamma} \alpha\, u v\, ds`; with :func:`neumann` of
    ``alpha * g`` it imposes :math:`-\kappa \partial_n u = \alpha (u - g)` weakly."""
    form = mass(alpha)
    return FacetBilinearForm(form._tensor, form._degree, "robin", {"c": alpha}, form.shapes)


# --------------------------------------------------------------------------- user forms
def _probes(ctx: QuadratureContext, axis: int, naxes: int) -> Field:
    """Unit fields, one per channel, laid along trailing axis ``axis`` of ``naxes`` probe axes.

    Shapes: value (*value_shape, 1, 1, ...probe axes), gradient (*value_shape, dim, 1, 1, ...),
    so that they broadcast with coefficients of shape (*value_shape, nc, nq, 1, ..., 1).
    """
    dim, bs, nch = _layout(ctx)
    shape = [1] * naxes
    shape[axis] = nch
    tail = (1, 1, *shape)
    value = np.zeros((bs,) + tail)
    gradient = np.zeros((bs, dim) + tail)
    for k in range(bs):
        for d in range(dim + 1):
            idx = [0] * naxes
            idx[axis] = k * (dim + 1) + d
            if d == 0:
                value[(k, 0, 0, *idx)] = 1.0
            else:
                gradient[(k, d - 1, 0, 0, *idx)] = 1.0
    if bs == 1:
        return Field(value[0], gradient[0])
    return Field(value, gradient)


def bilinear_form(fn: Callable | None = None, *, degree: int | None = None, **coefficients):
    """Turn ``fn(u, v, w)`` into a :class:`BilinearForm` (usable as a decorator).

    Parameters
    ----------
    fn : callable
        Integrand, bilinear in ``u`` (trial) and ``v`` (test); ``w.x`` are the quadrature
        points and ``w.<name>`` the evaluated ``coefficients``.
    degree : int, optional
        Extra polynomial degree of the coefficients for the quadrature rule (default: 0 for
        constant coefficients, the element degree otherwise).
    """

    def make(f):
        def tensor(ctx, w):
            u, v = _probes(ctx, 1, 2), _probes(ctx, 0, 2)
            return _as_tensor(f(u, v, w), ctx, 2, f)  # (nc|1, nq|1, S, T)

        extra = _coef_degree(*coefficients.values()) if degree is None else (lambda p: degree)
        form = BilinearForm(
            tensor, lambda p, aff: 2 * p + extra(p), getattr(f, "__name__", "form"), coefficients
        )
        form.probe_axes = 2
        return form

    return make(fn) if fn is not None else make


def linear_form(fn: Callable | None = None, *, degree: int | None = None, **coefficients):
    """Turn ``fn(v, w)`` into a :class:`LinearForm` (see :func:`bilinear_form`)."""

    def make(f):
        def tensor(ctx, w):
            return _as_tensor(f(_probes(ctx, 0, 1), w), ctx, 1, f)  # (nc|1, nq|1, S)

        extra = _coef_degree(*coefficients.values()) if degree is None else (lambda p: degree)
        form = LinearForm(
            tensor, lambda p, aff: p + extra(p), getattr(f, "__name__", "form"), coefficients
        )
        form.probe_axes = 1
        return form

    return make(fn) if fn is not None else make


def _as_tensor(r: Any, ctx: QuadratureContext, naxes: int, f: Callable) -> np.ndarray:
    """Check a user form's result: it must broadcast to (nc|1, nq|1, *probe axes)."""
    name = f"form {getattr(f, '__name__', f)!r}"
    r = as_float_array(r, f"the result of {name}")
    if r.ndim > 2 + naxes:
        raise FemError(
            f"{name} returned shape {r.shape}: contract every value "
            "axis (use dot/ddot/div helpers, which sum leading axes)"
        )
    r = r.reshape((1,) * (2 + naxes - r.ndim) + r.shape)
    return fit_tensor(r, ctx.batch_shape, (_layout(ctx)[2],) * naxes, name)


def fit_tensor(
    t: np.ndarray, batch: tuple[int, int], tail: tuple[int, ...], name: str = "form"
) -> np.ndarray:
    """A form's tensor as a contiguous float64 array of shape (nc|1, nq|1, *tail).

    These are exactly the shapes the assembly kernels index (without bounds checks): the batch
    axes are kept (1 or full), the channel axes ``tail`` broadcast explicitly.

    Parameters
    ----------
    t : array_like
        D (bilinear forms) or E (linear forms) on a chunk.
    batch : (int, int)
        (nc, nq) of the chunk.
    tail : tuple of int
        The channel axes: (nch, nch) or (nch,).
    name : str
        The form, for the error message.

    Raises
    ------
    FemError
        If ``t`` does not broadcast to (nc, nq, *tail) with ``(nc, nq) = batch``.
    """
    t = as_float_array(t, f"the tensor of {name}")
    full = tuple(t.shape[:2]) + tuple(tail)
    if t.ndim != 2 + len(tail) or not all(
        s in (1, n) for s, n in zip(t.shape, tuple(batch) + tuple(tail), strict=True)
    ):
        raise FemError(
            f"{name} produced an array of shape {t.shape}; expected one that broadcasts to "
            f"(cells, points, *channels) = {tuple(batch) + tuple(tail)}"
        )
    return np.ascontiguousarray(t if t.shape == full else np.broadcast_to(t, full))
