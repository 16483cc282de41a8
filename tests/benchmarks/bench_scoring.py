"""Scale benchmark for scoring and training: `python tests/benchmarks/bench_scoring.py --officers 40000`.

Builds a synthetic agency straight into the history frame (no pydantic records: the benchmark
measures scoring and training, not record parsing): ``officers`` officers over ``years`` years with
about ``events`` events per officer-year (40,000 x 10 x ~12.5 = ~5M events). Then it times
``history_features`` for one as-of date (the daily scoring work for the model), ``train_model`` on
every as-of year, and one whole ``ScoringService.run`` reading the frames snapshot (in-memory
stores), and reports wall time and peak memory (ru_maxrss). Parsing records into the snapshot is
``bench_frames.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import date

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

from eis_core.indicators.catalogue import EVENT_NAMES
from eis_core.indicators.events import NO_KEY, EventFrame
from eis_core.indicators.history import (
    _KIND,
    CLEARED,
    KINDS,
    NEVER,
    SUBJECT_INJURED,
    SUSTAINED,
    HistoryFrame,
    history_features,
    population,
)
from eis_core.indicators.snapshot import SNAPSHOT_KEY, FrameSnapshots
from eis_core.scoring.spec import ModelSpec, packaged_spec
from eis_core.scoring.store import ModelRepository
from eis_core.scoring.trainer import train_model
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.wiring import memory_adapters


def synthetic_frame(officers: int, years: int, events: float, seed: int = 0) -> HistoryFrame:
    rng = np.random.default_rng(seed)
    start = date(2025 - years, 1, 1).toordinal()
    end = date(2025, 1, 1).toordinal()
    rate = rng.gamma(0.8, events / 0.8, officers)  # officer-level activity, heavy-tailed
    counts = rng.poisson(rate * years)
    officer = np.repeat(np.arange(officers), counts)
    n = officer.size
    kind = rng.choice([_KIND["complaint"], _KIND["use_of_force"], _KIND["activity"]], n, p=[0.15, 0.25, 0.6])
    known = rng.integers(start, end, n)
    flags = np.where(rng.random(n) < 0.25, SUBJECT_INJURED, 0)
    decided_ok = (kind == _KIND["complaint"]) & (rng.random(n) < 0.8)
    flags = np.where(decided_ok, np.where(rng.random(n) < 0.15, SUSTAINED, CLEARED), flags)
    decided = np.where(decided_ok, known + rng.integers(30, 400, n), NEVER)
    ids = pd.Index([f"P{i:06d}" for i in range(officers)], dtype=object, name="officer_id")
    hire = rng.integers(start - 20 * 365, end - 30, officers).astype(float)
    roster = pd.DataFrame(
        {"rank": "Police Officer", "hire_date": hire, "separation_date": np.nan, "on_roster": True}, index=ids
    )
    demographics = pd.DataFrame(
        {
            "race": rng.choice(["A", "B", "C"], officers),
            "sex": rng.choice(["M", "F"], officers),
            "birth_year": rng.integers(1960, 2000, officers).astype(float),
        },
        index=ids,
    )
    return HistoryFrame(
        officer=officer.astype(np.int64),
        kind=kind.astype(np.int64),
        known=known.astype(np.int64),
        decided=decided.astype(np.int64),
        category=np.where(rng.random(n) < 0.3, 0, 8).astype(np.int64),
        flags=flags.astype(np.int64),
        arrests=np.zeros(n),
        officer_ids=ids,
        roster=roster,
        demographics=demographics,
    )


def event_frame(frame: HistoryFrame, officers: int) -> EventFrame:
    """The same events as the indicator pipeline's frame (complaints, force reports, activity as arrests)."""
    code = {name: i for i, name in enumerate(EVENT_NAMES)}
    as_event = np.full(len(KINDS), -1)
    as_event[_KIND["complaint"]] = code["complaint"]
    as_event[_KIND["use_of_force"]] = code["force"]
    as_event[_KIND["activity"]] = code["arrests"]
    rng = np.random.default_rng(1)
    roster = pd.DataFrame(
        {
            "rank": "Police Officer",
            "unit": rng.choice([f"District {i}" for i in range(25)], officers),
            "district": None,
            "shift": rng.choice(["day", "evening", "night"], officers),
            "hire_date": frame.roster["hire_date"].to_numpy(np.int64),
            "separation_date": pd.array([pd.NA] * officers, dtype="Float64"),
        },
        index=frame.officer_ids,
    )
    return EventFrame(
        officer=frame.officer,
        event=as_event[frame.kind].astype(np.int64),
        occurred=frame.known,
        known=frame.known,
        amount=np.ones(frame.size),
        key=np.where(frame.kind == _KIND["complaint"], np.arange(frame.size), NO_KEY).astype(np.int64),
        officer_ids=frame.officer_ids,
        roster=roster,
    )


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=40_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--events", type=float, default=12.5, help="events per officer-year")
    parser.add_argument(
        "--spec",
        default="default",
        help="'default', or an agency whose shipped spec's candidates and combine rule to train "
        "(e.g. chicago-demo: four settings averaged); its population and years are Chicago's, so not used",
    )
    args = parser.parse_args()
    t0 = time.monotonic()
    frame = synthetic_frame(args.officers, args.years, args.events)
    print(f"frame: {frame.size:,} events for {args.officers:,} officers in {time.monotonic() - t0:.1f}s", flush=True)

    as_of = date(2025, 1, 1)
    t0 = time.monotonic()
    officers = population(frame, as_of)
    features = history_features(frame, as_of, officers)
    score_features = time.monotonic() - t0
    print(f"scoring features as of {as_of}: {len(features):,} officers in {score_features:.1f}s", flush=True)

    t0 = time.monotonic()
    spec = ModelSpec()
    if args.spec != "default":
        shipped = packaged_spec(args.spec)
        candidates = tuple(c.model_copy(update={"first_training_year": None}) for c in shipped.candidates)
        spec = ModelSpec(candidates=candidates, combine=shipped.combine)
    model = train_model(frame, spec, as_of)
    train = time.monotonic() - t0
    print(f"training: {model.card.cohort.officer_years:,} officer-years in {train:.1f}s", flush=True)

    t0 = time.monotonic()
    scores = model.predict(features)
    predict = time.monotonic() - t0
    print(
        f"prediction: {scores.size:,} officers in {predict:.1f}s; "
        f"model features + prediction {score_features + predict:.1f}s"
    )

    # One whole scoring run as the score function makes it, on in-memory stores: read the frames
    # snapshot, indicators, peers, rules, the model, flags, explanations, scores, alerts, run report.
    adapters = memory_adapters("bench")
    ModelRepository(adapters.artifacts).save(model)
    FrameSnapshots(adapters.records, adapters.artifacts).store(
        event_frame(frame, args.officers), frame, adapters.records.change_marker()
    )
    print(f"frames snapshot: {len(adapters.artifacts.get_bytes(SNAPSHOT_KEY)) / 1e6:.0f} MB", flush=True)
    service = build_scoring_jobs(adapters, agency_id="bench").scoring
    t0 = time.monotonic()
    summary = service.run(as_of)
    report = adapters.artifacts.get_json(summary.report_key)
    print(
        f"scoring run: {summary.officers_scored:,} officers scored, {summary.alerts_created:,} alerts "
        f"in {time.monotonic() - t0:.1f}s (frames read from the snapshot in {report['records']['load_seconds']}s; "
        "storage in memory: in AWS add the S3 GET of the snapshot and the parallel DynamoDB writes)"
    )
    print(f"peak memory (max RSS): {peak_gb():.2f} GB")


if __name__ == "__main__":
    main()
