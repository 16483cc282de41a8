"""Interventions beside their case: the in-memory and the DynamoDB (moto) case stores pass the same tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from eis_core.errors import ConflictError, NotFoundError
from eis_core.models.cases import CaseStatus, CheckIn, InterventionOutcome
from eis_core.storage.dynamodb import INTERVENTION_PREFIX
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders

WORKED = (CaseStatus.INTERVENTION_PLANNED, CaseStatus.INTERVENTION_IN_PROGRESS, CaseStatus.MONITORING)


@pytest.fixture(params=["memory", "aws"])
def adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters("testville")
    settings: LocalSettings = request.getfixturevalue("settings")  # moto is active for the whole test
    return aws_adapters(settings)


def planned_case(adapters: Adapters, case_id: str = "case-1", officer_id: str = "A1") -> None:
    adapters.cases.create_case(builders.case(case_id, officer_id, status=CaseStatus.INTERVENTION_PLANNED))


def test_interventions_come_back_with_their_case_oldest_first_and_a_retry_changes_nothing(adapters: Adapters) -> None:
    planned_case(adapters)
    later = builders.intervention("intv-b", created_at=datetime(2024, 5, 3, tzinfo=UTC), type="training")
    first = builders.intervention("intv-z", notes="Weekly coaching with the FTO.")

    adapters.cases.add_intervention(later, statuses=WORKED)
    adapters.cases.add_intervention(first, statuses=WORKED)
    adapters.cases.add_intervention(first, statuses=WORKED)  # a retried request

    stored = adapters.cases.get_case("case-1")
    assert stored is not None
    assert [i.intervention_id for i in stored.interventions] == ["intv-z", "intv-b"]
    assert stored.interventions[0] == first
    assert adapters.cases.list_open_cases()[0].interventions == []  # listings stay light
    with pytest.raises(ConflictError, match="other content"):
        adapters.cases.add_intervention(first.model_copy(update={"type": "recognition"}), statuses=WORKED)


def test_an_intervention_is_added_only_while_the_case_is_at_an_intervention_stage(adapters: Adapters) -> None:
    adapters.cases.create_case(builders.case("case-1", "A1", status=CaseStatus.IN_REVIEW))

    with pytest.raises(ConflictError, match="in_review"):
        adapters.cases.add_intervention(builders.intervention(), statuses=WORKED)
    with pytest.raises(NotFoundError):
        adapters.cases.add_intervention(builders.intervention(case_id="missing"), statuses=WORKED)

    stored = adapters.cases.get_case("case-1")
    assert stored is not None and stored.interventions == []


def test_an_update_applies_to_the_revision_it_read_and_a_stale_one_is_refused(adapters: Adapters) -> None:
    planned_case(adapters)
    adapters.cases.add_intervention(builders.intervention(), statuses=WORKED)
    read = adapters.cases.get_case("case-1")
    assert read is not None
    original = read.interventions[0]
    checkin = CheckIn(
        checkin_id="ck-1",
        at=datetime(2024, 6, 1, 10, tzinfo=UTC),
        by="sub-s1",
        by_role="supervisor",
        note="Going well.",
        next_due_on=date(2024, 7, 1),
    )
    checked = original.model_copy(update={"checkins": [checkin], "next_checkin_due_on": date(2024, 7, 1)})

    saved = adapters.cases.update_intervention(checked, expected_revision=original.revision, statuses=WORKED)

    assert saved.revision == original.revision + 1 and saved.checkins == [checkin]
    stored = adapters.cases.get_case("case-1")
    assert stored is not None and stored.interventions == [saved]
    # A second supervisor read the same revision and completes it: refused, nothing overwritten.
    completed = original.model_copy(update={"outcome": InterventionOutcome.COMPLETED, "completed_on": date(2024, 6, 2)})
    with pytest.raises(ConflictError, match="changed meanwhile"):
        adapters.cases.update_intervention(completed, expected_revision=original.revision, statuses=WORKED)
    with pytest.raises(NotFoundError):
        adapters.cases.update_intervention(builders.intervention("intv-missing"), expected_revision=0, statuses=WORKED)
    again = adapters.cases.get_case("case-1")
    assert again is not None and again.interventions == [saved]


def test_a_closed_cases_interventions_do_not_change(adapters: Adapters) -> None:
    adapters.cases.create_case(builders.case("case-1", "A1", status=CaseStatus.INTERVENTION_IN_PROGRESS))
    adapters.cases.add_intervention(builders.intervention(), statuses=WORKED)
    case = adapters.cases.get_case("case-1")
    assert case is not None
    builders.move_stored(adapters.cases, case.case_id, CaseStatus.CLOSED)

    with pytest.raises(ConflictError, match="closed"):
        adapters.cases.update_intervention(
            case.interventions[0].model_copy(update={"started_on": date(2024, 5, 5)}),
            expected_revision=0,
            statuses=WORKED,
        )


def test_a_case_item_does_not_carry_its_interventions_in_dynamodb(settings: LocalSettings) -> None:
    # Each intervention is an item of its own (INTV#<id>), so a long plan cannot push the case past 400 KB.
    import boto3

    adapters = aws_adapters(settings)
    planned_case(adapters)
    notes = "x" * 10_000
    for n in range(3):
        intervention = builders.intervention(
            f"intv-{n}", notes=notes, created_at=datetime(2024, 5, 2, tzinfo=UTC) + timedelta(hours=n)
        )
        adapters.cases.add_intervention(intervention, statuses=WORKED)

    items = boto3.client("dynamodb").query(
        TableName=settings.cases_table,
        KeyConditionExpression="case_id = :c",
        ExpressionAttributeValues={":c": {"S": "case-1"}},
    )["Items"]

    keys = sorted(item["sk"]["S"] for item in items)
    assert keys == ["CASE", *(f"{INTERVENTION_PREFIX}intv-{n}" for n in range(3))]
    case_item = next(item for item in items if item["sk"]["S"] == "CASE")
    assert "interventions" not in case_item


def test_every_case_open_or_closed_is_read_back_with_its_interventions_for_reports(adapters: Adapters) -> None:
    planned_case(adapters, "case-b", "A2")
    adapters.cases.add_intervention(builders.intervention(case_id="case-b"), statuses=WORKED)
    closed = builders.case("case-a", "A1", status=CaseStatus.IN_REVIEW)
    adapters.cases.create_case(closed)
    builders.move_stored(adapters.cases, closed.case_id, CaseStatus.CLOSED)

    found = list(adapters.cases.iter_cases())

    assert [(c.case_id, c.status, len(c.interventions)) for c in found] == [
        ("case-a", CaseStatus.CLOSED, 0),
        ("case-b", CaseStatus.INTERVENTION_PLANNED, 1),
    ]
