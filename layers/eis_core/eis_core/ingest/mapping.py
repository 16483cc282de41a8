"""Per-agency mapping: how an agency's own extract columns and codes become canonical record fields.

An agency's mapping is one JSON document (``AgencyMapping``), versioned, stored with the agency's
config (``config/mapping.json`` in its artifacts bucket) and validated here, so that a mistake is
found when the mapping is written or checked (``eis mapping check``), not row by row at 3 a.m.

With no mapping configured, the identity mapping applies: columns carry the canonical field names,
dates are ``YYYY-MM-DD``, codes are the canonical values (``identity_mapping``).

Rules, per kind (``KindMapping``):

* ``fields`` maps a canonical field to where it comes from: a bare string is a source column name;
  a ``FieldSource`` adds code translation (``values``), a ``default``, a date format and boolean
  spellings. Column names match case- and space-insensitively.
* A canonical field not listed in ``fields`` is read from a column with the canonical name when the
  file has one (so a mapping lists only what differs). Every other column is dropped unread.
* ``known_on_from`` names the canonical field that also supplies ``known_on`` when the source has no
  separate report date; ``source_record_id_from`` composes the record id from several columns.
* ``file_patterns`` (shell globs on the file name) say which kind a file is when it is uploaded
  to ``incoming/`` without a kind folder.
* ``header: false`` with ``columns`` reads a file without a header line: ``columns`` names its
  columns in order and the first line is data.
* ``derived`` computes a field from other columns with a small, declarative rule (no code runs):
  ``year_of`` (a date on 1 January of a year found in a column, e.g. a complaint number
  ``2015-001234``), ``latest``/``earliest`` (the later or earlier of date columns), ``prefix``
  (the start of a column, e.g. ``SGT-...``, translated through ``values``).
* ``finding_known_on`` (complaints): when a decided finding has no decision date, take one from
  ``upload_date`` (the day of ingest) or another date field, a conservative "known on"; the upload
  report records the choice.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import date
from enum import Enum
from fnmatch import fnmatch
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from eis_core.documents import parse_document
from eis_core.errors import NotFoundError, ValidationFailed
from eis_core.models.records import RECORD_MODELS, EventRecord, RecordKind
from eis_core.storage.ports import ArtifactStore

MAPPING_KEY = "config/mapping.json"
"""Where the agency's mapping lives in its artifacts bucket (versioned: the report names the version)."""

DEFAULT_DATE_FORMATS = ("%Y-%m-%d",)
DEFAULT_TRUE_VALUES = ("true", "yes", "y", "1", "t")
DEFAULT_FALSE_VALUES = ("false", "no", "n", "0", "f")
IDENTITY_VERSION = 0

_SEPARATORS = re.compile(r"[\s_]+")
ColumnName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Encoding = Literal["utf-8", "utf-8-sig", "cp1252"]


def normalise_column(name: str) -> str:
    """How column names are compared: case does not matter, and spaces and underscores are the same."""
    return _SEPARATORS.sub("_", name.strip()).casefold()


def normalise_code(code: str) -> str:
    """How source codes are compared in ``values`` and boolean spellings."""
    return code.strip().casefold()


def _field_type(kind: RecordKind, field: str) -> Any:
    """The field's annotation without ``| None`` and ``Annotated`` wrappers."""
    annotation = RECORD_MODELS[kind].model_fields[field].annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        annotation = members[0] if len(members) == 1 else annotation
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def field_is_date(kind: RecordKind, field: str) -> bool:
    return _field_type(kind, field) is date


def field_is_bool(kind: RecordKind, field: str) -> bool:
    return _field_type(kind, field) is bool


def field_choices(kind: RecordKind, field: str) -> tuple[str, ...] | None:
    """The canonical values of an enum field, None for free fields."""
    annotation = _field_type(kind, field)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple(str(member.value) for member in annotation)
    return None


