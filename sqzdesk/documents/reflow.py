"""Turn a PDF text layer's printed lines back into paragraphs.

A PDF stores where each line was printed, not where its sentences run: a name, a sentence, a URL or a
hyphenated word can be cut at any line end. The models see the text the way it is joined here, so a cut
"https://github.c" / "om/mozilla/pdf.j" / "s)" must become one address and "inter-" / "national" one
word, while real paragraph breaks must stay (they end sentences for the splitter).

The rules, for two consecutive printed lines A then B in the same column:

* **Paragraph break** (``"\\n"``) when, with character boxes, B starts clearly lower than the usual line
  spacing (a vertical gap; a blank line in the source), B is indented against A, or A is *short*: B's
  first word would have fitted in the room A left before its right edge (the nearest right edge that at
  least three lines share, else the column's; so the typesetter
  broke A on purpose), B does not start with a lower-case letter and A does not end in ``letter-``.
  A paragraph that stops mid-sentence at the foot of a column (B stands higher, to the right of A, and
  starts with a lower-case letter, or A ends in ``letter-``) goes on at the top of the next one.
  A centred line broken inside its phrase goes on, though (both centred on one axis in one size, A
  short of the right edge and ending in a comma or a lower-case function word: "...the Cemetery at" /
  "Gettysburg"); other centred lines keep their breaks. Without boxes: A ends a sentence (``. ! ? :``), is clearly shorter than the longest line and B starts
  with a capital or digit. Pages are reflowed one by one: a page break always stays.
* Otherwise the line break becomes **one space**, except:
* **Address** (no space): A's last word is a URL (``scheme://``, ``www.``) or an e-mail address and B
  starts with an address character (letter, digit, ``/ . - _ ~ % ? = & # + @ :``), A's address does
  not end with a closing ``, ; ) ] > "`` that would have ended it, and B's first token is not a common
  function word: such a word (``for``, ``and``, ``to``, ``the``..., letters then at most one
  ``. , ; : ! ?``) after an address that does not visibly stop mid-way (its last character is none of
  ``. - _ : @ = & ? # % ~ +``) is the sentence going on: ``https://example.org/a`` / ``for details``
  reads ``https://example.org/a for details``, while ``https://example.org/re`` / ``port``,
  ``https://github.c`` / ``om/mozilla/pdf.j`` / ``s)`` and ``https://www.loc.`` / ``gov`` are joined.
  The room left on the line cannot tell these apart (justified lines are always full). The cost: an
  address cut just before a path piece that is itself a function word (``/ab`` / ``out``) keeps a space,
  and one followed by an ordinary content word (``/report`` / ``today``) is joined. A hyphen ending a line inside an address
  is the address's own unless the document writes the joined word and never the hyphenated one
  (word processors hyphenate ``www.ar-`` / ``chives.gov``). An e-mail address cut after a dot of its
  local part (``reading.`` or ``reading.-`` / ``room@example.org``) is joined without the hyphen.
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
# An ordinary word starting a line (letters, then at most sentence punctuation) that is one of English's
# common function words: after an address that ends the line above it is the next word of the sentence,
# not more of the address ("https://example.org/a" / "for details"); any other word goes on the address
# ("https://example.org/re" / "port"), as the rule asks: where a break falls inside an address, the
# address goes on at the start of the next line ...
_PLAIN_WORD = re.compile(r"([^\W\d_]+)[.,;:!?]?$")
_FUNCTION_WORDS = frozenset("""a about above after again against all also an and any are as at be because been before
being below between both but by can could did do does during each either for from further had has have he her
here his how i if in into is it its may might more most my no nor not now of off on once only or other our out
over own same she should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you your""".split())  # noqa: SIM905
# ... unless the address visibly stops in the middle: these cannot end one.
_ADDRESS_CUT = (".", "-", "_", ":", "@", "=", "&", "?", "#", "%", "~", "+")
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
    """What "usual" means in one column: its right edge, line spacing and longest line, and the right
    edges that several lines share (justified text ends there: the full width, or a column's edge when a
    two-column section sits under full-width text that no gutter search could split off)."""

    right: float | None
    spacing: float | None
    longest: int
    edges: tuple[float, ...] = ()
    left: float | None = None

    @classmethod
    def of(cls, lines: Sequence[Line]) -> _Metrics:
        right = max((line.box.right for line in lines if line.box), default=None)
        steps = [
            a.box.baseline - b.box.baseline
            for a, b in zip(lines, lines[1:], strict=False)
            if a.box and b.box and a.box.baseline > b.box.baseline
        ]
        return cls(right, median(steps) if steps else None, max(len(line.text.strip()) for line in lines),
                   _shared_edges(lines), min((line.box.left for line in lines if line.box), default=None))

    def right_of(self, box: Box) -> float | None:
        """The right edge ``box``'s line was set against: the nearest shared edge at or past its end."""
        past = [edge for edge in self.edges if edge >= box.right - 0.5 * box.size]
        return min(past) if past else self.right


