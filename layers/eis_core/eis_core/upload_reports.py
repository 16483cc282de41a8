"""Where ingest writes upload reports and quarantine files, and reading them back.

Kept apart from ``eis_core.ingest`` (parsing, validation, pandas-free but heavy) so that the case API
(``GET /uploads``) and the CLI (``eis upload report``) read reports without importing the ingest service.
"""

from __future__ import annotations

from eis_core.errors import NotFoundError
from eis_core.models.uploads import UploadReport
from eis_core.storage.ports import ArtifactStore

REPORT_PREFIX = "reports/"
QUARANTINE_PREFIX = "quarantine/"


def report_key(upload_id: str) -> str:
    return f"{REPORT_PREFIX}{upload_id}.json"


def quarantine_key(upload_id: str) -> str:
    return f"{QUARANTINE_PREFIX}{upload_id}.csv"


class UploadReports:
    """Reports live in the agency's quarantine bucket at ``reports/<upload_id>.json``."""

    def __init__(self, store: ArtifactStore) -> None:
        self._store = store

    def get(self, upload_id: str) -> UploadReport:
        """Raises NotFoundError when no upload has this id."""
        if not upload_id.isalnum():
            raise NotFoundError(f"upload {upload_id} not found")
        return UploadReport.model_validate(self._store.get_json(report_key(upload_id)))

    def quarantine_csv(self, upload_id: str) -> bytes:
        """The quarantine file of an upload (escaped against formula injection); NotFoundError when none."""
        report = self.get(upload_id)
        if report.quarantine_key is None:
            raise NotFoundError(f"upload {upload_id} quarantined no rows")
        return self._store.get_bytes(report.quarantine_key)

    def list(self, *, limit: int = 50) -> list[UploadReport]:
        """Most recent first."""
        keys = [key for key in self._store.keys(REPORT_PREFIX) if key.endswith(".json")]
        reports = [UploadReport.model_validate(self._store.get_json(key)) for key in keys]
        reports.sort(key=lambda report: report.started_at, reverse=True)
        return reports[:limit]
