"""``sqzdesk terms``: the user's term lists, found as entities of their own label.

    sqzdesk terms add NAME --label LABEL [--case-insensitive] [--partial] [--replace] FILE|TERM...
    sqzdesk terms list [--json]
    sqzdesk terms remove NAME

An argument that names an existing file is read as a term file (one term a line, or a CSV's ``term``
column); anything else is a term itself. ``re:<pattern>`` is a regular expression. Lists apply to
``analyze`` and ``batch`` (``--terms all`` by default) and to the app. The work is
:mod:`sqzdesk.engine.terms`; standard library only at module level (see :mod:`sqzdesk.cli`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqzdesk.cli.common import usage


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("terms", help="your own term lists (names, code names, case numbers) as entities")
    sub = p.add_subparsers(dest="terms_command", required=True)
    add = sub.add_parser("add", help="save a term list")
    add.add_argument("name")
    add.add_argument("items", nargs="+", metavar="FILE|TERM", help="term files (.txt, .csv) or terms; re:REGEX")
    add.add_argument("--label", required=True, help="the entity type matches get, e.g. CLIENT")
    add.add_argument("--case-insensitive", "-i", action="store_true", help="match regardless of case")
    add.add_argument("--partial", action="store_true", help="also match inside longer words (default: whole words)")
    add.add_argument("--replace", action="store_true", help="overwrite a list of the same name")
    add.set_defaults(run=run_add)
    ls = sub.add_parser("list", help="saved term lists")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=run_list)
    rm = sub.add_parser("remove", help="delete a term list")
    rm.add_argument("name")
    rm.set_defaults(run=run_remove)


def run_add(args: argparse.Namespace) -> int:
    from sqzdesk.engine.terms import TermList, TermsError, TermStore, read_terms_file

    entries: list[str] = []
    try:
        for item in args.items:
            path = Path(item)
            entries += read_terms_file(path) if not item.startswith("re:") and path.is_file() else [item]
        term_list = TermList(args.name, args.label.upper(), tuple(dict.fromkeys(entries)),
                             case_insensitive=args.case_insensitive, whole_word=not args.partial)
        store = TermStore()
        store.add(term_list, replace=args.replace)
    except (TermsError, OSError) as exc:
        return usage("terms add", str(exc))
    print(f"sqzdesk terms: saved '{term_list.name}': {len(term_list.entries)} term(s) as {term_list.label} "
          f"in {store.path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from sqzdesk.engine.terms import TermsError, TermStore

    try:
        lists = TermStore().load()
    except TermsError as exc:
        return usage("terms list", str(exc))
    if args.json:
        print(json.dumps([lst.to_dict() for lst in lists], indent=2, ensure_ascii=False))
        return 0
    if not lists:
        print("no term lists yet: add one with `sqzdesk terms add NAME --label LABEL FILE|TERM...`")
    for lst in lists:
        flags = ", ".join(f for f, on in (("case-insensitive", lst.case_insensitive),
                                          ("partial words", not lst.whole_word)) if on)
        shown = ", ".join(lst.entries[:5]) + (f", ... ({len(lst.entries)} in all)" if len(lst.entries) > 5 else "")
        print(f"{lst.name:<20} {lst.label:<10} {shown}" + (f"  [{flags}]" if flags else ""))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from sqzdesk.engine.terms import TermsError, TermStore

    try:
        TermStore().remove(args.name)
    except (TermsError, OSError) as exc:
        return usage("terms remove", str(exc))
    print(f"sqzdesk terms: removed '{args.name}'")
    return 0
