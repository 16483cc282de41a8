"""Key properties of each agency's synthesised stack (not resource counts)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eis_core.settings import FUNCTION_SETTINGS
from eis_core.storage.schema import TABLE_SPECS, Bucket, Table
from infra.layer import FUNCTION_LAYERS
from tests.infrastructure.conftest import Synth

FUNCTIONS = ("ingest", "score", "notify", "cases_api")


def _function(synth: Synth, agency_id: str, name: str) -> dict[str, Any]:
    wanted = synth.agencies_by_id[agency_id].resources.function(name.replace("_", "-"))
    props: dict[str, Any]
    [props] = [
        r["Properties"]
        for r in synth.resources(agency_id, "AWS::Lambda::Function").values()
        if r["Properties"].get("FunctionName") == wanted
    ]
    return props


def _policies_of_function(synth: Synth, agency_id: str, name: str) -> dict[str, dict[str, Any]]:
    """Every policy (inline or managed) attached to the function's role, by logical id."""
    role_ref = {"Ref": _function(synth, agency_id, name)["Role"]["Fn::GetAtt"][0]}
    return {
        logical_id: policy
        for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
        for logical_id, policy in synth.resources(agency_id, kind).items()
        if role_ref in policy["Properties"].get("Roles", [])
    }


def _statements_of_function(synth: Synth, agency_id: str, name: str) -> list[dict[str, Any]]:
    """Every Allow statement in the policies attached to the function's role."""
    statements = []
    for policy in _policies_of_function(synth, agency_id, name).values():
        statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions_on(statements: list[dict[str, Any]], logical_id: str) -> set[str]:
    """Actions granted on resources derived from ``logical_id`` (its ARN or its objects)."""
    found: set[str] = set()
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if any(logical_id in json.dumps(resource) for resource in resources):
            found |= set(actions)
    return found


def _logical_id(synth: Synth, agency_id: str, resource_type: str, name_key: str, name: str) -> str:
    [logical_id] = [
        lid for lid, r in synth.resources(agency_id, resource_type).items() if r["Properties"].get(name_key) == name
    ]
    return logical_id


@pytest.fixture(scope="module", params=["springfield", "shelbyville"])
def agency_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_kms_key_rotates_and_is_retained(synth: Synth, agency_id: str) -> None:
    keys = synth.resources(agency_id, "AWS::KMS::Key")

    assert keys
    for key in keys.values():
        assert key["DeletionPolicy"] == "Retain"
        if key["Properties"].get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT":
            assert key["Properties"]["EnableKeyRotation"] is True
        # KMS rotates only symmetric encryption keys automatically; the HMAC audit key cannot rotate.


