"""PETSc backend: conversions, options as PETSc users write them, and a 2-rank MPI solve.

These tests skip where petsc4py is missing, except when ``PDESOLVE_REQUIRE_PETSC=1`` (set by
CI), where a missing PETSc is a failure.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import pdesolve as ps
from pdesolve.fem import forms

REQUIRED = os.environ.get("PDESOLVE_REQUIRE_PETSC") == "1"
try:
    import mpi4py  # noqa: F401
    import petsc4py  # noqa: F401

    HAVE = True
except ImportError:
    HAVE = False
    if REQUIRED:
        raise
pytestmark = pytest.mark.skipif(not HAVE, reason="petsc4py/mpi4py not installed")


@pytest.fixture(scope="module")
def poisson():
    V = ps.fem.FunctionSpace(ps.mesh.rectangle(24, 24), "P", 1)
    A = ps.fem.assemble(forms.stiffness(), V)
    b = ps.fem.assemble(forms.source(1.0), V)
    A, b = ps.fem.DirichletBC(V, None, 0.0).apply(A, b)
    return A, b, spla.spsolve(A.tocsc(), b)


def test_roundtrip_is_exact(poisson):
    from pdesolve.backends.petsc import from_petsc, to_petsc

    A = poisson[0]
    assert abs(from_petsc(to_petsc(A)) - A).max() == 0.0


@pytest.mark.parametrize(
    "options",
    [
        {"ksp_type": "cg", "pc_type": "gamg"},
        "-ksp_type gmres -pc_type ilu",
        {"ksp_type": "preonly", "pc_type": "lu"},
        "-ksp_type cg -pc_type jacobi -ksp_rtol 1e-12",
    ],
)
def test_options_dict_and_string(poisson, options):
    A, b, ref = poisson
    res = ps.linalg.solve(A, b, backend="petsc", options=options, rtol=1e-10)
    assert res.converged and np.abs(res.x - ref).max() < 1e-7
    assert res.method.startswith("petsc:")


def test_method_names_map_to_ksp(poisson):
    A, b, ref = poisson
    res = ps.linalg.solve(A, b, method="cg", pc="amg", backend="petsc", rtol=1e-10)
    assert res.method == "petsc:cg+gamg" and np.abs(res.x - ref).max() < 1e-7
    assert res.iterations < 30


@pytest.mark.parametrize("pc", ["ssor", "sor", "jacobi", "ilu"])
def test_pc_names_map_to_petsc(poisson, pc):
    A, b, ref = poisson
    res = ps.linalg.solve(A, b, method="cg", pc=pc, backend="petsc", rtol=1e-10)
    assert res.converged and np.abs(res.x - ref).max() < 1e-7


def test_options_do_not_leak(poisson):
    from petsc4py import PETSc

    A, b, _ = poisson
    ps.linalg.solve(A, b, backend="petsc", options={"ksp_type": "cg", "pc_type": "jacobi"})
    assert not any(k.startswith("pdesolve") for k in PETSc.Options().getAll())


def test_nonconvergence_raises(poisson):
    A, b, _ = poisson
    with pytest.raises(ps.ConvergenceError):
        ps.linalg.solve(A, b, backend="petsc", options="-ksp_type cg -pc_type none -ksp_max_it 3")
    res = ps.linalg.solve(
        A, b, backend="petsc", options="-ksp_type cg -ksp_max_it 3", raise_on_failure=False
    )
    assert not res.converged and res.iterations == 3


def test_mpi_two_ranks_match_one_rank(tmp_path):
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        if REQUIRED:
            pytest.fail("mpiexec not found but PETSc tests are required")
        pytest.skip("mpiexec not found")
    out = tmp_path / "mpi.json"
    script = Path(__file__).with_name("mpi_poisson.py")
    cmd = [mpiexec, "-n", "2", sys.executable, str(script), str(out)]
    if "Open MPI" in subprocess.run([mpiexec, "--version"], capture_output=True, text=True).stdout:
        cmd[1:1] = ["--allow-run-as-root", "--oversubscribe"]
    env = dict(
        os.environ,
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads(out.read_text())
    assert data["size"] == 2 and data["ranks_seen"] == 2  # a real 2-rank run, not 2 x rank 0
    assert data["converged"] and data["max_diff"] < 1e-8, data


def test_petsc_without_matrix_shape_errors():
    with pytest.raises(ps.PdesolveError):
        ps.linalg.solve(sp.eye(3, format="csr"), np.ones(4), backend="petsc")
