"""The chunk solver: fast Poisson preconditioner, direct/sequence paths, residual guarantee."""

from __future__ import annotations

import numpy as np
import pytest

from pdesolve.datagen import DatagenError
from pdesolve.datagen.solvers import choose_solver, relative_residual, solve_chunk
from pdesolve.linalg.fast_poisson import FastPoissonPC
from pdesolve.models.darcy_fd import darcy_skr, darcy_symmetric, laplacian_5pt


@pytest.mark.parametrize("s", [9, 10, 21])  # FFT path (20 = 2²·5); dense sine: 22, 44
def test_fast_poisson_is_the_inverse_laplacian(s):
    pc = FastPoissonPC(s)
    assert (pc.sine is None) == (s == 9)
    r = np.random.default_rng(0).standard_normal(s * s)
    np.testing.assert_allclose(laplacian_5pt(s) @ pc(r), r, atol=1e-12)


def test_left_scaling_inverts_skr_darcy_exactly():
    a = np.exp(np.random.default_rng(1).standard_normal((12, 12)))
    A, b = darcy_skr(a)
    x = FastPoissonPC(12, A, "left")(b)
    assert relative_residual(A, b, x) < 1e-13


def test_sequence_path_meets_the_tolerance_on_the_true_residual():
    rng = np.random.default_rng(2)
    fields = np.where(rng.standard_normal((4, 30, 30)) > 0, 12.0, 3.0)
    systems = [darcy_symmetric(a) for a in fields]
    for solver in ("direct", "sequence"):
        xs, res, info = solve_chunk(systems, solver=solver, rtol=1e-10, features=fields,
                                    pc=FastPoissonPC.factory(30, "none"))
        assert info["solver"] == solver and res.max() <= 1e-10
        for (A, b), x in zip(systems, xs, strict=True):
            assert relative_residual(A, b, x) <= 1e-10
    # ~sqrt(12/3) log(2/tol) iterations per system whatever the resolution
    assert info["iterations"] <= 4 * 30


def test_auto_choice_and_bad_solver():
    assert choose_solver("auto", 100, True) == "direct"
    assert choose_solver("auto", 10_000, True) == "sequence"
    assert choose_solver("auto", 10_000, False) == "direct"
    with pytest.raises(DatagenError):
        choose_solver("magic", 10, True)


def test_cached_pattern_matrices_equal_the_reference_builders():
    from pdesolve.datagen.stencils import darcy_fno, darcy_harmonic

    a = np.exp(np.random.default_rng(3).standard_normal((9, 9)))
    A, b = darcy_harmonic(a, 2.0)
    A_ref, b_ref = darcy_symmetric(a, 2.0)
    assert abs(A - A_ref).max() < 1e-14 and np.allclose(b, b_ref)
    assert A.has_sorted_indices and np.array_equal(A.indptr, A_ref.indptr)
    # FNO's arithmetic-mean scheme, one interior row by hand: node (1, 1) of a 5 x 5 grid
    a5 = np.arange(1.0, 26.0).reshape(5, 5)
    A5, _ = darcy_fno(a5)
    faces = {(0, 1): (a5[1, 1] + a5[0, 1]) / 2, (2, 1): (a5[1, 1] + a5[2, 1]) / 2,
             (1, 0): (a5[1, 1] + a5[1, 0]) / 2, (1, 2): (a5[1, 1] + a5[1, 2]) / 2}
    row = A5[0].toarray().ravel()  # interior node (1, 1) is unknown 0; neighbours 1 and 3
    assert row[0] == pytest.approx(sum(faces.values()))
    assert row[1] == pytest.approx(-faces[(1, 2)]) and row[3] == pytest.approx(-faces[(2, 1)])
    assert (A5 != A5.T).nnz == 0
