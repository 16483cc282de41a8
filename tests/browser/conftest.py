"""The portal in headless Chromium (Debian's package) against a local stack these tests start themselves.

Skipped, with the reason, where Chromium, Playwright or the built portal is missing; `.ci/run` installs
Chromium and `make setup` builds the portal, so CI runs them.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from eis_core.models.oversight import BacktestReport
from eis_core.models.records import RecordKind
from eis_core.oversight.keys import backtest_key
from eis_core.storage.s3 import S3ArtifactStore
from eis_core.storage.schema import Bucket
from eis_tools.generate import GeneratorConfig, generate_agency, write_extracts
from eis_tools.local.demo import http_json, ingest_extracts, serve_case_api
from eis_tools.local.portal_site import PORTAL_DIST
from eis_tools.local.runtime import LocalRuntime
from eis_tools.local.stack import LocalStack, LocalUser, local_stack

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = PORTAL_DIST.parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".eis" / "portal" / "screenshots"

MISSING = (
    "Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)"
    if CHROMIUM is None
    else "playwright is not installed (make setup)"
    if importlib.util.find_spec("playwright") is None
    else "the portal is not built (make setup, which needs Node.js and npm)"
    if not (PORTAL_DIST / "index.html").is_file() or not AXE.is_file()
    else None
)


@pytest.fixture(autouse=True)
def _no_real_aws() -> None:
    """Overrides the repository-wide fixture: ``local_stack`` points every client at moto's server."""


@dataclass
class PortalStack:
    url: str
    supervisor: LocalUser
    alert: dict[str, Any]
    risk_manager: LocalUser
    other_supervisor: LocalUser  # a sergeant outside the alerted officer's chain of command
    other_alert: dict[str, Any]  # another new alert, for the risk manager's dismissal
    auditor: LocalUser
    wellness: LocalUser | None = None  # the wellness coordinator
    stack: LocalStack | None = None  # for tests that add a user or age a case on the local stack
    backtest_year: int | None = None  # a stored backtest report's test year
    quarantine_upload: str | None = None  # an upload with quarantined rows (QUARANTINED_LINES)


SEED_START = date(2024, 1, 1)
"""Two years of records, not seven: enough for a year of indicators and a trend; the seed takes about a
quarter of the time (77 s against 295-326 s on a loaded machine)."""


QUARANTINED_LINES = {2: "occurred_on", 4: "known_on"}
"""Lines (the header is line 1) of the seeded commendations file that ingest quarantines, and the column."""


def upload_with_quarantined_rows(runtime: LocalRuntime, extract: Path, folder: Path) -> str:
    """A commendations delta: the QUARANTINED_LINES, two new rows, and every row already uploaded (unchanged),
    so the file is not refused as a broken export (a delta far smaller than usual is)."""
    header, *uploaded = extract.read_text(encoding="utf-8").splitlines()
    officer = uploaded[0].split(",")[1]
    rows = [
        header,
        f"CMD-9000001,{officer},not-a-date,2024-01-17,Unit Citation",
        f"CMD-9000002,{officer},2024-02-01,2024-02-02,Unit Citation",
        f"CMD-9000003,{officer},2024-02-03,2024-02-01,Unit Citation",  # known before it happened
        f"CMD-9000004,{officer},2024-02-05,2024-02-06,Unit Citation",
        *uploaded,
    ]
    path = folder / "commendations-with-errors.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    [report] = runtime.upload(path, RecordKind.COMMENDATION)["reports"]
    assert (report["rows_quarantined"], report["rejected"]) == (2, False), report
    return str(report["upload_id"])


BACKTEST_YEAR = 2025
NOT_BEATEN = "2025, at the top share: the model does not beat the prior-year count (precision 0.30 vs 0.32)."


def store_backtest_report(stack: LocalStack) -> int:
    """A backtest report where the score function's backtest job writes it (the seed's two years are too few to
    train and test on): the artifacts bucket's reports/backtests/<year>/report.json and report.md."""
    artifacts = S3ArtifactStore(stack.session.client("s3"), stack.resources.bucket(Bucket.ARTIFACTS))
    markdown_key = backtest_key(BACKTEST_YEAR, "report.md")
    artifacts.put_bytes(markdown_key, b"# Backtest of 2025\n", content_type="text/markdown; charset=utf-8")
    report = BacktestReport(
        test_year=BACKTEST_YEAR,
        as_of=date(2026, 1, 2),
        generated_at=datetime(2026, 1, 2, tzinfo=UTC),
        trained_model_id="gbm-browser-0000000000000000",
        spec_source="default",
        table={"officers": 100, "adverse": 12, "model_precision_at_top": 0.3, "rule_precision_at_top": 0.2},
        baselines={},
        not_beaten=[NOT_BEATEN],
        calibration=[
            {"decile": d, "officers": 10, "mean_predicted": 0.3 - d / 50, "observed_rate": 0.2, "adverse": 2}
            for d in range(1, 11)
        ],
        fairness_measurable=False,
        markdown_key=markdown_key,
    )
    artifacts.put_json(backtest_key(BACKTEST_YEAR), report.model_dump(mode="json"))
    return BACKTEST_YEAR


@pytest.fixture(scope="module")
def portal_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalStack]:
    """Given a small agency ingested and scored on the local stack, and the supervisor of an alerted officer."""
    agency = generate_agency(GeneratorConfig(agency_id="browser", officers=100, seed=5, start=SEED_START))
    extracts = write_extracts(agency, tmp_path_factory.mktemp("extracts"))
    with local_stack("browser") as stack, serve_case_api(stack) as gateway:
        runtime = LocalRuntime(stack)
        ingest_extracts(runtime, extracts)
        as_of = agency.config.end + timedelta(days=1)
        runtime.run_job("score", "curate", as_of=as_of)
        runtime.score(as_of)
        manager = stack.add_user("risk.manager", role="risk_manager")
        status, alerts = http_json("GET", f"{gateway.url}/alerts?status=new", manager.id_token)
        assert status == 200
        officers = {o.officer_id: o for o in agency.officers}
        alert = next(a for a in alerts["alerts"] if officers[a["officer_id"]].supervisor_id)
        sergeant = officers[alert["officer_id"]].supervisor_id
        assert sergeant is not None
        supervisor = stack.add_user(f"sgt.{sergeant.lower()}", role="supervisor", officer_id=sergeant)
        other_alert = next(a for a in alerts["alerts"] if a["officer_id"] != alert["officer_id"])
        chain: set[str] = set()  # the alerted officer's supervisors, all the way up
        above = officers[alert["officer_id"]].supervisor_id
        while above and above not in chain:
            chain.add(above)
            above = officers[above].supervisor_id if above in officers else None
        elsewhere = next(
            o.officer_id
            for o in agency.officers
            if o.officer_id not in chain and any(p.supervisor_id == o.officer_id for p in agency.officers)
        )
        other = stack.add_user(f"sgt.{elsewhere.lower()}", role="supervisor", officer_id=elsewhere)
        auditor = stack.add_user("auditor", role="auditor")
        wellness = stack.add_user("wellness.coordinator", role="wellness")
        quarantined = upload_with_quarantined_rows(
            runtime, extracts[RecordKind.COMMENDATION], tmp_path_factory.mktemp("quarantine")
        )
        yield PortalStack(
            gateway.url,
            supervisor,
            alert,
            manager,
            other,
            other_alert,
            auditor,
            wellness,
            stack=stack,
            backtest_year=store_backtest_report(stack),
            quarantine_upload=quarantined,
        )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # through DevTools, not a script tag: CSP holds
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
