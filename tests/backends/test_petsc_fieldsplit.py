"""PCFIELDSPLIT on a mixed space's index sets: Stokes on the DFG channel through PETSc equals
the direct saddle-point solve; bad index sets are named errors. Skips without petsc4py
unless ``PDESOLVE_REQUIRE_PETSC=1`` (CI)."""

import os

import numpy as np
import pytest

import pdesolve as ps
from pdesolve.linalg.validate import SolverInputError

REQUIRED = os.environ.get("PDESOLVE_REQUIRE_PETSC") == "1"
try:
    import petsc4py  # noqa: F401

    HAVE = True
except ImportError:
    HAVE = False
    if REQUIRED:
        raise
pytestmark = pytest.mark.skipif(not HAVE, reason="petsc4py not installed")


@pytest.fixture(scope="module")
def stokes():
    from pdesolve.mesh.channel import dfg_channel
    from pdesolve.models.dfg import NU, dfg_bcs
    from pdesolve.models.stokes import Stokes

    W = ps.fem.taylor_hood(dfg_channel(8))
    st = Stokes(W, NU, bcs=dfg_bcs(0.3))
    return W, st, st.solve().x


@pytest.mark.parametrize("options", [None, {"fieldsplit_u_pc_type": "lu",
                                            "fieldsplit_u_ksp_type": "preonly"}])  # fmt: skip
def test_stokes_fieldsplit_schur_equals_the_direct_solve(stokes, options):
    W, st, x_direct = stokes
    x = st.solve("petsc", rtol=1e-10, options=options).x
    assert np.abs(x - x_direct).max() < 1e-7 * np.abs(x_direct).max()


def test_fieldsplit_through_solve_and_bad_index_sets(stokes):
    W, st, x_direct = stokes
    A, b = st.system()
    opts = {"ksp_type": "fgmres", "pc_fieldsplit_type": "schur",
            "pc_fieldsplit_schur_fact_type": "full", "pc_fieldsplit_schur_precondition": "selfp",
            "fieldsplit_u_pc_type": "lu",
            "fieldsplit_p_ksp_type": "gmres", "fieldsplit_p_ksp_rtol": 1e-10}  # fmt: skip
    res = ps.solve(A, b, backend="petsc", rtol=1e-10, options=opts, fields=W.index_sets())
    assert res.iterations <= 3  # an exact Schur factorisation: one or two outer iterations
    assert "fieldsplit" in res.method
    assert np.abs(res.x - x_direct).max() < 1e-7 * np.abs(x_direct).max()
    u = W.dofs("u")
    with pytest.raises(SolverInputError, match="partition"):
        ps.solve(A, b, backend="petsc", fields={"u": u, "p": u[:5]})
    with pytest.raises(SolverInputError, match="PETSc"):
        ps.solve(A, b, fields=W.index_sets())


def test_navier_stokes_newton_steps_by_petsc_fieldsplit_equal_the_direct_newton():
    from pdesolve.mesh.channel import dfg_channel
    from pdesolve.models.dfg import NU, dfg_bcs
    from pdesolve.models.navier_stokes import NavierStokes

    W = ps.fem.taylor_hood(dfg_channel(4))
    direct = NavierStokes(W, NU, bcs=dfg_bcs(0.3)).solve().x
    ns = NavierStokes(W, NU, bcs=dfg_bcs(0.3))
    x = ns.solve(linear="petsc").x
    assert ns.linear_iterations and max(ns.linear_iterations) < 50
    assert np.abs(x - direct).max() < 1e-7 * np.abs(direct).max()
