"""``sqzdesk store``: where the result store is, what it holds, and forgetting from it.

    sqzdesk store info [--store FILE]
    sqzdesk store forget PATH... [--store FILE]     a document, or everything under a folder
    sqzdesk store forget --all [--store FILE]

The store keeps entity texts and review decisions (personal data). ``forget`` removes the results and
decisions of those documents (and of any copy with the same content), then compacts the database so the
deleted text is gone from the file and its WAL; it says so when another running sqzdesk kept the WAL
from being emptied (run it again once that one is closed). Standard library only at module level.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqzdesk.cli.common import usage


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("store", help="where the result store is; forget documents from it",
                              description="Show the result store, or forget documents (results and decisions).")
    sub = p.add_subparsers(dest="action", required=True)
    info = sub.add_parser("info", help="path, size, permissions and what the store holds")
    info.add_argument("--store", type=Path, metavar="FILE", help="result store (default: in the user data dir)")
    forget = sub.add_parser("forget", help="remove documents' results and decisions, then compact")
    forget.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="documents or folders")
    forget.add_argument("--all", action="store_true", help="everything")
    forget.add_argument("--store", type=Path, metavar="FILE", help="result store (default: in the user data dir)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from sqzdesk.batch.store import ResultStore, StoreError, default_store_path

    if args.action == "forget" and bool(args.paths) == bool(args.all):
        return usage("store forget", "give documents or folders to forget, or --all")
    path = args.store or default_store_path()
    if not Path(path).exists():
        print(f"no result store at {path}" if args.action == "info" else f"nothing to forget: no store at {path}")
        return 0
    try:
        with ResultStore(path) as store:
            if args.action == "info":
                i = store.info()
                print(f"store: {i.path}\nsize: {i.size_bytes / 1e6:.2f} MB (with its -wal and -shm files)\n"
                      f"documents: {i.documents} ({i.results} result row(s))\n"
                      f"decisions: {i.decisions} on {i.decided_documents} document(s)\n"
                      f"permissions: folder {i.folder_mode:04o}, file {i.file_mode:04o}")
                return 0
            report = store.forget_all() if args.all else store.forget(args.paths)
    except StoreError as exc:
        print(f"sqzdesk: {exc}", file=sys.stderr)
        return 2
    print(f"forgot {report.results} result row(s) and {report.decisions} decision(s); store compacted")
    if not report.complete:
        print("sqzdesk: another sqzdesk has the store open, so its WAL could not be emptied; close it and run "
              "`sqzdesk store forget` again", file=sys.stderr)
        return 1
    return 0
