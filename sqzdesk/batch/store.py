"""The result store: one SQLite file in the user's data dir holding every file's outcome.

Why SQLite in WAL mode, one commit per file: a batch over thousands of documents must survive a crash or
``kill -9`` losing at most the file in flight, and re-running the folder must skip what is already done.
``synchronous=NORMAL`` is enough for that (WAL commits survive a killed process; only a power cut may
lose the last few), and keeps per-file commits cheap.

A result is keyed by the file's absolute path, the sha256 of its content and the *model key* (which
model files and pattern detectors produced it), so an edited file or a new model is analysed again while
an unchanged file is answered from the store instantly, in the batch and when a document is reopened.
Only the latest result per path and model key is kept: an edited file replaces its old row.

The store holds entity texts, i.e. personal data: the file is created private (0600), deleted rows are
overwritten (``secure_delete``) and :meth:`ResultStore.clear` also vacuums, so "clear" really clears.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqzdesk.batch.results import FileResult, FileStatus, analysis_from_record
from sqzdesk.engine.patterns import PATTERNS_VERSION

if TYPE_CHECKING:
    from sqzdesk.engine.analysis import Analyzer

STORE_NAME = "results.sqlite3"
SCHEMA_VERSION = 1
SHA_PREFIX = 16  # hex digits of each model file's sha256 kept in the model key (64 bits)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    path        TEXT NOT NULL,
    model_key   TEXT NOT NULL,
    sha256      TEXT,
    status      TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    record      TEXT,
    error       TEXT,
    seconds     REAL NOT NULL,
    analysed_at REAL NOT NULL,
    PRIMARY KEY (path, model_key)
)"""
_COLUMNS = "path, model_key, sha256, status, record, error, seconds, analysed_at"
ANALYSIS_FIELDS = ("sentiment", "sentences", "entities")  # the JSON of a done row's ``record`` column
_INSERT = f"INSERT OR REPLACE INTO results ({_COLUMNS}) VALUES ({', '.join('?' * 8)})"


class StoreError(Exception):
    """The store file cannot be used (damaged, newer schema, not writable); one-line message."""


def default_store_path() -> Path:
    """``~/.local/share/sqzdesk/results.sqlite3`` on Linux (platformdirs), beside the user's models."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("sqzdesk", appauthor=False)) / STORE_NAME


def model_key(analyzer: Analyzer, patterns: Iterable[str] = ()) -> str:
    """What produced a result: each model's name, version and file checksums, and the pattern types.

    Readable on purpose (``sentiment=name@1.0#<model sha>.<tokenizer sha>;...``) so a look at the
    store tells which models its rows came from.
    """
    parts = []
    for model in (analyzer.sentiment, analyzer.entities):
        if model is not None:
            m = model.bundle.manifest
            shas = ".".join(m.files[role].sha256[:SHA_PREFIX] for role in ("model", "tokenizer"))
            parts.append(f"{m.task}={m.name}@{m.version}#{shas}")
    wanted = sorted(set(patterns))
    if wanted:
        parts.append(f"patterns=v{PATTERNS_VERSION}:{','.join(wanted)}")
    return ";".join(parts)


def _key_path(path: str | Path) -> str:
    """Absolute but not symlink-resolved: the user's own name for the file, independent of the cwd."""
    return os.path.abspath(path)


class ResultStore:
    """Thread-safe (one lock): the batch worker writes while the GUI thread looks results up."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the result store ({exc})") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA secure_delete=ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer sqzdesk (store schema {version})")
            self._db.execute(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"{self.path}: damaged result store ({exc}); clear or move it") from None
        except StoreError:
            self._db.close()
            raise

    # ---- writing ---------------------------------------------------------------------------------

    def put(self, result: FileResult, key: str) -> None:
        """Store (replace) the result for this path and model key; committed before returning."""
        if not result.is_file:
            raise ValueError("scan problems are not stored")
        fields = result.to_record()
        record = None if result.failed else json.dumps(
            {name: fields[name] for name in ANALYSIS_FIELDS}, ensure_ascii=False)
        row = (_key_path(result.path), key, result.sha256, result.status.value, record, result.error,
               float(result.seconds), result.analysed_at or time.time())
        try:
            with self._lock:
                self._db.execute(_INSERT, row)
        except sqlite3.Error as exc:  # disk full, read-only medium, file removed underneath
            raise StoreError(f"{self.path}: cannot write the result store ({exc})") from None

    def clear(self) -> None:
        """Forget every stored result and shrink the file (the Settings dialog's "Clear" action)."""
        with self._lock:
            self._db.execute("DELETE FROM results")
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- reading ---------------------------------------------------------------------------------

    def lookup(self, path: str | Path, sha256: str, key: str) -> FileResult | None:
        """The stored result for exactly this content and model key, or None (then analyse it)."""
        rows = self._select("WHERE path = ? AND model_key = ? AND sha256 = ?", (_key_path(path), key, sha256))
        return rows[0] if rows else None

    def latest(self, path: str | Path, key: str) -> FileResult | None:
        """The last result for this path and model key whatever the content was (may be stale)."""
        rows = self._select("WHERE path = ? AND model_key = ?", (_key_path(path), key))
        return rows[0] if rows else None

    def results(self, key: str | None = None, *, failed: bool | None = None) -> list[FileResult]:
        """Stored results in path order, optionally for one model key and only failed or done ones."""
        clause, args = _where(key, failed)
        return self._select(f"{clause} ORDER BY path", args)

    def count(self, key: str | None = None, *, failed: bool | None = None) -> int:
        clause, args = _where(key, failed)
        with self._lock:
            return self._db.execute(f"SELECT COUNT(*) FROM results {clause}", args).fetchone()[0]

    def size_bytes(self) -> int:
        """On-disk size including the WAL, for the Settings dialog."""
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def _select(self, tail: str, args: tuple) -> list[FileResult]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM results {tail}", args).fetchall()
        return [_row_to_result(row) for row in rows]

    # ---- lifetime --------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _where(key: str | None, failed: bool | None) -> tuple[str, tuple]:
    conditions, args = [], []
    if key is not None:
        conditions.append("model_key = ?")
        args.append(key)
    if failed is not None:
        conditions.append("status = ?")
        args.append(FileStatus.FAILED.value if failed else FileStatus.DONE.value)
    return ("WHERE " + " AND ".join(conditions)) if conditions else "", tuple(args)


def _row_to_result(row: tuple) -> FileResult:
    """The stored row as a typed result: its JSON record rebuilt into engine objects."""
    path, _key, sha256, _status, record, error, seconds, analysed_at = row
    analysis = analysis_from_record(json.loads(record)) if record else None
    return FileResult(Path(path), sha256, analysis, error, seconds, analysed_at, reused=True)
