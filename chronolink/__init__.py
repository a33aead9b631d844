"""Chronolink: one installed namespace over the stage folders the project is known by.

The source tree keeps `engine/`, `schemas/` and `reports/` at its top; the package maps them to
`chronolink.engine`, `chronolink.schemas` and `chronolink.reports` (pyproject.toml), so nothing
generic is put into site-packages.
"""
from __future__ import annotations


def __getattr__(name: str) -> str:
    # `__version__` is read from the installed metadata on first use: importlib.metadata costs
    # tens of milliseconds on every start of the CLI otherwise.
    if name != "__version__":
        raise AttributeError(f"module 'chronolink' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chronolink-mash")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
