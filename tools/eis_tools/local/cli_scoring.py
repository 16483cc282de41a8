"""`eis backtest` and `eis retrain`: the agency's model on its own history, run locally.

Records come from the source asked for (``eis_tools.agency_history``): the agency's store by default
(its tables through the same repositories as the deployed jobs; the local stack's with
``AWS_ENDPOINT_URL``), a folder of extracts run through the ingest service (``--extracts DIR
--mapping FILE``), the Chicago release (``--raw``, agency ``chicago-demo``), or a synthetic agency only
with ``--generated``. Nothing is ever substituted: an unknown agency, an empty store or a test year
without its outcome window is an error (exit status 2) that names the problem.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

from eis_tools.agency_history import AgencyHistory, SourceError, chicago_records, generated_records

CHICAGO = "chicago-demo"
DEFAULT_RAW = Path("../shared/data-raw/chicago")
ERROR_EXIT = 2

__all__ = ["CHICAGO", "add_scoring_commands", "chicago_records", "generated_records"]


def _load(args: argparse.Namespace) -> AgencyHistory:
    from eis_tools import agency_history

    if args.mapping and not args.extracts:
        raise SourceError("--mapping goes with --extracts DIR (the store's agency has its mapping already)")
    if args.generated:
        print(f"Generating a SYNTHETIC agency '{args.agency}' ({args.officers} officers, seed {args.seed}) ...")
        history = agency_history.from_generated(
            args.agency,
            officers=args.officers,
            seed=args.seed,
            start=date.fromisoformat(args.start),
            end=date.fromisoformat(args.end),
            spec_file=args.spec,
        )
    elif args.extracts:
        print(f"Ingesting the extracts in {args.extracts} as '{args.agency}' (in-memory stores) ...", flush=True)
        history = agency_history.from_extracts(args.agency, args.extracts, args.mapping, spec_file=args.spec)
    elif args.raw:
        print(f"Exporting Chicago ({args.raw}) and ingesting it as '{CHICAGO}' (in-memory stores) ...", flush=True)
        history = agency_history.from_chicago_raw(args.agency, args.raw, spec_file=args.spec, cache=not args.no_cache)
    else:
        print(f"Reading agency '{args.agency}''s records from its store ...", flush=True)
        history = agency_history.from_store(
            args.agency, endpoint=args.endpoint, region=args.region, spec_file=args.spec
        )
    print(f"records: {history.records_source}; {history.frame.size:,} events in {history.seconds:.0f}s")
    print(f"spec: {history.spec_source}", flush=True)
    return history


def _fail(command: str, error: Exception) -> int:
    print(f"eis {command}: error: {error}", file=sys.stderr)
    return ERROR_EXIT


def _backtest(args: argparse.Namespace) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # boosting is slower with 2 OpenMP threads on 2 cores
    from eis_core.scoring.backtest import render_report, run_backtest, summary_table

    try:
        history = _load(args)
        spec = history.spec
        if args.window_months:
            spec = spec.model_copy(update={"window_months": args.window_months})
        started = time.monotonic()
        rule = spec.rule
        results = run_backtest(history.frame, spec, sorted(set(args.test_year)), rule, workers=args.workers)
    except (SourceError, ValueError) as error:
        return _fail("backtest", error)
    notes = [f"Records: {history.records_source}.", f"Spec: {history.spec_source}."]
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
                {
                    "test_year": r.test_year,
                    "table": r.table,
                    "baselines": r.baselines,
                    "calibration": r.calibration,
                    "fairness_measurable": r.fairness_measurable,
                    "fairness": r.fairness if r.fairness_measurable else None,
                    "card": r.card.to_json(),
                }
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
    """Train as of a cutoff with the agency's spec and write the model card (the deployed job is the retrain event)."""
    from eis_core.scoring.trainer import train_model

    try:
        history = _load(args)
        model = train_model(history.frame, history.spec, date.fromisoformat(args.cutoff))
    except (SourceError, ValueError) as error:
        return _fail("retrain", error)
    out = Path(args.out or f".eis/reports/model-card-{args.agency}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model.card.to_json(), indent=1, default=str))
    print(f"{model.model_id}: card {out}")
    return 0


def add_scoring_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eis backtest` and `eis retrain`."""

    def source(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--agency", required=True, help="the agency id")
        where = parser.add_mutually_exclusive_group()
        where.add_argument(
            "--extracts", metavar="DIR", help="a folder of extracts, run through the ingest service first"
        )
        where.add_argument("--raw", metavar="DIR", help=f"the Chicago CPDP release, e.g. {DEFAULT_RAW} ({CHICAGO})")
        where.add_argument("--generated", action="store_true", help="a SYNTHETIC agency (--officers, --seed, ...)")
        parser.add_argument("--mapping", metavar="FILE", help="with --extracts: the agency's mapping JSON")
        parser.add_argument(
            "--no-cache",
            action="store_true",
            help="--raw: export and ingest again even if .eis/cache holds the history of the same files and code",
        )
        parser.add_argument("--spec", metavar="FILE", help="model spec JSON (default: the agency's own)")
        parser.add_argument("--endpoint", help="the store's AWS endpoint (default $AWS_ENDPOINT_URL, else AWS)")
        parser.add_argument("--region", help="the agency's AWS region (default $AWS_REGION)")
        parser.add_argument("--officers", type=int, default=2000, help="--generated: agency size")
        parser.add_argument("--seed", type=int, default=7, help="--generated: random seed")
        parser.add_argument("--start", default="2014-01-01", help="--generated: history start")
        parser.add_argument("--end", default="2023-12-31", help="--generated: history end")

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
