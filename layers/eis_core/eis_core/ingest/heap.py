"""Keep Python's cycle collector off the objects that existed before a bulk pass over an upload.

A pass over a large upload allocates millions of short-lived objects (cells, dicts, records), and every so
often that makes the collector walk the whole heap: with an agency's records in an in-memory store (the
local stack, ``eis chicago ingest --memory``) most of the pass's time went there, walking records that
cannot be garbage. ``gc.freeze`` sets the objects already alive aside for the pass; the ones it makes are
collected as usual, and ``gc.unfreeze`` puts the old ones back after it. What is computed is unchanged.

Within the block the youngest generation is collected every ``YOUNG_THRESHOLD`` allocations rather than
every 700 (a pass's temporaries mostly die by reference count before a collection sees them), and
the function the block yields freezes what the pass has kept so far (the records an in-memory store holds), which
otherwise the collector would walk again and again as the store grows: at 1,000,000 records both together
took the collector's time from about 6 s to under 0.1 s.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000


@contextmanager
def existing_objects_set_aside() -> Iterator[Callable[[], None]]:
    """During the block the collector looks only at objects made in it. The block yields ``set_aside_kept``: a
    call sets the objects made so far aside too, until the block ends (the records stored so far, which cannot
    be garbage). Both are no-ops when something else already froze objects (a caller that manages the collector
    itself keeps doing so)."""
    if gc.get_freeze_count():
        yield _leave_alone
        return
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield gc.freeze
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _leave_alone() -> None:
    pass
