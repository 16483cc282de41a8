"""``RecordCodec.values_of`` reads a field from stored rows as the decoded record holds it (the roster lookup)."""

from __future__ import annotations

import pytest

from eis_core.models.records import RECORD_MODELS, RecordKind
from eis_core.storage.codec import RECORD_CODECS

from .record_samples import samples


@pytest.mark.parametrize("kind", list(RecordKind))
def test_each_field_read_from_rows_is_the_decoded_records_value(kind: RecordKind) -> None:
    # Given records of every kind, every field set in some and only the required ones in another, stored as rows
    codec = RECORD_CODECS[kind]
    records = samples(kind)
    encoded = [codec.encode(record) for record in records]
    packed = [codec.pack(record) for record in records]

    for name in RECORD_MODELS[kind].model_fields:
        expected = [getattr(record, name) for record in records]
        # When one field is read from the rows, encoded or packed
        # Then it is the value (and the type) each record holds
        for rows in (encoded, packed):
            found = codec.values_of(rows, name)
            assert found == expected, name
            assert [type(value) for value in found] == [type(value) for value in expected], name
