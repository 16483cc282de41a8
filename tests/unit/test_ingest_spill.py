"""The first pass's accepted records come back from the spill exactly as validation made them."""

from __future__ import annotations

import pytest

from eis_core.ingest.spill import AcceptedRecords
from eis_core.models.records import RECORD_MODELS, RecordKind
from eis_core.storage.codec import RECORD_CODECS, RecordCodec, content_hash
from tests.unit.record_samples import samples
from tests.unit.test_storage_codec import reference_hash


@pytest.mark.parametrize("kind", list(RecordKind))
def test_every_kind_round_trips_with_its_values_types_and_fields_set(kind: RecordKind) -> None:
    codec = RecordCodec(RECORD_MODELS[kind])

    for record in samples(kind):
        back = codec.decode(codec.encode(record))

        assert back == record
        assert type(back) is type(record)
        assert back.model_fields_set == record.model_fields_set
        assert back.model_dump_json() == record.model_dump_json()
        assert {name: type(value) for name, value in back} == {name: type(value) for name, value in record}


@pytest.mark.parametrize("kind", list(RecordKind))
def test_a_packed_record_is_its_encoded_form_then_its_content_hash(kind: RecordKind) -> None:
    codec = RecordCodec(RECORD_MODELS[kind])
    kept = samples(kind)

    # Given the samples packed in turn, and again in reverse (their fields sets alternate)
    for record in [*kept, *reversed(kept)]:
        row = codec.pack(record)

        # Then the row is what encode writes, followed by the hash the stores keep
        assert codec.unpacked(row) == codec.encode(record)
        assert codec.packed_hash(row) == content_hash(record) == reference_hash(record)
        assert len(row[-1]) == 32  # the hash's bytes: half the disk of its hex
        # And it decodes to the record, with the fields that were set
        back = codec.decode(row)
        assert back == record and back.model_fields_set == record.model_fields_set
        assert row[codec.key_index] == record.source_record_id


def test_spilled_chunks_come_back_in_order_and_the_file_is_closed() -> None:
    # Given 11 records and chunks of 4: two chunks go to disk, the last three stay in memory
    records = [record for _ in range(3) for record in samples(RecordKind.COMPLAINT)][:11]
    accepted = AcceptedRecords(RECORD_MODELS[RecordKind.COMPLAINT], chunk_size=4)
    for record in records:
        accepted.add(record)

    # When read back (twice: a retried write reads them again)
    first = list(accepted.chunks())
    second = list(accepted.chunks())
    accepted.close()

    # Then each record comes back packed, with its content hash, in order
    codec = RECORD_CODECS[RecordKind.COMPLAINT]
    assert [len(chunk) for chunk in first] == [4, 4, 3]
    assert [codec.decode(row) for chunk in first for row in chunk] == records
    assert [codec.packed_hash(row) for chunk in first for row in chunk] == [content_hash(r) for r in records]
    assert second == first
    assert accepted.count == 11
    assert list(accepted.chunks()) == []
