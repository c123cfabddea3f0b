"""Manufactured solutions and the convergence fits shared by the Chebyshev and Legendre tests."""

import numpy as np

from pdesolve.spectral._galerkin import helmholtz_2d

#: u = 1/(2 − x) has a pole at x = 2: the Bernstein ellipse through it has
#: ρ = 2 + √3, so spectral errors decay like ρ^{−n}
RHO = 2.0 + np.sqrt(3.0)
FINE = np.linspace(-1.0, 1.0, 301)


def pole(x):
    return 1.0 / (2.0 - x)


def pole_xx(x):
    return 2.0 / (2.0 - x) ** 3


def exponential_rate(ns, errors):
    """Slope of log(error) against n (least squares): ≈ −log ρ for ρ^{−n} decay."""
    return np.polyfit(np.asarray(ns, float), np.log(errors), 1)[0]


def dirichlet_1d_errors(cls, ns):
    """−u'' = f with u = 1/(2 − x): non-homogeneous data through the lifting."""
    errs = []
    for n in ns:
        V = cls(n)
        u = V.solve(lambda x: -pole_xx(x), bc=(pole(-1.0), pole(1.0)))
        errs.append(np.abs(V.evaluate(u, FINE) - pole(FINE)).max())
    return errs


def neumann_1d_errors(cls, ns, alpha=1.0):
    """α u − u'' = f with u = 1/(2 − x), slopes u'(±1) = 1/(2 ∓ 1)²."""
    errs = []
    for n in ns:
        V = cls(n)
        f = lambda x: alpha * pole(x) - pole_xx(x)  # noqa: E731
        u = V.solve(f, alpha=alpha, bc=(1 / 9, 1.0))
        errs.append(np.abs(V.evaluate(u, FINE) - pole(FINE)).max())
    return errs


def dirichlet_2d_errors(cls, ns):
    """−Δu = f on [-1, 1]², u = 1/((2 − x)(2 − y)), data on the whole boundary (Coons lift)."""
    errs = []
    for n in ns:
        V = cls(n)
        X, Y = np.meshgrid(V.x, V.x, indexing="ij")
        exact = lambda X, Y: pole(X) * pole(Y)  # noqa: E731
        f = lambda X, Y: -pole_xx(X) * pole(Y) - pole(X) * pole_xx(Y)  # noqa: E731
        u = helmholtz_2d(V, V, f, bc=exact)
        errs.append(np.abs(u - exact(X, Y)).max())
    return errs


def helmholtz_2d_case(Vx, Vy, alpha):
    """α u − Δu = f, u = sin(πx)·eˣ·g(y) with g = sin(πy) (Dirichlet in y) or cos(πy)
    (Neumann in y); returns the max nodal error."""
    X, Y = np.meshgrid(Vx.x, Vy.x, indexing="ij")
    ux = np.sin(np.pi * X) * np.exp(X)
    ux_xx = np.exp(X) * ((1 - np.pi**2) * np.sin(np.pi * X) + 2 * np.pi * np.cos(np.pi * X))
    gy = np.sin(np.pi * Y) if Vy.kind == "dirichlet" else np.cos(np.pi * Y)
    exact = ux * gy
    f = alpha * exact - ux_xx * gy + np.pi**2 * exact
    return np.abs(helmholtz_2d(Vx, Vy, f, alpha=alpha) - exact).max()


def allen_cahn_imex_errors(cls, dts, n=20, t_end=0.5, method="sbdf2"):
    """u_t = u_xx + u − u³ + g on (−1, 1), u(±1) = 0, exact u = e^{−t} cos(πx/2), stepped by a
    time-layer IMEX stepper on the Galerkin coefficients (sparse M and K, pseudo-spectral
    reaction); returns the max nodal error at t_end for each dt."""
    from pdesolve.time import stepper

    def exact(t, x):
        return np.exp(-t) * np.cos(np.pi * x / 2)

    def reaction(t, x, u):
        e = exact(t, x)
        g = (np.pi**2 / 4 - 2.0) * e + e**3  # u_t − u_xx − u + u³ for the exact solution
        return u - u**3 + g

    V = cls(n)
    errs = []
    for dt in dts:
        step = stepper(method, **V.imex_problem(reaction, diffusion=1.0))
        c, t = V.from_values(exact(0.0, V.x)), 0.0
        for _ in range(int(round(t_end / dt))):
            c = step.step(t, c, dt)
            t += dt
        errs.append(np.abs(V.to_values(c) - exact(t, V.x)).max())
    return errs


def galerkin_matrices_by_quadrature(V, family_module):
    """M and K = −(φ_j'', φ_k)_ω of a Shen basis by a 64-point Gauss rule of its weight, from
    numpy's polynomial classes (independent of the closed forms under test)."""
    S = V.stencil.toarray()
    if family_module == "chebyshev":
        from numpy.polynomial import chebyshev as P

        xq = np.cos(np.pi * (np.arange(64) + 0.5) / 64)
        wq = np.full(64, np.pi / 64)
        vander, val, der = P.chebvander, P.chebval, P.chebder
    else:
        from numpy.polynomial import legendre as P

        xq, wq = P.leggauss(64)
        vander, val, der = P.legvander, P.legval, P.legder
    phi = vander(xq, V.n - 1) @ S
    phi_xx = np.stack([val(xq, der(S[:, k], 2)) for k in range(V.size)], axis=1)
    M = phi.T @ (wq[:, None] * phi)
    K = -phi.T @ (wq[:, None] * phi_xx)
    return M, K
