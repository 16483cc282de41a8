"""cdk-nag (AwsSolutions) runs on every synth; nothing may be left unacknowledged or unexplained."""

from __future__ import annotations

from typing import Any

from aws_cdk import Validations
from cdk_nag import AwsSolutionsChecks

from tests.infrastructure.conftest import Synth


def _walk(construct: Any) -> list[Any]:
    found = [construct]
    for child in construct.node.children:
        found += _walk(child)
    return found


def test_aws_solutions_pack_reports_no_unacknowledged_finding(synth: Synth) -> None:
    report = AwsSolutionsChecks().validate_scope(synth.app)

    findings = [
        f"{violation.rule_name} at {resource.construct_path}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]
    assert findings == []


def test_every_acknowledgment_is_narrow_and_gives_a_reason(synth: Synth) -> None:
    acknowledgments: list[tuple[str, str, str]] = []
    for construct in _walk(synth.app):
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                acknowledgments += [(construct.node.path, rule, reason) for rule, reason in entry.data.items()]

    assert acknowledgments
    for path, rule, reason in acknowledgments:
        assert len(reason) >= 30, f"{rule} on {path}: reason too thin"
        # Narrow: on a resource inside an agency stack, never the app or a whole stack.
        assert path.count("/") >= 1, f"{rule} acknowledged on {path}"


def test_every_acknowledgment_still_matches_a_finding(synth: Synth, monkeypatch: Any, tmp_path: Any) -> None:
    """A stale acknowledgment would silently accept the next, different problem on that construct."""
    import infra.app
    from infra.layer import build_layers

    monkeypatch.setattr(infra.app, "acknowledge", lambda stack: None)
    bare_app, _ = infra.app.build_app(
        synth.agencies,
        layer_dirs=build_layers(),
        outdir=str(tmp_path),
        context={"aws:cdk:disable-asset-staging": True},
    )
    raw = AwsSolutionsChecks().validate_scope(bare_app)
    fired = {
        (resource.construct_path, violation.rule_name)
        for violation in raw.violations
        for resource in violation.violating_resources
    }

    for construct in _walk(synth.app):
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule in entry.data:
                    rule_id = rule.split("::", 1)[-1]
                    prefix = construct.node.path + "/"
                    assert any(path.startswith(prefix) and name == rule_id for path, name in fired), (
                        f"{rule_id} on {construct.node.path} matches no finding"
                    )
