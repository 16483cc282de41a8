"""`eis demo`: a generated agency, end to end through the local stack, with a printed summary."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from eis_core.models.records import Officer, OfficerStatus, RecordKind
from eis_tools.local.environments import ExecutionEnvironments
from eis_tools.local.gateway import CognitoAuthorizer, LocalApiGateway
from eis_tools.local.gateway_limits import GatewayLimits
from eis_tools.local.oauth import LocalOAuth
from eis_tools.local.portal_site import PORTAL_DIST, PortalSite
from eis_tools.local.runtime import LocalRuntime, SentEmail, cold_start
from eis_tools.local.stack import LocalStack

# Roster first: events are checked against the officers already on file.
UPLOAD_ORDER = [RecordKind.ROSTER, *[kind for kind in RecordKind if kind is not RecordKind.ROSTER]]


@dataclass
class FileOutcome:
    kind: str
    key: str
    accepted: int
    quarantined: int
    rejected: bool
    reason: str | None = None


@dataclass(frozen=True)
class CaseStep:
    """One request of the demo's case walk, as a supervisor makes it in the portal."""

    action: str
    method: str
    path: str
    status_code: int
    case_status: str | None


@dataclass
class DemoResult:
    agency_id: str
    as_of: date
    api_url: str
    files: list[FileOutcome] = field(default_factory=list)
    curated: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    scoring: dict[str, Any] = field(default_factory=dict)
    notifications_delivered: int = 0
    emails: list[SentEmail] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    # Portal sign-in on the local stack: username -> password (random per run), with each user's role.
    sign_ins: dict[str, tuple[str, str]] = field(default_factory=dict)
    opened_case: dict[str, Any] | None = None
    case_walk: list[CaseStep] = field(default_factory=list)
    audit_records: int = 0
    audit_chain_ok: bool = False
    audit_exported: int = 0
    audit_verified: bool = False
    audit_verification: str = ""

    @property
    def rows_ingested(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)


def http_json(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """Call the local API like the portal would; returns (status, parsed JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - local http URL built here
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@contextmanager
def serve_case_api(stack: LocalStack, *, port: int = 0) -> Iterator[LocalApiGateway]:
    """The case API behind the local gateway, with API Gateway's limits (``gateway_limits``, set from
    ``EIS_LOCAL_*`` variables) and up to ``concurrency`` execution environments answering at once."""
    import functions.cases_api.handler

    handler_module = cold_start(functions.cases_api.handler)
    limits = GatewayLimits.from_env(os.environ)
    authorizer = CognitoAuthorizer(jwks_url=stack.jwks_url, issuer=stack.issuer, client_id=stack.client_id)
    gateway = LocalApiGateway(
        ExecutionEnvironments(handler_module.__name__, limit=limits.concurrency),
        authorizer,
        function_name=stack.resources.function("cases-api"),
        port=port,
        portal=portal_site(stack),
        oauth=LocalOAuth(
            stack.session.client("cognito-idp"), user_pool_id=stack.user_pool_id, client_id=stack.client_id
        ),
        limits=limits,
        cors=handler_module.CORS,
    )
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()


def portal_site(stack: LocalStack, *, idle_minutes: int = 30) -> PortalSite:
    """The built portal with the local pool's sign-in endpoints (same paths as a Cognito domain's)."""
    config = {
        "client_id": stack.client_id,
        "authorize_url": "oauth2/authorize",
        "token_url": "oauth2/token",
        "revoke_url": "oauth2/revoke",
        "idle_minutes": idle_minutes,
    }
    return PortalSite(PORTAL_DIST, config)


@dataclass(frozen=True)
class HandOff:
    """The supervisor the demo's walk hands its case to (who acknowledges it with their own token)."""

    supervisor_id: str
    token: str


