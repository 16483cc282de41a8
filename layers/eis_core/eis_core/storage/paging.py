"""Pages of a listing: what a store returns, the position it resumes from, and the opaque cursor.

A store lists one index partition (alerts of one status, cases of one status, supervisor or officer)
in its sort-key order, ``limit`` items at a time. Each item comes with the key it resumes after: the
DynamoDB adapter uses the index key (the shape of ``LastEvaluatedKey``), the in-memory adapter the
same attribute names, so both validate a start key the same way. A listing that walks several
partitions (every status) merges them (``merge``); its cursor holds one position per partition.

Cursors are base64url JSON of those positions: opaque to clients, validated on the way back in
(``InvalidCursorError``, a 422), never trusted beyond choosing where a listing resumes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Generic, TypeVar

from eis_core.errors import ValidationFailed

T = TypeVar("T")
PageKey = dict[str, str]
"""Where a partition resumes: index key attribute names -> string values."""

DEFAULT_PAGE = 50
MAX_PAGE = 200
MAX_CURSOR_CHARS = 4096
READ_BUDGET = 1000
"""Items a store reads for one page at most (filters may drop most of them): a page can come back
short, even empty, with a cursor to continue; it never reads a partition whole to fill one page."""


class InvalidCursorError(ValidationFailed):
    """The cursor was not made by this API for this listing (edited, truncated, or from another list)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("invalid cursor; start again without one" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class Page(Generic[T]):
    """Up to ``limit`` items of one partition, each with the key its successor resumes after."""

    items: list[T]
    keys: list[PageKey]
    next: PageKey | None
    """Resume here for more; None when the partition holds nothing further."""


class CaseIndex(StrEnum):
    """The case table's listing indexes, each ordered by review date."""

    STATUS = "status"
    SUPERVISOR = "supervisor_id"
    OFFICER = "officer_id"


CASE_INDEX_NAMES: dict[CaseIndex, str] = {
    CaseIndex.STATUS: "by_status_due",
    CaseIndex.SUPERVISOR: "by_supervisor_due",
    CaseIndex.OFFICER: "by_officer_due",
}
ALERT_KEY_ATTRS = ("alert_id", "status", "created_at")
CLOSED_KEY_ATTRS = ("case_id", "sk", "closed_list", "closed_at")
"""The key of the sparse closed-case index (``closed``), as a page of closed cases resumes after it."""
CASE_SORT_ATTR = "review_due_on"


def case_key_attrs(index: CaseIndex) -> tuple[str, ...]:
    return ("case_id", "sk", index.value, CASE_SORT_ATTR)


@dataclass(frozen=True)
class CaseFilter:
    """What a case listing keeps of the partition it reads (None: no condition)."""

    status: Collection[str] | None = None
    supervisor_id: str | None = None
    officer_id: str | None = None
    due_before: date | None = None
    due_from: date | None = None
    officer_ids: Collection[str] | None = None  # the caller's scope

    def keeps(self, *, status: str, supervisor_id: str | None, officer_id: str, due: str) -> bool:
        return (
            (self.status is None or status in self.status)
            and (self.supervisor_id is None or supervisor_id == self.supervisor_id)
            and (self.officer_id is None or officer_id == self.officer_id)
            and (self.due_before is None or due < self.due_before.isoformat())
            and (self.due_from is None or due >= self.due_from.isoformat())
            and (self.officer_ids is None or officer_id in self.officer_ids)
        )


def check_start(start: Mapping[str, Any] | None, attrs: Sequence[str], partition: tuple[str, str]) -> PageKey | None:
    """A start key as a store may use it: exactly ``attrs``, all strings, in ``partition``; else 422."""
    if start is None:
        return None
    if set(start) != set(attrs) or not all(isinstance(value, str) and value for value in start.values()):
        raise InvalidCursorError("wrong shape")
    name, value = partition
    if start[name] != value:
        raise InvalidCursorError("from another listing")
    return {name: str(start[name]) for name in attrs}


# --- cursors --------------------------------------------------------------------------------------


def encode_cursor(listing: str, positions: Mapping[str, PageKey | None]) -> str:
    """Opaque cursor for a listing walking the partitions in ``positions`` (None: that one is done)."""
    document = {"l": listing, "p": dict(positions)}
    raw = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, listing: str, partitions: Collection[str]) -> dict[str, PageKey | None]:
    """The positions in a cursor made by ``encode_cursor`` for this listing; InvalidCursorError otherwise."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursorError("too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        document = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursorError("not a cursor") from None
    if not isinstance(document, dict) or document.get("l") != listing or not isinstance(document.get("p"), dict):
        raise InvalidCursorError("from another listing")
    positions: dict[str, PageKey | None] = {}
    for name, key in document["p"].items():
        if name not in partitions:
            raise InvalidCursorError("from another listing")
        if key is not None and not (
            isinstance(key, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in key.items())
        ):
            raise InvalidCursorError("wrong shape")
        positions[name] = key
    return positions


# --- merging partitions ---------------------------------------------------------------------------


@dataclass
class Merged(Generic[T]):
    items: list[T] = field(default_factory=list)
    cursor: str | None = None


def merge(
    listing: str,
    partitions: Sequence[str],
    fetch: Callable[[str, PageKey | None, int], Page[T]],
    order: Callable[[T], Any],
    *,
    limit: int,
    cursor: str | None,
) -> Merged[T]:
    """One page of several partitions merged in ``order`` (each partition is read in that order).

    Reads up to ``limit`` items of each unfinished partition and keeps the smallest ``limit`` of them
    that no unread item can precede, so pages follow one another without duplicates or gaps.
    """
    positions: dict[str, PageKey | None]
    if cursor is None:
        positions = {name: None for name in partitions}
        unfinished = list(partitions)
    else:
        positions = decode_cursor(cursor, listing, partitions)
        unfinished = [name for name in partitions if name in positions]
    pages = {name: fetch(name, positions.get(name), limit) for name in unfinished}
    rank = {name: number for number, name in enumerate(partitions)}
    candidates = [
        ((order(item), rank[name], position), name, position)
        for name, page in pages.items()
        for position, item in enumerate(page.items)
    ]
    candidates.sort(key=lambda entry: entry[0])
    # An unfinished partition's unread items come after its last read one: nothing past that is safe.
    bounds = [
        (order(page.items[-1]), rank[name], len(page.items) - 1) if page.items else None
        for name, page in pages.items()
        if page.next is not None
    ]
    if any(bound is None for bound in bounds):
        candidates = []  # a partition read nothing yet has more: nothing can be placed before it
    elif bounds:
        ceiling = min(bound for bound in bounds if bound is not None)
        candidates = [entry for entry in candidates if entry[0] <= ceiling]
    taken = candidates[:limit]
    used: dict[str, int] = {}
    for _, name, position in taken:
        used[name] = max(used.get(name, -1), position)
    following: dict[str, PageKey | None] = {}
    for name, page in pages.items():
        if name in used:
            consumed = used[name]
            if consumed == len(page.items) - 1 and page.next is None:
                continue  # done
            following[name] = page.keys[consumed] if consumed < len(page.items) - 1 else page.next
        elif page.items or page.next is not None:
            following[name] = page.next if not page.items else positions.get(name)
    result = Merged(items=[pages[name].items[position] for _, name, position in taken])
    result.cursor = encode_cursor(listing, following) if following else None
    return result
