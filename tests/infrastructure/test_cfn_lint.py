"""The synthesised templates pass cfn-lint for both GovCloud regions and never hard-code the partition."""

from __future__ import annotations

import json
from pathlib import Path

from tests.infrastructure.cfn_lint import lint, lint_all
from tests.infrastructure.conftest import Synth


def test_every_template_is_cfn_lint_clean_for_both_govcloud_regions(synth: Synth) -> None:
    templates = synth.template_files()

    assert len(templates) == len(synth.templates) + len(synth.platform_templates)
    assert lint_all(templates) == []


def test_no_template_hard_codes_the_commercial_partition(synth: Synth) -> None:
    # cfn-lint's I3042 inspects Fn::Sub strings only; CDK writes ARNs with Fn::Join, so check the text too.
    for template in synth.template_files():
        assert "arn:aws:" not in template.read_text(), f"{template.name} hard-codes the aws partition"


def test_the_lint_would_catch_a_hard_coded_partition(tmp_path: Path) -> None:
    """Given a template with a hard-coded commercial partition, cfn-lint's partition check (I3042) reports it."""
    template = tmp_path / "bad.template.json"
    template.write_text(
        json.dumps(
            {
                "Resources": {
                    "Topic": {"Type": "AWS::SNS::Topic"},
                    "Policy": {
                        "Type": "AWS::SNS::TopicPolicy",
                        "Properties": {
                            "Topics": [{"Ref": "Topic"}],
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
                                        "Action": "sns:Publish",
                                        "Resource": {"Ref": "Topic"},
                                    }
                                ],
                            },
                        },
                    },
                }
            }
        )
    )

    assert any("I3042" in problem for problem in lint(template))
