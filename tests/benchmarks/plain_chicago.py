"""Yardsticks for the Chicago runs: what plain pandas and one HistGradientBoosting take for the same data.

    parse     read every exported extract (``eis chicago export``'s CSVs, gzip or ``--plain``) with ``pandas.read_csv``:
              the floor for ``eis chicago ingest --memory`` (export, then the ingest service on
              in-memory stores). Exports the extracts first if ``--extracts`` has no manifest yet.
    backtest  from the raw CPDP files: an officer-year panel (population on Jan 1, counts of
              complaints and uses of force known before it over 1, 2 and 5 years and the career,
              days since the last, years of service; label: an adverse event known in the next
              12 months), one HistGradientBoosting fitted on the training years, precision at the
              top 5% of the test year: the floor for ``eis backtest --agency chicago-demo``.

Side by side (A the project, B the yardstick), alternating A B A B so a noisy machine affects both
alike, each run timed with ``/usr/bin/time -v`` (user + sys seconds, maximum resident set size):

    for i in 1 2; do
      /usr/bin/time -v .venv/bin/eis chicago ingest --memory
      /usr/bin/time -v .venv/bin/python tests/benchmarks/plain_chicago.py parse --extracts /tmp/chicago-extracts
    done
    for i in 1 2; do
      /usr/bin/time -v .venv/bin/eis backtest --agency chicago-demo --raw ../shared/data-raw/chicago \\
          --test-year 2015 --no-cache
      /usr/bin/time -v .venv/bin/python tests/benchmarks/plain_chicago.py backtest --test-year 2015
    done

``--no-cache`` exports and ingests the raw files on every run (the cold figure); without it a second
run reads the history built by the first from ``.eis/cache/frames`` (same raw files, same code).
Run both with bytecode cached (``PYTHONDONTWRITEBYTECODE`` unset, one run first to write it): with it
set, every process compiles its imports from source, about 5 CPU seconds for each command here (and
for each ``--workers`` process), which hides the ratio.

The three test years in parallel against one year (``--workers 3``, one process per year):

    for i in 1 2; do
      /usr/bin/time -v .venv/bin/eis backtest --agency chicago-demo --raw ../shared/data-raw/chicago \
          --test-year 2013 --test-year 2014 --test-year 2015 --workers 3
      /usr/bin/time -v .venv/bin/eis backtest --agency chicago-demo --raw ../shared/data-raw/chicago \
          --test-year 2015
    done

The plain backtest is a yardstick of the data work, not a replica: it has no calibration, no
candidate averaging, no peer comparison and no report. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # as `eis backtest` does on this class of machine

import numpy as np
import pandas as pd

DEFAULT_RAW = Path("../shared/data-raw/chicago")
WINDOWS = {"1y": 365, "2y": 730, "5y": 1826}


def parse(extracts: Path, raw: Path) -> int:
    if not (extracts / "manifest.json").exists():
        from eis_tools.sources import chicago

        chicago.export_chicago(raw, extracts)
    started = time.perf_counter()
    rows = 0
    for path in sorted([*extracts.glob("*.csv"), *extracts.glob("*.csv.gz")]):  # plain (--plain) or gzip
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows += len(frame)
        print(f"{path.name:>28}: {len(frame):>7,} rows, {frame.shape[1]} columns")
    print(f"{rows:,} rows in {time.perf_counter() - started:.1f}s")
    return 0


def _day(column: pd.Series) -> np.ndarray:
    """Days since 1970 as floats, NaN where the date is missing or unreadable."""
    days = pd.to_datetime(column, errors="coerce").to_numpy("datetime64[D]")
    return np.where(np.isnat(days), np.nan, days.astype("int64").astype("float64"))


def _events(raw: Path) -> pd.DataFrame:
    """One row per complaint allegation or use of force: officer, kind, day known, adverse or not."""
    accused = pd.read_csv(
        raw / "complaints/complaints-accused.csv.gz",
        usecols=["UID", "cr_id", "complaint_category", "final_finding"],
        dtype={"cr_id": str},
    )
    complaints = pd.read_csv(
        raw / "complaints/complaints-complaints.csv.gz", usecols=["cr_id", "complaint_date"], dtype={"cr_id": str}
    )
    allegations = accused.merge(complaints.drop_duplicates("cr_id"), on="cr_id", how="inner")
    category = allegations["complaint_category"].fillna("").str.upper()
    complaint = pd.DataFrame(
        {
            "officer": allegations["UID"],
            "kind": "complaint",
            "known": _day(allegations["complaint_date"]),
            "adverse": category.str.startswith("EXCESSIVE FORCE") | allegations["final_finding"].eq("SU"),
        }
    )
    officers = pd.read_csv(raw / "TRR/TRR-officers_2004-2016_2016-09.csv.gz", usecols=["trr_id", "UID"])
    main = pd.read_csv(raw / "TRR/TRR-main_2004-2016_2016-09.csv.gz", usecols=["trr_id", "trr_date"])
    subjects = pd.read_csv(raw / "TRR/TRR-subjects_2004-2016_2016-09.csv.gz", usecols=["trr_id", "injured"])
    injured = subjects.assign(injured=subjects["injured"].eq("Yes")).groupby("trr_id")["injured"].any()
    force = officers.merge(main, on="trr_id").merge(injured.reset_index(), on="trr_id", how="left")
    uses = pd.DataFrame(
        {
            "officer": force["UID"],
            "kind": "force",
            "known": _day(force["trr_date"]),
            "adverse": force["injured"].fillna(False).astype(bool),
        }
    )
    events = pd.concat([complaint, uses], ignore_index=True).dropna(subset=["officer", "known"])
    return events.astype({"officer": "int64"})


def _officer_year(
    year: int, roster: pd.DataFrame, payroll: pd.DataFrame, events: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    day = float(np.datetime64(f"{year}-01-01", "D").astype("int64"))
    on_roster = (roster["appointed"] < day) & ~(roster["resigned"] < day) & roster["sworn"]
    paid = roster.index.isin(payroll.loc[payroll["year"] == year - 1, "UID"])
    officers = roster.index[on_roster & paid]
    before = events[events["known"] < day]
    features = pd.DataFrame(index=officers)
    for kind in ("complaint", "force"):
        mine = before[before["kind"] == kind]
        features[f"{kind}_career"] = mine.groupby("officer").size()
        for name, days in WINDOWS.items():
            features[f"{kind}_{name}"] = mine[mine["known"] >= day - days].groupby("officer").size()
        features[f"{kind}_days_since"] = day - mine.groupby("officer")["known"].max()
    features = features.fillna({c: 0 for c in features.columns if not c.endswith("days_since")})
    features["service_years"] = (day - roster.loc[officers, "appointed"]) / 365.25
    after = events[(events["known"] >= day) & (events["known"] < day + 365) & events["adverse"]]
    label = officers.isin(after["officer"]).astype(np.int64)
    return features, label


def backtest(raw: Path, test_year: int, first_year: int) -> int:
    from sklearn.ensemble import HistGradientBoostingClassifier

    started = time.perf_counter()
    profiles = pd.read_csv(
        raw / "profiles/final-profiles.csv.gz", usecols=["UID", "appointed_date", "resignation_date", "current_rank"]
    ).drop_duplicates("UID")
    roster = pd.DataFrame(
        {
            "appointed": _day(profiles["appointed_date"]),
            "resigned": _day(profiles["resignation_date"]),
            "sworn": profiles["current_rank"].fillna("").str.upper().ne("CIVILIAN").to_numpy(),
        },
        index=profiles["UID"].astype("int64").to_numpy(),
    )
    payroll = pd.read_csv(raw / "salary/salary-ranks_2002-2017_2017-09.csv.gz", usecols=["UID", "year"]).dropna()
    payroll = payroll.astype({"UID": "int64", "year": "int64"})
    events = _events(raw)
    read = time.perf_counter()
    panels = {year: _officer_year(year, roster, payroll, events) for year in range(first_year, test_year + 1)}
    built = time.perf_counter()
    train_years = range(first_year, test_year - 1 + 1)  # label windows ending by the test year's Jan 1
    x = pd.concat([panels[year][0] for year in train_years]).to_numpy(np.float32)
    y = np.concatenate([panels[year][1] for year in train_years])
    model = HistGradientBoostingClassifier(random_state=0, early_stopping=False).fit(np.nan_to_num(x, nan=-1), y)
    test_x, test_y = panels[test_year]
    score = model.predict_proba(np.nan_to_num(test_x.to_numpy(np.float32), nan=-1))[:, 1]
    top = max(1, round(0.05 * len(score)))
    precision = test_y[np.argsort(-score, kind="stable")[:top]].mean()
    print(
        f"{len(events):,} events; panel {len(y):,} training officer-years, {len(test_y):,} in {test_year} "
        f"(base rate {test_y.mean():.3f}); precision at top 5% {precision:.3f}"
    )
    print(
        f"read {read - started:.1f}s, panel {built - read:.1f}s, fit and score {time.perf_counter() - built:.1f}s, "
        f"total {time.perf_counter() - started:.1f}s"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="the CPDP release (default %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)
    parse_args = sub.add_parser("parse", help="pandas.read_csv of every exported extract")
    parse_args.add_argument("--extracts", type=Path, required=True, help="eis chicago export's folder")
    run = sub.add_parser("backtest", help="officer-year panel and one HistGradientBoosting, from the raw files")
    run.add_argument("--test-year", type=int, default=2015)
    run.add_argument("--first-year", type=int, default=2005, help="first training Jan 1 (the spec's)")
    args = parser.parse_args()
    if args.command == "parse":
        return parse(args.extracts, args.raw)
    return backtest(args.raw, args.test_year, args.first_year)


if __name__ == "__main__":
    sys.exit(main())
