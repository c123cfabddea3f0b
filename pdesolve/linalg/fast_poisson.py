r"""The fast sine-transform Poisson preconditioner for five-point systems on a square.

The five-point matrix ``L`` (diagonal 4, neighbours −1) on ``s x s`` interior nodes is
diagonalised by the type-I sine transform, ``L = S Λ S`` with
``Λ_ij = 4 − 2 cos(π i/(s+1)) − 2 cos(π j/(s+1))``, so ``L⁻¹ r`` costs two FFTs (Buzbee,
Golub & Nielson 1970) — or, when ``2(s+1)`` has a prime factor above 7 (``s = 100``:
202 = 2·101, where the FFT is several times slower), four dense ``s x s`` products with the
orthonormal sine matrix.

For ``−∇·(a∇u)`` with ``a ∈ [a₋, a₊]``, ``a₋ L ≤ A ≤ a₊ L`` and CG preconditioned by ``L⁻¹``
needs ``O(√(a₊/a₋) log(1/tol))`` iterations independent of the mesh (Concus & Golub 1973).
For SKR's ``A = L D_a`` (``−Δ(a u)``), ``D_a⁻¹ L⁻¹`` is the exact inverse, and for their
Helmholtz matrix ``L D_a − h²k² I`` it leaves ``I − h²k² D_a⁻¹L⁻¹`` (a poor preconditioner for
moderate ``k``: :func:`~pdesolve.linalg.choose_method` then prefers LU).

References
----------
B. L. Buzbee, G. H. Golub and C. W. Nielson, "On direct methods for solving Poisson's
equations", SIAM J. Numer. Anal. 7 (1970) 627–656.
P. Concus and G. H. Golub, "Use of fast direct methods for the efficient numerical solution
of nonseparable elliptic equations", SIAM J. Numer. Anal. 10 (1973) 1103–1120.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import numpy as np
import scipy.fft as sfft

from .preconditioner import Preconditioner, PreconditionerFactory
from .validate import SolverInputError

__all__ = ["FastPoissonPC", "Scaling"]

Scaling = Literal["none", "symmetric", "left"]


class FastPoissonPC(Preconditioner):
    """``r -> D_l L⁻¹ D_r r``: the fast sine-transform Poisson solve, optionally diagonally scaled.

    Parameters
    ----------
    s : int
        Interior nodes per side (``n = s²``, row-major numbering).
    A : sparse matrix, optional
        The system matrix; its diagonal ``d = diag(A) / 4`` scales the solve.
    scaling : {"none", "symmetric", "left"}
        ``"none"``: ``L⁻¹`` (symmetric Darcy with a rough coefficient); ``"symmetric"``:
        ``D^{-1/2} L⁻¹ D^{-1/2}`` (smooth coefficients, stays SPD); ``"left"``: ``D⁻¹ L⁻¹``
        (SKR's ``A = L D_a``, exact for it; not symmetric).

    Good values: ``"none"`` for CG on a symmetric variable-coefficient Darcy matrix (~20
    iterations to 1e-8 at contrast 12, any resolution); ``"left"`` for SKR's matrices.
    """

    name = "fast-poisson"

    def __init__(self, s: int, A: Any = None, scaling: Scaling = "none"):
        t0 = time.perf_counter()
        if scaling not in ("none", "symmetric", "left"):
            raise SolverInputError(
                f"scaling must be 'none', 'symmetric' or 'left', not {scaling!r}"
            )
        self.s = int(s)
        if self.s < 1:
            raise SolverInputError(f"need s >= 1 interior nodes per side, got {s}")
        c = np.cos(np.pi * np.arange(1, self.s + 1) / (self.s + 1))
        self.eig = 4.0 - 2.0 * c[:, None] - 2.0 * c[None, :]
        self.sine = None  # dense orthonormal DST-I matrix when the FFT length is awkward
        if self.s <= 512 and sfft.next_fast_len(2 * (self.s + 1), real=True) != 2 * (self.s + 1):
            k = np.arange(1, self.s + 1)
            self.sine = np.sqrt(2.0 / (self.s + 1)) * np.sin(np.pi * np.outer(k, k) / (self.s + 1))
        self.scaling = scaling
        self.symmetric = scaling != "left"
        self.d = None
        if scaling != "none":
            self._scale_by(A)
        self.setup_time = time.perf_counter() - t0

    def _scale_by(self, A: Any) -> None:
        if A is None:
            raise SolverInputError(f"scaling={self.scaling!r} needs the matrix")
        if A.shape[0] != self.s**2:
            raise SolverInputError(f"matrix of size {A.shape[0]} is not {self.s}^2")
        self.d = np.asarray(A.diagonal(), dtype=float) / 4.0
        if (self.d <= 0).any():
            raise SolverInputError("fast Poisson scaling needs a positive diagonal")
        self._root = 1.0 / np.sqrt(self.d)

    def poisson(self, r: np.ndarray) -> np.ndarray:
        """``L⁻¹ r`` by two orthonormal type-I sine transforms."""
        r2 = np.asarray(r, dtype=float).reshape(self.s, self.s)
        if self.sine is not None:
            S = self.sine  # symmetric and orthogonal: S⁻¹ = S
            return (S @ (((S @ r2 @ S) / self.eig) @ S)).ravel()
        y = sfft.dstn(r2, type=1, norm="ortho", workers=1)
        return sfft.idstn(y / self.eig, type=1, norm="ortho", workers=1).ravel()

    def __call__(self, r: np.ndarray) -> np.ndarray:
        if self.scaling == "none":
            return self.poisson(r)
        if self.scaling == "symmetric":
            return self._root * self.poisson(self._root * r)
        return self.poisson(r) / self.d

    def rescaled(self, A: Any) -> FastPoissonPC:
        """The same transform (eigenvalues, sine matrix shared) scaled by ``A``'s diagonal."""
        pc = object.__new__(type(self))
        pc.__dict__.update(self.__dict__)
        pc.d = None
        if self.scaling != "none":
            pc._scale_by(A)
        return pc

    @classmethod
    def factory(cls, s: int, scaling: Scaling = "none") -> PreconditionerFactory:
        """A :class:`PreconditionerFactory` ``A -> FastPoissonPC(s, A, scaling)`` for a
        sequence; the transform is set up once and shared by every matrix."""
        base = cls(s)
        base.scaling, base.symmetric = scaling, scaling != "left"
        return PreconditionerFactory(base.rescaled, name=f"fast-poisson({scaling})")
