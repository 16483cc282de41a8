"""Keep Python's cycle collector off the objects that existed before a bulk pass over an upload.

A pass over a large upload allocates millions of short-lived objects (cells, dicts, records), and every so
often that makes the collector walk the whole heap: with an agency's records in an in-memory store (the
local stack, ``eis chicago ingest --memory``) most of the pass's time went there, walking records that
cannot be garbage. ``gc.freeze`` sets the objects already alive aside for the pass; the ones it makes are
collected as usual, and ``gc.unfreeze`` puts the old ones back after it. What is computed is unchanged.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def existing_objects_set_aside() -> Iterator[None]:
    """During the block the collector looks only at objects made in it. A no-op when something else already
    froze objects (a caller that manages the collector itself keeps doing so)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
