"""The one place an error becomes a message and an exit code: never a traceback.

Every command runs inside :class:`ChronolinkGroup.invoke`. A :class:`ChronolinkError` is
printed as its message (which names the path, field or id, never a value) with its
``exit_code``; an OSError names the file and the system's reason; anything else is a defect,
reported by type only (its text or a traceback could carry a child's record) with exit code 70.
Set CHRONOLINK_DEBUG=1 to see the traceback of a defect while developing.

Each command also runs with umask 077, so every file and folder it creates (the store, its
WAL, exports, reports) is readable by its owner only.
"""
from __future__ import annotations

import errno
import os
from typing import Any

from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from chronolink.engine.cli.common import fail
from chronolink.engine.errors import ChronolinkError

__all__ = ["ChronolinkGroup"]

EX_SOFTWARE = 70


def _store_error(exc: Exception) -> str | None:
    """A message for a DuckDB error that escaped translation, or None if ``exc`` is not one."""
    module = type(exc).__module__ or ""
    if not module.startswith(("duckdb", "_duckdb")):
        return None
    return (f"the store could not be used ({type(exc).__name__}); it may be damaged, in use, or on a full or "
            "read-only disk")


class ChronolinkGroup(TyperGroup):
    """The root command group: maps every exception once to a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        mask = os.umask(0o077)
        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException):  # typer's own: help, usage errors, --version
            raise
        except ChronolinkError as exc:
            fail(str(exc), exc.exit_code)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # the reader of stdout went away: typer handles it
                raise
            where = f" {exc.filename}" if exc.filename is not None else ""
            fail(f"cannot use{where}: {exc.strerror or type(exc).__name__}")
        except Exception as exc:
            if os.environ.get("CHRONOLINK_DEBUG") == "1":
                raise
            message = _store_error(exc)
            if message is None:
                message = (f"unexpected error ({type(exc).__name__}); nothing from the data is shown here. "
                           "Set CHRONOLINK_DEBUG=1 to see where it happened")
            fail(message, EX_SOFTWARE)
        finally:
            os.umask(mask)

