"""Running a recipe: chunks of samples, worker processes or a Dask cluster, one ordered writer.

The samples ``0 .. N−1`` are cut into chunks of ``chunk`` consecutive indices aligned on
multiples of ``chunk`` (``[c·chunk, (c+1)·chunk)``). A worker generates a whole chunk — draws its
inputs from the per-sample seeds (:func:`~pdesolve.datagen.seeding.sample_rng`) and solves its
systems as one ordered, warm-started sequence — and the parent process, the only writer, appends
finished chunks to the HDF5 file strictly in index order (:class:`~.writers.HDF5Writer`,
committing after each). Since a sample's inputs depend on ``(seed, index)`` only and a chunk's
solve on its own samples only, the file is bit-for-bit the same whatever the number of workers,
the scheduler, or where an interrupted run resumed; BLAS threads are pinned to one per worker so
that reductions do not depend on a thread count either.

Resuming: running the same command again reopens the file, checks that recipe, parameters,
seed, N, solver, tolerance and chunk agree (else :class:`~.errors.DatagenError`) and continues
at its committed count. For the ``mat``/``pt``/``pdebench`` formats the run writes
``OUT.partial.h5`` and exports it to ``OUT`` atomically when complete.
"""

from __future__ import annotations

import importlib.util
import json
import math
import multiprocessing
import numbers
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DatagenError
from .recipes import Recipe, get_recipe
from .writers import FORMATS, DatasetSpec, HDF5Writer, export

__all__ = ["RunSummary", "generate", "generate_chunk", "partial_path"]

DEFAULT_CHUNK = 16


@dataclass
class RunSummary:
    """What :func:`generate` did."""

    path: Path
    samples: int
    resumed_from: int
    written: int
    seconds: float
    solver: str
    #: seconds until the first chunk was committed, and the samples it held
    startup_seconds: float = 0.0
    first_chunk: int = 0

    @property
    def samples_per_second(self) -> float:
        """Written samples over the whole wall time (start-up of workers included)."""
        return self.written / self.seconds if self.seconds > 0 else float("inf")

    @property
    def steady_samples_per_second(self) -> float:
        """Throughput after the first chunk: the rate a long run approaches (worker start-up
        and the first chunk's latency excluded)."""
        rest = self.seconds - self.startup_seconds
        done = self.written - self.first_chunk
        return done / rest if done > 0 and rest > 0 else self.samples_per_second


_local = threading.local()  # recipes hold models with work buffers: one per thread
_pin_lock = threading.Lock()
_pin: dict[str, Any] = {"active": 0, "limiter": None}


def _recipe(name: str, params_json: str) -> Recipe:
    cache = _local.__dict__.setdefault("recipes", {})
    key = (name, params_json)
    if key not in cache:
        if len(cache) > 4:
            cache.clear()
        cache[key] = get_recipe(name, **json.loads(params_json))
    return cache[key]


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread while any chunk of this process runs (threaded reductions
    would make the bits depend on the thread count); restored when the last one ends."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # not installed: BLAS keeps its threads (bits may depend on them)
        threadpool_limits = None

    with _pin_lock:
        if _pin["active"] == 0 and threadpool_limits is not None:
            _pin["limiter"] = threadpool_limits(1)
        _pin["active"] += 1
    try:
        yield
    finally:
        with _pin_lock:
            _pin["active"] -= 1
            if _pin["active"] == 0 and _pin["limiter"] is not None:
                _pin["limiter"].restore_original_limits()
                _pin["limiter"] = None


def generate_chunk(
    name: str, params_json: str, start: int, stop: int, seed: int, solver: str, rtol: float
) -> tuple[int, dict[str, np.ndarray]]:
    """Samples ``start .. stop−1`` of a dataset (run in a worker; BLAS pinned to one thread)."""
    with _one_blas_thread():
        arrays = _recipe(name, params_json).generate(
            list(range(start, stop)), seed, solver=solver, rtol=rtol
        )
    return start, arrays


def partial_path(out: str | os.PathLike, fmt: str) -> Path:
    """The HDF5 file a run writes: ``out`` itself for HDF5, ``out.partial.h5`` otherwise."""
    out = Path(out)
    return out if fmt == "hdf5" else out.with_name(out.name + ".partial.h5")


