"""Each function's settings model: read from the environment at cold start, written by infra and the local stack."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from eis_core.settings import (
    DEFAULT_INTERVENTION_CATALOGUE,
    FUNCTION_SETTINGS,
    CasesApiSettings,
    IngestSettings,
    NotifySettings,
    RoutingPolicy,
    RuleThreshold,
    ScoreSettings,
    SettingsError,
    function_settings,
)
from eis_core.storage.schema import AgencyResources

RESOURCES = AgencyResources(agency_id="testville", account="123456789012", region="us-east-1")
STACK_VALUES = {
    "sender_email": "eis@testville.example.gov",
    "portal_url": "https://eis.testville.example.gov",
    "alerts_topic_arn": "arn:aws:sns:us-east-1:123456789012:eis-testville-alerts",
    "audit_key_id": "alias/eis-testville-audit",
}


def env_of(function: str, **values: object) -> dict[str, str]:
    return function_settings(FUNCTION_SETTINGS[function], RESOURCES, STACK_VALUES | values).to_env()


@pytest.mark.parametrize("function", list(FUNCTION_SETTINGS))
def test_each_function_reads_back_exactly_what_was_written_for_it(function: str) -> None:
    model = FUNCTION_SETTINGS[function]
    written = function_settings(model, RESOURCES, STACK_VALUES)

    env = written.to_env()

    assert model.from_env(env) == written
    assert set(env) == {field.alias for field in model.model_fields.values()}
    assert all(name.startswith("EIS_") for name in env)


def test_each_function_gets_only_the_settings_it_reads() -> None:
    assert "EIS_SENDER_EMAIL" not in env_of("score")
    assert "EIS_ALERTS_TOPIC_ARN" not in env_of("notify")
    assert set(env_of("ingest")) == set(RESOURCES.environment()) | {"EIS_AUDIT_KEY_ID"}
    assert set(env_of("cases_api")) == set(RESOURCES.environment()) | {
        "EIS_AUDIT_KEY_ID",
        "EIS_REVIEW_DAYS",
        "EIS_PORTAL_URL",
        "EIS_INTERVENTION_CATALOGUE",
        "EIS_CHECKIN_DAYS",
        "EIS_MONITORING_DAYS",
        "EIS_WELLNESS_NOTIFY_SUPERVISOR",  # who may read wellness check-ins (thresholds and emails are not its)
    }
    assert "EIS_CHECKIN_DAYS" not in env_of("notify")  # the notifier reads the dates stamped on each intervention


@pytest.mark.parametrize(
    ("model", "missing"),
    [
        (NotifySettings, "EIS_SENDER_EMAIL"),
        (NotifySettings, "EIS_PORTAL_URL"),
        (ScoreSettings, "EIS_ALERTS_TOPIC_ARN"),
        (IngestSettings, "EIS_UPLOADS_BUCKET"),
        (CasesApiSettings, "EIS_AGENCY_ID"),
    ],
)
def test_a_required_setting_has_no_default(model: type[IngestSettings], missing: str) -> None:
    env = {name: value for name, value in env_of("notify").items() | env_of("score").items() if name != missing}

    with pytest.raises(ValidationError, match=missing):
        model.from_env(env)


def test_building_settings_without_a_required_value_names_model_agency_and_field() -> None:
    with pytest.raises(SettingsError, match=r"NotifySettings for agency testville: .*EIS_SENDER_EMAIL"):
        function_settings(NotifySettings, RESOURCES, {"portal_url": "https://eis.testville.example.gov"})


def test_notify_settings_parse_the_agencys_policy() -> None:
    env = env_of("notify") | {
        "EIS_RISK_TEAM_EMAILS": " risk@testville.example.gov, chief@testville.example.gov ",
        "EIS_ROUTING_POLICY": "risk_team",
        "EIS_REVIEW_DAYS": "21",
    }

    settings = NotifySettings.from_env(env)

    assert settings.risk_team_emails == ("risk@testville.example.gov", "chief@testville.example.gov")
    assert settings.routing_policy is RoutingPolicy.CENTRALIZED
    assert settings.review_days == 21
    assert NotifySettings.from_env(settings.to_env()) == settings


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EIS_ROUTING_POLICY", "email_everyone", "EIS_ROUTING_POLICY"),
        ("EIS_SENDER_EMAIL", "not-an-email", "EIS_SENDER_EMAIL"),
        ("EIS_ESCALATION_DAYS", "0", "EIS_ESCALATION_DAYS"),
    ],
)
def test_invalid_notify_settings_are_refused_naming_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        NotifySettings.from_env(env_of("notify") | {variable: value})


def test_rule_thresholds_travel_as_one_json_object() -> None:
    thresholds = {"force_90d": {"warning": 4, "critical": 8}, "injuries_180d": {"warning": 3}}

    env = env_of("score", rule_thresholds=thresholds)

    assert json.loads(env["EIS_RULE_THRESHOLDS"]) == thresholds
    assert ScoreSettings.from_env(env).rule_thresholds == {
        "force_90d": RuleThreshold(warning=4, critical=8),
        "injuries_180d": RuleThreshold(warning=3),
    }
    assert ScoreSettings.from_env(env | {"EIS_RULE_THRESHOLDS": ""}).rule_thresholds == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"force_9d": {"warning": 2}}', "unknown rule 'force_9d'"),
        ('{"force_90d": {"warning": 5, "critical": 4}}', "below warning"),
        ('{"force_90d": {"critical": 4}}', "warning"),
        ('{"force_90d": {"warning": 2, "severe": 4}}', "severe"),
        ('{"force_90d": {"warning": 0}}', "greater than 0"),
    ],
)
def test_bad_rule_thresholds_fail_the_score_functions_start(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ScoreSettings.from_env(env_of("score") | {"EIS_RULE_THRESHOLDS": value})


def test_infra_and_the_runtime_share_one_routing_policy_and_one_threshold_model() -> None:
    from eis_core.scoring import rules
    from infra import config

    assert config.AgencyConfig.model_fields["routing_policy"].annotation is RoutingPolicy
    assert config.AgencyConfig.model_fields["rule_thresholds"].annotation == dict[str, RuleThreshold]
    assert not hasattr(config, "RuleThreshold") and not hasattr(config, "ResponseModel")
    assert vars(rules)["RuleThreshold"] is RuleThreshold  # rules reuses it, never redefines it


def test_the_intervention_catalogue_and_periods_default_and_travel_to_the_case_api() -> None:
    default = CasesApiSettings.from_env(env_of("cases_api"))
    assert default.intervention_catalogue == DEFAULT_INTERVENTION_CATALOGUE
    assert "wellness_referral" in default.intervention_catalogue
    assert (default.checkin_days, default.monitoring_days) == (30, 90)

    env = env_of("cases_api", intervention_catalogue=["coaching_mentoring", "chaplain_referral"], checkin_days=14)

    assert env["EIS_INTERVENTION_CATALOGUE"] == "coaching_mentoring,chaplain_referral"
    settings = CasesApiSettings.from_env(env)
    assert settings.intervention_catalogue == ("coaching_mentoring", "chaplain_referral")
    assert settings.checkin_days == 14


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EIS_INTERVENTION_CATALOGUE", "coaching,Coaching Sessions", "EIS_INTERVENTION_CATALOGUE"),
        ("EIS_INTERVENTION_CATALOGUE", "training,training", "more than once"),
        ("EIS_INTERVENTION_CATALOGUE", "", "EIS_INTERVENTION_CATALOGUE"),
        ("EIS_CHECKIN_DAYS", "0", "EIS_CHECKIN_DAYS"),
        ("EIS_MONITORING_DAYS", "1000", "EIS_MONITORING_DAYS"),
    ],
)
def test_an_invalid_intervention_policy_fails_the_case_apis_start(variable: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CasesApiSettings.from_env(env_of("cases_api") | {variable: value})
