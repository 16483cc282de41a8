"""The score function end to end on moto: a scheduled event in; scores and alerts in DynamoDB,
the run report in S3, and one notify-queue message per new alert."""

from __future__ import annotations

import json
from datetime import date
from types import ModuleType
from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from eis_core.models.alerts import Alert, AlertStatus
from eis_core.models.records import Record
from eis_core.scoring.alert_ids import AlertIds
from eis_core.storage.schema import Bucket, Table
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalAgency, LocalSettings
from tests.builders import AS_OF, complaint, officer, use_of_force
from tests.conftest import EVENTS

FUNCTION_NAME = "eis-testville-score"
SCHEDULED_DAY = AS_OF  # the time of tests/events/eventbridge_scheduled.json
HIRED = date(2016, 3, 1)


def _agency_records() -> list[Record]:
    """Twenty officers; A900 has four uses of force this quarter, B800 four complaints this half-year."""
    records: list[Record] = [
        officer(officer_id, hire_date=HIRED) for officer_id in [*(f"A{i:03d}" for i in range(18)), "A900", "B800"]
    ]
    records += [use_of_force(f"A{i:03d}", 20 + i) for i in range(0, 18, 4)]
    records += [use_of_force("A900", d) for d in (3, 17, 33, 60)]
    records += [complaint("B800", d) for d in (10, 50, 90, 140)]
    return records


