"""``sqzdesk batch DIR...``: analyse whole folders headless, resumably, into the result store.

    sqzdesk batch DIR... [--out FILE] [--format jsonl|csv] [--resume] [--retry-failed]
                         [--redact TYPES --redact-dir DIR [--redact-mode MODE]] [--report FILE.html]
                         [--entities-out FILE]
                         [--patterns all|none|EMAIL,PHONE,...] [--tasks sentiment,entities,classify:NAME]
                         [--terms all|none|LIST,...]
                         [--time-limit SECONDS] [--store FILE] [--quiet]

Every file's result is committed to the store as soon as it is done, so a crash or ``kill -9`` loses at
most the file in flight; ``--resume`` then reuses what is stored for unchanged files (stored failures
too, unless ``--retry-failed``) and still writes every file exactly once to ``--out``.

``--out`` JSONL: one line per file, ``{"path", "sha256", "sentiment", "sentences", "entities", "error"}``
(``error`` null, or a one-line reason with null/empty analysis fields). Pattern entities (EMAIL, PHONE,
URL, IP, IBAN, CARD) are in ``entities`` by default; ``--patterns none`` leaves the model's only.
Scan problems (symlink loops, unreadable folders, missing paths) are not files: they get a stderr line
and count as failures, but no output line. Exit 1 if anything failed, 2 for usage, model or store
errors, 130 when interrupted (rerun with ``--resume``).

The work itself is the headless library :mod:`sqzdesk.batch` (scan, runner, store, exports); this module
is only its command line. Standard library only at module level (see :mod:`sqzdesk.cli`).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqzdesk.cli.common import (
    Failures,
    add_analysis_options,
    add_html_option,
    not_read_line,
    parse_labels,
    parse_patterns,
    run_with_store,
    term_labels,
    usage,
)

if TYPE_CHECKING:
    from sqzdesk.batch.results import FileResult
    from sqzdesk.batch.store import ResultStore
    from sqzdesk.engine.analysis import Analyzer

DEFAULT_TIME_LIMIT_S = 600.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("batch", help="analyse folders into the result store (resumable)",
                              description="Analyse every document under the folders; results go to the "
                                          "result store as each file completes.")
    p.add_argument("paths", nargs="+", type=Path, metavar="DIR", help="folders (recursive) or files")
    p.add_argument("--out", type=Path, help="one record per file here (default: standard output)")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl",
                   help="jsonl: full records; csv: one summary row per file")
    p.add_argument("--resume", action="store_true",
                   help="reuse stored results for unchanged files instead of analysing them again")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: analyse stored failures again")
    add_analysis_options(p)
    add_html_option(p)
    p.add_argument("--patterns", default="all", metavar="TYPES",
                   help="pattern entities to add: all, none or a list such as EMAIL,PHONE (default all)")
    p.add_argument("--redact", metavar="TYPES", help="entity types to redact, e.g. PER,EMAIL,PHONE or all")
    p.add_argument("--redact-dir", type=Path, metavar="DIR",
                   help="where redacted copies and their audit files go (mirrors the input folders; "
                        "same layout as `sqzdesk redact`)")
    p.add_argument("--redact-mode", choices=["labels", "pseudonyms", "mask"], default="labels",
                   help="labels: [PER]; pseudonyms: Person 1, consistent over the batch; mask: █████")
    p.add_argument("--report", type=Path, metavar="FILE.html", help="self-contained HTML report of all files")
    p.add_argument("--entities-out", type=Path, metavar="FILE", help="one row per entity (in --format)")
    p.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S, metavar="SECONDS",
                   help=f"per-file budget; slower files are recorded as failed (0 = none; "
                        f"default {DEFAULT_TIME_LIMIT_S:g})")
    p.add_argument("--store", type=Path, metavar="FILE", help="result store (default: in the user data dir)")
    p.add_argument("--quiet", "-q", action="store_true", help="no per-file lines, only failures")
    p.set_defaults(run=run)


def _redact_types(spec: str, term_labels: tuple[str, ...] = ()) -> frozenset[str]:
    """Entity labels to redact: built-in types and the labels of the term lists in use."""
    from sqzdesk.batch.exports import ENTITY_LABELS

    known = (*ENTITY_LABELS, *(t for t in term_labels if t not in ENTITY_LABELS))
    labels = parse_labels(spec, known)
    if labels is None:
        raise ValueError(f"--redact takes labels from {','.join(known)} or all, got {spec!r}")
    return labels



def run(args: argparse.Namespace) -> int:
    try:
        patterns = parse_patterns(args.patterns)
        redact_types = _redact_types(args.redact, term_labels(args.terms)) if args.redact else None
    except ValueError as exc:
        return usage("batch", str(exc))
    if (redact_types is None) != (args.redact_dir is None):
        return usage("batch", "--redact and --redact-dir go together")
    if args.retry_failed and not args.resume:
        return usage("batch", "--retry-failed only makes sense with --resume")
    if args.time_limit < 0:
        return usage("batch", "--time-limit must be 0 (none) or more seconds")
    return run_with_store("batch", args, "finished files are stored, rerun with --resume",
                          lambda analyzer, store: _run_batch(args, analyzer, store, patterns, redact_types))


def _run_batch(args: argparse.Namespace, analyzer: Analyzer, store: ResultStore, patterns: frozenset[str],
               redact_types: frozenset[str] | None) -> int:
    from sqzdesk.batch.exports import RecordWriter, TableWriter, write_html_report
    from sqzdesk.batch.redacted_export import RedactionSettings, export_result
    from sqzdesk.batch.redaction import Pseudonyms, RedactionMode
    from sqzdesk.batch.runner import BatchRunner, RunOptions
    from sqzdesk.batch.scan import describe_skipped, scan
    from sqzdesk.batch.terminal import TerminalProgress
    from sqzdesk.documents import DocumentError
    from sqzdesk.documents.html import HtmlMode

    options = RunOptions(reuse=args.resume, retry_failed=args.retry_failed,
                         time_budget_s=args.time_limit or None, patterns=patterns,
                         html_mode=HtmlMode(args.html))
    runner = BatchRunner(analyzer, store, options)
    fail = Failures()
    bar = TerminalProgress(quiet=args.quiet)
    kept: list[FileResult] = []  # results for the report, written at the end

    def failure(where: str, reason: object) -> None:
        bar.clear()
        fail(where, reason)

    with ExitStack() as stack:
        # Every output is opened before the first file, so a bad path fails now, not after hours of work.
        try:
            def open_out(path: Path | None) -> IO[str]:
                if path is None:
                    return sys.stdout
                return stack.enter_context(open(path, "w", encoding="utf-8", newline=""))

            out = open_out(args.out)
            names = analyzer.classifiers.names if analyzer.classifiers is not None else ()
            labels = tuple(dict.fromkeys(lst.label for lst in analyzer.terms.lists))
            main = RecordWriter(out) if args.format == "jsonl" else TableWriter(out, fmt="csv", classifiers=names,
                                                                                 extra_labels=labels)
            entities = TableWriter(open_out(args.entities_out), fmt=args.format, level="entities") \
                if args.entities_out else None
            report = open_out(args.report) if args.report else None
        except OSError as exc:
            return usage("batch", f"cannot write {exc.filename}: {exc.strerror}")

        # The export of ``sqzdesk redact`` (same layout, audit files, decisions from the store), with
        # one pseudonym table for the whole batch.
        pseudonyms = Pseudonyms()

        def redact_one(result: FileResult, types: frozenset[str]) -> None:
            settings = RedactionSettings(RedactionMode(args.redact_mode), types)
            try:
                export_result(result, args.redact_dir, args.paths, settings, pseudonyms, store=store,
                              versions={"models": runner.key})
            except DocumentError as exc:
                failure(str(result.path), exc)
            except OSError as exc:
                failure(str(result.path), f"not redacted: {exc.strerror or exc}")

        def on_result(result: FileResult) -> None:
            if result.failed:
                failure(str(result.path), result.error)
            bar.result(result)
            if not result.is_file:
                return
            main.add(result)
            out.flush()
            if entities is not None:
                entities.add(result)
            if redact_types is not None and not result.failed:
                redact_one(result, redact_types)
            if report is not None:
                kept.append(result)

        skipped: Counter[str] = Counter()
        summary = runner.run(scan(args.paths, skipped), on_result=on_result, on_progress=bar.progress)
        bar.finish()
        if report is not None:
            write_html_report(report, kept, title="sqzdesk batch: " + ", ".join(str(p) for p in args.paths),
                              note=describe_skipped(skipped))

    if not args.quiet:
        print(f"sqzdesk batch: {summary.total} item(s): {summary.analysed} analysed, {summary.reused} reused "
              f"from the store, {summary.failed} failed, {summary.elapsed_s:.1f} s (store: {store.path})",
              file=sys.stderr)
    if skipped and (not args.quiet or args.redact):  # with --redact even quiet: none of them was redacted
        print(not_read_line("batch", skipped, redacting=bool(args.redact)), file=sys.stderr)
    return 1 if fail.count else 0
