"""An agency writes its model spec as JSON: the schema, `eis spec check`, and errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eis_core.errors import ValidationFailed
from eis_core.indicators.history import PopulationRule, RecentEvents
from eis_core.scoring.spec import ModelSpec, packaged_spec, parse_spec, spec_json_schema
from eis_tools.local.cli import main


def test_every_bad_field_is_named_by_its_path() -> None:
    document = {
        "window_months": 0,
        "population": {"recent_events": {"kinds": ["complaints"], "within_days": 365}},
        "excluded_kinds": ["lawsuits"],
        "excluded_features": ["complaints_3y"],
        "colour": "blue",
    }
    with pytest.raises(ValidationFailed) as raised:
        parse_spec(json.dumps(document), source="spec.json")
    message = str(raised.value)
    assert message.startswith("spec.json: invalid model spec: ")
    for named in (
        "window_months:",
        "population.recent_events.kinds: unknown event kind(s) complaints",
        "excluded_kinds: unknown record kind(s) lawsuits",
        "excluded_features: unknown feature(s) complaints_3y",
        "colour: Extra inputs are not permitted",
    ):
        assert named in message


def test_a_document_that_is_not_json_names_the_line() -> None:
    with pytest.raises(ValidationFailed, match=r"spec.json: not valid JSON \(line 2"):
        parse_spec('{\n  "window_months": ,\n}', source="spec.json")


def test_the_schema_describes_the_population_conditions() -> None:
    schema = spec_json_schema()
    assert schema["additionalProperties"] is False
    population = schema["$defs"]["PopulationRule"]["properties"]
    assert {"exclude_ranks", "min_tenure_days", "active_within_days", "recent_events"} <= set(population)


def test_a_spec_without_the_newer_condition_keeps_its_model_id() -> None:
    # The population's recent_events condition is left out of the JSON when unset, so specs written
    # before it (and the model ids hashed from them) are unchanged.
    assert "recent_events" not in ModelSpec().learnt()["population"]
    chicago = packaged_spec("chicago-demo").learnt()["population"]
    assert chicago == {"exclude_ranks": ["CIVILIAN"], "min_tenure_days": 0, "active_within_days": 365}
    with_condition = PopulationRule(recent_events=RecentEvents(kinds=("complaint",), within_days=1826))
    assert with_condition.model_dump(mode="json")["recent_events"] == {"kinds": ["complaint"], "within_days": 1826}


def test_eis_spec_check_explains_a_valid_spec_and_refuses_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "spec.json"
    good.write_text(
        json.dumps({"population": {"recent_events": {"kinds": ["complaint"], "within_days": 1826}}}), encoding="utf-8"
    )
    assert main(["spec", "check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "valid model spec" in out
    assert "with a complaint known within 1826 days" in out

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"top_share": 2}), encoding="utf-8")
    assert main(["spec", "check", str(bad)]) == 1
    assert "top_share: Input should be less than or equal to 1" in capsys.readouterr().err
