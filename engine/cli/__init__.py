"""The `chronolink` command line: each stage's commands live in their own module.

Commands only parse arguments, call the library and print. Messages and progress go
to stderr; stdout is kept for machine-readable output.
"""
from __future__ import annotations

import typer

from chronolink.engine.cli import (
    export_cmd,
    flag_cmd,
    ingest_cmd,
    link_cmd,
    report_cmd,
    run_cmd,
    security_cmd,
    serve_cmd,
)
from chronolink.engine.cli.handling import ChronolinkGroup

app = typer.Typer(
    name="chronolink",
    cls=ChronolinkGroup,  # maps every error once to a message and an exit code
    help="Merge multi-agency safeguarding extracts into one chronology per child.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals would hold children's records
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from chronolink import __version__

        typer.echo(f"chronolink {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Merge multi-agency safeguarding extracts into one chronology per child."""


for module in (ingest_cmd, link_cmd, export_cmd, flag_cmd, report_cmd, run_cmd, security_cmd, serve_cmd):
    module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
