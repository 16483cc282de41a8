"""Case API routes for hand-off (assignment, acknowledgement) and deferred notification.

Registered on the handler's resolver (``handler.py`` imports this module once its app exists), so the
same middleware authenticates them, the same error table answers for them and the same audit record
is written for every call. The rules are in ``eis_core.cases.handoff`` and ``eis_core.cases.visibility``.
"""

from __future__ import annotations

import functools
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from eis_core.cases.handoff import HandoffService
from eis_core.cases.service import CaseService
from eis_core.cases.wiring import build_handoff_service
from eis_core.models.api import AssignmentIn, CaseOut, DeferralEndIn, DeferralIn, DeferralList, DeferralOut
from eis_core.models.cases import Case, DeferralTarget
from eis_core.wiring import aws_adapters
from functions.cases_api.handler import CaseId, _caller, _request_id, _responses, _service, _settings, app


def _handoff() -> HandoffService:
    return _handoff_for(_service())


@functools.cache
def _handoff_for(service: CaseService) -> HandoffService:
    """Built on first use, once per case service (tests replace the service between cases)."""
    settings = _settings()
    return build_handoff_service(aws_adapters(settings), agency_id=settings.agency_id)


def _case_out(case: Case) -> CaseOut:
    service = _service()
    answer = CaseOut.from_domain(case, service.next_moves(_caller(), case))
    return answer.with_deferral(service.deferral_of(_caller(), case), service.today())


OfficerId = Annotated[str, Path(description="Officer id, as on the roster", max_length=64)]


@app.post(
    "/cases/<case_id>/assignment",
    summary="Assign or reassign a case to a supervisor, who must then acknowledge it",
    description=(
        "Risk managers and admins assign to any active supervisor on the roster; a supervisor hands a case "
        "only to a supervisor below them in their chain of command (or takes it). 422 names the field "
        "(supervisor_id not an active supervisor, reason missing); 409 when the case is closed, already "
        "with that supervisor, or changed meanwhile."
    ),
    tags=["cases"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def assign_case(case_id: CaseId, assignment: AssignmentIn) -> CaseOut:
    case = _handoff().assign_case(
        _caller(), case_id, assignment.supervisor_id, assignment.reason, request_id=_request_id()
    )
    return _case_out(case)


@app.post(
    "/cases/<case_id>/acknowledgement",
    summary="The supervisor a case was handed to acknowledges it",
    description="403 for anyone but that supervisor; 409 when no hand-off waits for acknowledgement.",
    tags=["cases"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def acknowledge_case(case_id: CaseId) -> CaseOut:
    return _case_out(_handoff().acknowledge_case(_caller(), case_id, request_id=_request_id()))


@app.post(
    "/cases/<case_id>/deferral",
    summary="Defer notification of a case: the chain of command is not told and does not see it",
    description=(
        "Risk managers and admins. Deferring again replaces the review date. On the review date the risk "
        "team is emailed once and the case shows deferral_expired; it stays deferred until ended."
    ),
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def defer_case(case_id: CaseId, deferral: DeferralIn) -> CaseOut:
    case, _ = _handoff().defer_case(_caller(), case_id, deferral.reason, deferral.review_on, request_id=_request_id())
    return _case_out(case)


@app.post(
    "/cases/<case_id>/deferral/end",
    summary="End a case's deferral: the chain of command sees the case and is notified again",
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def end_case_deferral(case_id: CaseId, end: DeferralEndIn) -> CaseOut:
    _handoff().end_deferral(_caller(), DeferralTarget.CASE, case_id, end.reason, request_id=_request_id())
    return _case_out(_service().get_case(_caller(), case_id))


@app.post(
    "/officers/<officer_id>/deferral",
    summary="Defer notification of every alert and case of an officer (risk managers and admins)",
    tags=["deferrals"],
    status_code=HTTPStatus.CREATED,
    responses=_responses(HTTPStatus.CREATED, HTTPStatus.NOT_FOUND),
)
def defer_officer(officer_id: OfficerId, deferral: DeferralIn) -> DeferralOut:
    handoff = _handoff()
    made = handoff.defer_officer(_caller(), officer_id, deferral.reason, deferral.review_on, request_id=_request_id())
    return DeferralOut.from_domain(made, handoff.today())


@app.get(
    "/officers/<officer_id>/deferral",
    summary="An officer's active deferral (risk managers, admins, auditors)",
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def get_officer_deferral(officer_id: OfficerId) -> DeferralOut:
    handoff = _handoff()
    return DeferralOut.from_domain(handoff.officer_deferral(_caller(), officer_id), handoff.today())


@app.post(
    "/officers/<officer_id>/deferral/end",
    summary="End an officer's deferral: the chain of command is notified of them again",
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def end_officer_deferral(officer_id: OfficerId, end: DeferralEndIn) -> DeferralOut:
    handoff = _handoff()
    ended = handoff.end_deferral(_caller(), DeferralTarget.OFFICER, officer_id, end.reason, request_id=_request_id())
    return DeferralOut.from_domain(ended, handoff.today())


@app.get(
    "/deferrals",
    summary="Active deferrals, expired ones first (risk managers, admins, auditors)",
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def list_deferrals() -> DeferralList:
    handoff = _handoff()
    return DeferralList.from_domain(handoff.list_deferrals(_caller()), handoff.today())
