"""Seeds: a base seed gives every sample its own independent random stream.

Sample ``i`` of a dataset with base seed ``s`` draws from
``numpy.random.default_rng(SeedSequence(s, spawn_key=(i,)))``, the ``i``-th child that
``SeedSequence(s).spawn`` would produce, built directly from the index. It depends on ``(s, i)``
only, so a dataset is identical whatever the number of workers, the chunking or the point where
an interrupted run resumed.
"""

from __future__ import annotations

import numpy as np

from .errors import DatagenError

Seed = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int, a SeedSequence, a Generator (returned as is) or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise DatagenError(f"seed must be a non-negative int, a numpy Generator or None, not {seed!r}")


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """The random stream of sample ``index`` of a dataset with base seed ``seed``."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatagenError(f"a dataset's base seed must be a non-negative int, not {seed!r}")
    if index < 0:
        raise DatagenError(f"sample index must be >= 0, not {index}")
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(index),)))
