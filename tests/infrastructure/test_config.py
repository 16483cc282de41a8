"""The deployment file is checked before synthesis, and a mistake names its entry and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import DEFAULT_AGENCIES_FILE, AgencyConfigError, load_agencies


def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(DEFAULT_AGENCIES_FILE.read_text())
    return entries


def _load(tmp_path: Path, entries: Any) -> Any:
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps(entries))
    return load_agencies(path)


def test_shipped_file_describes_two_govcloud_agencies() -> None:
    agencies = load_agencies()

    assert [a.agency_id for a in agencies.agencies] == ["springfield", "shelbyville"]
    assert all(a.is_govcloud for a in agencies.agencies)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account", "12345", "field account"),
        ("region", "eu-west-1", "field region"),
        ("log_retention_days", 90, "field log_retention_days"),
        ("log_retention_days", 500, "CloudWatch retention periods"),
        ("score_schedule", "0 6 * * *", "six fields"),
        ("score_schedule", "0 6 1 * MON *", "must be '?'"),
        ("portal_origin", "http://eis.example.gov", "https"),
        ("portal_origin", "https://eis.example.gov/portal", "origin"),
        ("agency_id", "Springfield", "field agency_id"),
        ("sender_email", "not-an-email", "field sender_email"),
        ("alert_top_share", 0, "field alert_top_share"),
        ("risk_team_emails", [], "field risk_team_emails"),
    ],
)
def test_invalid_entry_is_rejected_naming_entry_and_field(tmp_path: Path, field: str, value: Any, message: str) -> None:
    entries = _entries()
    entries[1][field] = value

    with pytest.raises(AgencyConfigError) as raised:
        _load(tmp_path, entries)

    text = str(raised.value)
    assert "entry 1" in text
    assert message in text


def test_unknown_field_is_rejected_rather_than_ignored(tmp_path: Path) -> None:
    entries = _entries()
    entries[0]["reveiw_days"] = 7

    with pytest.raises(AgencyConfigError, match=r"entry 0 \('springfield'\), field reveiw_days"):
        _load(tmp_path, entries)


def test_duplicate_agency_ids_are_rejected(tmp_path: Path) -> None:
    entries = _entries()
    entries[1]["agency_id"] = entries[0]["agency_id"]

    with pytest.raises(AgencyConfigError, match="'springfield' appears more than once"):
        _load(tmp_path, entries)


def test_agency_id_too_long_for_bucket_names_is_rejected(tmp_path: Path) -> None:
    entries = _entries()
    entries[0]["agency_id"] = "a-very-long-agency-name1"  # valid id pattern, but names exceed 63 chars

    with pytest.raises(AgencyConfigError, match="exceeds 63 characters"):
        _load(tmp_path, entries)


@pytest.mark.parametrize(("content", "message"), [("{", "not valid JSON"), ("{}", "JSON list"), ("[]", "no agency")])
def test_malformed_file_is_rejected(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "agencies.json"
    path.write_text(content)

    with pytest.raises(AgencyConfigError, match=message):
        load_agencies(path)


def test_a_removed_setting_says_what_replaced_it(tmp_path: Path) -> None:
    entries = _entries()
    entries[0]["backtest_schedule"] = "0 4 1 * ? *"

    with pytest.raises(AgencyConfigError) as raised:
        _load(tmp_path, entries)

    message = str(raised.value)
    assert "entry 0 ('springfield'), field backtest_schedule: no longer used" in message
    assert "backtests the latest full year before it promotes" in message
    assert "Extra inputs" not in message


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(AgencyConfigError, match="not found"):
        load_agencies(tmp_path / "nope.json")


def test_eventbridge_wrapper_is_accepted_and_normalised(tmp_path: Path) -> None:
    entries = _entries()
    entries[0]["score_schedule"] = "cron(0  5 * * ? *)"

    agencies = _load(tmp_path, entries)

    assert agencies.agencies[0].score_schedule == "0 5 * * ? *"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("response_model", "email_everyone", "field response_model"),
        ("rule_thresholds", {"force_30d": {"warning": 2}}, "unknown rule 'force_30d'"),
        ("rule_thresholds", {"force_90d": {"warning": 5, "critical": 4}}, "below warning"),
        ("retrain_schedule", "0 3 1 * *", "six fields"),
        ("deadline_sweep_schedule", "0 13 1 * MON *", "must be '?'"),
        ("quarantine_retention_days", 1, "field quarantine_retention_days"),
        ("operations_emails", ["ops-at-example.gov"], "field operations_emails"),
    ],
)
def test_new_settings_are_validated_too(tmp_path: Path, field: str, value: Any, message: str) -> None:
    entries = _entries()
    entries[0][field] = value

    with pytest.raises(AgencyConfigError) as raised:
        _load(tmp_path, entries)

    assert "entry 0 ('springfield')" in str(raised.value)
    assert message in str(raised.value)


def test_onboarding_is_one_entry_with_only_the_essentials(tmp_path: Path) -> None:
    """Given a new entry with just identity, account and addresses, every other setting has a safe default."""
    entries = _entries()
    entries.append(
        {
            "agency_id": "ogdenville",
            "name": "Ogdenville Police Department",
            "account": "333333333333",
            "region": "us-gov-east-1",
            "sender_email": "eis@ogdenville.example.gov",
            "risk_team_emails": ["risk@ogdenville.example.gov"],
            "portal_origin": "https://eis.ogdenville.example.gov",
        }
    )

    agency = _load(tmp_path, entries).agencies[-1]

    assert agency.log_retention_days >= 365
    assert agency.audit_lock_mode == "COMPLIANCE"
    assert agency.routing_policy.value == "decentralized"  # the chain of command
    assert (
        agency.function_environment("score", alerts_topic_arn="arn", audit_key_id="alias/k")["EIS_RULE_THRESHOLDS"]
        == "{}"
    )
