"""Finite-element assembly benchmark: pdesolve against scikit-fem, one core.

What is measured
----------------
The stiffness problem ``-div(kappa grad u) = f`` with Lagrange elements on structured meshes
of the unit square / cube, for these cases (``n`` squares or cubes per side):

==============  =====================  ==========================================
case            mesh                   size
==============  =====================  ==========================================
p1_tri_0.25M    rectangle(354, 354)    0.25M triangles, 126k dofs
p1_tri_1M       rectangle(708, 708)    1.0M triangles, 0.5M dofs
p1_tri_4M       rectangle(1414, 1414)  4.0M triangles, 2.0M dofs
p2_tri_1M       rectangle(500, 500)    0.5M triangles, P2: 1.0M dofs
p1_tet_1M       box(55, 55, 55)        1.0M tetrahedra, 0.18M dofs
==============  =====================  ==========================================

For each case and library we time what a user writes, phase by phase:

``mesh``
    mesh generation (``ps.mesh.rectangle``/``box``; ``MeshTri``/``MeshTet.init_tensor``).
``first``
    first assembly of the stiffness matrix on a fresh mesh, i.e. everything a user pays the
    first time: pdesolve ``V = FunctionSpace(mesh, "P", p); A = assemble(forms.stiffness(), V)``
    (dofmap and any mesh topology it needs, CSR pattern + slot map, kernel); scikit-fem
    ``basis = Basis(mesh, element); A = asm(laplace, basis)``. Split into ``space``,
    ``pattern``, ``kernel`` (pdesolve) and ``basis``, ``asm`` (scikit-fem).
``reassembly``
    assembly with a new per-cell coefficient ``kappa`` (an array of one value per cell) on the
    existing space: ``assemble(forms.stiffness(kappa), V)``. scikit-fem has no re-assembly, so
    its number is ``asm`` again on the existing basis with ``kappa`` given per quadrature
    point (building that (cells, points) array is included).
``reassembly_out``
    pdesolve only: the same with ``out=A`` (fills an existing matrix in place).
``load``
    load vector of ``f = d pi^2 prod_i sin(pi x_i)`` (``forms.source(lambda x: ...)``;
    ``asm(LinearForm, basis)``).
``dirichlet``
    ``u = 0`` on the whole boundary, applied to (A, b): pdesolve
    ``DirichletBC(V, None, 0.0).apply(A, b)`` (symmetric elimination, pattern kept);
    scikit-fem ``condense(A, b, D=basis.get_dofs())`` (the reduced SPD system). Both include the
    boundary topology computed on first use. ``enforce`` (scikit-fem's in-pattern variant) is
    reported as ``enforce``.
``total``
    one of each: mesh + first + reassembly + load + dirichlet.

Every phase is reported as process CPU time (``time.process_time``, the JSON ``*_s`` keys,
the one-quiet-core estimate on a shared machine) and wall time (``time.perf_counter``,
``*_wall_s``): the median over ``--reps`` repetitions of the whole user sequence, each on a
freshly generated mesh (so lazily built topology is paid again every time, as a user pays it
once); re-assembly and load are additionally repeated 3 times within each repetition.

Memory, per case and library:

``peak_mb``
    growth of the process's peak resident set (VmHWM, reset through ``/proc/self/clear_refs``
    just before the problem; ``ru_maxrss`` growth where that is not available) over the first
    user sequence (mesh .. dirichlet); ``peak_first_mb`` the same over mesh + first assembly.
``held_mb``
    bytes of the arrays reachable from mesh + space/basis + matrix right after the first
    assembly (pdesolve: mesh arrays and cached topology, dofmap, CSR pattern with its
    entry-to-slot map, matrix data; scikit-fem: mesh, basis with its tabulated basis values at
    all quadrature points, matrix). Shared buffers are counted once.

Every (case, library) runs in its own fresh subprocess (``ru_maxrss``/VmHWM are per process;
with ``--quick`` one subprocess per library runs all the tiny cases) with
``OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = NUMBA_NUM_THREADS = 1`` set before
numpy/numba are imported, and threadpoolctl's ``threadpool_limits(1)`` when installed.
Before timing, each worker runs the whole sequence once on a tiny mesh (numba compilation or
cache loading, first-call imports). Default quadrature of each library: pdesolve integrates
the P1 stiffness with 1 point and P2 with 3, scikit-fem with 3 and 6; all exact.

The pdesolve worker also times the internal pieces once on a fresh mesh (``--no-pieces`` to
skip): mesh topology, ``build_dofmap``, ``SparsityPattern.from_dofmap``, the kernel with a
constant and with a per-cell coefficient, the coefficient-tensor evaluation, the boundary
topology. ``--profile CASE`` runs pdesolve's sequence under cProfile instead.

Checks run on the side (outside the timings, after the memory reading): row sums of A vanish;
A times the nodal values of a linear function vanishes on the interior rows; per-cell
``kappa = 2`` gives exactly ``2 A``; the load vector integrates f to the exact value within the
quadrature error; pdesolve's and scikit-fem's matrices have the same Frobenius norm (pdesolve
stores the exactly-zero hypotenuse couplings that scikit-fem drops; zeros do not change the
norm). Failed checks are printed and ``checks_ok`` is false in the JSON; API errors met on
the way (e.g. ``assemble(..., out=A)`` raising) are listed under ``errors``.

Output: a table per case (pdesolve and scikit-fem CPU / wall seconds, ratio skfem/pdesolve),
a summary against the targets, and as the LAST line one JSON object with
``<case>_<phase>_s``, ``<case>_<phase>_wall_s``, ``<case>_peak_mb``, ``<case>_held_mb`` ...,
the same with a ``skfem_`` prefix (null when scikit-fem is not installed or ``--no-skfem``),
``ratio_<metric>_<case>`` (skfem / pdesolve, > 1 means pdesolve is faster or smaller) and the
short aliases ``ratio_first_1M``, ``ratio_reassembly_1M``, ``ratio_peak_mem_1M`` ... for the
P1 triangle cases.

Usage::

    python benchmarks/fem_assembly.py                    # all cases, both libraries
    python benchmarks/fem_assembly.py --quick --no-skfem # tiny sizes, smoke test (seconds)
    python benchmarks/fem_assembly.py --sizes p1_tri_1M,p2_tri_1M=300 --reps 5
    python benchmarks/fem_assembly.py --profile p1_tri_1M  # cProfile of pdesolve's sequence
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time

# one core: set before numpy / scipy / numba are imported (they are imported lazily below)
THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}
for _k, _v in THREAD_ENV.items():
    os.environ.setdefault(_k, _v)

#: case -> (element degree, cell kind, n at full size, n with --quick)
CASES = {
    "p1_tri_0.25M": (1, "tri", 354, 12),
    "p1_tri_1M": (1, "tri", 708, 24),
    "p1_tri_4M": (1, "tri", 1414, 48),
    "p2_tri_1M": (2, "tri", 500, 10),
    "p1_tet_1M": (1, "tet", 55, 4),
}
#: short aliases of the P1 triangle cases in the ratio keys (ratio_first_1M ...)
ALIASES = {"p1_tri_0.25M": "0.25M", "p1_tri_1M": "1M", "p1_tri_4M": "4M"}
PD_PHASES = [
    "mesh",
    "first",
    "space",
    "pattern",
    "kernel",
    "reassembly",
    "reassembly_out",
    "load",
    "dirichlet",
    "dirichlet_bc",
    "dirichlet_apply",
    "total",
]
SK_PHASES = ["mesh", "first", "basis", "asm", "reassembly", "load", "dirichlet", "enforce", "total"]
#: (metric in ratio keys, pdesolve key, skfem key); ratios are skfem / pdesolve
RATIOS = [
    ("mesh", "mesh_s", "mesh_s"),
    ("first", "first_s", "first_s"),
    ("reassembly", "reassembly_s", "reassembly_s"),
    ("reassembly_out", "reassembly_out_s", "reassembly_s"),
    ("load", "load_s", "load_s"),
    ("dirichlet", "dirichlet_s", "dirichlet_s"),
    ("total", "total_s", "total_s"),
    ("peak_mem", "peak_mb", "peak_mb"),
    ("peak_first_mem", "peak_first_mb", "peak_first_mb"),
    ("held_mem", "held_mb", "held_mb"),
]
INNER = 3  # re-assembly / load samples within one repetition


# --------------------------------------------------------------------------- measuring tools
def _now() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _since(t0: tuple[float, float]) -> tuple[float, float]:
    c, w = _now()
    return c - t0[0], w - t0[1]


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class PeakRSS:
    """Peak resident-set growth from now on (VmHWM reset, else ru_maxrss growth)."""

    def __init__(self):
        gc.collect()
        self.method = "ru_maxrss"
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
            if _status_kb("VmHWM") is not None:
                self.method = "VmHWM"
        except OSError:
            pass
        self.start_kb = _status_kb("VmRSS") if self.method == "VmHWM" else self._maxrss()

    @staticmethod
    def _maxrss() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    def growth_mb(self) -> float:
        peak = _status_kb("VmHWM") if self.method == "VmHWM" else self._maxrss()
        return max(peak - self.start_kb, 0) / 1024.0


def held_mb(*objs) -> float:
    """MiB of the numpy buffers reachable from ``objs`` (pdesolve/skfem/scipy.sparse objects,
    containers), each underlying buffer counted once."""
    import numpy as np

    seen, roots, total = set(), set(), 0
    stack = list(objs)
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            root = o
            while isinstance(root.base, np.ndarray):
                root = root.base
            if id(root) not in roots:
                roots.add(id(root))
                total += root.nbytes
        elif isinstance(o, dict):
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        elif type(o).__module__.split(".")[0] in ("pdesolve", "skfem", "scipy"):
            if hasattr(o, "__dict__"):
                stack.extend(vars(o).values())
            for s in getattr(type(o), "__slots__", ()):
                if hasattr(o, s):
                    stack.append(getattr(o, s))
    return total / 2**20


class Samples:
    """Phase -> list of (cpu, wall) samples; medians at the end."""

    def __init__(self):
        self.data: dict[str, list[tuple[float, float]]] = {}

    def add(self, phase: str, cw: tuple[float, float]) -> None:
        self.data.setdefault(phase, []).append(cw)

    def medians(self) -> dict[str, dict[str, float]]:
        return {
            k: {
                "cpu": statistics.median(c for c, _ in v),
                "wall": statistics.median(w for _, w in v),
                "samples": len(v),
            }
            for k, v in self.data.items()
        }


def _with_total(ph: dict) -> dict:
    """Add ``total``: one user sequence, mesh + first + reassembly + load + dirichlet."""
    parts = [ph[k] for k in ("mesh", "first", "reassembly", "load", "dirichlet")]
    ph["total"] = {
        "cpu": sum(p["cpu"] for p in parts),
        "wall": sum(p["wall"] for p in parts),
        "samples": min(p["samples"] for p in parts),
    }
    return ph


def _f_exact(dim: int):
    """f = dim pi^2 prod sin(pi x_i) (the Poisson load of prod sin(pi x_i)) and its integral."""
    import numpy as np

    def f(x):
        out = dim * np.pi**2 * np.sin(np.pi * x[0])
        for i in range(1, dim):
            out = out * np.sin(np.pi * x[i])
        return out

    return f, dim * np.pi**2 * (2 / np.pi) ** dim


def _linear(xyz):
    """Nodal values of a linear function at points (gdim, n)."""
    return 1.0 + xyz[0] - 2.0 * xyz[1] + (3.0 * xyz[2] if len(xyz) > 2 else 0.0)


def _check_matrix(A, interior, xyz) -> dict:
    import numpy as np

    scale = float(np.abs(A.data).max())
    ones = np.ones(A.shape[0])
    u = _linear(xyz)
    r = A @ u
    return {
        "rowsum_rel": float(np.abs(A @ ones).max() / scale),
        "linear_interior_rel": float(np.abs(r[interior]).max() / (scale * np.abs(u).max())),
        "frobenius": float(np.sqrt(np.sum(A.data**2))),
    }


# --------------------------------------------------------------------------- pdesolve worker
def _pd_sequence(p, cell, n, rng, S: Samples | None, info: dict | None):
    """One user sequence on a fresh mesh; records samples into S and facts into info."""
    import numpy as np

    import pdesolve.fem as fem
    import pdesolve.mesh as pm
    from pdesolve.errors import FemError

    dim = 2 if cell == "tri" else 3
    f, _ = _f_exact(dim)
    rec = S.add if S is not None else (lambda *a: None)
    peak = PeakRSS() if info is not None else None

    t0 = _now()
    mesh = pm.rectangle(n, n) if cell == "tri" else pm.box(n, n, n)
    rec("mesh", _since(t0))
    t1 = _now()
    V = fem.FunctionSpace(mesh, "P", p)
    rec("space", _since(t1))
    t2 = _now()
    V.pattern  # noqa: B018 -- lazily built on first assembly; touched here to time it apart
    rec("pattern", _since(t2))
    t3 = _now()
    A = fem.assemble(fem.forms.stiffness(), V)
    rec("kernel", _since(t3))
    rec("first", _since(t1))
    if info is not None:
        info["peak_first_mb"] = peak.growth_mb()
        info["held_mb"] = held_mb(mesh, V, A)
        info.update(cells=mesh.num_cells, dofs=V.num_dofs, nnz=A.nnz)

    kappa = 1.0 + rng.random(mesh.num_cells)
    for _ in range(INNER):
        t = _now()
        Ak = fem.assemble(fem.forms.stiffness(kappa), V)
        rec("reassembly", _since(t))
        del Ak
    for _ in range(INNER):
        t = _now()
        try:
            fem.assemble(fem.forms.stiffness(kappa), V, out=A)
        except FemError as e:  # report, do not abort the benchmark
            if info is not None:
                info["reassembly_out_error"] = str(e)
            break
        rec("reassembly_out", _since(t))
    for _ in range(INNER):
        t = _now()
        b = fem.assemble(fem.forms.source(f), V)
        rec("load", _since(t))
    t = _now()
    bc = fem.DirichletBC(V, None, 0.0)
    rec("dirichlet_bc", _since(t))
    ta = _now()
    A2, b2 = bc.apply(A, b)
    rec("dirichlet_apply", _since(ta))
    rec("dirichlet", _since(t))
    if info is None:
        return
    info["peak_mb"] = peak.growth_mb()
    info["rss_method"] = peak.method
    info["held_end_mb"] = held_mb(mesh, V, A, b, bc, A2, b2)
    del A2, b2

    # checks (outside timings and memory reading)
    A1 = fem.assemble(fem.forms.stiffness(), V)
    interior = np.setdiff1d(np.arange(V.num_dofs), bc.dofs)
    chk = _check_matrix(A1, interior, V.dof_coordinates().T)
    A_2 = fem.assemble(fem.forms.stiffness(np.full(mesh.num_cells, 2.0)), V)
    chk["kappa2_rel"] = float(np.abs(A_2.data - 2 * A1.data).max() / np.abs(A1.data).max())
    Ak = fem.assemble(fem.forms.stiffness(kappa), V)
    if "reassembly_out_error" not in info:
        chk["out_vs_new_rel"] = float(np.abs(Ak.data - A.data).max() / np.abs(Ak.data).max())
    chk["load_sum"] = float(b.sum())
    info["checks"] = chk
    info["stored_zeros"] = int(np.count_nonzero(A1.data == 0.0))


def _pd_profile(p, cell, n) -> dict:
    """Cost of the internal pieces of a first assembly and a re-assembly (fresh mesh)."""
    import numpy as np

    import pdesolve.fem as fem
    import pdesolve.mesh as pm
    from pdesolve.fem.dofmap import build_dofmap
    from pdesolve.fem.elements import element
    from pdesolve.fem.pattern import SparsityPattern

    out = {}

    def tick(name, fn):
        t = _now()
        r = fn()
        out[name] = _since(t)[0]
        return r

    mesh = pm.rectangle(n, n) if cell == "tri" else pm.box(n, n, n)
    el = element("P", mesh.cell_type, p)
    if p > 1:
        tick("topology_edges", lambda: mesh.edges)
        if cell == "tet":
            tick("topology_faces", lambda: mesh.faces)
    dofs, ndofs = tick("build_dofmap", lambda: build_dofmap(mesh, el))
    V = tick("FunctionSpace_init_topology_cached", lambda: fem.FunctionSpace(mesh, "P", p))
    pat = tick("SparsityPattern.from_dofmap", lambda: SparsityPattern.from_dofmap(dofs, ndofs))
    V.__dict__["pattern"] = pat
    tick("pattern.matrix_alloc", pat.matrix)
    tick("assemble_const_kappa(kernel+alloc)", lambda: fem.assemble(fem.forms.stiffness(), V))
    kappa = 1.0 + np.random.default_rng(1).random(mesh.num_cells)
    form = fem.forms.stiffness(kappa)
    asm_mod = sys.modules[fem.assemble.__module__]  # the module that defines assemble()
    qdeg = form.degree(V.degree, True)
    X = asm_mod._reference_tables(mesh.cell_type, "P", p, qdeg)[0]
    tick(
        "percell_kappa_tensor_eval(all chunks)",
        lambda: [D for _, _, D in asm_mod._chunks(V, form, X)],
    )
    tick("assemble_percell_kappa", lambda: fem.assemble(form, V))
    tick("boundary_topology(facet_incidence)", lambda: mesh.boundary_facets)
    tick("DirichletBC_topology_cached", lambda: fem.DirichletBC(V, None, 0.0))
    return out


def pd_worker(case: str, n: int, reps: int, profile: bool) -> dict:
    import numpy as np

    import pdesolve as ps

    p, cell, _, _ = CASES[case]
    rng = np.random.default_rng(0)
    _pd_sequence(p, cell, 3, rng, None, {})  # warm-up: numba compile / cache load, imports
    gc.collect()
    S, info = Samples(), {}
    _pd_sequence(p, cell, n, rng, S, info)
    for _ in range(reps - 1):
        gc.collect()
        _pd_sequence(p, cell, n, rng, S, None)
    info["phases"] = _with_total(S.medians())
    if profile:
        gc.collect()
        try:  # uses pdesolve internals: never let it break the benchmark
            info["profile_cpu_s"] = _pd_profile(p, cell, n)
        except Exception as e:  # noqa: BLE001
            info["profile_error"] = f"{type(e).__name__}: {e}"
    info.update(lib="pdesolve", version=getattr(ps, "__version__", "?"))
    return info


# --------------------------------------------------------------------------- scikit-fem worker
def _sk_sequence(p, cell, n, rng, S: Samples | None, info: dict | None):
    import numpy as np
    import skfem
    from skfem.helpers import dot, grad
    from skfem.models.poisson import laplace

    dim = 2 if cell == "tri" else 3
    fexact, _ = _f_exact(dim)
    rec = S.add if S is not None else (lambda *a: None)
    peak = PeakRSS() if info is not None else None
    elem = {
        (1, "tri"): skfem.ElementTriP1,
        (2, "tri"): skfem.ElementTriP2,
        (1, "tet"): skfem.ElementTetP1,
        (2, "tet"): skfem.ElementTetP2,
    }[p, cell]

    @skfem.BilinearForm
    def kappa_laplace(u, v, w):
        return w.kappa * dot(grad(u), grad(v))

    @skfem.LinearForm
    def load(v, w):
        return fexact(w.x) * v

    xs = np.linspace(0.0, 1.0, n + 1)
    t0 = _now()
    mesh = (
        skfem.MeshTri.init_tensor(xs, xs)
        if cell == "tri"
        else skfem.MeshTet.init_tensor(xs, xs, xs)
    )
    rec("mesh", _since(t0))
    t1 = _now()
    basis = skfem.Basis(mesh, elem())
    rec("basis", _since(t1))
    t2 = _now()
    A = skfem.asm(laplace, basis)
    rec("asm", _since(t2))
    rec("first", _since(t1))
    if info is not None:
        info["peak_first_mb"] = peak.growth_mb()
        info["held_mb"] = held_mb(mesh, basis, A)
        info.update(cells=int(mesh.t.shape[1]), dofs=int(basis.N), nnz=int(A.nnz))

    kappa = 1.0 + rng.random(mesh.t.shape[1])
    for _ in range(INNER):
        t = _now()
        kq = np.repeat(kappa[:, None], basis.X.shape[1], axis=1)
        Ak = skfem.asm(kappa_laplace, basis, kappa=kq)
        rec("reassembly", _since(t))
        del Ak, kq
    for _ in range(INNER):
        t = _now()
        b = skfem.asm(load, basis)
        rec("load", _since(t))
    t = _now()
    D = basis.get_dofs()
    AII, bI, _, _ = skfem.condense(A, b, D=D)
    rec("dirichlet", _since(t))
    if info is not None:
        info["peak_mb"] = peak.growth_mb()
        info["rss_method"] = peak.method
        info["held_end_mb"] = held_mb(mesh, basis, A, b, D, AII, bI)
    del AII, bI
    t = _now()
    skfem.enforce(A, b, D=D)
    rec("enforce", _since(t))
    if info is None:
        return
    interior = np.setdiff1d(np.arange(basis.N), D.all())
    chk = _check_matrix(A, interior, basis.doflocs)
    chk["load_sum"] = float(b.sum())
    info["checks"] = chk


def sk_worker(case: str, n: int, reps: int, profile: bool) -> dict:
    import numpy as np
    import skfem

    p, cell, _, _ = CASES[case]
    rng = np.random.default_rng(0)
    _sk_sequence(p, cell, 3, rng, None, {})  # warm-up: first-call imports
    gc.collect()
    S, info = Samples(), {}
    _sk_sequence(p, cell, n, rng, S, info)
    for _ in range(reps - 1):
        gc.collect()
        _sk_sequence(p, cell, n, rng, S, None)
    info["phases"] = _with_total(S.medians())
    info.update(lib="skfem", version=getattr(skfem, "__version__", "?"))
    return info


def worker_main(lib: str, spec: str, reps: int, profile: bool) -> None:
    """Run the cases of ``spec`` (``case=n,...``) for one library; print a JSON list."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pinned through the environment variables anyway
        threadpool_limits = None
    ctx = threadpool_limits(1) if threadpool_limits else None
    out = []
    try:
        for case, n in parse_sizes(spec, False):
            load0 = os.getloadavg()[0]
            res = (pd_worker if lib == "pdesolve" else sk_worker)(case, n, reps, profile)
            res.update(
                case=case, n=n, reps=reps, loadavg_start=load0, loadavg_end=os.getloadavg()[0]
            )
            out.append(res)
    finally:
        if ctx is not None:
            ctx.unregister()
    print(json.dumps(out))