class FieldSource(BaseModel):
    """Where one canonical field comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: ColumnName | None = Field(default=None, description="Source column (case/space-insensitive)")
    values: dict[str, str] = Field(
        default_factory=dict,
        description="Source code -> canonical value (e.g. 'SU' -> 'sustained'); codes are matched "
        "case-insensitively. An unlisted code quarantines the row unless `default` is set.",
    )
    default: str | None = Field(
        default=None, description="Used when the column is absent or empty, or the code unmapped"
    )
    date_format: str | None = Field(default=None, description="strptime format; else the mapping's date_formats")
    true_values: list[str] | None = Field(default=None, description="Spellings of true, e.g. ['Y', 'YES', '1']")
    false_values: list[str] | None = Field(default=None, description="Spellings of false")

    @model_validator(mode="after")
    def _has_a_source(self) -> FieldSource:
        if self.column is None and self.default is None:
            raise ValueError("give a `column` to read from, or a `default` value")
        folded = [normalise_code(code) for code in self.values]
        if len(set(folded)) != len(folded):
            raise ValueError("`values` lists the same code twice (codes are matched case-insensitively)")
        return self

    def code_table(self) -> dict[str, str]:
        return {normalise_code(code): value for code, value in self.values.items()}


UPLOAD_DATE = "upload_date"
DEFAULT_YEAR_PATTERN = r"((?:19|20)\d\d)"


class DerivedField(BaseModel):
    """A field computed from other columns by one of a few fixed rules (declarative; nothing is evaluated)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: Literal["year_of", "latest", "earliest", "prefix"] = Field(
        description="year_of: 1 January of a year found in `column` (by `pattern`); latest/earliest: the later or "
        "earlier of the dates in `columns`; prefix: the part of `column` before `separator` (or its first `length` "
        "characters), translated through `values`"
    )
    column: ColumnName | None = Field(default=None, description="The source column (year_of, prefix)")
    columns: list[ColumnName] | None = Field(default=None, min_length=2, description="Date columns (latest, earliest)")
    pattern: str | None = Field(
        default=None,
        max_length=200,
        description="year_of: a regular expression whose first group is the year (default: the first 19xx/20xx)",
    )
    separator: str | None = Field(default=None, min_length=1, max_length=3, description="prefix: cut before this")
    length: int | None = Field(default=None, ge=1, le=50, description="prefix: keep this many characters")
    values: dict[str, str] = Field(default_factory=dict, description="prefix: source prefix -> canonical value")
    default: str | None = Field(default=None, description="prefix: used for an unlisted prefix")
    date_format: str | None = Field(default=None, description="latest/earliest: strptime format of the columns")

    @model_validator(mode="after")
    def _rule_settings(self) -> DerivedField:
        rule = self.rule
        if rule in ("year_of", "prefix") and self.column is None:
            raise ValueError(f"rule {rule} needs `column` (the column to read)")
        if rule in ("latest", "earliest") and not self.columns:
            raise ValueError(f"rule {rule} needs `columns` (two or more date columns)")
        if rule not in ("latest", "earliest") and self.columns is not None:
            raise ValueError(f"`columns` only applies to the latest/earliest rules, not {rule}; use `column`")
        if rule in ("latest", "earliest") and self.column is not None:
            raise ValueError(f"rule {rule} reads `columns` (a list), not `column`")
        if self.pattern is not None:
            if rule != "year_of":
                raise ValueError("`pattern` only applies to the year_of rule")
            try:
                compiled = re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"`pattern` is not a regular expression ({error})") from None
            if compiled.groups < 1:
                raise ValueError("`pattern` needs a group around the year, e.g. '^(\\d{4})-'")
        if (self.separator is not None or self.length is not None) and rule != "prefix":
            raise ValueError("`separator`/`length` only apply to the prefix rule")
        if rule == "prefix" and (self.separator is None) == (self.length is None):
            raise ValueError("rule prefix needs exactly one of `separator` or `length`")
        if (self.values or self.default is not None) and rule != "prefix":
            raise ValueError("`values`/`default` only apply to the prefix rule")
        if self.date_format is not None and rule not in ("latest", "earliest"):
            raise ValueError("`date_format` only applies to the latest/earliest rules")
        return self

    def year_pattern(self) -> re.Pattern[str]:
        return re.compile(self.pattern or DEFAULT_YEAR_PATTERN)

    def code_table(self) -> dict[str, str]:
        return {normalise_code(code): value for code, value in self.values.items()}

    def source_columns(self) -> list[str]:
        return list(self.columns or ([self.column] if self.column is not None else []))


