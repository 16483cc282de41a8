"""Opaque alert ids: they reveal neither the officer nor the date, yet a re-run makes the same id.

An alert id is ``alert-`` and 24 base32 characters: the first 120 bits of an HMAC-SHA-256, made with
the agency's audit key, of the agency, the scoring date and the officer id. So:

- the same (agency, date, officer) always gives the same id: a retried or re-run scoring date finds
  its alerts already stored and publishes nothing, exactly as with the old readable ids;
- whoever reads an email (or guesses from a roster) cannot link the id to an officer or a date without
  the key, which never leaves KMS (``kms:GenerateMac`` is held by the functions only);
- no new secret, table or index: the audit key is an HMAC key KMS does not rotate, so ids stay stable.

The message is domain-separated from the audit chain's MACs (its own format tag), and a truncated MAC
is never accepted as an audit MAC. Replacing the audit key changes the ids of alerts made afterwards;
a re-run of a date scored under the earlier key would then not find its alerts (re-score only new dates
after a key replacement). Alerts stored with old-style ids (``Alert.legacy_id``) are still found by the
scoring run and read by every API route.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Final

from eis_core.models.alerts import OPAQUE_ID_PREFIX
from eis_core.storage.ports import AuditKey

ALERT_ID_FORMAT: Final = "eis-alert-id/1"
TOKEN_BYTES: Final = 15  # 120 bits: 24 base32 characters, no padding


def alert_id_message(agency_id: str, officer_id: str, as_of: date) -> bytes:
    """What an alert id's MAC covers, unambiguous whatever characters the ids hold."""
    return json.dumps([ALERT_ID_FORMAT, agency_id, as_of.isoformat(), officer_id], separators=(",", ":")).encode()


class AlertIds:
    """Makes one agency's alert ids with its audit key (KMS in AWS, ``LocalAuditKey`` in memory)."""

    def __init__(self, key: AuditKey, agency_id: str) -> None:
        self._key = key
        self._agency_id = agency_id

    def make(self, officer_id: str, as_of: date) -> str:
        mac = base64.b64decode(self._key.mac(alert_id_message(self._agency_id, officer_id, as_of)))
        token = base64.b32encode(mac[:TOKEN_BYTES]).decode().lower()
        return f"{OPAQUE_ID_PREFIX}{token}"
