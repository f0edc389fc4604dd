"""``sqzdesk analyze``: sentiment, entities and custom classes per document, or per JSONL line of stdin.

Every text goes through :meth:`Analyzer.analyze` with the ``--patterns`` types merged in (all by
default, parsed exactly like ``batch --patterns``), the one analysis the GUI and ``batch`` run too, so
``analyze FILE`` and ``batch FILE`` give the same sentiment, sentences and entities.

``--stdin``: one output line per input line, in order (the contract is in :mod:`sqzdesk.cli`).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqzdesk.cli.common import (
    Failures,
    add_analysis_options,
    add_html_option,
    add_password_option,
    documents,
    open_analyzer,
    output,
    parse_patterns,
    read_jsonl,
    read_password,
    stdin_lines,
    usage,
    write_jsonl,
)
from sqzdesk.reasons import failure_reason

if TYPE_CHECKING:
    from sqzdesk.engine.analysis import Analysis, Analyzer


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    an = subparsers.add_parser("analyze", help="sentiment and entities per document")
    an.add_argument("paths", nargs="*", type=Path)
    an.add_argument("--stdin", action="store_true", help='read JSONL {"id","text"} from standard input')
    add_analysis_options(an)
    an.add_argument("--patterns", default="all", metavar="TYPES",
                    help="pattern entities to add: all, none or a list such as EMAIL,PHONE (default all)")
    an.add_argument("--format", choices=["json", "jsonl", "csv"], default="json")
    an.add_argument("--out", type=Path, help="write here instead of standard output")
    add_password_option(an)
    add_html_option(an)
    an.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.stdin == bool(args.paths):
        return usage("analyze", "give PATH... or --stdin")
    try:
        patterns = parse_patterns(args.patterns)
        password = read_password(args)
    except ValueError as exc:
        return usage("analyze", str(exc))
    analyzer = open_analyzer(args)
    if analyzer is None:
        return 2
    fail = Failures()
    try:
        with output(args.out) as out:
            if args.stdin:
                analyze_lines(analyzer, stdin_lines(), out, fail, patterns)
            else:
                analyze_paths(analyzer, args.paths, args.format, out, fail, patterns, password, args.html)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        return usage("analyze", f"cannot write {exc.filename or 'the output'}: {exc.strerror or exc}")
    return 1 if fail.count else 0


def analyze_lines(analyzer: Analyzer, lines: Iterable[str], out: IO[str], fail: Failures,
                  patterns: Collection[str]) -> None:
    """One output line per input line: the analysis with ``"error": null``, or the reason it has none."""
    for line in read_jsonl(lines, ("text",)):
        error = line.error
        analysis: Analysis | None = None
        if line.record is not None:
            try:
                analysis = analyzer.analyze(line.record["text"], patterns=patterns)
            except Exception as exc:  # one odd line never ends the stream; its line says why
                error = failure_reason(exc)
        if analysis is None:
            fail(line.where, error)
            failed = {"id": line.id, "sentiment": None, "entities": []}
            if analyzer.classifiers is not None:  # every line has the same fields
                failed["classify"] = None
            write_jsonl(out, {**failed, "error": error})
        else:
            record = analysis.to_record()
            answer = {"id": line.id, "sentiment": record["sentiment"], "entities": record["entities"]}
            if "classify" in record:
                answer["classify"] = record["classify"]
            write_jsonl(out, {**answer, "error": None})


def analyze_paths(analyzer: Analyzer, paths: list[Path], fmt: str, out: IO[str], fail: Failures,
                  patterns: Collection[str], password: str | None = None, html: str = "main") -> None:
    """Every readable document under the paths; failures get their stderr line and no record."""
    import json

    records = []
    names = analyzer.classifiers.names if analyzer.classifiers is not None else ()
    writer = _CsvRows(out, names) if fmt == "csv" else None
    for path, doc in documents(paths, fail, password, html):
        try:
            record = {"path": str(path), **analyzer.analyze(doc.text, patterns=patterns).to_record()}
        except Exception as exc:
            fail(str(path), failure_reason(exc))
            continue
        if fmt == "jsonl":
            write_jsonl(out, record)
        elif writer is not None:
            writer.add(record)
        else:
            records.append(record)
    if fmt == "json":
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")


class _CsvRows:
    """One row per document: sentiment, sentence count, entity counts per type (model and pattern), and
    each classifier's document label and score (``classify:NAME`` and ``classify:NAME:score``)."""

    def __init__(self, out: IO[str], classifiers: tuple[str, ...] = ()):
        from sqzdesk.batch.exports import ENTITY_LABELS, classify_columns

        self.labels = ENTITY_LABELS
        self.classifiers = classifiers
        self.writer = csv.DictWriter(out, fieldnames=["path", "sentiment_label", "sentiment_score",
                                                      "sentiment_mixed", "sentences", "entities", *ENTITY_LABELS, *classify_columns(classifiers)])
        self.writer.writeheader()

    def add(self, record: dict[str, Any]) -> None:
        sentiment = record["sentiment"] or {}
        row = {"path": record["path"], "sentiment_label": sentiment.get("label", ""),
               "sentiment_score": f"{sentiment['score']:.4f}" if sentiment else "",
               "sentiment_mixed": sentiment.get("mixed", False) if sentiment else "",
               "sentences": len(record["sentences"]), "entities": len(record["entities"])}
        for kind in self.labels:
            row[kind] = sum(1 for e in record["entities"] if e["label"] == kind)
        for name in self.classifiers:
            result = (record.get("classify") or {}).get(name)
            row[f"classify:{name}"] = result["label"] if result else ""
            row[f"classify:{name}:score"] = f"{result['score']:.4f}" if result else ""
        self.writer.writerow(row)
