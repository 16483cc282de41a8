"""Case API: API Gateway (REST, Cognito authorizer) -> eis_core case service.

The handler only adapts: claims and parameters in, API models out, domain errors mapped to HTTP codes
in one place (the exception handlers below). Every call leaves an audit record, written once in
``lambda_handler`` after the resolver answered, so that no route can forget it. This module must stay
light (no pandas, no scikit-learn): its cold start is a person waiting in the portal.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from typing import Annotated, Any, cast
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFound
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from eis_core.cases.access import Caller, NotAuthenticatedError
from eis_core.cases.catalogue import intervention_catalogue
from eis_core.cases.command import DEFAULT_MONTHS as COMMAND_DEFAULT_MONTHS
from eis_core.cases.command import MAX_MONTHS as COMMAND_MAX_MONTHS
from eis_core.cases.command import MAX_PAGES as COMMAND_MAX_PAGES
from eis_core.cases.command import CommandView
from eis_core.cases.etags import alert_etag, case_etag
from eis_core.cases.handoff import HandoffService
from eis_core.cases.idempotency import IdempotentPosts, build_idempotent_posts
from eis_core.cases.interventions import CompletionRequest, PlanRequest, UnknownInterventionTypeError
from eis_core.cases.listing import CaseQuery
from eis_core.cases.screening import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    MalformedBodyError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    screen,
)
from eis_core.cases.service import MAX_AUDIT_PAGE, MAX_UPLOADS_PAGE, ApiCall, CaseService, OpenCaseExistsError
from eis_core.cases.snapshot import MAX_QUERY_LENGTH, MAX_SEARCH_PAGE
from eis_core.cases.visits import VisitService
from eis_core.cases.wiring import build_case_service, build_handoff_service
from eis_core.cases.workflow import MissingFieldError, MoveRequest, TransitionNotAllowedError
from eis_core.errors import (
    ConflictError,
    CorruptItemError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    StorageError,
    ValidationFailed,
)
from eis_core.models.alerts import AlertStatus
from eis_core.models.api import (
    API_TITLE,
    API_VERSION,
    AlertList,
    AlertOut,
    AssignmentIn,
    AuditPage,
    CaseOut,
    CheckInIn,
    DeferralEndIn,
    DeferralIn,
    DeferralList,
    DeferralOut,
    DismissalIn,
    ErrorOut,
    InterventionCompletionIn,
    InterventionIn,
    InterventionOut,
    InterventionStartIn,
    NoteIn,
    NoteOut,
    TransitionIn,
    UploadList,
    UploadOut,
)
from eis_core.models.cases import Case, CaseStatus, DeferralTarget, Intervention
from eis_core.models.catalogue_api import InterventionCatalogueOut
from eis_core.models.command import CommandOverviewOut
from eis_core.models.oversight_api import (
    BacktestListOut,
    BacktestReportOut,
    ModelCardOut,
    PromotionIn,
    RunListOut,
    RunReportOut,
)
from eis_core.models.queue_api import CaseList, QueueOut
from eis_core.models.snapshot import OfficerPage, OfficerSnapshot
from eis_core.models.trends import TrendsFormat
from eis_core.models.visits import LastVisitIn, LastVisitOut
from eis_core.models.wellness import WellnessCheckInList, WellnessCheckInOut
from eis_core.oversight.service import MAX_RUNS_PAGE, MODEL_ID_PATTERN
from eis_core.oversight.trends import TrendsReports
from eis_core.settings import CasesApiSettings
from eis_core.storage.paging import DEFAULT_PAGE, MAX_CURSOR_CHARS, MAX_PAGE
from eis_core.wellness.service import WellnessService
from eis_core.wiring import aws_adapters

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="EIS")  # explicit: a missing namespace would fail every invocation


@functools.cache
def _settings() -> CasesApiSettings:
    return CasesApiSettings.from_env(os.environ)  # cold start: a missing variable fails here, named


def origin_of(url: str) -> str:
    """``https://portal.example.gov/app/`` -> ``https://portal.example.gov`` (what a browser sends as Origin)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PortalCORS(CORSConfig):
    """CORS for the agency's portal origin only, read from the settings on the first request.

    The resolver is built at import (its routes are decorators), before the settings are read; this
    config asks for the origin when a response is built, so no other origin is ever allowed.
    """

    def __init__(self, portal_url: Callable[[], str]) -> None:
        super().__init__(allow_origin="null")
        self._portal_url = portal_url

    def _current(self) -> CORSConfig:
        return _portal_cors(origin_of(self._portal_url()))

    def allowed_origin(self, extracted_origin: str) -> str | None:
        return self._current().allowed_origin(extracted_origin)

    def to_dict(self, origin: str | None) -> dict[str, str]:
        return self._current().to_dict(origin)


@functools.cache
def _portal_cors(origin: str) -> CORSConfig:
    return CORSConfig(
        allow_origin=origin,
        max_age=600,
        allow_headers=["If-Match", "Idempotency-Key"],  # with Powertools' defaults (Authorization, ...)
        expose_headers=["ETag"],
    )


CORS = PortalCORS(lambda: _settings().portal_url)

# Sent on every response, errors and denials included: API answers are personal data, never cached,
# never sniffed into something else, never framed, only over HTTPS.
SECURITY_HEADERS: dict[str, str] = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

app = APIGatewayRestResolver(enable_validation=True, cors=CORS)
API_DESCRIPTION = "Alerts, cases, notes, upload reports and the audit trail of an agency's Early Intervention System."


