"""Screen a raw API Gateway request before the resolver parses it: media type, encoding, size, depth.

A malformed request must answer a documented 4xx, never a 5xx: the resolver's JSON parser trusts the
``Content-Type`` case, decodes base64 without checking it, and recurses as deep as the body nests. So
the handler checks the body here first and hands the resolver a normalised copy of the event: a JSON
body in UTF-8 text, with ``Content-Type: application/json``.
"""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

from eis_core.errors import EISError

MAX_BODY_BYTES = 128 * 1024
"""A note is at most 10,000 characters; even \\u-escaped astral characters fit well inside this."""
MAX_JSON_DEPTH = 32
"""Nesting depth of arrays and objects; the API's request bodies are flat objects."""
JSON = "application/json"


class UnsupportedMediaTypeError(EISError):
    """415: the body is not ``application/json`` (any case), or is not in UTF-8."""


class PayloadTooLargeError(EISError):
    """413: the decoded body is over ``MAX_BODY_BYTES``."""


class MalformedBodyError(EISError):
    """400: the body cannot be decoded (bad base64, not UTF-8) or nests deeper than ``MAX_JSON_DEPTH``."""


def _header(headers: dict[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value) if value is not None else None
    return None


def media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """``'Application/JSON; Charset="UTF-8"'`` -> ``('application/json', {'charset': 'utf-8'})``."""
    kind, *parameters = content_type.split(";")
    params: dict[str, str] = {}
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        params[name.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), params


def json_depth(text: str) -> int:
    """Deepest nesting of ``[`` and ``{`` outside strings, without parsing (so without recursing)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _decoded(event: dict[str, Any]) -> str:
    body = event.get("body")
    if not isinstance(body, str):
        raise MalformedBodyError("the request body is not text")
    if event.get("isBase64Encoded"):
        if len(body) > (MAX_BODY_BYTES * 4) // 3 + 4:
            raise PayloadTooLargeError(f"the request body is over {MAX_BODY_BYTES} bytes")
        try:
            raw = base64.b64decode(body.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise MalformedBodyError("the request body is marked base64 but is not valid base64") from None
    else:
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedBodyError("the request body is not valid UTF-8 text") from None
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"the request body is over {MAX_BODY_BYTES} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBodyError("the request body is not valid UTF-8 text") from None


def screen(event: dict[str, Any]) -> dict[str, Any]:
    """The event to resolve: unchanged without a body, else a normalised copy; raises the 4xx errors above."""
    body = event.get("body")
    if body is None or body == "":
        return event
    content_type = _header(event.get("headers"), "content-type")
    if content_type is None:
        raise UnsupportedMediaTypeError(f"send the body as {JSON}; the request has no Content-Type")
    kind, params = media_type(content_type)
    if kind != JSON:
        raise UnsupportedMediaTypeError(f"send the body as {JSON}, not {kind or 'an empty media type'}")
    if params.get("charset", "utf-8") not in {"utf-8", "utf8"}:
        raise UnsupportedMediaTypeError("send the body in UTF-8")
    text = _decoded(event)
    if json_depth(text) > MAX_JSON_DEPTH:
        raise MalformedBodyError(f"the request body nests deeper than {MAX_JSON_DEPTH} levels")
    screened = copy.copy(event)
    screened["body"] = text
    screened["isBase64Encoded"] = False
    screened["headers"] = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    screened["headers"]["Content-Type"] = JSON
    multi = event.get("multiValueHeaders")
    if multi is not None:
        screened["multiValueHeaders"] = {k: v for k, v in multi.items() if k.lower() != "content-type"}
        screened["multiValueHeaders"]["Content-Type"] = [JSON]
    return screened