def walk_case_to_closure(
    api_url: str, token: str, alert_id: str, *, hand_off: HandOff | None = None, today: date | None = None
) -> list[CaseStep]:
    """Open a case from an alert and work it to closure over HTTP, step by step; stops at the first refusal.

    With ``hand_off`` the risk manager also assigns the case to that supervisor, who acknowledges it, and
    defers notification of it for a month (a criminal investigation), then ends the deferral.
    """
    steps: list[CaseStep] = []

    def call(action: str, method: str, path: str, body: dict[str, Any] | None = None, *, as_: str = token) -> Any:
        status, answer = http_json(method, f"{api_url}{path}", as_, body)
        case_status = answer.get("status") if isinstance(answer, dict) and "case_id" in answer else None
        steps.append(CaseStep(action, method, path, status, case_status))
        if status >= 400:
            raise _WalkStopped
        return answer

    try:
        case = call("open a case from the alert", "POST", f"/alerts/{alert_id}/case")
        path = f"/cases/{case['case_id']}"
        call("start the review", "POST", f"{path}/transitions", {"to": "in_review"})
        if hand_off is not None:
            handing = {"supervisor_id": hand_off.supervisor_id, "reason": "The officer's new shift sergeant."}
            call(f"hand the case to {hand_off.supervisor_id}", "POST", f"{path}/assignment", handing)
            call(f"{hand_off.supervisor_id} acknowledges it", "POST", f"{path}/acknowledgement", as_=hand_off.token)
            review_on = (today or date.today()) + timedelta(days=30)
            deferring = {"reason": "A criminal investigation is under way.", "review_on": review_on.isoformat()}
            call("defer notification of it", "POST", f"{path}/deferral", deferring)
            call("end the deferral", "POST", f"{path}/deferral/end", {"reason": "The investigation closed."})
        call(
            "note the conversation", "POST", f"{path}/notes", {"text": "Talked with the officer about the last months."}
        )
        reason = "Review found a run of force incidents on one late shift; coaching agreed."
        call("plan an intervention", "POST", f"{path}/transitions", {"to": "intervention_planned", "reason": reason})
        plan = call("add coaching to the plan", "POST", f"{path}/interventions", {"type": "coaching_mentoring"})
        step = f"{path}/interventions/{plan['intervention_id']}"
        call(
            "begin the intervention",
            "POST",
            f"{path}/transitions",
            {"to": "intervention_in_progress", "reason": "Started."},
        )
        call("start the coaching", "POST", f"{step}/start", {})
        call("record a check-in", "POST", f"{step}/checkins", {"note": "Two sessions held; going well."})
        call("complete the coaching", "POST", f"{step}/completion", {"outcome": "completed"})
        call("monitor", "POST", f"{path}/transitions", {"to": "monitoring", "reason": "Coaching completed."})
        close = {
            "to": "closed",
            "reason": "Monitoring showed no further concern.",
            "disposition": "intervention_completed",
        }
        call("close the case", "POST", f"{path}/transitions", close)
    except _WalkStopped:
        pass
    return steps


class _WalkStopped(Exception):
    """A step of the case walk was refused; the steps so far show which and why."""


def _supervisor_of(officers: dict[str, Officer], officer_id: str) -> Officer | None:
    officer = officers.get(officer_id)
    return officers.get(officer.supervisor_id) if officer and officer.supervisor_id else None


def _another_supervisor(officers: list[Officer], officer_id: str) -> Officer | None:
    """An active supervisor (someone reports to them) other than ``officer_id``'s own and not them."""
    by_id = {o.officer_id: o for o in officers}
    own = _supervisor_of(by_id, officer_id)
    taken = {officer_id, own.officer_id if own else officer_id}
    for boss_id in sorted({o.supervisor_id for o in officers if o.supervisor_id} - taken):
        boss = by_id.get(boss_id)
        if boss is not None and boss.status is OfficerStatus.ACTIVE:
            return boss
    return None


def ingest_extracts(runtime: LocalRuntime, extracts: dict[RecordKind, Path]) -> list[FileOutcome]:
    outcomes = []
    for kind in UPLOAD_ORDER:
        if kind not in extracts:
            continue
        result = runtime.upload(extracts[kind], kind)
        for report in result.get("reports", []):
            outcomes.append(
                FileOutcome(
                    kind=kind.value,
                    key=report["key"],
                    accepted=report["rows_accepted"],
                    quarantined=report["rows_quarantined"],
                    rejected=report["rejected"],
                    reason=report.get("rejection_reason"),
                )
            )
    return outcomes