def describe_openapi() -> APIGatewayRestResolver:
    """The API's OpenAPI description (title, security scheme), for the document generator (``openapi.py``).

    Not applied at import: Powertools' OpenAPI models take about 0.4 s to import and serving requests
    never reads them, so the cold start does without.
    """
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

    app.configure_openapi(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        security_schemes={"cognito": APIKey(name="Authorization", in_=APIKeyIn.header)},
        security=[{"cognito": []}],
    )
    return app


@functools.cache
def _service() -> CaseService:
    settings = _settings()
    return build_case_service(aws_adapters(settings), agency_id=settings.agency_id, policy=settings)


# --- one request: identity, and what the audit record needs -------------------------------------


@dataclass
class _RequestTrace:
    """Filled while the resolver runs; read afterwards to write the request's audit record."""

    route: str | None = None
    error: BaseException | None = None
    headers: dict[str, str] = field(default_factory=dict)  # e.g. ETag, set by a route


def _authenticate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    trace: _RequestTrace = app.context.setdefault("trace", _RequestTrace())
    matched = app.context.get("_route")  # the resolver's matched route; its template names the action
    trace.route = getattr(matched, "openapi_path", None)
    try:
        event = app.current_event
        caller = _service().authenticate(
            event.request_context.authorizer.claims,
            method=event.http_method,
            wellness=str(trace.route or "").startswith("/wellness/"),
            personal=str(trace.route or "").startswith("/me/"),
        )
        app.context["caller"] = caller
        return next_middleware(app)
    except Exception as error:
        trace.error = error  # the response says "not found"; the audit record knows it was a denial
        raise


def _authenticated_before_validation(app: APIGatewayRestResolver) -> None:
    """Run ``_authenticate`` ahead of request validation (Powertools always puts validation first).

    Otherwise another agency's token with a malformed query or body would learn 422 (what the schema
    wants) instead of 403, and an auditor's malformed write would be told how to fix it before being
    told it may not write. The resolver builds each route's middleware stack on its first call, from
    ``_request_validation_middleware``; wrapping that one keeps validation, after authentication.
    """
    validate: Any = app._request_validation_middleware  # Powertools has no public hook for this order

    def authenticate_then_validate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        return _authenticate(app, cast(NextMiddleware, lambda resolver: validate(resolver, next_middleware)))

    app._request_validation_middleware = authenticate_then_validate  # type: ignore[assignment]


_authenticated_before_validation(app)


def _caller() -> Caller:
    caller: Caller = app.context["caller"]
    return caller


def _request_id() -> str | None:
    return app.current_event.request_context.request_id


# --- errors -> HTTP, in one place ------------------------------------------------------------------


ERROR_STATUS: dict[type[Exception], HTTPStatus] = {
    NotAuthenticatedError: HTTPStatus.UNAUTHORIZED,
    ForbiddenError: HTTPStatus.FORBIDDEN,
    NotFoundError: HTTPStatus.NOT_FOUND,
    RouteNotFound: HTTPStatus.NOT_FOUND,
    ConflictError: HTTPStatus.CONFLICT,
    PreconditionFailedError: HTTPStatus.PRECONDITION_FAILED,  # If-Match names a version no longer stored
    # A stored alert or case this version cannot read: named in the answer (and logged), never a crash.
    CorruptItemError: HTTPStatus.CONFLICT,
    MalformedBodyError: HTTPStatus.BAD_REQUEST,
    PayloadTooLargeError: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    UnsupportedMediaTypeError: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    RequestUnsupportedContentType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    RecursionError: HTTPStatus.BAD_REQUEST,  # a body nested past the screen's depth check still answers 400
    ValidationFailed: HTTPStatus.UNPROCESSABLE_ENTITY,
    RequestValidationError: HTTPStatus.UNPROCESSABLE_ENTITY,
    StorageError: HTTPStatus.SERVICE_UNAVAILABLE,
    Exception: HTTPStatus.INTERNAL_SERVER_ERROR,
}


def _error_response(error: Exception) -> Response[str]:
    status = next(ERROR_STATUS[cls] for cls in type(error).__mro__ if cls in ERROR_STATUS)
    message = str(error)
    if isinstance(error, RequestValidationError):
        # Location and error type only: pydantic's messages can echo input and internals.
        message = "invalid request: " + "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['type']}" for problem in error.errors()
        )
    elif isinstance(error, RouteNotFound):
        message = "no such endpoint; see the OpenAPI document for the routes"
    elif isinstance(error, RequestUnsupportedContentType):
        message = "send the body as application/json"
    elif isinstance(error, RecursionError):
        message = "the request body nests too deeply"
    elif status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.exception("request failed", extra={"error_type": type(error).__name__})
        message = "temporarily unavailable; try again shortly" if isinstance(error, StorageError) else "internal error"
    body = ErrorOut(
        error=status.name.lower(),
        message=message,
        case_id=error.case_id if isinstance(error, OpenCaseExistsError) else None,
        allowed_transitions=error.allowed if isinstance(error, TransitionNotAllowedError) else None,
        field=error.field if isinstance(error, MissingFieldError) else None,
        intervention_types=error.catalogue if isinstance(error, UnknownInterventionTypeError) else None,
    )
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body.model_dump_json())


# One handler for every mapped class: the status table above is the only place codes are chosen.
app.exception_handler(list(ERROR_STATUS))(_error_response)


