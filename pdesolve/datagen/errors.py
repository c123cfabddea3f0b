"""The error raised for bad data-generation requests."""

from __future__ import annotations

from ..errors import PdesolveError


class DatagenError(PdesolveError, ValueError):
    """A data-generation request cannot be honoured: unknown recipe, bad parameters, a dataset
    file written by another recipe or seed, an optional package missing for a format..."""
