"""Orderings of a sequence: greedy nearest neighbour (SKR Alg. 1), Hilbert curve, identity."""

import numpy as np
import pytest

from pdesolve.linalg import ordering as od
from pdesolve.linalg.validate import SolverInputError


def test_greedy_is_a_permutation_and_shortens_the_path():
    F = np.random.default_rng(0).standard_normal((60, 12))
    order = od.greedy_order(F)
    assert order[0] == 0 and np.array_equal(np.sort(order), np.arange(60))
    assert od.path_length(F, order) < 0.8 * od.path_length(F, np.arange(60))


def test_greedy_walks_a_line_in_order():
    """Points on a line, shuffled: starting at one end the walk visits them sorted."""
    rng = np.random.default_rng(1)
    pos = np.sort(rng.uniform(0, 1, 40))
    perm = rng.permutation(40)
    start = int(np.flatnonzero(perm == 0)[0])  # the shuffled index of the leftmost point
    fields = pos[perm][:, None, None] * np.ones((40, 3, 3))
    order = od.greedy_order(fields, start=start)
    assert np.array_equal(perm[order], np.arange(40))


def test_extra_scalar_features_break_ties():
    """Identical fields: the wave numbers alone decide (SKR adds |k_i − k_j| for Helmholtz)."""
    k = np.array([0.5, 0.95, 0.1, 0.72, 0.3])
    order = od.greedy_order(np.ones((5, 4, 4)), extra=k, weights=2.0)
    assert list(k[order]) == [0.5, 0.3, 0.1, 0.72, 0.95]
    d = od.FeatureDistance(np.zeros((5, 2)), extra=k, weights=2.0)
    assert d.between(0, 1) == pytest.approx(0.9)


def test_greedy_row_mode_matches_gram_mode(monkeypatch):
    F = np.random.default_rng(2).standard_normal((30, 7))
    full = od.greedy_order(F)
    monkeypatch.setattr(od, "_GRAM_BYTES", 0)
    assert od.FeatureDistance(F)._gram is None
    assert np.array_equal(od.greedy_order(F), full)


@pytest.mark.parametrize("d, bits", [(2, 4), (3, 3)])
def test_hilbert_index_is_a_continuous_bijection(d, bits):
    side = 1 << bits
    grid = np.stack(np.meshgrid(*[np.arange(side)] * d, indexing="ij"), -1).reshape(-1, d)
    h = od.hilbert_index(grid, bits)
    assert np.array_equal(np.sort(h), np.arange(side**d))
    walk = grid[np.argsort(h)]
    assert np.all(np.abs(np.diff(walk, axis=0)).sum(axis=1) == 1)  # unit steps only


def test_hilbert_index_rejects_bad_input():
    with pytest.raises(SolverInputError):
        od.hilbert_index([[0, 16]], 4)
    with pytest.raises(SolverInputError):
        od.hilbert_index(np.zeros((2, 8), dtype=int), 8)


def test_hilbert_order_of_fields_follows_the_parameter():
    """Fields a_t = t·g + noise: the Hilbert walk through their low modes is far shorter than a
    random order and close to the sorted one."""
    rng = np.random.default_rng(3)
    x = np.linspace(0, 1, 16)
    g = np.outer(np.sin(np.pi * x), np.sin(np.pi * x))
    t = rng.uniform(0, 1, 80)
    fields = t[:, None, None] * g + 1e-3 * rng.standard_normal((80, 16, 16))
    order = od.hilbert_order(fields)
    assert np.array_equal(np.sort(order), np.arange(80))
    F = fields.reshape(80, -1)
    assert od.path_length(F, order) < 0.2 * od.path_length(F, np.arange(80))
    feats = od.low_mode_features(fields, modes=4, dims=2)
    assert feats.shape == (80, 2)


def test_make_order():
    F = np.random.default_rng(4).standard_normal((6, 3))
    assert np.array_equal(od.make_order("none", 6), np.arange(6))
    assert np.array_equal(od.make_order([5, 4, 3, 2, 1, 0], 6), np.arange(6)[::-1])
    assert od.make_order("greedy", 6, F)[0] == 0
    with pytest.raises(SolverInputError):
        od.make_order("greedy", 6)
    with pytest.raises(SolverInputError):
        od.make_order([0, 0, 1, 2, 3, 4], 6)
    with pytest.raises(SolverInputError):
        od.make_order("random", 6, F)
    with pytest.raises(SolverInputError):
        od.make_order("greedy", 5, F)