# What any request can answer, whatever the route: its body is screened before the route sees it.
_EVERY_ROUTE: dict[HTTPStatus, str] = {
    HTTPStatus.BAD_REQUEST: f"The body is not valid base64 or UTF-8, or nests deeper than {MAX_JSON_DEPTH} levels",
    HTTPStatus.UNAUTHORIZED: "No valid token",
    HTTPStatus.FORBIDDEN: "The token is for another agency, has no EIS role, or may not do this",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: f"The body is over {MAX_BODY_BYTES} bytes",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "A body that is not application/json (any case) in UTF-8",
    HTTPStatus.UNPROCESSABLE_ENTITY: "A parameter or the body does not match the schema",
    HTTPStatus.SERVICE_UNAVAILABLE: "Storage is briefly unavailable; try again",
}
_ERROR_DESCRIPTIONS: dict[HTTPStatus, str] = {
    HTTPStatus.PRECONDITION_FAILED: "If-Match names a version that is no longer the stored one: reload and retry",
}


def _responses(success: HTTPStatus, *errors: HTTPStatus) -> dict[int, Any]:
    """OpenAPI responses: the success (schema from the return type) and the errors a route can answer."""
    documented: dict[int, Any] = {success.value: {"description": success.phrase}}
    for status in sorted({*_EVERY_ROUTE, *errors}):
        documented[status.value] = {
            "description": _EVERY_ROUTE.get(status) or _ERROR_DESCRIPTIONS.get(status, status.phrase),
            "content": {content_types.APPLICATION_JSON: {"model": ErrorOut}},
        }
    return documented


# --- routes --------------------------------------------------------------------------------------