def run_demo(
    stack: LocalStack,
    gateway: LocalApiGateway,
    extracts: dict[RecordKind, Path],
    officers: list[Officer],
    *,
    as_of: date,
) -> DemoResult:
    """Ingest, score and notify through the handlers, then work one alert over the HTTP API."""
    runtime = LocalRuntime(stack)
    files = ingest_extracts(runtime, extracts)
    # The schedules' jobs in their nightly order: the frames snapshot after the uploads, retraining,
    # then the daily run with the agency's own model (both read the snapshot, not the records table).
    curated = runtime.run_job("score", "curate", as_of=as_of)
    training = runtime.run_job("score", "retrain", as_of=as_of)
    scoring = runtime.score(as_of)
    delivered = runtime.deliver_notifications()

    risk_manager = stack.add_user("risk.manager", role="risk_manager")
    auditor = stack.add_user("auditor", role="auditor")
    command = stack.add_user("command.staff", role="command")  # the command view (#/command), read only
    result = DemoResult(
        agency_id=stack.resources.agency_id,
        as_of=as_of,
        api_url=gateway.url,
        files=files,
        curated=curated,
        training=training,
        scoring=scoring,
        notifications_delivered=delivered,
        emails=runtime.sent_emails(),
        tokens={"risk_manager": risk_manager.id_token, "auditor": auditor.id_token},
        sign_ins={
            risk_manager.username: (risk_manager.role, risk_manager.password),
            auditor.username: (auditor.role, auditor.password),
            command.username: (command.role, command.password),
        },
    )

    # The supervisor of the first alerted officer opens a case from the alert, as in the portal.
    status, alerts = http_json("GET", f"{gateway.url}/alerts?status=new", risk_manager.id_token)
    if status == 200 and alerts["alerts"]:
        first = alerts["alerts"][0]
        supervisor = _supervisor_of({o.officer_id: o for o in officers}, first["officer_id"])
        token = risk_manager.id_token
        if supervisor is not None:
            user = stack.add_user(
                f"sgt.{supervisor.officer_id.lower()}", role="supervisor", officer_id=supervisor.officer_id
            )
            result.tokens["supervisor"] = token = user.id_token
            result.sign_ins[user.username] = (user.role, user.password)
        status, case = http_json("POST", f"{gateway.url}/alerts/{first['alert_id']}/case", token)
        if status == 201:
            result.opened_case = case
        # A second alert's case is worked to closure by the risk manager, so the first stays open to try;
        # on the way it is handed to another supervisor (who acknowledges it), deferred and released.
        if len(alerts["alerts"]) > 1:
            second = alerts["alerts"][1]
            hand_off = None
            other = _another_supervisor(officers, second["officer_id"])
            if other is not None:
                user = stack.add_user(f"sgt.{other.officer_id.lower()}", role="supervisor", officer_id=other.officer_id)
                result.tokens["second_supervisor"] = user.id_token
                result.sign_ins[user.username] = (user.role, user.password)
                hand_off = HandOff(other.officer_id, user.id_token)
            result.case_walk = walk_case_to_closure(
                gateway.url, risk_manager.id_token, second["alert_id"], hand_off=hand_off
            )

    status, audit = http_json("GET", f"{gateway.url}/audit?limit=1000", auditor.id_token)
    if status == 200:
        result.audit_records = len(audit["records"])
        result.audit_chain_ok = bool(audit["chain_valid"])
    result.audit_exported = runtime.run_job("score", "audit-export")["exported"]
    from eis_tools.local.cli_audit import verify_agency

    verification = verify_agency(stack.resources, endpoint=stack.endpoint)
    result.audit_verified = bool(verification.ok)
    result.audit_verification = (
        f"{verification.table_records} records, {verification.locked_records} locked in "
        f"{verification.segments} segments"
        if verification.ok
        else f"record {verification.broken_seq}: {verification.reason}"
    )
    return result


def default_as_of(end: date) -> date:
    return end + timedelta(days=1)