def test_the_audit_chain_is_signed_with_an_hmac_key_only_the_functions_use(synth: Synth, agency_id: str) -> None:
    resources = synth.agencies_by_id[agency_id].resources
    hmac_keys = {
        lid: key
        for lid, key in synth.resources(agency_id, "AWS::KMS::Key").items()
        if key["Properties"].get("KeySpec") == "HMAC_256"
    }
    [(audit_key, props)] = [(lid, key["Properties"]) for lid, key in hmac_keys.items()]
    aliases = synth.resources(agency_id, "AWS::KMS::Alias")
    grants = {name: _statements_of_function(synth, agency_id, name) for name in FUNCTIONS}
    table = _logical_id(synth, agency_id, "AWS::DynamoDB::Table", "TableName", resources.table(Table.AUDIT))

    assert props["KeyUsage"] == "GENERATE_VERIFY_MAC"
    assert any(
        a["Properties"]["AliasName"] == resources.audit_key_alias
        and audit_key in json.dumps(a["Properties"]["TargetKeyId"])
        for a in aliases.values()
    )
    for name, statements in grants.items():
        on_key = _actions_on(statements, audit_key)
        # Every function appends (signs); only the case API (GET /audit) and the exporter (score) verify.
        assert on_key == (
            {"kms:GenerateMac", "kms:VerifyMac"} if name in ("cases_api", "score") else {"kms:GenerateMac"}
        )
        assert audit_key in json.dumps(
            _function(synth, agency_id, name)["Environment"]["Variables"]["EIS_AUDIT_KEY_ID"]
        )
        # UpdateItem on the audit table: only the ticket counter's partition, never a record.
        updates = [s for s in statements if "dynamodb:UpdateItem" in s["Action"] and table in json.dumps(s["Resource"])]
        assert updates and all(
            s["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [f"{agency_id}#sequence"]}}
            for s in updates
        )


def test_buckets_are_private_versioned_encrypted_and_ssl_only(synth: Synth, agency_id: str) -> None:
    buckets = synth.resources(agency_id, "AWS::S3::Bucket")
    policies = synth.resources(agency_id, "AWS::S3::BucketPolicy")
    resources = synth.agencies_by_id[agency_id].resources
    data_buckets = {resources.bucket(b) for b in Bucket}

    assert data_buckets <= {b["Properties"]["BucketName"] for b in buckets.values()}
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        if props["BucketName"] in data_buckets:
            assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
            assert "KMSMasterKeyID" in encryption["ServerSideEncryptionByDefault"]
            assert props["LoggingConfiguration"]["DestinationBucketName"]
        [policy] = [p for p in policies.values() if p["Properties"]["Bucket"] == {"Ref": logical_id}]
        denies_plain_http = [
            s
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denies_plain_http, f"{props['BucketName']} accepts plain HTTP"


def test_audit_bucket_locks_objects(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    [audit] = [
        b["Properties"]
        for b in synth.resources(agency_id, "AWS::S3::Bucket").values()
        if b["Properties"]["BucketName"] == config.resources.bucket(Bucket.AUDIT)
    ]

    assert audit["ObjectLockEnabled"] is True
    retention = audit["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == config.audit_lock_mode
    assert retention["Days"] == config.audit_retention_days


@pytest.mark.parametrize("table", list(Table))
def test_tables_match_shared_schema_with_pitr_kms_and_protection(synth: Synth, agency_id: str, table: Table) -> None:
    name = synth.agencies_by_id[agency_id].resources.table(table)
    expected = TABLE_SPECS[table].create_table_kwargs(name)
    [resource] = [
        r for r in synth.resources(agency_id, "AWS::DynamoDB::Table").values() if r["Properties"]["TableName"] == name
    ]
    props = resource["Properties"]

    assert props["KeySchema"] == expected["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
    for index in expected.get("GlobalSecondaryIndexes", []):
        assert indexes.pop(index["IndexName"])["KeySchema"] == index["KeySchema"]
    assert not indexes, "indexes in the stack that the schema does not define"
    ttl = TABLE_SPECS[table].ttl_attribute
    assert props.get("TimeToLiveSpecification") == ({"AttributeName": ttl, "Enabled": True} if ttl else None)
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["SSESpecification"]["SSEType"] == "KMS"
    assert props["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_run_python313_traced_with_an_environment_settings_accepts(
    synth: Synth, agency_id: str, name: str
) -> None:
    props = _function(synth, agency_id, name)
    env = props["Environment"]["Variables"]

    assert props["Runtime"] == "python3.13"
    assert props["Handler"] == "handler.lambda_handler"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["ReservedConcurrentExecutions"] >= 1
    assert "KmsKeyArn" in props
    assert len(props["Layers"]) == len(FUNCTION_LAYERS[name])
    # Each function gets the variables of its own settings model, and none it does not read.
    for variable, readers in {
        "EIS_ALERTS_TOPIC_ARN": {"score"},
        "EIS_SENDER_EMAIL": {"notify"},
        "EIS_PORTAL_URL": {"notify", "cases_api"},
        "EIS_AUDIT_KEY_ID": set(FUNCTIONS),
        "EIS_REVIEW_DAYS": {"notify", "cases_api"},
        "EIS_ALERT_TOP_SHARE": {"score"},
        "POWERTOOLS_SERVICE_NAME": set(FUNCTIONS),
    }.items():
        assert (variable in env) == (name in readers), variable
    model = FUNCTION_SETTINGS[name]
    assert {v for v in env if v.startswith("EIS_")} == {f.alias for f in model.model_fields.values()}
    # What the handler will parse at cold start (deploy-time tokens stand in as strings).
    settings = model.from_env({k: v if isinstance(v, str) else "token" for k, v in env.items()})
    assert settings.agency_id == agency_id
    assert env == env | synth.agencies_by_id[agency_id].resources.environment()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_logs_are_kms_encrypted_and_kept_a_year(synth: Synth, agency_id: str, name: str) -> None:
    props = _function(synth, agency_id, name)
    log_group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = synth.templates[agency_id]["Resources"][log_group_id]["Properties"]

    assert "KmsKeyId" in log_group
    assert log_group["RetentionInDays"] >= 365


def test_async_functions_have_dead_letter_queues(synth: Synth, agency_id: str) -> None:
    for name in ("ingest", "score"):
        assert "TargetArn" in _function(synth, agency_id, name)["DeadLetterConfig"]


def test_api_requires_cognito_on_every_method_except_cors_preflight(synth: Synth, agency_id: str) -> None:
    [authorizer_id] = [
        lid
        for lid, r in synth.resources(agency_id, "AWS::ApiGateway::Authorizer").items()
        if r["Properties"]["Type"] == "COGNITO_USER_POOLS"
    ]
    methods = synth.resources(agency_id, "AWS::ApiGateway::Method").values()

    assert methods
    portal_files = 0
    for method in methods:
        props = method["Properties"]
        if props["HttpMethod"] == "OPTIONS":
            assert props["Integration"]["Type"] == "MOCK"
            # The preflight lets through every request header the case API reads (If-Match, Idempotency-Key).
            [answer] = props["Integration"]["IntegrationResponses"]
            allowed = answer["ResponseParameters"]["method.response.header.Access-Control-Allow-Headers"]
            assert {"Authorization", "Content-Type", "If-Match", "Idempotency-Key"} <= set(
                allowed.strip("'").split(",")
            )
        elif props["AuthorizationType"] == "NONE":
            # The portal's own files (sign-in page, bundles, sign-in settings): read-only, from its bucket or
            # a fixed answer, never the case API (tests/infrastructure/test_portal_site.py has the detail).
            assert props["HttpMethod"] == "GET"
            assert props["Integration"]["Type"] in {"AWS", "MOCK"}
            assert "AuthorizerId" not in props
            portal_files += 1
        else:
            assert props["AuthorizationType"] == "COGNITO_USER_POOLS"
            assert props["AuthorizerId"] == {"Ref": authorizer_id}
            assert props["Integration"]["Type"] == "AWS_PROXY"
    assert portal_files == 5  # /, /index.html, /assets/{path+}, /assets/media/{path+}, /config.json


def test_api_is_regional_throttled_logged_and_behind_waf(synth: Synth, agency_id: str) -> None:
    [api] = synth.resources(agency_id, "AWS::ApiGateway::RestApi").values()
    [stage] = synth.resources(agency_id, "AWS::ApiGateway::Stage").values()
    throttle = synth.agencies_by_id[agency_id].api_throttle

    assert api["Properties"]["EndpointConfiguration"]["Types"] == ["REGIONAL"]
    assert stage["Properties"]["AccessLogSetting"]["DestinationArn"]
    assert stage["Properties"]["TracingEnabled"] is True
    [settings] = stage["Properties"]["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == throttle.rate_limit
    assert settings["ThrottlingBurstLimit"] == throttle.burst_limit
    assert settings["DataTraceEnabled"] is False
    assert synth.resources(agency_id, "AWS::WAFv2::WebACLAssociation")


def test_user_pool_requires_mfa_and_admin_invitation(synth: Synth, agency_id: str) -> None:
    [pool] = synth.resources(agency_id, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    schema = {attribute["Name"]: attribute for attribute in props["Schema"]}
    groups = {g["Properties"]["GroupName"] for g in synth.resources(agency_id, "AWS::Cognito::UserPoolGroup").values()}
    [client] = synth.resources(agency_id, "AWS::Cognito::UserPoolClient").values()

    assert props["MfaConfiguration"] == "ON"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] >= 14
    assert schema["agency_id"]["Mutable"] is False
    assert schema["officer_id"]["Mutable"] is False
    assert groups == {"supervisor", "risk_manager", "auditor", "admin", "command"}
    assert client["Properties"]["AccessTokenValidity"] <= 60
    assert client["Properties"]["TokenValidityUnits"]["AccessToken"] == "minutes"
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["Properties"]["ExplicitAuthFlows"]


def test_triggers_reach_the_right_functions(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    functions = {
        name: _logical_id(
            synth, agency_id, "AWS::Lambda::Function", "FunctionName", config.resources.function(name.replace("_", "-"))
        )
        for name in FUNCTIONS
    }

    [notification] = synth.resources(agency_id, "Custom::S3BucketNotifications").values()
    [s3_trigger] = notification["Properties"]["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert s3_trigger["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "incoming/"}]
    assert functions["ingest"] in json.dumps(s3_trigger["LambdaFunctionArn"])

    rules = {r["Properties"]["Name"]: r["Properties"] for r in synth.resources(agency_id, "AWS::Events::Rule").values()}
    score_rule = rules[f"{config.resources.prefix}-score"]
    assert score_rule["ScheduleExpression"] == f"cron({config.score_schedule})"
    assert functions["score"] in json.dumps(score_rule["Targets"])

    [mapping] = synth.resources(agency_id, "AWS::Lambda::EventSourceMapping").values()
    assert mapping["Properties"]["FunctionName"] == {"Ref": functions["notify"]}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue_id = _logical_id(synth, agency_id, "AWS::SQS::Queue", "QueueName", config.resources.notify_queue)
    assert queue_id in json.dumps(mapping["Properties"]["EventSourceArn"])

    [subscription] = [
        s for s in synth.resources(agency_id, "AWS::SNS::Subscription").values() if s["Properties"]["Protocol"] == "sqs"
    ]
    assert subscription["Properties"]["Protocol"] == "sqs"
    assert subscription["Properties"]["RawMessageDelivery"] is True
    assert queue_id in json.dumps(subscription["Properties"]["Endpoint"])


def test_queues_and_topic_are_kms_encrypted_and_work_queue_has_dlq(synth: Synth, agency_id: str) -> None:
    config = synth.agencies_by_id[agency_id]
    queues = synth.resources(agency_id, "AWS::SQS::Queue").values()
    topics = synth.resources(agency_id, "AWS::SNS::Topic").values()

    assert all("KmsMasterKeyId" in q["Properties"] for q in queues)
    assert topics
    assert all("KmsMasterKeyId" in t["Properties"] for t in topics)
    [notify_queue] = [q for q in queues if q["Properties"].get("QueueName") == config.resources.notify_queue]
    assert notify_queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 1


def test_grants_follow_each_functions_job(synth: Synth, agency_id: str) -> None:
    resources = synth.agencies_by_id[agency_id].resources
    table = {t: _logical_id(synth, agency_id, "AWS::DynamoDB::Table", "TableName", resources.table(t)) for t in Table}
    bucket = {b: _logical_id(synth, agency_id, "AWS::S3::Bucket", "BucketName", resources.bucket(b)) for b in Bucket}
    topic = _logical_id(synth, agency_id, "AWS::SNS::Topic", "TopicName", resources.alerts_topic)
    grants = {name: _statements_of_function(synth, agency_id, name) for name in FUNCTIONS}

    for name, statements in grants.items():
        actions = {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
        assert not [a for a in actions if "*" in a], f"{name} has wildcard actions"
        # The audit trail is append-only for everyone (UpdateItem only on the ticket counter: see above).
        unconditional = [s for s in statements if "Condition" not in s]
        assert not _actions_on(unconditional, table[Table.AUDIT]) & {"dynamodb:UpdateItem", "dynamodb:DeleteItem"}
        assert "dynamodb:DeleteItem" not in _actions_on(statements, table[Table.AUDIT])
        # Only ingest sees raw uploads.
        assert bool(_actions_on(statements, bucket[Bucket.UPLOADS])) == (name == "ingest")
        assert ("sns:Publish" in _actions_on(statements, topic)) == (name == "score")
        assert ("ses:SendEmail" in actions) == (name == "notify")
    assert "dynamodb:PutItem" not in _actions_on(grants["cases_api"], table[Table.RECORDS])
    assert "dynamodb:PutItem" not in _actions_on(grants["notify"], table[Table.CASES])
    # The case API and the notifier list officers through the records table's roster index.
    for name in ("cases_api", "notify"):
        assert _may_query_index(grants[name], table[Table.RECORDS], "roster"), f"{name} cannot read the roster"
    # The officer snapshot reads each store by officer, never by scanning.
    for store in (Table.RECORDS, Table.SCORES, Table.ALERTS, Table.CASES):
        assert _may_query_index(grants["cases_api"], table[store], "by_officer"), f"snapshot cannot read {store}"
    # The case API lists alerts and cases through their indexes and keeps Idempotency-Key records.
    for index in ("by_status_due", "by_supervisor_due", "by_officer_due"):
        assert _may_query_index(grants["cases_api"], table[Table.CASES], index), f"cases_api cannot query {index}"
    assert _may_query_index(grants["cases_api"], table[Table.ALERTS], "by_status")
    assert "dynamodb:PutItem" in _actions_on(grants["cases_api"], table[Table.IDEMPOTENCY])


def _may_query_index(statements: list[dict[str, Any]], table_logical_id: str, index: str) -> bool:
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = json.dumps(statement["Resource"])
        if "dynamodb:Query" in actions and table_logical_id in resources and f"/index/{index}" in resources:
            return True
    return False


def test_templates_use_no_literal_commercial_partition(synth: Synth) -> None:
    for agency_id, template in synth.templates.items():
        assert "arn:aws:" not in json.dumps(template), f"{agency_id} hard-codes the aws partition"


def test_two_agencies_share_no_resource_names(synth: Synth, agency_ids: list[str]) -> None:
    name_keys = (
        "BucketName",
        "TableName",
        "FunctionName",
        "RoleName",
        "AliasName",
        "TopicName",
        "QueueName",
        "UserPoolName",
        "LogGroupName",
        "LayerName",
        "Name",
    )

    def names(agency_id: str) -> set[str]:
        found = set()
        for resource in synth.templates[agency_id]["Resources"].values():
            for key in name_keys:
                value = resource.get("Properties", {}).get(key)
                if isinstance(value, str):
                    found.add(value)
        return found

    first, second = (names(agency_id) for agency_id in agency_ids)
    assert len(first) > 20
    assert first.isdisjoint(second), first & second
