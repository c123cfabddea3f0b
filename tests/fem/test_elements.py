"""Nodal Lagrange elements: basis properties and the entity layout of the local dofs."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest

from pdesolve.errors import FemError
from pdesolve.fem.elements import REGISTRY, Element, element
from pdesolve.mesh.cells import reference_cell

CASES = [(cell, p) for (_, cell), (_, degrees) in REGISTRY.items() for p in degrees]
IDS = [f"{cell}-{p}" for cell, p in CASES]


@pytest.fixture(params=CASES, ids=IDS)
def el(request) -> Element:
    cell, p = request.param
    return element("P", cell, p)


def random_points(cell_type: str, n: int, seed: int = 0) -> np.ndarray:
    cell = reference_cell(cell_type)
    rng = np.random.default_rng(seed)
    if cell.simplex:
        return rng.dirichlet(np.ones(cell.dim + 1), n)[:, 1:]
    return rng.random((n, cell.dim))


def space_exponents(el: Element, degree: int) -> list[tuple[int, ...]]:
    """Monomial exponents of P_degree (simplices) or Q_degree (tensor cells)."""
    exps = product(range(degree + 1), repeat=el.dim)
    return [e for e in exps if not el.cell.simplex or sum(e) <= degree]


def test_counts_and_shapes(el):
    p, d = el.degree, el.dim
    expected = {
        "interval": p + 1,
        "triangle": (p + 1) * (p + 2) // 2,
        "tetrahedron": (p + 1) * (p + 2) * (p + 3) // 6,
        "quadrilateral": (p + 1) ** 2,
        "hexahedron": (p + 1) ** 3,
    }[el.cell_type]
    assert el.ndofs == expected == len(el.points)
    assert el.points.shape == (el.ndofs, d)
    phi, dphi = el.tabulate(random_points(el.cell_type, 5))
    assert phi.shape == (5, el.ndofs) and dphi.shape == (5, el.ndofs, d)
    assert el.family == ("P" if el.cell.simplex else "Q")


def test_nodality(el):
    phi, _ = el.tabulate(el.points)
    np.testing.assert_allclose(phi, np.eye(el.ndofs), atol=1e-12)


def test_partition_of_unity_and_zero_gradient_sum(el):
    phi, dphi = el.tabulate(random_points(el.cell_type, 20))
    np.testing.assert_allclose(phi.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(dphi.sum(axis=1), 0.0, atol=1e-11)


def test_gradients_match_finite_differences(el):
    X = 0.1 + 0.8 * random_points(el.cell_type, 6, seed=1)  # keep X +- h inside the cell
    _, dphi = el.tabulate(X)
    h = 1e-6
    for k in range(el.dim):
        e = np.zeros(el.dim)
        e[k] = h
        fd = (el.tabulate(X + e)[0] - el.tabulate(X - e)[0]) / (2 * h)
        np.testing.assert_allclose(dphi[:, :, k], fd, atol=1e-7)


def test_polynomial_reproduction(el):
    """Interpolating a random polynomial of the element's space is exact, gradients too."""
    rng = np.random.default_rng(2)
    exps = np.array(space_exponents(el, el.degree))
    coef = rng.standard_normal(len(exps))

    def f(X):
        return np.prod(X[:, None, :] ** exps[None], axis=2) @ coef

    X = random_points(el.cell_type, 15, seed=3)
    phi, dphi = el.tabulate(X)
    np.testing.assert_allclose(phi @ f(el.points), f(X), atol=1e-11)
    h = 1e-6
    for k in range(el.dim):
        e = np.zeros(el.dim)
        e[k] = h
        grad_k = (f(X + e) - f(X - e)) / (2 * h)
        np.testing.assert_allclose(dphi[:, :, k] @ f(el.points), grad_k, atol=1e-6)


def test_higher_degree_not_reproduced(el):
    """x_0^(p+1) is outside the space: the reproduction test has teeth."""
    X = random_points(el.cell_type, 15, seed=4)
    phi, _ = el.tabulate(X)
    f = el.points[:, 0] ** (el.degree + 1)
    assert np.abs(phi @ f - X[:, 0] ** (el.degree + 1)).max() > 1e-4


