"""Turn a PDF text layer's printed lines back into paragraphs.

A PDF stores where each line was printed, not where its sentences run: a name, a sentence, a URL or a
hyphenated word can be cut at any line end. The models see the text the way it is joined here, so a cut
"https://github.c" / "om/mozilla/pdf.j" / "s)" must become one address and "inter-" / "national" one
word, while real paragraph breaks must stay (they end sentences for the splitter).

The rules, for two consecutive printed lines A then B in the same column:

* **Paragraph break** (``"\\n"``) when, with character boxes, B starts clearly lower than the usual line
  spacing (a vertical gap; a blank line in the source), B is indented against A, or A is *short*: B's
  first word would have fitted in the room A left before the column's right edge (so the typesetter
  broke A on purpose), B does not start with a lower-case letter and A does not end in ``letter-``.
  Without boxes: A ends a sentence (``. ! ? :``), is clearly shorter than the longest line and B starts
  with a capital or digit. Pages are reflowed one by one: a page break always stays.
* Otherwise the line break becomes **one space**, except:
* **Address** (no space): A's last word is a URL (``scheme://``, ``www.``) or an e-mail address and B
  starts with an address character (letter, digit, ``/ . - _ ~ % ? = & # + @ :``), A's address does
  not end with a closing ``, ; ) ] > "`` that would have ended it. An address that really ended at the
  line end, followed by a lower-case word, is joined too (``https://example.org`` / ``for`` reads
  ``https://example.orgfor``): the rarer mistake, since a typesetter breaks a line after an address only
  when the next word does not fit, and telling the cases apart by the room left on the line fails for
  cut addresses in narrow columns and cells, which is what this rule is for.
* **Hyphenation**: A ends with ``letter-`` and B starts with a letter. The hyphen is kept (the word was
  a hyphenated compound) when the hyphenated form ``first-second`` appears elsewhere in the document, when
  the first part already holds a hyphen (``state-of-the-`` / ``art``), when the second part starts with a
  capital or digit (``Franco-`` / ``German``), or when the first part is a prefix that is written with a
  hyphen (``co- non- self- e- x- cross- well- quasi-``); otherwise it is dropped (``inter-`` /
  ``national`` reads ``international``). Apart from a hyphenated form seen elsewhere and a first part
  that already holds a hyphen, a word seen joined elsewhere in the document drops the hyphen
  (``co-`` / ``operation`` reads ``cooperation`` when the document writes it so).

Two clear columns (a vertical gutter in the middle half of the text area that no line crosses, with
lines on both sides, each side's lines at least a quarter of the text width) are read left column first;
a page whose lines cross the middle is kept in PDFium's order. A printed line with a wide gap that is not a
gutter (a table row: cells more than three character heights apart) stays one line of its own, its cells
a space apart, never joined to the lines around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

PARAGRAPH_BREAK = "\n"

_HYPHEN_PREFIXES = frozenset({"co", "non", "self", "e", "x", "cross", "well", "quasi"})
_ADDRESS = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)\S*$|[^\s@]+@\S*$")
_ADDRESS_START = re.compile(r"[A-Za-z0-9/._~%?=&#+@:-]")
_WORD_HYPHEN = re.compile(r"(?<![\w-])([^\W\d_]+(?:-[^\W\d_]+)+)(?![\w-])")
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = (".", "!", "?", ":", '."', '?"', '!"', ".)")


@dataclass(frozen=True)
class Box:
    """Where a printed line stands, in PDF points (y grows upwards).

    ``first_word_width`` is how much room the line's first word needs, so the line before can ask
    whether it would have fitted.
    """

    left: float
    right: float
    baseline: float
    size: float
    first_word_width: float


@dataclass(frozen=True)
class Line:
    """One printed line (or one column's part of it) as PDFium reports it; ``box`` is None when PDFium
    gave no usable character boxes. ``after_gap``: this piece stands on the same printed line as the one
    before, after a wide gap (a gutter, or a gap between table cells); ``row``: pieces put back together
    on their line because the gaps were not a gutter (a table row, kept as its own line)."""

    text: str
    box: Box | None = None
    after_gap: bool = False
    row: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """Words seen in the whole document, for the hyphenation rule: hyphenated forms and plain words."""

    hyphenated: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> Vocabulary:
        hyphenated: set[str] = set()
        words: set[str] = set()
        for text in texts:
            hyphenated.update(m.group(1).lower() for m in _WORD_HYPHEN.finditer(text))
            words.update(w.lower() for w in _WORD.findall(text))
        return cls(frozenset(hyphenated), frozenset(words))


def reflow_page(lines: Sequence[Line], vocabulary: Vocabulary) -> str:
    """One page's text: lines joined into paragraphs, paragraphs separated by a line break."""
    lines = [line for line in lines if line.text.strip()]
    if not lines:
        return ""
    columns = _columns(lines)
    if len(columns) == 1:
        columns = [_rejoin(lines)]  # not two columns: a wide gap was between table cells, keep the row
    parts: list[str] = []
    for column in columns:
        metrics = _Metrics.of(column)
        for index, line in enumerate(column):
            text = line.text.strip()
            if index == 0:
                if parts:
                    parts.append(PARAGRAPH_BREAK)
                parts.append(text)
                continue
            previous = column[index - 1]
            if previous.row or line.row or _paragraph_break(previous, line, metrics):
                parts.append(PARAGRAPH_BREAK)
                parts.append(text)
            else:
                parts[-1] = _join(parts[-1], text, vocabulary)
    return "".join(parts)


@dataclass(frozen=True)
class _Metrics:
    """What "usual" means in one column: its right edge, line spacing and longest line."""

    right: float | None
    spacing: float | None
    longest: int

    @classmethod
    def of(cls, lines: Sequence[Line]) -> _Metrics:
        right = max((line.box.right for line in lines if line.box), default=None)
        steps = [
            a.box.baseline - b.box.baseline
            for a, b in zip(lines, lines[1:], strict=False)
            if a.box and b.box and a.box.baseline > b.box.baseline
        ]
        return cls(right, median(steps) if steps else None, max(len(line.text.strip()) for line in lines))


def _paragraph_break(a: Line, b: Line, metrics: _Metrics) -> bool:
    first = b.text.strip()[:1]
    if a.box and b.box and metrics.right is not None:
        size = max(a.box.size, b.box.size)
        step = a.box.baseline - b.box.baseline
        usual = metrics.spacing if metrics.spacing is not None else 1.2 * size
        if step <= 0 or step > 1.5 * max(usual, size):
            return True  # moved up (a new block) or a vertical gap (a blank line)
        if b.box.left - a.box.left > 0.8 * size:
            return True  # indented first line
        if _ends_in_hyphen(a.text.rstrip()):
            return False  # a word cut at the line end goes on in the next line
        return bool(_would_fit(a, b, metrics)) and not first.islower()
    text = a.text.rstrip()
    return (text.endswith(_SENTENCE_END) and len(text) < 0.8 * metrics.longest
            and (first.isupper() or first.isdigit()))


def _would_fit(a: Line, b: Line, metrics: _Metrics) -> bool | None:
    """Whether B's first word would have fitted in the room A left before the column's right edge (so
    the typesetter broke A on purpose); None without boxes."""
    if not (a.box and b.box) or metrics.right is None:
        return None
    room = metrics.right - a.box.right
    return b.box.first_word_width + 0.5 * max(a.box.size, b.box.size) < room


def _join(before: str, after: str, vocabulary: Vocabulary) -> str:
    """``before`` and the next line of the same paragraph as one text (see the module rules)."""
    last_word = before.rsplit(None, 1)[-1]
    address = _ADDRESS.search(last_word)
    if address and not last_word.endswith((",", ";", ")", "]", ">", '"')) and _ADDRESS_START.match(after):
        return before + after
    if _ends_in_hyphen(before) and after[:1].isalpha():
        first = last_word[:-1]
        second = after.split(None, 1)[0]
        if _keep_hyphen(first, second, vocabulary):
            return before + after
        return before[:-1] + after
    return before + " " + after


def _ends_in_hyphen(text: str) -> bool:
    return text.endswith("-") and len(text) > 1 and text[-2].isalpha()


def _keep_hyphen(first: str, second: str, vocabulary: Vocabulary) -> bool:
    first_letters = first.lower().strip("([{\"'")
    second_match = _WORD.match(second)
    second_letters = second_match.group(0).lower() if second_match else ""
    if f"{first_letters}-{second_letters}" in vocabulary.hyphenated:
        return True
    if "-" in first_letters:
        return True
    if first_letters + second_letters in vocabulary.words:
        return False
    if second[:1].isupper() or second[:1].isdigit():
        return True
    return first_letters in _HYPHEN_PREFIXES


def _columns(lines: list[Line]) -> list[list[Line]]:
    """The page's lines as one column, or as left then right column when there is a clear gutter."""
    boxes = [line.box for line in lines if line.box]
    if len(lines) < 4 or len(boxes) < len(lines):
        return [lines]
    page_left = min(box.left for box in boxes)
    width = max(box.right for box in boxes) - page_left
    if width <= 0:
        return [lines]
    # The covered x ranges merged from the left; a gap in the middle half of the text area is a gutter.
    spans = sorted((box.left, box.right) for box in boxes)
    gutter = None
    reach = spans[0][1]
    for start, end in spans[1:]:
        if start > reach and page_left + 0.25 * width < (reach + start) / 2 < page_left + 0.75 * width:
            gutter = (reach + start) / 2
            break
        reach = max(reach, end)
    if gutter is None:
        return [lines]
    left = [line for line in lines if line.box and line.box.right < gutter]
    right = [line for line in lines if line.box and line.box.left > gutter]
    if len(left) < 2 or len(right) < 2 or min(_median_width(left), _median_width(right)) < 0.25 * width:
        return [lines]  # narrow pieces on one side: a table's cells, not columns of prose
    return [sorted(left, key=_top_first), sorted(right, key=_top_first)]


def _median_width(lines: list[Line]) -> float:
    return median(line.box.right - line.box.left for line in lines if line.box)


def _rejoin(lines: list[Line]) -> list[Line]:
    """Pieces split at a wide gap put back on their printed line, one space apart (as PDFium gave them)."""
    out: list[Line] = []
    for line in lines:
        if line.after_gap and out:
            before = out[-1]
            box = before.box
            if box and line.box:
                box = Box(box.left, max(box.right, line.box.right), box.baseline, max(box.size, line.box.size),
                          box.first_word_width)
            out[-1] = Line(f"{before.text.rstrip()} {line.text.lstrip()}", box, row=True)
        else:
            out.append(line)
    return out


def _top_first(line: Line) -> float:
    """Sort key: higher on the page first (the sort is stable for lines on one baseline)."""
    return -line.box.baseline if line.box else 0.0
