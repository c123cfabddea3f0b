"""Plumbing shared by the Krylov methods: input checks, preconditioner and operator
normalisation, stopping targets, in-place vector kernels and the final :class:`SolveResult`.

Everything here works on the array namespace ``xp`` of the right-hand side (numpy now, CuPy
later); nothing allocates inside an iteration unless the caller's operator does.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from ...backends import get_namespace
from ..preconditioner import Preconditioner, as_preconditioner
from ..result import SolveResult, stopping_target
from ..validate import SolverInputError, check_system, matvec_of

Vector = Any  # an xp array of shape (n,)


@dataclass
class KrylovSetup:
    """A validated system ready for iteration.

    Attributes
    ----------
    A, b : the operator and the 1-D right-hand side (``b`` in the namespace ``xp``).
    x : the iterate, a fresh array owned by the solver (copy of ``x0`` or zeros).
    x0_zero : whether the initial guess is zero (saves the first matvec).
    xp : array namespace of ``b``.
    matvec : ``v -> A v``.
    pc : the normalised preconditioner (``None`` for none).
    bnorm : ``||b||_2``.
    """

    A: Any
    b: Vector
    x: Vector
    x0_zero: bool
    xp: ModuleType
    n: int
    matvec: Callable[[Vector], Vector]
    pc: Preconditioner | None
    bnorm: float
    rtol: float
    atol: float
    t0: float = field(default_factory=time.perf_counter)

    @property
    def dtype(self):
        return self.b.dtype

    @property
    def is_complex(self) -> bool:
        return bool(self.xp.iscomplexobj(self.b))

    def psolve(self, r: Vector) -> Vector:
        """``M⁻¹ r`` as an xp array of shape (n,) in the working precision (``r`` itself
        without a preconditioner)."""
        if self.pc is None:
            return r
        z = self.pc(r)
        z = self.xp.asarray(z)
        if z.shape != (self.n,):
            z = z.reshape(self.n)
        if z.dtype != self.dtype and np.dtype(str(z.dtype)).kind == np.dtype(str(self.dtype)).kind:
            z = z.astype(self.dtype)  # e.g. a float64 preconditioner on a float32 system
        return z

    def residual(self) -> Vector:
        """A fresh array ``b - A x``."""
        if self.x0_zero:
            return self.b.copy()
        return self.b - self.matvec(self.x)

    def norm(self, v: Vector) -> float:
        return float(self.xp.linalg.norm(v))

    @property
    def real_dtype(self) -> np.dtype:
        """The real dtype of the working precision (float32 for float32 and complex64)."""
        return np.finfo(np.dtype(str(self.dtype))).dtype

    @property
    def eps(self) -> float:
        """Machine epsilon of the working precision."""
        return float(np.finfo(np.dtype(str(self.dtype))).eps)

    def target(self, ref_norm: float | None = None) -> float:
        """``max(rtol * ref, atol)`` with ``ref = ||b||`` unless given (``rtol * 0 = 0``, also
        for ``rtol = inf``)."""
        ref = self.bnorm if ref_norm is None else ref_norm
        return stopping_target(ref, self.rtol if ref > 0 else 0.0, self.atol)


def _check_tolerances(rtol: Any, atol: Any) -> tuple[float, float]:
    """``(rtol, atol)`` as floats: real numbers ``>= 0``; ``inf`` is accepted (as scipy does: the
    target is then infinite and the method returns at once), NaN is refused."""
    for name, val in (("rtol", rtol), ("atol", atol)):
        if isinstance(val, str) or val is None:
            raise SolverInputError(f"{name} must be a real number >= 0, got {val!r}")
        try:
            fval = float(val)
        except (TypeError, ValueError) as exc:
            raise SolverInputError(f"{name} must be a real number >= 0, got {val!r}") from exc
        if math.isnan(fval):
            raise SolverInputError(f"{name} must be a real number >= 0 (inf allowed), got NaN")
        if fval < 0:
            raise SolverInputError(f"{name} must be a real number >= 0, got {val!r}")
    return float(rtol), float(atol)


def working_dtype(A: Any, b: Any) -> np.dtype:
    """The precision a Krylov method computes in, scipy's ``make_system`` rule: the common
    type of ``A.dtype`` and ``b.dtype`` among float32, float64, complex64 and complex128, where
    any other type (integers, bool, a missing ``A.dtype``) counts as float64. float32 ``A`` and
    ``b`` give float32; float32 with float64 gives float64; complex64 stays complex64."""

    def kind(dt: Any) -> np.dtype:
        try:
            dt = np.dtype(str(dt)) if dt is not None else None
        except TypeError:
            dt = None
        if dt is None or dt.char not in "fdFD":
            return np.dtype(np.float64)
        return dt

    bdt = getattr(b, "dtype", None)
    if bdt is None:
        bdt = np.asarray(b).dtype
    return np.result_type(kind(getattr(A, "dtype", None)), kind(bdt))


def check_symmetric(
    setup: KrylovSetup, name: str, advice: str, error: type = SolverInputError
) -> None:
    """Raise ``error`` unless ``A`` looks symmetric (Hermitian) on a random probe.

    With fixed-seed random ``x``, ``y`` (the same for every call) and two matvecs, the test is
    ``|x·Ay - conj(y·Ax)| <= tol (||x|| ||Ay|| + ||y|| ||Ax||)`` (``·`` conjugating the first
    factor), ``tol = max(1e-10, 1000 eps)`` for the working precision's ``eps``. A symmetric
    ``A`` passes up to rounding; a nonsymmetric one fails with probability one. A non-finite
    probe is not judged (the iteration reports it).
    """
    xp, n = setup.xp, setup.n
    rng = np.random.default_rng(20240612)
    shape = (2, n)
    v = rng.standard_normal(shape)
    if setup.is_complex:
        v = v + 1j * rng.standard_normal(shape)
    v = xp.asarray(v.astype(np.dtype(str(setup.dtype)), copy=False))
    x, y = v[0], v[1]
    ax = xp.asarray(setup.matvec(x)).reshape(n)
    ay = xp.asarray(setup.matvec(y)).reshape(n)
    diff = abs(complex(xp.vdot(x, ay)) - complex(xp.vdot(y, ax)).conjugate())
    scale = setup.norm(x) * setup.norm(ay) + setup.norm(y) * setup.norm(ax)
    tol = max(1e-10, 1e3 * setup.eps)
    if math.isfinite(diff) and math.isfinite(scale) and diff > tol * scale:
        raise error(
            f"{name}: A is not symmetric{' (Hermitian)' if setup.is_complex else ''}: on a random "
            f"probe |x·Ay - y·Ax| = {diff:.3e} > {tol:.0e} (|x||Ay| + |y||Ax|) = "
            f"{tol * scale:.3e}; {advice} (check_symmetry=False skips this test)"
        )


def no_tol(fn: Callable) -> Callable:
    """Decorate a scipy-style function so that scipy's old ``tol=`` (removed in scipy 1.14
    after its deprecation in 1.12) gets a :class:`TypeError` naming ``rtol=`` instead of
    Python's bare "unexpected keyword argument"."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "tol" in kwargs:
            raise TypeError(
                f"{fn.__name__}(): tol= was renamed rtol= (scipy >= 1.12, tol= removed in "
                f"1.14); use rtol={kwargs['tol']!r} (and atol= for an absolute tolerance)"
            )
        return fn(*args, **kwargs)

    return wrapper


