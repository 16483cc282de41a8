"""Audit ahead of the change: the record is written first, so no change can exist without one.

``audited(log, event, change)`` appends ``event`` and only then runs ``change``. When the append fails
the change never runs; when the change fails, a second record (outcome ``failed``, ``detail.voids_seq``
naming the first) says it did not happen. A process killed between the two leaves a record whose change
is missing, never a change whose record is missing. See docs/adr/0010-audit-ahead-of-the-change.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from eis_core.models.audit import AuditEvent, AuditOutcome, AuditRecord
from eis_core.storage.ports import AuditLog

logger = logging.getLogger(__name__)

T = TypeVar("T")

VOIDS = "voids_seq"
"""The detail key of a record saying that the change of the record it names did not happen."""


def audited(log: AuditLog, event: AuditEvent, change: Callable[[], T]) -> T:
    """Append ``event``, then run ``change``; a failed change is recorded as void and its error re-raised."""
    record = log.append(event)
    try:
        return change()
    except BaseException as error:
        void(log, record, error)
        raise


def void(log: AuditLog, record: AuditRecord, error: BaseException) -> AuditRecord | None:
    """The record that voids ``record``: best effort, since the store that failed may be the audit log itself."""
    event = AuditEvent(
        actor=record.actor,
        role=record.role,
        action=record.action,
        target_type=record.target_type,
        target_id=record.target_id,
        outcome=AuditOutcome.FAILED,
        agency_id=record.agency_id,
        request_id=record.request_id,
        detail={VOIDS: record.seq, "error_type": type(error).__name__},
    )
    try:
        return log.append(event)
    except Exception as audit_error:
        logger.error(
            "could not void an audit record whose change failed",
            extra={"seq": record.seq, "action": record.action, "error_type": type(audit_error).__name__},
        )
        return None


def voided(records: list[AuditRecord]) -> set[int]:
    """The seqs of records that a later record voids: their change did not happen."""
    return {int(r.detail[VOIDS]) for r in records if r.outcome is AuditOutcome.FAILED and VOIDS in r.detail}
