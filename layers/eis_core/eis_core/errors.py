"""Domain exceptions. Adapters translate provider errors into these; handlers map them to responses."""


class EISError(Exception):
    """Base class for every error EIS raises on purpose."""


class NotFoundError(EISError):
    """The requested item does not exist (or is not visible to the caller)."""


class ConflictError(EISError):
    """The write conflicts with the current state (already exists, stale version)."""


class ForbiddenError(EISError):
    """The caller is authenticated but not allowed to do this."""


class ValidationFailed(EISError):
    """Input failed validation; the message says what and how to fix it."""


class FileRejected(EISError):
    """An uploaded file is rejected whole; nothing from it was applied."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class StorageError(EISError):
    """The storage backend failed in a way the caller cannot fix."""


class UnreadableAuditRecordError(StorageError):
    """A stored audit item cannot be read as a record (corrupted or hand-edited); ``seq`` names it."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"audit record {seq} cannot be read: {reason}")
        self.seq = seq


class AuditRecordTooLargeError(StorageError):
    """An audit event over ``MAX_AUDIT_EVENT_BYTES``: long lists belong in a report object (eis_core.audit.bounded)."""

    def __init__(self, action: str, size: int, limit: int) -> None:
        super().__init__(f"the audit record of {action} is {size} bytes, over the limit of {limit}")
        self.action = action
        self.size = size


class CorruptItemError(EISError):
    """A stored item (an alert, a case) cannot be read as its model: reported by id, never a crash."""

    def __init__(self, kind: str, item_id: str) -> None:
        super().__init__(f"the stored {kind} {item_id} cannot be read; an administrator must repair it")
        self.kind = kind
        self.item_id = item_id


class PreconditionFailedError(ConflictError):
    """A conditional write (``If-Match``) named a version that is no longer the stored one."""
