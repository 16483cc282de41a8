"""CDK entry point (``cdk.json``: ``python -m infra.app``): one stack per agency, cdk-nag always on.

Stacks: ``Eis-platform-<account>-<region>`` once per account and region (API Gateway's logging
role), then ``Eis-<agency_id>`` per agency. The packs AwsSolutions, NIST 800-53 rev 5 and HIPAA
Security run on every synth.

Synthesises offline: no credentials, no Docker, no context lookups. The first run downloads the
layer wheels from PyPI into ``build/layers`` (cached afterwards). The built portal (``portal/dist``,
from ``make setup``) must exist: each agency stack publishes it into its portal bucket.

    python -m infra.app                         # agencies from infra/agencies.json
    npx aws-cdk@2 synth -c agencies=my.json     # another deployment file
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

from infra.config import DEFAULT_AGENCIES_FILE, AgenciesFile, load_agencies
from infra.layer import build_layers
from infra.nag_acknowledgments import acknowledge, acknowledge_platform
from infra.platform import EisPlatformStack
from infra.stack import EisAgencyStack

# Feature flags pinned here rather than in cdk.json, so `python -m infra.app` and `cdk synth` agree.
FEATURE_FLAGS: dict[str, Any] = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/aws-lambda:recognizeVersionProps": True,
    "@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption": True,
    "@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope": True,
    # The API Gateway logging role lives in the platform stack, never in an agency's.
    "@aws-cdk/aws-apigateway:disableCloudWatchRole": True,
    "@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId": True,
    "@aws-cdk/core:checkSecretUsage": True,
    "@aws-cdk/core:validateSnapshotRemovalPolicy": True,
    "@aws-cdk/aws-iam:standardizedServicePrincipals": True,
    "@aws-cdk/aws-events:eventsTargetQueueSameAccount": True,
    "@aws-cdk/aws-s3:createDefaultLoggingPolicy": True,
    "@aws-cdk/aws-sqs:dlqEncryption": True,
    # CDK's deploy-time rules (CloudFormation Validate) fail the synth instead of warning.
    "@aws-cdk/core:validateAgainstDefaultRules": True,
}


@dataclass(frozen=True)
class EisApp:
    app: App
    platforms: dict[tuple[str, str], EisPlatformStack]  # (account, region) -> stack
    agencies: dict[str, EisAgencyStack]  # agency_id -> stack

    @property
    def stacks(self) -> list[Stack]:
        return [*self.platforms.values(), *self.agencies.values()]


def nag_packs() -> list[Any]:
    """The rule packs every synth runs; an unacknowledged finding in any of them fails the synth."""
    return [AwsSolutionsChecks(), NIST80053R5Checks(), HIPAASecurityChecks()]


def build_app(
    agencies: AgenciesFile,
    *,
    layer_dirs: Mapping[str, Path] | None = None,
    outdir: str | None = None,
    context: Mapping[str, Any] | None = None,
    acknowledgments: bool = True,
) -> EisApp:
    """Build (not synthesise) the app: a platform stack per account/region, an ``Eis-<agency_id>`` stack per agency.

    cdk-nag's packs are registered as validation plugins, so ``app.synth()`` fails on any finding
    that ``infra/nag_acknowledgments.py`` does not accept.
    """
    app = App(outdir=outdir, context={**FEATURE_FLAGS, **(context or {})})
    dirs = build_layers() if layer_dirs is None else layer_dirs
    platforms: dict[tuple[str, str], EisPlatformStack] = {}
    stacks: dict[str, EisAgencyStack] = {}
    for agency in agencies.agencies:
        where = (agency.account, agency.region)
        if where not in platforms:
            platforms[where] = EisPlatformStack(app, account=agency.account, region=agency.region)
        stack = EisAgencyStack(app, config=agency, layer_dirs=dirs)
        # Deploy order only (no exports): API Gateway must have its logging role before a stage logs.
        stack.add_stack_dependency(platforms[where], reason="API Gateway's account logging role")
        stacks[agency.agency_id] = stack
    if acknowledgments:
        for platform in platforms.values():
            acknowledge_platform(platform)
        for stack in stacks.values():
            acknowledge(stack)
    Validations.of(app).add_plugins(*nag_packs())
    return EisApp(app=app, platforms=platforms, agencies=stacks)


def main() -> None:
    started = time.perf_counter()
    # Read the file choice from the CLI context (`-c agencies=...`) before building the real app.
    agencies_file = App().node.try_get_context("agencies") or DEFAULT_AGENCIES_FILE
    # Under the CDK CLI the assembly goes where the CLI says; run directly, it lands in ./cdk.out.
    outdir = None if os.environ.get("CDK_OUTDIR") else "cdk.out"
    eis = build_app(load_agencies(agencies_file), outdir=outdir)
    eis.app.synth()
    names = ", ".join(stack.stack_name for stack in eis.stacks)
    print(f"synthesised {names} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
