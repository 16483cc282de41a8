"""Complaint timeliness: dates on complaints, days to acknowledge and to close, business days, letters."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from eis_core.complaints.letters import (
    TEMPLATE_KEYS,
    LetterTemplate,
    acknowledgment_letters,
    load_template,
    render_letter,
)
from eis_core.complaints.timeliness import (
    add_business_days,
    agency_timeliness,
    business_days_between,
    complaint_timings,
    days_to_close,
    median_days,
)
from eis_core.errors import NotFoundError, ValidationFailed
from eis_core.models.records import Complaint, Officer, RecordKind
from eis_core.wiring import memory_adapters
from eis_tools.generate import GeneratorConfig, generate_agency, write_extracts
from eis_tools.generate.agency import LATE_ACKNOWLEDGMENT_SHARE
from tests import builders
from tests.unit.ingest_helpers import AGENCY, ROSTER, ingest, put_mapping, quarantine_rows, service_for, stored

FRIDAY = date(2025, 6, 6)
HEADER = "source_record_id,officer_id,occurred_on,known_on,complaint_id,category"


def _complaint(**fields: Any) -> Complaint:
    base = {"occurred_on": date(2025, 6, 1), "known_on": date(2025, 6, 2)}
    return builders.complaint("A1", **(base | fields))


# --- the model and ingest ---------------------------------------------------------------------------


def test_dates_out_of_order_are_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="acknowledged_on is before received_on"):
        _complaint(received_on=date(2025, 6, 3), acknowledged_on=date(2025, 6, 2))
    with pytest.raises(ValidationError, match="closed_on is before received_on"):
        _complaint(received_on=date(2025, 6, 3), closed_on=date(2025, 6, 2))
    with pytest.raises(ValidationError, match=r"acknowledged_on is before known_on \(the intake date\)"):
        _complaint(acknowledged_on=date(2025, 6, 1))
    assert _complaint().received == date(2025, 6, 2)  # no received date: the intake date stands in


def test_an_extract_without_the_new_columns_is_ingested_as_before() -> None:
    adapters = memory_adapters(AGENCY)
    service = service_for(adapters)
    ingest(service, adapters, "incoming/roster/roster.csv", ROSTER)

    report = ingest(
        service, adapters, "incoming/complaint/c.csv", f"{HEADER}\nc-1,A100,2025-06-01,2025-06-02,CR-1,verbal_abuse\n"
    )

    assert (report.rejected, report.rows_accepted, report.rows_quarantined) == (False, 1, 0)
    record = stored(adapters, RecordKind.COMPLAINT)["c-1"]
    assert isinstance(record, Complaint)
    assert (record.received_on, record.acknowledged_on, record.closed_on) == (None, None, None)


def test_acknowledged_or_closed_before_received_is_quarantined_with_line_and_reason() -> None:
    # Given an extract with the timeliness columns: line 2 is fine, line 3 acknowledged before it was
    # received, line 4 closed before it was received.
    adapters = memory_adapters(AGENCY)
    service = service_for(adapters)
    ingest(service, adapters, "incoming/roster/roster.csv", ROSTER)
    body = (
        f"{HEADER},received_on,acknowledged_on,closed_on\n"
        "c-1,A100,2025-06-01,2025-06-02,CR-1,verbal_abuse,2025-06-02,2025-06-04,\n"
        "c-2,A100,2025-06-01,2025-06-02,CR-2,verbal_abuse,2025-06-05,2025-06-03,\n"
        "c-3,A200,2025-06-01,2025-06-02,CR-3,verbal_abuse,2025-06-05,,2025-06-04\n"
    )

    report = ingest(service, adapters, "incoming/complaint/c.csv", body)

    assert (report.rows_accepted, report.rows_quarantined) == (1, 2)
    problems = {row["line"]: row for row in quarantine_rows(adapters, report)}
    assert problems["3"]["column"] == "acknowledged_on"
    assert problems["3"]["reason"] == "acknowledged_on is before received_on"
    assert problems["4"]["column"] == "closed_on"
    assert problems["4"]["reason"] == "closed_on is before received_on"
    kept = stored(adapters, RecordKind.COMPLAINT)["c-1"]
    assert isinstance(kept, Complaint) and kept.acknowledged_on == date(2025, 6, 4)


def test_an_agency_mapping_names_its_own_columns_and_date_format() -> None:
    adapters = memory_adapters(AGENCY)
    service = service_for(adapters)
    ingest(service, adapters, "incoming/roster/roster.csv", ROSTER)
    put_mapping(
        adapters,
        {
            "agency_id": AGENCY,
            "version": 4,
            "kinds": {
                "complaint": {
                    "kind": "complaint",
                    "fields": {
                        "received_on": {"column": "Date Received", "date_format": "%m/%d/%Y"},
                        "acknowledged_on": {"column": "Ack Letter Sent", "date_format": "%m/%d/%Y"},
                    },
                }
            },
        },
    )
    body = (
        f"{HEADER},Date Received,Ack Letter Sent\n"
        "c-1,A100,2025-06-01,2025-06-02,CR-1,verbal_abuse,06/02/2025,06/13/2025\n"
    )

    report = ingest(service, adapters, "incoming/complaint/c.csv", body)

    assert (report.rows_accepted, report.mapping_version) == (1, 4)
    record = stored(adapters, RecordKind.COMPLAINT)["c-1"]
    assert isinstance(record, Complaint)
    assert (record.received_on, record.acknowledged_on) == (date(2025, 6, 2), date(2025, 6, 13))


# --- business days and the figures ------------------------------------------------------------------


def test_business_days_skip_weekends_and_the_agencys_holidays() -> None:
    assert add_business_days(FRIDAY, 1) == date(2025, 6, 9)  # Monday
    assert add_business_days(FRIDAY, 5) == date(2025, 6, 13)
    assert add_business_days(FRIDAY, 5, holidays={date(2025, 6, 9)}) == date(2025, 6, 16)
    assert business_days_between(FRIDAY, date(2025, 6, 16)) == 6
    assert business_days_between(FRIDAY, date(2025, 6, 16), holidays={date(2025, 6, 9)}) == 5
    assert business_days_between(FRIDAY, FRIDAY) == 0


def test_days_to_acknowledge_and_close_read_a_complaints_allegations_together() -> None:
    # Given CR-1 with two allegations (two officers): received 2 June, acknowledged 5 June, the
    # allegations closed 20 June, 25 June and 2 July; CR-2 still open, acknowledged late on 20 June.
    complaints = [
        _complaint(
            complaint_id="CR-1",
            received_on=date(2025, 6, 2),
            acknowledged_on=date(2025, 6, 5),
            closed_on=date(2025, 6, 25),
        ),
        builders.complaint(
            "A2",
            date(2025, 6, 1),
            known=date(2025, 6, 3),
            complaint_id="CR-1",
            closed_on=date(2025, 7, 2),
            decided=date(2025, 7, 2),
            finding="not_sustained",
        ),
        _complaint(complaint_id="CR-1", closed_on=date(2025, 6, 20)),
        _complaint(complaint_id="CR-2", acknowledged_on=date(2025, 6, 20)),
    ]

    timings = {t.complaint_id: t for t in complaint_timings(complaints)}

    assert (timings["CR-1"].days_to_acknowledge, timings["CR-1"].days_to_close) == (3, 30)
    assert timings["CR-1"].officer_ids == ("A1", "A2")
    assert (timings["CR-2"].days_to_acknowledge, timings["CR-2"].days_to_close) == (18, None)
    assert timings["CR-2"].acknowledged_late() and not timings["CR-1"].acknowledged_late()
    assert days_to_close(complaints) == {"CR-1": 30}
    # As of 10 June nothing was closed and CR-2 was not yet acknowledged: a later date is not known yet.
    early = {t.complaint_id: t for t in complaint_timings(complaints, as_of=date(2025, 6, 10))}
    assert early["CR-2"].acknowledged_on is None and early["CR-1"].closed_on is None
    assert early["CR-2"].overdue_on(date(2025, 6, 10)) and not early["CR-1"].overdue_on(date(2025, 6, 10))


def test_medians_per_agency_and_unit_say_unknown_rather_than_zero() -> None:
    roster = [
        builders.officer("A1", unit="Patrol"),
        builders.officer("A2", unit="Traffic"),
    ]
    complaints = [
        _complaint(complaint_id="CR-1", acknowledged_on=date(2025, 6, 3), closed_on=date(2025, 6, 12)),
        _complaint(complaint_id="CR-2", acknowledged_on=date(2025, 6, 6), closed_on=date(2025, 6, 22)),
        _complaint(complaint_id="CR-3", acknowledged_on=date(2025, 6, 16)),
        builders.complaint("A2", date(2025, 6, 1), known=date(2025, 6, 2), complaint_id="CR-4"),
    ]

    agency, units = agency_timeliness(complaints, roster, as_of=date(2025, 7, 1))

    assert (agency.complaints, agency.acknowledged, agency.acknowledged_late, agency.closed) == (4, 3, 1, 2)
    assert (agency.median_days_to_acknowledge, agency.median_days_to_close) == (4.0, 15.0)
    by_unit = {u.group: u for u in units}
    assert by_unit["Patrol"].median_days_to_close == 15.0
    assert (by_unit["Traffic"].complaints, by_unit["Traffic"].median_days_to_acknowledge) == (1, None)
    assert median_days([]) is None


# --- letters ----------------------------------------------------------------------------------------

TEXT_TEMPLATE = """\
{{agency_name}}
{{ letter_date }}

