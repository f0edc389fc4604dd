"""The result store: one SQLite file in the user's data dir holding every file's outcome.

Why SQLite in WAL mode, one commit per file: a batch over thousands of documents must survive a crash or
``kill -9`` losing at most the file in flight, and re-running the folder must skip what is already done.
``synchronous=NORMAL`` is enough for that (WAL commits survive a killed process; only a power cut may
lose the last few), and keeps per-file commits cheap.

A result is keyed by the file's absolute path, the sha256 of its content and the *model key* (which
model files and pattern detectors produced it), so an edited file or a new model is analysed again while
an unchanged file is answered from the store instantly, in the batch and when a document is reopened.
Only the latest result per path and model key is kept: an edited file replaces its old row.

The same file holds the analyst's review decisions (:mod:`sqzdesk.batch.decisions`), keyed by the
document's sha256, one row per decision, each committed as it is made (see :meth:`ResultStore.record_decision`
for why those commits use ``synchronous=FULL``).

The store holds entity texts, i.e. personal data: its folder is made private to the user (0700) when the
store creates it or it is the default one, the file is created private (0600; SQLite gives its -wal and
-shm files the same mode), deleted rows are overwritten (``secure_delete``), and :meth:`ResultStore.forget`
/ :meth:`ResultStore.forget_all` vacuum and truncate the WAL, so the forgotten text is gone from every file.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqzdesk.batch.decisions import Decision, Source, Verdict
from sqzdesk.batch.results import FileResult, FileStatus
from sqzdesk.documents.html import HtmlMode
from sqzdesk.engine.analysis import Analysis
from sqzdesk.engine.entities import SPAN_RULE_VERSION
from sqzdesk.engine.patterns import PATTERNS_VERSION
from sqzdesk.engine.sentiment import DOCUMENT_RULE_VERSION

if TYPE_CHECKING:
    from sqzdesk.engine.analysis import Analyzer

STORE_NAME = "results.sqlite3"
SCHEMA_VERSION = 2  # 2: the decisions table
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
_DECISIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    sha256      TEXT NOT NULL,
    span_start  INTEGER NOT NULL,
    span_end    INTEGER NOT NULL,
    label       TEXT NOT NULL,
    text        TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected', 'added')),
    source      TEXT NOT NULL CHECK (source IN ('model', 'rule', 'analyst')),
    path        TEXT,
    decided_at  REAL NOT NULL,
    PRIMARY KEY (sha256, span_start, span_end)
)"""
_DECISION_COLUMNS = "sha256, span_start, span_end, label, text, decision, source, decided_at, path"
_COLUMNS = "path, model_key, sha256, status, record, error, seconds, analysed_at"
ANALYSIS_FIELDS = ("sentiment", "sentences", "entities")  # the JSON of a done row's ``record`` column
_INSERT = f"INSERT OR REPLACE INTO results ({_COLUMNS}) VALUES ({', '.join('?' * 8)})"


class StoreError(Exception):
    """The store file cannot be used (damaged, newer schema, not writable); one-line message."""


@dataclass(frozen=True)
class StoreInfo:
    """What ``sqzdesk store info`` and the GUI show: where the store is, how big, what it holds."""

    path: Path
    size_bytes: int          # the database, its WAL and shared-memory index together
    documents: int           # distinct paths with a result
    results: int             # result rows (one per path and model key)
    decisions: int
    decided_documents: int   # distinct contents (sha256) with a decision
    folder_mode: int         # permission bits, e.g. 0o700
    file_mode: int


@dataclass(frozen=True)
class ForgetReport:
    """What :meth:`ResultStore.forget` removed, and whether the file is clean of it."""

    results: int
    decisions: int
    complete: bool           # False: another process kept the WAL from being truncated; run it again


def _private_folder(folder: Path, created: bool) -> None:
    """0700 for a folder the store made or owns by default; a folder the user named (``--store
    /tmp/x.sqlite3``) keeps its permissions: changing /tmp's would be wrong."""
    if created or folder == default_store_path().parent:
        # not ours (another user's, a read-only medium): the file itself is still 0600
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)


