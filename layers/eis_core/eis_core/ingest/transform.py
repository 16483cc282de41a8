"""Applying an agency's mapping to one file: resolve its header, then turn each row into record fields.

Only the columns the mapping reads are ever looked at; every other cell is skipped unread, so a
civilian detail in an unmapped column never reaches a record, a log line or a report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from pydantic import ValidationError

from eis_core.errors import FileRejected
from eis_core.ingest.mapping import (
    DEFAULT_FALSE_VALUES,
    DEFAULT_TRUE_VALUES,
    UPLOAD_DATE,
    AgencyMapping,
    DerivedField,
    FieldSource,
    KindMapping,
    field_is_bool,
    field_is_date,
    normalise_code,
    normalise_column,
)
from eis_core.ingest.readers import FileFormat, FileType, Row
from eis_core.models.records import RECORD_MODELS, RecordKind
from eis_core.models.uploads import QuarantinedRow, RejectionCode

# Officer personal details: a quarantine file may be read more widely than the records, so these are masked.
SENSITIVE_FIELDS = frozenset({"first_name", "last_name", "email", "race", "sex", "birth_year"})
MASK = "***"
MAX_VALUE_CHARS = 80
MEMO_ENTRIES = 1 << 16  # distinct cells remembered per converted column (dates, codes, yes/no) before starting over
MEMO_CELL_CHARS = 64  # longer cells are converted each time, so the memo stays small whatever the file holds

_OMIT = object()  # an empty cell without a default: the field is left out (its own default applies, or it is required)
_BAD = object()  # a cell its converter refuses: the row goes the row-by-row way, which says why


class _Memo(dict[str, Any]):
    """One converted column's cells as ``values`` would turn them into field values; a refused cell is ``_BAD``.

    Looked up with ``map(memo.__getitem__, cells)``, so a cell seen before costs a dict lookup in C."""

    def __init__(self, default: str | None, convert: Callable[[str], Any]) -> None:
        super().__init__()
        self._default = default
        self._convert = convert

    def __missing__(self, raw: str) -> Any:
        cell = raw.strip() or self._default
        if cell is None:
            value = _OMIT
        else:
            try:
                value = self._convert(cell)
            except ValueError:
                value = _BAD
        if len(raw) <= MEMO_CELL_CHARS:  # a long cell (a bad file's, most likely) is not kept
            self[raw] = value
        return value


@dataclass(frozen=True)
class FieldPlan:
    """How one canonical field is read from this file."""

    name: str
    source: FieldSource
    column: str  # as the file spells it (or as the mapping does, when the file lacks it)
    position: int | None
    convert: Callable[[str], Any] | None = None  # raises ValueError with the reason


@dataclass(frozen=True)
class DerivedPlan:
    """How one derived field is computed from this file's cells."""

    name: str
    column: str  # the source column(s), for reasons
    positions: tuple[int, ...]
    compute: Callable[[tuple[str, ...]], Any]  # None when every source cell is empty; ValueError with the reason


@dataclass(frozen=True)
class MappedHeader:
    kind: RecordKind
    width: int
    plans: tuple[FieldPlan, ...]
    dropped: list[str]
    id_positions: tuple[tuple[int, str], ...] | None = None  # composed source_record_id: (position, column)
    id_separator: str = "-"
    known_on_from: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> column name, for reasons
    derived: tuple[DerivedPlan, ...] = ()
    finding_known_on: str | None = None

    def column_for(self, name: str) -> str:
        return self.columns.get(name, name)


def headerless_columns(mapping: AgencyMapping, kind: RecordKind, file: FileType) -> tuple[str, ...] | None:
    """The column names of a file without a header line (``header: false``); None when line 1 is the header.

    JSON Lines name their fields in every line, so they always carry their own header."""
    kind_mapping = mapping.for_kind(kind)
    if kind_mapping.header or file.format is FileFormat.JSONL:
        return None
    return tuple(kind_mapping.columns or ())


