"""Oversight outputs in the product: run reports and model cards through the case API, and admin promotion."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from eis_core.models.audit import AuditOutcome
from eis_core.oversight.keys import CURRENT_KEY, MODELS_PREFIX, RUNS_PREFIX
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.training import RetrainingService
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests.builders import learnable_agency
from tests.conftest import EVENTS

AS_OF = date(2025, 6, 1)
GOOD = ModelSpec.model_validate({"parameters": {"min_samples_leaf": 20, "max_iter": 30}})
CONSTANT = ModelSpec.model_validate({"parameters": {"min_samples_leaf": 100_000, "max_iter": 1}})

RISK_MANAGER = {"sub": "sub-risk", "cognito:groups": "risk_manager"}
AUDITOR = {"sub": "sub-auditor", "cognito:groups": "auditor"}
ADMIN = {"sub": "sub-admin", "cognito:groups": "admin"}
SUPERVISOR = {"sub": "sub-s1", "custom:officer_id": "S1", "cognito:groups": "supervisor"}
READERS = [RISK_MANAGER, AUDITOR, ADMIN]


@pytest.fixture(scope="module")
def outputs() -> dict[str, bytes]:
    """What the jobs write: a good current model, a worse candidate the gate kept, one scoring run's report."""
    built = memory_adapters("testville")
    built.records.put_records(learnable_agency(), upload_id="u1")

    def retrain(spec: ModelSpec) -> str:
        service = RetrainingService(
            agency_id="testville",
            records=built.records,
            artifacts=built.artifacts,
            audit=built.audit,
            spec=spec,
            cases=built.cases,
            alerts=built.alerts,
            operations=built.operations,
        )
        return service.run(AS_OF).model_id

    good, candidate = retrain(GOOD), retrain(CONSTANT)
    now = datetime(2025, 6, 1, 6, tzinfo=UTC)
    build_scoring_jobs(built, agency_id="testville", clock=lambda: now).scoring.run(AS_OF)
    stored = {key: built.artifacts.get_bytes(key) for key in built.artifacts.keys("")}
    stored["__good__"], stored["__candidate__"] = good.encode(), candidate.encode()
    return stored


@pytest.fixture
def adapters(settings: LocalSettings, outputs: dict[str, bytes]) -> Iterator[Adapters]:
    """Given the jobs' outputs in the agency's artifacts bucket (moto)."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    for key, body in outputs.items():
        if key.startswith((RUNS_PREFIX, MODELS_PREFIX)):
            built.artifacts.put_bytes(key, body)
    yield built
    handler._service.cache_clear()


def _ids(outputs: dict[str, bytes]) -> tuple[str, str]:
    return outputs["__good__"].decode(), outputs["__candidate__"].decode()


def call(
    method: str, path: str, claims: dict[str, str], *, query: dict[str, str] | None = None, body: Any = None
) -> tuple[int, Any]:
    template = "apigw_list_uploads.json" if method == "GET" else "apigw_move_case.json"
    event = copy.deepcopy(json.loads((EVENTS / template).read_text()))
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["requestContext"]["authorizer"]["claims"] = {"custom:agency_id": "testville", **claims}
    event["body"] = None if body is None else json.dumps(body)
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"] or "null")


def _present(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without their null fields: the typed answer names every rate, the stored row only those it has."""
    return [{key: value for key, value in row.items() if value is not None} for row in rows]


@pytest.mark.parametrize("claims", READERS, ids=["risk_manager", "auditor", "admin"])
def test_run_reports_are_listed_and_read_as_stored(
    adapters: Adapters, outputs: dict[str, bytes], claims: dict[str, str]
) -> None:
    listed_status, listed = call("GET", "/reports/runs", claims, query={"limit": "10"})
    status, report = call("GET", f"/reports/runs/{AS_OF}", claims)

    stored = json.loads(outputs[f"runs/{AS_OF}/report.json"])
    assert (listed_status, listed) == (200, {"runs": [AS_OF.isoformat()], "next_before": None})
    assert status == 200
    assert report["run_id"] == stored["run_id"] and report["trained_model_id"] == _ids(outputs)[0]
    assert _present(report["fairness"]["groups"]) == _present(stored["fairness"]["groups"])
    assert report["fairness"]["disparities"] == stored["fairness"]["disparities"]
    assert report["recognition"] == stored["recognition"]
    assert report["counts"]["officers_scored"] == 200
    assert report["feedback"] == stored["feedback"]


