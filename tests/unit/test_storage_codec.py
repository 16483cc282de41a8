"""The stored content hash never changes value: records stored by earlier versions stay 'unchanged'."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime
from decimal import Decimal

import pytest

from eis_core.models.records import RECORD_MODELS, Activity, Commendation, Complaint, Lawsuit, Record, RecordKind
from eis_core.storage.codec import LATER_OPTIONAL_FIELDS, RECORD_CODECS, canonical_json, content_hash
from tests.unit.record_samples import full_values, samples

# Computed by the code that stored the first records (pydantic dump, then json.dumps).
KNOWN_HASH = "fa56da9729d81790250d9b2d452fa385b41d2ef20950f0ba12fd0b7237325fb2"
EVENT = {"source_record_id": "x", "officer_id": "P1", "occurred_on": "2020-01-01", "known_on": "2020-01-02"}


def reference_hash(record: Record) -> str:
    """The hash as the first stored records were hashed: pydantic's JSON dump, canonical JSON, SHA-256."""
    document = {"kind": record.kind.value, **record.model_dump(mode="json")}
    for name in LATER_OPTIONAL_FIELDS.get(record.kind, ()):  # added later: not hashed while empty
        if document[name] is None:
            del document[name]
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("kind", list(RecordKind))
def test_content_hash_is_the_reference_hash_for_every_kind(kind: RecordKind) -> None:
    for record in samples(kind):
        assert content_hash(record) == reference_hash(record)


@pytest.mark.parametrize("amount", ["100", "1E+2", "0.10", "12500.5", "0", "0.00", "1e-2", "99999999999.99"])
def test_decimals_hash_as_pydantic_writes_them(amount: str) -> None:
    record = Lawsuit.model_validate({**EVENT, "claim_type": "c", "amount_paid": Decimal(amount)})

    assert content_hash(record) == reference_hash(record)


@pytest.mark.parametrize(
    "hours", [float("inf"), float("-inf"), float("nan"), 1e16, 0.1, 1e-7, 3.0, 2, -0.0, 5e-324, 1.7976931348623157e308]
)
def test_floats_hash_as_pydantic_writes_them(hours: float) -> None:
    # Set past validation (which caps hours at 24 a day): the hash must format any float as pydantic does.
    valid = Activity.model_validate({**EVENT, "period_end": "2020-02-01", "hours_worked": 1})
    record = valid.model_copy(update={"hours_worked": float(hours)})

    assert content_hash(record) == reference_hash(record)


def test_awkward_text_hashes_as_before() -> None:
    record = Commendation.model_validate({**EVENT, "award_type": 'a\u2028b"\\\x01é \ud7ff\t'})

    assert content_hash(record) == reference_hash(record)


def test_a_known_record_keeps_its_stored_hash() -> None:
    record = RECORD_MODELS[RecordKind.USE_OF_FORCE].model_validate({**EVENT, "force_type": "taser"})

    assert content_hash(record) == KNOWN_HASH  # type: ignore[arg-type]  # the kind's model, a Record


# A complaint as stored before complaints carried received, acknowledged and closed dates.
KNOWN_COMPLAINT_HASH = "97da22f7ca69fc14cfcd7f4c817006694505b49746b98c331ac9ab8ce920e0a9"


def test_a_complaint_stored_before_the_timeliness_dates_keeps_its_hash() -> None:
    """Given a complaint from an extract without the timeliness columns, its re-sent copy is still 'unchanged'."""
    fields = {**EVENT, "complaint_id": "CR-1", "category": "verbal_abuse"}

    assert content_hash(Complaint.model_validate(fields)) == KNOWN_COMPLAINT_HASH
    dated = Complaint.model_validate({**fields, "acknowledged_on": "2020-01-03"})
    assert content_hash(dated) != KNOWN_COMPLAINT_HASH
    assert content_hash(dated) == reference_hash(dated)


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical_json({"b": 1, "a": ["é", None]}) == '{"a":["é",null],"b":1}'


def test_random_text_hashes_as_before() -> None:
    rng = random.Random(15)
    alphabet = [chr(code) for code in (*range(0, 0x250), 0x2028, 0x2029, 0xFEFF, 0x1F600, 0xD7FF, 0xE000, 0x10FFFF)]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))).strip() or "x"
        record = Commendation.model_validate({**EVENT, "award_type": text[:120].strip() or "x"})

        assert content_hash(record) == reference_hash(record)


@pytest.mark.parametrize("mask", range(8))
def test_every_mix_of_the_later_complaint_dates_hashes_as_before(mask: int) -> None:
    """Given the later dates set or empty in every combination (one sorts before every other key), the hash and
    the hash the ingest keeps with a packed record are the reference hash."""
    later = ["received_on", "acknowledged_on", "closed_on"]  # in the order the dates must be in
    assert set(later) == LATER_OPTIONAL_FIELDS[RecordKind.COMPLAINT]
    dates = {name: f"2020-01-0{3 + bit}" for bit, name in enumerate(later) if mask & (1 << bit)}
    record = Complaint.model_validate({**EVENT, "complaint_id": "CR-1", "category": "verbal_abuse", **dates})

    assert content_hash(record) == reference_hash(record)
    codec = RECORD_CODECS[RecordKind.COMPLAINT]
    assert codec.packed_hash(codec.pack(record)) == reference_hash(record)


@pytest.mark.parametrize("kind", list(RecordKind))
def test_random_records_of_every_kind_hash_as_before_whole_or_packed(kind: RecordKind) -> None:
    """Given records with a random part of their optional fields left out (null, or absent if added later)."""
    rng = random.Random(kind.value)
    model = RECORD_MODELS[kind]
    optional = [name for name, info in model.model_fields.items() if not info.is_required()]
    codec, hashed = RECORD_CODECS[kind], 0
    for salt in range(60):
        values = full_values(kind, salt)
        for name in optional:
            if rng.random() < 0.5:
                del values[name]
        try:
            record = model.model_validate(values)
        except ValueError:  # a combination the model refuses (dates out of order): not a record
            continue

        assert content_hash(record) == reference_hash(record)  # type: ignore[arg-type]  # the kind's model
        assert codec.packed_hash(codec.pack(record)) == reference_hash(record)  # type: ignore[arg-type]
        hashed += 1
    assert hashed >= 30


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic warns when dumping a value of another type
def test_a_value_of_an_unexpected_type_takes_the_reference_hash_whole_or_packed() -> None:
    valid = RECORD_MODELS[RecordKind.USE_OF_FORCE].model_validate({**EVENT, "force_type": "taser"})
    record = valid.model_copy(update={"known_on": datetime(2020, 1, 2, 8, 30)})  # a datetime in a date field

    codec = RECORD_CODECS[RecordKind.USE_OF_FORCE]
    assert content_hash(record) == reference_hash(record) != KNOWN_HASH  # type: ignore[arg-type]
    assert codec.packed_hash(codec.pack(record)) == reference_hash(record)  # type: ignore[arg-type]
