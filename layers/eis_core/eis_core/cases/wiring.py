"""Composition of the case service: one factory for the case API handler, the tests and the local runtime."""

from __future__ import annotations

from eis_core.cases.service import CaseService
from eis_core.settings import ReviewPolicy
from eis_core.upload_reports import UploadReports
from eis_core.wiring import Adapters


def build_case_service(adapters: Adapters, *, agency_id: str, policy: ReviewPolicy | None = None) -> CaseService:
    """The case service on ``adapters``; upload reports are read from the quarantine store."""
    return CaseService(
        agency_id=agency_id,
        alerts=adapters.alerts,
        cases=adapters.cases,
        records=adapters.records,
        audit=adapters.audit,
        review_days=(policy or ReviewPolicy()).review_days,
        uploads=UploadReports(adapters.quarantine),
        scores=adapters.scores,
        artifacts=adapters.artifacts,
    )