def _event(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return document


@pytest.fixture
def adapters(settings: LocalSettings) -> Adapters:
    adapters = aws_adapters(settings)
    adapters.records.put_records(_agency_records(), upload_id="upload-1")
    return adapters


def _queue_messages(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    bodies: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = response.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_scheduled_event_scores_the_agency_and_notifies_each_new_alert(
    score: ModuleType, adapters: Adapters, moto_agency: LocalAgency
) -> None:
    # When the daily schedule fires
    result = score.lambda_handler(_event("eventbridge_scheduled.json"), LocalLambdaContext(FUNCTION_NAME))

    # Then the date is the event's, all twenty officers are scored and the two outliers alerted
    assert result["as_of"] == "2025-06-01"
    assert (result["officers_scored"], result["alerts_created"], result["alerts_published"]) == (20, 2, 2)
    scores = adapters.scores.scores_for(SCHEDULED_DAY)
    assert len(scores) == 20
    assert {s.model_id for s in scores} == {result["model_id"]}

    resources = moto_agency.resources
    items = boto3.client("dynamodb").scan(TableName=resources.table(Table.ALERTS))["Items"]
    # Opaque ids, keyed with the agency's KMS audit key: neither officer nor date shows
    ids = AlertIds(adapters.audit.key, "testville")
    a900, b800 = ids.make("A900", SCHEDULED_DAY), ids.make("B800", SCHEDULED_DAY)
    assert sorted(item["alert_id"]["S"] for item in items) == sorted([a900, b800])
    assert all(Alert.is_opaque_id(i) and "A900" not in i.upper() and "2025" not in i for i in (a900, b800))
    alert = adapters.alerts.get_alert(a900)
    assert alert is not None and alert.officer_id == "A900"
    assert alert.status is AlertStatus.NEW
    assert "4 use-of-force reports in the last 90 days" in alert.explanation

    body = boto3.client("s3").get_object(Bucket=resources.bucket(Bucket.ARTIFACTS), Key="runs/2025-06-01/report.json")[
        "Body"
    ]
    report = json.loads(body.read())
    assert report["model_id"] == result["model_id"]
    assert report["counts"]["officers_scored"] == 20

    messages = _queue_messages(moto_agency.notify_queue_url)
    assert sorted((m["alert_id"], m["level"]) for m in messages) == sorted([(a900, "critical"), (b800, "critical")])
    assert {m["type"] for m in messages} == {"alert.created"}
    assert [r.action for r in adapters.audit.records()] == ["score.apply", "score.run"]  # before and after


def test_a_redelivered_event_publishes_nothing_new(
    score: ModuleType, adapters: Adapters, moto_agency: LocalAgency
) -> None:
    event = _event("eventbridge_scheduled.json")
    score.lambda_handler(event, LocalLambdaContext(FUNCTION_NAME))
    _queue_messages(moto_agency.notify_queue_url)
    ids_before = sorted(alert.alert_id for alert in adapters.alerts.list_alerts())
    score._service.cache_clear()  # a fresh Lambda (cold start): the keyed ids come out the same

    again = score.lambda_handler(event, LocalLambdaContext(FUNCTION_NAME))

    assert (again["alerts_created"], again["alerts_existing"], again["alerts_published"]) == (0, 2, 0)
    assert _queue_messages(moto_agency.notify_queue_url) == []
    assert sorted(alert.alert_id for alert in adapters.alerts.list_alerts()) == ids_before


def test_an_on_demand_event_scores_the_date_it_names(score: ModuleType, adapters: Adapters) -> None:
    # Given an on-demand event sent in July asking for 1 June
    result = score.lambda_handler(_event("eventbridge_on_demand.json"), LocalLambdaContext(FUNCTION_NAME))

    assert result["as_of"] == "2025-06-01"
    assert len(adapters.scores.scores_for(SCHEDULED_DAY)) == 20


@pytest.mark.filterwarnings("ignore:No application metrics")
def test_a_malformed_date_is_refused_before_anything_is_scored(score: ModuleType, adapters: Adapters) -> None:
    event = _event("eventbridge_on_demand.json")
    event["detail"] = {"as_of": "first of June"}

    with pytest.raises(ValidationError, match="as_of"):
        score.lambda_handler(event, LocalLambdaContext(FUNCTION_NAME))

    assert adapters.scores.scores_for(SCHEDULED_DAY) == []


def test_retrain_event_stores_a_model_the_next_scheduled_run_uses(
    score: ModuleType, settings: LocalSettings, moto_agency: LocalAgency
) -> None:
    from tests.builders import rule_blind_agency

    # Given an agency with seven years of history, on which a model beats its threshold rule (the retrain's
    # backtest requires it before promoting), and a small model spec in its bucket
    adapters = aws_adapters(settings)
    adapters.records.put_records(rule_blind_agency(120), upload_id="upload-1")
    adapters.artifacts.put_json("models/spec.json", {"parameters": {"min_samples_leaf": 20, "max_iter": 20}})
    event = _event("eventbridge_scheduled.json")
    # When the retraining job's event arrives
    trained = score.lambda_handler(event | {"detail": {"job": "retrain"}}, LocalLambdaContext(FUNCTION_NAME))
    # Then the model and its card are in the artifacts bucket, and the daily run scores with it
    assert trained["model_id"].startswith("model-") and trained["cutoff"] == "2025-06-01"
    assert adapters.artifacts.get_json("models/current.json")["model_id"] == trained["model_id"]
    result = score.lambda_handler(event, LocalLambdaContext(FUNCTION_NAME))
    report = adapters.artifacts.get_json("runs/2025-06-01/report.json")
    assert report["scorer"] == "model" and trained["model_id"] in report["scorer_note"]
    assert result["officers_scored"] == 120


def test_audit_export_job_copies_new_audit_records_to_the_audit_bucket_once(
    score: ModuleType, adapters: Adapters, moto_agency: LocalAgency
) -> None:
    # Given a scoring run, which writes audit records
    score.lambda_handler(_event("eventbridge_scheduled.json"), LocalLambdaContext(FUNCTION_NAME))
    written = len(adapters.audit.records())
    assert written >= 1

    # When the audit-export schedule fires twice
    first = score.lambda_handler(_event("eventbridge_audit_export.json"), LocalLambdaContext(FUNCTION_NAME))
    second = score.lambda_handler(_event("eventbridge_audit_export.json"), LocalLambdaContext(FUNCTION_NAME))

    # Then the first exports every record to the audit bucket and the second finds nothing new
    assert (first["exported"], first["head_seq"]) == (written, written)
    assert second["exported"] == 0
    bucket = moto_agency.resources.bucket(Bucket.AUDIT)
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert any(key.endswith(".jsonl") for key in keys)


def test_agency_rule_thresholds_from_the_environment_change_who_is_alerted(
    score: ModuleType, adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an agency that alerts on use of force only from 5 reports in 90 days (critical from 6)
    monkeypatch.setenv("EIS_RULE_THRESHOLDS", json.dumps({"force_90d": {"warning": 5, "critical": 6}}))
    score._service.cache_clear()

    # When the daily schedule fires
    score.lambda_handler(_event("eventbridge_scheduled.json"), LocalLambdaContext(FUNCTION_NAME))

    # Then A900's four reports no longer fire the force rule
    alert = adapters.alerts.get_alert("2025-06-01-A900")
    assert alert is None or all(hit.rule_id != "force_90d" for hit in alert.rules)


def test_thresholds_for_a_rule_that_does_not_exist_are_refused() -> None:
    from eis_core.scoring.pipeline import ScoringConfig

    with pytest.raises(ValueError, match="unknown rules: force_9d"):
        ScoringConfig().with_rule_thresholds({"force_9d": {"warning": 2}})


def test_the_curate_job_stores_frames_the_next_runs_reuse_until_an_upload_changes_the_records(
    score: ModuleType, adapters: Adapters
) -> None:
    event = _event("eventbridge_scheduled.json")
    # Given the curate job ran after the night's uploads
    built = score.lambda_handler(event | {"detail": {"job": "curate"}}, LocalLambdaContext(FUNCTION_NAME))
    assert built["events"] == 5 + 4 + 4  # five spread force reports, A900's four, B800's four complaints
    # When the daily run scores
    score.lambda_handler(event, LocalLambdaContext(FUNCTION_NAME))
    # Then it read the snapshot rather than scanning the records
    assert adapters.artifacts.get_json("runs/2025-06-01/report.json")["records"]["source"] == "snapshot"

    # Given a correction uploaded afterwards: A003 now has four uses of force this quarter
    adapters.records.put_records([use_of_force("A003", d) for d in (5, 15, 25, 35)], upload_id="upload-2")
    # When an on-demand run scores the same day again
    score.lambda_handler(event, LocalLambdaContext(FUNCTION_NAME))
    # Then the stale snapshot was rebuilt from the records, and the new reports raised A003's alert
    report = adapters.artifacts.get_json("runs/2025-06-01/report.json")
    assert report["records"]["source"] == "records"
    assert adapters.alerts.get_alert(AlertIds(adapters.audit.key, "testville").make("A003", SCHEDULED_DAY)) is not None
