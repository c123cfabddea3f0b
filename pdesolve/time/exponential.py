"""Exponential time differencing (ETD) for ``du/dt = L u + N(t, u)`` with a stiff linear ``L``.

The linear part is integrated exactly through the φ-functions

.. math::

    \\varphi_0(z) = e^z, \\quad \\varphi_{k+1}(z) = \\frac{\\varphi_k(z) - 1/k!}{z}
    \\quad(\\varphi_1 = \\tfrac{e^z - 1}{z},\\ \\varphi_2 = \\tfrac{e^z - 1 - z}{z^2},\\
    \\varphi_3 = \\tfrac{e^z - 1 - z - z^2/2}{z^3}),

so stiffness in ``L`` costs no stability (Hochbruck–Ostermann 2010). Schemes, with
``h`` the step, ``N_u = N(t_n, u_n)`` and ``φ_k = φ_k(hL)``:

- ``"exp-euler"`` (order 1): ``u_{n+1} = e^{hL} u_n + h φ_1 N_u``;
- ``"etdrk2"`` (Cox–Matthews 2002, eq. (22)), order 2:
  ``a = e^{hL} u_n + h φ_1 N_u``, ``u_{n+1} = a + h φ_2 (N(t_n + h, a) − N_u)``;
- ``"etdrk4"`` (Cox–Matthews 2002, eqs. (26)–(29)), order 4:

  .. math::

      a &= e^{hL/2} u_n + \\tfrac h2 \\varphi_1(hL/2) N_u, \\qquad
      b = e^{hL/2} u_n + \\tfrac h2 \\varphi_1(hL/2) N(t_n + \\tfrac h2, a), \\\\
      c &= e^{hL/2} a + \\tfrac h2 \\varphi_1(hL/2) \\big(2 N(t_n + \\tfrac h2, b) - N_u\\big), \\\\
      u_{n+1} &= e^{hL} u_n + h\\big[(\\varphi_1 - 3\\varphi_2 + 4\\varphi_3) N_u
        + 2(\\varphi_2 - 2\\varphi_3)(N_a + N_b) + (4\\varphi_3 - \\varphi_2) N_c\\big].

  For diagonal problems with smooth data it shows order 4; in the abstract parabolic
  framework its stiff order can drop (to 2 in the worst case; Hochbruck–Ostermann 2005, 2010).

How the φ-functions are evaluated
---------------------------------
- **Diagonal symbol** ``L`` (numpy array, broadcast against the state: Fourier symbols):
  by the contour integral of Kassam–Trefethen (2005), the mean of ``φ_k`` over ``M = 32``
  points on a circle of radius 1 around each ``z = hL`` — exact for entire functions by Cauchy's
  formula and free of the cancellation of the closed forms near ``z = 0``. For real ``hL`` the
  points lie on the upper half circle and the real part is taken (Kassam–Trefethen's trick);
  for complex ``hL`` (dispersive symbols, complex ``dt``) the full circle is used. The
  coefficients are computed **once per step size** and cached (a few step sizes are kept).
- **Sparse matrix** ``L``: ``e^{hL} v + Σ_k φ_k(hL) w_k`` is a single
  :func:`scipy.sparse.linalg.expm_multiply` of the augmented matrix (Al-Mohy–Higham 2011,
  Thm 2.1; Sidje's Expokit, 1998)

  .. math::

      \\exp\\begin{pmatrix} hL & W \\\\ 0 & J \\end{pmatrix}
      \\begin{pmatrix} v \\\\ e_p \\end{pmatrix}
      = \\begin{pmatrix} e^{hL} v + \\sum_{k=1}^p \\varphi_k(hL) w_k \\\\ \\ast \\end{pmatrix},
      \\quad W = [w_p, \\dots, w_1],\\ J = \\text{the } p\\times p \\text{ shift}
      \\ (J_{i,i+1} = 1),

  (it solves ``y' = hL y + Σ w_k s^{k-1}/(k-1)!`` over ``s ∈ [0, 1]``). ETDRK4 makes four such
  products per step (three half steps with ``p = 1`` and the full step with ``p = 3``).

Fused diagonal ETDRK4
---------------------
For a real diagonal symbol and a complex128 state of at least :attr:`ETDRK4.fuse_min_size`
entries (Fourier coefficients, batch axes in front), the four linear combinations of the step run
as fused numba loops (:mod:`._etd_kernels`) writing into reused stage buffers, instead of the ~20
numpy temporaries of the expression form; the results agree to rounding. ``N`` sees the stage
buffers: it must return a new array and keep no reference to its argument. Set
``fuse_min_size = None`` on a stepper to force the numpy path.

No mass matrix: pass ``L = M⁻¹K`` (a lumped mass) or use an IMEX stepper.

References
----------
S. M. Cox and P. C. Matthews, "Exponential time differencing for stiff systems", J. Comput.
Phys. 176 (2002) 430–455.
A.-K. Kassam and L. N. Trefethen, "Fourth-order time-stepping for stiff PDEs", SIAM J. Sci.
Comput. 26 (2005) 1214–1233.
M. Hochbruck and A. Ostermann, "Exponential integrators", Acta Numerica 19 (2010) 209–286;
"Explicit exponential Runge–Kutta methods for semilinear parabolic problems", SIAM J. Numer.
Anal. 43 (2005) 1069–1090.
A. H. Al-Mohy and N. J. Higham, "Computing the action of the matrix exponential, with an
application to exponential integrators", SIAM J. Sci. Comput. 33 (2011) 488–511.
R. B. Sidje, "Expokit: a software package for computing matrix exponentials", ACM TOMS 24
(1998) 130–156.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ._common import RHS, StepperBase, StepperError, check_finite

__all__ = ["phi_functions", "phi_apply", "ExponentialEuler", "ETDRK2", "ETDRK4"]


def phi_functions(z: Any, kmax: int = 3, contour_points: int = 32) -> list[np.ndarray]:
    """``[φ_1(z), ..., φ_kmax(z)]`` elementwise by the Kassam–Trefethen contour integral.

    Parameters
    ----------
    z : array_like
        Real or complex arguments (e.g. ``h`` times a Fourier symbol).
    kmax : int
    contour_points : int
        ``M`` points on the upper half (real ``z``) or the whole (complex ``z``) unit circle
        around each ``z``.

    Returns
    -------
    list of ndarray
        Real arrays for real ``z``, complex otherwise.
    """
    z = np.asarray(z)
    real = z.dtype.kind != "c"
    m = int(contour_points)
    if real:
        roots = np.exp(1j * np.pi * (np.arange(1, m + 1) - 0.5) / m)
    else:
        roots = np.exp(2j * np.pi * (np.arange(1, m + 1) - 0.5) / m)
    acc = [np.zeros(z.shape, dtype=complex) for _ in range(kmax)]
    for r in roots:  # a loop over the points keeps memory at O(z.size)
        w = z + r
        ew = np.exp(w)
        p = (ew - 1.0) / w  # φ_1(w)
        acc[0] += p
        fact = 1.0
        for k in range(2, kmax + 1):
            fact /= k - 1  # 1/(k-1)!
            p = (p - fact) / w
            acc[k - 1] += p
    out = [a / m for a in acc]
    return [o.real.copy() for o in out] if real else out


def phi_apply(A: Any, v: np.ndarray, ws: list[np.ndarray]) -> np.ndarray:
    """``e^{A} v + Σ_{k=1}^{p} φ_k(A) w_k`` for a sparse ``A`` by one ``expm_multiply`` of the
    augmented matrix (module docstring); ``ws = [w_1, ..., w_p]``."""
    n = A.shape[0]
    p = len(ws)
    if p == 0:
        return spla.expm_multiply(A, v)
    dtype = np.result_type(A.dtype, v, *ws)
    W = np.column_stack(ws[::-1]).astype(dtype)  # [w_p, ..., w_1]
    J = sp.eye(p, p, k=1, dtype=dtype, format="csr")
    B = sp.bmat([[A, sp.csr_matrix(W)], [None, J]], format="csr")
    x = np.concatenate([v.astype(dtype), np.zeros(p, dtype=dtype)])
    x[-1] = 1.0
    trace = A.diagonal().sum()
    return spla.expm_multiply(B, x, traceA=trace)[:n]


class _ETDBase(StepperBase):
    _kmax = 1

    def __init__(self, *, linear: Any, nonlinear: RHS | None = None, contour_points: int = 32):
        super().__init__()
        if linear is None:
            raise StepperError(f"{self.name} needs linear=L (and nonlinear=N(t, u))")
        if isinstance(linear, spla.LinearOperator):
            raise StepperError(
                f"{self.name}: give L as a diagonal symbol (array) or a sparse matrix; a "
                "LinearOperator has no expm_multiply here"
            )
        if sp.issparse(linear):
            self.kind = "matrix"
            self.L = sp.csr_matrix(linear)
            if self.L.shape[0] != self.L.shape[1]:
                raise StepperError(f"linear must be square, got shape {self.L.shape}")
            check_finite(self.L.data, "linear=")
        else:
            L = np.asarray(linear)
            if L.dtype.kind not in "biufc":
                raise StepperError(f"linear must be numeric, got dtype {L.dtype}")
            L = L.astype(np.result_type(L, np.float64))
            check_finite(L, "the diagonal symbol linear=")
            self.kind = "diagonal"
            self.L = L
            self._complex_dt = True
        if contour_points < 8:
            raise StepperError("contour_points must be >= 8 (Kassam–Trefethen use 32)")
        self.contour_points = int(contour_points)
        if nonlinear is None:
            self.N: RHS = lambda t, u: np.zeros_like(u)  # noqa: E731
        else:
            self.N = self._rhs(nonlinear, "nonlinear")
        self._coeffs: OrderedDict[Any, Any] = OrderedDict()
        self._buffers: tuple[np.ndarray, ...] | None = None

    def _check_state(self, u: np.ndarray) -> None:
        if self.kind == "diagonal":
            try:
                ok = np.broadcast_shapes(self.L.shape, u.shape) == u.shape
            except ValueError:
                ok = False
            if not ok:
                raise StepperError(
                    f"the diagonal symbol linear= has shape {self.L.shape}, which does not "
                    f"broadcast to the state's shape {u.shape}"
                )
        elif u.shape != (self.L.shape[0],):
            raise StepperError(
                f"the state has shape {u.shape}; with a {self.L.shape[0]}x{self.L.shape[0]} "
                f"linear operator it must be a vector of shape ({self.L.shape[0]},)"
            )

    def coefficients(self, dt: Any) -> dict[str, np.ndarray]:
        """The diagonal scheme's coefficients for step ``dt`` (computed once, cached)."""
        key = complex(dt) if isinstance(dt, complex) else float(dt)
        if key in self._coeffs:
            self._coeffs.move_to_end(key)
            return self._coeffs[key]
        co = self._build(dt)
        self.stats["factorizations"] += 1  # coefficient sets built
        self._coeffs[key] = co
        if len(self._coeffs) > 4:
            self._coeffs.popitem(last=False)
        return co

    def _phis(self, z: np.ndarray) -> list[np.ndarray]:
        return phi_functions(z, self._kmax, self.contour_points)

    def _build(self, dt: Any) -> dict[str, np.ndarray]:  # pragma: no cover
        raise NotImplementedError


