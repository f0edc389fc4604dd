"""``sqzdesk ask``: answers to a question from a document, or per JSONL line of standard input.

``--stdin``: one output line per input line, in order (the contract is in :mod:`sqzdesk.cli`); lines are
answered :data:`sqzdesk.engine.qa.PAIRS_PER_CALL` at a time so their windows share model batches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from sqzdesk.cli.common import (
    Failures,
    InputLine,
    add_html_option,
    add_password_option,
    add_variant_option,
    documents,
    open_model,
    read_jsonl,
    read_password,
    stdin_lines,
    usage,
    write_jsonl,
)
from sqzdesk.reasons import failure_reason

if TYPE_CHECKING:
    from sqzdesk.engine.qa import QAModel
    from sqzdesk.engine.results import Answer


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    ask = subparsers.add_parser("ask", help="answer a question from a document")
    ask.add_argument("path", nargs="?", type=Path)
    ask.add_argument("--question", "-q")
    ask.add_argument("--top-k", type=int, default=3)
    ask.add_argument("--stdin", action="store_true", help='read JSONL {"id","question","context"}')
    add_password_option(ask)
    add_variant_option(ask)
    add_html_option(ask)
    ask.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.stdin == bool(args.path) or (args.path and not args.question):
        return usage("ask", "give PATH --question Q, or --stdin")
    if args.top_k < 1:
        return usage("ask", "--top-k must be at least 1")
    try:
        password = read_password(args)
    except ValueError as exc:
        return usage("ask", str(exc))
    opened = open_model("qa", args)
    if opened is None:
        return 2
    model = cast("QAModel", opened)
    fail = Failures()
    if args.stdin:
        ask_lines(model, stdin_lines(), args.top_k, sys.stdout, fail)
        return 1 if fail.count else 0
    for path, doc in documents([args.path], fail, password, args.html):
        try:
            answers = model.ask(args.question, doc.text, top_k=args.top_k)
        except Exception as exc:
            fail(str(path), failure_reason(exc))
            continue
        write_jsonl(sys.stdout, {"path": str(path), "question": args.question,
                                 "answers": [{**a.to_dict(), "page": doc.page_at(a.start)} for a in answers]})
    return 1 if fail.count else 0


def ask_lines(model: QAModel, lines: Iterable[str], top_k: int, out: IO[str], fail: Failures) -> None:
    """One output line per input line: the answers with ``"error": null``, or the reason there are none."""
    from sqzdesk.engine.qa import PAIRS_PER_CALL  # the engine is loaded by now: the model is open

    pending: list[InputLine] = []
    for line in read_jsonl(lines, ("question", "context")):
        pending.append(line)
        if len(pending) >= PAIRS_PER_CALL:
            _answer(model, pending, top_k, out, fail)
            pending.clear()
    if pending:
        _answer(model, pending, top_k, out, fail)


def _answer(model: QAModel, lines: list[InputLine], top_k: int, out: IO[str], fail: Failures) -> None:
    """Answer the good lines of a chunk together, then write every line of it in input order."""
    results: dict[int, list[Answer] | str] = {}
    pairs: dict[int, tuple[str, str]] = {}
    for k, line in enumerate(lines):
        if line.record is None:
            results[k] = line.error or "unreadable line"
            continue
        try:
            model.check_length(line.record["context"])
        except Exception as exc:
            results[k] = failure_reason(exc)
            continue
        pairs[k] = (line.record["question"], line.record["context"])
    try:
        results.update(zip(pairs, model.ask_many(list(pairs.values()), top_k=top_k) if pairs else [],
                           strict=True))
    except Exception:  # find the line that broke it; the others still get their answers
        for k, (question, context) in pairs.items():
            try:
                results[k] = model.ask(question, context, top_k=top_k)
            except Exception as exc:
                results[k] = failure_reason(exc)
    for k, line in enumerate(lines):
        result = results[k]
        if isinstance(result, str):
            fail(line.where, result)
            write_jsonl(out, {"id": line.id, "answers": [], "error": result})
        else:
            write_jsonl(out, {"id": line.id, "answers": [a.to_dict() for a in result], "error": None})
