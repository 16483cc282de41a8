"""The records a file's first pass accepted, kept for the second pass so no row is validated twice.

The first pass validates every row and must write nothing (a gate may still refuse the file), so the
accepted records wait here until the gates pass. At most one chunk is held in memory; full chunks are
spilled to an anonymous temporary file in ``RecordCodec``'s compact form (each record a tuple of
plain values, written with ``marshal``), so a file of any size needs the memory of one chunk plus
about 80 bytes of disk per record. Each record is packed once, when it is kept (``RecordCodec.pack``:
its compact form and its content hash's 32 bytes), and handed to the store in that form
(``RecordStore.put_packed``): the second pass neither validates nor decodes nor hashes it again.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from pydantic import BaseModel

from eis_core.models.records import RECORD_MODELS, Record
from eis_core.storage.codec import RECORD_CODECS, RecordCodec


class AcceptedRecords:
    """Accepted records in file order, packed, read back ``chunk_size`` at a time; ``close`` frees the disk."""

    def __init__(self, model: type[BaseModel], chunk_size: int) -> None:
        shared = [RECORD_CODECS[kind] for kind, known in RECORD_MODELS.items() if known is model]
        self._pack = (shared[0] if shared else RecordCodec(model)).pack  # the stores decode with RECORD_CODECS
        self._chunk_size = max(1, chunk_size)
        self._pending: list[tuple[Any, ...]] = []
        self._file: IO[bytes] | None = None
        self._spilled: list[int] = []  # bytes of each chunk written
        self.count = 0

    def add(self, record: Record) -> None:
        self._pending.append(self._pack(record))
        self.count += 1
        if len(self._pending) >= self._chunk_size:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            # Whole chunks: marshal.load on a file reads it a few bytes at a time, loads of bytes do not.
            data = marshal.dumps(self._pending)
            self._file.write(data)
            self._spilled.append(len(data))
            self._pending = []

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        """Every accepted record as ``RecordCodec.pack`` wrote it (compact form, then hash bytes), in the order
        added, ``chunk_size`` at a time (the last may be shorter)."""
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            for size in self._spilled:
                # Our own anonymous temporary file, written above by this process: nothing else can feed it.
                yield marshal.loads(self._file.read(size))  # noqa: S302
        if self._pending:
            yield list(self._pending)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._pending = []

    def __enter__(self) -> AcceptedRecords:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
