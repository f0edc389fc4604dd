"""HTML reader: visible text only, with block elements turned into line breaks.

Parsing uses the standard library's ``html.parser``, but not on raw input: before CPython 3.13.4 that
parser is quadratic on unterminated tags (``<a b="x" c`` repeated a few thousand times takes seconds,
a few megabytes of it would hang the app) and raises ``AssertionError`` on ``<![`` declarations.
:func:`_defuse` first rewrites the markup in one linear pass so that every ``<`` the parser sees
opens a tag that closes before the next ``<``; everything else becomes ``&lt;`` text or is dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from .decoding import decode_text, normalise_newlines
from .model import Document, DocumentError

_SKIPPED = frozenset({"script", "style", "head", "template", "title"})
# What may appear inside <head>; any other start tag means the author forgot </head> (browsers then
# close the head implicitly, and so do we, instead of skipping the whole page).
_HEAD_CONTENT = frozenset({"base", "link", "meta", "noscript", "script", "style", "template", "title"})
_LINE_BLOCKS = frozenset(
    {
        "address", "article", "aside", "caption", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "li", "main",
        "nav", "option", "section", "summary", "tbody", "tfoot", "thead", "tr",
    }
)  # fmt: skip
_PARAGRAPH_BLOCKS = frozenset(
    {"blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul"}
)
_CELLS = frozenset({"td", "th"})

_META_CHARSET = re.compile(
    rb"<meta[^<>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE
)
_META_WINDOW = 4096  # browsers look in the first 1024 bytes; be a little more lenient
# Possessive quantifiers (Python 3.11+) make a failed match cost no more than the scan up to the next
# "<": quoted attribute values may contain ">" but not "<", so a broken tag fails fast.
_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9:_.-]*+)(?:[^<>"']++|"[^"<]*+"|'[^'<]*+')*+>""")
_TAG_NAME = re.compile(r"/?[A-Za-z][A-Za-z0-9:_.-]*")
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r" {2,}")
_SPACES_AROUND_TAB = re.compile(r" *\t *")


def read_html(data: bytes, path: Path) -> Document:
    """Decode via BOM, ``<meta charset>`` or detection, then extract the visible text."""
    match = _META_CHARSET.search(data, 0, _META_WINDOW)
    declared = match.group(1).decode("ascii") if match else None
    return Document(path=path, text=html_to_text(decode_text(data, declared)), format="html")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML string: one line per block, cells separated by tabs, at most one blank
    line in a row, whitespace inside lines collapsed."""
    extractor = _TextExtractor()
    try:
        extractor.feed(_defuse(markup))
        extractor.close()
    except AssertionError as exc:  # html.parser's way of rejecting markup; _defuse should prevent it
        raise DocumentError("damaged HTML: the markup could not be parsed") from exc
    return _tidy(extractor.text())


def _defuse(markup: str) -> str:
    """Linear pre-pass that leaves only markup ``html.parser`` handles in linear time.

    A tag is re-emitted as just ``<name>``, ``</name>`` or ``<name/>``: attributes carry no visible
    text, and their quoting is what makes the parser scan ahead. Comments, declarations and processing
    instructions are dropped; any other ``<`` is text and becomes ``&lt;``. Searches for ``>`` and
    ``-->`` are cached so no stretch of the input is scanned twice.
    """
    out: list[str] = []
    pos = 0
    length = len(markup)
    next_gt = next_comment_end = -1  # cached find results; ``length`` once there is none left
    while pos < length:
        lt = markup.find("<", pos)
        if lt < 0:
            out.append(markup[pos:])
            break
        out.append(markup[pos:lt])
        tag = _TAG.match(markup, lt)
        if tag is not None:
            closing, name = tag.group(1, 2)
            self_closing = not closing and tag.group(0).endswith("/>")
            out.append(f"<{closing}{name}{'/' if self_closing else ''}>")
            pos = tag.end()
            continue
        if markup.startswith("<!--", lt):
            if next_comment_end < lt + 4 and next_comment_end != length:
                found = markup.find("-->", lt + 4)
                next_comment_end = length if found < 0 else found
            if next_comment_end < length:
                pos = next_comment_end + 3  # comments carry no visible text
                continue
        if next_gt <= lt and next_gt != length:
            found = markup.find(">", lt + 1)
            next_gt = length if found < 0 else found
        next_lt = markup.find("<", lt + 1)
        if next_gt < length and (next_lt < 0 or next_gt < next_lt):
            name_match = _TAG_NAME.match(markup, lt + 1)
            if markup[lt + 1] in "!?":
                pos = next_gt + 1  # doctype, CDATA, processing instruction: no visible text
                continue
            if name_match is not None:  # a tag with unbalanced quotes: keep the tag, drop attributes
                out.append(f"<{name_match.group(0)}>")
                pos = next_gt + 1
                continue
        out.append("&lt;")
        pos = lt + 1
    return "".join(out)


class _TextExtractor(HTMLParser):
    """Collects visible text; block boundaries become pending line breaks so that runs of closing and
    opening blocks produce one break, not a pile of empty lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._pending_breaks = 0
        self._skipping: Counter[str] = Counter()
        self._pre_depth = 0
        self._row_has_cell = False

    def text(self) -> str:
        return "".join(self._out)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping["head"] and tag not in _HEAD_CONTENT:
            self._skipping["head"] = 0
        if tag in _SKIPPED:
            self._skipping[tag] += 1
        elif tag == "br":
            self._pending_breaks = min(self._pending_breaks + 1, 2)
        elif tag == "pre":
            self._pre_depth += 1
        if tag == "tr":
            self._row_has_cell = False
        elif tag in _CELLS:
            if self._row_has_cell:  # the tab separates cells; a block that ended the last cell must not
                self._pending_breaks = 0
                self._out.append("\t")
            self._row_has_cell = True
        self._block_boundary(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self._skipping[tag]:
            self._skipping[tag] -= 1
        elif tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
        self._block_boundary(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            return  # <script/> opens and closes nothing
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr"):
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if any(self._skipping.values()):
            return
        data = normalise_newlines(data) if self._pre_depth else _WHITESPACE.sub(" ", data)
        if not data or (self._pending_breaks and data.isspace()):
            return
        if self._pending_breaks and self._out:
            self._out.append("\n" * self._pending_breaks)
        self._pending_breaks = 0
        self._out.append(data)

    def _block_boundary(self, tag: str) -> None:
        if tag in _PARAGRAPH_BLOCKS:
            self._pending_breaks = 2
        elif tag in _LINE_BLOCKS:
            self._pending_breaks = max(self._pending_breaks, 1)


def _tidy(text: str) -> str:
    """Collapse spaces within lines, trim line ends, and allow at most one blank line in a row."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = _SPACES_AROUND_TAB.sub("\t", _SPACES.sub(" ", raw)).strip(" ")
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
