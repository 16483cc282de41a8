"""The score job's step that precomputes the agency trends report into the artifacts bucket.

The case API only reads what this writes (``eis_core.models.trends``): the typed document, its HTML
page and its CSV under ``reports/trends/<as_of>/``, and ``reports/trends/latest.json`` naming them.

Building it reads every record once (a full pass over the records table) plus the alerts and cases
through their indexes, so the daily run rebuilds it only when it would differ in what it reports:
when the records changed (the store's change marker) or a new month began (the report covers whole
months). Alert dispositions made later in a month show from the next rebuild.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from eis_core.errors import NotFoundError
from eis_core.models.trends import CONTENT_TYPES, TRENDS_LATEST_KEY, TrendsFormat, TrendsReport, trends_key
from eis_core.reports.trends import TrendsOptions, build_trends
from eis_core.reports.trends_page import render_csv, render_html
from eis_core.storage.ports import AlertStore, ArtifactStore, CaseStore, RecordStore


class TrendsSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    rebuilt: bool
    flagged: int | None = None
    """Group-months departing from their season; None when the stored report was kept."""
    keys: list[str]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def render_all(report: TrendsReport) -> dict[TrendsFormat, bytes]:
    return {
        TrendsFormat.JSON: report.model_dump_json().encode(),
        TrendsFormat.HTML: render_html(report).encode(),
        TrendsFormat.CSV: render_csv(report).encode(),
    }


class TrendsJob:
    def __init__(
        self,
        *,
        agency_id: str,
        records: RecordStore,
        alerts: AlertStore,
        cases: CaseStore,
        artifacts: ArtifactStore,
        options: TrendsOptions | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._agency_id = agency_id
        self._records = records
        self._alerts = alerts
        self._cases = cases
        self._artifacts = artifacts
        self._options = options or TrendsOptions()
        self._clock = clock

    def publish(self, as_of: date, *, force: bool = False) -> TrendsSummary:
        """Write the report as of ``as_of`` unless the latest one reports the same months of the same records."""
        marker = self._records.change_marker()
        latest = self._latest()
        if not force and latest is not None:
            same_month = str(latest.get("as_of", ""))[:7] == as_of.isoformat()[:7]
            if same_month and latest.get("records_marker") == marker:
                return TrendsSummary(as_of=date.fromisoformat(latest["as_of"]), rebuilt=False, keys=[])
        report = build_trends(
            self._records.iter_records(),
            agency_id=self._agency_id,
            as_of=as_of,
            generated_at=self._clock(),
            alerts=self._alerts.list_alerts(),
            cases=list(itertools.chain(self._cases.list_open_cases(), self._cases.closed_cases())),
            options=self._options,
            records_marker=marker,
        )
        keys = []
        for fmt, body in render_all(report).items():
            key = trends_key(as_of, fmt)
            self._artifacts.put_bytes(key, body, content_type=CONTENT_TYPES[fmt])
            keys.append(key)
        self._artifacts.put_json(
            TRENDS_LATEST_KEY,
            {"as_of": as_of.isoformat(), "records_marker": marker, "generated_at": report.generated_at.isoformat()},
        )
        return TrendsSummary(as_of=as_of, rebuilt=True, flagged=len(report.flagged), keys=keys)

    def _latest(self) -> dict[str, Any] | None:
        try:
            latest = self._artifacts.get_json(TRENDS_LATEST_KEY)
        except NotFoundError:
            return None
        return latest if isinstance(latest, dict) else None