def _display(name: str, index: int) -> str:
    return name.strip() or f"(unnamed column {index + 1})"


def _where(kind_mapping: KindMapping, name: str, mapping: AgencyMapping, setting: str = "") -> str:
    return f"kinds.{kind_mapping.kind.value}.fields.{name}{setting} (mapping version {mapping.version})"


def resolve_header(
    header: tuple[str, ...], mapping: AgencyMapping, kind: RecordKind, *, file_name: str
) -> MappedHeader:
    """Match the file's columns to the kind's fields; FileRejected names the missing column and the fix."""
    kind_mapping = mapping.for_kind(kind)
    model_fields = RECORD_MODELS[kind].model_fields
    positions: dict[str, list[int]] = {}
    for index, raw in enumerate(header):
        positions.setdefault(normalise_column(raw), []).append(index)
    used: set[int] = set()

    def locate(column: str) -> int | None:
        found = positions.get(normalise_column(column))
        if not found:
            return None
        if len(found) > 1:
            raise FileRejected(
                f"column '{normalise_column(column)}' appears more than once in the header "
                f"(columns {found[0] + 1} and {found[1] + 1})",
                code=RejectionCode.DUPLICATE_COLUMNS,
            )
        used.add(found[0])
        return found[0]

    id_positions: tuple[tuple[int, str], ...] | None = None
    missing: list[tuple[str, str]] = []  # (field, column)
    if kind_mapping.source_record_id_from is not None:
        composed = []
        for column in kind_mapping.source_record_id_from:
            position = locate(column)
            if position is None:
                missing.append(("source_record_id", column))
            else:
                composed.append((position, _display(header[position], position)))
        id_positions = tuple(composed)

    plans: list[FieldPlan] = []
    columns: dict[str, str] = {}
    derived: list[DerivedPlan] = []
    for name, rule in kind_mapping.derived.items():
        found = [(column, locate(column)) for column in rule.source_columns()]
        for column, position in found:
            if position is None:
                missing.append((name, column))
        if all(position is not None for _, position in found):
            spots = tuple(position for _, position in found if position is not None)
            shown = "+".join(_display(header[position], position) for position in spots)
            columns[name] = shown
            derived.append(DerivedPlan(name, shown, spots, _derived_computer(kind, name, rule, mapping)))
    for name, model_field in model_fields.items():
        if name == "source_record_id" and id_positions is not None:
            columns[name] = "+".join(column for _, column in id_positions)
            continue
        if name in kind_mapping.derived:
            continue
        source = kind_mapping.source_for(name)
        position = locate(source.column) if source.column is not None else None
        column = _display(header[position], position) if position is not None else (source.column or name)
        columns[name] = column
        covered = position is not None or source.default is not None
        if name == "known_on" and kind_mapping.known_on_from is not None:
            covered = True
        if model_field.is_required() and not covered:
            missing.append((name, column))
        if position is not None or source.default is not None:
            plans.append(FieldPlan(name, source, column, position, _converter(kind, name, source, mapping)))

    if missing:
        if mapping.is_identity or kind not in mapping.kinds:
            raise FileRejected(
                f"missing required column(s) for {kind.value}: {', '.join(column for _, column in missing)} "
                f"(the header must use the canonical field names){_headerless_hint(header, kind_mapping)}",
                code=RejectionCode.MISSING_COLUMNS,
            )
        fixes = "; ".join(
            f"'{column}' (for {name}): add it to the export or change {_setting_of(kind_mapping, name, mapping)}"
            for name, column in missing
        )
        hint = _headerless_hint(header, kind_mapping)
        raise FileRejected(
            f"{file_name}: missing required column(s) for {kind.value}: {fixes}{hint}",
            code=RejectionCode.MISSING_COLUMNS,
        )
    dropped = [_display(raw, index) for index, raw in enumerate(header) if index not in used]
    return MappedHeader(
        kind=kind,
        width=len(header),
        plans=tuple(plans),
        dropped=dropped,
        id_positions=id_positions,
        id_separator=kind_mapping.source_record_id_separator,
        known_on_from=kind_mapping.known_on_from,
        columns=columns,
        derived=tuple(derived),
        finding_known_on=kind_mapping.finding_known_on,
    )


