"""Agencies synthesised together share nothing, and no agency's roles or API reach another's."""

from __future__ import annotations

import copy

import pytest

from tests.infrastructure.conftest import Synth
from tests.infrastructure.isolation import (
    assert_api_trusts_only_its_own_user_pool,
    assert_policies_stay_inside,
    assert_share_nothing,
)


def test_two_agencies_share_no_resource_key_role_or_import(synth: Synth) -> None:
    assert_share_nothing(synth.templates)


def test_no_policy_of_one_agency_reaches_another_agencys_resources(synth: Synth) -> None:
    for agency_id, template in synth.templates.items():
        assert_policies_stay_inside(synth.agencies_by_id[agency_id], template)


def test_each_api_accepts_tokens_only_from_its_own_agencys_user_pool(synth: Synth) -> None:
    # The API refuses another pool's token at the gateway; cases_api also checks the token's agency_id claim.
    for template in synth.templates.values():
        assert_api_trusts_only_its_own_user_pool(template)


def test_the_checks_catch_a_leak(synth: Synth) -> None:
    """Given one agency's grant pointed at the other's table, the isolation check refuses it."""
    springfield, shelbyville = (synth.agencies_by_id[a] for a in ("springfield", "shelbyville"))
    leaked = copy.deepcopy(synth.templates["springfield"])
    other_table = f"arn:aws-us-gov:dynamodb:{shelbyville.region}:{shelbyville.account}:table/eis-shelbyville-cases"
    policy = next(r for r in leaked["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy")
    policy["Properties"]["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": other_table}
    )

    with pytest.raises(AssertionError, match="another account"):
        assert_policies_stay_inside(springfield, leaked)
    with pytest.raises(AssertionError, match="mentions shelbyville"):
        assert_share_nothing({"springfield": leaked, "shelbyville": synth.templates["shelbyville"]})
