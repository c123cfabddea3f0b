#!/bin/sh
# The whole test suite: sets up .venv on first use, then runs pytest (extra arguments go to it).
set -eu
cd "$(dirname "$0")"
. scripts/ensure-venv.sh
exec .venv/bin/python -m pytest "$@"
