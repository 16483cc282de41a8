"""``eis report efficacy`` on an agency's tables (moto in process, the local stack's account and region)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.models.cases import CaseStatus, CaseTransition, Disposition, InterventionOutcome
from eis_core.wiring import aws_adapters
from eis_tools.local.cli import main
from eis_tools.local.resources import LocalSettings
from tests import builders

WORKED = (CaseStatus.INTERVENTION_PLANNED, CaseStatus.INTERVENTION_IN_PROGRESS, CaseStatus.MONITORING)


def test_the_efficacy_report_reads_the_agencys_cases_and_records(
    settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given A1 coached (completed 1 Jan 2024) after 4 uses of force in 2023 and 1 since; B1's case closed
    # without an intervention on the same day, with 2 uses of force before and 2 since.
    adapters = aws_adapters(settings)
    coached = builders.case("case-a", "A1", status=CaseStatus.MONITORING)
    adapters.cases.create_case(coached)
    done = builders.intervention(
        case_id="case-a", outcome=InterventionOutcome.COMPLETED, completed_on=date(2024, 1, 1), notes="Private."
    )
    adapters.cases.add_intervention(done, statuses=WORKED)
    closing = CaseTransition(
        from_status=CaseStatus.IN_REVIEW,
        to_status=CaseStatus.CLOSED,
        at=datetime(2024, 1, 1, 12, tzinfo=UTC),
        by="sub-s1",
        by_role="supervisor",
        reason="Within policy.",
        disposition=Disposition.NO_ACTION_NEEDED,
    )
    adapters.cases.create_case(builders.case("case-b", "B1", status=CaseStatus.CLOSED, history=[closing]))
    force = [("A1", d) for d in ("2023-02-01", "2023-05-01", "2023-08-01", "2023-11-01", "2024-03-01")]
    force += [("B1", d) for d in ("2023-03-01", "2023-09-01", "2024-02-01", "2024-05-01")]
    adapters.records.put_records(
        [builders.use_of_force(officer, date.fromisoformat(day)) for officer, day in force], upload_id="u-1"
    )

    code = main(["report", "efficacy", "--agency", "testville", "--as-of", "2025-02-01"])

    printed = capsys.readouterr().out
    assert code == 0
    lines = {tuple(line.split()[:2]): line.split() for line in printed.splitlines() if line[:1].isalpha()}
    assert lines[("coaching_mentoring", "6m")][2:] == ["1", "0", "4.00", "2.00", "-50%"]
    assert lines[("no_intervention", "6m")][2:] == ["1", "0", "2.00", "4.00", "+100%"]
    assert lines[("coaching_mentoring", "12m")][2:] == ["1", "0", "4.00", "1.00", "-75%"]
    assert "This is not a causal estimate." in printed
    assert "Private." not in printed
