r"""Operator splitting: compositions of sub-flows, and the sub-flows they compose.

For ``du/dt = (A + B) u`` (``A``, ``B`` linear or not) with flows ``phi_A(h, .)`` and
``phi_B(h, .)`` of the parts, a splitting scheme with coefficients
``(a_1, b_1, a_2, b_2, ..., a_s, b_s[, a_{s+1}])`` advances one step ``h`` by

.. math::

    \Psi_h = [\varphi^A_{a_{s+1} h} \circ]\ \varphi^B_{b_s h} \circ \varphi^A_{a_s h}
              \circ \cdots \circ \varphi^B_{b_1 h} \circ \varphi^A_{a_1 h},

i.e. ``phi_A(a_1 h)`` acts first. A scheme is consistent when ``sum(a) = sum(b) = 1``; its order
follows from the Baker–Campbell–Hausdorff formula (McLachlan & Quispel 2002). The schemes are
data (:class:`SplittingScheme`: coefficients, order, reference; all in :data:`SCHEMES`) made
into :class:`~pdesolve.time.base.Stepper` objects by :func:`composition`:

- :func:`lie` — order 1: ``a = (1,)``, ``b = (1,)`` (Trotter 1959).
- :func:`strang` — order 2: ``a = (1/2, 1/2)``, ``b = (1,)`` ("ABA") or ``a = (0, 1)``,
  ``b = (1/2, 1/2)`` ("BAB") (Strang 1968; Marchuk 1968).
- :func:`yoshida` — order 4: the triple jump ``S(γ1 h) S(γ2 h) S(γ1 h)`` of Strang steps,
  ``γ1 = 1/(2 − 2^{1/3})``, ``γ2 = −2^{1/3}/(2 − 2^{1/3}) < 0`` (Yoshida 1990; Suzuki 1990).
- :func:`complex_triple_jump` — order 4: the same triple jump with the complex root
  ``γ1 = 1/(2 − 2^{1/3} e^{2iπ/3})``, ``γ2 = 1 − 2γ1``; every sub-step has a positive real part
  (Castella, Chartier, Descombes & Vilmart 2009; Hansen & Ostermann 2009).
- :func:`complex_conjugate_pair` — order 3, and **4 on real data**: ``S(γ̄ h) S(γ h)``,
  ``γ = 1/2 + i√3/6`` (same references). It is symmetric-conjugate (its adjoint is its complex
  conjugate), so the real part kept for real data averages it with its adjoint, which cancels
  the leading (odd-order) error term (Hairer, Lubich & Wanner, *Geometric Numerical
  Integration*, §II.3; cf. the symmetric-conjugate schemes of arXiv:2401.04196): order 4 with
  five sub-flow calls against seven for the triple jump.

**The order barrier.** A real splitting of order > 2 must take a step backwards in time in
each part (Sheng 1989; Suzuki 1991; Blanes & Casas 2005). For a parabolic part (diffusion) a
backward step amplifies the Fourier mode ``k`` by ``exp(|step| k²)``, which blows up on any
fine grid, so :func:`composition` **refuses** a scheme with a step of negative real part on a
sub-flow marked ``parabolic``. Complex steps with positive real parts escape the barrier
(Hansen & Ostermann 2009; Castella et al. 2009; Blanes, Casas, Chartier & Murua 2013): the
sub-flows are then evaluated at complex times and on complex states, so they must accept
complex ``dt`` and complex ``u`` (the exponential, implicit and exact flows below do; an
``exact_flow`` must be written with complex-safe functions such as ``np.exp``/``np.sqrt``). For
real initial data a complex scheme returns the **real part** of its result after every step —
the exact solution is real, so this projection keeps the order and stops the imaginary
round-off from growing. Complex steps suit dissipative (parabolic, reaction) parts; on a
hyperbolic part (advection) an imaginary time step amplifies high modes, so use the real
schemes there.

Sub-flows are any callables ``phi(dt, u) -> new u`` (autonomous: the time does not enter), or
the helpers :func:`exact_flow`, :func:`ode_flow`, :func:`exponential_flow`,
:func:`implicit_flow`, which return :class:`SubFlow` objects carrying a ``parabolic`` flag.

References
----------
- H. F. Trotter, On the product of semi-groups of operators, Proc. AMS 10 (1959) 545–551.
- G. Strang, On the construction and comparison of difference schemes, SIAM J. Numer. Anal. 5
  (1968) 506–517.
- G. I. Marchuk, Some application of splitting-up methods to the solution of mathematical
  physics problems, Aplikace Matematiky 13 (1968) 103–132.
- H. Yoshida, Construction of higher order symplectic integrators, Phys. Lett. A 150 (1990)
  262–268.
- M. Suzuki, Fractal decomposition of exponential operators with applications to many-body
  theories and Monte Carlo simulations, Phys. Lett. A 146 (1990) 319–323.
- Q. Sheng, Solving linear partial differential equations by exponential splitting, IMA J.
  Numer. Anal. 9 (1989) 199–212.
- M. Suzuki, General theory of fractal path integrals with applications to many-body theories
  and statistical physics, J. Math. Phys. 32 (1991) 400–407.
- S. Blanes & F. Casas, On the necessity of negative coefficients for operator splitting
  schemes of order higher than two, Appl. Numer. Math. 54 (2005) 23–37.
- R. I. McLachlan & G. R. W. Quispel, Splitting methods, Acta Numerica 11 (2002) 341–434.
- E. Hansen & A. Ostermann, High order splitting methods for analytic semigroups exist, BIT 49
  (2009) 527–542.
- F. Castella, P. Chartier, S. Descombes & G. Vilmart, Splitting methods with complex times for
  parabolic equations, BIT 49 (2009) 487–508.
- S. Blanes, F. Casas & A. Murua, Splitting and composition methods in the numerical
  integration of differential equations, Bol. Soc. Esp. Mat. Apl. 45 (2008) 89–145; S. Blanes,
  F. Casas, P. Chartier & A. Murua, Optimized high-order splitting methods for some classes of
  parabolic equations, Math. Comp. 82 (2013) 1559–1576.

Examples
--------
Reaction–diffusion ``u_t = u_xx − u³`` on a periodic grid: exact diffusion in Fourier space,
exact pointwise reaction, Strang splitting:

>>> import numpy as np
>>> from pdesolve.time.splitting import exact_flow, exponential_flow, strang
>>> n = 32; x = 2 * np.pi * np.arange(n) / n; k = np.fft.fftfreq(n, 1 / n)
>>> diffusion = exponential_flow(-k**2, transform="fft")   # knows it is parabolic
>>> reaction = exact_flow(lambda dt, u: u / np.sqrt(1 + 2 * dt * u**2))
>>> step = strang(diffusion, reaction)
>>> u = np.sin(x)
>>> for _ in range(10):
...     u = step.step(0.0, u, 0.01)
>>> diffusion.parabolic, step.order, u.dtype
(True, 2, dtype('float64'))
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import PdesolveError

__all__ = [
    "SCHEMES",
    "Composition",
    "SplittingError",
    "SplittingScheme",
    "SubFlow",
    "as_flow",
    "complex_conjugate_pair",
    "complex_triple_jump",
    "composition",
    "exact_flow",
    "exponential_flow",
    "implicit_flow",
    "lie",
    "ode_flow",
    "splitting",
    "strang",
    "yoshida",
]

FlowLike = Callable[[Any, np.ndarray], np.ndarray]


class SplittingError(PdesolveError, ValueError):
    """A splitting scheme cannot be built as asked: inconsistent coefficients, or a backward
    (negative real part) step on a parabolic sub-flow."""


# --------------------------------------------------------------------------------------------
# sub-flows
# --------------------------------------------------------------------------------------------


class SubFlow:
    """A sub-flow ``phi(dt, u)`` with what the splitting layer needs to know about it.

    Parameters
    ----------
    fn : callable
        ``fn(dt, u) -> new u``: the (exact or approximate) solution of the part after ``dt``
        from ``u``. It must not modify ``u`` in place. Complex-coefficient schemes call it with
        complex ``dt`` and complex ``u``.
    parabolic : bool
        The part is diffusive (unbounded dissipation): a step backwards in time blows up, so
        schemes with negative steps are refused on it.
    name : str
        Shown in messages and ``repr``.
    exact : bool
        ``fn`` is the exact flow of the part (then the scheme's error is the splitting error
        alone).
    """

    __slots__ = ("fn", "parabolic", "name", "exact")

    def __init__(
        self, fn: FlowLike, *, parabolic: bool = False, name: str = "", exact: bool = False
    ):
        if not callable(fn):
            raise SplittingError(f"a sub-flow must be callable as phi(dt, u), got {fn!r}")
        self.fn = fn
        self.parabolic = bool(parabolic)
        self.name = name or getattr(fn, "__name__", type(fn).__name__)
        self.exact = bool(exact)

    def __call__(self, dt: Any, u: np.ndarray) -> np.ndarray:
        return self.fn(dt, u)

    def __repr__(self) -> str:
        flags = ", parabolic" if self.parabolic else ""
        return f"SubFlow({self.name!r}{flags})"


def as_flow(phi: FlowLike, *, parabolic: bool | None = None, name: str | None = None) -> SubFlow:
    """Wrap a callable ``phi(dt, u)`` as a :class:`SubFlow`.

    ``parabolic=None`` keeps the flag of a :class:`SubFlow` (or a ``parabolic`` attribute of
    the callable), ``False`` otherwise; ``True``/``False`` override it.
    """
    if isinstance(phi, SubFlow) and parabolic is None and name is None:
        return phi
    if parabolic is None:
        parabolic = bool(getattr(phi, "parabolic", False))
    if isinstance(phi, SubFlow):
        return SubFlow(phi.fn, parabolic=parabolic, name=name or phi.name, exact=phi.exact)
    return SubFlow(phi, parabolic=parabolic, name=name or "")


def exact_flow(fn: FlowLike, *, parabolic: bool = False, name: str | None = None) -> SubFlow:
    """The exact flow of a part, given in closed form as ``fn(dt, u)``.

    Examples: pointwise linear reaction ``lambda dt, u: np.exp(-a * dt) * u``; the logistic
    (Fisher–KPP) reaction ``u_t = r u (1 − u)``, ``lambda dt, u: u / (u + (1 - u) *
    np.exp(-r * dt))``; the Allen–Cahn reaction ``u_t = u − u³``,
    ``lambda dt, u: u / np.sqrt(np.exp(-2 * dt) + u**2 * (1 - np.exp(-2 * dt)))``. Write it
    with numpy functions that accept complex arguments if complex schemes will use it.
    """
    return SubFlow(fn, parabolic=parabolic, name=name or getattr(fn, "__name__", "exact"),
                   exact=True)


def ode_flow(
    f: Callable[[float, np.ndarray], np.ndarray] | None,
    stepper_name: str | Any = "rk4",
    substeps: int = 1,
    *,
    parabolic: bool = False,
    name: str | None = None,
    **stepper_options: Any,
) -> SubFlow:
    """The flow of ``du/dt = f(t, u)`` approximated by ``substeps`` steps of an ODE stepper.

    Parameters
    ----------
    f : callable ``f(t, u)``
        Right-hand side of the part. Sub-flows are autonomous: ``t`` runs from 0 within each
        call (add the time as a state variable for a time-dependent part).
    stepper_name : str or Stepper
        A name known to :func:`pdesolve.time.registry.stepper` (``"rk4"``, ``"ssprk3"``...),
        built with ``f=f`` and ``stepper_options``; or a ready stepper object with
        ``step(t, u, dt)`` (then ``f`` is ignored and may be ``None``).
    substeps : int
        Steps per call: the sub-flow error is ``O(dt^(p+1) / substeps^p)`` per call for a
        stepper of order ``p``; the splitting keeps its order only while this stays below the
        splitting error.
    parabolic : bool
        Mark a diffusive part (refuses negative steps on it).

    Notes
    -----
    Complex-coefficient schemes pass complex ``dt``; explicit Runge–Kutta steppers written
    with plain arithmetic handle it.
    """
    if substeps < 1:
        raise SplittingError(f"substeps must be >= 1, got {substeps}")
    if isinstance(stepper_name, str):
        try:
            from .registry import stepper as make_stepper
        except ImportError as exc:  # pragma: no cover - the registry ships with the package
            raise SplittingError(
                f"ode_flow needs pdesolve.time.registry to build {stepper_name!r}: {exc}"
            ) from exc
        st = make_stepper(stepper_name, f=f, **stepper_options)
        label = stepper_name
    else:
        st = stepper_name
        if not hasattr(st, "step"):
            raise SplittingError(
                f"ode_flow expects a stepper name or an object with step(t, u, dt), got {st!r}"
            )
        label = getattr(st, "name", type(st).__name__)

    def phi(dt: Any, u: np.ndarray) -> np.ndarray:
        h = dt / substeps
        v = u
        for j in range(substeps):
            v = st.step(j * h, v, h)
        return v

    return SubFlow(phi, parabolic=parabolic, name=name or f"{label} x{substeps}")


class _LRU:
    """A small cache keyed by the (complex) step: a composition uses a few fixed sub-steps."""

    def __init__(self, size: int = 8):
        self.size = size
        self.data: OrderedDict[complex, Any] = OrderedDict()

    def get(self, key: complex, make: Callable[[], Any]) -> Any:
        if key in self.data:
            self.data.move_to_end(key)
            return self.data[key]
        value = make()
        self.data[key] = value
        if len(self.data) > self.size:
            self.data.popitem(last=False)
        return value


def _matrix_is_parabolic(L: Any) -> bool:
    """Heuristic: a sparse matrix that couples unknowns and dissipates (negative diagonal) —
    a discrete diffusion (or upwind) operator. A diagonal matrix is a pointwise reaction."""
    if not sp.issparse(L):
        return False
    d = np.real(L.diagonal())
    off = sp.csr_matrix(L - sp.diags(L.diagonal()))
    off.eliminate_zeros()
    return bool(off.nnz > 0 and d.size and d.min() < 0)


def _symbol_is_parabolic(symbol: np.ndarray) -> bool:
    """A Fourier symbol with mode-dependent negative real part (``-k²``...) is diffusive; a
    constant real part (damping) or an imaginary symbol (advection, dispersion) is not."""
    re = np.real(symbol)
    if re.size == 0 or re.min() >= 0:
        return False
    return bool(np.ptp(re) > 1e-12 * np.abs(re).max())


def _hermitian(symbol: np.ndarray) -> bool:
    """``symbol(-k) = conj(symbol(k))`` on numpy's FFT ordering (the operator maps real to real),
    ignoring the modes that are their own mirror (zero, Nyquist): there an odd symbol such as
    ``i k`` cannot be Hermitian, and taking the real part of the result symmetrises it, the
    usual treatment of the Nyquist mode."""
    flipped = symbol
    for ax in range(symbol.ndim):
        flipped = np.roll(np.flip(flipped, axis=ax), 1, axis=ax)
    self_mirror = np.ones(symbol.shape, dtype=bool)
    for ax, n in enumerate(symbol.shape):
        idx = np.zeros(n, dtype=bool)
        idx[0] = True
        if n % 2 == 0:
            idx[n // 2] = True
        shape = [1] * symbol.ndim
        shape[ax] = n
        self_mirror &= idx.reshape(shape)
    scale = float(np.abs(symbol).max()) if symbol.size else 0.0
    close = np.isclose(flipped, np.conj(symbol), rtol=1e-13, atol=1e-13 * scale)
    return bool(np.all(close | self_mirror))


def exponential_flow(
    L: Any,
    *,
    transform: str | tuple[Callable, Callable] | None = None,
    parabolic: bool | None = None,
    name: str | None = None,
) -> SubFlow:
    """The exact flow ``u ↦ exp(dt L) u`` of a linear part ``du/dt = L u``.

    Parameters
    ----------
    L : ndarray, sparse matrix or LinearOperator
        - an ndarray is a **diagonal symbol** of the state's shape: ``exp(dt L) * u`` pointwise
          (``transform=None``: a linear reaction ``L = r(x)``), or in transformed space
          (``transform="fft"``: ``L`` is the Fourier symbol on numpy's FFT ordering over all
          axes of the state, e.g. ``-D k²`` for diffusion, ``-1j c k`` for advection;
          ``transform=(forward, inverse)``: any pair, e.g. ``(np.fft.rfft, lambda v:
          np.fft.irfft(v, n=N))`` with an ``rfft``-shaped symbol — real dt only then; without
          ``n=``, ``irfft`` returns an even length and an odd-length state would shrink). The
          factor ``exp(dt L)`` is cached per ``dt``.
        - a sparse matrix or ``LinearOperator`` (square, ``n = u.size`` or the state's first
          axis): ``scipy.sparse.linalg.expm_multiply(dt L, u)`` (Al-Mohy & Higham 2011). Wrap a
          dense matrix with ``scipy.sparse.csr_matrix`` first (a bare ndarray means a symbol).
    transform : None, "fft" or (forward, inverse)
        See ``L``.
    parabolic : bool, optional
        Default: detected — a Fourier symbol whose real part is negative and mode-dependent
        (``-k²``), or a sparse matrix with a negative diagonal and off-diagonal coupling (a
        discrete Laplacian). A pointwise symbol (``transform=None``) is a reaction, not
        parabolic. Pass ``True``/``False`` to override (a ``LinearOperator`` is never detected).

    Notes
    -----
    With ``transform="fft"`` the result is real for real ``u`` and real ``dt`` when the symbol
    is Hermitian (``L(-k) = conj(L(k))``, a real operator; the zero and Nyquist modes are
    exempt, and the real part taken there symmetrises an odd symbol such as ``-1j c k``), and
    complex otherwise.
    """
    if isinstance(L, np.ndarray):
        symbol = np.asarray(L)
        cache = _LRU()
        if transform is None:
            auto = False
            real_op = np.isrealobj(symbol)

            def phi(dt: Any, u: np.ndarray) -> np.ndarray:
                return cache.get(complex(dt), lambda: np.exp(dt * symbol)) * u

        else:
            auto = _symbol_is_parabolic(symbol)
            if transform == "fft":
                real_op = _hermitian(symbol)
                axes = tuple(range(-symbol.ndim, 0))

                def forward(u):
                    return scipy.fft.fftn(u, axes=axes)

                def inverse(v):
                    return scipy.fft.ifftn(v, axes=axes)

            elif isinstance(transform, tuple) and len(transform) == 2:
                forward, inverse = transform
                real_op = False
            else:
                raise SplittingError(
                    f"transform must be None, 'fft' or a (forward, inverse) pair, got {transform!r}"
                )

            def phi(dt: Any, u: np.ndarray) -> np.ndarray:
                v = inverse(cache.get(complex(dt), lambda: np.exp(dt * symbol)) * forward(u))
                if real_op and np.isrealobj(u) and np.isrealobj(dt) and np.iscomplexobj(v):
                    return np.ascontiguousarray(v.real)
                return v

        label = "exp(dt·symbol)" if transform is None else f"exp(dt·symbol) [{transform}]"
    elif sp.issparse(L) or isinstance(L, spla.LinearOperator):
        if L.shape[0] != L.shape[1]:
            raise SplittingError(f"exponential_flow needs a square operator, got {L.shape}")
        auto = _matrix_is_parabolic(L)
        op = sp.csr_matrix(L) if sp.issparse(L) else L
        n = L.shape[0]

        def phi(dt: Any, u: np.ndarray) -> np.ndarray:
            v = np.asarray(u).reshape(n, -1)
            if isinstance(op, spla.LinearOperator):
                out = spla.expm_multiply(op * dt, v, traceA=0.0)
            else:
                out = spla.expm_multiply(op * dt, v)
            return out.reshape(np.shape(u))

        label = "expm_multiply(dt·L)"
    else:
        raise SplittingError(
            "exponential_flow takes a diagonal symbol (ndarray), a sparse matrix or a "
            f"LinearOperator, got {type(L).__name__}"
        )
    return SubFlow(
        phi,
        parabolic=auto if parabolic is None else parabolic,
        name=name or label,
        exact=True,
    )


def implicit_flow(
    L: Any,
    mass: Any = None,
    theta: float = 1.0,
    *,
    method: str = "direct",
    parabolic: bool | None = None,
    name: str | None = None,
    **solver_options: Any,
) -> SubFlow:
    """One θ-method step of ``M du/dt = L u`` as a sub-flow (implicit Euler by default).

    ``(M − θ dt L) u_new = (M + (1 − θ) dt L) u``, solved through :mod:`pdesolve.linalg`.

    Parameters
    ----------
    L : sparse matrix or ndarray (n, n)
    mass : sparse matrix, optional
        ``M`` (identity when omitted): a finite-element mass matrix.
    theta : float
        1: implicit Euler (order 1, L-stable); 1/2: Crank–Nicolson (order 2, A-stable). The
        sub-flow's own order caps the splitting's: pair ``theta=1/2`` with :func:`strang`.
    method : str
        ``"direct"`` (default): a SuperLU factorisation (:class:`pdesolve.linalg.DirectSolver`)
        cached per ``dt`` — a composition uses a handful of distinct sub-steps, each factorised
        once. Any other :func:`pdesolve.linalg.solve` method (``"cg"``, ``"gmres"``...) solves
        real steps iteratively, warm-started from ``u``, with ``solver_options``; complex steps
        always use the direct solver.
    parabolic : bool, optional
        Default: detected as in :func:`exponential_flow` (negative diagonal with coupling).

    Notes
    -----
    A complex ``dt`` (complex-coefficient schemes) gives a complex matrix ``A = A_r + i A_i``;
    it is solved in the real equivalent form ``[[A_r, −A_i], [A_i, A_r]]`` (twice the size)
    so that the real direct solver of :mod:`pdesolve.linalg` serves it too.
    """
    from ..linalg.direct import DirectSolver

    Lm = sp.csr_matrix(L)
    n = Lm.shape[0]
    if Lm.shape != (n, n):
        raise SplittingError(f"implicit_flow needs a square matrix, got {Lm.shape}")
    M = sp.identity(n, format="csr") if mass is None else sp.csr_matrix(mass)
    if M.shape != (n, n):
        raise SplittingError(f"mass has shape {M.shape}, L has shape {Lm.shape}")
    if not 0.0 <= theta <= 1.0:
        raise SplittingError(f"theta must lie in [0, 1], got {theta}")
    cache = _LRU()

    def factor(h: complex) -> Any:
        A = (M - theta * h * Lm).tocsr()
        if h.imag == 0:
            return DirectSolver(A.real)
        return DirectSolver(sp.bmat([[A.real, -A.imag], [A.imag, A.real]], format="csr"))

    def iterative(A: Any, b: np.ndarray, x0: np.ndarray) -> np.ndarray:
        from ..linalg import solve

        return solve(A, b, method=method, x0=x0, **solver_options).x

    def phi(dt: Any, u: np.ndarray) -> np.ndarray:
        v = np.asarray(u).reshape(n, -1)
        rhs = M @ v
        if theta != 1.0:
            rhs = rhs + (1.0 - theta) * dt * (Lm @ v)
        h = complex(dt)
        if h.imag == 0 and method != "direct":
            A = cache.get(h, lambda: (M - theta * h.real * Lm).tocsr())
            out = np.empty_like(rhs)
            for j in range(rhs.shape[1]):  # real and imaginary parts, warm-started from u
                x = iterative(A, rhs[:, j].real, v[:, j].real)
                if np.iscomplexobj(rhs):
                    x = x + 1j * iterative(A, rhs[:, j].imag, v[:, j].imag)
                out[:, j] = x
        else:
            lu = cache.get(h, lambda: factor(h))
            if h.imag == 0:
                if np.iscomplexobj(rhs):
                    out = lu.solve(rhs.real) + 1j * lu.solve(rhs.imag)
                else:
                    out = lu.solve(rhs)
            else:
                rhs = rhs.astype(complex)
                x = lu.solve(np.concatenate([rhs.real, rhs.imag], axis=0))
                out = x[:n] + 1j * x[n:]
        return out.reshape(np.shape(u))

    auto = _matrix_is_parabolic(Lm)
    return SubFlow(
        phi,
        parabolic=auto if parabolic is None else parabolic,
        name=name or f"theta-step (theta={theta:g}, {method})",
    )


# --------------------------------------------------------------------------------------------
# schemes as data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplittingScheme:
    """Coefficients of a splitting scheme: ``phi_A(a_1 h)`` first, then ``phi_B(b_1 h)``,
    ``phi_A(a_2 h)``, ... (``len(a) == len(b)`` or ``len(b) + 1``; zero steps are skipped)."""

    name: str
    a: tuple[complex, ...]
    b: tuple[complex, ...]
    order: int
    reference: str = ""
    #: the order for real data, where complex schemes return the real part (when it is higher)
    real_order: int | None = None

    @property
    def is_complex(self) -> bool:
        """Some step is complex."""
        return any(complex(c).imag != 0 for c in (*self.a, *self.b))

    @property
    def stages(self) -> int:
        """Number of sub-flow evaluations per step (zero steps skipped)."""
        return sum(1 for c in (*self.a, *self.b) if c != 0)


def _strang_coefficients(
    gammas: Sequence[complex], ordering: str
) -> tuple[tuple[complex, ...], tuple[complex, ...]]:
    """Coefficients of ``S(γ_m h) ∘ ... ∘ S(γ_1 h)`` with ``S`` Strang, merging adjacent
    half-steps of the outer sub-flow."""
    g = list(gammas)
    halves = [g[0] / 2] + [(g[i] + g[i + 1]) / 2 for i in range(len(g) - 1)] + [g[-1] / 2]
    if ordering == "ABA":
        return tuple(halves), tuple(g)
    if ordering == "BAB":
        return (0.0, *g), tuple(halves)
    raise SplittingError(f"order must be 'ABA' or 'BAB', got {ordering!r}")


_GAMMA1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
_GAMMA2 = -(2.0 ** (1.0 / 3.0)) / (2.0 - 2.0 ** (1.0 / 3.0))
_GAMMA1_C = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0) * np.exp(2j * np.pi / 3))
_GAMMA2_C = 1.0 - 2.0 * _GAMMA1_C
_GAMMA_PAIR = 0.5 + 1j * np.sqrt(3.0) / 6.0

_REF_STRANG = "Strang 1968; Marchuk 1968"
_REF_YOSHIDA = "Yoshida 1990; Suzuki 1990 (triple jump of Strang steps)"
_REF_COMPLEX = "Castella, Chartier, Descombes & Vilmart 2009; Hansen & Ostermann 2009"


def _scheme_table() -> dict[str, SplittingScheme]:
    table = {
        "lie": SplittingScheme("lie", (1.0,), (1.0,), 1, "Trotter 1959"),
    }
    for ordering in ("ABA", "BAB"):
        suffix = "" if ordering == "ABA" else "_bab"
        table["strang" + suffix] = SplittingScheme(
            "strang" + suffix, *_strang_coefficients([1.0], ordering), 2, _REF_STRANG
        )
        table["yoshida" + suffix] = SplittingScheme(
            "yoshida" + suffix,
            *_strang_coefficients([_GAMMA1, _GAMMA2, _GAMMA1], ordering),
            4,
            _REF_YOSHIDA,
        )
        table["complex_triple_jump" + suffix] = SplittingScheme(
            "complex_triple_jump" + suffix,
            *_strang_coefficients([_GAMMA1_C, _GAMMA2_C, _GAMMA1_C], ordering),
            4,
            _REF_COMPLEX,
        )
        table["complex_conjugate_pair" + suffix] = SplittingScheme(
            "complex_conjugate_pair" + suffix,
            *_strang_coefficients([_GAMMA_PAIR, np.conj(_GAMMA_PAIR)], ordering),
            3,
            _REF_COMPLEX,
            real_order=4,
        )
    return table


#: every named scheme: ``lie``, ``strang``, ``yoshida``, ``complex_triple_jump``,
#: ``complex_conjugate_pair`` (ABA orderings) and their ``*_bab`` counterparts
SCHEMES: dict[str, SplittingScheme] = _scheme_table()


# --------------------------------------------------------------------------------------------
# the composition stepper
# --------------------------------------------------------------------------------------------


def _clean(c: Any) -> complex | float:
    c = complex(c)
    return c.real if c.imag == 0 else c


class Composition:
    """A splitting scheme applied to two sub-flows: a :class:`~pdesolve.time.base.Stepper`.

    Built by :func:`composition` (or :func:`lie`, :func:`strang`, :func:`yoshida`,
    :func:`complex_triple_jump`, :func:`complex_conjugate_pair`, :func:`splitting`).

    Attributes
    ----------
    name : str
    order : int
        Classical order (for complex states, if the scheme is complex).
    real_order : int
        Order for real data (the real part is returned): ``order``, or higher for the
        symmetric-conjugate :func:`complex_conjugate_pair` (4).
    a, b : tuple
        The coefficients (``phi_A(a_1 dt)`` acts first).
    phi_a, phi_b : SubFlow
    is_complex : bool
        Complex steps: sub-flows see complex ``dt`` and states; the real part is returned for
        real input.
    """

    def __init__(self, phi_a: SubFlow, phi_b: SubFlow, scheme: SplittingScheme):
        self.phi_a = phi_a
        self.phi_b = phi_b
        self.scheme = scheme
        self.name = scheme.name
        self.order = scheme.order
        self.real_order = scheme.real_order or scheme.order
        self.a = tuple(_clean(c) for c in scheme.a)
        self.b = tuple(_clean(c) for c in scheme.b)
        self.is_complex = scheme.is_complex
        seq: list[tuple[SubFlow, Any]] = []
        for i in range(max(len(self.a), len(self.b))):
            if i < len(self.a) and self.a[i] != 0:
                seq.append((phi_a, self.a[i]))
            if i < len(self.b) and self.b[i] != 0:
                seq.append((phi_b, self.b[i]))
        self._sequence = tuple(seq)

    def step(self, t: float, u: np.ndarray, dt: float) -> np.ndarray:
        """Advance ``u`` by ``dt`` (``t`` is unused: sub-flows are autonomous)."""
        v = u
        for phi, c in self._sequence:
            v = phi(c * dt, v)
        if self.is_complex and not np.iscomplexobj(u) and np.iscomplexobj(v):
            v = np.ascontiguousarray(v.real)
        return v

    def __repr__(self) -> str:
        return f"Composition({self.name!r}, order={self.order}, A={self.phi_a}, B={self.phi_b})"


def _check_parabolic(scheme: SplittingScheme, phi: SubFlow, coeffs: Sequence[Any], label: str):
    if not phi.parabolic:
        return
    bad = [complex(c) for c in coeffs if complex(c).real < -1e-14]
    if not bad:
        return
    worst = min(bad, key=lambda c: c.real)
    raise SplittingError(
        f"scheme {scheme.name!r} takes a step of {_clean(worst):.4g}·dt (negative real part) "
        f"on sub-flow {label} ({phi.name}), which is parabolic: a backward diffusion step "
        f"amplifies the Fourier mode k by exp(|Re step|·k²·D), so it blows up on any fine grid. "
        "Every real splitting of order > 2 needs such negative steps (Sheng 1989; Suzuki 1991), "
        "so use strang (order 2), or the complex-coefficient schemes complex_triple_jump "
        "(order 4) or complex_conjugate_pair (order 3), whose steps have positive real parts "
        "(Hansen & Ostermann 2009; Castella et al. 2009). If the part is not really diffusive, "
        "build the sub-flow with parabolic=False."
    )


def composition(
    phi_a: FlowLike,
    phi_b: FlowLike,
    a_coeffs: Sequence[complex],
    b_coeffs: Sequence[complex],
    order: int,
    name: str = "composition",
    *,
    reference: str = "",
    real_order: int | None = None,
) -> Composition:
    """A splitting stepper from coefficients: ``phi_A(a_1 dt)``, ``phi_B(b_1 dt)``,
    ``phi_A(a_2 dt)``, ... in that order of application.

    Parameters
    ----------
    phi_a, phi_b : callable ``phi(dt, u)`` or SubFlow
    a_coeffs, b_coeffs : sequences of float or complex
        ``len(a) == len(b)`` or ``len(b) + 1``; each must sum to 1 (consistency).
    order : int
        The scheme's classical order (not checked: it is the caller's claim).
    name : str
    reference : str
    real_order : int, optional
        Order on real data when the real-part projection raises it (symmetric-conjugate
        complex schemes).

    Raises
    ------
    SplittingError
        Inconsistent coefficients, or a step with negative real part on a parabolic sub-flow.
    """
    a = tuple(complex(c) for c in a_coeffs)
    b = tuple(complex(c) for c in b_coeffs)
    if not b or len(a) not in (len(b), len(b) + 1):
        raise SplittingError(
            f"need len(a) == len(b) or len(b) + 1 (and b non-empty), got {len(a)} and {len(b)}"
        )
    for label, coeffs in (("a", a), ("b", b)):
        if abs(sum(coeffs) - 1.0) > 1e-12:
            raise SplittingError(
                f"inconsistent splitting: sum of {label} coefficients is {_clean(sum(coeffs))}, "
                "must be 1"
            )
    scheme = SplittingScheme(name, a, b, int(order), reference, real_order)
    fa, fb = as_flow(phi_a), as_flow(phi_b)
    _check_parabolic(scheme, fa, a, "A")
    _check_parabolic(scheme, fb, b, "B")
    return Composition(fa, fb, scheme)


def splitting(name: str, phi_a: FlowLike, phi_b: FlowLike) -> Composition:
    """A named scheme from :data:`SCHEMES` (``"lie"``, ``"strang"``, ``"strang_bab"``,
    ``"yoshida"``, ``"complex_triple_jump"``, ``"complex_conjugate_pair"``...)."""
    try:
        s = SCHEMES[name]
    except KeyError:
        raise SplittingError(
            f"unknown splitting scheme {name!r}; known: {', '.join(sorted(SCHEMES))}"
        ) from None
    return composition(
        phi_a, phi_b, s.a, s.b, s.order, s.name, reference=s.reference, real_order=s.real_order
    )


def _ordered(base: str, order: str) -> str:
    if order not in ("ABA", "BAB"):
        raise SplittingError(f"order must be 'ABA' or 'BAB', got {order!r}")
    return base if order == "ABA" else base + "_bab"


def lie(phi_a: FlowLike, phi_b: FlowLike) -> Composition:
    """Lie–Trotter splitting ``phi_B(dt) ∘ phi_A(dt)``: order 1 (Trotter 1959).

    Its local error is ``(dt²/2) [A, B] u``; the global error about ``(T/2) dt ‖[A, B] u‖``.
    Swap the arguments for the B-then-A ordering.
    """
    return splitting("lie", phi_a, phi_b)


def strang(phi_a: FlowLike, phi_b: FlowLike, order: str = "ABA") -> Composition:
    """Strang–Marchuk splitting: order 2 (Strang 1968; Marchuk 1968).

    ``order="ABA"``: ``phi_A(dt/2) ∘ phi_B(dt) ∘ phi_A(dt/2)``; ``"BAB"``:
    ``phi_B(dt/2) ∘ phi_A(dt) ∘ phi_B(dt/2)``. The leading error is
    ``dt³ ([B,[B,A]]/12 − [A,[A,B]]/24)`` for ABA, with A and B swapped for BAB, so the outer
    sub-flow changes the constant (not the order). Put the cheaper flow outside: consecutive
    steps could merge its half-steps.
    """
    return splitting(_ordered("strang", order), phi_a, phi_b)


def yoshida(phi_a: FlowLike, phi_b: FlowLike, order: str = "ABA") -> Composition:
    """Yoshida's triple jump of Strang steps, ``S(γ1 dt) ∘ S(γ2 dt) ∘ S(γ1 dt)``: order 4.

    ``γ1 = 1/(2 − 2^{1/3}) ≈ 1.3512``, ``γ2 = −2^{1/3}/(2 − 2^{1/3}) ≈ −1.7024`` (Yoshida 1990;
    Suzuki 1990). The middle step runs **backwards** in time — unavoidable for a real scheme of
    order > 2 (Sheng 1989; Suzuki 1991) — so it is refused with :class:`SplittingError` when a
    sub-flow is parabolic; use :func:`complex_triple_jump` there.
    """
    return splitting(_ordered("yoshida", order), phi_a, phi_b)


def complex_triple_jump(phi_a: FlowLike, phi_b: FlowLike, order: str = "ABA") -> Composition:
    """The triple jump of Strang steps with complex weights: order 4, safe for diffusion.

    ``γ1 = γ3 = 1/(2 − 2^{1/3} e^{2iπ/3}) ≈ 0.3244 + 0.1346i``, ``γ2 = 1 − 2γ1 ≈
    0.3512 − 0.2692i``: the complex roots of ``2γ1³ + γ2³ = 0``, ``2γ1 + γ2 = 1`` (the
    third-order condition of the composition). All sub-steps have positive real parts
    (Castella, Chartier, Descombes & Vilmart 2009; Hansen & Ostermann 2009). The composition of
    the symmetric Strang step is symmetric (``Ψ(−h) = Ψ(h)⁻¹``), so its order is even: 4.

    The sub-flows are called with complex ``dt`` and complex states; for real data the real
    part of the result is returned after each step.
    """
    return splitting(_ordered("complex_triple_jump", order), phi_a, phi_b)


def complex_conjugate_pair(phi_a: FlowLike, phi_b: FlowLike, order: str = "ABA") -> Composition:
    """Two Strang steps with conjugate complex weights, ``S(γ̄ dt) ∘ S(γ dt)``: order 3, and
    order 4 on real data.

    ``γ = 1/2 + i√3/6``: ``γ + γ̄ = 1`` and ``γ³ + γ̄³ = 0``, the third-order conditions of a
    two-step composition (Castella et al. 2009; Hansen & Ostermann 2009). Real parts 1/2 > 0;
    five sub-flow calls per step (ABA) against seven for :func:`complex_triple_jump`.

    For real data the real part is returned. With ``Ψ(h) = S(γ̄ h) ∘ S(γ h)`` and ``S``
    symmetric, the adjoint ``Ψ*(h) = Ψ(−h)⁻¹ = S(γ h) ∘ S(γ̄ h)`` is the complex conjugate of
    ``Ψ``, so the real part is the mean of the scheme and its adjoint, whose order-3 error terms
    are opposite (Hairer, Lubich & Wanner, *Geometric Numerical Integration*, §II.3): the
    projected scheme is order 4 (``real_order``), nonlinear sub-flows included (verified on
    Allen–Cahn in the tests). Complex data keep order 3.
    """
    return splitting(_ordered("complex_conjugate_pair", order), phi_a, phi_b)
