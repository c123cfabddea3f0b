"""Shared test setup: matplotlib draws off-screen (no display needed, no windows opened), and
BLAS runs on one thread (small BLAS-2 products on several threads of a busy 2-core machine cost
milliseconds each and make the suite slow and its timings erratic)."""

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is in the test extra
        yield
        return
    with threadpool_limits(1):
        yield
