"""A small agency with a learnable history: risky officers have more complaints, force and adverse events."""

from __future__ import annotations

import random
from datetime import date, timedelta

from eis_core.models.records import AllegationCategory, Complaint, Finding, Officer, Record, UseOfForce


def learnable_agency(
    officers: int = 200, *, start: date = date(2018, 1, 1), end: date = date(2025, 5, 31), seed: int = 5
) -> list[Record]:
    rng = random.Random(seed)
    races, sexes = ("W", "B", "H"), ("M", "F")
    records: list[Record] = []
    days = (end - start).days
    for n in range(officers):
        officer_id = f"P{n:04d}"
        records.append(
            Officer(
                source_record_id=f"roster-{officer_id}",
                officer_id=officer_id,
                first_name="Pat",
                last_name="Doe",
                rank="Police Officer",
                unit=f"District {n % 4}",
                hire_date=date(2012, 1, 1),
                race=races[n % 3],
                sex=sexes[n % 2],
                birth_year=1970 + n % 30,
            )
        )
        risk = 6.0 if n % 10 == 0 else 1.0  # one officer in ten is far more active
        for i in range(int(rng.expovariate(1 / (8 * risk)))):
            day = start + timedelta(days=rng.randrange(days))
            records.append(
                UseOfForce(
                    source_record_id=f"f-{officer_id}-{i}",
                    officer_id=officer_id,
                    occurred_on=day,
                    known_on=day,
                    force_type="physical",
                    subject_injured=rng.random() < 0.25,
                )
            )
        for i in range(int(rng.expovariate(1 / (4 * risk)))):
            day = start + timedelta(days=rng.randrange(days))
            sustained = rng.random() < 0.2
            decided = day + timedelta(days=120)
            records.append(
                Complaint(
                    source_record_id=f"c-{officer_id}-{i}",
                    officer_id=officer_id,
                    occurred_on=day,
                    known_on=day,
                    complaint_id=f"C-{officer_id}-{i}",
                    category=AllegationCategory.EXCESSIVE_FORCE if rng.random() < 0.3 else AllegationCategory.OTHER,
                    finding=(Finding.SUSTAINED if sustained else Finding.NOT_SUSTAINED)
                    if decided < end
                    else Finding.PENDING,
                    finding_decided_on=decided if decided < end else None,
                )
            )
    return records
