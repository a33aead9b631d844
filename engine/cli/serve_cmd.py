"""`chronolink serve`: the analyst's workbench on this machine (see engine/serve)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from chronolink.engine.cli.common import AnalystOption, DbOption, err, fail

# Errors from their one home: importing engine.store or engine.security here would load DuckDB and
# polars for every `--help` (tests/cli/test_startup.py).
from chronolink.engine.errors import SecurityError, StoreBusy, StoreMissing


def serve(db: DbOption = None,
          port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free port).")] = 8765,
          analyst: AnalystOption = None,
          extracts: Annotated[Optional[Path], typer.Option(
              "--extracts", help="A folder of new extracts the workbench watches and can run the batch on.")] = None,
          referrals: Annotated[Optional[Path], typer.Option(
              "--referrals", help="The MASH referrals file for batch runs (default: EXTRACTS/mash_referrals.csv).")] = None,
          out: Annotated[Optional[Path], typer.Option(
              "--out", help="Folder for the batch run's reports (default: beside the store).")] = None) -> None:
    """Open the workbench: a local web application over the store, which it owns while it runs."""
    from chronolink.engine.serve import Workbench
    from chronolink.engine.serve.batch import batch_factory

    try:
        server = Workbench(db, port, analyst=analyst,
                           batch_factory=batch_factory(extracts, referrals, out, db))
    except (StoreBusy, StoreMissing, SecurityError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); choose another --port")
    err.print("Chronolink workbench: open this one-time address in a browser on this machine "
              "(a new one is printed here each time one is used). Ctrl-C stops it.")
    typer.echo(server.login_url())
    server.run()


def register(app: typer.Typer) -> None:
    """Add serve to the CLI."""
    app.command("serve")(serve)