class ExponentialEuler(_ETDBase):
    """Exponential Euler ``u_{n+1} = e^{hL} u_n + h φ_1(hL) N(t_n, u_n)`` (``"exp-euler"``),
    order 1 (Hochbruck–Ostermann 2010, §2.2; ETD1 of Cox–Matthews 2002).

    Parameters
    ----------
    linear : ndarray (diagonal symbol) or sparse matrix
    nonlinear : callable ``N(t, u)``, optional
    contour_points : int
        Points of the Kassam–Trefethen contour (diagonal ``L``).
    """

    name = "exp-euler"
    order = 1

    def _build(self, dt: Any) -> dict[str, np.ndarray]:
        z = dt * self.L
        (p1,) = self._phis(z)
        return {"E": np.exp(z), "P1": dt * p1}

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        Nu = self.N(t, u)
        if self.kind == "diagonal":
            co = self.coefficients(dt)
            return co["E"] * u + co["P1"] * Nu
        return phi_apply(dt * self.L, u, [dt * Nu])


class ETDRK2(_ETDBase):
    """Cox–Matthews ETDRK2 (``"etdrk2"``), order 2:
    ``a = e^{hL}u + hφ_1 N_u``, ``u_{n+1} = a + hφ_2 (N(t+h, a) − N_u)``.

    Parameters as :class:`ExponentialEuler`.
    """

    name = "etdrk2"
    order = 2
    _kmax = 2

    def _build(self, dt: Any) -> dict[str, np.ndarray]:
        z = dt * self.L
        p1, p2 = self._phis(z)
        return {"E": np.exp(z), "P1": dt * p1, "P2": dt * p2}

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        Nu = self.N(t, u)
        if self.kind == "diagonal":
            co = self.coefficients(dt)
            a = co["E"] * u + co["P1"] * Nu
            return a + co["P2"] * (self.N(t + dt, a) - Nu)
        A = dt * self.L
        a = phi_apply(A, u, [dt * Nu])
        Na = self.N(t + dt, a)
        return phi_apply(A, u, [dt * Nu, dt * (Na - Nu)])


