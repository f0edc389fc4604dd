"""Walk the paths a user gave: supported files only, hidden entries skipped, loops and errors reported.

A scan never stops on a bad entry: problems come back as :class:`ScanProblem` items in order, so the
caller can report them per path and go on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.documents import SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class ScanProblem:
    path: Path
    reason: str


def _hidden(name: str) -> bool:
    return name.startswith(".")


def scan(paths: Iterable[str | Path]) -> Iterator[Path | ScanProblem]:
    """Files to analyse (explicit files of any type are passed through; the reader judges them)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, set())
        elif path.exists() or path.is_symlink():
            yield path
        else:
            yield ScanProblem(path, "no such file or folder")


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[Path | ScanProblem]:
    try:
        st = folder.stat()
    except OSError as exc:
        yield ScanProblem(folder, f"cannot open folder ({exc.strerror or exc})")
        return
    key = (st.st_dev, st.st_ino)
    if key in seen:
        yield ScanProblem(folder, "symlink loop, folder already visited")
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield ScanProblem(folder, f"cannot list folder ({exc.strerror or exc})")
        return
    for entry in entries:
        if _hidden(entry.name):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path, seen)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path
