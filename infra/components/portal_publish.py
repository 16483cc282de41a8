"""``cdk deploy`` publishes the built portal (``portal/dist``) into its bucket (infra.components.portal).

CDK's ``BucketDeployment`` uploads the build as an asset and a CDK-managed Lambda function (Python, with the
AWS CLI layer that ships inside aws-cdk-lib: no Docker, synth stays offline) runs ``aws s3 sync`` into the
bucket. ``aws s3 sync`` sets one Content-Type and one Cache-Control per run, so there is one deployment per
kind of file (``index.html``; ``assets/*.js``; ``assets/media/*.svg``; ...), each with the headers
``eis_core.portal_headers`` gives that file, and each with ``prune``: a file a new build no longer has is
deleted. The filters of the kinds never overlap (checked here, at synth), and one more deployment uploads
nothing and prunes every object no kind covers (a file type the build stopped writing).

The function runs with its own role: its logs go to one KMS-encrypted group with the agency's retention;
CDK grants it the asset, read/write on this one bucket and use of the agency key (the bucket's SSE-KMS).
No CloudFront (GovCloud has none): no ``distribution`` and no invalidation; the API serves what is there.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct, IConstruct

from eis_core.portal_headers import (
    ASSET_CACHE,
    HASHED_ASSET_CACHE,
    PAGE_CACHE,
    cache_control,
    content_type,
)
from infra.components.functions import encrypted_log_group
from infra.layer import ROOT

PORTAL_DIST = ROOT / "portal" / "dist"

# CDK's one Lambda function behind every BucketDeployment of a stack (same memory and no VPC): its construct id.
HANDLER_ID = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"

_CACHE_NAMES = {PAGE_CACHE: "Page", ASSET_CACHE: "Asset", HASHED_ASSET_CACHE: "Hashed"}


class PortalNotBuiltError(RuntimeError):
    """``portal/dist`` has no ``index.html``: there is nothing to publish."""


@dataclass(frozen=True)
class FileKind:
    """Built files published by one deployment: the same Content-Type and Cache-Control, one filter each."""

    name: str  # the deployment's construct id, e.g. "HashedSvg"
    content_type: str
    cache_control: str
    patterns: tuple[str, ...]  # `aws s3 sync --include` filters, from the bucket root ('*' crosses '/')
    files: tuple[str, ...]


def _pattern(path: str) -> str:
    """``assets/media/x-HASH.svg`` -> ``assets/media/*.svg``; a file at the root is its own name."""
    folder, _, name = path.rpartition("/")
    if not folder:
        return name
    return f"{folder}/*{name[name.rfind('.') :]}" if "." in name else path


def file_kinds(dist: Path) -> list[FileKind]:
    """The built files grouped by the headers they get, with filters that select each group and nothing else."""
    if not (dist / "index.html").is_file():
        raise PortalNotBuiltError(
            f"The portal is not built ({dist / 'index.html'} is missing). Run `make setup` (it builds "
            "portal/dist with npm) before `cdk synth` or `cdk deploy`: the stack publishes that build."
        )
    files = sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file())
    grouped: dict[tuple[str, str], dict[str, set[str]]] = {}
    for path in files:
        kind = content_type(path)
        if kind is None:
            raise ValueError(
                f"portal/dist/{path}: no Content-Type for this kind of file; add it to CONTENT_TYPES in "
                "eis_core/portal_headers.py (browsers refuse a script or style of the wrong type: nosniff)"
            )
        group = grouped.setdefault((kind, cache_control(path)), {"patterns": set(), "files": set()})
        group["patterns"].add(_pattern(path))
        group["files"].add(path)
    kinds = [
        FileKind(
            name=_CACHE_NAMES[cache] + "".join(sorted({p.rsplit(".", 1)[-1].title() for p in group["patterns"]})),
            content_type=kind,
            cache_control=cache,
            patterns=tuple(sorted(group["patterns"])),
            files=tuple(sorted(group["files"])),
        )
        for (kind, cache), group in sorted(grouped.items(), key=lambda item: (item[0][1], item[0][0]))
    ]
    for path in files:
        owners = [k.name for k in kinds if any(fnmatch.fnmatchcase(path, p) for p in k.patterns)]
        if len(owners) != 1:
            raise ValueError(
                f"portal/dist/{path} is selected by {owners or 'no'} deployment filters: two deployments would "
                "write it with different headers (or none would). Keep each file type in one folder."
            )
    return kinds


class PortalPublish(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        key: kms.IKey,
        log_group_name: str,
        log_retention_days: int,
        dist: Path = PORTAL_DIST,
    ) -> None:
        super().__init__(scope, construct_id)
        self.kinds = file_kinds(dist)
        self.log_group = encrypted_log_group(
            self, "Logs", name=log_group_name, key=key, retention_days=log_retention_days
        )
        # Own role instead of AWSLambdaBasicExecutionRole, and every permission in one customer-managed policy
        # (as infra.components.functions does): the deployments get an immutable view of the role, so CDK's
        # broad grants (s3:GetObject*, s3:DeleteObject*, kms:ReEncrypt*...) are not added; the policy below
        # is exactly what `aws s3 cp` of the asset and `aws s3 sync --delete` into the bucket call.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Publishes the portal's build into its bucket during cdk deploy",
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Publish the portal's build: read the build asset, sync it into the portal bucket",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                # `aws s3 sync` lists the bucket to compare, then uploads and (prune) deletes objects.
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
                iam.PolicyStatement(
                    actions=["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                    resources=[bucket.arn_for_objects("*")],
                ),
                # The bucket's default encryption is SSE-KMS with the agency key: uploads need a data key
                # (multipart uploads also decrypt), and only through S3 in this region.
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
                ),
            ],
        )
        role = self.role.without_policy_updates()
        source = s3deploy.Source.asset(str(dist))
        self.deployments = [
            self._deployment(
                kind.name,
                bucket,
                source,
                role,
                exclude=["*"],
                include=kind.patterns,
                content_type=kind.content_type,
                cache=kind.cache_control,
            )
            for kind in self.kinds
        ]
        # Uploads nothing (every file is some kind's); deletes what no kind's filter covers.
        exclude_all = [p for k in self.kinds for p in k.patterns]
        self.pruner = self._deployment("Prune", bucket, source, role, exclude=exclude_all)
        # Each BucketDeployment adds an AWS CLI layer, but the one shared function uses only the first's.
        for deployment in [*self.deployments[1:], self.pruner]:
            deployment.node.try_remove_child("AwsCliLayer")
        # CDK lists the role in the function's DependsOn although its GetAtt already orders it (cfn-lint W3005).
        function = self.handler.node.default_child
        assert isinstance(function, CfnResource)
        function.add_deletion_override("DependsOn")
        # The build's zip in the CDK asset bucket, that one object: every deployment binds the same asset.
        stack = Stack.of(self)
        zips = {
            json.dumps(stack.resolve(arn)): arn
            for deployment in [*self.deployments, self.pruner]
            for asset in deployment.node.children
            if isinstance(asset, s3_assets.Asset)
            for arn in [asset.bucket.arn_for_objects(asset.s3_object_key)]
        }
        self.policy.add_statements(iam.PolicyStatement(actions=["s3:GetObject"], resources=list(zips.values())))
        for deployment in [*self.deployments, self.pruner]:
            deployment.node.add_dependency(self.policy)  # the grants are in place before the function runs

    @property
    def handler(self) -> IConstruct:
        """The CDK-managed function that runs ``aws s3 sync`` (one per stack, at the stack's root)."""
        return Stack.of(self).node.find_child(HANDLER_ID)

    def _deployment(
        self,
        construct_id: str,
        bucket: s3.IBucket,
        source: s3deploy.ISource,
        role: iam.IRole,
        *,
        exclude: Sequence[str],
        include: Sequence[str] = (),
        content_type: str | None = None,
        cache: str | None = None,
    ) -> s3deploy.BucketDeployment:
        return s3deploy.BucketDeployment(
            self,
            construct_id,
            sources=[source],
            destination_bucket=bucket,
            prune=True,
            exclude=list(exclude),
            include=list(include) or None,
            content_type=content_type,
            cache_control=[s3deploy.CacheControl.from_string(cache)] if cache else None,
            role=role,
            log_group=self.log_group,
        )