# --------------------------------------------------------------------------- driver
def run_worker(lib: str, sizes: list[tuple[str, int]], reps: int, profile: bool) -> dict:
    """Run ``sizes`` in one fresh subprocess; case -> result (missing on failure)."""
    env = dict(os.environ, **THREAD_ENV)
    spec = ",".join(f"{case}={n}" for case, n in sizes)
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        lib,
        spec,
        "--reps",
        str(reps),
    ] + (["--profile-pieces"] if profile else [])
    cp = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if cp.returncode != 0:
        print(f"!! {lib} {spec} failed:\n{cp.stderr[-3000:]}", file=sys.stderr)
        return {}
    return {r["case"]: r for r in json.loads(cp.stdout.strip().splitlines()[-1])}


def flatten(res: dict | None, case: str, prefix: str, phases: list[str]) -> dict:
    out = {}
    ph = res["phases"] if res else {}
    for k in phases:
        out[f"{prefix}{case}_{k}_s"] = ph[k]["cpu"] if k in ph else None
        out[f"{prefix}{case}_{k}_wall_s"] = ph[k]["wall"] if k in ph else None
    for k in ("peak_mb", "peak_first_mb", "held_mb", "held_end_mb", "cells", "dofs", "nnz"):
        out[f"{prefix}{case}_{k}"] = res.get(k) if res else None
    return out


