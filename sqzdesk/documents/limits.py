"""Safe reading of a file from disk, before any format-specific parsing happens.

Users drop whole folders, so the path may be a folder, a dangling link, a file they cannot read, a
named pipe (opening one for reading would block forever) or something far too large to hold in
memory. Every one of those becomes a :class:`DocumentError` with a plain reason.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from .model import DocumentError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_CHUNK = 1024 * 1024

# O_NONBLOCK makes open() return at once on a FIFO instead of waiting for a writer; it has no effect
# on regular files. O_BINARY only exists (and only matters) on Windows.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def format_size(n_bytes: float) -> str:
    """Human size for messages, binary units written the way users read them ("61.2 MB")."""
    if n_bytes < 1024:
        return f"{int(n_bytes)} bytes"
    for unit in ("KB", "MB", "GB"):
        n_bytes /= 1024
        if n_bytes < 1024 or unit == "GB":
            break
    text = f"{n_bytes:.1f}".removesuffix(".0")
    return f"{text} {unit}"


def check_is_file(path: Path) -> None:
    """Raise for paths that are not a readable regular file, without opening anything."""
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise DocumentError("file not found (moved or deleted?)") from exc
    except PermissionError as exc:
        raise DocumentError("permission denied: cannot read this file") from exc
    except (OSError, ValueError) as exc:  # ValueError: NUL byte in the path
        raise DocumentError(f"cannot open file: {_reason(exc)}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise DocumentError("this is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError("not a regular file (a device, pipe or socket)")


def read_file_bytes(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read the whole file, refusing anything over ``max_bytes``.

    The size is checked on the open descriptor, and the read itself stops after ``max_bytes + 1``
    bytes, so a file that grows meanwhile (or reports size 0, like /proc files) cannot exhaust memory.
    """
    check_is_file(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _os_error(exc, "open") from exc
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise DocumentError("not a regular file (a device, pipe or socket)")
            _check_size(info.st_size, max_bytes)
            data = _read_capped(handle, max_bytes + 1)
    except OSError as exc:
        raise _os_error(exc, "read") from exc
    _check_size(len(data), max_bytes)
    return data


def _os_error(exc: OSError, verb: str) -> DocumentError:
    """One user-facing line for an OS error while opening or reading a file."""
    if isinstance(exc, PermissionError):
        return DocumentError("permission denied: cannot read this file")
    if isinstance(exc, FileNotFoundError):
        return DocumentError("file not found (moved or deleted?)")
    if isinstance(exc, IsADirectoryError):
        return DocumentError("this is a folder, not a file")
    return DocumentError(f"cannot {verb} file: {_reason(exc)}")


def _read_capped(handle: BinaryIO, limit: int) -> bytes:
    """Read to end of file or ``limit`` bytes, in chunks: ``read(limit)`` would allocate ``limit``
    bytes up front (50 MB for every small file)."""
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        chunk = handle.read(min(_CHUNK, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise DocumentError(f"file is {format_size(size)}, over the {format_size(max_bytes)} limit")


def _reason(exc: BaseException) -> str:
    """The OS's own short wording ("Too many levels of symbolic links"), not the repr with the path."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.strerror or os.strerror(exc.errno) or errno.errorcode.get(exc.errno, "I/O error")
    return str(exc) or type(exc).__name__