def test_entity_dofs_partition_the_dofs(el):
    assert len(el.entity_dofs) == el.dim + 1
    cell = el.cell
    n_entities = [cell.num_vertices, len(cell.edges), len(cell.faces)][: el.dim] + [1]
    assert [len(ed) for ed in el.entity_dofs] == n_entities
    flat = [i for ed in el.entity_dofs for dofs in ed for i in dofs]
    assert flat == list(range(el.ndofs))  # vertices, then edges, faces, interior


def test_entity_dofs_lie_on_their_entities(el):
    cell, p = el.cell, el.degree
    for v, dofs in enumerate(el.entity_dofs[0]):
        assert len(dofs) == 1
        np.testing.assert_allclose(el.points[dofs[0]], cell.vertices[v], atol=1e-14)
    if el.dim > 1:  # edge (a, b): dofs a + t (b - a), t = 1/p, 2/p, ... increasing
        for (a, b), dofs in zip(cell.edges, el.entity_dofs[1], strict=True):
            t = np.arange(1, p) / p
            expected = cell.vertices[a] + t[:, None] * (cell.vertices[b] - cell.vertices[a])
            np.testing.assert_allclose(el.points[list(dofs)], expected, atol=1e-14)
    if el.dim > 2:  # face dofs: mean of the face vertices (one per face here)
        for face, dofs in zip(cell.faces, el.entity_dofs[2], strict=True):
            assert len(dofs) == (1 if p == 3 or (p == 2 and not cell.simplex) else 0)
            for i in dofs:
                np.testing.assert_allclose(
                    el.points[i], cell.vertices[list(face)].mean(0), atol=1e-14
                )
    X = el.points[list(el.entity_dofs[-1][0])]
    if cell.simplex:
        assert np.all(X > 1e-9) and np.all(X.sum(axis=1) < 1 - 1e-9)
    else:
        assert np.all((X > 1e-9) & (X < 1 - 1e-9))


@pytest.mark.parametrize(
    ("cell", "p", "layout"),
    [
        ("interval", 2, [2, 1]),
        ("triangle", 2, [3, 3, 0]),
        ("triangle", 3, [3, 6, 1]),
        ("tetrahedron", 2, [4, 6, 0, 0]),
        ("tetrahedron", 3, [4, 12, 4, 0]),
        ("quadrilateral", 2, [4, 4, 1]),
        ("hexahedron", 2, [8, 12, 6, 1]),
    ],
)
def test_layout(cell, p, layout):
    el = element("P", cell, p)
    assert [sum(map(len, ed)) for ed in el.entity_dofs] == layout


def test_known_bases():
    X = random_points("triangle", 4)
    x, y = X.T
    phi, _ = element("P", "triangle", 1).tabulate(X)
    np.testing.assert_allclose(phi, np.column_stack([1 - x - y, x, y]), atol=1e-14)
    X = random_points("quadrilateral", 4)
    x, y = X.T
    phi, _ = element("Q", "quadrilateral", 1).tabulate(X)
    expected = np.column_stack([(1 - x) * (1 - y), x * (1 - y), x * y, (1 - x) * y])
    np.testing.assert_allclose(phi, expected, atol=1e-14)


def test_factory_aliases_and_cache():
    el = element("P", "tetrahedron", 2)
    assert element("Lagrange", "tetra", 2) is el
    assert element("CG", "tetrahedron", np.int64(2)) is el
    assert element("P", "quad", 2) is element("Q", "quadrilateral", 2)
    assert element("P", "hex", 1).family == "Q"
    with pytest.raises(ValueError):
        el.points[0, 0] = 1.0


@pytest.mark.parametrize(
    ("family", "cell", "p"),
    [
        ("Q", "triangle", 1),
        ("P", "triangle", 4),
        ("P", "hexahedron", 3),
        ("N1curl", "tet", 1),
        ("P", "pyramid", 1),
        ("P", "triangle", 0),
    ],
)
def test_factory_errors(family, cell, p):
    with pytest.raises(FemError, match="available"):
        element(family, cell, p)


def test_tabulate_rejects_bad_shapes():
    el = element("P", "triangle", 1)
    with pytest.raises(FemError):
        el.tabulate(np.zeros((3, 3)))
    with pytest.raises(FemError):
        el.tabulate(np.zeros(2))
