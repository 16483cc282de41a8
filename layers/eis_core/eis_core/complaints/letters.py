"""Acknowledgment letters from the agency's own template, keyed only by complaint number.

The EIS never stores a complainant's identity, so a letter carries no address: the intake unit merges
the complainant's name and address outside the EIS, by complaint number. A letter is rendered from the
complaint's number and dates and the agency's name and contact only; nothing about the officers
complained about is ever handed to the renderer, so no letter can name one.

The template is a file in the agency's artifacts bucket, ``config/letters/acknowledgment.txt`` (plain
text) or ``config/letters/acknowledgment.html`` (HTML: every value is escaped). Placeholders are
written ``{{name}}``; the known names are ``PLACEHOLDERS``, and a template naming any other is refused.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from eis_core.complaints.timeliness import ComplaintTiming
from eis_core.errors import NotFoundError, ValidationFailed
from eis_core.storage.ports import ArtifactStore

TEMPLATE_KEYS: dict[Literal["txt", "html"], str] = {
    "html": "config/letters/acknowledgment.html",
    "txt": "config/letters/acknowledgment.txt",
}
PLACEHOLDERS: dict[str, str] = {
    "complaint_number": "the agency's complaint number (the intake unit merges the address by it)",
    "received_on": "the day the complaint was received (YYYY-MM-DD)",
    "letter_date": "the day the letter is produced (YYYY-MM-DD)",
    "agency_name": "the agency's name",
    "contact": "who the complainant may contact about the complaint",
}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class LetterTemplate:
    body: str
    format: Literal["txt", "html"]
    key: str

    def __post_init__(self) -> None:
        unknown = sorted({name for name in _PLACEHOLDER.findall(self.body) if name not in PLACEHOLDERS})
        if unknown:
            raise ValidationFailed(
                f"{self.key}: unknown placeholder(s) {', '.join('{{' + n + '}}' for n in unknown)}; "
                f"use {', '.join('{{' + n + '}}' for n in PLACEHOLDERS)}"
            )
        if "complaint_number" not in self.names:
            raise ValidationFailed(
                f"{self.key}: the template has no {{{{complaint_number}}}}: the intake unit merges the address by it"
            )

    @property
    def names(self) -> set[str]:
        return set(_PLACEHOLDER.findall(self.body))


@dataclass(frozen=True)
class Letter:
    complaint_number: str
    format: Literal["txt", "html"]
    body: str

    @property
    def file_name(self) -> str:
        """A safe file name made from the complaint number alone."""
        return re.sub(r"[^A-Za-z0-9_.-]", "_", self.complaint_number) + "." + self.format


def load_template(store: ArtifactStore) -> LetterTemplate:
    """The agency's template (HTML first, then plain text); NotFoundError names both keys when neither exists."""
    for fmt, key in TEMPLATE_KEYS.items():
        try:
            body = store.get_bytes(key).decode("utf-8")
        except NotFoundError:
            continue
        return LetterTemplate(body=body, format=fmt, key=key)
    raise NotFoundError(
        f"no acknowledgment letter template: upload one to {TEMPLATE_KEYS['txt']} or {TEMPLATE_KEYS['html']} "
        f"in the agency's artifacts bucket (placeholders: {', '.join(PLACEHOLDERS)})"
    )


def render_letter(
    template: LetterTemplate,
    *,
    complaint_number: str,
    received_on: date,
    letter_date: date,
    agency_name: str,
    contact: str,
) -> Letter:
    """One letter. Only these values exist for the template: a complaint number, two dates and the agency's own."""
    values = {
        "complaint_number": complaint_number,
        "received_on": received_on.isoformat(),
        "letter_date": letter_date.isoformat(),
        "agency_name": agency_name,
        "contact": contact,
    }
    missing = sorted(name for name in template.names if not values[name].strip())
    if missing:
        raise ValidationFailed(f"{template.key} uses {', '.join(missing)} but no value was given for it")
    escape = html.escape if template.format == "html" else str

    def fill(match: re.Match[str]) -> str:
        return escape(values[match.group(1)])

    return Letter(complaint_number, template.format, _PLACEHOLDER.sub(fill, template.body))


def acknowledgment_letters(
    template: LetterTemplate,
    timings: Iterable[ComplaintTiming],
    *,
    letter_date: date,
    agency_name: str,
    contact: str,
    since: date | None = None,
) -> list[Letter]:
    """A letter for each complaint received on or after ``since``; without ``since``, each still unacknowledged."""
    chosen = [t for t in timings if (t.received_on >= since if since is not None else t.acknowledged_on is None)]
    return [
        render_letter(
            template,
            complaint_number=t.complaint_id,
            received_on=t.received_on,
            letter_date=letter_date,
            agency_name=agency_name,
            contact=contact,
        )
        for t in chosen
    ]
