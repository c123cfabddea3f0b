"""Shared test setup: matplotlib draws off-screen (no display needed, no windows opened)."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
