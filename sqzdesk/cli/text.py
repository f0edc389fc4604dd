"""``sqzdesk text``: the text of one document exactly as it is analysed.

    sqzdesk text PATH [--json] [--password-file FILE] [--html main|full]

Every offset the other commands give (sentences, entities, answers, the result store) counts characters
of this text, so this is how a script turns ``start``/``end`` back into words, and how an analyst sees
what the readers made of a PDF (lines joined into paragraphs, hyphenation removed). Plain output is the
text and nothing else (no line end added). ``--json`` prints one object::

    {"path", "text", "pages": [{"number", "start", "end", "ocr"}], "text_quality": "ok"|"low",
     "warnings": [...], "parts": [{"kind", "start", "end", "label"}]}

``pages`` is empty for formats without pages; ``ocr`` says whether a page's text came from OCR (a PDF
page without a text layer, read when the ``ocr`` extra is installed: check its names and numbers);
``warnings`` holds one-line notes such as why the text quality is low, or which pages were left unread
because OCR is not installed (and how to install it). ``parts`` lists the stories a Word file's text is made of (``kind``: body, textbox, header, footer, footnote,
endnote or comment; ``label`` such as "Footnote 2" or "Comment (Jane Doe)"), blank lines between them;
it is empty for the other formats, whose text is all body. A file that cannot be
read gets the usual ``sqzdesk: PATH: reason`` line and exit status 1. Standard library only at module
level (see :mod:`sqzdesk.cli`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqzdesk.cli.common import Failures, add_html_option, add_password_option, read_password, usage

if TYPE_CHECKING:
    from sqzdesk.documents import Document


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("text", help="the extracted text, as analysed (offsets refer to it)",
                              description="Print the text of one document exactly as sqzdesk analyses it.")
    p.add_argument("path", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON object with pages, text quality and warnings")
    add_password_option(p)
    add_html_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from sqzdesk.documents import DocumentError, read_document
    from sqzdesk.documents.html import HtmlMode

    try:
        password = read_password(args)
    except ValueError as exc:
        return usage("text", str(exc))
    try:
        document = read_document(args.path, password=password, html_mode=HtmlMode(args.html))
    except DocumentError as exc:
        Failures()(str(args.path), exc)
        return 1
    out = sys.stdout
    if args.json:
        out.write(json.dumps(text_record(document), ensure_ascii=False) + "\n")
    else:
        out.write(document.text)
    out.flush()
    return 0


def text_record(document: Document) -> dict[str, Any]:
    """The ``--json`` object for one document."""
    warnings = [f"low text quality: {document.quality_reason}"] if document.quality_reason else []
    warnings.extend(document.warnings)
    return {
        "path": str(document.path),
        "text": document.text,
        "pages": [{"number": p.number, "start": p.start, "end": p.end, "ocr": p.ocr} for p in document.pages],
        "text_quality": str(document.quality),
        "warnings": warnings,
        "parts": [{"kind": str(p.kind), "start": p.start, "end": p.end, "label": p.label} for p in document.parts],
    }
