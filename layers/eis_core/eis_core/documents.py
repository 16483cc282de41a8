"""JSON documents an agency writes by hand (its mapping, its model spec), read with errors that name each field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from eis_core.errors import ValidationFailed

_Document = TypeVar("_Document", bound=BaseModel)


def parse_document(
    model: type[_Document], document: str | bytes | dict[str, Any], *, source: str, what: str
) -> _Document:
    """Validate ``document`` as ``model``; ValidationFailed names the file, each bad field by its path and why."""
    try:
        data = json.loads(document) if isinstance(document, str | bytes) else document
    except json.JSONDecodeError as error:
        raise ValidationFailed(
            f"{source}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors(include_url=False, include_input=False)
        )
        raise ValidationFailed(f"{source}: invalid {what}: {problems}") from None
