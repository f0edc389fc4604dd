"""A redacted DOCX: the replaced text goes into the document's own runs, so its formatting stays.

The app's offsets are into the text the DOCX reader extracts (:mod:`sqzdesk.documents.docx`): the body
with its text boxes, then headers and footers, footnotes, endnotes and comments, each story's paragraphs
and table rows one per line, runs concatenated, cells joined by tabs and their whitespace collapsed. The
redactor runs the reader's own walk (:func:`~sqzdesk.documents.docx.assemble`) with a maker that records,
for each character of that text, the ``<w:t>`` element and index it came from, in whichever part it is
(or the comment's ``w:author`` attribute it came from, or nothing: a tab, a line break, a label the reader
put in front of a footnote). Its text must equal the reader's, character for character; where it does
not, :class:`DocxLayoutError` is raised and the caller falls back to a plain-text export rather than
risk a half-redacted DOCX. A header left out of the text because it repeats another one is mapped onto
the same characters, so it is redacted the same way.

A span is replaced in the first ``<w:t>`` it touches (that run's formatting carries the placeholder), and
its characters are removed from every other ``<w:t>`` it covers; runs, paragraphs, styles and tables are
otherwise left as they were. A comment whose author is redacted loses its initials too.

A Word file keeps text the reader never shows, and a redacted copy must not: deleted tracked changes
(``w:del``, ``w:moveFrom``) are removed from every part, and so are the fallback copies of alternate
content (the VML twin of a text box, which repeats the text that was redacted in the preferred copy);
the redacted texts are also replaced wherever else they occur as whole words inside one element's text
or a free-text attribute (author, alt text) the reader did not read, in any part: field codes, drawing
and chart text, the data bound to content controls (``customXml/``), hyperlink targets and the document
properties, whose author, manager and company fields are emptied. The text the reader did read is changed only
where the plan says, so a mention the analyst rejected stays. What no sweep can promise is listed in
the README's privacy section (embedded objects and images).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain

import docx
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table, _Cell
from docx.types import ProvidesStoryPart
from lxml import etree

from sqzdesk.documents.docx import (
    LineMaker,
    assemble,
    checked_package,
    iter_blocks,
    iter_row_cells,
    paragraph_runs,
)

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_RUN_CONTENT = "w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab"
_W_T = qn("w:t")
_AUTHOR = qn("w:author")
_INITIALS = qn("w:initials")
_W_NS = qn("w:p").split("}")[0][1:]
_MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# Text a story keeps but never shows: deleted revisions, and the fallback copy of alternate content.
_UNSHOWN = etree.XPath(".//w:del | .//w:moveFrom | .//mc:AlternateContent[mc:Choice]/mc:Fallback",
                       namespaces={"w": _W_NS, "mc": _MC_NS})


class DocxLayoutError(Exception):
    """The DOCX's text could not be mapped back onto its runs; one-line reason."""


# Where a character lives: (lane, element, attribute or None for the element's text, index). The lane
# tells copies apart: a repeated header's characters are mapped onto the kept one's in lane 1, 2...
_Target = tuple[int, BaseOxmlElement, str | None, int]


@dataclass(frozen=True)
class _Slot:
    """One character of the extracted text and where it lives (nowhere editable: no targets)."""

    char: str
    targets: tuple[_Target, ...] = ()


