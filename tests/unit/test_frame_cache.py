"""The history cache of a raw-files backtest: a second run reuses it with identical results, any change rebuilds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eis_core.indicators.history import HistoryFrame
from eis_core.models.records import Record
from eis_core.scoring.backtest import backtest_year
from eis_core.scoring.spec import ModelSpec
from eis_tools.agency_history import generated_records
from eis_tools.frame_cache import cache_key, cached_history, code_fingerprint

SPEC = ModelSpec(parameters={"min_samples_leaf": 20, "max_iter": 30})


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return generated_records("cache-test", 150, 3, date(2018, 1, 1), date(2023, 12, 31))


@pytest.fixture(scope="module")
def built(records: list[Record]) -> HistoryFrame:
    return HistoryFrame.from_records(records)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    (folder / "complaints").mkdir(parents=True)
    (folder / "profiles.csv").write_text("UID,first_name\n1,A\n")
    (folder / "complaints" / "complaints.csv").write_text("cr_id,UID\n10,1\n")
    return folder


class Builds:
    """Counts how often the history is built from the raw files."""

    def __init__(self, frame: HistoryFrame) -> None:
        self.frame, self.count = frame, 0

    def __call__(self) -> HistoryFrame:
        self.count += 1
        return self.frame


def assert_same_history(a: HistoryFrame, b: HistoryFrame) -> None:
    for name in ("officer", "kind", "known", "decided", "category", "flags", "arrests"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_index_equal(a.officer_ids, b.officer_ids)
    pd.testing.assert_frame_equal(a.roster, b.roster)
    pd.testing.assert_frame_equal(a.demographics, b.demographics)


def test_a_second_run_on_the_same_files_reuses_the_history_and_the_backtest_is_identical(
    built: HistoryFrame, raw: Path, tmp_path: Path
) -> None:
    # Given a first run that built the history from the raw files
    build, key = Builds(built), cache_key(raw, "test")
    first = cached_history(key, build, root=tmp_path / "cache")
    # When the same files are backtested again
    second = cached_history(key, build, root=tmp_path / "cache")
    # Then the history is read from the cache, not built again, and is the same history
    assert (first.hit, second.hit, build.count) == (False, True, 1)
    assert_same_history(built, second.frame)
    # And the backtest's table and fairness are identical (apart from the training timestamp, not compared)
    fresh, reused = backtest_year(built, SPEC, 2023), backtest_year(second.frame, SPEC, 2023)
    assert reused.table == fresh.table
    assert reused.fairness == fresh.fairness
    assert reused.baselines == fresh.baselines
    assert reused.model_id == fresh.model_id


def test_a_changed_raw_file_or_changed_code_gives_a_new_key(raw: Path, tmp_path: Path) -> None:
    before = cache_key(raw, "test")
    assert cache_key(raw, "test") == before  # stable for the same files and code
    # A byte changed in one raw file
    (raw / "complaints" / "complaints.csv").write_text("cr_id,UID\n11,1\n")
    changed = cache_key(raw, "test")
    assert changed != before
    # A renamed raw file with the same bytes
    (raw / "profiles.csv").rename(raw / "officers.csv")
    assert cache_key(raw, "test") != changed
    # Code that is different from what built the entry
    package = tmp_path / "package"
    package.mkdir()
    (package / "module.py").write_text("X = 1\n")
    old_code = code_fingerprint([package])
    (package / "module.py").write_text("X = 2\n")
    assert code_fingerprint([package]) != old_code
    assert cache_key(raw, "test", code=old_code) != cache_key(raw, "test", code=code_fingerprint([package]))


def test_a_damaged_entry_is_rebuilt_not_trusted(built: HistoryFrame, raw: Path, tmp_path: Path) -> None:
    build, key, root = Builds(built), cache_key(raw, "test"), tmp_path / "cache"
    entry = cached_history(key, build, root=root).path
    # Given an entry whose bytes no longer match its checksum
    entry.write_bytes(entry.read_bytes()[:-10])
    # When the files are backtested again
    again = cached_history(key, build, root=root)
    # Then the history is built again from the raw files (and stored afresh)
    assert (again.hit, build.count) == (False, 2)
    assert cached_history(key, build, root=root).hit


def test_the_chicago_source_exports_once_for_two_backtests_of_the_same_files(
    records: list[Record], raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eis_tools.agency_history as agency_history

    exports: list[Path] = []

    def export_and_ingest(folder: Path) -> list[Record]:
        exports.append(folder)
        return records

    monkeypatch.setenv("EIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(agency_history, "chicago_records", export_and_ingest)
    # Given a first backtest of the raw files, exported and ingested
    first = agency_history.from_chicago_raw("chicago-demo", str(raw))
    # When the same files are backtested again
    second = agency_history.from_chicago_raw("chicago-demo", str(raw))
    # Then they were exported once, the second run says it used the cache, and the histories are the same
    assert len(exports) == 1
    assert "cached" not in first.records_source and "cached" in second.records_source
    assert_same_history(first.frame, second.frame)
    # And --no-cache exports again
    agency_history.from_chicago_raw("chicago-demo", str(raw), cache=False)
    assert len(exports) == 2
