"""``sqzdesk entities``: who appears where, across every document in the result store.

    sqzdesk entities [PATH...] [--store FILE] [--format jsonl|csv] [--types PER,ORG,...] [--contains TEXT]
                     [--out FILE]

One record per entity (same type and text, compared case- and space-insensitively), most documents first:
``{"text", "label", "documents", "mentions", "paths"}`` (CSV: the paths joined by "; "). The analyst's
decisions are applied (rejected mentions do not count, added ones do). ``PATH``: only documents at or
under these paths. The index is :func:`sqzdesk.batch.entity_index.entity_index`, the GUI's folder view's
too. Standard library only at module level (see :mod:`sqzdesk.cli`).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from sqzdesk.cli.common import output, usage


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("entities", help="every entity in the result store, with its documents",
                              description="Every entity across the stored results: documents and mentions.")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="only documents at or under these")
    p.add_argument("--store", type=Path, metavar="FILE", help="result store (default: in the user data dir)")
    p.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    p.add_argument("--types", metavar="TYPES", help="only these types, e.g. PER,ORG")
    p.add_argument("--contains", metavar="TEXT", help="only entities whose text contains TEXT (any case)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write here (default: standard output)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from sqzdesk.batch.entity_index import ENTITY_INDEX_COLUMNS, entity_index
    from sqzdesk.batch.store import ResultStore, StoreError

    labels = {w.strip().upper() for w in args.types.split(",") if w.strip()} if args.types else None
    if args.store is not None and not args.store.exists():
        return usage("entities", f"no result store at {args.store}")
    try:
        with ResultStore(args.store) as store:
            rows = [e.to_row() for e in entity_index(store, labels=labels, contains=args.contains,
                                                     paths=args.paths or None)]
    except StoreError as exc:
        print(f"sqzdesk: {exc}", file=sys.stderr)
        return 2
    try:
        with output(args.out) as out:
            if args.format == "csv":
                writer = csv.DictWriter(out, fieldnames=ENTITY_INDEX_COLUMNS)
                writer.writeheader()
                for row in rows:
                    writer.writerow({**{k: _csv_safe(v) for k, v in row.items()}, "paths": "; ".join(row["paths"])})
            else:
                for row in rows:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        return usage("entities", f"cannot write {exc.filename}: {exc.strerror}")
    return 0


def _csv_safe(value: object) -> object:
    """As the batch tables do: a cell starting with = + - @ must not become a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value
