"""Isolation rules between agency stacks, as functions so the two- and ten-agency syntheses share them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from infra.components.functions import XRAY_WRITE
from infra.config import AgencyConfig

# Properties naming a physical resource (or a grouping that must be per agency).
_NAME_KEYS = frozenset(
    {
        "AliasName",
        "BackupPlanName",
        "BackupSelectionName",
        "BackupVaultName",
        "BucketName",
        "ClientName",
        "FunctionName",
        "LayerName",
        "LogGroupName",
        "ManagedPolicyName",
        "Name",
        "QueueName",
        "RoleName",
        "TableName",
        "TopicName",
        "UserPoolName",
    }
)


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def physical_names(template: dict[str, Any]) -> set[str]:
    names = set()
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        for key in _NAME_KEYS & set(props):
            if isinstance(props[key], str):
                names.add(props[key])
        if resource["Type"] == "AWS::BackupPlan" or resource["Type"].startswith("AWS::Backup::"):
            for node in _walk(props):
                if isinstance(node, dict):
                    names |= {v for k, v in node.items() if k in _NAME_KEYS and isinstance(v, str)}
    return names


def assert_share_nothing(templates: dict[str, dict[str, Any]]) -> None:
    """No physical name of one agency appears anywhere in another agency's template; nothing is imported."""
    names = {agency_id: physical_names(template) for agency_id, template in templates.items()}
    for agency_id, template in templates.items():
        text = json.dumps(template)
        assert "Fn::ImportValue" not in text, f"{agency_id} imports a value from another stack"
        assert not any("Export" in output for output in template.get("Outputs", {}).values()), (
            f"{agency_id} exports a value another stack could import"
        )
        for other, other_names in names.items():
            if other == agency_id:
                continue
            shared = names[agency_id] & other_names
            assert not shared, f"{agency_id} and {other} both name {sorted(shared)}"
            mentioned = sorted(name for name in other_names if name in text)
            assert not mentioned, f"{agency_id}'s template mentions {other}'s {mentioned}"


def _policy_documents(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("PolicyDocument", "KeyPolicy"):
            if key in props:
                yield logical_id, props[key]
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                yield logical_id, policy["PolicyDocument"]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _literals(value: Any) -> list[str]:
    return [node for node in _walk(value) if isinstance(node, str)]


def _reads_one_cdk_asset(config: AgencyConfig, statement: dict[str, Any], resource: Any) -> bool:
    """Reading one content-addressed deploy asset (the portal build's zip) from the account's CDK bucket.

    The bootstrap bucket (``cdk-<qualifier>-assets-<account>-<region>``) is the account's, shared by its
    stacks, so it carries no agency prefix; an object named by the hash of its content reveals nothing else.
    """
    asset = rf":s3:::cdk-[a-z0-9]+-assets-{config.account}-{config.region}/[0-9a-f]{{64}}\.zip"
    literals = [lit for lit in _literals(resource) if lit.count(":") >= 3]
    return (
        set(_as_list(statement["Action"])) == {"s3:GetObject"}
        and bool(literals)
        and all(re.fullmatch(asset, lit) for lit in literals)
    )


def assert_policies_stay_inside(config: AgencyConfig, template: dict[str, Any]) -> None:
    """Every IAM, key, bucket, queue and topic policy of one agency names only that agency's resources.

    A resource is either this template's own (Ref/GetAtt), an ARN literal in this agency's account whose
    name carries this agency's prefix or sender address, '*' where AWS allows nothing narrower (X-Ray
    writes; a key policy's "this key"), or one content-hashed asset object in this account's CDK bucket
    (the portal publisher reads the build's zip). Principals are AWS services or this account, never another.
    """
    own_markers = (config.resources.prefix, config.sender_email)
    resource_ids = set(template["Resources"])
    for logical_id, document in _policy_documents(template):
        is_key_policy = template["Resources"][logical_id]["Type"] == "AWS::KMS::Key"
        for statement in _as_list(document["Statement"]):
            where = f"{logical_id}: {json.dumps(statement)[:300]}"
            if statement.get("Effect") == "Deny":
                continue
            principal = statement.get("Principal", {})
            assert isinstance(principal, dict), f"allows anyone: {where}"
            for aws_principal in _as_list(principal.get("AWS", [])):
                accounts = [lit for lit in _literals(aws_principal) if ":iam::" in lit]
                assert accounts, f"unrecognised principal in {where}"
                assert all(f":iam::{config.account}:" in lit for lit in accounts), where
            for resource in _as_list(statement.get("Resource", [])):
                if resource == "*":
                    actions = set(_as_list(statement["Action"]))
                    assert is_key_policy or actions <= set(XRAY_WRITE), where
                    continue
                if _reads_one_cdk_asset(config, statement, resource):
                    continue
                refs = [
                    node.get("Ref") or node.get("Fn::GetAtt", [None])[0]
                    for node in _walk(resource)
                    if isinstance(node, dict) and ("Ref" in node or "Fn::GetAtt" in node)
                ]
                own_refs = [ref for ref in refs if ref in resource_ids]
                arn_literals = [lit for lit in _literals(resource) if lit.count(":") >= 3]
                for literal in arn_literals:
                    assert f":{config.account}:" in literal, f"another account in {where}"
                assert own_refs or any(marker in lit for lit in _literals(resource) for marker in own_markers), (
                    f"resource not recognisably {config.agency_id}'s: {where}"
                )


def assert_api_trusts_only_its_own_user_pool(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    pools = {lid for lid, r in resources.items() if r["Type"] == "AWS::Cognito::UserPool"}
    authorizers = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Authorizer"]

    assert len(pools) == 1
    assert authorizers
    for authorizer in authorizers:
        assert authorizer["Type"] == "COGNITO_USER_POOLS"
        assert authorizer["ProviderARNs"] == [{"Fn::GetAtt": [next(iter(pools)), "Arn"]}]
