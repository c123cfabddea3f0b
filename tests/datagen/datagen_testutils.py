"""Helpers shared by the datagen tests."""

from pathlib import Path

import h5py


def committed(path: Path) -> int:
    """The dataset file's committed sample count; -1 while it does not exist or is mid-write."""
    try:
        with h5py.File(path, "r", locking=False) as f:
            return int(f.attrs["committed"])
    except (OSError, KeyError):
        return -1
