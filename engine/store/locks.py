"""Is a store file held by another process? Asked of the operating system's lock table.

DuckDB raises one exception type (IOException) for a held lock, a damaged file and a folder
alike, and its message is not a contract (a damaged file's text holds "block", which holds
"lock"). DuckDB holds a POSIX record lock (fcntl) on the whole file while a process has it
open, so the kernel is asked whether a write lock would conflict (F_GETLK: nothing is taken).
"""
from __future__ import annotations

import fcntl
import os
import struct
import sys
from pathlib import Path

__all__ = ["locked_by_another_process"]

# struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid (+ padding).
_FLOCK = "hhqqi4x"


def locked_by_another_process(path: Path) -> bool:
    """True when another process holds a lock on ``path`` that a writer would conflict with.

    Call it only when this process does not have the file open in DuckDB: closing the
    descriptor opened here releases this process's own POSIX locks on the file.
    """
    if not sys.platform.startswith("linux"):
        return False  # other kernels lay out struct flock differently; the caller says "damaged or busy"
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return False
    finally:
        os.close(fd)
    return struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK
