"""``eis mapping check``: map and validate the first rows of a local file, writing nothing anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eis_core.errors import FileRejected
from eis_core.ingest.mapping import AgencyMapping
from eis_core.ingest.readers import WrongEncoding, candidate_encodings, file_type, open_table, undecodable
from eis_core.ingest.service import _RowChecker
from eis_core.ingest.transform import headerless_columns, resolve_header
from eis_core.models.records import RecordKind
from eis_core.models.uploads import QuarantinedRow


@dataclass
class PreviewRow:
    line: int
    record: dict[str, Any] | None = None
    problems: list[QuarantinedRow] = field(default_factory=list)


@dataclass
class MappingPreview:
    kind: RecordKind
    mapping_version: int
    encoding: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> source column
    dropped: list[str] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    rejection: str | None = None

    @property
    def ok(self) -> bool:
        return self.rejection is None and all(row.record is not None for row in self.rows)


def preview_file(
    path: Path, mapping: AgencyMapping, *, kind: RecordKind, rows: int = 20, today: date | None = None
) -> MappingPreview:
    """The first ``rows`` rows mapped and validated (no roster checks: nothing is read from storage)."""
    preview = MappingPreview(kind=kind, mapping_version=mapping.version)
    today = today or datetime.now(UTC).astimezone(mapping.zone).date()
    try:
        kind_of_file = file_type(path.name)
        tried = candidate_encodings(mapping.encoding, kind_of_file)
        for attempt, encoding in enumerate(tried):
            preview.rows = []
            try:
                columns = headerless_columns(mapping, kind, kind_of_file)
                table = open_table(lambda: path.open("rb"), kind_of_file, encoding=encoding, columns=columns)
                try:
                    header = resolve_header(table.header, mapping, kind, file_name=path.name)
                    preview.columns = {plan.name: plan.column for plan in header.plans if plan.position is not None}
                    preview.columns.update({plan.name: plan.column for plan in header.derived})
                    preview.dropped = header.dropped
                    checker = _RowChecker(kind, header, {}, today)
                    for row in table.rows:
                        outcome, _ = checker.check(row)
                        if isinstance(outcome, list):
                            preview.rows.append(PreviewRow(row.line, problems=outcome))
                        else:
                            preview.rows.append(PreviewRow(row.line, record=outcome.model_dump(mode="json")))
                        if len(preview.rows) >= rows:
                            break
                finally:
                    table.rows.close()
            except WrongEncoding as error:
                if attempt + 1 < len(tried):
                    continue
                raise undecodable(error, tried) from None
            preview.encoding = encoding if kind_of_file.format.value != "xlsx" else None
            break
    except FileRejected as rejection:
        preview.rejection = f"{rejection.code}: {rejection.reason}"
    return preview