def _setting_of(kind_mapping: KindMapping, name: str, mapping: AgencyMapping) -> str:
    """The mapping setting that names the column a field is read from."""
    prefix = f"kinds.{kind_mapping.kind.value}"
    if name in kind_mapping.derived:
        return f"{prefix}.derived.{name} (mapping version {mapping.version})"
    if name == "source_record_id" and kind_mapping.source_record_id_from is not None:
        return f"{prefix}.source_record_id_from (mapping version {mapping.version})"
    return _where(kind_mapping, name, mapping)


_DATA_LIKE = re.compile(r"^\s*[\d.,:/-]+\s*$")  # a number, a date or an id: data, never a column name


def _headerless_hint(header: tuple[str, ...], kind_mapping: KindMapping) -> str:
    """When line 1 looks like data, the fault is the missing `header: false`, not the export's columns."""
    if not kind_mapping.header or not any(_DATA_LIKE.match(cell) for cell in header if cell.strip()):
        return ""
    where = f"kinds.{kind_mapping.kind.value}"
    return (
        f". Line 1 looks like data, not column names ({', '.join(repr(c) for c in header[:3])}...): if the file "
        f"has no header line, set {where}.header to false and list its column names in order in {where}.columns"
    )


def _derived_computer(kind: RecordKind, name: str, rule: DerivedField, mapping: AgencyMapping) -> Callable[..., Any]:
    where = f"kinds.{kind.value}.derived.{name}"
    version = f" (mapping version {mapping.version})"
    if rule.rule == "year_of":
        pattern = rule.year_pattern()

        def year_of(cells: tuple[str, ...]) -> Any:
            cell = cells[0]
            if not cell:
                return None
            found = pattern.search(cell)
            if found is None or not found.group(1) or not found.group(1).isdigit():
                raise ValueError(f"'{cell}' holds no year (see {where}.pattern{version})")
            year = int(found.group(1))
            if not 1900 <= year <= 2100:
                raise ValueError(f"'{cell}' gives year {year}, not a plausible year (see {where}.pattern{version})")
            return date(year, 1, 1)

        return year_of
    if rule.rule in ("latest", "earliest"):
        parse = _date_converter(rule.date_format, mapping)
        pick = max if rule.rule == "latest" else min

        def either(cells: tuple[str, ...]) -> Any:
            dates = [parse(cell) for cell in cells if cell]
            return pick(dates) if dates else None

        return either
    table, default = rule.code_table(), rule.default
    separator, length = rule.separator, rule.length

    def prefix(cells: tuple[str, ...]) -> Any:
        cell = cells[0]
        if not cell:
            return default
        start = cell.split(separator, 1)[0] if separator is not None else cell[:length]
        start = start.strip()
        if not table:
            return start
        found = table.get(normalise_code(start))
        if found is not None:
            return found
        if default is not None:
            return default
        raise ValueError(
            f"prefix '{start}' has no mapping for {name}: add it to {where}.values{version}, or set a default"
        )

    return prefix


def _converter(kind: RecordKind, name: str, source: FieldSource, mapping: AgencyMapping) -> Callable[[str], Any] | None:
    if source.values:
        return _code_converter(kind, name, source, mapping)
    if field_is_date(kind, name):
        return _date_converter(source.date_format, mapping)
    if field_is_bool(kind, name):
        return _bool_converter(source)
    return None


def _code_converter(kind: RecordKind, name: str, source: FieldSource, mapping: AgencyMapping) -> Callable[[str], Any]:
    table = source.code_table()
    default = source.default
    where = _where(mapping.for_kind(kind), name, mapping, ".values")

    @lru_cache(maxsize=1 << 12)  # a few codes repeated over every row
    def convert(cell: str) -> Any:
        found = table.get(normalise_code(cell))
        if found is not None:
            return found
        if default is not None:
            return default
        raise ValueError(f"code '{cell}' has no mapping for {name}: add it to {where}, or set a default")

    return convert


ISO_DAY = "%Y-%m-%d"


def _iso_day(cell: str) -> bool:
    """``cell`` is exactly ``dddd-dd-dd`` in ASCII digits, so ``strptime(cell, ISO_DAY)`` reads these three numbers."""
    return (
        len(cell) == 10
        and cell.isascii()
        and cell[4] == "-" == cell[7]
        and cell[:4].isdigit()
        and cell[5:7].isdigit()
        and cell[8:].isdigit()
    )


def _date_converter(date_format: str | None, mapping: AgencyMapping) -> Callable[[str], Any]:
    formats = (date_format,) if date_format is not None else tuple(mapping.date_formats)
    zone = mapping.zone
    spelled = " or ".join(formats)

    # Extracts repeat a few thousand distinct dates over millions of rows: strptime once per value.
    @lru_cache(maxsize=1 << 16)
    def convert(cell: str) -> Any:
        for fmt in formats:
            if fmt == ISO_DAY and _iso_day(cell):  # strptime's answer for this format, without its regex
                try:
                    return date(int(cell[:4]), int(cell[5:7]), int(cell[8:]))
                except ValueError:  # no such day (2015-02-30): strptime refuses it too
                    continue
            try:
                moment = datetime.strptime(cell, fmt)
            except ValueError:
                continue
            return moment.astimezone(zone).date() if moment.tzinfo is not None else moment.date()
        try:
            return date.fromisoformat(cell)  # ISO dates are unambiguous, so always accepted
        except ValueError:
            raise ValueError(f"'{cell}' is not a date in the format {spelled}") from None

    return convert


def _bool_converter(source: FieldSource) -> Callable[[str], Any]:
    true = {normalise_code(v) for v in (source.true_values or DEFAULT_TRUE_VALUES)}
    false = {normalise_code(v) for v in (source.false_values or DEFAULT_FALSE_VALUES)}
    spelled = "/".join(sorted(true)) + " for yes, " + "/".join(sorted(false)) + " for no"

    @lru_cache(maxsize=1 << 8)
    def convert(cell: str) -> Any:
        folded = normalise_code(cell)
        if folded in true:
            return True
        if folded in false:
            return False
        raise ValueError(f"not a yes/no value (expected {spelled})")

    return convert


