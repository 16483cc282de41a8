"""Composition of the case service: one factory for the case API handler, the tests and the local runtime."""

from __future__ import annotations

from eis_core.cases.handoff import HandoffService
from eis_core.cases.queue_sections import queue_sources
from eis_core.cases.service import CaseService
from eis_core.oversight.service import OversightService
from eis_core.settings import InterventionPolicy, ReviewPolicy
from eis_core.upload_reports import UploadReports
from eis_core.wiring import Adapters


def build_case_service(
    adapters: Adapters,
    *,
    agency_id: str,
    policy: ReviewPolicy | None = None,
    interventions: InterventionPolicy | None = None,
) -> CaseService:
    """The case service on ``adapters``: upload reports from quarantine, run reports and models from artifacts.

    ``interventions`` defaults to ``policy`` when that carries the intervention settings (CasesApiSettings).
    """
    if interventions is None and isinstance(policy, InterventionPolicy):
        interventions = policy
    service = CaseService(
        agency_id=agency_id,
        alerts=adapters.alerts,
        cases=adapters.cases,
        records=adapters.records,
        audit=adapters.audit,
        review_days=(policy or ReviewPolicy()).review_days,
        uploads=UploadReports(adapters.quarantine),
        oversight=OversightService(agency_id=agency_id, artifacts=adapters.artifacts, audit=adapters.audit),
        interventions=interventions,
        scores=adapters.scores,
        artifacts=adapters.artifacts,
    )
    for section, source in queue_sources(alerts=adapters.alerts, cases=adapters.cases).items():
        service.register_queue_source(section, source)
    return service


def build_handoff_service(adapters: Adapters, *, agency_id: str) -> HandoffService:
    """Assignment, acknowledgement and deferral of cases on ``adapters``."""
    return HandoffService(agency_id=agency_id, cases=adapters.cases, records=adapters.records, audit=adapters.audit)
