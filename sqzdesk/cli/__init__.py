"""``sqzdesk``: the GUI, and the stable command-line contract other tooling relies on.

    sqzdesk [FILE...]                       open the app (with those files)
    sqzdesk analyze PATH... [--tasks sentiment,entities,classify:NAME] [--patterns all|none|EMAIL,PHONE,...]
                            [--terms all|none|LIST,...] [--format json|jsonl|csv] [--out FILE]
    sqzdesk analyze --stdin                 JSONL {"id","text"} -> {"id","sentiment","entities","error"}
    sqzdesk ask PATH --question Q [--top-k N]
    sqzdesk ask --stdin                     JSONL {"id","question","context"} -> {"id","answers","error"}
    sqzdesk text PATH [--json]              the text exactly as analysed (every offset refers to it)
    sqzdesk batch DIR... [...]              folders into the result store, resumable (see :mod:`.batch`)
    sqzdesk models                          installed bundles
    sqzdesk redact PATH... --out DIR [--mode labels|pseudonyms|mask] [--types ...] [--decisions FILE]
                                            redacted copies + audit JSON (see :mod:`.redact`)
    sqzdesk entities [PATH...] [--format jsonl|csv]   who appears where, over the result store
    sqzdesk store info | forget PATH... | forget --all   the result store: where, what, forgetting
    sqzdesk teach train|list|export|import|remove   your own classifiers (see :mod:`.teach`)
    sqzdesk terms add|list|remove           your own term lists, found as entities (see :mod:`.terms`)
    sqzdesk selftest [--gui]                every task on a built-in sample (--gui: and the window)

``analyze`` and ``batch`` run the same analysis (:meth:`Analyzer.analyze`, pattern entities merged, all
types by default), so a file gives the same sentiment, sentences and entities through either.

``--stdin``: every input line gets exactly one output line, in input order. A line that cannot be
answered (a blank line, bad JSON, not a JSON object, a missing or non-string field, a text without words,
a text over ``--max-chars``) gets ``{"id": <its id, or null when unknown>, "sentiment": null,
"entities": [], "error": "<one-line reason>"}`` (``ask``: ``"answers": []``); an answered line has
``"error": null``. An entirely blank line is an input line like any other: it gets an error line, so
output line N always answers input line N.

Errors: one line on stderr per failing input; the others go on; exit 1 only if something failed
(2 for usage errors and missing models). ``analyze``, ``ask`` and ``text`` take ``--password-file FILE``
for encrypted PDFs; without it such a file fails with "password required". Subcommands live in their
own modules (``analyze``, ``ask``, ``batch``, ``models``, ``selftest``, ``text``, shared helpers in
``common``); each imports only the standard library at module level, because this package is imported
for every start, the GUI's included.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqzdesk import __version__

COMMANDS = ("analyze", "ask", "models", "selftest", "batch", "teach", "terms", "redact", "entities", "store",
            "text")
GLOBAL_OPTIONS = ("--threads", "--models", "--max-chars")


def _parser() -> argparse.ArgumentParser:
    from sqzdesk.cli import analyze, ask, batch, entities, models, redact, selftest, store, teach, terms, text

    p = argparse.ArgumentParser(prog="sqzdesk", description="Offline sentiment, entities and QA.")
    p.add_argument("--version", action="version", version=f"sqzdesk {__version__}")
    p.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0 = all cores)")
    p.add_argument("--models", type=Path, action="append", default=None, metavar="DIR",
                   help="look for bundles in DIR first (repeatable)")
    p.add_argument("--max-chars", type=int, default=None, metavar="N",
                   help="longest text analysed, in characters (default 2,000,000); longer inputs fail clearly")
    sub = p.add_subparsers(dest="command")
    for module in (analyze, ask, models, selftest, batch, teach, terms, redact, entities, store, text):
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = _first_word(argv)
    if first is None or (first not in COMMANDS and first not in ("-h", "--help", "--version")):
        from sqzdesk.gui.app import run_gui

        return run_gui(argv[argv.index(first):] if first is not None else [])
    args = _parser().parse_args(argv)
    if getattr(args, "threads", 0):
        from sqzdesk.documents.ocr import set_threads

        set_threads(args.threads)  # a scanned page is read with no more threads than the models get
    try:
        return args.run(args)
    except BrokenPipeError:  # e.g. `sqzdesk analyze ... | head`
        return 0


def _first_word(argv: list[str]) -> str | None:
    """The command or first file, skipping the global options and their values."""
    i = 0
    while i < len(argv):
        if argv[i] in GLOBAL_OPTIONS:
            i += 2
        elif argv[i].startswith(tuple(f"{o}=" for o in GLOBAL_OPTIONS)):
            i += 1
        else:
            return argv[i]
    return None