def _shared_edges(lines: Sequence[Line]) -> tuple[float, ...]:
    """Right edges where at least three lines end (within a third of a character height)."""
    boxes = sorted((line.box for line in lines if line.box), key=lambda box: box.right)
    edges: list[float] = []
    group: list[Box] = []
    for box in boxes:
        if group and box.right - group[-1].right > box.size / 3:
            if len(group) >= 3:
                edges.append(max(b.right for b in group))
            group = []
        group.append(box)
    if len(group) >= 3:
        edges.append(max(b.right for b in group))
    return tuple(edges)


def _paragraph_break(a: Line, b: Line, metrics: _Metrics) -> bool:
    first = b.text.strip()[:1]
    if a.box and b.box and metrics.right is not None:
        size = max(a.box.size, b.box.size)
        step = a.box.baseline - b.box.baseline
        usual = metrics.spacing if metrics.spacing is not None else 1.2 * size
        if step <= 0 and b.box.left > a.box.right:
            # the top of the next column: the paragraph goes on there when A stopped mid-sentence
            return not (first.islower() or _ends_in_hyphen(a.text.rstrip()))
        if step <= 0 or step > 1.5 * max(usual, size):
            return True  # moved up (a new block) or a vertical gap (a blank line)
        if _title_goes_on(a, b, metrics):
            return False
        if b.box.left - a.box.left > 0.8 * size:
            return True  # indented first line
        if _ends_in_hyphen(a.text.rstrip()):
            return False  # a word cut at the line end goes on in the next line
        return bool(_would_fit(a, b, metrics)) and not first.islower()
    text = a.text.rstrip()
    return (text.endswith(_SENTENCE_END) and len(text) < 0.8 * metrics.longest
            and (first.isupper() or first.isdigit()))


def _title_goes_on(a: Line, b: Line, metrics: _Metrics) -> bool:
    """A centred line broken inside its phrase ("...the Cemetery at" / "Gettysburg", "...Article I," /
    "Sections 1 to 3"): both lines in one size and centred on one axis, A narrower than the column (not a
    justified line), B set in from the column's left edge (not a left-aligned block: an address's
    "Acme Corporation," / "12 Main Street," keeps its lines), and A ending where no title or heading ends:
    a comma or a lower-case function word. Centred lines that end otherwise (a heading over its subtitle,
    a stanza) keep their breaks; each centred line looks indented against the one before, so without this
    rule all would."""
    if not (a.box and b.box) or metrics.right is None or metrics.left is None \
            or abs(a.box.size - b.box.size) > 0.1 * a.box.size:
        return False
    size = a.box.size
    full_width = (a.box.left - metrics.left) + (metrics.right - a.box.right) < size / 2
    centred = abs((a.box.left + a.box.right) - (b.box.left + b.box.right)) <= 2 * size
    if full_width or not centred or b.box.left < metrics.left + size:
        return False
    text = a.text.rstrip()
    last = text.split()[-1] if text else ""
    return text.endswith(",") or (last.islower() and last in _FUNCTION_WORDS)


def _would_fit(a: Line, b: Line, metrics: _Metrics) -> bool | None:
    """Whether B's first word would have fitted in the room A left before the column's right edge (so
    the typesetter broke A on purpose); None without boxes."""
    if not (a.box and b.box) or metrics.right is None:
        return None
    right = metrics.right_of(a.box)
    if right is None:
        return None
    room = right - a.box.right
    return b.box.first_word_width + 0.5 * max(a.box.size, b.box.size) < room


def _join(before: str, after: str, vocabulary: Vocabulary) -> str:
    """``before`` and the next line of the same paragraph as one text (see the module rules)."""
    last_word = before.rsplit(None, 1)[-1]
    next_word = after.split(None, 1)[0]
    address = _ADDRESS.search(last_word)
    if address and not last_word.endswith((",", ";", ")", "]", ">", '"')) and _ADDRESS_START.match(after):
        plain = _PLAIN_WORD.match(next_word)
        if plain and plain.group(1).lower() in _FUNCTION_WORDS and not last_word.endswith(_ADDRESS_CUT):
            return before + " " + after  # the address ended at the line end; the sentence goes on
        if _ends_in_hyphen(before) and after[:1].isalpha():
            first = re.split(r"[^\w]", last_word[:-1])[-1]
            if _address_hyphen_dropped(first, next_word, vocabulary):
                return before[:-1] + after
        return before + after
    if "@" in next_word and re.search(r"\w[._]-?$", last_word):
        # an e-mail address whose local part was cut after a dot (a word processor may add a hyphen there)
        return (before[:-1] if before.endswith("-") else before) + after
    if _ends_in_hyphen(before) and after[:1].isalpha():
        first = last_word[:-1]
        if _keep_hyphen(first, next_word, vocabulary):
            return before + after
        return before[:-1] + after
    return before + " " + after


def _address_hyphen_dropped(first: str, second: str, vocabulary: Vocabulary) -> bool:
    """A hyphen that ends a line inside an address is the address's own (``gettysburg-`` / ``address/``)
    unless the document writes the joined word elsewhere and never the hyphenated one (``www.ar-`` /
    ``chives.gov`` when "archives" is in the text): word processors hyphenate addresses too."""
    match = _WORD.match(second)
    second_letters = match.group(0).lower() if match else ""
    first_letters = first.lower()
    return (f"{first_letters}-{second_letters}" not in vocabulary.hyphenated
            and first_letters + second_letters in vocabulary.words)


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
