"""One contract for every storage adapter: the in-memory ones and DynamoDB/S3 on moto pass the same tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from eis_core.audit import AuditTrail, ChainKey, verify_chain, verify_log
from eis_core.errors import ConflictError, NotFoundError, StorageError
from eis_core.models.alerts import Alert, AlertStatus, Factor, OfficerScore, RuleHit
from eis_core.models.cases import Case, CaseStatus, CaseTransition, Disposition, Note
from eis_core.models.records import Complaint, Finding, Officer, RecordKind, UseOfForce
from eis_core.storage.dynamodb import DynamoAuditLog, DynamoRecordStore
from eis_core.storage.schema import Table
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalAgency, LocalSettings
from tests import builders

AGENCY = "testville"
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "aws"])
def adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters(AGENCY)
    settings: LocalSettings = request.getfixturevalue("settings")  # moto is active for the whole test
    return aws_adapters(settings)


def alert(officer_id: str, created_at: datetime = T0) -> Alert:
    return builders.alert(
        officer_id,
        as_of=date(2024, 3, 1),
        run_id="run-1",
        model_id="model-abc",
        created_at=created_at,
        score=0.87,
        rules=[RuleHit(rule_id="uof-90", description="3+ uses of force", level="warning", value=4, threshold=3)],
        factors=[
            Factor(
                indicator="uof_90d",
                label="Uses of force, 90 days",
                officer_value=4.0,
                peer_median=1.0,
                peer_percentile=97.5,
                peer_group="Officer/Patrol",
            )
        ],
        explanation="More uses of force than 97% of peers.",
    )


def use_of_force(source_id: str, officer_id: str = "A1") -> UseOfForce:
    return builders.use_of_force(officer_id, date(2024, 1, 5), known=date(2024, 1, 6), source_record_id=source_id)


def case(case_id: str, officer_id: str, *, alert_ids: list[str] | None = None) -> Case:
    return builders.case(
        case_id, officer_id, alert_ids=alert_ids or [], opened_at=T0, opened_by="sup-1", review_due_on=date(2024, 3, 15)
    )


def note(case_id: str, note_id: str, created_at: datetime, text: str = "Reviewed reports.") -> Note:
    return Note(
        note_id=note_id, case_id=case_id, created_at=created_at, author="sup-1", author_role="supervisor", text=text
    )


# --- records -----------------------------------------------------------------------------------


def test_re_sent_records_are_unchanged_and_changed_ones_replaced(adapters: Adapters) -> None:
    # Given two records already ingested
    first = adapters.records.put_records(
        [builders.officer("A1", source_record_id="A1"), use_of_force("F-1")], upload_id="u1"
    )
    assert (first.inserted, first.replaced, first.unchanged) == (2, 0, 0)

    # When the same extract arrives again, with one record corrected and one new
    again = adapters.records.put_records(
        [builders.officer("A1", source_record_id="A1", rank="Sergeant"), use_of_force("F-1"), use_of_force("F-2")],
        upload_id="u2",
    )

    # Then the identical record is unchanged, the corrected one replaced, the new one inserted
    assert (again.inserted, again.replaced, again.unchanged) == (1, 1, 1)
    roster = list(adapters.records.iter_records(RecordKind.ROSTER))
    assert [(o.officer_id, o.rank) for o in roster if isinstance(o, Officer)] == [("A1", "Sergeant")]
    assert adapters.records.count() == 3


def test_a_record_repeated_within_one_batch_counts_as_if_put_in_order(adapters: Adapters) -> None:
    summary = adapters.records.put_records([use_of_force("F-1"), use_of_force("F-1")], upload_id="u1")

    assert (summary.inserted, summary.replaced, summary.unchanged) == (1, 0, 1)
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 1


def test_records_stream_back_by_kind_as_the_same_models(adapters: Adapters) -> None:
    complaint = Complaint(
        source_record_id="C-9",
        officer_id="A1",
        occurred_on=date(2023, 5, 1),
        known_on=date(2023, 5, 2),
        complaint_id="CR-9",
        category="excessive_force",
        finding=Finding.SUSTAINED,
        finding_decided_on=date(2023, 9, 1),
    )
    adapters.records.put_records(
        [
            builders.officer("A1", source_record_id="A1"),
            builders.officer("B2", source_record_id="B2"),
            use_of_force("F-1"),
            complaint,
        ],
        upload_id="u1",
    )

    assert sorted(r.source_record_id for r in adapters.records.iter_records(RecordKind.ROSTER)) == ["A1", "B2"]
    assert list(adapters.records.iter_records(RecordKind.COMPLAINT)) == [complaint]
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 1
    assert adapters.records.count(RecordKind.LAWSUIT) == 0
    assert adapters.records.count() == 4
    assert sorted(r.record_key for r in adapters.records.iter_records()) == [
        "complaint#C-9",
        "roster#A1",
        "roster#B2",
        "use_of_force#F-1",
    ]


def test_the_roster_lists_current_officers_only(adapters: Adapters) -> None:
    # Given two officers and an event, then a correction of one and a snapshot without the other
    adapters.records.put_records(
        [
            builders.officer("A1", source_record_id="A1"),
            builders.officer("B2", source_record_id="B2"),
            use_of_force("F-1"),
        ],
        upload_id="u1",
    )
    adapters.records.put_records([builders.officer("A1", source_record_id="A1", rank="Sergeant")], upload_id="u2")
    adapters.records.retract_missing(RecordKind.ROSTER, {"A1"}, upload_id="u3")

    # Then the roster holds A1's current version once, and neither B2 nor the event
    assert [(o.officer_id, o.rank) for o in adapters.records.roster()] == [("A1", "Sergeant")]

    # When B2 is sent again, they are back
    adapters.records.put_records([builders.officer("B2", source_record_id="B2")], upload_id="u4")
    assert sorted(o.officer_id for o in adapters.records.roster()) == ["A1", "B2"]


def test_complaints_are_listed_current_only_and_apart_from_the_roster(adapters: Adapters) -> None:
    # Given an officer, two complaints and an event; then a complaint corrected, and a snapshot without the other
    first = builders.complaint("A1", source_record_id="C-1", complaint_id="CR-1")
    adapters.records.put_records(
        [
            builders.officer("A1", source_record_id="A1"),
            first,
            builders.complaint("A1", source_record_id="C-2", complaint_id="CR-2"),
            use_of_force("F-1"),
        ],
        upload_id="u1",
    )
    adapters.records.put_records([first.model_copy(update={"acknowledged_on": first.known_on})], upload_id="u2")
    adapters.records.retract_missing(RecordKind.COMPLAINT, {"C-1"}, upload_id="u3")

    # Then the listing holds C-1's current version once, and the roster still only the officer
    assert [(c.source_record_id, c.acknowledged_on) for c in adapters.records.complaints()] == [("C-1", first.known_on)]
    assert [o.officer_id for o in adapters.records.roster()] == ["A1"]


def test_the_change_marker_moves_only_when_the_records_change(adapters: Adapters) -> None:
    # Given an empty store, then one upload
    empty = adapters.records.change_marker()
    adapters.records.put_records([builders.officer("A1", source_record_id="A1"), use_of_force("F-1")], upload_id="u1")
    after_upload = adapters.records.change_marker()

    # When the same records are re-sent, then a snapshot finds one missing
    adapters.records.put_records([builders.officer("A1", source_record_id="A1"), use_of_force("F-1")], upload_id="u2")
    after_resend = adapters.records.change_marker()
    adapters.records.retract_missing(RecordKind.USE_OF_FORCE, set(), upload_id="u3")
    after_retraction = adapters.records.change_marker()

    # Then a re-send changes nothing, while an upload and a retraction each move the marker
    assert after_upload != empty
    assert after_resend == after_upload
    assert after_retraction not in {after_upload, empty}
    assert adapters.records.count() == 1  # the marker is not a record


# --- scores ------------------------------------------------------------------------------------


def test_scores_are_read_back_per_run_date_in_officer_order(adapters: Adapters) -> None:
    def score(officer_id: str, as_of: date, value: float) -> OfficerScore:
        return OfficerScore(
            officer_id=officer_id,
            as_of=as_of,
            run_id="r",
            scoring_config_id="m",
            score=value,
            peer_group="Officer/Patrol",
        )

    march, april = date(2024, 3, 1), date(2024, 4, 1)
    adapters.scores.put_scores([score("B2", march, 0.2), score("A1", march, 0.9), score("A1", april, 0.5)])
    adapters.scores.put_scores([score("A1", march, 0.95)])  # a re-run replaces, never duplicates

    assert [(s.officer_id, s.score) for s in adapters.scores.scores_for(march)] == [("A1", 0.95), ("B2", 0.2)]
    assert adapters.scores.scores_for(date(2024, 5, 1)) == []


def test_scores_and_alerts_keep_their_setup_and_trained_model_ids(adapters: Adapters) -> None:
    # Given a score and an alert from a run with a trained model
    ids = {"scoring_config_id": "model-0123456789", "trained_model_id": "model-abcdef012345"}
    score = OfficerScore(
        officer_id="A1", as_of=date(2024, 3, 1), run_id="r", score=0.9, peer_group="Officer/Patrol", **ids
    )
    stored = alert("A1").model_copy(update=ids | {"model_id": ids["scoring_config_id"]})
    # When they are stored and read back
    adapters.scores.put_scores([score])
    adapters.alerts.create_alert(stored)
    # Then both ids come back, and the deprecated model_id names the setup
    (read,) = adapters.scores.scores_for(date(2024, 3, 1))
    assert (read.scoring_config_id, read.trained_model_id, read.model_id) == (*ids.values(), ids["scoring_config_id"])
    assert adapters.alerts.get_alert(stored.alert_id) == stored


# --- alerts ------------------------------------------------------------------------------------


def test_creating_an_alert_twice_keeps_the_first(adapters: Adapters) -> None:
    original = alert("A1")
    assert adapters.alerts.create_alert(original) is True

    rerun = original.model_copy(update={"score": 0.1, "explanation": "changed"})
    assert adapters.alerts.create_alert(rerun) is False

    assert adapters.alerts.get_alert(original.alert_id) == original
    assert adapters.alerts.get_alert("nope") is None


def test_alerts_are_listed_by_status_oldest_first(adapters: Adapters) -> None:
    later, earlier, other = alert("A1", T0 + timedelta(hours=2)), alert("B2", T0), alert("C3", T0 + timedelta(hours=1))
    for each in (later, earlier, other):
        adapters.alerts.create_alert(each)

    moved = adapters.alerts.set_status(other.alert_id, AlertStatus.CASE_OPENED, case_id="case-1")

    assert (moved.status, moved.case_id) == (AlertStatus.CASE_OPENED, "case-1")
    assert [a.officer_id for a in adapters.alerts.list_alerts(AlertStatus.NEW)] == ["B2", "A1"]
    assert [a.case_id for a in adapters.alerts.list_alerts(AlertStatus.CASE_OPENED)] == ["case-1"]
    assert adapters.alerts.list_alerts(AlertStatus.DISMISSED) == []
    assert [a.officer_id for a in adapters.alerts.list_alerts()] == ["B2", "C3", "A1"]
    assert adapters.alerts.get_alert(other.alert_id) == moved


def test_moving_a_missing_alert_is_not_found(adapters: Adapters) -> None:
    with pytest.raises(NotFoundError):
        adapters.alerts.set_status("missing", AlertStatus.DISMISSED, case_id=None)


# --- cases -------------------------------------------------------------------------------------


def test_an_officer_has_at_most_one_open_case(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1", alert_ids=["al-1"]))

    with pytest.raises(ConflictError, match="already exists"):
        adapters.cases.create_case(case("case-1", "B2"))
    with pytest.raises(ConflictError, match="open case"):
        adapters.cases.create_case(case("case-2", "A1"))

    found = adapters.cases.open_case_for("A1")
    assert found is not None and found.case_id == "case-1" and found.alert_ids == ["al-1"]
    assert adapters.cases.open_case_for("B2") is None
    assert adapters.cases.get_case("case-2") is None


def test_a_move_keeps_the_alerts_merged_into_the_case(adapters: Adapters) -> None:
    opened = case("case-1", "A1", alert_ids=["al-1"])
    adapters.cases.create_case(opened)
    adapters.cases.add_alert("case-1", "al-2")

    moved = adapters.cases.transition_case("case-1", _move(CaseStatus.OPEN, CaseStatus.IN_REVIEW), expected_moves=0)

    assert moved.status is CaseStatus.IN_REVIEW and moved.alert_ids == ["al-1", "al-2"]
    assert adapters.cases.open_case_for("A1") == moved


def _move(source: CaseStatus, target: CaseStatus, **fields: Any) -> CaseTransition:
    return CaseTransition(
        from_status=source, to_status=target, at=T0, by="sub-risk", by_role="risk_manager", reason="why", **fields
    )


def test_a_transition_records_its_move_and_a_concurrent_stale_one_is_refused(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1"))

    moved = adapters.cases.transition_case("case-1", _move(CaseStatus.OPEN, CaseStatus.IN_REVIEW), expected_moves=0)

    assert moved.status is CaseStatus.IN_REVIEW
    assert [(m.from_status, m.to_status, m.reason) for m in moved.history] == [
        (CaseStatus.OPEN, CaseStatus.IN_REVIEW, "why")
    ]
    assert adapters.cases.get_case("case-1") == moved
    # Two requests read the case at once; the first applied. The conditional write refuses the second
    # (moto's transactions are not thread-safe, so the interleaving is played in order, not in threads).
    with pytest.raises(ConflictError, match="changed meanwhile"):
        adapters.cases.transition_case("case-1", _move(CaseStatus.OPEN, CaseStatus.CLOSED), expected_moves=0)
    # Same status, but another move was made since it read the case.
    with pytest.raises(ConflictError, match="changed meanwhile"):
        adapters.cases.transition_case(
            "case-1", _move(CaseStatus.IN_REVIEW, CaseStatus.INTERVENTION_PLANNED), expected_moves=0
        )
    with pytest.raises(NotFoundError):
        adapters.cases.transition_case("missing", _move(CaseStatus.OPEN, CaseStatus.IN_REVIEW), expected_moves=0)
    stored = adapters.cases.get_case("case-1")
    assert stored is not None and stored.status is CaseStatus.IN_REVIEW and len(stored.history) == 1


def test_closing_by_transition_frees_the_officer_and_reopening_takes_the_case_back(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1"))
    closure = _move(
        CaseStatus.OPEN, CaseStatus.CLOSED, disposition=Disposition.FALSE_POSITIVE, disagreed_rules=["uof-90"]
    )

    closed = adapters.cases.transition_case("case-1", closure, expected_moves=0)

    assert (closed.status, closed.disposition) == (CaseStatus.CLOSED, Disposition.FALSE_POSITIVE)
    assert closed.history[0].disagreed_rules == ["uof-90"]
    assert adapters.cases.open_case_for("A1") is None
    assert [c.case_id for c in adapters.cases.list_open_cases()] == []

    reopened = adapters.cases.transition_case(
        "case-1", _move(CaseStatus.CLOSED, CaseStatus.IN_REVIEW), expected_moves=1
    )

    assert (reopened.status, reopened.disposition, len(reopened.history)) == (CaseStatus.IN_REVIEW, None, 2)
    assert adapters.cases.open_case_for("A1") == reopened


def test_reopening_is_refused_while_the_officer_has_another_open_case(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1"))
    closure = _move(CaseStatus.OPEN, CaseStatus.CLOSED, disposition=Disposition.OFFICER_SEPARATED)
    adapters.cases.transition_case("case-1", closure, expected_moves=0)
    adapters.cases.create_case(case("case-2", "A1"))

    with pytest.raises(ConflictError, match="open case"):
        adapters.cases.transition_case("case-1", _move(CaseStatus.CLOSED, CaseStatus.IN_REVIEW), expected_moves=1)

    found = adapters.cases.open_case_for("A1")
    assert found is not None and found.case_id == "case-2"


def test_a_case_stored_with_an_old_status_still_reads(adapters: Adapters) -> None:
    legacy = case("case-1", "A1").model_dump(mode="json") | {"status": "intervention"}

    adapters.cases.create_case(Case.model_validate(legacy))

    stored = adapters.cases.get_case("case-1")
    assert stored is not None and stored.status is CaseStatus.INTERVENTION_IN_PROGRESS and stored.history == []


def test_notes_come_back_in_time_order_and_a_retried_note_changes_nothing(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1"))
    second = note("case-1", "n-2", T0 + timedelta(days=2), "Plan agreed.")
    first = note("case-1", "n-1", T0 + timedelta(days=1))
    adapters.cases.add_note(second)
    adapters.cases.add_note(first)
    adapters.cases.add_note(second)  # a retried request

    stored = adapters.cases.get_case("case-1")
    assert stored is not None and [n.note_id for n in stored.notes] == ["n-1", "n-2"]
    assert stored.notes[1] == second
    with pytest.raises(NotFoundError):
        adapters.cases.add_note(note("missing", "n-3", T0))


def test_adding_an_alert_to_a_case_is_idempotent(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1", alert_ids=["al-1"]))

    adapters.cases.add_alert("case-1", "al-2")
    updated = adapters.cases.add_alert("case-1", "al-2")

    assert updated.alert_ids == ["al-1", "al-2"]
    with pytest.raises(NotFoundError):
        adapters.cases.add_alert("missing", "al-3")


# --- audit -------------------------------------------------------------------------------------


def test_audit_appends_form_a_verifiable_chain(adapters: Adapters) -> None:
    trail = AuditTrail(adapters.audit, AGENCY)
    written = [
        trail.record(actor="sup-1", role="supervisor", action=f"a.{i}", target_type="case", target_id="c")
        for i in range(5)
    ]

    assert [r.seq for r in written] == [1, 2, 3, 4, 5]
    stored = adapters.audit.records()
    assert stored == written
    assert verify_chain(stored, key=ChainKey(AGENCY, adapters.audit.key)).ok
    assert verify_log(adapters.audit, page_size=2).count == 5
    assert all(r.mac for r in stored)
    assert [r.seq for r in adapters.audit.records(since_seq=2, limit=2)] == [3, 4]


def test_audit_checkpoints_round_trip_and_a_record_without_its_mac_fails(adapters: Adapters) -> None:
    trail = AuditTrail(adapters.audit, AGENCY)
    records = [trail.record(actor="s", role="r", action=f"a.{i}", target_type="t", target_id="x") for i in range(3)]
    key = ChainKey(AGENCY, adapters.audit.key)
    checkpoint = key.checkpoint(records[-1], records[-1].at)

    adapters.audit.put_checkpoint(checkpoint)

    assert adapters.audit.checkpoints() == [checkpoint] and key.checkpoint_ok(checkpoint)
    unsigned = [*records[:2], records[2].model_copy(update={"mac": None})]
    check = verify_chain(unsigned, key=key)
    assert (check.ok, check.broken_seq) == (False, 3)


# --- artifacts, mail, messages -----------------------------------------------------------------


def test_artifacts_round_trip_and_missing_ones_are_not_found(adapters: Adapters) -> None:
    store = adapters.artifacts
    store.put_json("reports/2024/run.json", {"officers": 3, "name": "Zoë"})
    store.put_bytes("models/m.bin", b"\x00\x01")
    store.put_bytes("reports/2024/a.csv", b"a,b\n", content_type="text/csv")

    assert store.get_json("reports/2024/run.json") == {"officers": 3, "name": "Zoë"}
    assert store.get_bytes("models/m.bin") == b"\x00\x01"
    assert list(store.keys("reports/")) == ["reports/2024/a.csv", "reports/2024/run.json"]
    with pytest.raises(NotFoundError):
        store.get_bytes("reports/missing.json")
    assert list(adapters.quarantine.keys()) == []


def test_mail_and_messages_are_accepted_with_an_id(adapters: Adapters) -> None:
    assert adapters.mailer.send(to=["sup@testville.example.gov"], subject="Alert", body="Please review.")
    assert adapters.publisher.publish({"type": "alert.created", "alert_id": "al-1"}, subject="Alert")


# --- DynamoDB/S3 only --------------------------------------------------------------------------


def test_editing_an_audit_item_in_dynamodb_is_detected(settings: LocalSettings, moto_agency: LocalAgency) -> None:
    # Given a chain of three records
    log = aws_adapters(settings).audit
    for i in range(3):
        log.append(builders.audit_event(f"a.{i}", detail={"n": i}))

    # When someone with table access edits the second record's detail
    boto3.client("dynamodb").update_item(
        TableName=moto_agency.resources.table(Table.AUDIT),
        Key={"chain": {"S": AGENCY}, "seq": {"N": "2"}},
        UpdateExpression="SET detail = :d",
        ExpressionAttributeValues={":d": {"S": json.dumps({"n": 99})}},
    )

    # Then verification names that record
    check = verify_chain(log.records())
    assert (check.ok, check.broken_seq, check.count) == (False, 2, 1)


def test_an_alert_stored_before_the_id_split_reads_back_with_its_model_id_as_setup_id(
    settings: LocalSettings, moto_agency: LocalAgency
) -> None:
    # Given an alert item written by the previous version: its body has model_id only
    body = alert("A1").model_dump(mode="json", exclude={"status", "case_id", "scoring_config_id", "trained_model_id"})
    boto3.client("dynamodb").put_item(
        TableName=moto_agency.resources.table(Table.ALERTS),
        Item={
            "alert_id": {"S": body["alert_id"]},
            "status": {"S": "new"},
            "created_at": {"S": "2024-03-01T09:00:00.000000Z"},
            "officer_id": {"S": "A1"},
            "as_of": {"S": "2024-03-01"},
            "body": {"S": json.dumps(body)},
        },
    )
    # When it is read
    read = aws_adapters(settings).alerts.get_alert(body["alert_id"])
    # Then its old model_id is its scoring setup id, and no trained model is claimed
    assert read is not None
    assert (read.scoring_config_id, read.trained_model_id, read.model_id) == ("model-abc", None, "model-abc")


def test_a_concurrent_audit_writer_never_forks_the_chain(settings: LocalSettings) -> None:
    client = boto3.client("dynamodb")
    other = aws_adapters(settings).audit

    class Interleaved:
        """Another writer appends between our ticket and our write."""

        def __init__(self) -> None:
            self.raced = False

        def __getattr__(self, name: str) -> Callable[..., Any]:
            return getattr(client, name)  # type: ignore[no-any-return]

        def put_item(self, **kwargs: Any) -> Any:
            if not self.raced:
                self.raced = True
                racer.start()
                time.sleep(0.2)  # it has taken ticket 2 and waits for our record 1
            return client.put_item(**kwargs)

    racer = threading.Thread(target=lambda: other.append(builders.audit_event("other.writer")))
    ours = DynamoAuditLog(Interleaved(), settings.audit_table, chain=AGENCY, key=other.key)  # type: ignore[arg-type]
    written = ours.append(builders.audit_event("our.writer"))
    racer.join()

    stored = other.records()
    assert [(r.seq, r.action) for r in stored] == [(1, "our.writer"), (2, "other.writer")]
    assert written == stored[0] and verify_chain(stored, key=ChainKey(AGENCY, other.key)).ok


def test_a_writer_that_stalls_holding_a_ticket_gets_a_visible_gap_and_retries(settings: LocalSettings) -> None:
    client = boto3.client("dynamodb")
    fast = DynamoAuditLog(client, settings.audit_table, chain=AGENCY, key=aws_adapters(settings).audit.key, gap_after=0)

    class Stalled:
        """Our writer takes ticket 1, then stalls while another writer appends."""

        def __init__(self) -> None:
            self.stalled = False

        def __getattr__(self, name: str) -> Callable[..., Any]:
            return getattr(client, name)  # type: ignore[no-any-return]

        def put_item(self, **kwargs: Any) -> Any:
            if not self.stalled:
                self.stalled = True
                fast.append(builders.audit_event("other.writer"))  # finds slot 1 empty and fills it with a gap
            return client.put_item(**kwargs)

    slow = DynamoAuditLog(Stalled(), settings.audit_table, chain=AGENCY, key=fast.key)  # type: ignore[arg-type]
    written = slow.append(builders.audit_event("slow.writer"))

    stored = fast.records()
    assert [(r.seq, r.action) for r in stored] == [(1, "audit.gap"), (2, "other.writer"), (3, "slow.writer")]
    assert written == stored[2] and verify_chain(stored, key=ChainKey(AGENCY, fast.key)).ok


def test_thousands_of_records_are_written_in_batches_and_re_sent_unchanged(settings: LocalSettings) -> None:
    records = [use_of_force(f"F-{i}", officer_id=f"O{i % 50}") for i in range(3_000)]
    store = aws_adapters(settings).records

    first = store.put_records(records, upload_id="big")
    again = store.put_records(records, upload_id="big-again")

    assert (first.inserted, again.unchanged, again.inserted + again.replaced) == (3_000, 3_000, 0)
    assert store.count(RecordKind.USE_OF_FORCE) == 3_000
    assert len({r.source_record_id for r in store.iter_records(RecordKind.USE_OF_FORCE)}) == 3_000


def test_a_missing_table_is_a_storage_error_naming_it(settings: LocalSettings) -> None:
    store = DynamoRecordStore(boto3.client("dynamodb"), "eis-testville-nope")

    with pytest.raises(StorageError, match="eis-testville-nope"):
        store.put_records([builders.officer("A1", source_record_id="A1")], upload_id="u1")


def test_published_alerts_reach_the_notify_queue_as_json(settings: LocalSettings, moto_agency: LocalAgency) -> None:
    aws_adapters(settings).publisher.publish({"type": "alert.created", "alert_id": "al-1"}, subject="New alert")

    messages = boto3.client("sqs").receive_message(QueueUrl=moto_agency.notify_queue_url, MaxNumberOfMessages=10)
    assert [json.loads(m["Body"]) for m in messages["Messages"]] == [{"type": "alert.created", "alert_id": "al-1"}]


def test_count_missing_says_what_a_snapshot_would_retract_and_writes_nothing(adapters: Adapters) -> None:
    # Given three current officers, one already retracted, and an event of another kind
    adapters.records.put_records(
        [builders.officer(o, source_record_id=o) for o in ("A1", "B2", "C3", "D4")] + [use_of_force("F-1")],
        upload_id="u1",
    )
    adapters.records.retract_missing(RecordKind.ROSTER, {"A1", "B2", "C3"}, upload_id="u2")
    marker = adapters.records.change_marker()

    # Then a snapshot holding A1 and an unknown id would retract B2 and C3 of the three current officers
    assert adapters.records.count_missing(RecordKind.ROSTER, {"A1", "Z9"}) == (2, 3)
    assert adapters.records.count_missing(RecordKind.ROSTER, set()) == (3, 3)
    assert adapters.records.count_missing(RecordKind.INJURY, {"A1"}) == (0, 0)
    # And nothing changed
    assert adapters.records.change_marker() == marker and adapters.records.count(RecordKind.ROSTER) == 3
