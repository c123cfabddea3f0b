"""Dataset files: a crash-safe, resumable HDF5 writer and exporters to the formats people load.

HDF5 layout (the default format)
--------------------------------
- one dataset per array, shape ``(N, *sample_shape)``, chunked by sample (one chunk = one
  sample), ``maxshape`` unlimited along the sample axis;
- ``/grid/<name>``: grid coordinates (``x``, ``y``, ``t``...);
- file attributes: ``recipe``, ``parameters`` (JSON), ``seed``, ``samples`` (N), ``solver``,
  ``tolerance``, ``versions`` (JSON: pdesolve, numpy, scipy, h5py, python), ``format``
  (``pdesolve-datagen/1``) and ``committed``.

Crash safety. Every dataset is allocated in full when the file is created (HDF5 early
allocation, no fill values written), so writing a sample changes raw data only, never the
file's structure. Samples are
written strictly in order; after each batch the file is flushed and only then ``committed`` (the
number of valid leading samples) is raised and flushed again. A process killed at any moment
(Ctrl-C, ``kill -9``, a full disk) leaves a file whose first ``committed`` samples are complete;
reopening it resumes at ``committed`` and overwrites whatever was half-written after it. A new
file is laid out under a temporary name (``.OUT.creating``) and renamed into place once flushed,
so a crash during creation leaves no file at ``OUT``. Chunks holding NaN or inf are refused. This
covers process crashes, not power loss (no ``fsync``).

Exporters (:func:`export`) turn a finished file into FNO ``.mat`` files (``scipy.io.savemat``),
neuraloperator ``.pt`` dicts ``{'x', 'y', ...}`` (needs torch) and PDEBench-style HDF5 files.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DatagenError

__all__ = ["DatasetSpec", "HDF5Writer", "read_dataset", "export", "FORMATS", "versions"]

FORMAT_TAG = "pdesolve-datagen/1"
#: output formats: the HDF5 working file, and the exporters run on it when the run is complete
FORMATS = ("hdf5", "mat", "pt", "pdebench")
#: attributes that must match for a run to resume a file
IDENTITY = ("recipe", "parameters", "seed", "samples", "solver", "tolerance")


def versions() -> dict[str, str]:
    """Versions of the packages that produced a dataset."""
    import h5py
    import scipy

    from .. import __version__

    return {
        "pdesolve": __version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "h5py": h5py.__version__,
        "python": platform.python_version(),
    }


@dataclass
class DatasetSpec:
    """What a dataset file holds: its identity and the layout of one sample.

    Attributes
    ----------
    recipe : str
    parameters : dict
        The recipe's resolved parameters (JSON-serialisable).
    seed : int
    samples : int
        Number of samples N.
    arrays : dict of str to (shape, dtype)
        Per-sample shape and dtype of every stored array.
    solver : str
    tolerance : float
    coordinates : dict of str to ndarray
        Grid coordinates written under ``/grid``.
    """

    recipe: str
    parameters: dict[str, Any]
    seed: int
    samples: int
    arrays: dict[str, tuple[tuple[int, ...], str]]
    solver: str = "direct"
    tolerance: float = 1e-8
    coordinates: dict[str, np.ndarray] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        """The attributes a resumed run must share with the file."""
        return {
            "recipe": self.recipe,
            "parameters": json.dumps(self.parameters, sort_keys=True),
            "seed": int(self.seed),
            "samples": int(self.samples),
            "solver": self.solver,
            "tolerance": float(self.tolerance),
        }


def _early_allocation_dcpl() -> Any:
    import h5py

    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)  # every chunk addressed at creation
    dcpl.set_fill_time(h5py.h5d.FILL_TIME_NEVER)  # ...but not written: creation stays fast
    return dcpl


class HDF5Writer:
    """Append samples, in order, to a crash-safe HDF5 dataset file (see the module docstring).

    Parameters
    ----------
    path : path-like
    spec : DatasetSpec
        Creates the file if it does not exist; otherwise the file must hold the same identity
        (recipe, parameters, seed, samples, solver, tolerance) and writing resumes at its
        ``committed`` count.

    Raises
    ------
    DatagenError
        The existing file was written by another recipe, parameter set, seed..., is not a
        pdesolve dataset (or not a complete one: cannot be opened), is being written by another
        process, or ``path`` is a directory.
    """

    def __init__(self, path: str | os.PathLike, spec: DatasetSpec):
        self.path = Path(path)
        self.spec = spec
        if self.path.is_dir():
            raise DatagenError(f"{str(self.path)!r} is a directory; give a file name as --out")
        if self.path.exists():
            self.file = self._open(self.path, "r+")
            try:
                self._check_identity()
            except DatagenError:
                self.file.close()
                raise
        else:
            # laid out under a temporary name and renamed once flushed: a crash during creation
            # never leaves a half-made file at ``path``
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.creating")
            self.file = self._open(tmp, "w")
            try:
                self._create()
            finally:
                self.file.close()
            os.replace(tmp, self.path)
            self.file = self._open(self.path, "r+")

    def _open(self, path: Path, mode: str) -> Any:
        """``h5py.File(path, mode)``, with the usual failures as :class:`DatagenError`."""
        import h5py

        try:
            return h5py.File(path, mode)
        except OSError as e:
            if "lock" in str(e).lower():
                raise DatagenError(f"another process is writing {str(self.path)!r}") from e
            if mode == "r+" and path.is_file():
                raise DatagenError(
                    f"{str(path)!r} exists but is not a complete pdesolve dataset file (it cannot "
                    f"be opened: {e}); delete it, or choose another --out, and rerun"
                ) from e
            raise

    def _create(self) -> None:
        f, spec = self.file, self.spec
        for name, (shape, dtype) in spec.arrays.items():
            shape = tuple(int(s) for s in shape)
            f.create_dataset(
                name,
                shape=(spec.samples, *shape),
                maxshape=(None, *shape),
                dtype=np.dtype(dtype),
                chunks=(1, *shape) if shape else (max(1, min(spec.samples, 4096)),),
                dcpl=_early_allocation_dcpl(),
            )
        grid = f.create_group("grid")
        for name, values in spec.coordinates.items():
            grid.create_dataset(name, data=np.asarray(values))
        f.attrs["format"] = FORMAT_TAG
        for key, value in spec.identity().items():
            f.attrs[key] = value
        f.attrs["versions"] = json.dumps(versions(), sort_keys=True)
        f.attrs["committed"] = np.int64(0)
        f.flush()

    def _check_identity(self) -> None:
        attrs = self.file.attrs
        if attrs.get("format") != FORMAT_TAG:
            raise DatagenError(f"{str(self.path)!r} is not a pdesolve dataset file")
        differ = []
        for key, want in self.spec.identity().items():
            have = attrs.get(key)
            have = have.item() if isinstance(have, np.generic) else have
            if have == want:
                continue
            if key == "parameters":
                old, new = json.loads(have), json.loads(want)
                for k in sorted(set(old) | set(new)):
                    if old.get(k) != new.get(k):
                        differ.append(f"{k}: file has {old.get(k)!r}, this run {new.get(k)!r}")
            else:
                differ.append(f"{key}: file has {have!r}, this run {want!r}")
        if differ:
            raise DatagenError(
                f"{str(self.path)!r} holds another dataset, refusing to resume it ("
                + "; ".join(differ)
                + "); choose another --out or delete the file"
            )

    @property
    def committed(self) -> int:
        """Number of complete samples at the start of the file."""
        return int(self.file.attrs["committed"])

    def write(self, start: int, arrays: Mapping[str, np.ndarray]) -> None:
        """Write samples ``start, start + 1, ...`` (``start`` must be :attr:`committed`), then
        commit them; samples holding NaN or inf are refused (:class:`DatagenError`)."""
        if start != self.committed:
            raise DatagenError(f"samples must be written in order: got {start}, expected "
                               f"{self.committed}")
        if set(arrays) != set(self.spec.arrays):
            raise DatagenError(
                f"arrays {sorted(arrays)} do not match the file's {sorted(self.spec.arrays)}"
            )
        counts = {len(a) for a in arrays.values()}
        if len(counts) != 1:
            raise DatagenError(f"arrays hold different numbers of samples: {sorted(counts)}")
        count = counts.pop()
        stop = start + count
        if stop > self.spec.samples:
            raise DatagenError(f"samples {start}..{stop - 1} exceed N = {self.spec.samples}")
        bad = [name for name, values in arrays.items()
               if np.asarray(values).dtype.kind in "fc" and not np.isfinite(values).all()]
        if bad:
            raise DatagenError(
                f"samples {start}..{stop - 1} hold non-finite values (NaN or inf) in "
                f"{', '.join(sorted(bad))}; not written (check the recipe parameters, --rtol "
                "and --solver)"
            )
        for name, values in arrays.items():
            self.file[name][start:stop] = values
        self.file.flush()  # data reaches the file before the count that declares it valid
        self.file.attrs["committed"] = np.int64(stop)
        self.file.flush()

    def close(self) -> None:
        if self.file.id.valid:
            self.file.close()

    def __enter__(self) -> HDF5Writer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_dataset(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The committed samples of a dataset file and its metadata.

    Returns
    -------
    arrays : dict of str to ndarray
        Every stored array cut to the committed samples, plus ``grid/<name>`` coordinates.
    attrs : dict
        File attributes, ``parameters`` and ``versions`` decoded from JSON.
    """
    import h5py

    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT_TAG:
            raise DatagenError(f"{str(path)!r} is not a pdesolve dataset file")
        attrs = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in f.attrs.items()}
        for key in ("parameters", "versions"):
            attrs[key] = json.loads(attrs[key])
        n = attrs["committed"]
        arrays = {name: f[name][:n] for name in f if isinstance(f[name], h5py.Dataset)}
        for name in f["grid"]:
            arrays[f"grid/{name}"] = f["grid"][name][()]
    return arrays, attrs


