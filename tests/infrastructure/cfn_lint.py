"""cfn-lint over synthesised templates, offline, in parallel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

GOVCLOUD = ("us-gov-west-1", "us-gov-east-1")
# Informational rules are on (I3042: hard-coded partition in an ARN). One is not: I1022 prefers Fn::Sub
# over Fn::Join, which is how CDK renders every ARN; it is style, not correctness.
IGNORED = ("I1022",)


def lint(template: Path, regions: Sequence[str] = GOVCLOUD) -> list[str]:
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(regions=list(regions), include_checks=["I"], ignore_checks=list(IGNORED))
    return [f"{template.name} ({', '.join(regions)}): {match}" for match in lint_file(template, config=config)]


def _lint(job: tuple[Path, tuple[str, ...]]) -> list[str]:
    return lint(*job)


def lint_all(templates: Iterable[Path | tuple[Path, tuple[str, ...]]], *, workers: int = 2) -> list[str]:
    """Lint each template (for both GovCloud regions, or the regions paired with it)."""
    jobs = [job if isinstance(job, tuple) else (job, GOVCLOUD) for job in templates]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [problem for problems in pool.map(_lint, jobs) for problem in problems]
