"""cdk-nag (AwsSolutions, NIST 800-53 rev 5, HIPAA Security) runs on every synth; nothing is left unexplained."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Validations

import infra.nag_acknowledgments
from infra.app import EisApp, build_app, nag_packs
from tests.infrastructure.conftest import NO_ASSET_STAGING, Synth

PACKS = ("AwsSolutions", "NIST.800.53.R5", "HIPAA.Security")


def _walk(construct: Any) -> list[Any]:
    found = [construct]
    for child in construct.node.children:
        found += _walk(child)
    return found


def _acknowledgments(app: Any) -> list[tuple[str, str, str]]:
    """(construct path, rule, reason) for every acknowledgment in the app."""
    found: list[tuple[str, str, str]] = []
    for construct in _walk(app):
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                found += [(construct.node.path, rule.split("::", 1)[-1], reason) for rule, reason in entry.data.items()]
    return found


def _findings(app: Any) -> set[tuple[str, str]]:
    return {
        (resource.construct_path, violation.rule_name)
        for pack in nag_packs()
        for violation in pack.validate_scope(app).violations
        for resource in violation.violating_resources
    }


@pytest.fixture(scope="module")
def unacknowledged(synth: Synth, layer_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> EisApp:
    """The same deployment built without any acknowledgment: what the packs really report."""
    return build_app(
        synth.agencies,
        layer_dirs=layer_dirs,
        outdir=str(tmp_path_factory.mktemp("bare")),
        context=NO_ASSET_STAGING,
        acknowledgments=False,
    )


def test_all_three_packs_report_no_unacknowledged_finding(synth: Synth) -> None:
    # The session synth already ran the packs as validation plugins (it would have raised); this names them.
    assert sorted(type(pack).__name__ for pack in nag_packs()) == [
        "AwsSolutionsChecks",
        "HIPAASecurityChecks",
        "NIST80053R5Checks",
    ]
    assert _findings(synth.app) == set()


def test_the_packs_do_find_problems_that_acknowledgments_then_accept(unacknowledged: EisApp) -> None:
    rules = {rule for _, rule in _findings(unacknowledged.app)}

    for pack in PACKS:
        assert any(rule.startswith(pack) for rule in rules), f"{pack} reported nothing: is it running?"


def test_every_acknowledgment_is_narrow_and_gives_a_reason(synth: Synth) -> None:
    acknowledgments = _acknowledgments(synth.app)

    assert acknowledgments
    for path, rule, reason in acknowledgments:
        assert rule.startswith(PACKS), rule
        assert len(reason) >= 40, f"{rule} on {path}: reason too thin"
        # Narrow: on a resource inside a stack, never the app or a whole stack.
        assert path.count("/") >= 1, f"{rule} acknowledged on {path}"
        # AwsSolutions' IAM rules must name the exact managed policy or wildcard they accept.
        if rule.startswith(("AwsSolutions-IAM4", "AwsSolutions-IAM5")):
            assert "[" in rule, f"{rule} on {path} accepts every finding of the rule"


def test_every_acknowledgment_still_matches_a_finding(synth: Synth, unacknowledged: EisApp) -> None:
    """A stale acknowledgment would silently accept the next, different problem on that construct."""
    fired = _findings(unacknowledged.app)

    for path, rule, _ in _acknowledgments(synth.app):
        prefix = path + "/"
        assert any((found + "/").startswith(prefix) and name == rule for found, name in fired), (
            f"{rule} on {path} matches no finding"
        )


def test_acknowledgments_live_in_one_reviewed_module() -> None:
    infra_dir = Path(infra.nag_acknowledgments.__file__).parent
    elsewhere = [
        path
        for path in infra_dir.rglob("*.py")
        if path.name != "nag_acknowledgments.py" and "Acknowledgment(" in path.read_text()
    ]

    assert elsewhere == []
    assert "Acknowledgment(" in inspect.getsource(infra.nag_acknowledgments)
