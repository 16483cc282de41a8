"""``GET /reports/trends``: the agency trends report the score job precomputed, read as stored.

No pandas here: the case API reads the objects the score job wrote (``eis_core.reports.trends_job``)
from the artifacts bucket. Risk managers, command staff, administrators and auditors read it; a
supervisor is refused (403): it describes the whole agency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eis_core.cases.access import READ_TRENDS, Caller
from eis_core.errors import ForbiddenError, NotFoundError
from eis_core.models.trends import CONTENT_TYPES, TRENDS_LATEST_KEY, TrendsFormat, trends_key
from eis_core.storage.ports import ArtifactStore


@dataclass(frozen=True)
class TrendsDocument:
    as_of: date
    format: TrendsFormat
    content_type: str
    body: str

    @property
    def filename(self) -> str:
        return f"trends-{self.as_of.isoformat()}.{self.format.value}"


class TrendsReports:
    def __init__(self, artifacts: ArtifactStore) -> None:
        self._artifacts = artifacts

    def read(self, caller: Caller, fmt: TrendsFormat, as_of: date | None = None) -> TrendsDocument:
        """The report as of ``as_of`` (default the latest) in ``fmt``; NotFoundError when none was written."""
        if not caller.any_of(READ_TRENDS):
            raise ForbiddenError("only risk managers, command staff, administrators and auditors may read trends")
        if as_of is None:
            try:
                as_of = date.fromisoformat(str(self._artifacts.get_json(TRENDS_LATEST_KEY)["as_of"]))
            except (NotFoundError, KeyError, TypeError, ValueError):
                raise NotFoundError("no trends report yet: the scoring run writes one") from None
        try:
            body = self._artifacts.get_bytes(trends_key(as_of, fmt))
        except NotFoundError:
            raise NotFoundError(f"no trends report as of {as_of.isoformat()}") from None
        return TrendsDocument(as_of=as_of, format=fmt, content_type=CONTENT_TYPES[fmt], body=body.decode("utf-8"))
