#!/bin/sh
# The showcase: sets up .venv on first use, solves the demo problems, writes figures to ./output
# (or the folder given as first argument).
set -eu
cd "$(dirname "$0")"
. scripts/ensure-venv.sh
exec .venv/bin/pdesolve demo --out "${1:-output}"
