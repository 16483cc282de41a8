"""`eis backtest` and `eis retrain`: the agency's model on its own history, run locally.

Records come from the normal path: for ``chicago-demo`` the Chicago export is run through the real
ingest service on in-memory stores (``cli_chicago.memory_uploader``); for any other agency id a
synthetic agency is generated (``--officers``, ``--seed``, ``--start``) and its records are used.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from eis_core.indicators.history import HistoryFrame
from eis_core.models.records import Record

CHICAGO = "chicago-demo"
DEFAULT_RAW = Path("../shared/data-raw/chicago")


def chicago_records(raw: Path) -> list[Record]:
    """Chicago's export through the real ingest service (in-memory stores), as canonical records."""
    from eis_tools.local.cli_chicago import ingest_export, memory_uploader, store_mapping
    from eis_tools.sources import chicago

    with tempfile.TemporaryDirectory(prefix="eis-backtest-") as folder:
        manifest = chicago.export_chicago(raw, Path(folder))
        with memory_uploader() as (upload, adapters):
            store_mapping(adapters)
            for result in ingest_export(manifest, Path(folder), upload, adapters):
                accepted, quarantined = result.rows_accepted, result.rows_quarantined
                print(f"  {result.kind.value:>13}: {accepted} accepted, {quarantined} quarantined", flush=True)
            return list(adapters.records.iter_records())


def generated_records(agency_id: str, officers: int, seed: int, start: date, end: date) -> list[Record]:
    from eis_tools.generate import GeneratorConfig, generate_agency

    agency = generate_agency(
        GeneratorConfig(agency_id=agency_id, officers=officers, seed=seed, start=start, end=end, horizon_months=0)
    )
    return [record for records in agency.records.values() for record in records]


def _load_frame(args: argparse.Namespace) -> HistoryFrame:
    started = time.monotonic()
    if args.agency == CHICAGO:
        print(f"Exporting Chicago ({args.raw}) and ingesting it as '{CHICAGO}' (in-memory stores) ...", flush=True)
        records = chicago_records(Path(args.raw))
    else:
        print(f"Generating agency '{args.agency}' ({args.officers} officers, seed {args.seed}) ...", flush=True)
        records = generated_records(
            args.agency, args.officers, args.seed, date.fromisoformat(args.start), date.fromisoformat(args.end)
        )
    frame = HistoryFrame.from_records(records)
    print(f"{len(records):,} records, {frame.size:,} events in {time.monotonic() - started:.0f}s", flush=True)
    return frame


def _backtest(args: argparse.Namespace) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # boosting is slower with 2 OpenMP threads on 2 cores
    from eis_core.scoring.spec import BacktestRule, packaged_spec
    from eis_tools.backtest import render_report, run_backtest, summary_table

    spec = packaged_spec(args.agency)
    if args.window_months:
        spec = spec.model_copy(update={"window_months": args.window_months})
    frame = _load_frame(args)
    started = time.monotonic()
    rule = BacktestRule()
    results = run_backtest(frame, spec, sorted(set(args.test_year)), rule, workers=args.workers)
    notes = []
    if args.agency == CHICAGO:
        notes.append(
            "Population: on the roster (appointed before Jan 1, not separated by it), a payroll-year activity "
            "record for the year before, latest rank not CIVILIAN (the roster keeps only the latest rank, "
            "so 'sworn' uses it rather than the previous year's payroll rank)."
        )
    report = render_report(results, agency_id=args.agency, spec=spec, rule=rule, notes=notes)
    out = Path(args.out or f".eis/reports/backtest-{args.agency}.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    out.with_suffix(".json").write_text(
        json.dumps(
            [
                {"test_year": r.test_year, "table": r.table, "fairness": r.fairness, "card": r.card.to_json()}
                for r in results
            ],
            indent=1,
            default=str,
        )
    )
    print(summary_table(results))
    print(f"\nreport: {out} (+ {out.with_suffix('.json').name}); backtest {time.monotonic() - started:.0f}s")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    """Train as of a cutoff and print the model card (the deployed job is the score function's retrain event)."""
    from eis_core.scoring.spec import packaged_spec
    from eis_core.scoring.trainer import train_model

    spec = packaged_spec(args.agency)
    frame = _load_frame(args)
    model = train_model(frame, spec, date.fromisoformat(args.cutoff))
    out = Path(args.out or f".eis/reports/model-card-{args.agency}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model.card.to_json(), indent=1, default=str))
    print(f"{model.model_id}: card {out}")
    return 0


def add_scoring_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eis backtest` and `eis retrain`."""

    def source(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--agency", required=True, help=f"'{CHICAGO}' for the Chicago records, else synthetic")
        parser.add_argument("--raw", default=str(DEFAULT_RAW), help="Chicago CPDP release (default %(default)s)")
        parser.add_argument("--officers", type=int, default=2000, help="synthetic agency size")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--start", default="2014-01-01", help="synthetic history start")
        parser.add_argument("--end", default="2023-12-31", help="synthetic history end")

    backtest = commands.add_parser("backtest", help="train before a test year, score its Jan 1, compare with the rule")
    source(backtest)
    backtest.add_argument("--test-year", type=int, action="append", required=True, help="repeat for several years")
    backtest.add_argument("--window-months", type=int, help="prediction window (default 12)")
    backtest.add_argument("--workers", type=int, default=2, help="test years in parallel (default %(default)s)")
    backtest.add_argument("--out", help="Markdown report (default .eis/reports/backtest-<agency>.md)")
    backtest.set_defaults(run=_backtest)

    retrain = commands.add_parser("retrain", help="train the agency's model as of a cutoff and write its card")
    source(retrain)
    retrain.add_argument("--cutoff", required=True, help="label windows end by this date, e.g. 2016-01-01")
    retrain.add_argument("--out", help="card JSON (default .eis/reports/model-card-<agency>.json)")
    retrain.set_defaults(run=_retrain)
