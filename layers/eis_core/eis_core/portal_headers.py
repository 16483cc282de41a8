"""The supervisors' portal's response headers, one definition for the local stack and for AWS.

The local gateway (``eis_tools.local.portal_site``) and the agency stack's API Gateway methods that
serve the portal from its bucket (``infra.components.portal``) both build their headers here, so the
two cannot drift. The Content-Security-Policy allows scripts, styles, fonts and images from the page's
own origin only (no inline script or style, no CDN), connections to the same origin and, in AWS, to
the agency's Cognito domain (the token endpoint), and no framing at all. One inline style is allowed
by its hash: the trends report's style block, since the report the portal opens in a new tab (from a
blob: URL) inherits this policy and would otherwise lose its layout.

``cache_control(path)`` and ``content_type(path)`` give each built file its caching and type: the stack's
publishing step stores them on the bucket's objects (``infra.components.portal_publish``), its API methods
send the same Cache-Control, and the local gateway sends both.
"""

from __future__ import annotations

from eis_core.reports.trends_page import STYLE_SOURCE as TRENDS_REPORT_STYLE

HSTS = "max-age=63072000; includeSubDomains"


def portal_csp(*connect_to: str) -> str:
    """The portal page's CSP; ``connect_to`` adds origins fetch may reach (the sign-in token endpoint)."""
    connect = " ".join(("'self'", *connect_to))
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self' {TRENDS_REPORT_STYLE}; img-src 'self' data:; "
        "font-src 'self'; "
        f"connect-src {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
    )


def portal_security_headers(*connect_to: str) -> dict[str, str]:
    """Headers on every portal answer (page, config, assets), besides Content-Type and Cache-Control."""
    return {
        "Content-Security-Policy": portal_csp(*connect_to),
        "Strict-Transport-Security": HSTS,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


PAGE_CACHE = "no-store"
"""index.html and config.json: never kept, so a deploy or a sign-out is seen at once."""
ASSET_CACHE = "no-cache"
"""app.js, styles.css and their licence notes: revalidated on each use (their names carry no hash)."""

HASHED_ASSETS = "assets/media/"
"""Where the build puts fonts, icons and images, each named by its content hash (``media/[name]-[hash]``)."""
HASHED_ASSET_CACHE = "max-age=31536000, immutable"
"""A hashed file never changes under its name: kept a year, never revalidated."""

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
}
"""The Content-Type of each kind of file the portal build writes (``nosniff`` makes these matter)."""


def content_type(path: str) -> str | None:
    """The Content-Type of a built file (``assets/app.js``), or None for a kind the portal never builds."""
    name = path.rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :] if "." in name else ""
    return CONTENT_TYPES.get(suffix.lower())


def cache_control(path: str) -> str:
    """The Cache-Control of a built file by its path from the site root (``index.html``, ``assets/...``)."""
    path = path.lstrip("/")
    if path.startswith(HASHED_ASSETS):
        return HASHED_ASSET_CACHE
    if path.startswith("assets/"):
        return ASSET_CACHE
    return PAGE_CACHE
