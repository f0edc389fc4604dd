"""Getting results out of the app in the formats analysts use. Results stay typed (:class:`FileResult`
with engine objects) up to here; the rows and records below are where they become dicts, CSV and JSON.

* tables, CSV or JSONL: one row per file (:data:`FILE_COLUMNS`) or one row per entity
  (:data:`ENTITY_COLUMNS`);
* records, JSONL: the full ``batch --out`` line per file (:meth:`FileResult.to_record`);
* the HTML report (:func:`write_html_report`, see :mod:`sqzdesk.batch.html_report`);
* redacted text files (:func:`write_redacted`, see :mod:`sqzdesk.batch.redaction`).

CSV cells that start with ``= + - @`` (or a tab/CR) get a leading ``'``: these files are opened in
spreadsheets, and a document containing ``=HYPERLINK(...)`` must not become a live formula there. JSONL
is left exact.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

from sqzdesk.batch.html_report import write_html_report
from sqzdesk.batch.redaction import Redaction, redact
from sqzdesk.batch.results import FileResult
from sqzdesk.engine.manifest import ENTITY_TYPES
from sqzdesk.engine.patterns import PATTERN_TYPES

__all__ = ["ENTITY_COLUMNS", "ENTITY_LABELS", "FILE_COLUMNS", "RecordWriter", "TableWriter", "classify_columns",
           "entity_rows",
           "file_row", "redacted", "redacted_path", "write_html_report", "write_records", "write_redacted",
           "write_table"]

Format = Literal["csv", "jsonl"]
Level = Literal["files", "entities"]

ENTITY_LABELS: tuple[str, ...] = (*ENTITY_TYPES, *PATTERN_TYPES)
FILE_COLUMNS = ["path", "sha256", "sentiment_label", "sentiment_score", "sentiment_mixed", "sentences", "entities",
                *ENTITY_LABELS, "error"]
ENTITY_COLUMNS = ["path", "start", "end", "label", "text", "score"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def classify_columns(classifiers: Sequence[str]) -> list[str]:
    """The file table's columns for custom classifiers: the document's label, then its score."""
    return [col for name in classifiers for col in (f"classify:{name}", f"classify:{name}:score")]


def file_columns(classifiers: Sequence[str] = (), extra_labels: Sequence[str] = ()) -> list[str]:
    """:data:`FILE_COLUMNS` with a count column per term-list label and the classifier columns."""
    extra = [label for label in extra_labels if label not in ENTITY_LABELS]
    return [*FILE_COLUMNS[:-1], *extra, *classify_columns(classifiers), FILE_COLUMNS[-1]]


def file_row(result: FileResult, classifiers: Sequence[str] = (), extra_labels: Sequence[str] = ()) -> dict[str, Any]:
    """Sentiment, sentence and entity counts (per label) for one file; empty analysis fields on error.

    ``extra_labels``: the term lists' entity labels, counted like the built-in types; ``classifiers``:
    each one's document label and score."""
    s = result.sentiment
    row: dict[str, Any] = {"path": str(result.path), "sha256": result.sha256,
                           "sentiment_label": s.label if s else None,
                           "sentiment_score": round(s.score, 4) if s else None,
                           "sentiment_mixed": s.mixed if s else None,
                           "sentences": len(result.sentences), "entities": len(result.entities)}
    for label in (*ENTITY_LABELS, *(x for x in extra_labels if x not in ENTITY_LABELS)):
        row[label] = sum(1 for e in result.entities if e.label == label)
    classes = result.analysis.document_classes if result.analysis is not None and not result.failed else None
    for name in classifiers:
        c = (classes or {}).get(name)
        row[f"classify:{name}"] = c.label if c else None
        row[f"classify:{name}:score"] = round(c.score, 4) if c else None
    row["error"] = result.error
    return row


def entity_rows(result: FileResult) -> Iterator[dict[str, Any]]:
    for e in result.entities:
        yield {"path": str(result.path), "start": e.start, "end": e.end, "label": e.label,
               "text": e.text, "score": round(e.score, 4)}


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


class TableWriter:
    """Rows written as results arrive (the CLI streams them, so a killed run still leaves whole rows)."""

    def __init__(self, out: IO[str], *, fmt: Format = "csv", level: Level = "files",
                 classifiers: Sequence[str] = (), extra_labels: Sequence[str] = ()):
        self.out, self.fmt, self.level = out, fmt, level
        self.classifiers, self.extra_labels = tuple(classifiers), tuple(extra_labels)
        self.rows = 0
        columns = file_columns(self.classifiers, self.extra_labels) if level == "files" else ENTITY_COLUMNS
        self._csv = csv.DictWriter(out, fieldnames=columns) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writeheader()

    def add(self, result: FileResult) -> None:
        """Scan problems are not files and get no row."""
        if not result.is_file:
            return
        rows = [file_row(result, self.classifiers, self.extra_labels)] if self.level == "files" \
            else entity_rows(result)
        for row in rows:
            if self._csv is not None:
                self._csv.writerow({k: _csv_safe(v) for k, v in row.items()})
            else:
                self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.rows += 1


def write_table(results: Iterable[FileResult], out: IO[str], *, fmt: Format = "csv",
                level: Level = "files") -> int:
    """One row per file or per entity; returns the number of rows.

    ``out`` should be opened with ``newline=""`` for CSV (the csv module writes its own line ends).
    """
    writer = TableWriter(out, fmt=fmt, level=level)
    for result in results:
        writer.add(result)
    return writer.rows


class RecordWriter:
    """The full JSONL contract line per file (what ``batch --out`` writes), as results arrive."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.rows = 0

    def add(self, result: FileResult) -> None:
        if result.is_file:
            self.out.write(json.dumps(result.to_record(), ensure_ascii=False) + "\n")
            self.rows += 1


def write_records(results: Iterable[FileResult], out: IO[str]) -> int:
    writer = RecordWriter(out)
    for result in results:
        writer.add(result)
    return writer.rows


def redacted(result: FileResult, text: str, types: Collection[str]) -> Redaction:
    """The document's text with the chosen entity types replaced by ``[LABEL]`` placeholders."""
    return redact(text, result.entities, types)


def redacted_path(path: Path, roots: Iterable[Path], folder: Path) -> Path:
    """Where a file's redacted text goes: its place under the common folder of the inputs, mirrored
    into ``folder``, as ``<name>.redacted.txt`` (the redacted form of any format is plain text)."""
    bases = [os.path.abspath(r if Path(r).is_dir() else Path(r).parent) for r in roots]
    base = os.path.commonpath(bases) if bases else os.path.dirname(os.path.abspath(path))
    rel = os.path.relpath(os.path.abspath(path), base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = Path(path).name
    return folder / f"{rel}.redacted.txt"


def write_redacted(result: FileResult, text: str, types: Collection[str], target: Path) -> Redaction:
    """Write the redacted text (UTF-8) to ``target``, creating folders; returns the redaction."""
    red = redacted(result, text, types)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(red.text, encoding="utf-8")
    return red
