"""Options and helpers shared by CLI commands."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

DbOption = Annotated[
    Optional[Path],
    typer.Option("--db", help="The store file (default: $CHRONOLINK_DB or ./chronolink.duckdb)."),
]

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """Print an error to stderr and exit non-zero."""
    err.print(f"[red]error:[/red] {message}", markup=True)
    raise typer.Exit(code)
