"""CDK entry point (``cdk.json``: ``python -m infra.app``): one stack per agency, cdk-nag always on.

Synthesises offline: no credentials, no Docker, no context lookups. The first run downloads the
layer wheels from PyPI into ``build/layers`` (cached afterwards).

    python -m infra.app                         # agencies from infra/agencies.json
    npx aws-cdk@2 synth -c agencies=my.json     # another deployment file
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import DEFAULT_AGENCIES_FILE, AgenciesFile, load_agencies
from infra.layer import build_layers
from infra.nag_acknowledgments import acknowledge
from infra.stack import EisAgencyStack

# Feature flags pinned here rather than in cdk.json, so `python -m infra.app` and `cdk synth` agree.
FEATURE_FLAGS: dict[str, Any] = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/aws-lambda:recognizeVersionProps": True,
    "@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption": True,
    "@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope": True,
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


def build_app(
    agencies: AgenciesFile,
    *,
    layer_dirs: Mapping[str, Path] | None = None,
    outdir: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> tuple[App, dict[str, EisAgencyStack]]:
    """Build (not synthesise) the app: one ``Eis-<agency_id>`` stack per agency, cdk-nag registered."""
    app = App(outdir=outdir, context={**FEATURE_FLAGS, **(context or {})})
    dirs = build_layers() if layer_dirs is None else layer_dirs
    stacks = {agency.agency_id: EisAgencyStack(app, config=agency, layer_dirs=dirs) for agency in agencies.agencies}
    for stack in stacks.values():
        acknowledge(stack)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks


def main() -> None:
    started = time.perf_counter()
    # Read the file choice from the CLI context (`-c agencies=...`) before building the real app.
    agencies_file = App().node.try_get_context("agencies") or DEFAULT_AGENCIES_FILE
    # Under the CDK CLI the assembly goes where the CLI says; run directly, it lands in ./cdk.out.
    outdir = None if os.environ.get("CDK_OUTDIR") else "cdk.out"
    app, stacks = build_app(load_agencies(agencies_file), outdir=outdir)
    app.synth()
    print(f"synthesised {', '.join(s.stack_name for s in stacks.values())} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