def test_the_run_list_pages_newest_first(adapters: Adapters, outputs: dict[str, bytes]) -> None:
    report = outputs[f"runs/{AS_OF}/report.json"]
    for day in (2, 3):
        adapters.artifacts.put_bytes(f"runs/2025-06-0{day}/report.json", report)
    adapters.artifacts.put_bytes("runs/2025-06-04/something-else.json", b"{}")  # not a report

    _, first = call("GET", "/reports/runs", RISK_MANAGER, query={"limit": "2"})
    _, second = call("GET", "/reports/runs", RISK_MANAGER, query={"limit": "2", "before": first["next_before"]})

    assert first == {"runs": ["2025-06-03", "2025-06-02"], "next_before": "2025-06-02"}
    assert second == {"runs": ["2025-06-01"], "next_before": None}


def test_model_cards_say_which_is_current_and_why_the_candidate_was_kept(
    adapters: Adapters, outputs: dict[str, bytes]
) -> None:
    good, candidate = _ids(outputs)

    status, current = call("GET", "/models/current", AUDITOR)
    kept_status, kept = call("GET", f"/models/{candidate}", RISK_MANAGER)
    missing_status, _ = call("GET", "/models/model-000000000000", RISK_MANAGER)

    assert (status, current["model_id"], current["status"]) == (200, good, "current")
    assert current["temporal_validation"]["metrics"]["precision_at_top"] > 0
    assert current["promotion"]["promoted"] is True
    assert (kept_status, kept["status"]) == (200, "candidate")
    assert kept["promotion"]["promoted"] is False and kept["promotion"]["current_model_id"] == good
    assert missing_status == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/reports/runs"),
        ("GET", f"/reports/runs/{AS_OF}"),
        ("GET", "/models/current"),
        ("GET", "/models/{candidate}"),
    ],
)
def test_supervisors_may_not_read_oversight_outputs(
    adapters: Adapters, outputs: dict[str, bytes], method: str, path: str
) -> None:
    status, body = call(method, path.format(candidate=_ids(outputs)[1]), SUPERVISOR)

    assert status == 403 and body["error"] == "forbidden"
    last = adapters.audit.records(since_seq=0, limit=1000)[-1]
    assert last.outcome is AuditOutcome.DENIED


def test_an_admin_promotes_a_candidate_with_a_reason_and_it_is_audited(
    adapters: Adapters, outputs: dict[str, bytes]
) -> None:
    good, candidate = _ids(outputs)
    reason = "Validation year was unusual; the chief approved the new model."

    status, card = call("POST", f"/models/{candidate}/promotion", ADMIN, body={"reason": reason})

    assert (status, card["status"]) == (200, "current")
    assert adapters.artifacts.get_json(CURRENT_KEY)["model_id"] == candidate
    assert [(p["by"], p["reason"], p["previous_model_id"]) for p in card["admin_promotions"]] == [
        ("sub-admin", reason, good)
    ]
    promoted = [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action == "model.promote"]
    assert [(r.actor, r.target_id, r.detail["previous_model_id"]) for r in promoted] == [("sub-admin", candidate, good)]
    assert reason not in json.dumps([r.model_dump(mode="json") for r in adapters.audit.records()])
    # A second promotion of the current model is a conflict
    again, _ = call("POST", f"/models/{candidate}/promotion", ADMIN, body={"reason": "again"})
    assert again == 409


@pytest.mark.parametrize("claims", [SUPERVISOR, RISK_MANAGER, AUDITOR], ids=["supervisor", "risk_manager", "auditor"])
def test_only_admins_promote(adapters: Adapters, outputs: dict[str, bytes], claims: dict[str, str]) -> None:
    good, candidate = _ids(outputs)

    status, _ = call("POST", f"/models/{candidate}/promotion", claims, body={"reason": "I think so."})

    assert status == 403
    assert adapters.artifacts.get_json(CURRENT_KEY)["model_id"] == good
    assert not [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action == "model.promote"]


def test_a_promotion_without_a_reason_is_422(adapters: Adapters, outputs: dict[str, bytes]) -> None:
    status, body = call("POST", f"/models/{_ids(outputs)[1]}/promotion", ADMIN, body={"reason": ""})

    assert status == 422 and "reason" in body["message"]