def setup_system(
    A: Any,
    b: Any,
    x0: Any,
    M: Any,
    rtol: Any,
    atol: Any,
    *,
    name: str,
    symmetric_pc: bool = False,
    keep_precision: bool = False,
) -> KrylovSetup:
    """Validate and normalise the inputs of a Krylov method.

    ``x0`` may be ``None`` (zero), an array (copied, never modified) or the string ``"Mb"``
    (scipy's convention: start from ``M b``). Raises :class:`SolverInputError` for malformed
    systems (shapes, non-square, NaN/Inf) and bad tolerances, and — with ``symmetric_pc``
    (CG, MINRES, recycled CG) — for a preconditioner known to be nonsymmetric (SOR, ILU), on
    which those recurrences lose their meaning (CG then stagnates or wanders instead of
    failing).

    As scipy's ``make_system``: ``np.matrix`` ``A``, ``b``, ``x0`` and ``M`` are used as plain
    arrays (``b`` of shape ``(n, 1)`` becomes ``(n,)``, and so does the solution), and with
    ``M=None`` an ``A`` that has a ``psolve`` method (scipy's convention for operators that
    carry their preconditioner) is preconditioned by ``A.psolve``. With ``keep_precision``
    the system is in :func:`working_dtype` (float32 stays float32), else in float64 or
    complex128.
    """
    t0 = time.perf_counter()
    rtol, atol = _check_tolerances(rtol, atol)
    x0_mb = isinstance(x0, str)
    if x0_mb and x0 != "Mb":
        raise SolverInputError(f"{name}: x0 must be an array, None or 'Mb', got {x0!r}")
    if M is None and callable(getattr(A, "psolve", None)):
        M = A.psolve
    A, M = (np.asarray(a) if isinstance(a, np.matrix) else a for a in (A, M))
    dtype = working_dtype(A, b) if keep_precision else None
    A, b, x0 = check_system(A, b, None if x0_mb else x0)
    xp = get_namespace(b)
    if dtype is not None and b.dtype != dtype and np.dtype(str(b.dtype)).kind == dtype.kind:
        b = b.astype(dtype)  # check_system made it float64/complex128; back to the input's
        x0 = None if x0 is None else x0.astype(dtype)
    n = b.shape[0]
    pc = as_preconditioner(M, A)
    if pc is not None and getattr(M, "shape", None) is not None and tuple(M.shape) != (n, n):
        raise SolverInputError(f"{name}: preconditioner has shape {M.shape}, A has {(n, n)}")
    if symmetric_pc and pc is not None and not getattr(pc, "symmetric", True):
        raise SolverInputError(
            f"{name} needs a symmetric positive definite preconditioner; "
            f"{getattr(pc, 'name', type(pc).__name__)!r} is not symmetric: use 'jacobi', "
            "'ssor' or 'amg', or a nonsymmetric method (gmres, bicgstab)"
        )
    bnorm = float(xp.linalg.norm(b))
    setup = KrylovSetup(
        A=A, b=b, x=None, x0_zero=True, xp=xp, n=n, matvec=matvec_of(A), pc=pc,
        bnorm=bnorm, rtol=rtol, atol=atol, t0=t0,
    )  # fmt: skip
    if x0_mb:
        x = xp.array(setup.psolve(b), dtype=b.dtype, copy=True)
        setup.x0_zero = False
    elif x0 is None:
        x = xp.zeros(n, dtype=b.dtype)
    else:
        x = xp.array(x0, dtype=b.dtype, copy=True)
        setup.x0_zero = not bool(x.any())
    setup.x = x
    return setup


