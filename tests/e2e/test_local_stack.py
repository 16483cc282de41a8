"""End to end on the local stack: generated agency -> upload -> alert -> case over HTTP -> email -> audit."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from eis_core.models.audit import AuditEvent
from eis_core.models.records import RecordKind
from eis_core.storage.dynamodb import DynamoAuditLog
from eis_core.wiring import aws_adapters
from eis_tools.generate import GeneratedAgency, GeneratorConfig, generate_agency, write_extracts
from eis_tools.local.cli import main
from eis_tools.local.demo import DemoResult, http_json, run_demo, serve_case_api
from eis_tools.local.gateway import LocalApiGateway
from eis_tools.local.resources import LocalSettings
from eis_tools.local.stack import LocalStack, local_stack


@pytest.fixture(scope="module")
def agency() -> GeneratedAgency:
    return generate_agency(GeneratorConfig(agency_id="e2e", officers=150, seed=11))


@pytest.fixture(scope="module")
def demo(
    agency: GeneratedAgency, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoResult, LocalStack, LocalApiGateway]]:
    extracts = write_extracts(agency, tmp_path_factory.mktemp("extracts"))
    with local_stack("e2e") as stack, serve_case_api(stack) as gateway:
        as_of = agency.config.end + timedelta(days=1)
        yield run_demo(stack, gateway, extracts, agency.officers, as_of=as_of), stack, gateway


def test_extracts_are_ingested_through_s3_events(demo: tuple[DemoResult, LocalStack, LocalApiGateway]) -> None:
    result, _, _ = demo
    kinds = {f.kind for f in result.files}
    assert RecordKind.ROSTER.value in kinds and RecordKind.USE_OF_FORCE.value in kinds
    assert not any(f.rejected for f in result.files)
    assert result.rows_ingested > 1000


def test_scoring_raises_alerts_and_notifier_emails_supervisors(
    demo: tuple[DemoResult, LocalStack, LocalApiGateway], agency: GeneratedAgency
) -> None:
    result, _, _ = demo
    assert result.scoring["officers_scored"] > 100
    assert result.scoring["alerts_created"] >= 1
    assert len(result.emails) == result.scoring["alerts_created"]
    names = {o.last_name for o in agency.officers}
    for email in result.emails:
        assert email.to and all(address.endswith(".example.gov") for address in email.to)
        assert not any(name in email.body for name in names), "an email body must not carry officer names"


def test_a_supervisor_opens_a_case_over_http_with_a_real_token(
    demo: tuple[DemoResult, LocalStack, LocalApiGateway],
) -> None:
    result, _, gateway = demo
    assert result.opened_case is not None
    case_id = result.opened_case["case_id"]
    status, case = http_json("GET", f"{gateway.url}/cases/{case_id}", result.tokens["risk_manager"])
    assert status == 200
    assert case["alert_ids"] == result.opened_case["alert_ids"]
    status, _ = http_json(
        "POST", f"{gateway.url}/cases/{case_id}/notes", result.tokens["risk_manager"], {"text": "Met with officer."}
    )
    assert status == 201


def test_the_demo_works_a_second_case_to_closure_over_http(
    demo: tuple[DemoResult, LocalStack, LocalApiGateway],
) -> None:
    result, _, gateway = demo
    walk = result.case_walk
    assert walk, "the demo did not walk a case (the agency raised fewer than two alerts)"
    assert [step.status_code for step in walk if step.status_code >= 400] == []
    assert walk[-1].case_status == "closed"
    states = [step.case_status for step in walk if step.case_status]
    changes = [state for number, state in enumerate(states) if number == 0 or state != states[number - 1]]
    assert changes == ["open", "in_review", "intervention_planned", "intervention_in_progress", "monitoring", "closed"]
    # On the way the case was handed to another supervisor, who acknowledged it, and deferred, then released.
    handed = [step for step in walk if step.path.endswith(("/assignment", "/acknowledgement", "/deferral", "/end"))]
    assert [step.path.rsplit("/", 1)[-1] for step in handed] == ["assignment", "acknowledgement", "deferral", "end"]
    assert all(step.status_code == 200 and step.case_status == "in_review" for step in handed)
    case_path = walk[0].path.removesuffix("/case")  # /alerts/<id>
    status, alert = http_json("GET", f"{gateway.url}{case_path}", result.tokens["risk_manager"])
    assert status == 200 and alert["status"] == "case_closed"
    status, case = http_json(
        "GET", f"{gateway.url}{walk[1].path.removesuffix('/transitions')}", result.tokens["auditor"]
    )
    assert status == 200
    assert case["disposition"] == "intervention_completed"
    assert [i["outcome"] for i in case["interventions"]] == ["completed"]
    assert len(case["interventions"][0]["checkins"]) == 1
    [assignment] = case["assignments"]
    assert case["supervisor_id"] == assignment["supervisor_id"] and case["awaiting_acknowledgement_by"] is None


def test_the_api_refuses_missing_forged_and_other_agency_tokens(
    demo: tuple[DemoResult, LocalStack, LocalApiGateway],
) -> None:
    result, stack, gateway = demo
    token = result.tokens["risk_manager"]
    assert http_json("GET", f"{gateway.url}/alerts", "")[0] == 401
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert http_json("GET", f"{gateway.url}/alerts", forged)[0] == 401
    # A genuine token from this pool that names another agency is refused by the function and audited.
    cognito = stack.session.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=stack.user_pool_id,
        Username="intruder",
        UserAttributes=[{"Name": "custom:agency_id", "Value": "other-agency"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=stack.user_pool_id, Username="intruder", Password="Eis-Intruder-12345!", Permanent=True
    )
    cognito.admin_add_user_to_group(UserPoolId=stack.user_pool_id, Username="intruder", GroupName="risk_manager")
    auth = cognito.admin_initiate_auth(
        UserPoolId=stack.user_pool_id,
        ClientId=stack.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "intruder", "PASSWORD": "Eis-Intruder-12345!"},
    )
    assert http_json("GET", f"{gateway.url}/alerts", auth["AuthenticationResult"]["IdToken"])[0] == 403
    status, audit = http_json("GET", f"{gateway.url}/audit?limit=1000", result.tokens["auditor"])
    assert status == 200
    assert any(r["outcome"] == "denied" for r in audit["records"])


def test_every_stage_left_an_audit_record_in_an_intact_chain(
    demo: tuple[DemoResult, LocalStack, LocalApiGateway],
) -> None:
    result, _, gateway = demo
    status, audit = http_json("GET", f"{gateway.url}/audit?limit=1000", result.tokens["auditor"])
    assert status == 200 and audit["chain_valid"]
    actions = {r["action"] for r in audit["records"]}
    assert {"upload.ingest", "score.run", "alert.notify", "case.open"} <= actions
    # and the demo's audit-export job archived the trail it had by then
    assert 0 < result.audit_exported <= len(audit["records"])


def test_the_demos_audit_trail_passes_eis_audit_verify(
    demo: tuple[DemoResult, LocalStack, LocalApiGateway], capsys: pytest.CaptureFixture[str]
) -> None:
    result, stack, _ = demo
    assert result.audit_verified, result.audit_verification

    code = main(["audit", "verify", "--agency", stack.resources.agency_id, "--endpoint", stack.endpoint])

    out = capsys.readouterr().out
    assert code == 0, out
    assert f"audit trail of {stack.resources.agency_id} verified" in out


def test_eis_demo_command_runs_and_prints_the_summary(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "eis_tools.local.cli",
            "demo",
            "--no-serve",
            "--officers",
            "120",
            "--port",
            "0",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    out = completed.stdout
    assert "ingested" in out and "alerts raised" in out and "emails captured" in out
    assert "hash chain verified" in out
    assert list((tmp_path / "outbox").glob("*.txt"))


def test_twenty_concurrent_writers_on_the_local_stack_all_append(
    demo: tuple[DemoResult, LocalStack, LocalApiGateway], capsys: pytest.CaptureFixture[str]
) -> None:
    """Over HTTP to moto's server, as the functions would: every append lands and the trail still verifies."""
    _, stack, _ = demo
    settings = LocalSettings.from_env(os.environ)
    key = aws_adapters(settings, stack.session).audit.key
    # Patient writers: on a loaded CI machine a live writer can take longer than the 5 s after which its
    # ticket is presumed dead and filled with a gap record; every writer here lives.
    logs = [
        DynamoAuditLog(
            stack.session.client("dynamodb"),
            settings.audit_table,
            chain=settings.agency_id,
            key=key,
            append_seconds=600,
            gap_after=300,
        )
        for _ in range(20)
    ]
    before = len(logs[0].records(limit=100_000))
    failures: list[BaseException] = []
    start = threading.Barrier(len(logs))

    def write(log: Any, writer: int) -> None:
        start.wait()
        for n in range(5):
            try:
                log.append(_concurrent_event(stack.resources.agency_id, writer, n))
            except BaseException as error:
                failures.append(error)

    threads = [threading.Thread(target=write, args=(log, w)) for w, log in enumerate(logs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(logs[0].records(limit=100_000)) == before + 100
    code = main(["audit", "verify", "--agency", stack.resources.agency_id, "--endpoint", stack.endpoint])
    assert code == 0, capsys.readouterr().out


def _concurrent_event(agency_id: str, writer: int, n: int) -> AuditEvent:
    return AuditEvent(
        actor=f"writer-{writer}",
        role="system",
        action="test.concurrent",
        target_type="test",
        target_id=f"{writer}-{n}",
        agency_id=agency_id,
    )
