"""Fixtures of the mesh tests."""

from __future__ import annotations

import pytest
from mesh_testutils import ALL_GENERATED

from pdesolve.mesh import Mesh


@pytest.fixture(params=sorted(ALL_GENERATED))
def any_mesh(request) -> Mesh:
    """Each generated mesh of the suite (all five cell types)."""
    return ALL_GENERATED[request.param]()
