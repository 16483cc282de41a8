"""infra builds each function's environment from that function's settings model (eis_core.settings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eis_core import settings
from eis_core.settings import NotifySettings, RoutingPolicy, SettingsError
from infra.config import DEFAULT_AGENCIES_FILE, load_agencies
from tests.infrastructure.conftest import NO_ASSET_STAGING


class NotifySettingsWithAnUnsuppliedField(NotifySettings):
    """As if someone added a required setting to the notifier and forgot the stack."""

    ses_configuration_set: str


def test_a_setting_the_model_requires_but_the_stack_does_not_supply_fails_synth(
    layer_dirs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.app import build_app

    monkeypatch.setitem(settings.FUNCTION_SETTINGS, "notify", NotifySettingsWithAnUnsuppliedField)

    with pytest.raises(SettingsError, match=r"NotifySettingsWithAnUnsuppliedField .*EIS_SES_CONFIGURATION_SET"):
        build_app(load_agencies(), layer_dirs=layer_dirs, outdir=str(tmp_path), context=NO_ASSET_STAGING)


def test_each_function_environment_is_its_model_serialised() -> None:
    agency = load_agencies().agencies[0]

    for function, model in settings.FUNCTION_SETTINGS.items():
        env = agency.function_environment(
            function, alerts_topic_arn="arn:aws:sns:x", audit_key_id="alias/eis-testville-audit"
        )
        assert model.from_env(env) == agency.function_settings(
            function, alerts_topic_arn="arn:aws:sns:x", audit_key_id="alias/eis-testville-audit"
        )
    notify = NotifySettings.from_env(
        agency.function_environment("notify", alerts_topic_arn="arn", audit_key_id="alias/k")
    )
    assert notify.portal_url == agency.origin
    assert notify.sender_email == agency.sender_email


def _entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(DEFAULT_AGENCIES_FILE.read_text())
    return entries


@pytest.mark.parametrize("key", ["routing_policy", "response_model"])
def test_the_routing_policy_is_read_under_its_name_and_its_earlier_name(tmp_path: Path, key: str) -> None:
    entries = _entries()
    for entry in entries:
        entry.pop("response_model", None)
    entries[0][key] = "risk_team"
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps(entries))

    agency = load_agencies(path).agencies[0]

    assert agency.routing_policy is RoutingPolicy.CENTRALIZED
    assert (  # the earlier value reaches the function as the response model it means
        agency.function_environment("notify", alerts_topic_arn="arn", audit_key_id="alias/k")["EIS_ROUTING_POLICY"]
        == "centralized"
    )


def test_an_agencys_intervention_policy_reaches_the_case_api_and_only_it() -> None:
    shelbyville = next(a for a in load_agencies().agencies if a.agency_id == "shelbyville")

    cases_api = shelbyville.function_environment("cases_api", alerts_topic_arn="arn", audit_key_id="alias/k")
    notify = shelbyville.function_environment("notify", alerts_topic_arn="arn", audit_key_id="alias/k")

    assert cases_api["EIS_CHECKIN_DAYS"] == "21"
    assert cases_api["EIS_MONITORING_DAYS"] == "90"
    assert cases_api["EIS_INTERVENTION_CATALOGUE"].split(",")[0] == "coaching_mentoring"
    assert "EIS_CHECKIN_DAYS" not in notify  # the notifier reads the dates stamped on each intervention