AlertId = Annotated[
    str,
    Path(
        description=(
            "Alert id: opaque, e.g. alert-k7d2m4qzx3b6nwp5r3tavcw4 (alerts stored before opaque ids: 2024-06-01-A1234)"
        ),
        max_length=128,
    ),
]
CaseId = Annotated[str, Path(description="Case id", max_length=128)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Items per page (at most {MAX_PAGE})")]
Cursor = Annotated[
    str | None, Query(max_length=MAX_CURSOR_CHARS, description="next_cursor of the previous page; omit for the first")
]
Answer = dict[str, Any]


def _header(name: str) -> str | None:
    return app.current_event.headers.get(name)  # case-insensitive


def _set_etag(etag: str | None) -> None:
    if etag is not None:
        trace: _RequestTrace = app.context.setdefault("trace", _RequestTrace())
        trace.headers["ETag"] = etag


def _case_answer(case: Case) -> Answer:
    out = CaseOut.from_domain(case, _service().next_moves(_caller(), case))
    return {"body": out.model_dump(mode="json"), "etag": case_etag(case)}


@functools.cache
def _idempotent_posts() -> IdempotentPosts:
    return build_idempotent_posts(_settings().idempotency_table)


def _answer(produce: Callable[[], Answer]) -> Any:
    """A POST's body: produced now, or with an Idempotency-Key, what the first such request answered."""
    key = _header("Idempotency-Key")
    if key is None:
        answer = produce()
    else:
        posts = _idempotent_posts()
        posts.register_lambda_context(app.lambda_context)
        event = app.current_event
        answer = posts.run(
            subject=_caller().subject,
            key=key,
            method=event.http_method,
            path=event.path,
            body=event.decoded_body if event.body else None,
            produce=produce,
        )
    _set_etag(answer.get("etag"))
    return answer["body"]


@app.get(
    "/alerts",
    summary="Alerts the caller may see",
    description="409 names a stored alert that cannot be read (corrupt); the others are unaffected in storage.",
    tags=["alerts"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def list_alerts(
    status: Annotated[AlertStatus | None, Query(description="Only alerts in this status")] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> AlertList:
    page = _service().list_alerts_page(_caller(), status=status, limit=limit, cursor=cursor)
    return AlertList.from_domain(page.items, page.cursor)


@app.get(
    "/alerts/<alert_id>",
    summary="One alert with its explanation",
    tags=["alerts"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def get_alert(alert_id: AlertId) -> AlertOut:
    alert = _service().get_alert(_caller(), alert_id)
    _set_etag(alert_etag(alert))
    return AlertOut.from_domain(alert)


@app.post(
    "/alerts/<alert_id>/dismissal",
    summary="Dismiss an alert without a case (risk managers and admins), with a reason",
    description=(
        "The alert's status becomes dismissed and it records who dismissed it, when and why; the sweep stops "
        "chasing it. 403 for other roles; 409 when the alert already has a case or was dismissed."
    ),
    tags=["alerts"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def dismiss_alert(alert_id: AlertId, dismissal: DismissalIn) -> AlertOut:
    def produce() -> Answer:
        alert = _service().dismiss_alert(
            _caller(), alert_id, dismissal.reason, request_id=_request_id(), if_match=_header("If-Match")
        )
        return {"body": AlertOut.from_domain(alert).model_dump(mode="json"), "etag": alert_etag(alert)}

    return AlertOut.model_validate(_answer(produce))


@app.post(
    "/alerts/<alert_id>/case",
    summary="Open a case from an alert",
    description="409 when the officer already has an open case; the response names it (case_id).",
    tags=["cases"],
    status_code=HTTPStatus.CREATED,
    responses=_responses(HTTPStatus.CREATED, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def open_case(alert_id: AlertId) -> CaseOut:
    def produce() -> Answer:
        case = _service().open_case(_caller(), alert_id, request_id=_request_id(), if_match=_header("If-Match"))
        return _case_answer(case)

    return CaseOut.model_validate(_answer(produce))


@app.get(
    "/cases/<case_id>",
    summary="One case: status, history, notes, and the moves the caller may make next",
    tags=["cases"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def get_case(case_id: CaseId) -> CaseOut:
    case = _service().get_case(_caller(), case_id)
    _set_etag(case_etag(case))
    answer = CaseOut.from_domain(case, _service().next_moves(_caller(), case))
    return answer.with_deferral(_service().deferral_of(_caller(), case), _service().today())


@app.post(
    "/cases/<case_id>/transitions",
    summary="Move a case along the workflow (review, intervention, monitoring, closure, reopening)",
    description=(
        "The case's next_transitions say where the caller may move it and what each move needs. "
        "403 for a move the caller's role may not make (auditors make none; only risk managers and admins "
        "reopen); 409 for a move the workflow does not allow from the case's status (allowed_transitions "
        "lists those it does) or when another move got there first; 422 names a missing or unfitting field."
    ),
    tags=["cases"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def move_case(case_id: CaseId, move: TransitionIn) -> CaseOut:
    request = MoveRequest(
        target=move.to,
        reason=move.reason or None,
        disposition=move.disposition,
        referred_to=move.referred_to or None,
        disagreed_rules=tuple(move.disagreed_rules),
        disagreed_factors=tuple(move.disagreed_factors),
    )

    def produce() -> Answer:
        case = _service().move_case(_caller(), case_id, request, request_id=_request_id(), if_match=_header("If-Match"))
        return _case_answer(case)

    return CaseOut.model_validate(_answer(produce))


@app.post(
    "/cases/<case_id>/notes",
    summary="Add a note to a case",
    tags=["cases"],
    status_code=HTTPStatus.CREATED,
    responses=_responses(HTTPStatus.CREATED, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def add_note(case_id: CaseId, note: NoteIn) -> NoteOut:
    def produce() -> Answer:
        added = _service().add_note(
            _caller(), case_id, note.text, request_id=_request_id(), if_match=_header("If-Match")
        )
        return {"body": NoteOut.from_domain(added).model_dump(mode="json")}

    return NoteOut.model_validate(_answer(produce))


@app.get(
    "/cases",
    summary="Cases the caller may see, by review date (filters combine)",
    description="A page may hold fewer than limit cases (a supervisor's chain is filtered as it is read); "
    "follow next_cursor until it is null. 422 for a cursor this listing did not make.",
    tags=["cases"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def list_cases(
    *,
    status: Annotated[CaseStatus | None, Query(description="Only cases in this status")] = None,
    supervisor_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="Only cases of this supervisor")
    ] = None,
    officer_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="Only cases of this officer")
    ] = None,
    overdue: Annotated[bool | None, Query(description="true: review date passed; false: not yet")] = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> CaseList:
    query = CaseQuery(status=status, supervisor_id=supervisor_id, officer_id=officer_id, overdue=overdue)
    page = _service().list_cases(_caller(), query, limit=limit, cursor=cursor)
    return CaseList.from_domain(page.items, today=_service().today(), next_cursor=page.cursor)


@app.get(
    "/queue",
    summary="The caller's queue: new alerts without a case, open cases by review date (overdue first), "
    "check-ins due and hand-offs to acknowledge",
    description="Supervisors see their chain of command; risk managers, admins and auditors everything. "
    "Each list pages on its own: alerts_cursor and cases_cursor take the next_cursor of the last answer.",
    tags=["cases"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def get_queue(
    limit: Limit = DEFAULT_PAGE,
    alerts_cursor: Cursor = None,
    cases_cursor: Cursor = None,
) -> QueueOut:
    queue = _service().queue(_caller(), limit=limit, alerts_cursor=alerts_cursor, cases_cursor=cases_cursor)
    return QueueOut.from_domain(queue)


# --- the caller's own last visit to the queue (eis_core.cases.visits) ---------------------------------


def _visits() -> VisitService:
    return _visits_for(_service())


@functools.cache
def _visits_for(service: CaseService) -> VisitService:
    """Built on first use, once per case service (tests replace the service between cases)."""
    settings = _settings()
    adapters = aws_adapters(settings)
    return VisitService(agency_id=settings.agency_id, store=adapters.visits, audit=adapters.audit)


@app.get(
    "/me/last-visit",
    summary="The caller's last recorded visit to their queue: when, and the alerts and cases it showed",
    description="Every role, for themselves only. visited_at is null before the first recorded visit.",
    tags=["queue"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def get_last_visit() -> LastVisitOut:
    return LastVisitOut.from_domain(_visits().last_visit(_caller()))


@app.put(
    "/me/last-visit",
    summary='Record a visit to the queue: what it shows now, for "what changed" on the next visit',
    description=(
        "Every role, for themselves only (read-only roles too: it changes nothing of the agency's). The server "
        "stamps the time; the last write wins. Ids and statuses only; audited with their counts."
    ),
    tags=["queue"],
    responses=_responses(HTTPStatus.OK),
)
def put_last_visit(seen: LastVisitIn) -> LastVisitOut:
    return LastVisitOut.from_domain(_visits().record_visit(_caller(), seen, request_id=_request_id()))


@app.get(
    "/interventions/catalogue",
    summary="The intervention types a case may plan in this agency, with what each means",
    description=(
        "Exactly the list planning accepts (POST /cases/{case_id}/interventions), in the agency's order, and the "
        "check-in and monitoring periods. For those who plan interventions: supervisors, risk managers, admins."
    ),
    tags=["interventions"],
    responses=_responses(HTTPStatus.OK),
)
def get_intervention_catalogue() -> InterventionCatalogueOut:
    catalogue = intervention_catalogue(_caller(), _service().intervention_policy)
    return InterventionCatalogueOut.from_domain(catalogue)


InterventionId = Annotated[str, Path(description="Intervention id", max_length=128)]
IF_MATCH_INTERVENTIONS = (
    " If-Match takes the case's ETag (GET /cases/{case_id}); it changes with every change to the case's "
    "interventions, so a stale one answers 412 and changes nothing. The answer's ETag is the case's new one."
)


def _intervention_written(case_id: str, write: Callable[[], Intervention]) -> InterventionOut:
    """An intervention write's answer (once per Idempotency-Key), with the case's new ETag for the next one."""

    def produce() -> Answer:
        written = write()
        etag = case_etag(_service().get_case(_caller(), case_id))
        return {"body": InterventionOut.from_domain(written).model_dump(mode="json"), "etag": etag}

    return InterventionOut.model_validate(_answer(produce))


@app.post(
    "/cases/<case_id>/interventions",
    summary="Plan an intervention on a case, from the agency's catalogue",
    description=(
        "While the case is intervention_planned, intervention_in_progress or monitoring (else 409). "
        "422 for a type not in the agency's catalogue (intervention_types lists it), an owner not on the roster "
        "or a due date before the planned date. The notes never reach the audit log." + IF_MATCH_INTERVENTIONS
    ),
    tags=["interventions"],
    status_code=HTTPStatus.CREATED,
    responses=_responses(HTTPStatus.CREATED, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def plan_intervention(case_id: CaseId, body: InterventionIn) -> InterventionOut:
    request = PlanRequest(
        type=body.type, owner=body.owner or None, planned_on=body.planned_on, due_on=body.due_on, notes=body.notes
    )
    return _intervention_written(
        case_id,
        lambda: _service().plan_intervention(
            _caller(), case_id, request, request_id=_request_id(), if_match=_header("If-Match")
        ),
    )


@app.post(
    "/cases/<case_id>/interventions/<intervention_id>/start",
    summary="Record that an intervention began",
    description="409 when it has already started or ended, or the case is not in its intervention stage."
    + IF_MATCH_INTERVENTIONS,
    tags=["interventions"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def start_intervention(case_id: CaseId, intervention_id: InterventionId, body: InterventionStartIn) -> InterventionOut:
    return _intervention_written(
        case_id,
        lambda: _service().start_intervention(
            _caller(), case_id, intervention_id, body.started_on, request_id=_request_id(), if_match=_header("If-Match")
        ),
    )


@app.post(
    "/cases/<case_id>/interventions/<intervention_id>/completion",
    summary="End an intervention with its outcome; its check-ins stop and monitoring counts from its end",
    description="The outcome is required (422 without it); 409 when it has already ended." + IF_MATCH_INTERVENTIONS,
    tags=["interventions"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def complete_intervention(
    case_id: CaseId, intervention_id: InterventionId, body: InterventionCompletionIn
) -> InterventionOut:
    request = CompletionRequest(
        outcome=body.outcome, completed_on=body.completed_on, outcome_notes=body.outcome_notes or None
    )
    return _intervention_written(
        case_id,
        lambda: _service().complete_intervention(
            _caller(), case_id, intervention_id, request, request_id=_request_id(), if_match=_header("If-Match")
        ),
    )


@app.post(
    "/cases/<case_id>/interventions/<intervention_id>/checkins",
    summary="Record a check-in on an intervention; the next one falls due one check-in period later",
    description="409 when the intervention has ended. The note never reaches the audit log." + IF_MATCH_INTERVENTIONS,
    tags=["interventions"],
    status_code=HTTPStatus.CREATED,
    responses=_responses(HTTPStatus.CREATED, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def check_in(case_id: CaseId, intervention_id: InterventionId, body: CheckInIn) -> InterventionOut:
    return _intervention_written(
        case_id,
        lambda: _service().check_in(
            _caller(), case_id, intervention_id, body.note, request_id=_request_id(), if_match=_header("If-Match")
        ),
    )


@app.get(
    "/audit",
    summary="The audit trail, with a keyed hash-chain check (auditors and admins)",
    description=(
        "chain_valid is false, and chain_problem names the first bad record, when a record was edited, "
        "removed, reordered or rewritten, cannot be read, or records after the newest signed checkpoint "
        "are missing. A page past the end is empty and valid. `eis audit verify` also checks the locked exports."
    ),
    tags=["audit"],
    responses=_responses(HTTPStatus.OK),
)
def audit_trail(
    since_seq: Annotated[int, Query(ge=0, description="Return records after this sequence number")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = 100,
) -> AuditPage:
    trail = _service().audit_trail(_caller(), since_seq=since_seq, limit=limit)
    return AuditPage.from_domain(
        trail.records, chain_valid=trail.check.ok, chain_problem=trail.check.reason, limit=limit
    )


UploadId = Annotated[str, Path(description="Upload id, as in the upload report", max_length=128)]
CSV = "text/csv; charset=utf-8"
CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}


@app.get(
    "/uploads",
    summary="Recent upload reports, newest first (risk managers, admins, auditors)",
    tags=["uploads"],
    responses=_responses(HTTPStatus.OK),
)
def list_uploads(limit: Annotated[int, Query(ge=1, le=MAX_UPLOADS_PAGE)] = 50) -> UploadList:
    return UploadList.from_domain(_service().list_uploads(_caller(), limit=limit))


@app.get(
    "/uploads/<upload_id>",
    summary="What ingest made of one uploaded file (risk managers, admins, auditors)",
    tags=["uploads"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND),
)
def get_upload(upload_id: UploadId) -> UploadOut:
    return UploadOut.from_domain(_service().get_upload(_caller(), upload_id))


@app.get(
    "/uploads/<upload_id>/quarantine",
    summary="An upload's quarantined rows as CSV (risk managers, admins, auditors)",
    description=(
        "Columns line, column, value, reason. Officers' personal details are masked and cells that a "
        "spreadsheet would run as a formula are escaped. 404 when the upload quarantined no rows."
    ),
    tags=["uploads"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND) | {200: {"description": "OK", "content": CSV_CONTENT}},
)
def get_upload_quarantine(upload_id: UploadId) -> Response[str]:
    body = _service().quarantine_csv(_caller(), upload_id)
    return Response(
        status_code=HTTPStatus.OK,
        content_type=CSV,
        body=body.decode("utf-8"),
        headers={"Content-Disposition": f'attachment; filename="quarantine-{upload_id}.csv"'},
    )


# --- oversight outputs: run reports and model cards (risk managers, admins, auditors) ------------

RunDate = Annotated[date, Path(description="The scoring run's date, e.g. 2025-06-01")]
ModelId = Annotated[
    str, Path(description="A trained model's id, as alerts carry it (trained_model_id)", pattern=MODEL_ID_PATTERN)
]


@app.get(
    "/reports/runs",
    summary="Scoring run dates with a report, newest first (risk managers, admins, auditors)",
    tags=["reports"],
    responses=_responses(HTTPStatus.OK),
)
def list_runs(
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS_PAGE)] = 30,
    before: Annotated[
        date | None, Query(description="Only runs before this date (the previous page's next_before)")
    ] = None,
) -> RunListOut:
    page = _service().oversight.list_runs(_caller(), limit=limit, before=before)
    return RunListOut.from_domain(page.as_of, page.next_before)


@app.get(
    "/reports/runs/<as_of>",
    summary="One scoring run's report: counts, fairness table and disparities, recognition, reviewers' feedback",
    tags=["reports"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND),
)
def get_run_report(as_of: RunDate) -> RunReportOut:
    return RunReportOut.from_domain(_service().oversight.run_report(_caller(), as_of))


TestYear = Annotated[int, Path(ge=1900, le=2200, description="The backtest's test year, e.g. 2024")]


@app.get(
    "/reports/backtests",
    summary="Test years with a backtest report from the agency's own records (risk managers, admins, auditors)",
    tags=["reports"],
    responses=_responses(HTTPStatus.OK),
)
def list_backtests() -> BacktestListOut:
    return BacktestListOut(test_years=_service().oversight.list_backtests(_caller()))


@app.get(
    "/reports/backtests/<test_year>",
    summary="One test year's backtest: the model against the agency's rule and two baselines, calibration, fairness",
    description="Written by the score function's backtest job (monthly, or on demand). 404 when there is none.",
    tags=["reports"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND),
)
def get_backtest(test_year: TestYear) -> BacktestReportOut:
    report, markdown = _service().oversight.backtest(_caller(), test_year)
    return BacktestReportOut.from_domain(report, markdown)


TRENDS_CONTENT = {
    "text/html": {"schema": {"type": "string"}},
    "text/csv": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "object"}},
}


@functools.cache
def _trends_reports() -> TrendsReports:
    return TrendsReports(aws_adapters(_settings()).artifacts)


@app.get(
    "/reports/trends",
    summary="The agency trends report the scoring run precomputed (risk managers, command staff, admins, auditors)",
    description=(
        "Monthly series by unit, shift and district of force, complaints, injuries, their exposure-adjusted "
        "rates, hours and overtime; each month against the same month of earlier years with departures "
        "flagged; workload and overtime spread; alert volume, dispositions and time to review. "
        "format=html (default) is a self-contained page with inline SVG charts, csv its data one figure "
        "per line (an empty value is unknown), json the typed document. 404 before the first report."
    ),
    tags=["reports"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND) | {200: {"description": "OK", "content": TRENDS_CONTENT}},
)
def get_trends_report(
    output: Annotated[TrendsFormat, Query(alias="format", description="html, csv or json")] = TrendsFormat.HTML,
    as_of: Annotated[date | None, Query(description="The report's date (default the latest)")] = None,
) -> Response[str]:
    document = _trends_reports().read(_caller(), output, as_of)
    headers = {"Content-Disposition": f'inline; filename="{document.filename}"'}
    if output is TrendsFormat.HTML:
        from eis_core.reports.trends_page import CONTENT_SECURITY_POLICY  # stdlib only: no pandas

        # The page's own policy (its one style block by hash, data: images), still denying everything else.
        headers["Content-Security-Policy"] = f"{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'"
    return Response(status_code=HTTPStatus.OK, content_type=document.content_type, body=document.body, headers=headers)


# --- command staff's view (rules in eis_core.cases.command): aggregates from listing indexes ------


@functools.cache
def _command_for(service: CaseService) -> CommandView:
    """Built on first use, once per case service (tests replace the service between cases)."""
    adapters = aws_adapters(_settings())
    return CommandView(alerts=adapters.alerts, cases=adapters.cases, records=adapters.records)


@app.get(
    "/reports/command",
    summary="Command staff's view: overdue cases by unit, alert volume and outcomes by month "
    "(command staff, risk managers, admins, auditors)",
    description=(
        "Counts only, computed now from the listing indexes (never a table scan): open cases by unit with how "
        "far past their review date; alerts raised per month (UTC) over the last `months` months with where "
        f"each stands (awaiting review, dismissed, case open, case closed by disposition). Each listing reads "
        f"at most {COMMAND_MAX_PAGES} pages; truncated says when one stopped there (the figures are then lower "
        "bounds). Command staff's counts leave out deferred cases and alerts. 403 for supervisors."
    ),
    tags=["reports"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def get_command_overview(
    months: Annotated[
        int,
        Query(
            ge=1,
            le=COMMAND_MAX_MONTHS,
            description=f"Months of alerts, this one included (at most {COMMAND_MAX_MONTHS})",
        ),
    ] = COMMAND_DEFAULT_MONTHS,
) -> CommandOverviewOut:
    service = _service()
    return _command_for(service).overview(_caller(), today=service.today(), months=months)


@app.get(
    "/models/current",
    summary="The card of the model daily scoring uses (risk managers, admins, auditors)",
    description="404 when the agency has no trained model yet (scoring then uses the peer-and-rule scorer).",
    tags=["models"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND),
)
def get_current_model() -> ModelCardOut:
    return ModelCardOut.from_domain(_service().oversight.current_model(_caller()))


@app.get(
    "/models/<trained_model_id>",
    summary="A trained model's card, current or candidate (risk managers, admins, auditors)",
    tags=["models"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND),
)
def get_model(trained_model_id: ModelId) -> ModelCardOut:
    return ModelCardOut.from_domain(_service().oversight.model(_caller(), trained_model_id))


@app.post(
    "/models/<trained_model_id>/promotion",
    summary="Make a stored model the current one (admins only, with a reason; audited)",
    description=(
        "For a retrained model the promotion gate kept as a candidate, or to go back to an earlier model. "
        "409 when it is already current or has no stored artifact."
    ),
    tags=["models"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def promote_model(trained_model_id: ModelId, promotion: PromotionIn) -> ModelCardOut:
    def produce() -> Answer:
        view = _service().oversight.promote(_caller(), trained_model_id, promotion.reason, request_id=_request_id())
        return {"body": ModelCardOut.from_domain(view).model_dump(mode="json")}

    return ModelCardOut.model_validate(_answer(produce))


OfficerId = Annotated[str, Path(description="The officer's id (badge or employee number)", max_length=64)]


@app.get(
    "/officers",
    summary="Find officers by badge or name, among those the caller may see",
    description=(
        "Every word of q must start the badge (officer id), the first name or the last name (any case). "
        "Supervisors find only officers in their chain of command."
    ),
    tags=["officers"],
    responses=_responses(HTTPStatus.OK),
)
def find_officers(
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description="Badge or name")],
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_PAGE)] = 20,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
) -> OfficerPage:
    return _service().find_officers(_caller(), q, limit=limit, cursor=cursor)


@app.get(
    "/officers/<officer_id>",
    summary="One officer on one page: who, score against peers, history, events, alerts, cases",
    description=(
        "Events show date, kind, category and finding only (never civilian details). 404 for an unknown "
        "officer and, for supervisors, for an officer outside their chain of command."
    ),
    tags=["officers"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def get_officer(officer_id: OfficerId) -> OfficerSnapshot:
    return _service().officer_snapshot(_caller(), officer_id)


# --- hand-off and deferral (rules in eis_core.cases.handoff and eis_core.cases.visibility) -----------


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


def _case_written(write: Callable[[], Case]) -> CaseOut:
    """A hand-off or deferral write's answer (once per Idempotency-Key), with the case's new ETag."""

    def produce() -> Answer:
        case = write()
        return {"body": _case_out(case).model_dump(mode="json"), "etag": case_etag(case)}

    return CaseOut.model_validate(_answer(produce))


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
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def assign_case(case_id: CaseId, assignment: AssignmentIn) -> CaseOut:
    return _case_written(
        lambda: _handoff().assign_case(
            _caller(),
            case_id,
            assignment.supervisor_id,
            assignment.reason,
            request_id=_request_id(),
            if_match=_header("If-Match"),
        )
    )


@app.post(
    "/cases/<case_id>/acknowledgement",
    summary="The supervisor a case was handed to acknowledges it",
    description="403 for anyone but that supervisor; 409 when no hand-off waits for acknowledgement.",
    tags=["cases"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def acknowledge_case(case_id: CaseId) -> CaseOut:
    return _case_written(
        lambda: _handoff().acknowledge_case(_caller(), case_id, request_id=_request_id(), if_match=_header("If-Match"))
    )


@app.post(
    "/cases/<case_id>/deferral",
    summary="Defer notification of a case: the chain of command is not told and does not see it",
    description=(
        "Risk managers and admins. Deferring again replaces the review date. On the review date the risk "
        "team is emailed once and the case shows deferral_expired; it stays deferred until ended."
    ),
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT, HTTPStatus.PRECONDITION_FAILED),
)
def defer_case(case_id: CaseId, deferral: DeferralIn) -> CaseOut:
    def write() -> Case:
        case, _ = _handoff().defer_case(
            _caller(),
            case_id,
            deferral.reason,
            deferral.review_on,
            request_id=_request_id(),
            if_match=_header("If-Match"),
        )
        return case

    return _case_written(write)


@app.post(
    "/cases/<case_id>/deferral/end",
    summary="End a case's deferral: the chain of command sees the case and is notified again",
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def end_case_deferral(case_id: CaseId, end: DeferralEndIn) -> CaseOut:
    def write() -> Case:
        _handoff().end_deferral(_caller(), DeferralTarget.CASE, case_id, end.reason, request_id=_request_id())
        return _service().get_case(_caller(), case_id)

    return _case_written(write)


@app.post(
    "/officers/<officer_id>/deferral",
    summary="Defer notification of every alert and case of an officer (risk managers and admins)",
    tags=["deferrals"],
    status_code=HTTPStatus.CREATED,
    responses=_responses(HTTPStatus.CREATED, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def defer_officer(officer_id: OfficerId, deferral: DeferralIn) -> DeferralOut:
    def produce() -> Answer:
        handoff = _handoff()
        made = handoff.defer_officer(
            _caller(), officer_id, deferral.reason, deferral.review_on, request_id=_request_id()
        )
        return {"body": DeferralOut.from_domain(made, handoff.today()).model_dump(mode="json")}

    return DeferralOut.model_validate(_answer(produce))


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
    def produce() -> Answer:
        handoff = _handoff()
        ended = handoff.end_deferral(
            _caller(), DeferralTarget.OFFICER, officer_id, end.reason, request_id=_request_id()
        )
        return {"body": DeferralOut.from_domain(ended, handoff.today()).model_dump(mode="json")}

    return DeferralOut.model_validate(_answer(produce))


@app.get(
    "/deferrals",
    summary="Active deferrals, expired ones first (risk managers, admins, auditors)",
    tags=["deferrals"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def list_deferrals() -> DeferralList:
    handoff = _handoff()
    return DeferralList.from_domain(handoff.list_deferrals(_caller()), handoff.today())


# --- wellness check-ins (rules in eis_core.wellness.service): the wellness coordinator's, not the chain's ---


def _wellness() -> WellnessService:
    return _wellness_for(_service())


@functools.cache
def _wellness_for(service: CaseService) -> WellnessService:
    """Built on first use, once per case service (tests replace the service between cases)."""
    settings = _settings()
    adapters = aws_adapters(settings)
    return WellnessService(
        agency_id=settings.agency_id,
        store=adapters.wellness,
        audit=adapters.audit,
        supervisor_opt_in=settings.wellness_notify_supervisor,
    )


CheckInId = Annotated[
    str, Path(description="Wellness check-in id: opaque, e.g. wellness-k7d2m4qzx3b6nwp5r3tavcw4", max_length=128)
]


@app.get(
    "/wellness/checkins",
    summary="Wellness check-ins, newest first (the wellness coordinator; a direct supervisor only if opted in)",
    tags=["wellness"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.CONFLICT),
)
def list_wellness_checkins() -> WellnessCheckInList:
    return WellnessCheckInList.from_domain(_wellness().list_checkins(_caller()))


@app.get(
    "/wellness/checkins/<checkin_id>",
    summary="One wellness check-in: supportive, no score, never part of a case",
    tags=["wellness"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def get_wellness_checkin(checkin_id: CheckInId) -> WellnessCheckInOut:
    return WellnessCheckInOut.from_domain(_wellness().get_checkin(_caller(), checkin_id))


@app.post(
    "/wellness/checkins/<checkin_id>/acknowledge",
    summary="Acknowledge a wellness check-in: the coordinator has reached out (wellness coordinator only)",
    tags=["wellness"],
    responses=_responses(HTTPStatus.OK, HTTPStatus.NOT_FOUND, HTTPStatus.CONFLICT),
)
def acknowledge_wellness_checkin(checkin_id: CheckInId) -> WellnessCheckInOut:
    return WellnessCheckInOut.from_domain(_wellness().acknowledge(_caller(), checkin_id, request_id=_request_id()))


# --- entry point ---------------------------------------------------------------------------------


def _rejected(error: Exception) -> dict[str, Any]:
    """The proxy response for a request the screen refused before the resolver saw it."""
    answer = _error_response(error)
    return {
        "statusCode": answer.status_code,
        "body": answer.body,
        "isBase64Encoded": False,
        "multiValueHeaders": {"Content-Type": [answer.content_type]},
    }


def _denies_by_default(single: dict[str, str], multi: dict[str, list[str]]) -> bool:
    """The response already carries a CSP that starts by denying everything and forbids framing."""
    policies = [v for k, v in single.items() if k.lower() == "content-security-policy"]
    policies += [v for k, values in multi.items() if k.lower() == "content-security-policy" for v in values]
    return bool(policies) and all(
        p.startswith("default-src 'none'") and "frame-ancestors 'none'" in p for p in policies
    )


def _add_headers(response: dict[str, Any], request: APIGatewayProxyEvent) -> None:
    """Security headers on every response; CORS for the portal where the resolver did not add it."""
    multi: dict[str, list[str]] = response.setdefault("multiValueHeaders", {}) or {}
    response["multiValueHeaders"] = multi
    single: dict[str, str] = response.get("headers") or {}
    present = {name.lower() for name in (*multi, *single)}
    added = dict(SECURITY_HEADERS)
    if _denies_by_default(single, multi):
        del added["Content-Security-Policy"]  # a route's own policy, as strict by default (the trends page)
    if "access-control-allow-origin" not in present:
        origin = next((str(v) for k, v in (request.headers or {}).items() if k.lower() == "origin"), None)
        allowed = CORS.allowed_origin(origin) if origin else None
        added |= CORS.to_dict(allowed) if allowed else {}
    added["Vary"] = "Origin"
    for name, value in added.items():
        for existing in [key for key in multi if key.lower() == name.lower()]:
            del multi[existing]
        for existing in [key for key in single if key.lower() == name.lower()]:
            del single[existing]
        multi[name] = [value]


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service = _service()  # settings first: a missing one fails the invocation, not each route with a 500
    trace = _RequestTrace()
    app.context["trace"] = trace
    try:
        response = app.resolve(screen(event), context)
    except (MalformedBodyError, PayloadTooLargeError, UnsupportedMediaTypeError) as rejected:
        trace.error = rejected
        response = _rejected(rejected)
    _add_headers(response, APIGatewayProxyEvent(event))
    if trace.headers and int(response["statusCode"]) < HTTPStatus.BAD_REQUEST:
        response["multiValueHeaders"].update({name: [value] for name, value in trace.headers.items()})
    request = APIGatewayProxyEvent(event)
    status_code = int(response["statusCode"])
    service.record_request(
        ApiCall(
            method=request.http_method,
            route=trace.route or request.path,
            path=request.path,
            status_code=status_code,
            claims=request.request_context.authorizer.claims,
            request_id=request.request_context.request_id,
            query=dict(request.query_string_parameters or {}),
            error=trace.error,
        )
    )
    metrics.add_metric(name=f"Responses{status_code // 100}xx", unit=MetricUnit.Count, value=1)
    return response
