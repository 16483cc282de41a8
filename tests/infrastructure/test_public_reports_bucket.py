"""The public-reports bucket: in every agency's stack, private, encrypted, TLS-only and versioned.

The agency publishes ``public/`` by its own choice (a CloudFront origin, a copy to its website); until
then nothing in the stack makes it public and no function reads or writes it (``eis report public``
and a scheduled job write with their own credentials).
"""

from __future__ import annotations

import json

from eis_core.storage.schema import Bucket
from tests.infrastructure.conftest import Synth
from tests.infrastructure.test_stack import FUNCTIONS, _actions_on, _logical_id, _statements_of_function


def test_every_agency_has_a_private_encrypted_tls_only_versioned_public_reports_bucket(synth: Synth) -> None:
    for agency_id, config in synth.agencies_by_id.items():
        name = config.resources.bucket(Bucket.PUBLIC_REPORTS)
        logical_id = _logical_id(synth, agency_id, "AWS::S3::Bucket", "BucketName", name)
        props = synth.resources(agency_id, "AWS::S3::Bucket")[logical_id]["Properties"]

        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        assert "ObjectLockEnabled" not in props  # reports are replaced when the agency re-runs a period
        [policy] = [
            p["Properties"]["PolicyDocument"]
            for p in synth.resources(agency_id, "AWS::S3::BucketPolicy").values()
            if p["Properties"]["Bucket"] == {"Ref": logical_id}
        ]
        statements = policy["Statement"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"].get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in statements
        )
        assert any(s["Effect"] == "Deny" and "s3:TlsVersion" in json.dumps(s.get("Condition", {})) for s in statements)
        assert not [s for s in statements if s["Effect"] == "Allow" and "*" in json.dumps(s.get("Principal", ""))]


def test_no_function_reads_or_writes_the_public_reports_bucket(synth: Synth) -> None:
    for agency_id, config in synth.agencies_by_id.items():
        name = config.resources.bucket(Bucket.PUBLIC_REPORTS)
        logical_id = _logical_id(synth, agency_id, "AWS::S3::Bucket", "BucketName", name)
        for function in FUNCTIONS:
            assert _actions_on(_statements_of_function(synth, agency_id, function), logical_id) == set()