class KindMapping(BaseModel):
    """How one kind of extract maps onto its canonical record model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: RecordKind
    fields: dict[str, FieldSource] = Field(
        default_factory=dict, description="Canonical field -> its source; a bare string is a column name"
    )
    known_on_from: str | None = Field(
        default=None, description="Canonical field (e.g. 'occurred_on') that also supplies known_on"
    )
    source_record_id_from: list[ColumnName] | None = Field(
        default=None, min_length=1, description="Compose source_record_id from these columns, joined by the separator"
    )
    source_record_id_separator: str = Field(default="-", max_length=3)
    file_patterns: list[str] = Field(
        default_factory=list, description="Globs on the file name that identify this kind, e.g. 'TRR_*.csv'"
    )
    header: bool = Field(default=True, description="false: the file has no header line; `columns` names its columns")
    columns: list[ColumnName] | None = Field(
        default=None, min_length=1, description="With header: false, the file's column names in order"
    )
    derived: dict[str, DerivedField] = Field(
        default_factory=dict, description="Canonical field -> a rule computing it from other columns"
    )
    finding_known_on: str | None = Field(
        default=None,
        description="Complaints: when a decided finding has no decision date, use 'upload_date' (the day of ingest) "
        "or another date field of the complaint as a conservative finding_decided_on",
    )

    @field_validator("fields", mode="before")
    @classmethod
    def _bare_column_names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: {"column": source} if isinstance(source, str) else source for name, source in value.items()}
        return value

    @model_validator(mode="after")
    def _fields_exist(self) -> KindMapping:
        model_fields = RECORD_MODELS[self.kind].model_fields
        allowed = ", ".join(model_fields)
        for name, source in self.fields.items():
            if name not in model_fields:
                raise ValueError(f"fields.{name}: '{name}' is not a field of {self.kind.value} (fields: {allowed})")
            self._check_source(name, source)
        if self.known_on_from is not None:
            if not issubclass(RECORD_MODELS[self.kind], EventRecord):
                raise ValueError(f"known_on_from: {self.kind.value} records have no known_on")
            if self.known_on_from not in model_fields or not field_is_date(self.kind, self.known_on_from):
                raise ValueError(f"known_on_from: '{self.known_on_from}' is not a date field of {self.kind.value}")
            if "known_on" in self.fields:
                raise ValueError("known_on_from: known_on is also mapped in `fields`; keep one of them")
        if self.source_record_id_from is not None and "source_record_id" in self.fields:
            raise ValueError("source_record_id_from: source_record_id is also mapped in `fields`; keep one of them")
        self._check_layout()
        for name, rule in self.derived.items():
            self._check_derived(name, rule, model_fields, allowed)
        self._check_finding_known_on(model_fields)
        return self

    def _check_layout(self) -> None:
        if not self.header and self.columns is None:
            raise ValueError(
                "columns: a file without a header line (header: false) needs `columns`, its column names in order"
            )
        if self.header and self.columns is not None:
            raise ValueError("columns: only used for a file without a header line; add `header: false` or remove it")
        if self.columns is not None:
            folded = [normalise_column(name) for name in self.columns]
            twice = sorted({name for name in folded if folded.count(name) > 1})
            if twice:
                raise ValueError(f"columns: {', '.join(twice)} listed more than once")

    def _check_derived(self, name: str, rule: DerivedField, model_fields: dict[str, Any], allowed: str) -> None:
        where = f"derived.{name}"
        if name not in model_fields:
            raise ValueError(f"{where}: '{name}' is not a field of {self.kind.value} (fields: {allowed})")
        if name in self.fields:
            raise ValueError(f"{where}: {name} is also mapped in `fields`; keep one of them")
        is_date = field_is_date(self.kind, name)
        if rule.rule != "prefix" and not is_date:
            raise ValueError(f"{where}: rule {rule.rule} makes a date, but {name} is not a date field")
        if rule.rule == "prefix":
            if is_date:
                raise ValueError(f"{where}: rule prefix makes a code, but {name} is a date field")
            choices = field_choices(self.kind, name)
            if choices is not None:
                for code, value in rule.values.items():
                    if value not in choices:
                        raise ValueError(
                            f"{where}.values: '{code}' -> '{value}' is not a {name} value (one of {', '.join(choices)})"
                        )
                if rule.default is not None and rule.default not in choices:
                    raise ValueError(f"{where}.default: '{rule.default}' is not one of {', '.join(choices)}")

    def _check_finding_known_on(self, model_fields: dict[str, Any]) -> None:
        chosen = self.finding_known_on
        if chosen is None:
            return
        if self.kind is not RecordKind.COMPLAINT:
            raise ValueError(f"finding_known_on: only complaints have findings, not {self.kind.value}")
        if chosen == UPLOAD_DATE:
            return
        if chosen == "finding_decided_on" or chosen not in model_fields or not field_is_date(self.kind, chosen):
            dates = ", ".join(
                [UPLOAD_DATE] + [f for f in model_fields if field_is_date(self.kind, f) and f != "finding_decided_on"]
            )
            raise ValueError(f"finding_known_on: '{chosen}' is not one of {dates}")

    def _check_source(self, name: str, source: FieldSource) -> None:
        choices = field_choices(self.kind, name)
        if choices is not None:
            for code, value in source.values.items():
                if value not in choices:
                    raise ValueError(
                        f"fields.{name}.values: '{code}' -> '{value}' is not a {name} value "
                        f"(one of {', '.join(choices)})"
                    )
            if source.default is not None and source.default not in choices:
                raise ValueError(f"fields.{name}.default: '{source.default}' is not one of {', '.join(choices)}")
        if (source.true_values or source.false_values) and not field_is_bool(self.kind, name):
            raise ValueError(f"fields.{name}: true_values/false_values only apply to yes/no fields")
        if source.date_format is not None and not field_is_date(self.kind, name):
            raise ValueError(f"fields.{name}: date_format only applies to date fields")

    def source_for(self, field: str) -> FieldSource:
        """The source of a canonical field; an unlisted field comes from the column of its own name."""
        return self.fields.get(field) or FieldSource(column=field)

    def matches_file(self, name: str) -> bool:
        return any(fnmatch(name.casefold(), pattern.casefold()) for pattern in self.file_patterns)


class GateConfig(BaseModel):
    """File-level gates: when one trips the whole file is rejected and nothing is applied."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_quarantine_rate: float = Field(default=0.2, ge=0, le=1, description="Share of rows quarantined")
    max_volume_drop: float = Field(
        default=0.5, ge=0, le=1, description="Drop in rows versus the trailing average of this kind and mode"
    )
    trailing_uploads: int = Field(default=3, ge=1, le=50, description="Accepted uploads averaged for the volume gate")
    max_snapshot_retraction: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of a kind's stored records a snapshot may retract unconfirmed; above it the snapshot is "
        "held until it is uploaded again under snapshot/confirmed/",
    )
    min_rows_for_gates: int = Field(
        default=20, ge=0, description="Files or averages below this many rows are too small for a rate to mean much"
    )


