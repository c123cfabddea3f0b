"""solve_sequence: answers match direct solves in the caller's order whatever the ordering,
warm start or recycling; warm starts and recycling cut iterations; failures are reported."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.errors import ConvergenceError
from pdesolve.linalg.sequence import projection_guess, solve_sequence
from pdesolve.linalg.validate import SolverInputError
from pdesolve.models.darcy_fd import darcy_skr, darcy_symmetric


def family(n_sys: int, s: int = 16, seed: int = 0):
    """Coefficient fields a_t = exp(t g), t ~ U(0, 1) in random order: a one-parameter family,
    so that nearby t give nearby systems."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, s)
    g = np.outer(np.sin(3 * x), np.cos(2 * x)) + 0.5 * np.add.outer(x, x)
    t = rng.uniform(0, 1, n_sys)
    return np.exp(t[:, None, None] * g), t


def direct(A, b):
    return spla.spsolve(A.tocsc(), b)


def relerr(x, y):
    return np.linalg.norm(x - y) / np.linalg.norm(y)


@pytest.mark.parametrize(
    "method, pc, build, order, warm",
    [
        ("gmres", "sor", darcy_skr, "greedy", "previous"),
        ("gmres", None, darcy_skr, "hilbert", "projection"),
        ("cg", "ssor", darcy_symmetric, "greedy", "nearest"),
        ("cg", "jacobi", darcy_symmetric, "none", "projection"),
        ("direct", None, darcy_skr, "greedy", None),
        ("gcrodr", "sor", darcy_skr, "greedy", "previous"),
        ("rcg", "ssor", darcy_symmetric, "greedy", None),
    ],
)
def test_every_solution_matches_a_direct_solve(method, pc, build, order, warm):
    fields, _ = family(8)
    systems = [build(a) for a in fields]
    res = solve_sequence(systems, fields, method=method, pc=pc, order=order, warm_start=warm,
                         rtol=1e-10)  # fmt: skip
    assert res.all_converged and len(res) == 8
    assert np.array_equal(np.sort(res.order), np.arange(8))
    for i, (A, b) in enumerate(systems):  # caller's order restored
        assert relerr(res[i], direct(A, b)) < 1e-7, i
        assert np.linalg.norm(b - A @ res.x[i]) <= 1.0001e-10 * np.linalg.norm(b)
    assert res.total_time >= res.wall_times.sum() > 0
    assert res.iterations.shape == (8,)


def test_greedy_order_follows_the_parameter():
    fields, t = family(12)
    res = solve_sequence([darcy_skr(a) for a in fields], fields, method="direct")
    walk = t[res.order]
    # on a line, a nearest-neighbour walk sweeps to one end, then crosses to the other:
    # at most twice the range (a random order travels about N/3 ranges)
    assert np.abs(np.diff(walk)).sum() <= 2 * (t.max() - t.min()) + 1e-12
    assert np.abs(np.diff(t)).sum() > 2 * (t.max() - t.min())


def test_warm_starts_reduce_iterations():
    fields, _ = family(12)
    systems = [darcy_symmetric(a) for a in fields]
    its = {
        ws: solve_sequence(systems, fields, method="cg", pc="ssor", warm_start=ws).total_iterations
        for ws in (None, "previous", "nearest", "projection")
    }
    assert its["previous"] < 0.9 * its[None]
    assert its["nearest"] < 0.9 * its[None]
    assert its["projection"] < 0.6 * its[None]


def test_recycling_changes_the_cost_not_the_answer():
    fields, _ = family(10)
    systems = [darcy_skr(a) for a in fields]
    fresh = solve_sequence(systems, fields, method="gcrodr", recycle=False, warm_start=None,
                           method_options={"m": 20, "k": 10})  # fmt: skip
    kept = solve_sequence(systems, fields, method="gcrodr", recycle=True, warm_start=None,
                          method_options={"m": 20, "k": 10})  # fmt: skip
    assert kept.total_iterations < 0.8 * fresh.total_iterations
    for x, y, (A, b) in zip(fresh.x, kept.x, systems, strict=True):
        ref = direct(A, b)
        assert relerr(x, ref) < 1e-6 and relerr(y, ref) < 1e-6
    assert kept.info["recycler"].k_current > 0


class CountingRecycler:
    """A minimal object with the recycling-solver protocol: records the calls it gets."""

    def __init__(self):
        self.resets, self.same = 0, []

    def reset(self):
        self.resets += 1

    def solve(self, A, b, x0=None, *, rtol, atol, maxiter, M, raise_on_failure, same_matrix):
        self.same.append(same_matrix)
        return ps.linalg.solve(A, b, method="gmres", pc=M, rtol=rtol, x0=x0, restart=30)


def test_solver_object_protocol_and_callable_systems():
    fields, _ = family(5)
    A_fixed = darcy_skr(fields[0])[0]
    rhs = np.random.default_rng(5).standard_normal((5, A_fixed.shape[0]))
    calls = []
    rec = CountingRecycler()
    res = solve_sequence(lambda i: (A_fixed, rhs[i]), count=5, method=rec, pc="sor",
                         recycle=False, callback=lambda i, r: calls.append(i))  # fmt: skip
    assert rec.resets == 5 and rec.same == [None, True, True, True, True]
    assert calls == list(range(5)) and res.all_converged
    for i in range(5):
        assert relerr(res[i], direct(A_fixed, rhs[i])) < 1e-6
    factory = solve_sequence(lambda i: (A_fixed, rhs[i]), count=5, method="gmres",
                             pc=ps.linalg.PreconditionerFactory(
                                 lambda A: ps.linalg.make_preconditioner("ilu", A)))  # fmt: skip
    assert factory.total_iterations < res.total_iterations


def test_projection_guess_is_exact_in_the_span():
    fields, _ = family(3)
    A, _ = darcy_symmetric(fields[0])
    rng = np.random.default_rng(6)
    y1, y2 = rng.standard_normal((2, A.shape[0]))
    b = A @ (y1 - 2 * y2)
    for galerkin in (False, True):
        x0 = projection_guess(A, b, [y1, y2, y1 + y2], galerkin=galerkin)
        assert relerr(x0, y1 - 2 * y2) < 1e-10
    assert not projection_guess(A, b, []).any()


def test_failures_are_reported_with_the_system_index():
    fields, _ = family(4)
    systems = [darcy_skr(a) for a in fields]
    with pytest.raises(ConvergenceError, match="system 0"):
        solve_sequence(systems, method="gmres", maxiter=3, order="none")
    res = solve_sequence(systems, method="gmres", maxiter=3, raise_on_failure=False)
    assert not res.converged.any() and res.iterations.max() == 3


def test_bad_input():
    fields, _ = family(3)
    systems = [darcy_skr(a) for a in fields]
    with pytest.raises(SolverInputError):
        solve_sequence(systems, warm_start="nearest")
    with pytest.raises(SolverInputError):
        solve_sequence(lambda i: systems[i])
    with pytest.raises(SolverInputError):
        solve_sequence(systems, fields[:2], order="greedy")
    with pytest.raises(SolverInputError):
        solve_sequence(systems, warm_start="magic")
    with pytest.raises(SolverInputError):
        solve_sequence([(systems[0][0],)])


def test_exported_from_linalg():
    assert ps.linalg.solve_sequence is solve_sequence
