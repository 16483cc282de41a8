"""The built portal (portal/dist), served by the local gateway beside the case API, same origin.

Only ``/``, ``/index.html``, ``/config.json`` and ``/assets/...`` are the portal's; every other path
is the API's, so the API's routes are unchanged. The portal routes by URL fragment (``#/cases/...``)
and so needs no other server path. Headers: a strict Content-Security-Policy (scripts and styles
from this origin only, no inline script, ``connect-src 'self'``, no framing), HSTS, nosniff, and
``Cache-Control: no-store`` on the page and its configuration (the API's answers carry their own),
all from ``eis_core.portal_headers``, which the AWS stack's portal methods use too.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eis_core.portal_headers import PAGE_CACHE, cache_control, content_type, portal_csp, portal_security_headers

PORTAL_DIST = Path(__file__).resolve().parents[3] / "portal" / "dist"

PORTAL_CSP = portal_csp()
PORTAL_SECURITY_HEADERS: dict[str, str] = portal_security_headers()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def security_headers(content_type: str, *, cache: str = PAGE_CACHE) -> dict[str, str]:
    return {"Content-Type": content_type, "Cache-Control": cache, **PORTAL_SECURITY_HEADERS}


class PortalSite:
    """Static files from the built portal, and the sign-in settings the portal reads at start."""

    def __init__(self, root: Path, config: dict[str, Any]) -> None:
        self._root = root.resolve()
        self._config = json.dumps(config).encode()

    @property
    def built(self) -> bool:
        return (self._root / "index.html").is_file()

    def answer(self, method: str, path: str) -> Answer | None:
        """The portal's answer for this path, or None when the path is the API's."""
        if method not in {"GET", "HEAD"}:
            return None
        if path in {"/", "/index.html"}:
            return self._file(self._root / "index.html", cache=PAGE_CACHE)
        if path == "/config.json":
            return Answer(200, security_headers("application/json"), self._config)
        if path.startswith("/assets/"):
            target = (self._root / path.lstrip("/")).resolve()
            if not target.is_relative_to(self._root / "assets") or not target.is_file():
                return Answer(404, security_headers("text/plain; charset=utf-8"), b"Not found")
            return self._file(target, cache=cache_control(path))
        return None

    def _file(self, path: Path, *, cache: str) -> Answer:
        if not path.is_file():
            message = b"The portal is not built: run `make setup` (needs Node.js and npm)."
            return Answer(503, security_headers("text/plain; charset=utf-8"), message)
        # The same types the stack's deployment sets on the bucket's objects (eis_core.portal_headers).
        kind = content_type(path.name)
        if kind is None:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind == "application/javascript":
                kind += "; charset=utf-8"
        return Answer(200, security_headers(kind, cache=cache), path.read_bytes())
