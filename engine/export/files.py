"""Where exports go: checked before anything is read, written whole, readable by the owner only.

An export names a child's records, so it is created 0600 (its new folders 0700) and written to a
temporary file beside it that replaces the target only when complete: a failed export leaves
nothing half-written under the target's name.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chronolink.engine.errors import OutputPathError
from chronolink.engine.store.transactions import nearly_full

__all__ = ["check_output_file", "check_output_folder", "private_file"]


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def _check_folder_writable(folder: Path, shown: Path) -> None:
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise OutputPathError(f"cannot write {shown}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write {shown}: the folder {existing} is not writable")


def check_output_file(path: Path | str) -> Path:
    """``path`` if a file can be written there: not a folder, inside a writable folder."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"{path} is a folder: name the file to write (e.g. {path / 'export.csv'})")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"cannot write {path}: the file is read-only")
    _check_folder_writable(path.parent, path)
    return path


def check_output_folder(path: Path | str) -> Path:
    """``path`` if it is, or can be made, a writable folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{path} is a file: name a folder to write into")
    _check_folder_writable(path, path)
    return path


@contextmanager
def private_file(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path (mode 0600) beside ``path``; it replaces ``path`` if the block succeeds."""
    target = check_output_file(path)
    missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        reason = "the disk is full" if nearly_full(target.parent) else (exc.strerror or type(exc).__name__)
        raise OutputPathError(f"could not write {target}: {reason}; nothing was written") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