def _chunks(start: int, samples: int, chunk: int) -> Iterator[tuple[int, int]]:
    c = start
    while c < samples:
        stop = min((c // chunk + 1) * chunk, samples)
        yield c, stop
        c = stop


def _pool_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class _Ordered:
    """Buffers finished chunks and hands them to the writer in index order."""

    def __init__(self, writer: HDF5Writer, progress: Any):
        self.writer, self.progress, self.pending = writer, progress, {}
        self.t0, self.first = time.perf_counter(), None

    def add(self, start: int, arrays: dict[str, np.ndarray]) -> None:
        self.pending[start] = arrays
        while self.writer.committed in self.pending:
            at = self.writer.committed
            block = self.pending.pop(at)
            self.writer.write(at, block)
            if self.first is None:
                self.first = (time.perf_counter() - self.t0, self.writer.committed - at)
            if self.progress is not None:
                self.progress.update(len(next(iter(block.values()))))


def _run_local(tasks: list[tuple], ordered: _Ordered) -> None:
    for task in tasks:
        ordered.add(*generate_chunk(*task))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _exit_with_parent(run_pid: int) -> None:
    """Pool initializer: end this worker when the process running :func:`generate` dies (even
    by SIGKILL), so that no worker outlives an interrupted run.

    On Linux the kernel sends SIGTERM when the worker's parent (the run, or its forkserver, which
    exits with the run) dies (``prctl(PR_SET_PDEATHSIG)``); everywhere, a daemon thread polls the
    parent pid and the run's pid once a second and exits when either has gone.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # no prctl: the thread below still watches
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent and _alive(run_pid):
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="pdesolve-watch-parent", daemon=True).start()


def _run_pool(tasks: list[tuple], ordered: _Ordered, workers: int) -> None:
    with ProcessPoolExecutor(workers, mp_context=_pool_context(), initializer=_exit_with_parent,
                             initargs=(os.getpid(),)) as pool:  # fmt: skip
        todo = iter(tasks)
        running: set[Future] = set()
        try:
            while True:
                while len(running) < 2 * workers:  # bounded look-ahead: bounded memory
                    task = next(todo, None)
                    if task is None:
                        break
                    running.add(pool.submit(generate_chunk, *task))
                if not running:
                    break
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    ordered.add(*fut.result())
        except BaseException:
            for fut in running:
                fut.cancel()
            raise


def _run_dask(tasks: list[tuple], ordered: _Ordered, scheduler: Any) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise DatagenError("--scheduler needs dask.distributed: pip install 'dask[distributed]'"
                           ) from e  # fmt: skip
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        futures = [client.submit(generate_chunk, *task, pure=False) for task in tasks]
        for fut in as_completed(futures):
            ordered.add(*fut.result())
            fut.release()
    finally:
        if own:
            client.close()


def _check_seed_rtol(seed: Any, rtol: Any) -> None:
    """Reject a seed outside ``[0, 2⁶³)`` or a tolerance that is not a finite positive number
    (before any file is created)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**63:
        raise DatagenError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    if (isinstance(rtol, bool) or not isinstance(rtol, numbers.Real)
            or not (math.isfinite(rtol) and rtol > 0)):  # fmt: skip
        raise DatagenError(f"rtol must be a finite number > 0, got {rtol!r}")


def generate(
    recipe: str,
    samples: int,
    out: str | os.PathLike,
    *,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    fmt: str = "hdf5",
    solver: str = "auto",
    rtol: float = 1e-8,
    workers: int = 1,
    scheduler: Any = None,
    chunk: int = DEFAULT_CHUNK,
    progress: bool = True,
) -> RunSummary:
    """Generate (or resume) a dataset file.

    Parameters
    ----------
    recipe : str
        A name of :data:`pdesolve.datagen.recipes.RECIPES`.
    samples : int
        N, the number of samples.
    out : path-like
    params : dict, optional
        Recipe parameters over its defaults (``resolution``, ``subsample``...).
    seed : int
        Base seed, ``0 <= seed < 2**63``; sample ``i`` draws from
        ``SeedSequence(seed, spawn_key=(i,))``.
    fmt : {"hdf5", "mat", "pt", "pdebench"}
    solver : {"auto", "direct", "sequence"}
    rtol : float
        Tolerance of iterative solves, finite and > 0 (stored solutions satisfy it on the true
        residual).
    workers : int
        Worker processes on this machine (1: generate in this process).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://host:8786``) or client: chunks run on its workers.
    chunk : int
        Samples per chunk (a sequence solved by one worker; part of the file's identity).
    progress : bool
        Show a tqdm progress bar (samples/s) on stderr.

    Returns
    -------
    RunSummary
    """
    if fmt not in FORMATS:
        raise DatagenError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if samples < 1 or workers < 1 or chunk < 1:
        raise DatagenError(f"need samples, workers and chunk >= 1 (got {samples}, {workers}, "
                           f"{chunk})")  # fmt: skip
    _check_seed_rtol(seed, rtol)
    rec = get_recipe(recipe, **(params or {}))
    if fmt != "hdf5" and fmt not in rec.exports:
        raise DatagenError(f"recipe {recipe!r} exports to {', '.join(rec.exports) or 'nothing'}, "
                           f"not {fmt!r}")  # fmt: skip
    if fmt == "pt" and importlib.util.find_spec("torch") is None:
        raise DatagenError("the 'pt' format needs PyTorch (pip install torch); use --format hdf5 "
                           "or mat")  # fmt: skip
    resolved = rec.resolved_solver(solver)
    path = partial_path(out, fmt)
    if fmt != "hdf5" and Path(out).exists() and not path.exists():
        raise DatagenError(f"{str(out)!r} exists (a finished export); delete it to regenerate")
    spec = DatasetSpec(
        recipe=recipe, parameters={**rec.params, "chunk": chunk}, seed=seed, samples=samples,
        arrays=rec.arrays(), solver=resolved, tolerance=rtol, coordinates=rec.coordinates(),
    )  # fmt: skip
    t0 = time.perf_counter()
    params_json = json.dumps(rec.params, sort_keys=True)
    with HDF5Writer(path, spec) as writer:
        start = writer.committed
        tasks = [(recipe, params_json, a, b, seed, resolved, rtol)
                 for a, b in _chunks(start, samples, chunk)]  # fmt: skip
        bar = None
        if progress and tasks:
            from tqdm import tqdm

            bar = tqdm(total=samples, initial=start, unit="sample", desc=recipe,
                       file=sys.stderr, smoothing=0.1)  # fmt: skip
        try:
            ordered = _Ordered(writer, bar)
            if scheduler is not None:
                _run_dask(tasks, ordered, scheduler)
            elif workers > 1 and len(tasks) > 1:
                _run_pool(tasks, ordered, workers)
            else:
                _run_local(tasks, ordered)
        finally:
            if bar is not None:
                bar.close()
        written = writer.committed - start
    if fmt != "hdf5":
        export(path, out, fmt, rec.exports[fmt], rec.export_attrs())
        path.unlink()
    first = ordered.first if tasks and ordered.first else (0.0, 0)
    return RunSummary(Path(out), samples, start, written, time.perf_counter() - t0, resolved,
                      first[0] + (ordered.t0 - t0), first[1])  # fmt: skip
