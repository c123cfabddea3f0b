#!/bin/sh
# Create .venv and install pdesolve (editable) with the test extras, once; reinstall only when
# pyproject.toml changes. Sourced by ./demo.sh and ./test.sh.
set -eu
PY=${PYTHON:-python3}
STAMP=.venv/.installed
WANT=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv || {
        echo "error: '$PY -m venv' failed; on Debian/Ubuntu install python3-venv first" >&2
        exit 1
    }
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[test,amg]"
    echo "$WANT" > "$STAMP"
fi