def _fmt(x, nd=3) -> str:
    if x is None:
        return "-"
    return f"{x:.{nd}f}" if abs(x) < 1000 else f"{x:.0f}"


def _ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


def print_case(case: str, pd: dict | None, sk: dict | None) -> None:
    def ph(r, k, which):
        return r["phases"][k][which] if r and k in r["phases"] else None

    r = pd or sk
    if r is None:
        print(f"\n== {case}: failed (see stderr)")
        return
    size = f"{r['cells']:,} cells, {r['dofs']:,} dofs"
    if pd:
        size += f", nnz pdesolve {pd['nnz']:,} ({pd['stored_zeros']:,} stored zeros)"
    if sk:
        size += f", skfem {sk['nnz']:,}"
    print(f"\n== {case} (n={r['n']}; {size})")
    print(
        f"{'phase':<26}{'pdesolve cpu':>13}{'wall':>9}{'skfem cpu':>11}{'wall':>9}{'skfem/pd':>10}"
    )
    rows = [
        ("mesh", "mesh", "mesh"),
        ("first assembly", "first", "first"),
        ("  space (dofmap) | basis", "space", "basis"),
        ("  pattern | -", "pattern", None),
        ("  kernel | asm", "kernel", "asm"),
        ("reassembly (kappa)", "reassembly", "reassembly"),
        ("reassembly out=A", "reassembly_out", "reassembly"),
        ("load vector", "load", "load"),
        ("dirichlet (condense)", "dirichlet", "dirichlet"),
        ("  bc construct", "dirichlet_bc", None),
        ("  apply", "dirichlet_apply", None),
        ("  - | enforce", None, "enforce"),
        ("total (1x each phase)", "total", "total"),
    ]
    for label, kp, ks in rows:
        pc, pw = (ph(pd, kp, "cpu"), ph(pd, kp, "wall")) if kp else (None, None)
        sc, sw = (ph(sk, ks, "cpu"), ph(sk, ks, "wall")) if ks else (None, None)
        rat = _ratio(sc, pc) if kp and ks else None
        print(
            f"{label:<26}{_fmt(pc):>13}{_fmt(pw):>9}{_fmt(sc):>11}{_fmt(sw):>9}{_fmt(rat, 1):>10}"
        )
    for label, k in [
        ("peak RSS growth MB", "peak_mb"),
        ("  over mesh+first MB", "peak_first_mb"),
        ("held mesh+space+A MB", "held_mb"),
        ("held at end MB", "held_end_mb"),
    ]:
        a, b = (pd or {}).get(k), (sk or {}).get(k)
        print(
            f"{label:<26}{_fmt(a, 1):>13}{'':>9}{_fmt(b, 1):>11}{'':>9}{_fmt(_ratio(b, a), 1):>10}"
        )
    if pd and pd.get("reassembly_out_error"):
        print(f"  !! assemble(..., out=A) failed: {pd['reassembly_out_error']}")
    if pd and pd.get("profile_error"):
        print(f"  !! pieces profile failed: {pd['profile_error']}")
    if pd and "profile_cpu_s" in pd:
        print("  pdesolve pieces (CPU s, one fresh run):")
        for k, v in pd["profile_cpu_s"].items():
            print(f"    {k:<44}{v:8.3f}")


