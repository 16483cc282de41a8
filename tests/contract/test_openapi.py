"""The committed OpenAPI document is the case API's contract: it must match what the code serves."""

from __future__ import annotations

import json
from pathlib import Path

from functions.cases_api.openapi import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "functions" / "cases_api" / "openapi.json"
REGENERATE = "python -m functions.cases_api.openapi > functions/cases_api/openapi.json"


def test_the_committed_openapi_document_matches_the_routes_and_models() -> None:
    generated = openapi_document()

    assert COMMITTED.exists(), f"functions/cases_api/openapi.json is missing; create it with: {REGENERATE}"
    assert json.loads(COMMITTED.read_text()) == json.loads(generated), (
        "the case API changed but functions/cases_api/openapi.json did not; if the change is intended, "
        f"regenerate it with: {REGENERATE} (and tell the portal's maintainers)"
    )


def test_the_contract_documents_every_route_with_its_success_and_error_codes() -> None:
    document = json.loads(COMMITTED.read_text())

    assert document["info"]["title"] == "EIS case API"
    codes = {
        (method.upper(), path): set(operation["responses"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert codes[("POST", "/alerts/{alert_id}/case")] >= {"201", "401", "403", "404", "409", "422"}
    assert codes[("POST", "/cases/{case_id}/notes")] >= {"201", "404", "422"}
    assert codes[("POST", "/alerts/{alert_id}/dismissal")] >= {"200", "403", "404", "409", "422"}
    assert codes[("POST", "/cases/{case_id}/transitions")] >= {"200", "403", "404", "409", "422"}
    assert codes[("POST", "/cases/{case_id}/transitions")] >= {"200", "403", "404", "409", "412", "422"}
    assert codes[("POST", "/cases/{case_id}/notes")] >= {"412"}
    assert set(codes) == {
        ("GET", "/alerts"),
        ("GET", "/alerts/{alert_id}"),
        ("POST", "/alerts/{alert_id}/case"),
        ("POST", "/alerts/{alert_id}/dismissal"),
        ("GET", "/cases"),
        ("GET", "/queue"),
        ("GET", "/cases/{case_id}"),
        ("POST", "/cases/{case_id}/notes"),
        ("POST", "/cases/{case_id}/transitions"),
        ("POST", "/cases/{case_id}/interventions"),
        ("POST", "/cases/{case_id}/interventions/{intervention_id}/start"),
        ("POST", "/cases/{case_id}/interventions/{intervention_id}/completion"),
        ("POST", "/cases/{case_id}/interventions/{intervention_id}/checkins"),
        ("GET", "/audit"),
        ("GET", "/uploads"),
        ("GET", "/uploads/{upload_id}"),
        ("GET", "/uploads/{upload_id}/quarantine"),
        ("GET", "/reports/runs"),
        ("GET", "/reports/runs/{as_of}"),
        ("GET", "/reports/backtests"),
        ("GET", "/reports/backtests/{test_year}"),
        ("GET", "/reports/trends"),
        ("GET", "/reports/command"),
        ("GET", "/models/current"),
        ("GET", "/models/{trained_model_id}"),
        ("POST", "/models/{trained_model_id}/promotion"),
        ("POST", "/cases/{case_id}/assignment"),
        ("POST", "/cases/{case_id}/acknowledgement"),
        ("POST", "/cases/{case_id}/deferral"),
        ("POST", "/cases/{case_id}/deferral/end"),
        ("POST", "/officers/{officer_id}/deferral"),
        ("GET", "/officers/{officer_id}/deferral"),
        ("POST", "/officers/{officer_id}/deferral/end"),
        ("GET", "/deferrals"),
        ("GET", "/officers"),
        ("GET", "/officers/{officer_id}"),
        ("GET", "/wellness/checkins"),
        ("GET", "/wellness/checkins/{checkin_id}"),
        ("POST", "/wellness/checkins/{checkin_id}/acknowledge"),
        ("GET", "/me/last-visit"),
        ("PUT", "/me/last-visit"),
        ("GET", "/interventions/catalogue"),
    }
    assert codes[("POST", "/models/{trained_model_id}/promotion")] >= {"200", "403", "404", "409", "422"}
    assert codes[("GET", "/uploads/{upload_id}/quarantine")] >= {"200", "403", "404"}
    assert codes[("POST", "/cases/{case_id}/interventions")] >= {"201", "404", "409", "422"}
    assert codes[("POST", "/cases/{case_id}/interventions/{intervention_id}/checkins")] >= {"201", "404", "409"}
    # Every request's body is screened first: media type, encoding, size and depth answer these anywhere.
    for operation_codes in codes.values():
        assert operation_codes >= {"400", "401", "403", "413", "415", "422"}
        assert not {code for code in operation_codes if code.startswith("5")} - {"503"}
    quarantine_ok = document["paths"]["/uploads/{upload_id}/quarantine"]["get"]["responses"]["200"]
    assert set(quarantine_ok["content"]) == {"text/csv"}


OFFICER_PAGES = {"OfficerSnapshot", "OfficerSummaryOut", "PersonOut"}
"""The officer snapshot and search name the officer (and the supervisor): who it is about is their point."""


def test_api_responses_carry_officer_ids_but_no_names() -> None:
    schemas = json.loads(COMMITTED.read_text())["components"]["schemas"]

    fields = {
        name for key, schema in schemas.items() if key not in OFFICER_PAGES for name in schema.get("properties", {})
    }
    assert "officer_id" in fields
    assert not fields & {"first_name", "last_name", "name", "email", "race", "sex", "birth_year"}


def test_officer_pages_carry_a_name_but_no_contact_details_or_demographics() -> None:
    schemas = json.loads(COMMITTED.read_text())["components"]["schemas"]

    assert set(schemas) >= OFFICER_PAGES
    every_field = {name for schema in schemas.values() for name in schema.get("properties", {})}
    assert {"name", "badge"} <= every_field
    assert not every_field & {"email", "race", "sex", "birth_year", "subject_injured", "amount_paid"}
