"""A stand-in Lambda handler for the local gateway's tests; each execution environment is a copy."""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.local_gateway_state import STATE


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state = STATE
    state.calls.append(f"{event['httpMethod']} {event['path']}")
    state.modules.add(__name__)
    if event["path"] == "/boom":
        raise RuntimeError("the function failed")
    if event["path"] == "/together":
        try:
            state.together.wait()  # both requests must be inside a handler at once
        except threading.BrokenBarrierError:
            return {"statusCode": 500, "body": json.dumps({"message": "ran alone"})}
    return {
        "statusCode": 200,
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "body": json.dumps({"path": event["path"], "body": event["body"]}),
    }
