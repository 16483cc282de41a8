"""`eis spec schema|check|features`: write and check an agency's model spec (``models/spec.json``) offline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _schema(args: argparse.Namespace) -> int:
    from eis_core.scoring.spec import spec_json_schema

    print(json.dumps(spec_json_schema(), indent=2))
    return 0


def _check(args: argparse.Namespace) -> int:
    from eis_core.errors import ValidationFailed
    from eis_core.scoring.spec import parse_spec

    try:
        spec = parse_spec(Path(args.file).read_bytes(), source=args.file)
    except OSError as error:
        print(f"{args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except ValidationFailed as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"{args.file}: valid model spec")
    for line in describe(spec):
        print(f"  {line}")
    return 0


def describe(spec: Any) -> list[str]:
    """What the spec means, in words an agency can check against its own policy."""
    rule = spec.population
    who = ["officers on the roster on each Jan 1 (hired before it or with no hire date, not separated by it)"]
    if rule.exclude_ranks:
        who.append(f"not of rank {', '.join(rule.exclude_ranks)}")
    if rule.min_tenure_days:
        who.append(f"at least {rule.min_tenure_days} days of tenure (officers without a hire date are left out)")
    if rule.active_within_days:
        who.append(f"with an activity record known within {rule.active_within_days} days")
    if rule.recent_events is not None:
        who.append(f"with a {' or '.join(rule.recent_events.kinds)} known within {rule.recent_events.within_days} days")
    features = spec.features()
    return [
        f"population: {', '.join(who)}",
        f"officers outside it: {spec.outside_population.replace('_', ' ')}, never alerted",
        f"adverse outcome within {spec.window_months} months: {spec.adverse.model_dump(mode='json')}",
        f"baseline rule: {spec.rule.model_dump(mode='json')}",
        f"features: {len(features)} used"
        + (f"; kinds left out: {', '.join(spec.excluded_kinds)}" if spec.excluded_kinds else "")
        + (f"; features left out: {', '.join(spec.excluded_features)}" if spec.excluded_features else ""),
        f"candidates: {', '.join(c.name for c in spec.candidates) or 'none (parameters as given)'}"
        + (f", combined by {spec.combine}" if spec.candidates else ""),
        "each model: "
        + (
            "its validation fit, Platt-calibrated on the held-out latest training year (no refit)"
            if spec.final_fit == "validation"
            else "refitted on every training year, Platt-calibrated on its own folds"
        ),
        f"flag share for validation: {spec.top_share:.0%}",
    ]


def _features(args: argparse.Namespace) -> int:
    from eis_core.indicators.history import FEATURE_KIND, FEATURES

    for name, feature in FEATURES.items():
        print(f"{name:<40} {FEATURE_KIND.get(name, '-'):<22} {feature.label}")
    return 0


def add_spec_commands(commands: Any) -> None:
    spec = commands.add_parser("spec", help="an agency's model spec: what it means by risk, population and baseline")
    sub = spec.add_subparsers(dest="spec_command", required=True)
    schema = sub.add_parser("schema", help="print the model spec's JSON Schema")
    schema.set_defaults(run=_schema)
    check = sub.add_parser("check", help="validate a spec file; errors name the field; prints what it means")
    check.add_argument("file")
    check.set_defaults(run=_check)
    features = sub.add_parser("features", help="list the feature names a spec may leave out, with their kind")
    features.set_defaults(run=_features)
