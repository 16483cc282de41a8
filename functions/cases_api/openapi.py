"""Print the case API's OpenAPI document, generated from the resolver's routes and models.

Regenerate the committed copy after changing a route or an API model:
    python -m functions.cases_api.openapi > functions/cases_api/openapi.json
"""

from __future__ import annotations

import json


def openapi_document() -> str:
    """The OpenAPI JSON exactly as committed: sorted keys, two-space indent, trailing newline."""
    from functions.cases_api.handler import describe_openapi

    return json.dumps(json.loads(describe_openapi().get_openapi_json_schema()), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(openapi_document(), end="")