Re: your complaint {{complaint_number}}, received {{received_on}}.
We have received your complaint and will investigate it. Questions: {{contact}}.
"""


def test_a_letter_fills_the_agencys_template_and_html_is_escaped() -> None:
    text = LetterTemplate(TEXT_TEMPLATE, "txt", TEMPLATE_KEYS["txt"])
    letter = render_letter(
        text,
        complaint_number="CR-000123",
        received_on=date(2025, 6, 2),
        letter_date=date(2025, 6, 3),
        agency_name="Orange County Sheriff",
        contact="intake@ocsd.example.gov",
    )
    assert letter.body.startswith(
        "Orange County Sheriff\n2025-06-03\n\nRe: your complaint CR-000123, received 2025-06-02."
    )
    assert letter.file_name == "CR-000123.txt"

    page = LetterTemplate("<p>{{agency_name}}: {{complaint_number}}</p>", "html", TEMPLATE_KEYS["html"])
    html = render_letter(
        page,
        complaint_number="CR/9",
        received_on=date(2025, 6, 2),
        letter_date=date(2025, 6, 3),
        agency_name="Smith & Sons <PD>",
        contact="",
    )
    assert html.body == "<p>Smith &amp; Sons &lt;PD&gt;: CR/9</p>" and html.file_name == "CR_9.html"


def test_a_template_with_an_unknown_placeholder_or_no_complaint_number_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"unknown placeholder\(s\) \{\{officer_name\}\}"):
        LetterTemplate("{{complaint_number}} {{officer_name}}", "txt", TEMPLATE_KEYS["txt"])
    with pytest.raises(ValidationFailed, match=r"no \{\{complaint_number\}\}"):
        LetterTemplate("Dear complainant", "txt", TEMPLATE_KEYS["txt"])
    with pytest.raises(NotFoundError, match=r"config/letters/acknowledgment\.txt"):
        load_template(memory_adapters(AGENCY).artifacts)


# --- the generator ----------------------------------------------------------------------------------

GENERATED = GeneratorConfig(officers=100, start=date(2023, 1, 1), end=date(2025, 6, 30), seed=11)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Complaint], list[Officer], Path]:
    agency = generate_agency(GENERATED)
    folder = tmp_path_factory.mktemp("timeliness")
    write_extracts(agency, folder)
    complaints = [r for r in agency.records[RecordKind.COMPLAINT] if isinstance(r, Complaint)]
    return complaints, list(agency.officers), folder


def test_generated_complaints_carry_dates_with_some_late_acknowledgments(
    generated: tuple[list[Complaint], list[Officer], Path],
) -> None:
    complaints, roster, folder = generated
    timings = complaint_timings(complaints, as_of=GENERATED.end)

    acknowledged = [t for t in timings if t.acknowledged_on is not None]
    late = [t for t in acknowledged if t.acknowledged_late()]
    assert all(c.received_on == c.known_on for c in complaints)
    assert len(acknowledged) > 0.9 * len(timings)
    assert 0.5 * LATE_ACKNOWLEDGMENT_SHARE < len(late) / len(acknowledged) < 2 * LATE_ACKNOWLEDGMENT_SHARE
    assert all(c.closed_on == c.finding_decided_on for c in complaints)
    with (folder / "complaint.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert {"received_on", "acknowledged_on", "closed_on"} <= set(header)
    agency, _ = agency_timeliness(complaints, roster, as_of=GENERATED.end)
    assert agency.median_days_to_acknowledge is not None and agency.median_days_to_acknowledge <= 7


def test_generated_letters_name_no_officer(generated: tuple[list[Complaint], list[Officer], Path]) -> None:
    complaints, roster, _ = generated
    template = LetterTemplate(TEXT_TEMPLATE, "txt", TEMPLATE_KEYS["txt"])
    since = GENERATED.end - timedelta(days=90)

    letters = acknowledgment_letters(
        template,
        complaint_timings(complaints, as_of=GENERATED.end),
        letter_date=GENERATED.end,
        agency_name="Demo Police Department",
        contact="intake@demo.example.gov",
        since=since,
    )

    recent = {c.complaint_id for c in complaints if c.received >= since}
    assert {letter.complaint_number for letter in letters} == recent and recent
    text = "\n".join(letter.body for letter in letters)
    for officer in roster:
        assert officer.officer_id not in text
        assert f"{officer.first_name} {officer.last_name}" not in text
        assert officer.last_name not in text.split()
