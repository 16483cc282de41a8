"""The `eis` command line: generate an agency, run the local stack, run the demo."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from eis_core.models.records import RecordKind
from eis_tools.local.cli_audit import add_audit_commands
from eis_tools.local.cli_chicago import add_chicago_commands
from eis_tools.local.cli_complaints import add_complaint_commands
from eis_tools.local.cli_ingest import add_ingest_commands
from eis_tools.local.cli_report import add_report_commands
from eis_tools.local.cli_scoring import add_scoring_commands
from eis_tools.local.cli_spec import add_spec_commands


def _generate(args: argparse.Namespace) -> int:
    from eis_tools.generate import GeneratorConfig, generate_agency, write_extracts

    config = GeneratorConfig(agency_id=args.agency, officers=args.officers, seed=args.seed)
    agency = generate_agency(config)
    paths = write_extracts(agency, Path(args.out))
    for kind, path in paths.items():
        print(f"{kind.value:>18}  {path}")
    print(f"{len(agency.officers)} officers; hidden answer key in {Path(args.out) / 'truth.json'} (not an extract)")
    return 0


def _extracts_in(folder: Path) -> dict[RecordKind, Path]:
    found = {kind: folder / f"{kind.value}.csv" for kind in RecordKind}
    return {kind: path for kind, path in found.items() if path.exists()}


def _wait_for_interrupt(api_url: str) -> None:
    print(f"\nServing the case API on {api_url} — press Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopped.")


def _demo(args: argparse.Namespace) -> int:
    from eis_tools.generate import GeneratorConfig, generate_agency, write_extracts
    from eis_tools.local.demo import default_as_of, run_demo, serve_case_api
    from eis_tools.local.report import print_summary
    from eis_tools.local.stack import local_stack

    config = GeneratorConfig(agency_id=args.agency, officers=args.officers, seed=args.seed)
    print(f"Generating agency '{config.agency_id}' ({config.officers} officers, seed {config.seed}) ...", flush=True)
    agency = generate_agency(config)
    extracts = write_extracts(agency, Path(args.out))
    as_of = date.fromisoformat(args.as_of) if args.as_of else default_as_of(config.end)
    print(
        f"Starting the local AWS stack (moto server on 127.0.0.1) and running the pipeline as of {as_of} ...",
        flush=True,
    )
    with local_stack(config.agency_id) as stack, serve_case_api(stack, port=args.port) as gateway:
        result = run_demo(stack, gateway, extracts, agency.officers, as_of=as_of)
        ok = print_summary(result, outbox=Path(args.out) / "outbox")
        if ok and not args.no_serve:
            _wait_for_interrupt(gateway.url)
    return 0 if ok else 1


def _local_up(args: argparse.Namespace) -> int:
    from eis_tools.local.demo import ingest_extracts, serve_case_api
    from eis_tools.local.runtime import LocalRuntime
    from eis_tools.local.stack import local_stack

    with local_stack(args.agency) as stack, serve_case_api(stack, port=args.port) as gateway:
        print(f"Local stack for '{args.agency}' on {stack.endpoint} (AWS_ENDPOINT_URL)")
        if args.data:
            for outcome in ingest_extracts(LocalRuntime(stack), _extracts_in(Path(args.data))):
                print(
                    f"  {outcome.key}: {outcome.accepted} accepted, {outcome.quarantined} quarantined"
                    + (f", REJECTED: {outcome.reason}" if outcome.rejected else "")
                )
        for role in ("risk_manager", "auditor"):
            user = stack.add_user(role.replace("_", "."), role=role)
            print(f"\n{role} token:\n{user.id_token}")
        _wait_for_interrupt(gateway.url)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eis", description="Open Early Intervention System")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic agency's CSV extracts")
    generate.add_argument("--out", default=".eis/generated", help="folder for the extracts (default %(default)s)")
    generate.add_argument("--agency", default="demo")
    generate.add_argument("--officers", type=int, default=300)
    generate.add_argument("--seed", type=int, default=7)
    generate.set_defaults(run=_generate)

    demo = commands.add_parser("demo", help="generate an agency and run it end to end on the local stack")
    demo.add_argument("--out", default=".eis/demo", help="folder for extracts and captured email (default %(default)s)")
    demo.add_argument("--agency", default="demo")
    demo.add_argument("--officers", type=int, default=300)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--as-of", help="scoring date (default: the day after the generated history ends)")
    demo.add_argument("--port", type=int, default=8080, help="port for the case API (default %(default)s)")
    demo.add_argument("--no-serve", action="store_true", help="run the pipeline, print the summary and exit")
    demo.set_defaults(run=_demo)

    local = commands.add_parser("local", help="the local AWS stack")
    local_commands = local.add_subparsers(dest="local_command", required=True)
    up = local_commands.add_parser("up", help="start an agency's stack and serve the case API")
    up.add_argument("--agency", default="demo")
    up.add_argument("--data", help="folder of <kind>.csv extracts to upload first")
    up.add_argument("--port", type=int, default=8080)
    up.set_defaults(run=_local_up)
    add_audit_commands(commands)
    add_chicago_commands(commands)
    add_ingest_commands(commands)
    add_scoring_commands(commands)
    add_report_commands(commands)
    add_spec_commands(commands)
    add_complaint_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
