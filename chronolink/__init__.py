"""Chronolink: one installed namespace over the stage folders the project is known by.

The source tree keeps `engine/`, `schemas/` and `reports/` at its top; the package maps them to
`chronolink.engine`, `chronolink.schemas` and `chronolink.reports` (pyproject.toml), so nothing
generic is put into site-packages.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chronolink-mash")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