class AgencyMapping(BaseModel):
    """An agency's whole mapping: one JSON document, versioned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency_id: str
    version: int = Field(ge=0, description="Bump on every change; upload reports name the version used")
    description: str = ""
    timezone: str = Field(default="UTC", description="Zone of naive date-times; aware ones are converted into it")
    date_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS), min_length=1)
    encoding: Encoding | None = Field(
        default=None, description="None: detect (UTF-8, UTF-8 with BOM, else Windows-1252)"
    )
    kinds: dict[RecordKind, KindMapping] = Field(default_factory=dict)
    gates: GateConfig = Field(default_factory=GateConfig)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (use an IANA name such as 'America/Chicago')") from None
        return value

    @model_validator(mode="after")
    def _kinds_consistent(self) -> AgencyMapping:
        for key, kind_mapping in self.kinds.items():
            if kind_mapping.kind != key:
                raise ValueError(f"kinds.{key.value}: its `kind` says '{kind_mapping.kind.value}'; make them the same")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def for_kind(self, kind: RecordKind) -> KindMapping:
        """The kind's mapping; the identity mapping for kinds the agency did not configure."""
        return self.kinds.get(kind) or KindMapping(kind=kind)

    def kind_for_file(self, name: str) -> RecordKind | None:
        """The kind whose ``file_patterns`` match a file name, if exactly one does."""
        matches = [kind for kind, mapping in self.kinds.items() if mapping.matches_file(name)]
        return matches[0] if len(matches) == 1 else None

    @property
    def is_identity(self) -> bool:
        return self.version == IDENTITY_VERSION and not self.kinds


def identity_mapping(agency_id: str) -> AgencyMapping:
    """What applies with no mapping configured: canonical column names, ISO dates, canonical codes."""
    return AgencyMapping(agency_id=agency_id, version=IDENTITY_VERSION)


def parse_mapping(document: str | bytes | dict[str, Any], *, source: str = MAPPING_KEY) -> AgencyMapping:
    """Validate a mapping document; ValidationFailed names the file, each bad setting and the fix."""
    return parse_document(AgencyMapping, document, source=source, what="mapping")


def mapping_json_schema() -> dict[str, Any]:
    """The JSON Schema of a mapping document, for editors and documentation."""
    return AgencyMapping.model_json_schema()


def load_mapping(store: ArtifactStore, agency_id: str) -> AgencyMapping:
    """The agency's mapping from ``config/mapping.json``, or the identity mapping when there is none.

    Raises ValidationFailed (naming the file and every bad setting) for an invalid document.
    """
    try:
        document = store.get_bytes(MAPPING_KEY)
    except NotFoundError:
        return identity_mapping(agency_id)
    mapping = parse_mapping(document, source=MAPPING_KEY)
    if mapping.agency_id != agency_id:
        raise ValidationFailed(
            f"{MAPPING_KEY}: agency_id is '{mapping.agency_id}' but this is agency '{agency_id}': "
            "upload the mapping written for this agency"
        )
    return mapping
