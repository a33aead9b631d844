"""The analyst's workbench: a local, offline web application over the store.

    server = Workbench(db=Path("out/demo.duckdb"), port=8765)   # opens the store as its one writer
    print(server.login_url())                                   # one-time address with a token
    server.run()                                                # until Ctrl-C

Listens on 127.0.0.1 only; see `guard` for the checks every request passes, `gate` for
how the store is shared, and docs/workbench.md for the design.
"""
from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from chronolink.engine.serve.app import MARKING, create_app
from chronolink.engine.serve.auth import IDLE_SECONDS, Sessions
from chronolink.engine.serve.gate import StoreGate

if TYPE_CHECKING:
    import uvicorn

__all__ = ["Workbench"]
HOST = "127.0.0.1"


class Workbench:
    """A workbench server bound to a loopback port, owning the store until it stops."""

    def __init__(self, db: Path | None = None, port: int = 8765, *, analyst: str | None = None,
                 idle_seconds: float = IDLE_SECONDS, marking: str = MARKING,
                 announce: Callable[[str], None] | None = None, batch_factory: Callable | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, port))  # loopback only: never 0.0.0.0
        self.port = self.sock.getsockname()[1]
        self.gate = StoreGate(db, analyst)
        self._announce = announce or (lambda url: print(f"next one-time address: {url}", file=sys.stderr,
                                                        flush=True))
        self.sessions = Sessions(idle=idle_seconds, on_new_token=lambda t: self._announce(self._url(t)))
        self.batch = batch_factory(self.gate) if batch_factory is not None else None
        self.app = create_app(self.gate, self.sessions, self.port, batch=self.batch, marking=marking)
        self.gate.lookups.start()  # point-lookup indexes, in the background (engine.serve.lookups)
        self._server: uvicorn.Server | None = None

    def _url(self, token: str) -> str:
        return f"http://{HOST}:{self.port}/?token={token}"

    def login_url(self) -> str:
        """A fresh one-time address that opens a session."""
        return self._url(self.sessions.new_token())

    def run(self) -> None:
        """Serve until interrupted, then close the store."""
        import uvicorn

        config = uvicorn.Config(self.app, log_level="warning", access_log=False, server_header=False,
                                lifespan="off")
        self._server = server = uvicorn.Server(config)
        try:
            server.run(sockets=[self.sock])
        finally:
            self.close()

    def stop(self) -> None:
        """Ask a running server to stop (from another thread)."""
        if self._server is not None:
            self._server.should_exit = True

    def close(self) -> None:
        if self.batch is not None:
            self.batch.stop()
        self.gate.close()
        self.sock.close()