def default_store_path() -> Path:
    """``~/.local/share/sqzdesk/results.sqlite3`` on Linux (platformdirs), beside the user's models."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("sqzdesk", appauthor=False)) / STORE_NAME


# Bump whenever a reader in sqzdesk.documents extracts different text from the same bytes (2: PDF lines
# reflowed into paragraphs; 3: HTML pages read as their main content; 4: DOCX text boxes, headers, footers,
# notes and comments read; 5: centred PDF titles broken mid-phrase read as one line, HTML teasers and footer
# after the article trimmed). Stored results hold offsets into that text, so the key carries it and a file
# is analysed again rather than old offsets applied to new text. Here, not in sqzdesk.documents, so opening
# the store does not load the readers.
TEXT_VERSION = 5


def model_key(analyzer: Analyzer, patterns: Iterable[str] = ()) -> str:
    """What produced a result: each model's name, version and file checksums, the pattern types, the
    custom classifiers' head checksums, the term lists' content and the readers' text version (offsets
    are into the extracted text, so a reader that now extracts differently must not reuse old results).

    Readable on purpose (``sentiment=name@1.0#<model sha>.<tokenizer sha>;...``) so a look at the
    store tells which models its rows came from.
    """
    parts = []
    embed = analyzer.classifiers.embed if analyzer.classifiers is not None else None
    for model in (analyzer.sentiment, analyzer.entities, embed):
        if model is not None:
            m = model.bundle.manifest
            shas = ".".join(m.files[role].sha256[:SHA_PREFIX] for role in ("model", "tokenizer"))
            rule = (f"+rule{DOCUMENT_RULE_VERSION}" if model is analyzer.sentiment
                    else f"+spans{SPAN_RULE_VERSION}" if model is analyzer.entities else "")
            parts.append(f"{m.task}={m.name}@{m.version}#{shas}{rule}")
    wanted = sorted(set(patterns))
    if wanted:
        parts.append(f"patterns=v{PATTERNS_VERSION}:{','.join(wanted)}")
    parts += analyzer.key_parts()  # custom classifiers (name#head sha) and term lists (content hash)
    parts.append(f"text=v{TEXT_VERSION}")
    return ";".join(parts)


def result_key(analyzer: Analyzer, patterns: Iterable[str] = (), html_mode: HtmlMode = HtmlMode.MAIN) -> str:
    """The key a file's result is stored under, for batch and for a document opened in the app alike:
    :func:`model_key`, and the HTML reading when it is not the default (other text, other offsets: a
    whole-page result must never stand in for a main-content one)."""
    key = model_key(analyzer, patterns)
    return key if html_mode is HtmlMode.MAIN else f"{key};html={html_mode}"


def _key_path(path: str | Path) -> str:
    """Absolute but not symlink-resolved: the user's own name for the file, independent of the cwd."""
    return os.path.abspath(path)


class ResultStore:
    """Thread-safe (one lock): the batch worker writes while the GUI thread looks results up."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self._lock = threading.Lock()
        try:
            created = not self.path.parent.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _private_folder(self.path.parent, created)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            elif stat.S_IMODE(self.path.stat().st_mode) & 0o077:
                with contextlib.suppress(OSError):  # a store from before the file was made private
                    os.chmod(self.path, 0o600)
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
            self._db.execute(_DECISIONS_SCHEMA)
            self._db.execute("CREATE INDEX IF NOT EXISTS decisions_path ON decisions (path)")
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
            {name: fields[name] for name in (*ANALYSIS_FIELDS, "classify") if name in fields}, ensure_ascii=False)
        row = (_key_path(result.path), key, result.sha256, result.status.value, record, result.error,
               float(result.seconds), result.analysed_at or time.time())
        try:
            with self._lock:
                self._db.execute(_INSERT, row)
        except sqlite3.Error as exc:  # disk full, read-only medium, file removed underneath
            raise StoreError(f"{self.path}: cannot write the result store ({exc})") from None

    def clear(self) -> None:
        """Forget every stored result and decision (the Settings dialog's "Clear" action)."""
        self.forget_all()

    # ---- review decisions ------------------------------------------------------------------------

    def record_decision(self, decision: Decision) -> None:
        """Store (replace) the decision on this span of this content; on disk before returning.

        One commit per decision, with ``synchronous=FULL`` for it: a decision is the analyst's work
        (seconds to minutes each), an fsync costs milliseconds, so each one is made durable even against
        a power cut, where the batch's recomputable results make do with NORMAL (a killed process loses
        nothing committed in WAL mode either way). A ``kill -9`` loses at most the decision being made.
        """
        row = (decision.sha256, decision.start, decision.end, decision.label, decision.text,
               decision.verdict.value, decision.source.value, decision.decided_at or time.time(),
               None if decision.path is None else _key_path(decision.path))
        self._write_durably(f"INSERT OR REPLACE INTO decisions ({_DECISION_COLUMNS}) VALUES "
                            f"({', '.join('?' * 9)})", row)

    def remove_decision(self, sha256: str, start: int, end: int) -> None:
        """Undo: the span goes back to undecided (committed like :meth:`record_decision`)."""
        self._write_durably("DELETE FROM decisions WHERE sha256 = ? AND span_start = ? AND span_end = ?",
                            (sha256, start, end))

    def decisions(self, sha256: str) -> list[Decision]:
        """The decisions on this content, in text order."""
        return self._decisions("WHERE sha256 = ? ORDER BY span_start, span_end", (sha256,))

    def earlier_decisions(self, path: str | Path, sha256: str) -> list[Decision]:
        """Decisions made at this path on other content (an earlier version of an edited file): those of
        the version decided on last, in text order."""
        rows = self._decisions("WHERE path = ? AND sha256 != ? ORDER BY decided_at DESC",
                               (_key_path(path), sha256))
        if not rows:
            return []
        last = rows[0].sha256
        return sorted((d for d in rows if d.sha256 == last), key=lambda d: (d.start, d.end))

    def all_decisions(self) -> list[Decision]:
        return self._decisions("ORDER BY sha256, span_start, span_end", ())

    def _decisions(self, tail: str, args: tuple) -> list[Decision]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_DECISION_COLUMNS} FROM decisions {tail}", args).fetchall()
        return [Decision(sha, start, end, label, text, Verdict(verdict), Source(source), at, path)
                for sha, start, end, label, text, verdict, source, at, path in rows]

    def _write_durably(self, sql: str, args: tuple) -> None:
        try:
            with self._lock:
                self._db.execute("PRAGMA synchronous=FULL")
                try:
                    self._db.execute(sql, args)
                finally:
                    self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot write the result store ({exc})") from None

    # ---- forgetting ------------------------------------------------------------------------------

    def forget(self, paths: Iterable[str | Path]) -> ForgetReport:
        """Remove what the store holds about these files, or everything under these folders: their
        results, the results of any other path with the same content (same text, same personal data),
        and the decisions on that content or made at those paths; then compact (see :meth:`_compact`).
        A path need not exist any more."""
        with self._lock:
            results = decisions = 0
            for raw in paths:
                key = _key_path(raw)
                under = key.rstrip(os.sep) + os.sep
                match = "(path = ? OR substr(path, 1, ?) = ?)"
                margs = (key, len(under), under)
                shas = [r[0] for r in self._db.execute(
                    f"SELECT DISTINCT sha256 FROM results WHERE {match} AND sha256 IS NOT NULL", margs)]
                shas += [r[0] for r in self._db.execute(f"SELECT DISTINCT sha256 FROM decisions WHERE {match}",
                                                        margs)]
                self._db.execute("BEGIN")
                results += self._db.execute(f"DELETE FROM results WHERE {match}", margs).rowcount
                decisions += self._db.execute(f"DELETE FROM decisions WHERE {match}", margs).rowcount
                for sha in set(shas):
                    results += self._db.execute("DELETE FROM results WHERE sha256 = ?", (sha,)).rowcount
                    decisions += self._db.execute("DELETE FROM decisions WHERE sha256 = ?", (sha,)).rowcount
                self._db.execute("COMMIT")
            complete = self._compact()
        return ForgetReport(results, decisions, complete)

    def forget_all(self) -> ForgetReport:
        """Every result and decision, then compact."""
        with self._lock:
            results = self._db.execute("DELETE FROM results").rowcount
            decisions = self._db.execute("DELETE FROM decisions").rowcount
            complete = self._compact()
        return ForgetReport(results, decisions, complete)

    def _compact(self) -> bool:
        """Make deleted text unrecoverable from the files: ``secure_delete`` has zeroed the freed cells,
        VACUUM rewrites the database without free pages, and a TRUNCATE checkpoint copies the WAL back and
        cuts it to zero bytes (its frames held the old pages). False when another connection's open read
        kept the checkpoint from finishing (the WAL may still hold old pages until it runs again)."""
        self._db.execute("VACUUM")
        busy, _log, _done = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return busy == 0

    def info(self) -> StoreInfo:
        with self._lock:
            documents, results = self._db.execute("SELECT COUNT(DISTINCT path), COUNT(*) FROM results").fetchone()
            decisions, decided = self._db.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM decisions").fetchone()
        return StoreInfo(self.path, self.size_bytes(), documents, results, decisions, decided,
                         stat.S_IMODE(self.path.parent.stat().st_mode), stat.S_IMODE(self.path.stat().st_mode))

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
        """On-disk size including the WAL and shared-memory files, for the Settings dialog."""
        return sum(p.stat().st_size for p in self.files() if p.exists())

    def files(self) -> tuple[Path, Path, Path]:
        """The database and the two files SQLite keeps beside it in WAL mode (which may not exist)."""
        return self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")

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
    analysis = Analysis.from_record(json.loads(record)) if record else None
    return FileResult(Path(path), sha256, analysis, error, seconds, analysed_at, reused=True)