def checks(case: str, pd: dict | None, sk: dict | None, quick: bool) -> list[str]:
    """Failed-check messages for one case."""
    bad = []
    p, cell, _, _ = CASES[case]
    dim = 2 if cell == "tri" else 3
    _, fint = _f_exact(dim)
    for name, r in (("pdesolve", pd), ("skfem", sk)):
        if not r:
            continue
        c = r["checks"]
        for k in ("rowsum_rel", "linear_interior_rel", "kappa2_rel", "out_vs_new_rel"):
            if k in c and not c[k] < 1e-9:
                bad.append(f"{name} {case}: {k} = {c[k]:.2e}")
        # load: quadrature error O(h^2); loose on the tiny --quick meshes
        rel = abs(c["load_sum"] - fint) / fint
        if rel > (5e-2 if quick else 1e-3):
            bad.append(f"{name} {case}: load integrates f to rel. error {rel:.1e}")
    if pd and sk and dim == 2:  # same mesh up to a reflection: same Frobenius norm
        fa, fb = pd["checks"]["frobenius"], sk["checks"]["frobenius"]
        if abs(fa - fb) > 1e-10 * fb:
            bad.append(f"{case}: Frobenius norms differ: pdesolve {fa!r} skfem {fb!r}")
    return bad


def parse_sizes(spec: str | None, quick: bool) -> list[tuple[str, int]]:
    out = []
    for item in spec.split(",") if spec else list(CASES):
        name, _, n = item.strip().partition("=")
        if name not in CASES:
            raise SystemExit(f"unknown case {name!r}; cases: {', '.join(CASES)}")
        out.append((name, int(n) if n else CASES[name][3 if quick else 2]))
    return out