# --------------------------------------------------------------------------- exporters
def _atomic(out: Path, write: Any) -> None:
    """Write through a temporary file renamed over ``out`` once complete."""
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def export(
    source: str | os.PathLike,
    out: str | os.PathLike,
    fmt: str,
    keys: Mapping[str, str],
    attrs: Mapping[str, Any] | None = None,
) -> Path:
    """Write a finished dataset file in another format.

    Parameters
    ----------
    source : path-like
        A pdesolve HDF5 dataset file.
    out : path-like
    fmt : {"mat", "pt", "pdebench"}
        ``mat``: ``scipy.io.savemat`` with the given keys (FNO: ``coeff``/``sol`` for Darcy,
        ``a``/``u``/``t`` for Burgers and Navier–Stokes, plus a per-sample parameter such as
        Helmholtz's ``k``); ``pt``: ``torch.save`` of the dict ``{'x': ..., 'y': ..., ...}`` as
        float32 tensors (neuraloperator's ``PTDataset``); ``pdebench``:
        an HDF5 file with PDEBench's keys (``nu``, ``tensor``, ``x-coordinate``...) and
        attributes.
    keys : mapping of str to str
        Output key -> stored array name (``grid/x`` for a coordinate).
    attrs : mapping, optional
        Extra attributes (PDEBench's ``beta``).

    Returns
    -------
    Path
        ``out``, written atomically (a temporary file renamed when complete).
    """
    arrays, meta = read_dataset(source)
    if meta["committed"] != meta["samples"]:
        raise DatagenError(
            f"{str(source)!r} holds {meta['committed']} of {meta['samples']} samples; finish the "
            "run before exporting"
        )
    missing = sorted(set(keys.values()) - set(arrays))
    if missing:
        raise DatagenError(f"{str(source)!r} has no arrays {missing} for the {fmt} export")
    data = {key: arrays[name] for key, name in keys.items()}
    out = Path(out)
    if fmt == "mat":
        from scipy.io import savemat

        _atomic(out, lambda p: savemat(p, data, do_compression=False, oned_as="column"))
    elif fmt == "pt":
        try:
            import torch
        except ImportError as e:
            raise DatagenError(
                "the 'pt' format needs PyTorch (pip install torch); use --format hdf5 or mat"
            ) from e
        tensors = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
                   for k, v in data.items()}
        _atomic(out, lambda p: torch.save(tensors, p))
    elif fmt == "pdebench":
        import h5py

        def write(p: Path) -> None:
            with h5py.File(p, "w") as f:
                for key, value in data.items():
                    f.create_dataset(key, data=value)
                for key, value in {**meta["parameters"], **(attrs or {})}.items():
                    if isinstance(value, (int, float, str, bool)):
                        f.attrs[key] = value
                f.attrs["seed"] = meta["seed"]

        _atomic(out, write)
    else:
        raise DatagenError(f"unknown export format {fmt!r}; choose from {FORMATS[1:]}")
    return out
