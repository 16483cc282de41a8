"""The tamper-evident audit trail: append events, verify the hash chain."""

from __future__ import annotations

from typing import Any

from eis_core.audit.chain import ChainCheck, ChainKey, verify_chain, verify_log, verify_page
from eis_core.models.audit import AuditEvent, AuditOutcome, AuditRecord
from eis_core.storage.ports import AuditLog

__all__ = ["AuditTrail", "ChainCheck", "ChainKey", "verify_chain", "verify_log", "verify_page"]


class AuditTrail:
    """An agency's audit log with the agency id filled in, so callers only say what happened."""

    def __init__(self, log: AuditLog, agency_id: str) -> None:
        self.log = log
        self.agency_id = agency_id

    def record(
        self,
        *,
        actor: str,
        role: str,
        action: str,
        target_type: str,
        target_id: str,
        outcome: AuditOutcome = AuditOutcome.SUCCESS,
        detail: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> AuditRecord:
        event = AuditEvent(
            actor=actor,
            role=role,
            action=action,
            target_type=target_type,
            target_id=target_id,
            outcome=outcome,
            agency_id=self.agency_id,
            request_id=request_id,
            detail=detail or {},
        )
        return self.log.append(event)

    def verify(self) -> ChainCheck:
        return verify_log(self.log)
