#!/bin/sh
# Create .venv and install pdesolve (editable) with the test extras, once; reinstall only when
# pyproject.toml or the extras change. Sourced by ./demo.sh and ./test.sh.
# PDESOLVE_EXTRAS adds extras, e.g. PDESOLVE_EXTRAS=petsc (PETSc + MPI: builds PETSc from
# source, 25-50 minutes the first time; needs scripts/install-system-deps.sh run first).
set -eu
PY=${PYTHON:-python3}
EXTRAS="test,amg,data${PDESOLVE_EXTRAS:+,$PDESOLVE_EXTRAS}"
STAMP=.venv/.installed
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1) $EXTRAS"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv || {
        echo "error: '$PY -m venv' failed; on Debian/Ubuntu install python3-venv first" >&2
        exit 1
    }
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    case "$EXTRAS" in
        *petsc*)
            # PETSc from PyPI builds from source: MPI on, no CUDA (a compiler may exist
            # without a GPU), no Fortran.
            export PETSC_CONFIGURE_OPTIONS="${PETSC_CONFIGURE_OPTIONS:---with-mpi=1 --with-cuda=0 --with-fortran-bindings=0 --with-fc=0 COPTFLAGS=-O2 CXXOPTFLAGS=-O2}"
            # Build PETSc once (pip caches the wheel), then petsc4py against it without a
            # second isolated PETSc build.
            .venv/bin/python -m pip install --quiet numpy cython setuptools wheel mpi4py
            .venv/bin/python -m pip install --quiet petsc
            .venv/bin/python -m pip install --quiet --no-build-isolation petsc4py ;;
    esac
    .venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
    echo "$WANT" > "$STAMP"
fi
