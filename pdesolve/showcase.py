"""The showcase behind ``pdesolve demo``: find the literate demos and run them.

The demos live in the repository's top-level ``demos/`` folder as jupytext percent-format
scripts (runnable alone, or opened as notebooks). Each defines

``run(out_dir, quick=False) -> dict``
    Solves its problems, saves its figures under ``out_dir`` and returns a dict with at least
    ``"title"`` (str), ``"summary"`` (list of lines to print) and ``"files"`` (list of the
    paths it wrote: PNG figures, VTU files), plus the numbers it computed (error norms,
    rates, deflections...), which the tests check.

The folder is found next to the package (a source checkout or an editable install), or wherever
the ``PDESOLVE_DEMOS`` environment variable points.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import PdesolveError

#: the demos ``pdesolve demo`` runs, in order
DEMOS: tuple[str, ...] = (
    "poisson",
    "elasticity",
    "heat_robin",
    "splitting",
    "kdv_solitons",
    "gray_scott",
    "turbulence2d",
    "datagen",
    "cavity",
    "cylinder_flow",
)


def demos_dir() -> Path:
    """The folder holding the demo scripts.

    Raises
    ------
    PdesolveError
        If it cannot be found (a non-editable install ships the package only).
    """
    env = os.environ.get("PDESOLVE_DEMOS")
    path = Path(env) if env else Path(__file__).resolve().parent.parent / "demos"
    if not (path / f"{DEMOS[0]}.py").is_file():
        raise PdesolveError(
            f"demo scripts not found in {str(path)!r}; run from a source checkout installed with "
            "`pip install -e .`, or set PDESOLVE_DEMOS to the repository's demos/ folder"
        )
    return path


def load_demo(name: str, directory: str | os.PathLike | None = None) -> ModuleType:
    """Import ``demos/<name>.py`` as a module (its ``__main__`` block does not run)."""
    path = Path(directory) if directory is not None else demos_dir()
    file = path / f"{name}.py"
    if not file.is_file():
        raise PdesolveError(f"no demo {name!r}: {str(file)!r} does not exist; demos are {DEMOS}")
    spec = importlib.util.spec_from_file_location(f"pdesolve_demo_{name}", file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling look modules up here
    spec.loader.exec_module(module)
    return module


def run_demos(
    out_dir: str | os.PathLike,
    quick: bool = False,
    names: Sequence[str] | None = None,
    echo: Callable[[str], Any] = print,
) -> dict[str, dict[str, Any]]:
    """Run demos (all of :data:`DEMOS` by default), print their summaries, return their results."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in names or DEMOS:
        result = load_demo(name).run(out, quick=quick)
        echo(f"\n== {result['title']}  (demos/{name}.py)")
        for line in result["summary"]:
            echo(f"   {line}")
        for file in result["files"]:
            echo(f"   wrote {file}")
        results[name] = result
    return results
