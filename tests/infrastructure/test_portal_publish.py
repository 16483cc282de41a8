"""`cdk deploy` publishes the built portal (portal/dist) into its private bucket: every file with the headers
the API sends for it, stale files pruned, by a function that may touch that bucket and key and nothing else."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from eis_core.portal_headers import HASHED_ASSET_CACHE, cache_control, content_type
from eis_tools.local.portal_site import PortalSite
from infra.components.portal_publish import PORTAL_DIST, PortalNotBuiltError, PortalPublish, file_kinds
from infra.stack import stack_name
from tests.infrastructure.conftest import Synth
from tests.infrastructure.test_nag import _acknowledgments


@pytest.fixture(scope="module", params=["springfield", "shelbyville"])
def agency_id(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _built_files() -> list[str]:
    return sorted(p.relative_to(PORTAL_DIST).as_posix() for p in PORTAL_DIST.rglob("*") if p.is_file())


def _deployments(synth: Synth, agency_id: str) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in synth.resources(agency_id, "Custom::CDKBucketDeployment").items()}


def _logical_id(synth: Synth, agency_id: str, resource_type: str, prefix: str) -> str:
    [found] = [lid for lid in synth.resources(agency_id, resource_type) if lid.startswith(prefix)]
    return found


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_every_built_file_is_published_once_with_the_headers_the_api_sends(synth: Synth, agency_id: str) -> None:
    # Given the build `make setup` made and the agency's template
    files = _built_files()
    deployments = _deployments(synth, agency_id)
    bucket = _logical_id(synth, agency_id, "AWS::S3::Bucket", "PortalFiles")
    typed = {lid: props for lid, props in deployments.items() if props.get("Include")}
    [pruner] = [props for props in deployments.values() if not props.get("Include")]

    # Then every deployment syncs into the portal bucket and prunes what the build no longer has
    assert files and "index.html" in files
    for props in deployments.values():
        assert props["DestinationBucketName"] == {"Ref": bucket}
        assert props["Prune"] is True
        assert "DistributionId" not in props  # no CloudFront (GovCloud has none), nothing to invalidate
    # And each built file is selected by exactly one deployment, which sets its Content-Type and Cache-Control
    for path in files:
        [owner] = [props for props in typed.values() if any(fnmatchcase(path, p) for p in props["Include"])]
        assert owner["Exclude"] == ["*"]
        assert owner["SystemMetadata"] == {"content-type": content_type(path), "cache-control": cache_control(path)}
        assert any(fnmatchcase(path, p) for p in pruner["Exclude"])  # the pruner leaves it alone
    # And the pruner uploads nothing of its own: it only deletes objects that no deployment covers
    assert sorted(pruner["Exclude"]) == sorted(p for props in typed.values() for p in props["Include"])
    assert "SystemMetadata" not in pruner


def test_the_deployments_publish_the_portal_build_as_one_asset(synth: Synth, agency_id: str) -> None:
    manifest = json.loads((synth.outdir / f"{stack_name(agency_id)}.assets.json").read_text())
    sources = {asset_hash: entry["source"] for asset_hash, entry in manifest["files"].items()}

    keys = {key for props in _deployments(synth, agency_id).values() for key in props["SourceObjectKeys"]}

    [key] = keys
    assert sources[key.removesuffix(".zip")] == {"path": str(PORTAL_DIST), "packaging": "zip"}


def test_hashed_media_are_immutable_and_the_page_is_never_stored() -> None:
    assert cache_control("assets/media/Latin-Merriweather-Bold-34AYD4JS.woff2") == HASHED_ASSET_CACHE
    assert "immutable" in HASHED_ASSET_CACHE and "max-age=31536000" in HASHED_ASSET_CACHE
    assert cache_control("index.html") == "no-store"
    assert cache_control("assets/app.js") == "no-cache"  # its name carries no hash


def test_the_local_gateway_sends_the_same_type_and_cache_as_the_bucket_objects() -> None:
    site = PortalSite(PORTAL_DIST, config={})
    for path in _built_files():
        answer = site.answer("GET", "/" + path)
        assert answer is not None and answer.status == 200, path
        assert answer.headers["Content-Type"] == content_type(path), path
        assert answer.headers["Cache-Control"] == cache_control(path), path


def test_the_publish_role_may_sync_only_the_portal_bucket_and_use_the_key_through_s3(
    synth: Synth, agency_id: str
) -> None:
    bucket = _logical_id(synth, agency_id, "AWS::S3::Bucket", "PortalFiles")
    key = _logical_id(synth, agency_id, "AWS::KMS::Key", "EncryptionKey")
    policy_id = _logical_id(synth, agency_id, "AWS::IAM::ManagedPolicy", "PortalPublishPolicy")
    role_id = _logical_id(synth, agency_id, "AWS::IAM::Role", "PortalPublishRole")
    policy = synth.resources(agency_id, "AWS::IAM::ManagedPolicy")[policy_id]["Properties"]
    statements = {action: s for s in policy["PolicyDocument"]["Statement"] for action in _actions(s)}

    # The deployment function runs as this role and no other
    [function] = [
        f["Properties"]
        for f in synth.resources(agency_id, "AWS::Lambda::Function").values()
        if f["Properties"].get("Role") == {"Fn::GetAtt": [role_id, "Arn"]}
    ]
    assert function["Handler"] == "index.handler" and function["Runtime"].startswith("python3")
    assert policy["Roles"] == [{"Ref": role_id}]
    # Exactly what `aws s3 cp` of the asset and `aws s3 sync --delete` into an SSE-KMS bucket need, no wildcards
    assert sorted(statements) == [
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
    ]
    assert statements["s3:ListBucket"]["Resource"] == {"Fn::GetAtt": [bucket, "Arn"]}
    assert statements["s3:PutObject"]["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/*"]]}
    assert statements["kms:GenerateDataKey"]["Resource"] == {"Fn::GetAtt": [key, "Arn"]}
    assert "kms:ViaService" in statements["kms:GenerateDataKey"]["Condition"]["StringEquals"]
    asset = json.dumps(statements["s3:GetObject"]["Resource"])
    assert "cdk-hnb659fds-assets" in asset and asset.endswith('.zip"]]}')  # the build's zip, one object
    # And nothing else is attached: no inline default policy, no AWS-managed policy
    role = synth.resources(agency_id, "AWS::IAM::Role")[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    inline = [
        p
        for p in synth.resources(agency_id, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert inline == []
    # And no deployment runs before the grants are in place
    for lid in _deployments(synth, agency_id):
        assert policy_id in synth.templates[agency_id]["Resources"][lid]["DependsOn"]


def test_the_publish_function_logs_to_an_encrypted_group_kept_as_long_as_the_agencys(
    synth: Synth, agency_id: str
) -> None:
    config = synth.agencies_by_id[agency_id]
    role_id = _logical_id(synth, agency_id, "AWS::IAM::Role", "PortalPublishRole")
    [function] = [
        f["Properties"]
        for f in synth.resources(agency_id, "AWS::Lambda::Function").values()
        if f["Properties"].get("Role") == {"Fn::GetAtt": [role_id, "Arn"]}
    ]
    group = synth.resources(agency_id, "AWS::Logs::LogGroup")[function["LoggingConfig"]["LogGroup"]["Ref"]]

    assert group["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": [_logical_id(synth, agency_id, "AWS::KMS::Key", "EncryptionKey"), "Arn"]
    }
    assert group["Properties"]["RetentionInDays"] == config.log_retention_days
    assert group["Properties"]["LogGroupName"] == f"/aws/lambda/{config.resources.function('portal-publish')}"
    # One AWS CLI layer for the one shared function (each deployment would otherwise add an unused copy)
    assert len(function["Layers"]) == 1
    layers = [lid for lid in synth.resources(agency_id, "AWS::Lambda::LayerVersion") if "AwsCliLayer" in lid]
    assert layers == [function["Layers"][0]["Ref"]]


def test_cdk_nag_accepts_the_publish_function_only_for_what_cdk_fixes(synth: Synth, agency_id: str) -> None:
    # The session synth ran all three packs and failed on anything not accepted; this is what is accepted.
    publish = synth.stacks[agency_id].portal_publish
    accepted: dict[str, set[str]] = {}
    for path, rule, _ in _acknowledgments(synth.app):
        if path.startswith((publish.node.path + "/", publish.handler.node.path)):
            accepted.setdefault(path, set()).add(rule)

    # On the function CDK builds: its runtime (fixed by aws-cdk-lib), no VPC, no DLQ, no reserved concurrency
    assert accepted.pop(publish.handler.node.path) == {
        "AwsSolutions-L1",
        *(
            f"{pack}-{rule}"
            for pack in ("NIST.800.53.R5", "HIPAA.Security")
            for rule in ("LambdaInsideVPC", "LambdaDLQ", "LambdaConcurrency")
        ),
    }
    # On the role's policy only "any key of this one bucket"; no action wildcard, no inline or AWS-managed policy
    [rule] = accepted.pop(publish.policy.node.path)
    assert rule.startswith("AwsSolutions-IAM5[Resource::<PortalFiles") and rule.endswith(".Arn>/*]")
    assert accepted == {}


def _bare_stack() -> tuple[Stack, s3.Bucket, kms.Key]:
    stack = Stack(App(), "Bare")
    key = kms.Key(stack, "Key")
    return stack, s3.Bucket(stack, "Bucket", encryption_key=key), key


def test_synth_without_a_built_portal_says_to_run_make_setup(tmp_path: Path) -> None:
    stack, bucket, key = _bare_stack()

    with pytest.raises(PortalNotBuiltError, match=r"Run `make setup`"):
        PortalPublish(
            stack, "Publish", bucket=bucket, key=key, log_group_name="/x", log_retention_days=365, dist=tmp_path
        )


def _dist(tmp_path: Path, *paths: str) -> Path:
    for path in ("index.html", *paths):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x", encoding="utf-8")
    return tmp_path


def test_a_file_type_without_a_content_type_stops_the_synth(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"assets/tool\.exe: no Content-Type"):
        file_kinds(_dist(tmp_path, "assets/tool.exe"))


def test_one_file_type_in_two_folders_with_different_caching_stops_the_synth(tmp_path: Path) -> None:
    # `assets/*.svg` would also select assets/media/*.svg: two deployments writing one object
    with pytest.raises(ValueError, match="selected by"):
        file_kinds(_dist(tmp_path, "assets/logo.svg", "assets/media/icon-ABC.svg"))


def test_the_file_kinds_of_a_small_build(tmp_path: Path) -> None:
    kinds = file_kinds(_dist(tmp_path, "assets/app.js", "assets/media/a-1.svg", "assets/media/b-2.svg"))

    assert {(k.name, k.patterns, k.files) for k in kinds} == {
        ("PageHtml", ("index.html",), ("index.html",)),
        ("AssetJs", ("assets/*.js",), ("assets/app.js",)),
        ("HashedSvg", ("assets/media/*.svg",), ("assets/media/a-1.svg", "assets/media/b-2.svg")),
    }