def default_maxiter(maxiter: Any, default: int, name: str) -> int:
    """``maxiter`` validated (a positive integer), ``default`` when None."""
    if maxiter is None:
        return int(default)
    if isinstance(maxiter, bool) or int(maxiter) != maxiter or maxiter < 0:
        raise SolverInputError(f"{name}: maxiter must be a non-negative integer, got {maxiter!r}")
    return int(maxiter)


def axpy(a: Any, x: Vector, y: Vector, tmp: Vector, xp: ModuleType) -> None:
    """``y += a x`` in place, through the work vector ``tmp`` (no allocation)."""
    xp.multiply(x, a, out=tmp)
    xp.add(y, tmp, out=y)


def method_name(base: str, setup: KrylovSetup) -> str:
    """``"cg"`` or ``"cg+ilu"``: what ran, for the result."""
    return base if setup.pc is None else f"{base}+{setup.pc.name}"


def finish(
    setup: KrylovSetup,
    *,
    converged: bool,
    iterations: int,
    residuals: list[float],
    method: str,
    reason: str,
    residual_kind: str,
    target: float,
    true_residual: float | None = None,
    **extra: Any,
) -> SolveResult:
    """Build the :class:`SolveResult`; computes the true residual ``||b - A x||`` once
    (unless the method passes it, e.g. MINRES for ``A - shift I``)."""
    x = setup.x
    if true_residual is not None:
        true_res = float(true_residual)
    elif iterations == 0 and setup.x0_zero:
        true_res = setup.bnorm
    else:
        true_res = setup.norm(setup.b - setup.matvec(x))
    info = {
        "reason": reason,
        "residual_kind": residual_kind,
        "target": float(target),
        "true_residual": true_res,
        "rtol": setup.rtol,
        "atol": setup.atol,
        "bnorm": setup.bnorm,
        "pc": None if setup.pc is None else setup.pc.name,
    }
    info.update(extra)
    return SolveResult(
        x=x,
        converged=bool(converged),
        iterations=int(iterations),
        residuals=[float(r) for r in residuals],
        wall_time=time.perf_counter() - setup.t0,
        method=method,
        info=info,
    )


def zero_rhs_result(setup: KrylovSetup, method: str, residual_kind: str) -> SolveResult:
    """``b = 0``: the solution is ``x = 0`` whatever ``x0`` (scipy returns ``b`` likewise)."""
    setup.x = setup.xp.zeros_like(setup.b)
    setup.x0_zero = True
    return finish(
        setup, converged=True, iterations=0, residuals=[0.0], method=method,
        reason="b = 0: x = 0 is exact", residual_kind=residual_kind, target=0.0,
    )  # fmt: skip


def wrapper_info(result: SolveResult, maxiter_reported: int | None = None) -> int:
    """scipy's ``info``: 0 converged, a negative code for breakdown, else iterations done."""
    if result.converged:
        return 0
    code = result.info.get("info_code")
    if code is not None and code < 0:
        return int(code)
    it = result.iterations if maxiter_reported is None else maxiter_reported
    return max(int(it), 1)


def host_scalar(v: Any) -> Any:
    """A Python/numpy scalar on the host from an xp 0-d array or scalar."""
    if hasattr(v, "get"):
        v = v.get()
    return np.asarray(v)[()]
