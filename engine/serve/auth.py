"""Who may use the workbench: one-time login tokens, expiring sessions, CSRF tokens.

Jupyter's pattern: the server prints a URL carrying a random token; the browser trades
it for a session cookie. Here the token works once (a URL left in a browser's history
or on a screen is dead), and the server prints a fresh one-time URL whenever the last
one has been used, so the analyst can always open another window from the terminal.
Sessions end after `idle` without a request and after `lifetime` in any case.
"""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 12 * 60 * 60
COOKIE = "chronolink_session"


@dataclass
class Session:
    """One browser's session: its CSRF token and when it was made and last used."""

    session_id: str
    csrf: str
    created: float
    last_seen: float
    blind: bool = True  # review queue: hide the model's score until the analyst decides
    seen: set[str] = field(default_factory=set)
    skipped_places: set[int] = field(default_factory=set)  # place review: skipped this session


class Sessions:
    """Login tokens and sessions, in memory (a restart logs everyone out)."""

    def __init__(self, *, idle: float = IDLE_SECONDS, lifetime: float = LIFETIME_SECONDS,
                 clock: Callable[[], float] = time.monotonic,
                 on_new_token: Callable[[str], None] | None = None) -> None:
        self.idle, self.lifetime, self.clock = idle, lifetime, clock
        self._lock = threading.Lock()
        self._tokens: set[str] = set()
        self._sessions: dict[str, Session] = {}
        self._on_new_token = on_new_token

    def new_token(self) -> str:
        """A fresh one-time login token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens.add(token)
        return token

    def login(self, token: str) -> Session | None:
        """Trade a one-time token for a new session; None if the token is unknown or used."""
        with self._lock:
            match = next((t for t in self._tokens if secrets.compare_digest(t, token)), None)
            if match is None:
                return None
            self._tokens.discard(match)
            now = self.clock()
            session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
            self._sessions[session.session_id] = session
        if self._on_new_token is not None:
            self._on_new_token(self.new_token())
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (touching it), or None when unknown or expired."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            now = self.clock()
            if now - session.last_seen > self.idle or now - session.created > self.lifetime:
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str) -> None:
        """Log a session out."""
        with self._lock:
            self._sessions.pop(session_id, None)


def csrf_ok(session: Session, supplied: str | None) -> bool:
    """True when the request carries this session's CSRF token."""
    return bool(supplied) and secrets.compare_digest(session.csrf, supplied or "")
