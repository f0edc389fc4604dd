"""``sqzdesk redact PATH... --out DIR``: redacted copies to hand over, each with an audit file.

    sqzdesk redact PATH... --out DIR [--mode labels|pseudonyms|mask] [--types PER,ORG,...|all]
                   [--decisions FILE] [--patterns all|none|...] [--store FILE] [--time-limit S] [--quiet]

Each file is analysed (entities only; unchanged files are answered from the result store, like ``batch
--resume``), the analyst's decisions on its content are applied (those in the store, then those in
``--decisions``, JSON lines as :func:`sqzdesk.batch.decisions.write_decisions` writes them), and
``DIR/<name as in the input, same relative folders>`` is written in the same format where supported
(.txt .md .html .docx), otherwise with ``.txt`` appended, beside ``<that name>.audit.json``.
Pseudonyms are consistent across every file of the run. Default types: people, organisations, places
and every identifier type (not MISC, not DATE). Exit 1 if a file failed, 2 for usage, model or store
errors. The export itself is :mod:`sqzdesk.batch.redacted_export`, shared with ``batch --redact`` and
the GUI. Standard library only at module level (see :mod:`sqzdesk.cli`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from sqzdesk.cli.common import (
    Failures,
    not_read_line,
    parse_labels,
    parse_patterns,
    run_with_store,
    term_labels,
    usage,
)

if TYPE_CHECKING:
    from sqzdesk.batch.redacted_export import RedactionSettings

MODES = ("labels", "pseudonyms", "mask")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("redact", help="redacted copies of documents, with an audit file each",
                              description="Write a redacted copy of every document, and an audit JSON beside it.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders (recursive)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the redacted copies go")
    p.add_argument("--mode", choices=MODES, default="labels",
                   help="labels: [PER]; pseudonyms: Person 1 (same name, same pseudonym); mask: █████")
    p.add_argument("--types", default="default", metavar="TYPES",
                   help="entity types to redact: default (people, organisations, places, identifiers), all, "
                        "or a list such as PER,EMAIL,DATE")
    p.add_argument("--decisions", type=Path, metavar="FILE", help="review decisions (JSON lines) to apply")
    p.add_argument("--patterns", default="all", metavar="TYPES", help="pattern entities to find (default all)")
    p.add_argument("--store", type=Path, metavar="FILE", help="result store (default: in the user data dir)")
    p.add_argument("--time-limit", type=float, default=600.0, metavar="SECONDS", help="per-file budget (0 = none)")
    p.add_argument("--quiet", "-q", action="store_true", help="no per-file lines, only failures")
    p.add_argument("--terms", default="all", metavar="LISTS",
                   help="your term lists found as entities (their labels are redacted by default): all, none or names")
    p.set_defaults(run=run, tasks="entities")


def redact_types(spec: str, term_labels: tuple[str, ...] = ()) -> frozenset[str]:
    """``default``, ``all`` or a list of labels; ValueError naming what is unknown. The labels of the term
    lists in use (``sqzdesk terms``) are redactable and part of the default: they are the user's own names."""
    from sqzdesk.batch.redaction import DEFAULT_REDACT_TYPES, REDACTABLE_TYPES

    known = (*REDACTABLE_TYPES, *(t for t in term_labels if t not in REDACTABLE_TYPES))
    labels = parse_labels(spec, known, default=DEFAULT_REDACT_TYPES | frozenset(term_labels))
    if labels is None:
        raise ValueError(f"types are default, all or labels from {','.join(known)}; got {spec!r}")
    return labels


def settings_from(mode: str, types: str, term_labels: tuple[str, ...] = ()) -> RedactionSettings:
    from sqzdesk.batch.redacted_export import RedactionSettings
    from sqzdesk.batch.redaction import RedactionMode

    return RedactionSettings(RedactionMode(mode), redact_types(types, term_labels))


def run(args: argparse.Namespace) -> int:
    from sqzdesk.batch.decisions import read_decisions

    try:
        patterns = parse_patterns(args.patterns)
        settings = settings_from(args.mode, args.types, term_labels(args.terms))
    except ValueError as exc:
        return usage("redact", str(exc))
    decisions = []
    if args.decisions is not None:
        try:
            with open(args.decisions, encoding="utf-8") as f:
                decisions = list(read_decisions(f))
        except OSError as exc:
            return usage("redact", f"cannot read {args.decisions}: {exc.strerror}")
        except ValueError as exc:
            return usage("redact", f"{args.decisions}: {exc}")
    if args.time_limit < 0:
        return usage("redact", "--time-limit must be 0 (none) or more seconds")
    return run_with_store("redact", args, "files written so far are complete",
                          lambda analyzer, store: _run(args, analyzer, store, patterns, settings, decisions))


def _run(args, analyzer, store, patterns, settings, decisions) -> int:
    from sqzdesk.batch.redacted_export import export_result
    from sqzdesk.batch.redaction import Pseudonyms
    from sqzdesk.batch.runner import BatchRunner, RunOptions
    from sqzdesk.batch.scan import ScanProblem, scan
    from sqzdesk.documents import DocumentError

    out = os.path.abspath(args.out)
    skipped: Counter[str] = Counter()
    # A redacted copy is never an input: an --out folder inside an input folder is skipped.
    items = [i for i in scan(args.paths, skipped) if isinstance(i, ScanProblem)
             or not (os.path.abspath(i) + os.sep).startswith(out + os.sep)]
    runner = BatchRunner(analyzer, store, RunOptions(reuse=True, time_budget_s=args.time_limit or None,
                                                     patterns=patterns))
    fail = Failures()
    pseudonyms = Pseudonyms()  # one for the run: the same name gets the same pseudonym in every file
    written = 0

    def on_result(result) -> None:
        nonlocal written
        if result.failed:
            fail(str(result.path), result.error)
            return
        try:
            exported = export_result(result, args.out, args.paths, settings, pseudonyms, store=store,
                                     decisions=decisions, versions={"models": runner.key})
        except DocumentError as exc:
            fail(str(result.path), exc)
            return
        except OSError as exc:
            fail(str(result.path), f"not redacted: {exc.strerror or exc}")
            return
        written += 1
        if exported.note:
            print(f"sqzdesk: {result.path}: {exported.note}", file=sys.stderr)
        if not args.quiet:
            print(f"{result.path} -> {exported.target} ({len(exported.plan.spans)} span(s))", file=sys.stderr)

    runner.run(items, on_result=on_result)
    if not args.quiet:
        print(f"sqzdesk redact: {written} file(s) written to {args.out}, {fail.count} failed", file=sys.stderr)
    if skipped:  # even with --quiet: a file handed over unredacted must not be a surprise
        print(not_read_line("redact", skipped, redacting=True), file=sys.stderr)
    return 1 if fail.count else 0
