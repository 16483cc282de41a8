"""`eis mapping check` previews a mapping on a sample and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eis_tools.local.cli import main

MAPPING = {
    "agency_id": "demo",
    "version": 4,
    "date_formats": ["%m/%d/%Y"],
    "kinds": {
        "use_of_force": {
            "kind": "use_of_force",
            "known_on_from": "occurred_on",
            "file_patterns": ["trr*.csv"],
            "fields": {
                "source_record_id": "ID",
                "officer_id": "STAR",
                "occurred_on": "DATE",
                "force_type": {"column": "TYPE", "values": {"TASER": "taser"}},
            },
        }
    },
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "mapping.json").write_text(json.dumps(MAPPING))
    (tmp_path / "trr_2025.csv").write_text(
        "ID,STAR,DATE,TYPE,SUBJECT_NAME\n1,A1,01/02/2025,TASER,Jane Civilian\n2,A2,01/03/2025,TAZER,John Civilian\n"
    )
    return tmp_path


def test_check_previews_mapped_rows_and_problems_and_writes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(path.name for path in folder.iterdir())

    code = main(["mapping", "check", str(folder / "trr_2025.csv"), "--mapping", str(folder / "mapping.json")])

    out = capsys.readouterr().out
    assert code == 1  # one row would be quarantined
    assert "trr_2025.csv: use_of_force, mapping version 4, encoding utf-8" in out
    assert "dropped (never read): SUBJECT_NAME" in out
    assert 'line 2: ok {"force_type": "taser", "known_on": "2025-01-02"' in out
    assert (
        "line 3: QUARANTINED TYPE = 'TAZER': code 'TAZER' has no mapping for force_type: add it to "
        "kinds.use_of_force.fields.force_type.values (mapping version 4), or set a default"
    ) in out
    assert "Civilian" not in out
    assert sorted(path.name for path in folder.iterdir()) == before


def test_check_reports_a_file_the_mapping_would_reject(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "trr_bad.csv").write_text("ID,STAR\n1,A1\n")

    code = main(["mapping", "check", str(folder / "trr_bad.csv"), "--mapping", str(folder / "mapping.json")])

    assert code == 1
    assert "REJECTED  missing_columns: trr_bad.csv: missing required column(s) for use_of_force: 'DATE'" in (
        capsys.readouterr().out
    )


def test_check_names_an_invalid_mapping(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "mapping.json").write_text(json.dumps({**MAPPING, "timezone": "Nowhere"}))

    code = main(["mapping", "check", str(folder / "trr_2025.csv"), "--mapping", str(folder / "mapping.json")])

    assert code == 2
    assert "timezone: unknown time zone 'Nowhere'" in capsys.readouterr().err
