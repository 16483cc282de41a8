"""`eis backtest` on the agency's own records: from its store or its extracts, never a silent substitute."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.ingest.mapping import MAPPING_KEY
from eis_core.ingest.wiring import ingest_service
from eis_core.models.records import RecordKind
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.store import SPEC_KEY
from eis_core.storage.schema import AgencyResources
from eis_core.wiring import aws_adapters
from eis_tools.generate import GeneratorConfig, generate_agency, write_extracts
from eis_tools.local.cli import main
from eis_tools.local.resources import LocalSettings, create_agency_resources
from tests.conftest import ACCOUNT, AGENCY_ID, REGION

TEST_YEAR = "2022"
SMALL_MODEL = ModelSpec(parameters={"min_samples_leaf": 20, "max_iter": 30})
LEFT_OUT = (RecordKind.LEAVE, RecordKind.TRAINING, RecordKind.ACTIVITY)
"""Not model inputs (activity only as arrests): left out to keep the moto store small and the test fast."""


@pytest.fixture(scope="module")
def agency_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small generated agency's extracts (with its answer key, which is not an extract), mapping and spec."""
    root = tmp_path_factory.mktemp("agency")
    agency = generate_agency(
        GeneratorConfig(
            agency_id=AGENCY_ID, officers=100, seed=3, start=date(2018, 1, 1), end=date(2022, 12, 31), horizon_months=0
        )
    )
    extracts = root / "extracts"
    for kind, path in write_extracts(agency, extracts).items():
        if kind in LEFT_OUT:
            path.unlink()
    mapping = root / "mapping.json"
    mapping.write_text(json.dumps({"agency_id": AGENCY_ID, "version": 1}))
    spec = root / "spec.json"
    spec.write_text(SMALL_MODEL.model_dump_json())
    return {"extracts": extracts, "mapping": mapping, "spec": spec, "root": root}


def backtest(*args: str, out: Path) -> tuple[int, dict[str, Any] | None]:
    code = main(["backtest", "--test-year", TEST_YEAR, "--workers", "1", "--out", str(out), *args])
    report = out.with_suffix(".json")
    return code, (json.loads(report.read_text())[0] if report.exists() else None)


def test_extracts_through_ingest_give_the_same_table_as_the_agencys_store(
    settings: LocalSettings, agency_files: dict[str, Path], tmp_path: Path
) -> None:
    # Given the agency's extracts uploaded into its own store (through the ingest service on its tables),
    # with its mapping and spec where the deployed jobs read them
    adapters = aws_adapters(settings)
    adapters.artifacts.put_json(MAPPING_KEY, json.loads(agency_files["mapping"].read_text()))
    adapters.artifacts.put_json(SPEC_KEY, SMALL_MODEL.model_dump(mode="json"))
    service = ingest_service(adapters, agency_id=AGENCY_ID, actor="test")
    for path in sorted(agency_files["extracts"].glob("*.csv"), key=lambda p: p.stem != "roster"):
        key = f"{UPLOAD_PREFIX}{path.stem}/{path.name}"
        adapters.uploads.put_bytes(key, path.read_bytes())
        assert not service.ingest_object(key=key).rejected

    # When it is backtested from its store, and from the same extracts with --extracts/--mapping/--spec
    code, stored = backtest("--agency", AGENCY_ID, out=tmp_path / "store.md")
    extracts = ["--extracts", str(agency_files["extracts"]), "--mapping", str(agency_files["mapping"])]
    again, folder = backtest(
        "--agency", AGENCY_ID, *extracts, "--spec", str(agency_files["spec"]), out=tmp_path / "x.md"
    )

    # Then both run, on the same records with the same spec: the same table and the same model
    assert (code, again) == (0, 0)
    assert stored is not None and folder is not None
    assert stored["table"]["officers"] > 90 and stored["table"]["adverse"] > 0
    assert stored["table"] == folder["table"]
    assert stored["card"]["model_id"] == folder["card"]["model_id"]
    assert "the agency's store" in (tmp_path / "store.md").read_text()

    # And `eis retrain` on the store trains with the agency's stored spec (not the default's 200-officer leaves)
    card = tmp_path / "card.json"
    assert main(["retrain", "--agency", AGENCY_ID, "--cutoff", "2022-01-01", "--out", str(card)]) == 0
    assert json.loads(card.read_text())["spec"]["parameters"]["min_samples_leaf"] == 20


def test_an_agency_with_no_records_is_an_error_not_a_synthetic_report(
    settings: LocalSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given agency 'demo' deployed (tables and buckets) but with nothing uploaded yet
    demo = AgencyResources(agency_id="demo", account=ACCOUNT, region=REGION)
    create_agency_resources(boto3.Session(region_name=REGION), demo, sender_email="eis@demo.example.gov")

    # When it is backtested without --generated
    code, report = backtest("--agency", "demo", out=tmp_path / "demo.md")

    # Then it is an error naming the problem, and no report is written
    assert code == 2 and report is None
    error = capsys.readouterr().err
    assert "agency 'demo' has no records" in error and "--generated" in error


def test_an_unknown_agency_is_an_error(
    settings: LocalSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = backtest("--agency", "nowhere", out=tmp_path / "nowhere.md")

    assert code == 2 and report is None
    assert "unknown agency 'nowhere'" in capsys.readouterr().err


def test_a_test_year_whose_outcomes_are_not_in_the_extracts_yet_is_an_error(
    agency_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extracts = ["--extracts", str(agency_files["extracts"]), "--mapping", str(agency_files["mapping"])]

    code = main(["backtest", "--agency", AGENCY_ID, *extracts, "--test-year", "2023", "--out", str(tmp_path / "r.md")])

    assert code == 2
    assert "test year 2023" in capsys.readouterr().err
    assert not (tmp_path / "r.md").exists()


def test_a_mapping_for_another_agency_is_an_error(
    agency_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = backtest(
        "--agency",
        "elsewhere",
        "--extracts",
        str(agency_files["extracts"]),
        "--mapping",
        str(agency_files["mapping"]),
        out=tmp_path / "r.md",
    )

    assert code == 2 and report is None
    assert f"agency '{AGENCY_ID}'" in capsys.readouterr().err
