"""Schedules, alarms, WAF logging, backups, retention and the platform stack, as synthesised."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eis_core.settings import CasesApiSettings, NotifySettings
from eis_core.storage.schema import Bucket, Table
from infra.stack import scheduled_jobs
from tests.infrastructure.conftest import Synth
from tests.infrastructure.test_stack import FUNCTIONS, _function, _logical_id, _policies_of_function

_SCHEDULED_ENVELOPE = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}


@pytest.fixture(scope="module", params=["springfield", "shelbyville"])
def agency_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _function_id(synth: Synth, agency_id: str, name: str) -> str:
    config = synth.agencies_by_id[agency_id]
    return _logical_id(
        synth, agency_id, "AWS::Lambda::Function", "FunctionName", config.resources.function(name.replace("_", "-"))
    )


def _input_of(target: dict[str, Any]) -> dict[str, Any] | None:
    """The event the function receives, with EventBridge's placeholders filled as it would fill them."""
    transformer = target.get("InputTransformer")
    if transformer is None:
        return None
    text = transformer["InputTemplate"]
    for placeholder in transformer["InputPathsMap"]:
        text = text.replace(f"<{placeholder}>", json.dumps("2025-06-01T06:00:00Z" if placeholder == "time" else "x"))
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def test_each_schedule_sends_its_job_to_the_right_function(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    rules = {r["Properties"]["Name"]: r["Properties"] for r in synth.resources(agency_id, "AWS::Events::Rule").values()}
    expected = {
        "score": ("score", config.score_schedule, None),
        "retrain": ("score", config.retrain_schedule, "retrain"),
        "curate": ("score", config.curate_schedule, "curate"),
        "audit-export": ("score", config.audit_export_schedule, "audit-export"),
        "deadline-sweep": ("notify", config.deadline_sweep_schedule, "deadline-sweep"),
    }

    assert {job.job for job in scheduled_jobs(config)} == set(expected)
    # The backtest has no schedule of its own: every retraining runs it before promoting.
    assert not [r for r in rules.values() if "backtest" in json.dumps(r["Targets"])]
    for job, (function, cron, payload_job) in expected.items():
        rule = rules[f"{config.resources.prefix}-{job}"]
        [target] = rule["Targets"]
        assert rule["ScheduleExpression"] == f"cron({cron})"
        assert target["Arn"] == {"Fn::GetAtt": [_function_id(synth, agency_id, function), "Arn"]}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        event = _input_of(target)
        if payload_job is None:
            assert event is None, "the scoring run receives EventBridge's own scheduled event"
        else:
            assert event is not None
            assert set(event) == _SCHEDULED_ENVELOPE, "handlers parse the same envelope as a scheduled event"
            assert event["detail"] == {"job": payload_job}


def test_every_function_and_dead_letter_queue_raises_an_alarm_to_operations(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    alarms = [a["Properties"] for a in synth.resources(agency_id, "AWS::CloudWatch::Alarm").values()]
    topic = _logical_id(synth, agency_id, "AWS::SNS::Topic", "TopicName", f"{config.resources.prefix}-operations")
    watched = {
        (alarm["MetricName"], json.dumps(alarm.get("Dimensions", []))) for alarm in alarms if "MetricName" in alarm
    }

    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": topic}]
        assert alarm["Threshold"] == 1
    for name in FUNCTIONS:
        dimension = json.dumps([{"Name": "FunctionName", "Value": {"Ref": _function_id(synth, agency_id, name)}}])
        assert ("Errors", dimension) in watched, f"{name} errors raise no alarm"
        assert ("Throttles", dimension) in watched, f"{name} throttles raise no alarm"
    dead_letter_queues = [
        lid
        for lid, q in synth.resources(agency_id, "AWS::SQS::Queue").items()
        if "RedrivePolicy" not in q["Properties"]  # a queue without a redrive policy is itself a DLQ
    ]
    assert len(dead_letter_queues) >= 2
    for queue in dead_letter_queues:
        assert any(
            metric == "ApproximateNumberOfMessagesVisible" and queue in dimensions for metric, dimensions in watched
        ), f"{queue} fills silently"
    subscribed = {
        s["Properties"]["Endpoint"]
        for s in synth.resources(agency_id, "AWS::SNS::Subscription").values()
        if s["Properties"]["TopicArn"] == {"Ref": topic}
    }
    assert subscribed == set(config.operations_emails)


def test_every_function_invoked_asynchronously_has_a_dead_letter_queue(synth: Synth, agency_id: str) -> None:
    # Scheduled and S3-triggered functions are invoked asynchronously; cases_api only synchronously.
    for name in ("ingest", "score", "notify"):
        props = _function(synth, agency_id, name)
        assert "TargetArn" in props["DeadLetterConfig"], name


def test_waf_logs_every_request_encrypted_without_bearer_tokens(synth: Synth, agency_id: str) -> None:
    [logging] = synth.resources(agency_id, "AWS::WAFv2::LoggingConfiguration").values()
    [web_acl] = synth.resources(agency_id, "AWS::WAFv2::WebACL")
    log_groups = {
        g["Properties"]["LogGroupName"]: g["Properties"]
        for g in synth.resources(agency_id, "AWS::Logs::LogGroup").values()
    }

    props = logging["Properties"]
    assert props["ResourceArn"] == {"Fn::GetAtt": [web_acl, "Arn"]}
    [destination] = props["LogDestinationConfigs"]
    [name] = [n for n in log_groups if n.startswith("aws-waf-logs-") and n in json.dumps(destination)]
    assert "KmsKeyId" in log_groups[name]
    assert log_groups[name]["RetentionInDays"] >= 365
    assert {"SingleHeader": {"Name": "authorization"}} in props["RedactedFields"]


def test_tables_are_backed_up_to_the_agencys_own_encrypted_vault(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    [vault] = synth.resources(agency_id, "AWS::Backup::BackupVault").values()
    [plan] = synth.resources(agency_id, "AWS::Backup::BackupPlan").values()
    [selection] = synth.resources(agency_id, "AWS::Backup::BackupSelection").values()
    [key] = [  # the agency's encryption key (the other is the HMAC audit-signing key)
        lid for lid, k in synth.resources(agency_id, "AWS::KMS::Key").items() if "KeySpec" not in k["Properties"]
    ]
    tables = {
        _logical_id(synth, agency_id, "AWS::DynamoDB::Table", "TableName", config.resources.table(t)) for t in Table
    }

    assert vault["Properties"]["EncryptionKeyArn"] == {"Fn::GetAtt": [key, "Arn"]}
    assert vault["DeletionPolicy"] == "Retain"
    [rule] = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["Lifecycle"]["DeleteAfterDays"] == config.backup_retention_days
    selected = json.dumps(selection["Properties"]["BackupSelection"]["Resources"])
    assert all(table in selected for table in tables)


def test_raw_extracts_and_quarantine_expire_but_audit_exports_do_not(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    buckets = {
        b["Properties"]["BucketName"]: b["Properties"] for b in synth.resources(agency_id, "AWS::S3::Bucket").values()
    }

    def expiry(bucket: Bucket) -> int | None:
        rules = buckets[config.resources.bucket(bucket)].get("LifecycleConfiguration", {}).get("Rules", [])
        days = [r["ExpirationInDays"] for r in rules if "ExpirationInDays" in r]
        return days[0] if days else None

    assert expiry(Bucket.UPLOADS) == config.upload_retention_days
    assert expiry(Bucket.QUARANTINE) == config.quarantine_retention_days
    assert expiry(Bucket.AUDIT) is None
    assert expiry(Bucket.ARTIFACTS) is None


def test_only_the_score_function_exports_to_the_audit_bucket_and_nobody_deletes_there(
    synth: Synth, agency_id: str
) -> None:
    config = synth.agencies_by_id[agency_id]
    audit_bucket = _logical_id(synth, agency_id, "AWS::S3::Bucket", "BucketName", config.resources.bucket(Bucket.AUDIT))

    for name in FUNCTIONS:
        granted = set()
        for policy in _policies_of_function(synth, agency_id, name).values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if audit_bucket in json.dumps(statement["Resource"]):
                    action = statement["Action"]
                    granted |= set(action if isinstance(action, list) else [action])
        assert granted == ({"s3:PutObject"} if name == "score" else set()), name


def test_function_permissions_are_one_customer_managed_policy_each(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]

    for name in FUNCTIONS:
        policies = _policies_of_function(synth, agency_id, name)
        [(_, policy)] = policies.items()
        assert policy["Type"] == "AWS::IAM::ManagedPolicy"
        assert policy["Properties"]["ManagedPolicyName"] == config.resources.function(name.replace("_", "-"))
    for role in synth.resources(agency_id, "AWS::IAM::Role").values():
        assert "Policies" not in role["Properties"], "no inline policies on roles"


def test_functions_receive_the_agencys_settings(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]

    def env_of(name: str) -> dict[str, str]:
        env = _function(synth, agency_id, name)["Environment"]["Variables"]
        return {k: v if isinstance(v, str) else "t" for k, v in env.items()}

    # Each setting reaches the functions whose settings model reads it.
    notify = env_of("notify")
    assert notify["EIS_ROUTING_POLICY"] == config.routing_policy.value
    assert notify["EIS_ESCALATION_DAYS"] == str(config.escalation_days)
    thresholds = json.loads(env_of("score")["EIS_RULE_THRESHOLDS"])
    assert thresholds == {rule: t.model_dump(exclude_none=True) for rule, t in config.rule_thresholds.items()}
    assert NotifySettings.from_env(env_of("notify")).review_days == config.review_days
    assert CasesApiSettings.from_env(env_of("cases_api")).review_days == config.review_days


def test_user_pool_tokens_are_short_lived_and_passwords_strong(synth: Synth, agency_id: str) -> None:
    [pool] = synth.resources(agency_id, "AWS::Cognito::UserPool").values()
    [client] = synth.resources(agency_id, "AWS::Cognito::UserPoolClient").values()
    password = pool["Properties"]["Policies"]["PasswordPolicy"]
    props = client["Properties"]

    assert all(password[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert props["IdTokenValidity"] <= 60
    assert props["TokenValidityUnits"]["IdToken"] == "minutes"
    assert props["RefreshTokenValidity"] <= 24 * 60
    assert props["TokenValidityUnits"]["RefreshToken"] == "minutes"
    assert props["EnableTokenRevocation"] is True
    assert pool["Properties"]["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_platform_stack_owns_the_account_logging_role_and_agency_stacks_wait_for_it(synth: Synth) -> None:
    assert set(synth.platform_templates) == {(a.account, a.region) for a in synth.agencies.agencies}
    for template in synth.platform_templates.values():
        [account] = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Account"]
        assert "CloudWatchRoleArn" in account["Properties"]
    for agency_id, template in synth.templates.items():
        assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::ApiGateway::Account"]
        stack = synth.eis.agencies[agency_id]
        config = synth.agencies_by_id[agency_id]
        platform = synth.eis.platforms[(config.account, config.region)]
        assert platform in stack.dependencies