def redact_docx(data: bytes, text: str, spans: Sequence[tuple[int, int, str]],
                surfaces: Sequence[tuple[str, str]]) -> bytes:
    """The package with each ``(start, end, replacement)`` of ``text`` (the reader's text of ``data``)
    replaced in its runs, and each ``(original, replacement)`` of ``surfaces`` swept from the rest."""
    document = docx.Document(io.BytesIO(checked_package(data)))
    maker = _SlotMaker()
    slots, _ = assemble(document, maker)
    if "".join(s.char for s in slots) != text:
        raise DocxLayoutError("the document's runs do not give the text that was analysed")
    for start, end, new in sorted(spans, reverse=True):
        _replace(slots[start:end], new)
    # The text the reader saw is governed by the plan alone (a rejected mention stays); the sweep is for
    # what it did not see (deleted revisions aside, which go): other parts, attributes, properties.
    read = {(t[1], t[2]) for s in slots for t in s.targets}
    pairs = [(old, new) for old, new in surfaces if old.strip()]
    _sweep_package(document, maker.parsed(), pairs, read)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _replace(slots: Sequence[_Slot], new: str) -> None:
    """Remove the slots' characters from where they live, the replacement in the first place of each lane."""
    cover: dict[tuple[BaseOxmlElement, str | None], list[int]] = {}
    order: list[tuple[int, BaseOxmlElement, str | None]] = []
    for slot in slots:
        for lane, element, attr, index in slot.targets:
            key = (element, attr)
            if key not in cover:
                order.append((lane, element, attr))
                cover[key] = [index, index + 1]
            cover[key][0] = min(cover[key][0], index)
            cover[key][1] = max(cover[key][1], index + 1)
    lanes: set[int] = set()
    for lane, element, attr in order:
        first, last = cover[(element, attr)]
        value = (element.text if attr is None else element.get(attr)) or ""
        value = value[:first] + (new if lane not in lanes else "") + value[last:]
        lanes.add(lane)
        if attr is None:
            element.text = value
            element.set(_XML_SPACE, "preserve")
        else:
            element.set(attr, value)
            if attr == _AUTHOR and element.get(_INITIALS) is not None:
                element.set(_INITIALS, "")  # "JD" would say who "[PER]" is


class _SlotMaker(LineMaker[list[_Slot]]):
    """The reader's text as slots: :class:`~sqzdesk.documents.docx.TextMaker`'s rules, char by char."""

    def paragraph(self, element: BaseOxmlElement) -> list[_Slot]:
        slots: list[_Slot] = []
        for run in paragraph_runs(element):
            for child in run.xpath(_RUN_CONTENT):
                value = str(child)
                if child.tag == _W_T:
                    slots += [_Slot(ch, ((0, child, None, i),)) for i, ch in enumerate(value)]
                else:
                    slots += [_Slot(ch) for ch in value]
        return slots

    def table(self, table: Table) -> Iterator[list[_Slot]]:
        """Mirrors ``documents.docx._table_lines`` (merged cells once, cells joined by tabs)."""
        for cells in iter_row_cells(table):
            line: list[_Slot] = []
            for k, cell in enumerate(cells):
                if k:
                    line.append(_Slot("\t"))
                if cell is not None:
                    line += self._cell(cell)
            yield line

    def _cell_lines(self, container: BaseOxmlElement, parent: ProvidesStoryPart) -> Iterator[list[_Slot]]:
        for block in iter_blocks(container, parent):
            if isinstance(block, Table):
                yield from self.table(block)
            else:
                yield self.paragraph(block)

    def _cell(self, cell: _Cell) -> list[_Slot]:
        """Mirrors ``" ".join(" ".join(lines).split())``: words kept, whitespace runs -> one unmapped space."""
        joined: list[_Slot] = []
        for k, line in enumerate(self._cell_lines(cell._tc, cell)):
            if k:
                joined.append(_Slot(" "))
            joined += line
        words: list[list[_Slot]] = [[]]
        for slot in joined:
            if slot.char.isspace():
                if words[-1]:
                    words.append([])
            else:
                words[-1].append(slot)
        out: list[_Slot] = []
        for word in (w for w in words if w):
            if out:
                out.append(_Slot(" "))
            out += word
        return out

    def literal(self, text: str) -> list[_Slot]:
        return [_Slot(ch) for ch in text]

    def attribute(self, element: BaseOxmlElement, name: str) -> list[_Slot]:
        attr = qn(name)
        return [_Slot(ch, ((0, element, attr, i),)) for i, ch in enumerate(element.get(attr) or "")]

    def concat(self, values: Iterable[list[_Slot]]) -> list[_Slot]:
        return list(chain.from_iterable(values))

    def text(self, value: list[_Slot]) -> str:
        return "".join(s.char for s in value)

    def merge(self, kept: list[_Slot], copy: list[_Slot]) -> list[_Slot]:
        lane = 1 + max((t[0] for s in kept for t in s.targets), default=0)
        return [_Slot(k.char, k.targets + tuple((lane, e, a, i) for _, e, a, i in c.targets))
                for k, c in zip(kept, copy, strict=True)]


