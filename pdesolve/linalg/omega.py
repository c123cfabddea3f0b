"""Young's optimal SOR relaxation factor and the Jacobi spectral radius it needs.

:func:`young_omega` gives Young's optimal relaxation factor ``ω_opt = 2 / (1 + √(1 − ρ_J²))``
from the spectral radius ``ρ_J`` of the Jacobi iteration matrix ``I − D⁻¹A``
(:func:`jacobi_spectral_radius`: Lanczos for symmetric ``A`` with a positive diagonal, ARPACK
otherwise); it is exact for consistently ordered matrices with real Jacobi eigenvalues (the
5-point Laplacian in natural or red–black order, tridiagonal matrices), where SOR then converges
at the rate ``ω_opt − 1`` against Gauss–Seidel's ``ρ_J²``.

References
----------
D. M. Young, "Iterative methods for solving partial difference equations of elliptic type",
Trans. Amer. Math. Soc. 76 (1954) 92–111.
R. S. Varga, *Matrix Iterative Analysis*, Prentice-Hall 1962 (ch. 3–4: SOR theory and
the optimal ω).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .sweeps import splitting
from .validate import SolverInputError

__all__ = ["jacobi_spectral_radius", "young_omega"]


def _is_symmetric(A: sp.csr_matrix) -> bool:
    diff = abs(A - A.T)
    scale = abs(A).max() if A.nnz else 0.0
    return diff.nnz == 0 or diff.max() <= 1e-12 * scale


def _lanczos_jacobi_radius(B: sp.csr_matrix, tol: float, maxiter: int) -> tuple[float, int, bool]:
    """``max |1 − λ|`` over the spectrum of the symmetric ``B`` by plain Lanczos.

    No reorthogonalisation: loss of orthogonality only duplicates converged Ritz values, and
    the extreme Ritz values (eigenvalues of the tridiagonal ``T_k``, by bisection) converge
    monotonically outwards. What SOR needs is ``q = 1 − ρ_J`` to relative accuracy (``ω_opt``
    depends on ``√(1 − ρ_J²)``), so the test is ``|q_k − q_{k'}| ≤ tol · |q_k|`` with
    ``k' ≈ 7k/8``: Lanczos converges at least linearly here, so once the error halves between
    ``k'`` and ``k`` the change bounds the remaining error.
    """
    from scipy.linalg import eigvalsh_tridiagonal

    n = B.shape[0]
    v = np.random.default_rng(0).standard_normal(n)
    v /= np.linalg.norm(v)
    v_prev = np.zeros(n)
    w = np.empty(n)
    alphas: list[float] = []
    betas: list[float] = []
    beta = 0.0
    history: dict[int, float] = {}
    rho = 0.0
    for k in range(1, maxiter + 1):
        w[:] = B @ v
        alpha = float(w @ v)
        w -= alpha * v
        w -= beta * v_prev
        alphas.append(alpha)
        beta = float(np.linalg.norm(w))
        breakdown = beta <= 1e-13 * max(abs(alpha), 1.0)
        if k % 10 == 0 or breakdown or k == maxiter:
            d, e = np.array(alphas), np.array(betas)
            lo = eigvalsh_tridiagonal(d, e, select="i", select_range=(0, 0))[0]
            hi = eigvalsh_tridiagonal(d, e, select="i", select_range=(k - 1, k - 1))[0]
            rho = max(abs(1.0 - lo), abs(1.0 - hi))
            history[k] = rho
            back = k - 10 * max(1, k // 80)  # compare with about k·7/8
            if breakdown or (
                back in history and k >= 20 and abs(rho - history[back]) <= tol * abs(1.0 - rho)
            ):
                return rho, k, True
        betas.append(beta)
        v_prev, v = v, v_prev
        np.divide(w, beta, out=v)
    return rho, maxiter, False


def jacobi_spectral_radius(
    A: Any, *, symmetric: bool | None = None, tol: float = 1e-5, maxiter: int | None = None
) -> float:
    """Spectral radius ``ρ_J`` of the Jacobi iteration matrix ``J = I − D⁻¹A``.

    For symmetric ``A`` with a positive diagonal, ``J`` is similar to ``I − D^{-1/2} A
    D^{-1/2}``; one Lanczos run on the scaled matrix gives both extreme eigenvalues ``λ`` and
    ``ρ_J = max |1 − λ|``. On the 5-point Laplacian this takes ``O(1/h)`` matrix-vector
    products (about 80 for h = 1/33, 2,400 for h = 1/1001): less than the SOR solve it tunes.
    Otherwise ARPACK's Arnoldi (``eigs``) finds the eigenvalue of ``J`` of largest modulus.
    Small matrices (n ≤ 100) are done densely.

    Parameters
    ----------
    A : sparse or dense matrix, or :class:`~pdesolve.linalg.sweeps.Splitting`
    symmetric : bool, optional
        Whether ``A`` is symmetric (checked when ``None``).
    tol : float
        Relative accuracy asked of ``1 − ρ_J`` (which is what Young's ω depends on).
    maxiter : int, optional
        Lanczos/Arnoldi step limit (default ``min(n, 20000)``); a Lanczos estimate that has not
        settled by then is returned with a ``RuntimeWarning`` (it underestimates ``ρ_J``).
    """
    S = splitting(A)
    M, n = S.matrix, S.n
    if n <= 100:
        J = np.eye(n) - M.toarray() * S.inv_diag[:, None]
        return float(np.max(np.abs(np.linalg.eigvals(J))))
    if symmetric is None:
        symmetric = _is_symmetric(M)
    maxiter = min(n, 20_000) if maxiter is None else int(maxiter)
    if symmetric and (S.diag > 0).all() and not np.iscomplexobj(M.data):
        scale = sp.diags(np.sqrt(S.inv_diag))
        rho, steps, ok = _lanczos_jacobi_radius((scale @ M @ scale).tocsr(), tol, maxiter)
        if not ok:
            warnings.warn(
                f"Lanczos estimate of the Jacobi spectral radius not settled after {steps} "
                f"steps (rho_J >= {rho:.8g}); pass rho_jacobi= or omega= explicitly",
                RuntimeWarning,
                stacklevel=2,
            )
        return rho
    matvec = lambda v: v - S.inv_diag * (M @ v)  # noqa: E731
    J = spla.LinearOperator(M.shape, matvec=matvec, dtype=M.dtype)
    try:
        lam = spla.eigs(
            J,
            k=1,
            which="LM",
            tol=tol,
            ncv=min(n, 40),
            maxiter=maxiter,
            return_eigenvectors=False,
        )
    except spla.ArpackNoConvergence as exc:
        raise SolverInputError(
            "ARPACK did not converge estimating the Jacobi spectral radius; pass rho_jacobi= "
            "(or omega=) explicitly"
        ) from exc
    return float(np.max(np.abs(lam)))


def young_omega(A: Any, rho_jacobi: float | None = None) -> float:
    """Young's optimal SOR relaxation factor ``ω_opt = 2 / (1 + √(1 − ρ_J²))``.

    Exact for consistently ordered matrices whose Jacobi matrix has real eigenvalues with
    ``ρ_J < 1`` (e.g. the 5-point Laplacian, where ``ρ_J = cos(πh)`` and ``ω_opt = 2 / (1 +
    sin(πh))``); SOR then converges at the rate ``ω_opt − 1`` (Young 1954; Varga
    1962, ch. 4). For other SPD matrices it is a good heuristic.

    Parameters
    ----------
    A : sparse or dense matrix, or :class:`~pdesolve.linalg.sweeps.Splitting`
        Only used when ``rho_jacobi`` is not given.
    rho_jacobi : float, optional
        The spectral radius of ``I − D⁻¹A`` (estimated by :func:`jacobi_spectral_radius`
        when omitted).

    Raises
    ------
    SolverInputError
        When ``ρ_J ≥ 1`` (Jacobi diverges; Young's theory does not apply).
    """
    rho = jacobi_spectral_radius(A) if rho_jacobi is None else float(rho_jacobi)
    if not 0.0 <= rho < 1.0:
        raise SolverInputError(
            f"Jacobi spectral radius rho_J={rho:.6g} is not below 1: Young's optimal omega needs "
            "a convergent Jacobi iteration; pass omega explicitly"
        )
    return 2.0 / (1.0 + np.sqrt(1.0 - rho * rho))
