"""The layout mappings in schemas/mappings and recognising a file's layout from its columns."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from chronolink.engine.errors import MappingFileError  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.engine.ingest.readers import ExtractError, peek_header
from chronolink.schemas.models import Mapping


def load_mapping(path: Path) -> Mapping:
    """Load and validate one mapping file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return Mapping.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise MappingFileError(f"{Path(path).name}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
        raise MappingFileError(f"{Path(path).name}: {problems}") from None


@lru_cache(maxsize=1)
def builtin_mappings() -> tuple[Mapping, ...]:
    """Every layout mapping shipped in schemas/mappings."""
    folder = resources.files("chronolink.schemas").joinpath("mappings")
    return tuple(sorted((load_mapping(Path(str(p))) for p in folder.iterdir() if p.name.endswith(".toml")),
                        key=lambda m: m.layout))


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "csv"


def detect_layout(path: Path, mappings: tuple[Mapping, ...] | None = None) -> Mapping:
    """The mapping whose required columns the file has (the most specific if several)."""
    mappings = mappings or builtin_mappings()
    header = set(peek_header(path))
    fmt = _format_of(path)
    fits = [m for m in mappings if m.format == fmt and set(m.required_columns) <= header]
    if not fits:
        known = ", ".join(f"{m.layout} ({m.format})" for m in mappings)
        near = max((m for m in mappings if m.format == fmt), default=None,
                   key=lambda m: len(set(m.required_columns) & header))
        hint = ""
        if near is not None and set(near.required_columns) & header:
            missing = sorted(set(near.required_columns) - header)
            hint = f"; closest is {near.layout}, missing columns: {', '.join(missing)}"
        raise ExtractError(f"{path.name}: unknown layout{hint}. Known layouts: {known}")
    return max(fits, key=lambda m: (len(m.columns_used() & header), len(m.required_columns)))
