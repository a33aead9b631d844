"""The ASGI middleware every request passes: Host check, login, session, CSRF, security headers.

Order: a Host header that is not this server's loopback address is refused (403: DNS
rebinding); a `?token=` is traded for a session cookie and redirected away; without a
live session every page, API and asset answers 401; a state-changing request without the
session's CSRF token (header `X-CSRF-Token`, or form field `csrf_token`) or from another
origin or site answers 403 (`Origin: null`, a no-JS form post's, passes only with the
token). Every response carries a strict Content-Security-Policy.
"""
from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chronolink.engine.serve.auth import COOKIE, Session, Sessions, csrf_ok

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 1 << 20
SESSION_KEY = "chronolink.session"


def allowed_hosts(port: int) -> frozenset[str]:
    """The Host header values this server answers to (loopback only)."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"} | ({"127.0.0.1", "localhost"} if port == 80 else set()))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # a malformed cookie header is no session
        return None
    return jar[name].value if name in jar else None


async def _plain(send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = (f"<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{status}</title></head>"
            f"<body><p>{text}</p></body></html>").encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), *SECURITY_HEADERS, *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Wraps the app: nothing reaches a route without passing the checks above."""

    def __init__(self, app: ASGIApp, sessions: Sessions, port: int) -> None:
        self.app, self.sessions, self.port = app, sessions, port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = (_header(scope, b"host") or "").lower()
        if host not in allowed_hosts(self.port):
            await _plain(send, 403, "This server answers only to its own address on this machine.")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            await self._login(scope, send, query)
            return
        session = self.sessions.get(_cookie(scope, COOKIE))
        if session is None:
            await _plain(send, 401, "No session, or it has expired. Open the one-time address "
                                    "printed by <code>chronolink serve</code> in its terminal.")
            return
        scope.setdefault("state", {})[SESSION_KEY] = session
        if scope["method"] not in SAFE_METHODS:
            if not self._same_origin(scope):
                await _plain(send, 403, "Refused: the request came from another site.")
                return
            receive, supplied = await self._csrf(scope, receive)
            if not csrf_ok(session, supplied):
                await _plain(send, 403, "Refused: the form's security token is missing or wrong. Reload the page.")
                return
        await self.app(scope, receive, self._secure(send, scope))

    def _same_origin(self, scope: Scope) -> bool:
        """False when the browser says the request comes from another origin or site.

        `Origin: null` is what a browser sends for a plain form post from a page served with
        `Referrer-Policy: no-referrer` (a no-JS analyst): it names no foreign site, so it passes
        here and the request still needs the session cookie and the session's CSRF token.
        `Sec-Fetch-Site`, which browsers send whatever the referrer policy, must not say the
        request came from another site (or another port of this machine: "same-site")."""
        origin = _header(scope, b"origin")
        if origin is not None and origin.lower() != "null" and \
                origin.lower().removeprefix("http://") not in allowed_hosts(self.port):
            return False
        return (_header(scope, b"sec-fetch-site") or "").lower() not in ("cross-site", "same-site")

    async def _login(self, scope: Scope, send: Send, query: dict[str, list[str]]) -> None:
        session = self.sessions.login(query["token"][0]) if scope["method"] == "GET" else None
        if session is None:
            await _plain(send, 401, "That address has been used or is not valid. Open the newest address "
                                    "printed by <code>chronolink serve</code> in its terminal.")
            return
        rest = {k: v for k, v in query.items() if k != "token"}
        target = scope["path"] + (("?" + urlencode(rest, doseq=True)) if rest else "")
        cookie = f"{COOKIE}={session.session_id}; Path=/; HttpOnly; SameSite=Strict"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", target.encode()), (b"set-cookie", cookie.encode()), (b"cache-control", b"no-store"),
            (b"content-length", b"0"), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": b""})

    async def _csrf(self, scope: Scope, receive: Receive) -> tuple[Receive, str | None]:
        """The supplied CSRF token (header, else url-encoded form field) and a receive that replays the body."""
        supplied = _header(scope, b"x-csrf-token")
        if supplied:
            return receive, supplied
        ctype = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return receive, None
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_FORM_BYTES:
                return receive, None
            more = message.get("more_body", False)
        body = b"".join(chunks)
        token = parse_qs(body.decode("utf-8", "replace")).get("csrf_token", [None])[0]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay, token

    @staticmethod
    def _secure(send: Send, scope: Scope) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                extra = [h for h in SECURITY_HEADERS if h[0] not in names]
                if not scope["path"].startswith("/static/") and b"cache-control" not in names:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)
        return wrapped


def session_of(scope: Scope) -> Session:
    """The session the guard attached to this request."""
    return scope["state"][SESSION_KEY]