def in_process_profile(case: str, n: int | None) -> None:
    """cProfile of pdesolve's user sequence (after a warm-up), top functions by own time."""
    import cProfile
    import pstats

    import numpy as np

    p, cell, nfull, _ = CASES[case]
    rng = np.random.default_rng(0)
    _pd_sequence(p, cell, 3, rng, None, None)
    pr = cProfile.Profile()
    pr.enable()
    _pd_sequence(p, cell, n or nfull, rng, None, None)
    pr.disable()
    st = pstats.Stats(pr)
    st.sort_stats("tottime").print_stats(25)
    st.sort_stats("cumulative").print_stats(25)


def pdesolve_provenance() -> dict:
    """Where the measured pdesolve comes from (path, git commit, uncommitted changes)."""
    import importlib.util

    spec = importlib.util.find_spec("pdesolve")
    if spec is None or not spec.origin:
        return {"pdesolve_path": None, "pdesolve_git": None, "pdesolve_git_dirty": None}
    pkg = os.path.dirname(spec.origin)
    out = {"pdesolve_path": pkg, "pdesolve_git": None, "pdesolve_git_dirty": None}
    try:
        rev = subprocess.run(
            ["git", "-C", pkg, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if rev.returncode == 0:
            st = subprocess.run(
                ["git", "-C", pkg, "status", "--porcelain", "--", "."],
                capture_output=True,
                text=True,
                timeout=10,
            )
            out.update(pdesolve_git=rev.stdout.strip(), pdesolve_git_dirty=bool(st.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    ap.add_argument(
        "--sizes",
        help="comma-separated cases, optionally case=n (default: all): " + ", ".join(CASES),
    )
    ap.add_argument("--no-skfem", action="store_true", help="skip scikit-fem")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each sequence (median)")
    ap.add_argument(
        "--no-pieces",
        action="store_true",
        help="skip the per-piece profile of pdesolve's first assembly",
    )
    ap.add_argument("--json", help="also write the raw per-worker results to this file")
    ap.add_argument("--profile", metavar="CASE", help="cProfile pdesolve on CASE and exit")
    ap.add_argument("--worker", nargs=2, metavar=("LIB", "SPEC"), help=argparse.SUPPRESS)
    ap.add_argument("--profile-pieces", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        worker_main(*args.worker, args.reps, args.profile_pieces)
        return 0
    if args.profile:
        ((case, n),) = parse_sizes(args.profile, args.quick)
        in_process_profile(case, n)
        return 0

    import importlib.util

    have_skfem = importlib.util.find_spec("skfem") is not None and not args.no_skfem
    sizes = parse_sizes(args.sizes, args.quick)
    load0 = os.getloadavg()
    print(
        f"fem_assembly: {len(sizes)} cases, reps={args.reps}, quick={args.quick}, "
        f"skfem={'yes' if have_skfem else 'no'}; load average {load0[0]:.2f} "
        f"{load0[1]:.2f} {load0[2]:.2f}; CPU seconds (wall alongside), one thread"
    )
    prov = pdesolve_provenance()
    print(
        f"pdesolve from {prov['pdesolve_path']} (git {prov['pdesolve_git']}, "
        f"uncommitted changes: {prov['pdesolve_git_dirty']})"
    )
    result: dict = {"quick": args.quick, "reps": args.reps, **prov}
    raw, failed = [], []
    pieces = not args.no_pieces
    if args.quick:  # tiny sizes: one process per library is enough (and fast)
        pd_all = run_worker("pdesolve", sizes, args.reps, pieces)
        sk_all = run_worker("skfem", sizes, args.reps, False) if have_skfem else {}
    for case, n in sizes:
        if args.quick:
            pd, sk = pd_all.get(case), sk_all.get(case)
        else:  # each size and library in a fresh process: clean peak-RSS readings
            pd = run_worker("pdesolve", [(case, n)], args.reps, pieces).get(case)
            sk = (
                run_worker("skfem", [(case, n)], args.reps, False).get(case) if have_skfem else None
            )
        if pd is None or (have_skfem and sk is None):
            failed.append(case)
        raw.extend(r for r in (pd, sk) if r)
        print_case(case, pd, sk)
        result.update(flatten(pd, case, "", PD_PHASES))
        result.update(flatten(sk, case, "skfem_", SK_PHASES))
        result[f"{case}_n"] = n
        for metric, kp, ks in RATIOS:
            val = _ratio(result[f"skfem_{case}_{ks}"], result[f"{case}_{kp}"])
            result[f"ratio_{metric}_{case}"] = val
            if case in ALIASES:
                result[f"ratio_{metric}_{ALIASES[case]}"] = val
        for name, r in (("pdesolve", pd), ("skfem", sk)):
            if r and r.get("checks"):
                result[f"{'skfem_' if name == 'skfem' else ''}{case}_checks"] = r["checks"]
        if pd and sk:
            fa, fb = pd["checks"]["frobenius"], sk["checks"]["frobenius"]
            result[f"{case}_frobenius_rel_diff"] = abs(fa - fb) / fb
        result.setdefault("failed_checks", []).extend(checks(case, pd, sk, args.quick))
        if pd and pd.get("reassembly_out_error"):
            result.setdefault("errors", []).append(
                f"{case}: assemble(out=A): {pd['reassembly_out_error']}"
            )

    # summary against the targets (1M P1 triangles, one core)
    tgt = "p1_tri_1M"
    print("\n== targets (p1_tri_1M, one core, CPU s; ratios skfem/pdesolve)")
    summary = [
        ("first assembly >= 5x faster than skfem", f"ratio_first_{tgt}", 5.0, True),
        ("re-assembly >= 25x faster than skfem", f"ratio_reassembly_{tgt}", 25.0, True),
        ("re-assembly out=A >= 25x faster", f"ratio_reassembly_out_{tgt}", 25.0, True),
        ("peak memory <= 1/3 of skfem (RSS growth)", f"ratio_peak_mem_{tgt}", 3.0, True),
        ("held mesh+pattern+A <= 1/3 of skfem's", f"ratio_held_mem_{tgt}", 3.0, True),
        ("first assembly <= 0.5 s", f"{tgt}_first_s", 0.5, False),
        ("re-assembly <= 0.03 s", f"{tgt}_reassembly_s", 0.03, False),
        ("load vector <= 0.05 s", f"{tgt}_load_s", 0.05, False),
        ("dirichlet <= 0.05 s", f"{tgt}_dirichlet_s", 0.05, False),
    ]
    for label, key, goal, higher in summary:
        val = result.get(key)
        met = None if val is None else (val >= goal if higher else val <= goal)
        verdict = {None: "n/a", True: "met", False: "MISSED"}[met]
        print(f"  {label:<44}{_fmt(val, 3):>10}  {verdict}")
    for msg in result.get("errors", []):
        print(f"  !! {msg}")
    for msg in result["failed_checks"]:
        print(f"  !! check failed: {msg}")
    load1 = os.getloadavg()
    print(f"load average at the end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    result.update(
        checks_ok=not result["failed_checks"] and not failed,
        failed_cases=failed,
        loadavg_start=load0[0],
        loadavg_end=load1[0],
        skfem_version=next((r["version"] for r in raw if r["lib"] == "skfem"), None),
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