class ETDRK4(_ETDBase):
    """Cox–Matthews ETDRK4 (``"etdrk4"``), order 4, with Kassam–Trefethen coefficients.

    For a diagonal symbol the step is Kassam–Trefethen's (their ``kursiv.m``):
    ``E = e^{hL}``, ``E2 = e^{hL/2}``, ``Q = (h/2) φ_1(hL/2)``,
    ``f1 = h(φ_1 − 3φ_2 + 4φ_3)``, ``f2 = h(φ_2 − 2φ_3)``, ``f3 = h(4φ_3 − φ_2)``;
    ``a = E2 u + Q N_u``, ``b = E2 u + Q N_a``, ``c = E2 a + Q (2N_b − N_u)``,
    ``u_{n+1} = E u + f1 N_u + 2 f2 (N_a + N_b) + f3 N_c`` — four evaluations of ``N``.

    Parameters as :class:`ExponentialEuler`.

    Examples
    --------
    >>> import numpy as np
    >>> etd = ETDRK4(linear=np.array([-1.0, -1000.0]), nonlinear=lambda t, u: np.cos(t) + 0 * u)
    >>> u = etd.step(0.0, np.array([1.0, 1.0]), 0.1)
    >>> u.shape
    (2,)
    """

    name = "etdrk4"
    order = 4
    _kmax = 3

    def _build(self, dt: Any) -> dict[str, np.ndarray]:
        z = dt * self.L
        p1, p2, p3 = self._phis(z)
        (q1,) = phi_functions(z / 2, 1, self.contour_points)
        return {
            "E": np.exp(z),
            "E2": np.exp(z / 2),
            "Q": (dt / 2) * q1,
            "f1": dt * (p1 - 3 * p2 + 4 * p3),
            "f2x2": (2 * dt) * (p2 - 2 * p3),
            "f3": dt * (4 * p3 - p2),
        }

    #: states with at least this many entries take the fused path (module docstring)
    fuse_min_size: int | None = 2048

    def _fusable(self, u: np.ndarray, co: dict[str, np.ndarray]) -> bool:
        E = co["E"]
        return (
            self.fuse_min_size is not None
            and u.size >= self.fuse_min_size
            and u.dtype == np.complex128
            and u.flags.c_contiguous
            and E.dtype == np.float64
            and E.ndim <= u.ndim
            and u.shape[u.ndim - E.ndim:] == E.shape
        )

    def _step_fused(self, t: Any, u: np.ndarray, dt: Any, co: dict[str, np.ndarray]
                    ) -> np.ndarray:
        """The diagonal step with the elementwise work in four fused numba passes and the
        stage states in reused buffers (:mod:`._etd_kernels`)."""
        from . import _etd_kernels as K

        S = co["E"].size
        shape = u.shape
        if self._buffers is None or self._buffers[0].shape != (u.size // S, S):
            self._buffers = tuple(np.empty((u.size // S, S), dtype=np.complex128)
                                  for _ in range(4))
        E2u, a, b, c = self._buffers
        flat = {k: v.reshape(-1) for k, v in co.items()}

        def n_eval(tt: Any, x: np.ndarray) -> np.ndarray:
            r = self.N(tt, x.reshape(shape))
            return np.ascontiguousarray(r, dtype=np.complex128).reshape(-1, S)

        u2 = u.reshape(-1, S)
        Nu = n_eval(t, u2)
        K.stage_a(flat["E2"], flat["Q"], u2, Nu, E2u, a)
        Na = n_eval(t + dt / 2, a)
        K.stage_b(flat["Q"], E2u, Na, b)
        Nb = n_eval(t + dt / 2, b)
        K.stage_c(flat["E2"], flat["Q"], a, Nb, Nu, c)
        Nc = n_eval(t + dt, c)
        out = np.empty_like(u2)
        K.combine(flat["E"], flat["f1"], flat["f2x2"], flat["f3"], u2, Nu, Na, Nb, Nc, out)
        return out.reshape(shape)

    def _step(self, t: Any, u: np.ndarray, dt: Any) -> np.ndarray:
        N = self.N
        th = t + dt / 2
        if self.kind == "diagonal":
            co = self.coefficients(dt)
            if self._fusable(u, co):
                return self._step_fused(t, u, dt, co)
            E2u = co["E2"] * u
            Q = co["Q"]
            Nu = N(t, u)
            a = E2u + Q * Nu
            Na = N(th, a)
            b = E2u + Q * Na
            Nb = N(th, b)
            c = co["E2"] * a + Q * (2 * Nb - Nu)
            Nc = N(t + dt, c)
            return co["E"] * u + co["f1"] * Nu + co["f2x2"] * (Na + Nb) + co["f3"] * Nc
        A = dt * self.L
        A2 = A / 2
        h2 = dt / 2
        Nu = N(t, u)
        a = phi_apply(A2, u, [h2 * Nu])
        Na = N(th, a)
        b = phi_apply(A2, u, [h2 * Na])
        Nb = N(th, b)
        c = phi_apply(A2, a, [h2 * (2 * Nb - Nu)])
        Nc = N(t + dt, c)
        Nab = Na + Nb
        w1 = dt * Nu
        w2 = dt * (-3 * Nu + 2 * Nab - Nc)
        w3 = (4 * dt) * (Nu - Nab + Nc)
        return phi_apply(A, u, [w1, w2, w3])
