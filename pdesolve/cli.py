"""The ``pdesolve`` command line.

Sub-commands are entries of :data:`COMMANDS`, ``name -> (help, add_arguments, run)``:
``add_arguments(parser)`` declares the options on an :class:`argparse.ArgumentParser` and
``run(args)`` does the work and returns the exit status. A later module adds its own with
:func:`register`, e.g. ``register("datagen", "generate datasets", add_args, run)``.

.. code-block:: console

    $ pdesolve --version
    $ pdesolve info
    $ pdesolve demo --out output --quick
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from . import __version__
from .errors import PdesolveError
from .linalg.methods import DEFAULT_RTOL, METHODS

AddArguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]

#: sub-commands: name -> (one-line help, add_arguments, run)
COMMANDS: dict[str, tuple[str, AddArguments, Run]] = {}

#: packages pdesolve needs, then optional backends looked up without importing them
REQUIRED = ("numpy", "scipy", "numba", "meshio", "matplotlib")
OPTIONAL = ("petsc4py", "mpi4py", "pyamg", "h5py", "dask", "cupy", "torch")


def register(name: str, help: str, add_arguments: AddArguments, run: Run) -> None:
    """Add (or replace) a sub-command."""
    COMMANDS[name] = (help, add_arguments, run)


# --------------------------------------------------------------------------- info
def _installed_version(package: str) -> str | None:
    """Version of an installed package, found without importing it; None if absent."""
    if importlib.util.find_spec(package) is None:
        return None
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "installed (version unknown)"


def _numba_threading() -> tuple[str, str]:
    """(threading layer, NUMBA_NUM_THREADS); the layer is known once a parallel kernel ran,
    before that the configured choice and the layers that can load are reported."""
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:
        available = []
        for name, module in (("tbb", "tbbpool"), ("omp", "omppool"), ("workqueue", "workqueue")):
            try:
                importlib.import_module(f"numba.np.ufunc.{module}")
                available.append(name)
            except ImportError:
                pass
        layer = (
            f"{numba.config.THREADING_LAYER} (none started yet; available: "
            f"{', '.join(available) or 'none'})"
        )
    return layer, str(numba.config.NUMBA_NUM_THREADS)


def _datagen_solvers() -> tuple[str, ...]:
    from .datagen.solvers import SOLVERS

    return SOLVERS


def _method_lines() -> list[str]:
    """One line per row of the method table (:mod:`pdesolve.linalg.methods`)."""
    lines = ["linear solvers (method=...; PETSc KSP where one maps):"]
    for m in METHODS:
        aliases = f" ({', '.join(m.aliases)})" if m.aliases else ""
        ksp = f"KSP {m.petsc}" if m.petsc else "no PETSc KSP"
        lines.append(f"  {m.name + aliases:<34} {m.kind:<10} {ksp:<16} {m.summary}")
    return lines


def _info_lines() -> list[str]:
    lines = [
        f"pdesolve   {__version__}",
        f"python     {platform.python_version()} ({sys.executable})",
        f"platform   {platform.platform()}",
        "",
    ]
    for pkg in REQUIRED:
        lines.append(f"{pkg:<10} {_installed_version(pkg) or 'MISSING (required)'}")
    lines.append("")
    lines.append("optional backends:")
    for pkg in OPTIONAL:
        lines.append(f"  {pkg:<10} {_installed_version(pkg) or 'not installed'}")
    layer, threads = _numba_threading()
    lines += [
        "",
        f"numba threading layer  {layer}",
        f"NUMBA_NUM_THREADS      {threads}"
        + (" (from the environment)" if "NUMBA_NUM_THREADS" in os.environ else ""),
        f"os.cpu_count()         {os.cpu_count()}",
        "",
        *_method_lines(),
    ]
    return lines


def _run_info(args: argparse.Namespace) -> int:
    print("\n".join(_info_lines()))
    return 0


register(
    "info",
    "print versions, optional backends and threading settings",
    lambda parser: None,
    _run_info,
)


# --------------------------------------------------------------------------- demo
def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    from .showcase import DEMOS

    parser.add_argument(
        "--out", default="output", help="folder for the figures (default: ./output)"
    )
    parser.add_argument("--quick", action="store_true", help="coarse meshes, a few seconds in all")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=DEMOS,
        metavar="NAME",
        help=f"run only these demos ({', '.join(DEMOS)})",
    )


def _run_demo(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # figures go to files; never open windows
    from .showcase import run_demos

    start = time.perf_counter()
    print(
        f"pdesolve {__version__} showcase{' (quick)' if args.quick else ''}: figures go to "
        f"{os.path.abspath(args.out)}"
    )
    run_demos(args.out, quick=args.quick, names=args.only)
    print(f"\ndone in {time.perf_counter() - start:.1f} s; figures in {os.path.abspath(args.out)}")
    return 0


register("demo", "run the showcase demos and save their figures", _add_demo_arguments, _run_demo)


# --------------------------------------------------------------------------- datagen
def _add_datagen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", nargs="?", help="recipe name (see --list)")
    parser.add_argument(
        "--list", action="store_true", help="list the recipes (with RECIPE: its documentation)"
    )
    parser.add_argument("--samples", type=int, help="number of samples N")
    parser.add_argument("--resolution", type=int, help="solve resolution (recipe default)")
    parser.add_argument("--subsample", type=int, help="store every K-th grid point")
    parser.add_argument("--out", help="output file")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument(
        "--format", default="hdf5", choices=("hdf5", "mat", "pt", "pdebench"),
        help="file format (default hdf5; others are exported when the run is complete)",
    )  # fmt: skip
    parser.add_argument(
        "--solver", default="auto", choices=_datagen_solvers(),
        help="linear solves: auto (by size), direct (sparse LU), sequence (ordered, "
        "warm-started, recycled), or any method of the method table for the sequence path",
    )  # fmt: skip
    parser.add_argument("--rtol", type=float, default=DEFAULT_RTOL,
                        help=f"true relative residual of every solve ({DEFAULT_RTOL:g})")
    parser.add_argument("--chunk", type=int, default=16, help="samples per worker chunk (16)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE",
        help="recipe parameter (repeatable), e.g. --param low=4",
    )  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises :class:`KeyboardInterrupt` (a clean stop, like Ctrl-C) in the block."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_datagen(args: argparse.Namespace) -> int:
    from .datagen.recipes import RECIPES, recipe_class

    if args.list:
        if args.recipe:
            print(recipe_class(args.recipe).describe())
            return 0
        for name in RECIPES:
            print(f"{name:<16} {recipe_class(name).summary}")
        return 0
    if not args.recipe or args.samples is None or not args.out:
        raise PdesolveError("give RECIPE, --samples and --out (or --list)")
    params: dict[str, object] = {"resolution": args.resolution, "subsample": args.subsample}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise PdesolveError(f"--param takes KEY=VALUE, not {item!r}")
        params[key.strip()] = value.strip()
    from .datagen.runner import generate

    try:
        with _sigterm_as_interrupt():
            summary = generate(
                args.recipe, args.samples, args.out, params=params, seed=args.seed,
                fmt=args.format, solver=args.solver, rtol=args.rtol, workers=args.workers,
                scheduler=args.scheduler, chunk=args.chunk, progress=not args.no_progress,
            )  # fmt: skip
    except KeyboardInterrupt:
        print("pdesolve datagen: error: interrupted; rerun the same command to resume",
              file=sys.stderr)  # fmt: skip
        return 130
    except OSError as e:  # unwritable or missing directory, full disk...
        raise PdesolveError(f"cannot write {args.out!r}: {e.strerror or e}") from e
    print(
        f"{summary.path}: {summary.samples} samples ({summary.written} written now, resumed at "
        f"{summary.resumed_from}); solver {summary.solver}; {summary.seconds:.1f} s, "
        f"{summary.samples_per_second:.3g} samples/s"
    )
    return 0


register(
    "datagen",
    "generate training data for learned operators (resumable, parallel)",
    _add_datagen_arguments,
    _run_datagen,
)


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="pdesolve", description="Classical PDE solvers in Python."
    )
    parser.add_argument("--version", action="version", version=f"pdesolve {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_, add_arguments, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        add_arguments(p)
        p.set_defaults(_run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pdesolve`` command; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except PdesolveError as e:
        print(f"pdesolve {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
