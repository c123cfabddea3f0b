"""The Krylov methods on a GPU through CuPy: the same code as on numpy (array-namespace
dispatch), checked against the CPU run and timed. Needs CuPy and a CUDA device; prints a skip
message otherwise.

Problem: the 5-point Laplacian on an m x m grid (m = 1000: 1M unknowns), b = 1, CG / BiCGStab /
GMRES(40) with Jacobi preconditioning on the GPU (cupyx.scipy.sparse CSR) and on the CPU
(scipy CSR, one thread), rtol 1e-8. Last line: one JSON object.

Usage: python benchmarks/gpu_krylov.py [m]
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import scipy.sparse as sp

from pdesolve.linalg.krylov import bicgstab_solve, cg_solve, gmres_solve


def laplacian(m: int) -> sp.csr_matrix:
    T = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(m, m))
    return (sp.kron(sp.eye(m), T) + sp.kron(T, sp.eye(m))).tocsr()


def main() -> None:
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    try:
        import cupy as cp
        import cupyx.scipy.sparse as csp

        cp.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - any failure means: no usable GPU here
        print(f"skipped: no CuPy/GPU ({exc})")
        print(json.dumps({"gpu": None}))
        return
    A = laplacian(m)
    b = np.ones(A.shape[0])
    Ag, bg = csp.csr_matrix(A), cp.asarray(b)
    dinv, dinv_g = 1.0 / A.diagonal(), cp.asarray(1.0 / A.diagonal())
    out: dict = {"n": A.shape[0], "device": cp.cuda.runtime.getDeviceProperties(0)["name"].decode()}
    for name, fn, kw in [
        ("cg", cg_solve, {}),
        ("bicgstab", bicgstab_solve, {}),
        ("gmres", gmres_solve, {"restart": 40}),
    ]:
        maxiter = 20_000 if name != "gmres" else 200_000
        t = time.perf_counter()
        rc = fn(A, b, rtol=1e-8, M=lambda r: dinv * r, maxiter=maxiter, **kw)
        t_cpu = time.perf_counter() - t
        fn(Ag, bg, rtol=1e-8, M=lambda r: dinv_g * r, maxiter=10, **kw)  # warm-up (kernels)
        cp.cuda.Device().synchronize()
        t = time.perf_counter()
        rg = fn(Ag, bg, rtol=1e-8, M=lambda r: dinv_g * r, maxiter=maxiter, **kw)
        cp.cuda.Device().synchronize()
        t_gpu = time.perf_counter() - t
        xg = cp.asnumpy(rg.x)
        diff = float(np.abs(xg - rc.x).max() / np.abs(rc.x).max())
        on_gpu = type(rg.x).__module__.startswith("cupy")
        print(
            f"{name:9s} cpu {t_cpu:8.3f} s ({rc.iterations} its)  gpu {t_gpu:7.3f} s "
            f"({rg.iterations} its)  speed-up {t_cpu / t_gpu:6.1f}x  rel. diff {diff:.1e}  "
            f"x on GPU: {on_gpu}"
        )
        out.update(
            {
                f"{name}_cpu_s": t_cpu,
                f"{name}_gpu_s": t_gpu,
                f"{name}_cpu_iterations": rc.iterations,
                f"{name}_gpu_iterations": rg.iterations,
                f"{name}_rel_diff": diff,
                f"{name}_result_on_gpu": on_gpu,
                f"{name}_gpu_converged": rg.converged,
            }
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
