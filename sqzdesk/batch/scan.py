"""Walk the paths a user gave: supported files only, hidden entries skipped, loops and errors reported.

A scan never stops on a bad entry: problems come back as :class:`ScanProblem` items in order, so the
caller can report them per path and go on. Files of other types in a folder are not problems (a folder of
reports often holds spreadsheets and images too), but they are counted, by extension, when the caller
asks (``skipped``), so a summary can say that they were not read instead of leaving them out silently.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqzdesk.documents import SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class ScanProblem:
    path: Path
    reason: str


NO_EXTENSION = "no extension"


def describe_skipped(skipped: Mapping[str, int], most: int = 4, *, redacting: bool = False) -> str:
    """What a summary says of ``skipped`` (as :func:`scan` counts it): '3 files of other types not read
    (.csv 2, .xlsx 1)', the most frequent extensions first; '' when there were none. ``redacting``: adds
    that they got no redacted copy (an analyst handing the copies over must not find an unredacted CSV
    among the originals later)."""
    total = sum(skipped.values())
    if not total:
        return ""
    kinds = sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))
    listed = ", ".join(f"{ext} {n}" for ext, n in kinds[:most]) + (", …" if len(kinds) > most else "")
    said = f"{total} file{'s' if total != 1 else ''} of other types not read ({listed})"
    return said + (": no redacted copy of them was made" if redacting else "")


def _hidden(name: str) -> bool:
    return name.startswith(".")


def scan(paths: Iterable[str | Path], skipped: Counter[str] | None = None) -> Iterator[Path | ScanProblem]:
    """Files to analyse (explicit files of any type are passed through; the reader judges them).
    ``skipped``: counts the files of other types met in folders, by lower-case extension."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, set(), skipped)
        elif path.exists() or path.is_symlink():
            yield path
        else:
            yield ScanProblem(path, "no such file or folder")


def _walk(folder: Path, seen: set[tuple[int, int]], skipped: Counter[str] | None) -> Iterator[Path | ScanProblem]:
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
            yield from _walk(path, seen, skipped)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path
        elif skipped is not None:
            skipped[path.suffix.lower() or NO_EXTENSION] += 1
