"""Print the case API's OpenAPI document, generated from the resolver's routes and models.

Regenerate the committed copy after changing a route or an API model:
    python -m functions.cases_api.openapi > functions/cases_api/openapi.json
"""

from __future__ import annotations

import json
from typing import Any


def openapi_document() -> str:
    """The OpenAPI JSON exactly as committed: sorted keys, two-space indent, trailing newline."""
    from functions.cases_api.handler import describe_openapi

    document = with_conditional_headers(json.loads(describe_openapi().get_openapi_json_schema()))
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 1024},
    "description": "The ETag of the resource as last read: the write applies only while it is still current "
    "(412 otherwise). Without it the write applies as before.",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Repeating a request with the same key (same caller, same body) within a day answers what "
    "the first answered, changing nothing; the same key with another body answers 422.",
}
ETAG = {"description": "The resource's entity tag, for If-Match", "schema": {"type": "string"}}


ETAG_ON = {
    ("get", "/alerts/{alert_id}"),
    ("get", "/cases/{case_id}"),
    ("post", "/alerts/{alert_id}/case"),
    ("post", "/alerts/{alert_id}/dismissal"),
    ("post", "/cases/{case_id}/transitions"),
    ("post", "/cases/{case_id}/assignment"),
    ("post", "/cases/{case_id}/acknowledgement"),
    ("post", "/cases/{case_id}/deferral"),
    ("post", "/cases/{case_id}/deferral/end"),
    ("post", "/cases/{case_id}/interventions"),
    ("post", "/cases/{case_id}/interventions/{intervention_id}/start"),
    ("post", "/cases/{case_id}/interventions/{intervention_id}/checkins"),
    ("post", "/cases/{case_id}/interventions/{intervention_id}/completion"),
}
"""Operations whose success carries the resource's ETag (set by the handler after the route)."""
WITHOUT_IF_MATCH = {
    ("post", "/cases/{case_id}/deferral/end"),
    ("post", "/officers/{officer_id}/deferral"),
    ("post", "/officers/{officer_id}/deferral/end"),
    ("post", "/models/{trained_model_id}/promotion"),
}
"""POSTs on something other than an alert or a case (or on a case's deferral record): If-Match is not read."""


def with_conditional_headers(document: dict[str, Any]) -> dict[str, Any]:
    """Headers the handler reads and sets itself (case-insensitively), documented on the operations."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "post":
                conditional = [] if (method, path) in WITHOUT_IF_MATCH else [IF_MATCH]
                operation.setdefault("parameters", []).extend([*conditional, IDEMPOTENCY_KEY])
            if (method, path) in ETAG_ON:
                for code in ("200", "201"):
                    if code in operation["responses"]:
                        operation["responses"][code]["headers"] = {"ETag": ETAG}
    return document


if __name__ == "__main__":
    print(openapi_document(), end="")
