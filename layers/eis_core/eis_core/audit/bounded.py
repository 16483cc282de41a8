"""Audit records of bounded size: a long value goes to the report object, the record keeps its hash and key.

An upload's header can name tens of thousands of columns; written into the audit record whole it once
went over DynamoDB's 400 KB item limit, after the rows were stored. ``bounded`` replaces each value of
``detail`` longer than ``max_value_bytes`` with a reference: the object that holds it in full (the upload
or run report, written before the record), the field, the number of items and the SHA-256 of the value's
canonical JSON, so an auditor can check the object against the chain (``reference_matches``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

MAX_VALUE_BYTES = 1024
MOVED = "moved_to"


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def reference(value: Any, object_key: str) -> dict[str, Any]:
    """What the record keeps of a value stored in full at ``object_key``."""
    items = len(value) if isinstance(value, list | dict | str) else None
    return {MOVED: object_key, "items": items, "sha256": hashlib.sha256(canonical(value)).hexdigest()}


def bounded(detail: dict[str, Any], *, object_key: str, max_value_bytes: int = MAX_VALUE_BYTES) -> dict[str, Any]:
    """``detail`` with every value longer than ``max_value_bytes`` (as JSON) replaced by its reference."""
    return {
        name: reference(value, object_key) if len(canonical(value)) > max_value_bytes else value
        for name, value in detail.items()
    }


def reference_matches(kept: Any, stored: Any) -> bool:
    """True when ``kept`` (from the record) is a reference and ``stored`` (from the object) is what it hashed."""
    return (
        isinstance(kept, dict) and MOVED in kept and kept.get("sha256") == hashlib.sha256(canonical(stored)).hexdigest()
    )
