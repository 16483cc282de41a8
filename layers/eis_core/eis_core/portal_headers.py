"""The supervisors' portal's response headers, one definition for the local stack and for AWS.

The local gateway (``eis_tools.local.portal_site``) and the agency stack's API Gateway methods that
serve the portal from its bucket (``infra.components.portal``) both build their headers here, so the
two cannot drift. The Content-Security-Policy allows scripts, styles, fonts and images from the page's
own origin only (no inline script or style, no CDN), connections to the same origin and, in AWS, to
the agency's Cognito domain (the token endpoint), and no framing at all. One inline style is allowed
by its hash: the trends report's style block, since the report the portal opens in a new tab (from a
blob: URL) inherits this policy and would otherwise lose its layout.
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
"""Bundles and fonts: revalidated on each use (names are not content-hashed for app.js and styles.css)."""
