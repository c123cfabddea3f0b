"""The ``pdesolve`` command line: version, info, demo, sub-command registry."""

import subprocess
import sys

import pytest

import pdesolve
from pdesolve import cli


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"pdesolve {pdesolve.__version__}"


def test_version_as_module():
    out = subprocess.run(
        [sys.executable, "-m", "pdesolve.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert pdesolve.__version__ in out.stdout


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    out = capsys.readouterr().out
    assert "info" in out and "demo" in out


def test_info(capsys):
    before = set(sys.modules)
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    for name in (
        *cli.REQUIRED,
        *cli.OPTIONAL,
        "NUMBA_NUM_THREADS",
        "os.cpu_count()",
        "threading layer",
    ):
        assert name in out
    # optional backends are looked up, never imported
    newly_imported = {m.split(".")[0] for m in set(sys.modules) - before}
    assert not newly_imported & set(cli.OPTIONAL)


def test_missing_package_reported_without_import():
    assert cli._installed_version("surely_not_a_real_package_xyz") is None
    assert cli._installed_version("numpy")


def test_register_subcommand(capsys):
    def add(parser):
        parser.add_argument("--name", default="world")

    def run(args):
        print(f"hello {args.name}")
        return 0

    cli.register("hello", "say hello", add, run)
    try:
        assert cli.main(["hello", "--name", "pde"]) == 0
        assert "hello pde" in capsys.readouterr().out
    finally:
        del cli.COMMANDS["hello"]


def test_demo_quick(tmp_path, capsys):
    assert cli.main(["demo", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == [
        "cavity_profiles.png",
        "cavity_speed.png",
        "cylinder_forces.png",
        "cylinder_vorticity.png",
        "datagen_darcy.png",
        "elasticity_cantilever.png",
        "gray_scott.png",
        "heat_robin.png",
        "kdv_solitons.png",
        "poisson_lshape.png",
        "splitting_orders.png",
        "turbulence2d_vorticity.png",
    ]
    assert all((tmp_path / p).stat().st_size > 1000 for p in pngs)
    assert str(tmp_path) in out and "H1" in out and "Euler-Bernoulli" in out


def test_demo_only_and_missing_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PDESOLVE_DEMOS", str(tmp_path / "nowhere"))
    assert cli.main(["demo", "--quick", "--only", "poisson", "--out", str(tmp_path)]) == 1
    assert "demo scripts not found" in capsys.readouterr().err
