"""The model on Chicago's real records (a sample of districts), loaded through export + ingest.

Leakage is checked the way the study did: features as of a date are identical when every record not
yet known on that date is removed (findings decided on or after it reset to pending). The full
2013-2015 backtest is the `eis backtest --agency chicago-demo` command (minutes, not a test).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from eis_core.indicators.history import HistoryFrame, history_features, population
from eis_core.models.records import Complaint, Finding, Officer, Record
from eis_core.scoring.backtest import backtest_year
from eis_core.scoring.spec import packaged_spec
from eis_tools.local.cli_chicago import ingest_export, memory_uploader, store_mapping
from eis_tools.sources import chicago
from tests.conftest import CHICAGO

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not (CHICAGO / chicago.RAW_FILES["accused"]).exists(),
        reason=f"the CPDP 2018 release is not at {CHICAGO} (see shared/data-raw/chicago/README.md)",
    ),
]

SAMPLE_UNITS = ["007", "011", "015"]
AS_OF = date(2013, 1, 1)


@pytest.fixture(scope="module")
def records() -> list[Record]:
    with tempfile.TemporaryDirectory() as folder:
        manifest = chicago.export_chicago(CHICAGO, Path(folder), units=SAMPLE_UNITS)
        with memory_uploader() as (upload, adapters):
            store_mapping(adapters)
            ingest_export(manifest, Path(folder), upload, adapters)
            return list(adapters.records.iter_records())


def _known_before(record: Record, day: date) -> Record | None:
    if isinstance(record, Officer):
        return record
    if record.known_on >= day:
        return None
    if isinstance(record, Complaint) and record.finding_decided_on is not None and record.finding_decided_on >= day:
        return record.model_copy(update={"finding": Finding.PENDING, "finding_decided_on": None})
    return record


def test_removing_what_was_not_yet_known_changes_no_feature(records: list[Record]) -> None:
    spec = packaged_spec(chicago.AGENCY_ID)
    full = HistoryFrame.from_records(records)
    cut = HistoryFrame.from_records(r for r in (_known_before(r, AS_OF) for r in records) if r is not None)
    officers = population(full, AS_OF, spec.population)
    assert len(officers) > 500
    assert list(population(cut, AS_OF, spec.population)) == list(officers)
    pd.testing.assert_frame_equal(history_features(full, AS_OF, officers), history_features(cut, AS_OF, officers))


def test_a_sample_backtest_trains_only_on_earlier_windows_and_stays_below_the_leakage_ceiling(
    records: list[Record],
) -> None:
    spec = packaged_spec(chicago.AGENCY_ID)
    spec = spec.model_copy(update={"candidates": ()})  # one fit: the grid is for the full backtest
    result = backtest_year(HistoryFrame.from_records(records), spec, 2014)
    # final_fit "validation": the model is the fit on the years before the held-out 2013
    assert result.table["training_as_of"] == [f"{year}-01-01" for year in range(2005, 2013)]
    assert 0.6 < result.table["model_auc"] < 0.80
    assert result.table["model_auc"] > result.table["rule_auc"]
