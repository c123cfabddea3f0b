"""Exactness and basic properties of the reference-cell quadrature rules."""

from __future__ import annotations

from itertools import permutations, product
from math import factorial

import numpy as np
import pytest

from pdesolve.errors import FemError
from pdesolve.fem.quadrature import quadrature
from pdesolve.mesh.cells import reference_cell

CELLS = ["interval", "triangle", "quadrilateral", "tetrahedron", "hexahedron"]
DEGREES = range(9)


def exact_monomial(cell_type: str, exps: tuple[int, ...]) -> float:
    """Integral of x^exps over the reference cell."""
    cell = reference_cell(cell_type)
    if cell.simplex:  # Dirichlet integral: prod a_k! / (|a| + d)!
        return np.prod([factorial(a) for a in exps]) / factorial(sum(exps) + cell.dim)
    return float(np.prod([1.0 / (a + 1) for a in exps]))


def monomials(cell_type: str, degree: int):
    """Exponents of the polynomial space the rule of this degree must integrate."""
    cell = reference_cell(cell_type)
    for exps in product(range(degree + 1), repeat=cell.dim):
        if not cell.simplex or sum(exps) <= degree:
            yield exps


def error(cell_type: str, degree: int, exps: tuple[int, ...]) -> float:
    X, w = quadrature(cell_type, degree)
    approx = w @ np.prod(X ** np.array(exps), axis=1)
    exact = exact_monomial(cell_type, exps)
    return abs(approx - exact) / exact


@pytest.mark.parametrize("cell_type", CELLS)
@pytest.mark.parametrize("degree", DEGREES)
def test_exact_for_its_degree(cell_type, degree):
    for exps in monomials(cell_type, degree):
        assert error(cell_type, degree, exps) < 1e-13, exps


@pytest.mark.parametrize("cell_type", CELLS)
@pytest.mark.parametrize("degree", DEGREES)
def test_not_exact_two_degrees_higher(cell_type, degree):
    """Each rule fails for some monomial of degree <= degree + 2: the test has teeth."""
    worst = max(error(cell_type, degree, e) for e in monomials(cell_type, degree + 2))
    assert worst > 1e-6


@pytest.mark.parametrize("cell_type", ["interval", "quadrilateral", "hexahedron"])
@pytest.mark.parametrize("degree", [1, 3, 5, 7])
def test_gauss_fails_one_degree_higher(cell_type, degree):
    dim = reference_cell(cell_type).dim
    assert error(cell_type, degree, (degree + 1,) + (0,) * (dim - 1)) > 1e-6


@pytest.mark.parametrize("cell_type", CELLS)
@pytest.mark.parametrize("degree", DEGREES)
def test_positive_weights_inside_cell(cell_type, degree):
    cell = reference_cell(cell_type)
    X, w = quadrature(cell_type, degree)
    assert X.shape == (len(w), cell.dim)
    assert np.all(w > 0)
    assert w.sum() == pytest.approx(cell.volume, rel=1e-14)
    assert np.all(X > 0) and np.all(X < 1)
    if cell.simplex:
        assert np.all(X.sum(axis=1) < 1)


@pytest.mark.parametrize(
    ("cell_type", "counts"),
    [
        ("triangle", [1, 1, 3, 6, 6, 7]),
        ("tetrahedron", [1, 1, 4, 8]),
        ("interval", [1, 1, 2, 2, 3]),
        ("quadrilateral", [1, 1, 4, 4, 9]),
        ("hexahedron", [1, 1, 8, 8, 27]),
    ],
)
def test_point_counts(cell_type, counts):
    assert [len(quadrature(cell_type, q)[1]) for q in range(len(counts))] == counts


@pytest.mark.parametrize(
    ("cell_type", "degrees"), [("triangle", range(6)), ("tetrahedron", range(4))]
)
def test_tabulated_rules_are_symmetric(cell_type, degrees):
    """The point set with its weights is invariant under all vertex permutations."""
    for degree in degrees:
        X, w = quadrature(cell_type, degree)
        bary = np.column_stack([1 - X.sum(axis=1), X])
        key = sorted(zip(map(tuple, np.round(bary, 12)), np.round(w, 14), strict=True))
        for perm in permutations(range(bary.shape[1])):
            moved = sorted(
                zip(map(tuple, np.round(bary[:, perm], 12)), np.round(w, 14), strict=True)
            )
            assert moved == key


def test_vertex_rule():
    X, w = quadrature("vertex", 3)
    assert X.shape == (1, 0) and w.tolist() == [1.0]


def test_cached_read_only_and_aliases():
    X, w = quadrature("tetrahedron", 4)
    assert quadrature("tetra", 4)[0] is X
    assert quadrature("tetrahedron", np.int64(4))[1] is w
    with pytest.raises(ValueError):
        w[0] = 1.0
    with pytest.raises(ValueError):
        X[0, 0] = 1.0
    assert quadrature("quad", 2)[0] is quadrature("quadrilateral", 2)[0]


def test_errors():
    with pytest.raises(FemError):
        quadrature("triangle", -1)
    with pytest.raises(FemError):
        quadrature("triangle", 2.5)
    with pytest.raises(FemError, match="pyramid"):
        quadrature("pyramid", 2)
