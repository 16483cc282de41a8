"""A content-addressed cache of the event history built from a folder of raw files (the Chicago demo).

Exporting the Chicago release and running it through the ingest service takes minutes, and a backtest
of the same release repeats it on every run. The history it produces depends only on the raw files and
on the code that exports, validates and frames them, so the cache key is the SHA-256 of exactly that:
every raw file (path and bytes), every Python source file of ``eis_core`` and ``eis_tools``, and the
versions of Python, pandas, numpy and pydantic. Any change to a raw file or to the code gives a new
key, and the history is built again from the files: a cached entry never outlives what made it.

An entry is ``<key>.pkl.gz`` under ``.eis/cache/frames`` (or ``$EIS_CACHE_DIR/frames``) with its own
SHA-256 in ``<key>.sha256``; an entry that fails that check or cannot be read is ignored and rebuilt.
The entries are our own pickles on the analyst's disk, never anything received from elsewhere.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import platform
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pydantic

import eis_core
import eis_tools
from eis_core.indicators.history import HistoryFrame

CACHE_ENV = "EIS_CACHE_DIR"
DEFAULT_CACHE = Path(".eis/cache")


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or DEFAULT_CACHE) / "frames"


def _files_under(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(path for path in folder.rglob(pattern) if path.is_file() and "__pycache__" not in path.parts)


def _digest_files(digest: hashlib._Hash, label: str, folder: Path, pattern: str = "*") -> None:
    for path in _files_under(folder, pattern):
        name = path.relative_to(folder).as_posix().encode()
        body = path.read_bytes()
        digest.update(f"{label}:{len(name)}:{len(body)}:".encode())
        digest.update(name)
        digest.update(body)


def code_fingerprint(packages: Iterable[Path] | None = None) -> str:
    """SHA-256 of every ``.py`` of the packages (default ``eis_core``, ``eis_tools``) and the library versions."""
    digest = hashlib.sha256()
    folders = (
        list(packages) if packages is not None else [Path(eis_core.__file__).parent, Path(eis_tools.__file__).parent]
    )
    for index, folder in enumerate(folders):
        _digest_files(digest, f"code{index}", folder, "*.py")
    versions = f"python {platform.python_version()} pandas {pd.__version__} numpy {np.__version__}"
    digest.update(f"{versions} pydantic {pydantic.VERSION}".encode())
    return digest.hexdigest()


def cache_key(raw: Path, purpose: str, *, code: str | None = None) -> str:
    """The key of the history built from ``raw`` for ``purpose`` by the current code."""
    digest = hashlib.sha256(f"{purpose}\n{code or code_fingerprint()}\n".encode())
    _digest_files(digest, "raw", raw)
    return digest.hexdigest()


@dataclass(frozen=True)
class Cached:
    frame: HistoryFrame
    hit: bool
    path: Path


def _read(entry: Path, checksum: Path) -> HistoryFrame | None:
    try:
        blob, expected = entry.read_bytes(), checksum.read_text().strip()
    except OSError:
        return None
    if hashlib.sha256(blob).hexdigest() != expected:
        return None
    try:
        frame = pickle.loads(gzip.decompress(blob))  # noqa: S301 - our own entry, its sha256 verified above
    except Exception:  # an unreadable entry is rebuilt, never trusted
        return None
    return frame if isinstance(frame, HistoryFrame) else None


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)


def cached_history(key: str, build: Callable[[], HistoryFrame], *, root: Path | None = None) -> Cached:
    """The history stored under ``key``, else ``build()``'s, stored for the next run."""
    folder = root or cache_root()
    entry, checksum = folder / f"{key}.pkl.gz", folder / f"{key}.sha256"
    frame = _read(entry, checksum)
    if frame is not None:
        return Cached(frame, True, entry)
    frame = build()
    blob = gzip.compress(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL), compresslevel=1)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(entry, blob)
        _write_atomically(checksum, hashlib.sha256(blob).hexdigest().encode())
    except OSError:
        pass  # a read-only disk only costs the next run its rebuild
    return Cached(frame, False, entry)
