"""Messages between functions (score -> SNS topic -> SQS queue -> notify). Ids only, no personal details."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class AlertCreated(BaseModel):
    """Published by scoring for each new alert; the notifier routes it to the officer's supervisor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["alert.created"] = "alert.created"
    agency_id: str
    alert_id: str
    level: Literal["warning", "critical"]
