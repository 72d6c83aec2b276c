"""What every response says to the browser about itself: where its parts may come from, who may frame it,
what it may send as referrer, whether it may be kept in a cache, and whether to come back over HTTPS only.

Pages use no script and no inline style at all (styles live in static/jisr.css, charts are SVG drawn with
presentation attributes), so the policy allows neither: an injected <script> or style="" does nothing.
"""

from __future__ import annotations

from flask import Flask, current_app, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",  # data: for the empty favicon (base.html), which saves a request
    "style-src 'self'",
    "script-src 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    # The address of a page (with a file's number in it) never leaves the site.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def init_app(app: Flask) -> None:
    app.after_request(security_headers)


def security_headers(response):
    """Added to every response, error pages included; a view may set its own stricter value first
    (downloads do: see jisr/documents/storage.py)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("HTTPS"):
        # No includeSubDomains: other services of the ministry's domain may not all speak HTTPS.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages show her name, her file, her disability: no copy in the browser's cache (Back after signing
        # out on a cyber-café computer shows nothing) nor in any proxy. Only static files are cached.
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response