# ---- what the reader did not read ------------------------------------------------------------------

# Attributes that hold words a person wrote (tracked-change and comment authors, an image's alt text and
# title); every other attribute is markup (ids, sizes, style names) and is left alone so the file stays valid.
_FREE_TEXT_ATTRIBUTES = frozenset({"author", "descr", "title"})
# Data parts: content-control bindings (customXml/item1.xml is plain application/xml).
_DATA_XML = ("+xml", "/xml")
# lxml's own text of an element: python-docx's element classes redefine ``.text`` (a paragraph's is all of
# its runs' text, read-only)
_RAW_TEXT = etree._Element.text
_APP_PROPERTIES = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
_PEOPLE_IN_APP_PROPERTIES = ("Manager", "Company")  # emptied like the author fields


def _swept(value: str, pairs: Sequence[tuple[str, str]]) -> str:
    """Each original text replaced where it stands as whole words (so "Ann" leaves "Annual" alone)."""
    if not pairs or not value:
        return value
    table = dict(pairs)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(old) for old, _ in pairs) + r")(?!\w)")
    return pattern.sub(lambda m: table[m.group()], value)


def _sweep(root: BaseOxmlElement, pairs: Sequence[tuple[str, str]],
           read: AbstractSet[tuple[BaseOxmlElement, str | None]] = frozenset()) -> None:
    """In one part: deleted revisions and fallback copies removed; each original text replaced in the text
    of every element the reader did not read (``<w:t>`` of skipped stories, field codes, DrawingML and
    chart text, the data bound to content controls in ``customXml/``, document properties) and in the
    free-text attributes (authors, alt text)."""
    if root.tag.startswith(f"{{{_W_NS}}}"):
        for dead in _UNSHOWN(root):
            dead.getparent().remove(dead)
    if not pairs:
        return
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        text = _RAW_TEXT.__get__(element)
        if text and (element, None) not in read:
            value = _swept(text, pairs)
            if value != text:
                _RAW_TEXT.__set__(element, value)
                if element.tag == _W_T:
                    element.set(_XML_SPACE, "preserve")
        if element.tail and element.tail.strip():
            element.tail = _swept(element.tail, pairs)
        for attr, value in element.attrib.items():
            if attr.rsplit("}", 1)[-1] in _FREE_TEXT_ATTRIBUTES and (element, attr) not in read:
                element.set(attr, _swept(value, pairs))


def _sweep_package(document: docx.document.Document, parsed: dict[str, BaseOxmlElement],
                   pairs: Sequence[tuple[str, str]], read: AbstractSet[tuple[BaseOxmlElement, str | None]]) -> None:
    """Every part (the reader's parts too, for what it skipped), link targets and properties."""
    main = document.part
    for part in main.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is not None:
            _sweep(element, pairs, read)
        elif part.content_type.endswith(_DATA_XML) and part.blob:
            root = parsed.get(str(part.partname))
            if root is None:
                if not pairs and part.content_type != _APP_PROPERTIES:
                    continue
                try:
                    root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
                except etree.XMLSyntaxError:
                    continue
            _sweep(root, pairs, read)
            if part.content_type == _APP_PROPERTIES:
                for field in root.iter(*(f"{{*}}{name}" for name in _PEOPLE_IN_APP_PROPERTIES)):
                    field.text = ""
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        for rel in part.rels.values():
            _sweep_target(rel, pairs)
    props = document.core_properties
    props.author = ""
    props.last_modified_by = ""
    for name in ("title", "subject", "keywords", "comments", "category"):
        setattr(props, name, _swept(getattr(props, name) or "", pairs))


def _sweep_target(rel: object, pairs: Sequence[tuple[str, str]]) -> None:
    if getattr(rel, "is_external", False):
        # a link target ("mailto:jane@example.org") holds the text without word boundaries around it
        target = rel._target  # type: ignore[attr-defined]
        for old, new in pairs:
            target = target.replace(old, new)
        rel._target = target  # type: ignore[attr-defined]
