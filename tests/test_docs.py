"""Every ``python`` code block of the README and docs/*.md runs verbatim, in order, one
namespace per file (blocks that need PETSc/MPI run only where petsc4py is installed)."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
NEEDS_PETSC = re.compile(r"petsc|mpi4py|RowBlock", re.I)


def blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_code_blocks_run_verbatim(path, tmp_path, monkeypatch):
    code = blocks(path)
    if not code:
        pytest.skip(f"{path.name} has no python blocks")
    has_petsc = importlib.util.find_spec("petsc4py") is not None
    (tmp_path / "meshes").symlink_to(ROOT / "meshes")  # paths as written, from the repo root
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__docs__"}
    for i, src in enumerate(code):
        if NEEDS_PETSC.search(src) and not has_petsc:
            continue
        if "mpiexec" in src or "COMM_WORLD" in src:
            continue  # written to be launched under mpiexec (tests/backends run those)
        try:
            exec(compile(src, f"{path.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"{path.name} block {i} failed: {exc!r}\n{src}") from exc
    assert os.getcwd() == str(tmp_path)
