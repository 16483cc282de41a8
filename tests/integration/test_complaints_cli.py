"""``eis complaints letters`` and ``eis complaints timeliness`` on an agency's stack (moto in process)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from eis_core.complaints.letters import TEMPLATE_KEYS
from eis_core.models.records import Complaint
from eis_core.wiring import aws_adapters
from eis_tools.local.cli import main
from eis_tools.local.resources import LocalSettings
from tests import builders

TEMPLATE = """\
<p>{{agency_name}}, {{letter_date}}</p>
<p>Your complaint {{complaint_number}} was received on {{received_on}}. Questions: {{contact}}</p>
"""
ROSTER = [
    builders.officer("S1", "Sam", "Sergeant", None, "sgt@testville.example.gov", unit="Patrol"),
    builders.officer("A1001", "Jordan", "Whitfield", "S1", unit="Patrol"),
    builders.officer("B2002", "Morgan", "Castellano", "S1", unit="Traffic"),
]


def _complaint(number: str, officer_id: str, received: date, **fields: Any) -> Complaint:
    return builders.complaint(officer_id, received, complaint_id=number, received_on=received, **fields)


@pytest.fixture
def stored(settings: LocalSettings) -> None:
    adapters = aws_adapters(settings)
    adapters.records.put_records(ROSTER, upload_id="u-roster")
    complaints = [
        _complaint("CR-1", "A1001", date(2025, 5, 5), acknowledged_on=date(2025, 5, 6), closed_on=date(2025, 6, 4)),
        _complaint("CR-2", "A1001", date(2025, 6, 2)),
        _complaint("CR-2", "B2002", date(2025, 6, 2)),  # one complaint, two officers: one letter
        _complaint("CR-3", "B2002", date(2025, 6, 9), acknowledged_on=date(2025, 6, 20)),
    ]
    adapters.records.put_records(complaints, upload_id="u-complaints")
    adapters.artifacts.put_bytes(TEMPLATE_KEYS["html"], TEMPLATE.encode())


def test_letters_are_written_per_complaint_number_and_name_no_officer(
    stored: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--agency", "testville", "--agency-name", "Testville PD", "--contact", "intake@testville.example.gov"]

    code = main(
        [
            "complaints",
            "letters",
            *common,
            "--date",
            "2025-06-30",
            "--since",
            "2025-06-01",
            "--out",
            str(tmp_path / "a"),
        ]
    )
    unacknowledged = main(["complaints", "letters", *common, "--date", "2025-06-30", "--out", str(tmp_path / "b")])

    assert code == unacknowledged == 0
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["CR-2.html", "CR-3.html"]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["CR-2.html"]
    letter = (tmp_path / "a" / "CR-2.html").read_text()
    assert letter == (
        "<p>Testville PD, 2025-06-30</p>\n"
        "<p>Your complaint CR-2 was received on 2025-06-02. Questions: intake@testville.example.gov</p>\n"
    )
    for path in [*(tmp_path / "a").iterdir(), *(tmp_path / "b").iterdir()]:
        text = path.read_text()
        for officer in ROSTER:
            assert officer.officer_id not in text
            assert officer.first_name not in text and officer.last_name not in text
    assert "2 acknowledgment letter(s) for complaints received since 2025-06-01" in capsys.readouterr().out


def test_the_timeliness_report_gives_medians_for_the_agency_and_each_unit(
    stored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["complaints", "timeliness", "--agency", "testville", "--as-of", "2025-06-30"])

    printed = capsys.readouterr().out
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in printed.splitlines()[2:-1]}
    # complaints, acknowledged, late, closed, median days to acknowledge, median days to close
    assert rows["agency"] == ["3", "2", "1", "1", "6.0", "30.0"]
    assert rows["Patrol"] == ["2", "1", "0", "1", "1.0", "30.0"]
    assert rows["Traffic"] == ["2", "1", "1", "0", "11.0", "unknown"]
