"""HTML reader: the article (main content) by default, or the whole page's visible text.

A saved news page is mostly furniture: menus, "subscribe" boxes, share buttons, link lists, comments.
Analysed whole, that furniture gets sentiment tints and entities and can answer questions, so
:attr:`HtmlMode.MAIN` keeps only the main content, found by resiliparse's extractor (a C library, about
5 ms a page, importing nothing that can open a connection; see bench/RESULTS_html.md for how it compares
with trafilatura, readability-lxml, jusText and others on tests/data/html_ref). Where it finds almost
nothing (a short page, a page that is not an article, markup it cannot make sense of) the reader falls
back to the whole page and says so in ``Document.warnings``. :attr:`HtmlMode.FULL` is the whole page,
as before: one click away in the GUI, ``--html full`` in the CLI.

Whole-page parsing uses the standard library's ``html.parser``, but not on raw input: before CPython 3.13.4 that
parser is quadratic on unterminated tags (``<a b="x" c`` repeated a few thousand times takes seconds,
a few megabytes of it would hang the app) and raises ``AssertionError`` on ``<![`` declarations.
:func:`_defuse` first rewrites the markup in one linear pass so that every ``<`` the parser sees
opens a tag that closes before the next ``<``; everything else becomes ``&lt;`` text or is dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path

from .decoding import decode_text, normalise_newlines
from .furniture import strip_furniture, word_count
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


class HtmlMode(StrEnum):
    """What of an HTML page is read: its main content (the default) or all of its visible text."""

    MAIN = "main"
    FULL = "full"


# The main content must hold at least this many words and this share of the page's words; less means the
# extractor picked a fragment (a sidebar, a form) rather than the article, and the whole page is read.
MAIN_MIN_WORDS = 30
MAIN_MIN_SHARE = 0.10
FALLBACK_WARNING = "no main content found in this page: the whole page is shown"
LINE_COST = 10  # words a line must have to add to an article found by densest_lines
HTML_SUFFIXES = frozenset({".html", ".htm"})


def is_html(path: Path) -> bool:
    """Whether ``path`` is read as an HTML page (which has two readings: :class:`HtmlMode`)."""
    return path.suffix.lower() in HTML_SUFFIXES


def read_html(data: bytes, path: Path, *, mode: HtmlMode = HtmlMode.MAIN) -> Document:
    """Decode via BOM, ``<meta charset>`` or detection, then extract the main content or the whole page."""
    match = _META_CHARSET.search(data, 0, _META_WINDOW)
    declared = match.group(1).decode("ascii") if match else None
    markup = decode_text(data, declared)
    full = html_to_text(markup)
    if mode is HtmlMode.FULL:
        return Document(path=path, text=full, format="html")
    main, full_words = main_content(markup), word_count(full)
    if main is None or not _enough(main, full_words):
        main = densest_lines(full)  # the extractor's second opinion, on the page's own lines
    if not _enough(main, full_words):
        return Document(path=path, text=full, format="html", warnings=(FALLBACK_WARNING,))
    return Document(path=path, text=main, format="html")


def densest_lines(full: str, cost: int = LINE_COST) -> str:
    """The run of the whole page's lines richest in prose: each line is worth its word count minus
    ``cost`` (a menu item or a byline is worth less than nothing, a paragraph much more; blank lines
    nothing), and the run of lines with the largest sum is the article (the maximum-subarray form of
    Finn et al.'s body text extraction). Used where resiliparse finds almost nothing: on engadget in
    tests/data/html_ref, whose article sits in a block it takes for furniture, word-bag F1 0.41 (the whole
    page) -> 0.88. Costs 8 / 10 / 15 over all 24 reference pages, used alone: mean F1 0.90 / 0.93 / 0.88."""
    lines = full.split("\n")
    best, span, run, start = 0, (0, 0), 0, 0
    for i, line in enumerate(lines):
        value = word_count(line) - cost if line.strip() else 0
        if run <= 0:
            run, start = value, i
        else:
            run += value
        if run > best:
            best, span = run, (start, i + 1)
    return "\n".join(lines[span[0]:span[1]]).strip()


def main_content(markup: str) -> str | None:
    """The page's article as text with paragraph breaks: its headline (the ``<h1>`` the ``<title>``
    repeats, when the extractor left it out) and then resiliparse's main content (headings, paragraphs, list items, table rows), tidied like
    :func:`html_to_text`, from the headline on (:func:`starting_at`) and without the teasers and footer it
    keeps after the article (:func:`~sqzdesk.documents.furniture.strip_furniture`). None when the extractor
    fails on the markup.

    resiliparse parses the raw markup (it needs the class and id attributes ``_defuse`` drops to tell
    navigation from article); lexbor, its parser, is linear in the input, which the size limits bound.
    """
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        tree = HTMLTree.parse(markup)
        text = strip_furniture(_tidy(extract_plain_text(tree, preserve_formatting=True, main_content=True,
                                                  alt_texts=False, comments=False, noscript=False)))
        body, title = tree.body, " ".join((tree.title or "").split())
        headings = body.query_selector_all("h1") if body is not None else []
        # the headline is the <h1> that the <title> repeats; a site's logo is an <h1> on many pages too
        heading = next((h for h in (" ".join((node.text or "").split()) for node in headings) if h and h in title), "")
    except Exception:  # noqa: BLE001 -- any failure of the extractor means "read the whole page" instead
        return None
    if heading and heading not in " ".join(text.split()):
        text = f"{heading}\n\n{text}" if text else heading
    return starting_at(text, heading)


HEAD_MAX_WORDS = 60  # what may stand before the headline and still be dropped as page furniture
HEAD_MAX_SHARE = 0.15


def starting_at(text: str, heading: str) -> str:
    """``text`` from its headline on: the section label, date line, "Skip to content" or ad slot that the
    extractor keeps above the headline is page furniture. Only when the headline is a line of its own near
    the top (at most :data:`HEAD_MAX_WORDS` words and :data:`HEAD_MAX_SHARE` of the text before it)."""
    if not heading:
        return text
    lines = text.split("\n")
    total, before = word_count(text), 0
    for i, line in enumerate(lines):
        if " ".join(line.split()) == heading:
            return "\n".join(lines[i:]) if i else text
        before += word_count(line)
        if before > min(HEAD_MAX_WORDS, HEAD_MAX_SHARE * total):
            break
    return text


def _enough(main: str, full_words: int) -> bool:
    main_words = word_count(main)
    return main_words >= MAIN_MIN_WORDS and main_words >= MAIN_MIN_SHARE * full_words


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