def _dicts_maker(names: tuple[str, ...]) -> Callable[[list[list[Any]]], list[dict[str, Any] | None]]:
    """``[dict(zip(names, values)) for values in zip(*columns)]`` as one generated comprehension of dict displays
    (``{'name': v0, ...}``: the dict built at its size in one step, half the time of ``dict(zip(...))``). The source
    holds only the names' ``repr`` literals and numbered variables, never data."""
    if not names:
        return lambda columns: [{} for _ in zip(*columns, strict=True)]
    variables = [f"v{index}" for index in range(len(names))]
    display = ", ".join(f"{name!r}: {variable}" for name, variable in zip(names, variables, strict=True))
    source = (
        f"def dicts(columns):\n    return [{{{display}}} for {', '.join(variables)}, in zip(*columns, strict=True)]\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # noqa: S102
    return cast("Callable[[list[list[Any]]], list[dict[str, Any] | None]]", namespace["dicts"])


class RowMapper:
    """One row in, the record's field values (or the problems that quarantine it) out."""

    def __init__(self, header: MappedHeader) -> None:
        self._header = header
        self._field_names = sorted(header.columns, key=len, reverse=True)  # longest first for message matching
        self._pattern = re.compile("|".join(re.escape(name) for name in self._field_names))
        # The plans as plain tuples, read once per row: (name, position, default, convert).
        self._steps = tuple((plan.name, plan.position, plan.source.default, plan.convert) for plan in header.plans)
        self._memos = {
            plan.name: _Memo(plan.source.default, plan.convert) for plan in header.plans if plan.convert is not None
        }
        # The fields values_of fills, in its order: the composed id first, then the plans'.
        composed = ("source_record_id",) if header.id_positions is not None else ()
        self._dicts = _dicts_maker(composed + tuple(plan.name for plan in header.plans))

    def values_of(self, rows: Sequence[Row]) -> list[dict[str, Any] | None]:
        """``values`` of many rows at once, a column at a time: each row's field values, exactly as ``values``
        gives them, or None for a row with a problem (a cell refused, a derived field that fails, the wrong
        number of values), which ``values`` must then explain row by row."""
        header = self._header
        width = header.width
        table = [row.cells for row in rows]
        slow: set[int] = set()
        if not all(len(cells) == width for cells in table):
            blank = ("",) * width
            slow = {index for index, cells in enumerate(table) if len(cells) != width}
            table = [blank if index in slow else cells for index, cells in enumerate(table)]
        columns: list[list[Any]] = []
        if header.id_positions is not None:
            parts = [list(map(str.strip, map(itemgetter(position), table))) for position, _ in header.id_positions]
            joined: list[Any] = list(map(header.id_separator.join, zip(*parts, strict=True)))
            for part in parts:
                if "" in part:  # an empty part: no composed id, so validation says it is required
                    joined = [_OMIT if not piece else value for piece, value in zip(part, joined, strict=True)]
            columns.append(joined)
        for name, position, default, convert in self._steps:
            column: list[Any]
            if position is None:  # a constant: the mapping's default (resolve_header plans no column without one)
                try:
                    constant = default if convert is None or default is None else convert(default)
                except ValueError:
                    constant, slow = _BAD, set(range(len(table)))
                column = [_OMIT if default is None else constant] * len(table)
            elif convert is None:
                column = list(map(str.strip, map(itemgetter(position), table)))
                if "" in column:
                    empty = _OMIT if default is None else default
                    column = [cell or empty for cell in column]
            else:
                memo = self._memos[name]
                if len(memo) > MEMO_ENTRIES:
                    memo.clear()
                column = list(map(memo.__getitem__, map(itemgetter(position), table)))
                if _BAD in column:
                    slow.update(index for index, value in enumerate(column) if value is _BAD)
            columns.append(column)
        count = len(table)
        found: list[dict[str, Any] | None] = self._dicts(columns) if columns else [{} for _ in range(count)]
        # An empty cell without a default: that row's dict leaves the field out, as values does.
        omitted = {index for column in columns if _OMIT in column for index, cell in enumerate(column) if cell is _OMIT}
        for index in omitted:
            found[index] = {
                name: value for name, value in cast(dict[str, Any], found[index]).items() if value is not _OMIT
            }
        for index in slow:
            found[index] = None
        derived, known_on_from = header.derived, header.known_on_from
        if derived or known_on_from is not None:
            for index, cells in enumerate(table):
                data = found[index]
                if data is None:
                    continue
                if derived and not self._derive(cells, data):
                    found[index] = None
                    continue
                if known_on_from is not None and "known_on" not in data and known_on_from in data:
                    data["known_on"] = data[known_on_from]
        return found

    def _derive(self, cells: tuple[str, ...], data: dict[str, Any]) -> bool:
        """The derived fields into ``data``, as ``values`` computes them; False when one fails."""
        for derived in self._header.derived:
            try:
                value = derived.compute(tuple(cells[position].strip() for position in derived.positions))
            except ValueError:
                return False
            if value is not None:
                data[derived.name] = value
        return True

    def values(self, row: Row) -> tuple[dict[str, Any], list[QuarantinedRow]]:
        header = self._header
        cells = row.cells
        width = header.width
        if len(cells) != width and (len(cells) < width or any(cell.strip() for cell in cells[width:])):
            reason = f"row has {len(cells)} values but the header has {width} columns"
            return {}, [QuarantinedRow(line=row.line, column="", reason=reason)]
        data: dict[str, Any] = {}
        problems: list[QuarantinedRow] = []
        if header.id_positions is not None:
            parts = [cells[position].strip() for position, _ in header.id_positions]
            if all(parts):
                data["source_record_id"] = header.id_separator.join(parts)
        for name, position, default, convert in self._steps:
            cell = cells[position].strip() if position is not None else ""
            if not cell:
                if default is None:
                    continue  # not given: the field's own default applies, or validation says it is required
                cell = default
            if convert is None:
                data[name] = cell
                continue
            try:
                data[name] = convert(cell)
            except ValueError as error:
                problems.append(self._problem(row, name, str(error), cell))
        for derived in header.derived:
            try:
                value = derived.compute(tuple(cells[position].strip() for position in derived.positions))
            except ValueError as error:
                problems.append(
                    self._problem(
                        row,
                        derived.name,
                        str(error),
                        "|".join(cells[position].strip() for position in derived.positions),
                    )
                )
                continue
            if value is not None:
                data[derived.name] = value
        if header.known_on_from is not None and "known_on" not in data and header.known_on_from in data:
            data["known_on"] = data[header.known_on_from]
        return data, problems

    def date_finding(self, data: dict[str, Any], upload_date: date) -> bool:
        """Supply a conservative finding_decided_on from the mapping's finding_known_on; True when it did."""
        chosen = self._header.finding_known_on
        if chosen is None or data.get("finding_decided_on") is not None:
            return False
        finding = data.get("finding")
        if finding is None or str(finding) == "pending":
            return False
        known = upload_date if chosen == UPLOAD_DATE else data.get(chosen)
        if not isinstance(known, date):
            return False
        data["finding_decided_on"] = known
        return True

    def cell(self, row: Row, name: str) -> str:
        for plan in self._header.plans:
            if plan.name == name and plan.position is not None and plan.position < len(row.cells):
                return row.cells[plan.position].strip()
        return ""

    def _problem(self, row: Row, name: str, reason: str, value: str | None = None) -> QuarantinedRow:
        shown = self.cell(row, name) if value is None else value
        if name in SENSITIVE_FIELDS and shown:
            shown = MASK
        return QuarantinedRow(
            line=row.line, column=self._header.column_for(name), value=shown[:MAX_VALUE_CHARS], reason=reason
        )

    def problem(self, row: Row, name: str, reason: str) -> QuarantinedRow:
        return self._problem(row, name, reason)

    def explain(self, row: Row, error: ValidationError) -> list[QuarantinedRow]:
        """Pydantic's errors, each pinned to the source column that holds the bad value."""
        problems = []
        for detail in error.errors(include_url=False, include_input=False, include_context=False):
            location = [str(part) for part in detail["loc"]]
            reason = detail["msg"].removeprefix("Value error, ")
            if detail["type"] == "missing":
                reason = "a value is required (the cell is empty)"
            if reason.endswith("needs finding_decided_on") and self._header.finding_known_on is None:
                reason += (
                    f" (the decision date is empty: map it in kinds.{self._header.kind.value}.fields.finding_decided_on"
                    f", or set kinds.{self._header.kind.value}.finding_known_on to 'upload_date' or a date field)"
                )
            if location:
                name = location[0]
            else:  # a rule across fields: pin it to the first field the message names
                found = self._pattern.search(reason)
                name = found.group(0) if found else ""
            if not name:
                problems.append(QuarantinedRow(line=row.line, column="", reason=reason))
            else:
                problems.append(self._problem(row, name, reason))
        return problems
