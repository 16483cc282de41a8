"""A state-wide deployment: ten agencies over three accounts and both GovCloud regions, synthesised once.

The synth itself runs AwsSolutions, NIST 800-53 rev 5 and HIPAA Security as validation plugins and
fails on any unacknowledged finding; the templates then go through cfn-lint and the isolation rules.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from infra.config import DEFAULT_AGENCIES_FILE, AgenciesFile
from tests.infrastructure.cfn_lint import lint_all
from tests.infrastructure.conftest import Synth, synthesize
from tests.infrastructure.isolation import (
    assert_api_trusts_only_its_own_user_pool,
    assert_policies_stay_inside,
    assert_share_nothing,
)

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-gov-west-1", "us-gov-east-1")
TOWNS = (
    "springfield",
    "shelbyville",
    "capital-city",
    "ogdenville",
    "north-haverbrook",
    "brockway",
    "cypress-creek",
    "west-springfield",
    "waverly-hills",
    "dunkleburg",
)


def ten_agencies() -> AgenciesFile:
    template: dict[str, Any] = json.loads(DEFAULT_AGENCIES_FILE.read_text())[1]
    entries = []
    for index, town in enumerate(TOWNS):
        entry = dict(template)
        entry.update(
            agency_id=town,
            name=f"{town.replace('-', ' ').title()} Police Department",
            # Several agencies per account and region: isolation must hold inside one account too.
            account=ACCOUNTS[index % len(ACCOUNTS)],
            region=REGIONS[index % len(REGIONS)],
            sender_email=f"eis-noreply@{town}.example.gov",
            risk_team_emails=[f"risk@{town}.example.gov"],
            operations_emails=[f"ops@{town}.example.gov"],
            portal_origin=f"https://eis.{town}.example.gov",
        )
        entries.append(entry)
    return AgenciesFile.model_validate({"agencies": entries})


@pytest.fixture(scope="module")
def ten(layer_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Synth:
    started = time.perf_counter()
    synth = synthesize(ten_agencies(), layer_dirs, tmp_path_factory.mktemp("ten"))
    print(f"\nten-agency synth with three cdk-nag packs: {time.perf_counter() - started:.1f}s")
    return synth


def test_platform_once_per_account_region_and_a_stack_per_agency(ten: Synth) -> None:
    pairs = {(a.account, a.region) for a in ten.agencies.agencies}

    assert len(ten.templates) == 10
    assert set(ten.platform_templates) == pairs
    assert len(pairs) == 6


def test_every_template_is_cfn_lint_clean_in_its_govcloud_region(ten: Synth) -> None:
    # Each template in the region it deploys to (both regions occur); test_cfn_lint.py checks the shipped
    # templates against both regions each.
    regions = {f"{stack.artifact_id}.template.json": stack.region for stack in ten.eis.stacks}
    jobs = [(path, (regions[path.name],)) for path in ten.template_files()]
    started = time.perf_counter()
    problems = lint_all(jobs)
    print(f"\ncfn-lint of {len(jobs)} templates: {time.perf_counter() - started:.1f}s")

    assert {region for _, (region,) in jobs} == set(REGIONS)

    assert problems == []
    for template in ten.template_files():
        assert "arn:aws:" not in template.read_text(), template.name


def test_ten_agencies_are_isolated_from_each_other(ten: Synth) -> None:
    assert_share_nothing(ten.templates)
    for agency_id, template in ten.templates.items():
        assert_policies_stay_inside(ten.agencies_by_id[agency_id], template)
        assert_api_trusts_only_its_own_user_pool(template)
